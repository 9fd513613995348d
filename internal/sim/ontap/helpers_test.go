package ontap_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
)

var epoch = time.Date(2025, 6, 18, 9, 41, 0, 0, time.UTC)

// env is a small estate with both simulators served over real HTTP.
type env struct {
	t       *testing.T
	estate  *fleet.Estate
	prod    *fleet.OntapCluster
	dr      *fleet.OntapCluster
	prodSim *simontap.Server
	drSim   *simontap.Server
	prodURL string
	drURL   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &fleet.Estate{Clock: fleet.NewClock(epoch)}
	fleet.SmallOntap(e)
	ev := &env{t: t, estate: e, prod: e.OntapClusterByName("ontap-prod"), dr: e.OntapClusterByName("ontap-dr")}
	ev.prodSim = simontap.New(e, ev.prod, simontap.Options{})
	ev.drSim = simontap.New(e, ev.dr, simontap.Options{})
	ps := httptest.NewServer(ev.prodSim)
	ds := httptest.NewServer(ev.drSim)
	t.Cleanup(ps.Close)
	t.Cleanup(ds.Close)
	ev.prodURL, ev.drURL = ps.URL, ds.URL
	return ev
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

func (ev *env) do(base, method, path string, body any) resp {
	ev.t.Helper()
	user, pass := "admin", ev.prod.Password
	if base == ev.drURL {
		pass = ev.dr.Password
	}
	return doAs(ev.t, base, method, path, body, user, pass)
}

func doAs(t *testing.T, base, method, path string, body any, user, pass string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func (ev *env) prodGet(path string) resp { return ev.do(ev.prodURL, "GET", path, nil) }
func (ev *env) drGet(path string) resp   { return ev.do(ev.drURL, "GET", path, nil) }

func records(t *testing.T, r resp) []map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out []map[string]any
	for _, x := range r.json(t)["records"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func volUUID(ev *env, c *fleet.OntapCluster, name string) string {
	for _, v := range c.Volumes {
		if v.Name == name {
			return v.UUID
		}
	}
	ev.t.Fatalf("no volume %s", name)
	return ""
}

// waitJob polls a job until it finishes and returns its record.
func (ev *env) waitJob(base string, r resp) map[string]any {
	ev.t.Helper()
	if r.status != 202 && r.status != 200 && r.status != 201 {
		ev.t.Fatalf("write answered %d: %s", r.status, r.body)
	}
	uuid := r.json(ev.t)["job"].(map[string]any)["uuid"].(string)
	for i := 0; i < 200; i++ {
		j := ev.do(base, "GET", "/api/cluster/jobs/"+uuid+"?fields=**", nil).json(ev.t)
		if st := j["state"]; st == "success" || st == "failure" {
			return j
		}
	}
	ev.t.Fatalf("job %s never finished", uuid)
	return nil
}
