package targets

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
)

// fakeAIQUM answers /api/gateways with the given clusters (name, uuid, ip).
func fakeAIQUM(t *testing.T, status int, clusters ...[3]string) (config.Target, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/api/gateways" {
			http.NotFound(w, r)
			return
		}
		if status != 200 {
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":{"code":"401","message":"Authentication failed."}}`)
			return
		}
		var recs []string
		for _, c := range clusters {
			recs = append(recs, fmt.Sprintf(`{"name":%q,"uuid":%q,"ip_address":%q,"type":"ONTAP"}`, c[0], c[1], c[2]))
		}
		fmt.Fprintf(w, `{"records":[%s],"num_records":%d,"_links":{"self":{"href":"/api/gateways"}}}`, strings.Join(recs, ","), len(recs))
	}))
	t.Cleanup(s.Close)
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	p, _ := strconv.Atoi(port)
	return config.Target{Name: "um", Kind: config.KindAIQUM, Host: host, Port: p, PlainHTTP: true, Username: "u", MaxConcurrency: 2, Timeout: config.Duration(5e9)}, &calls
}

func names(ts []config.Target) string {
	var out []string
	for _, t := range ts {
		s := t.Name
		if t.Via != "" {
			s += "@" + t.Via
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func TestAIQUMDiscoveryAndDedupe(t *testing.T) {
	aiq, calls := fakeAIQUM(t, 200, [3]string{"prod-a", "u-a", "10.0.0.1"}, [3]string{"prod-b", "u-b", "10.0.0.2"},
		[3]string{"dr-c", "u-c", "10.0.0.3"}, [3]string{"pc-prod", "u-d", "10.0.0.4"})
	cases := []struct {
		name   string
		direct []config.Target
		ontap  string
	}{
		{"all behind AIQUM", nil, "prod-a@um,prod-b@um,dr-c@um"},
		{"a direct target of the same name wins", []config.Target{{Name: "prod-a", Kind: config.KindONTAP, Host: "prod-a.example.com"}},
			"prod-a,prod-b@um,dr-c@um"},
		{"a direct target at the management address wins", []config.Target{{Name: "b", Kind: config.KindONTAP, Host: "10.0.0.2"}},
			"b,prod-a@um,dr-c@um"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := append([]config.Target{{Name: "pc-prod", Kind: config.KindNutanix}}, c.direct...)
			r := New(append(ts, aiq), builtin(t), nil)
			if got := names(r.OfKind(config.KindONTAP)); got != names(c.direct) {
				t.Fatalf("before discovery: %s", got)
			}
			if err := r.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := names(r.OfKind(config.KindONTAP)); got != c.ontap {
				t.Errorf("ontap targets %s, want %s", got, c.ontap)
			}
			tg, err := r.Resolve(config.KindONTAP, "dr-c")
			if err != nil || tg.Via != "um" || tg.ClusterUUID != "u-c" || GatewayPath(tg) != "/api/gateways/u-c" || tg.Endpoint() != aiq.Endpoint() {
				t.Errorf("dr-c: %+v %v", tg, err)
			}
			cl, err := r.ONTAP(tg)
			if err != nil || cl.Endpoint() != aiq.Endpoint()+"/api/gateways/u-c" {
				t.Errorf("client %v %v", cl, err)
			}
			if b, err := r.Behind("um"); err != nil || strings.Join(b, ",") != "prod-a,prod-b,dr-c,pc-prod" {
				t.Errorf("behind %v %v", b, err)
			}
		})
	}
	// A fresh discovery is reused.
	r := New([]config.Target{aiq}, builtin(t), nil)
	before := calls.Load()
	for range 3 {
		_ = r.Refresh(context.Background())
	}
	if n := calls.Load() - before; n != 1 {
		t.Errorf("%d discoveries for three refreshes within the TTL", n)
	}
}

func TestAIQUMDiscoveryFailureIsReported(t *testing.T) {
	aiq, calls := fakeAIQUM(t, 401)
	r := New([]config.Target{aiq}, builtin(t), nil)
	err := r.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "aiqum target um") || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := r.Resolve(config.KindONTAP, ""); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("resolve the only ONTAP target: %v", err)
	}
	if _, err := r.Resolve(config.KindONTAP, "prod-a"); err == nil || !strings.Contains(err.Error(), "behind AIQUM may be missing") {
		t.Errorf("resolve a name: %v", err)
	}
	before := calls.Load()
	_ = r.Refresh(context.Background())
	if calls.Load() == before {
		t.Error("a failed discovery must be retried on the next refresh")
	}
}
