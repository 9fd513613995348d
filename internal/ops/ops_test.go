package ops_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
)

func prodClient(t *testing.T) *ontap.Client {
	t.Helper()
	est := fleet.Small(fleet.DefaultNow)
	var prod *fleet.OntapCluster
	for _, c := range est.OntapClusters {
		if c.Name == "ontap-prod" {
			prod = c
		}
	}
	srv := httptest.NewServer(simontap.New(est, prod, simontap.Options{}))
	t.Cleanup(srv.Close)
	cl, err := ontap.New(ontap.Options{Endpoint: srv.URL, Username: prod.Username, Password: prod.Password,
		PollInterval: 5 * time.Millisecond, PollMaxInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestResolveVolume(t *testing.T) {
	cl := prodClient(t)
	ctx := context.Background()
	cases := []struct {
		ref, svm string
		kind     ops.Kind
		want     string
	}{
		{"vol_finance", "", "", "svm_prod:vol_finance"},
		{"svm_prod:vol_hr", "", "", "svm_prod:vol_hr"},
		{"vol_nope", "", ops.KindNotFound, "no volume named"},
		{"svm_x:vol_hr", "svm_prod", ops.KindInvalidArgs, "names SVM"},
		{"00000000-0000-1000-8000-000000000000", "", ops.KindNotFound, "HTTP 404"},
	}
	for _, c := range cases {
		v, err := ops.ResolveVolume(ctx, cl, "ontap-prod", c.ref, c.svm)
		switch {
		case c.kind == "" && (err != nil || ops.VolPath(v) != c.want):
			t.Errorf("%s: %v %v", c.ref, v, err)
		case c.kind != "" && (ops.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %s containing %q", c.ref, err, c.kind, c.want)
		}
	}
}

// A repeated EnsureSnapshot or EnsureClone finds its object instead of
// making a second one; DeleteVolumeIfExists is idempotent too.
func TestIdempotentCreates(t *testing.T) {
	cl := prodClient(t)
	ctx := context.Background()
	v, err := ops.ResolveVolume(ctx, cl, "ontap-prod", "vol_finance", "")
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	p := func(m string) { said = append(said, m) }
	s1, made1, err := ops.EnsureSnapshot(ctx, cl, "ontap-prod", v, ontap.SnapshotCreate{Name: "rmcp_t_daily"}, p)
	if err != nil || !made1 {
		t.Fatalf("first: %v %v", made1, err)
	}
	s2, made2, err := ops.EnsureSnapshot(ctx, cl, "ontap-prod", v, ontap.SnapshotCreate{Name: "rmcp_t_daily"}, p)
	if err != nil || made2 || s2.UUID != s1.UUID {
		t.Fatalf("second: %v %v %v", made2, s2, err)
	}
	if len(said) == 0 {
		t.Error("no progress while the job ran")
	}
	c1, made, err := ops.EnsureClone(ctx, cl, "ontap-prod", v, "rmcp_t_daily", "rmcp_t_clone", nil)
	if err != nil || !made {
		t.Fatalf("clone: %v %v", made, err)
	}
	c2, made, err := ops.EnsureClone(ctx, cl, "ontap-prod", v, "rmcp_t_daily", "rmcp_t_clone", nil)
	if err != nil || made || c2.UUID != c1.UUID {
		t.Fatalf("clone again: %v %v", made, err)
	}
	hr, _ := ops.ResolveVolume(ctx, cl, "ontap-prod", "vol_hr", "")
	if _, _, err := ops.EnsureClone(ctx, cl, "ontap-prod", hr, "x", "rmcp_t_clone", nil); ops.KindOf(err) != ops.KindConflict {
		t.Errorf("a clone of another parent was reused: %v", err)
	}
	for i, want := range []bool{true, false} {
		gone, err := ops.DeleteVolumeIfExists(ctx, cl, "ontap-prod", "svm_prod", "rmcp_t_clone", nil)
		if err != nil || gone != want {
			t.Errorf("delete %d: %v %v", i, gone, err)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	cases := []struct {
		err  error
		kind ops.Kind
	}{
		{&ontap.APIError{HTTPStatus: 404, Code: "4"}, ops.KindNotFound},
		{&ontap.APIError{HTTPStatus: 409, Code: "1"}, ops.KindConflict},
		{&ontap.APIError{HTTPStatus: 400, Code: "2"}, ops.KindInvalidArgs},
		{&ontap.APIError{HTTPStatus: 503}, ops.KindBackend},
		{errors.New("dial tcp: refused"), ops.KindBackend},
	}
	for _, c := range cases {
		if got := ops.KindOf(ops.ONTAPError(c.err, "t", "op")); got != c.kind {
			t.Errorf("%v: %s, want %s", c.err, got, c.kind)
		}
	}
	if err := ops.ONTAPError(context.Canceled, "t", "op"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancellation was wrapped: %v", err)
	}
}
