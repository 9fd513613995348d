package aiqum

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	clientaiqum "github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
)

// rig serves an estate's ONTAP clusters and its AIQUM over plain HTTP.
type rig struct {
	est  *fleet.Estate
	a    *fleet.Aiqum
	url  string
	cl   *clientaiqum.Client
	srvs []*httptest.Server
}

func newRig(t *testing.T, est *fleet.Estate) *rig {
	t.Helper()
	r := &rig{est: est, a: est.Aiqums[0]}
	backends := map[string]Backend{}
	for _, c := range est.OntapClusters {
		s := httptest.NewServer(simontap.New(est, c, simontap.Options{}))
		r.srvs = append(r.srvs, s)
		backends[c.Name] = Backend{URL: s.URL}
	}
	s := httptest.NewServer(New(est, r.a, Options{Backends: backends}))
	r.srvs = append(r.srvs, s)
	r.url = s.URL
	t.Cleanup(func() {
		for _, s := range r.srvs {
			s.Close()
		}
	})
	cl, err := clientaiqum.New(clientaiqum.Options{Endpoint: s.URL, Username: r.a.Username, Password: r.a.Password, RetryMax: -1, PageSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	r.cl = cl
	return r
}

func generated(t *testing.T) *fleet.Estate {
	t.Helper()
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1, Volumes: 30, VMs: 20, VolumeGroups: 2, HistoryDays: 20, TaskHistoryDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	return est
}

// get performs a raw GET as the AIQUM user and decodes the JSON body.
func (r *rig) get(t *testing.T, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.url+path, nil)
	req.SetBasicAuth(r.a.Username, r.a.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func TestAuthPathsAndErrors(t *testing.T) {
	r := newRig(t, fleet.Small(fleet.DefaultNow))
	req, _ := http.NewRequest(http.MethodGet, r.url+"/api/v2/datacenter/cluster/clusters", nil)
	req.SetBasicAuth(r.a.Username, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad password: %d", resp.StatusCode)
	}
	cases := []struct {
		path   string
		status int
	}{
		{"/api/v2/datacenter/cluster/clusters", 200},
		{"/api/datacenter/cluster/clusters", 200},
		{"/api/v2/datacenter/storage/volumes?name=vol*", 200},
		{"/api/datacenter/storage/volumes?fields=name", 400},
		{"/api/datacenter/storage/volumes?name=a%3Fb", 400},
		{"/api/management-server/events?history.timestamp=%3E2020-01-01", 400},
		{"/api/management-server/events?history.state=new&history.user=a&history.cause=b", 400},
		{"/api/management-server/events/nope", 404},
		{"/api/v2/management-server/system", 200},
		{"/api/gateways/not-a-cluster/cluster", 404},
		{"/api/v2/nothing/here", 404},
	}
	for _, c := range cases {
		st, body := r.get(t, c.path)
		if st != c.status {
			t.Errorf("GET %s: %d, want %d (%v)", c.path, st, c.status, body)
		}
		if st >= 400 {
			e, _ := body["error"].(map[string]any)
			if e == nil || e["message"] == "" || e["code"] == nil {
				t.Errorf("GET %s: error envelope %v", c.path, body)
			}
		}
	}
}

func TestPagesCarryTotalsAndUnversionedNextPaths(t *testing.T) {
	r := newRig(t, fleet.Small(fleet.DefaultNow))
	st, first := r.get(t, "/api/v2/datacenter/storage/volumes?max_records=2&order_by=name")
	if st != 200 {
		t.Fatal(st)
	}
	total := int(first["total_records"].(float64))
	if total < 3 {
		t.Fatalf("want at least 3 volumes, got %d", total)
	}
	seen := 0
	page := first
	for pages := 0; ; pages++ {
		if int(page["total_records"].(float64)) != total {
			t.Fatalf("page %d: total_records %v, want %d on every page", pages, page["total_records"], total)
		}
		if n := int(page["num_records"].(float64)); n != len(page["records"].([]any)) {
			t.Fatalf("num_records %d does not count the page", n)
		}
		seen += len(page["records"].([]any))
		links := page["_links"].(map[string]any)
		if links["self"] == nil {
			t.Fatal("no _links.self")
		}
		next, ok := links["next"].(map[string]any)
		if !ok {
			break
		}
		href := next["href"].(string)
		if !strings.HasPrefix(href, "/api/datacenter/storage/volumes?") {
			t.Fatalf("next href %q: want an unversioned path", href)
		}
		_, page = r.get(t, href)
	}
	if seen != total {
		t.Fatalf("pages held %d records, total_records %d", seen, total)
	}
	// The client (page size 7) reads them all too.
	vols, err := r.cl.ListVolumes(context.Background(), nil)
	if err != nil || len(vols) != total {
		t.Fatalf("client: %d volumes, %v; want %d", len(vols), err, total)
	}
	for _, v := range vols {
		if !strings.HasPrefix(v.Key, v.Cluster.UUID+":type=volume,uuid="+v.UUID) {
			t.Errorf("volume key %q is not <cluster>:type=volume,uuid=<uuid>", v.Key)
		}
	}
	// A key in the path returns the bare object.
	st, one := r.get(t, "/api/datacenter/storage/volumes/"+url.PathEscape(vols[0].Key))
	if st != 200 || one["key"] != vols[0].Key || one["records"] != nil {
		t.Fatalf("GET by key: %d %v", st, one)
	}
}

func findEvent(evs []clientaiqum.Event, name, resource string) *clientaiqum.Event {
	for i := range evs {
		if evs[i].Name == name && evs[i].Impact.ResourceName == resource {
			return &evs[i]
		}
	}
	return nil
}

func TestEventsFollowThePlantedConditions(t *testing.T) {
	est := generated(t)
	r := newRig(t, est)
	ctx := context.Background()
	evs, total, err := r.cl.ListEvents(ctx, clientaiqum.EventFilter{State: "new|acknowledged"})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(evs) {
		t.Fatalf("total %d, got %d", total, len(evs))
	}
	want := []struct{ name, resource, area, severity, rtype string }{
		{"Mirror Replication Lag Warning", "svm_db_dr:" + fleet.PlantedLagVolume + "_dr", "protection", "warning", "snap_mirror"},
		{"Volume Snapshot Reserve Space Full", "svm_nas:" + fleet.PlantedReserveVolume, "capacity", "warning", "volume"},
		{"Ransomware Activity Seen", "svm_nas:" + fleet.PlantedRansomwareVol, "security", "critical", "volume"},
	}
	for _, w := range want {
		ev := findEvent(evs, w.name, w.resource)
		if ev == nil {
			t.Errorf("no %q event on %s among %d events", w.name, w.resource, len(evs))
			continue
		}
		if ev.Impact.Area != w.area || ev.Severity != w.severity || ev.Impact.ResourceType != w.rtype || ev.CurrentState != "new" {
			t.Errorf("%s: %+v", w.name, ev)
		}
		if len(ev.History) == 0 || ev.History[0].State != "new" || !strings.HasPrefix(ev.Duration, "PT") {
			t.Errorf("%s: history %v duration %q", w.name, ev.History, ev.Duration)
		}
	}
	// Filters: area and the documented history filter.
	prot, _, err := r.cl.ListEvents(ctx, clientaiqum.EventFilter{Area: "protection", Since: est.Clock.Now().Add(-90 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range prot {
		if e.Impact.Area != "protection" {
			t.Errorf("area filter let %s through", e.Name)
		}
	}
	if findEvent(prot, want[0].name, want[0].resource) == nil {
		t.Error("the lag event is missing from the protection filter")
	}
	// Fold: a second cycle raises nothing new.
	again, _, _ := r.cl.ListEvents(ctx, clientaiqum.EventFilter{})
	if len(again) != len(evs) {
		t.Errorf("second cycle: %d events, first %d: repeats must fold", len(again), len(evs))
	}

	// Clearing the lag (a fresh exported snapshot) makes the event obsolete.
	dr := est.OntapClusterByName("ontap-dr")
	dr.Mu.Lock()
	for _, rel := range dr.Relationships {
		if rel.DestinationPath == want[0].resource {
			rel.ExportedSnapshotTime = est.Clock.Now()
		}
	}
	dr.Mu.Unlock()
	got, err := r.cl.GetEvent(ctx, findEvent(evs, want[0].name, want[0].resource).Key)
	if err != nil {
		t.Fatal(err)
	}
	if got.CurrentState != "obsolete" || got.History[len(got.History)-1].Cause != "system_resolved" {
		t.Errorf("cleared lag: state %s history %v", got.CurrentState, got.History)
	}
	if _, err := r.cl.UpdateEvent(ctx, got.Key, clientaiqum.ActionAcknowledge, "ops"); clientaiqum.StatusOf(err) != 400 {
		t.Errorf("acknowledging an obsolete event: %v, want 400", err)
	}
}

func TestEventPatchStateMachine(t *testing.T) {
	est := generated(t)
	r := newRig(t, est)
	ctx := context.Background()
	evs, _, err := r.cl.ListEvents(ctx, clientaiqum.EventFilter{Name: "Ransomware Activity Seen"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	key := evs[0].Key
	steps := []struct {
		action, user, state string
		status              int
	}{
		{clientaiqum.ActionAssign, "alice", "new", 0},
		{clientaiqum.ActionAcknowledge, "bob", "acknowledged", 0},
		{clientaiqum.ActionAcknowledge, "bob", "acknowledged", 0}, // idempotent
		{clientaiqum.ActionResolve, "carol", "resolved", 0},
		{clientaiqum.ActionAcknowledge, "bob", "", 400}, // resolved cannot be acknowledged
	}
	for i, s := range steps {
		ev, err := r.cl.UpdateEvent(ctx, key, s.action, s.user)
		if s.status != 0 {
			if clientaiqum.StatusOf(err) != s.status {
				t.Fatalf("step %d: %v, want HTTP %d", i, err, s.status)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.action, err)
		}
		if ev.CurrentState != s.state {
			t.Fatalf("step %d: state %s, want %s", i, ev.CurrentState, s.state)
		}
	}
	ev, _ := r.cl.GetEvent(ctx, key)
	if ev.Assigned == nil || ev.Assigned.User != "alice" || ev.Assigned.Timestamp == "" {
		t.Errorf("assigned %+v", ev.Assigned)
	}
	var states []string
	for _, h := range ev.History {
		states = append(states, h.State+"/"+h.User)
	}
	if strings.Join(states, ",") != "new/,acknowledged/bob,resolved/carol" {
		t.Errorf("history %v", states)
	}
	// Raw bodies the documentation does not allow.
	for _, body := range []string{`{"current_state":"obsolete"}`, `{"severity":"normal"}`, `{}`} {
		req, _ := http.NewRequest(http.MethodPatch, r.url+"/api/v2/management-server/events/"+key, bytes.NewBufferString(body))
		req.SetBasicAuth(r.a.Username, r.a.Password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("PATCH %s: %d, want 400", body, resp.StatusCode)
		}
	}
}

func TestGatewayForwardsToTheCluster(t *testing.T) {
	est := fleet.Small(fleet.DefaultNow)
	r := newRig(t, est)
	ctx := context.Background()
	gws, err := r.cl.ListGateways(ctx)
	if err != nil || len(gws) != len(est.OntapClusters) {
		t.Fatalf("gateways %v %v", gws, err)
	}
	prod := est.OntapClusterByName("ontap-prod")
	var gw clientaiqum.Gateway
	for _, g := range gws {
		if g.Name == prod.Name {
			gw = g
		}
	}
	if gw.UUID != prod.UUID || gw.Type != "ONTAP" {
		t.Fatalf("gateway record %+v", gw)
	}
	// An ONTAP client through the gateway, with the AIQUM's credentials.
	oc, err := ontap.New(ontap.Options{Endpoint: r.url, Username: r.a.Username, Password: r.a.Password,
		PathPrefix: clientaiqum.GatewayPrefix(gw.UUID), RetryMax: -1, PollInterval: time.Millisecond, PollMaxInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := oc.GetCluster(ctx)
	if err != nil || c.Name != prod.Name {
		t.Fatalf("cluster through the gateway: %+v %v", c, err)
	}
	vols, err := oc.ListVolumes(ctx, nil)
	if err != nil || len(vols) != len(prod.Volumes) {
		t.Fatalf("volumes through the gateway: %d %v", len(vols), err)
	}
	// HAL links come back rewritten onto the gateway.
	st, page := r.get(t, "/api/gateways/"+gw.UUID+"/storage/volumes?max_records=1")
	if st != 200 {
		t.Fatal(st)
	}
	next := page["_links"].(map[string]any)["next"].(map[string]any)["href"].(string)
	if !strings.HasPrefix(next, "/api/gateways/"+gw.UUID+"/storage/volumes?") {
		t.Errorf("next link %q not rewritten", next)
	}
	// A write: the snapshot job is polled through the gateway too.
	v := vols[0]
	res, err := oc.CreateSnapshot(ctx, v.UUID, ontap.SnapshotCreate{Name: "via_aiqum"})
	if err != nil {
		t.Fatalf("create a snapshot through the gateway: %v", err)
	}
	if res.Job == nil || res.Job.State != "success" {
		t.Fatalf("job %+v", res.Job)
	}
	prod.Mu.Lock()
	found := prod.Volume(v.UUID).Snapshot("via_aiqum") != nil
	prod.Mu.Unlock()
	if !found {
		t.Error("the snapshot did not reach the cluster")
	}
	// ONTAP errors pass through unchanged.
	_, err = oc.GetVolume(ctx, "00000000-0000-1000-8000-000000000000")
	if !ontap.IsNotFound(err) {
		t.Errorf("missing volume through the gateway: %v", err)
	}
}

func TestOperatorMayOnlyRead(t *testing.T) {
	est := fleet.Small(fleet.DefaultNow)
	r := newRig(t, est)
	a := r.a
	prod := est.OntapClusterByName("ontap-prod")
	op, err := ontap.New(ontap.Options{Endpoint: r.url, Username: a.OperatorUsername, Password: a.OperatorPassword,
		PathPrefix: clientaiqum.GatewayPrefix(prod.UUID), RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	vols, err := op.ListVolumes(ctx, nil)
	if err != nil || len(vols) == 0 {
		t.Fatalf("operator read through the gateway: %v", err)
	}
	_, err = op.CreateSnapshot(ctx, vols[0].UUID, ontap.SnapshotCreate{Name: "nope"})
	var ae *ontap.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 403 {
		t.Fatalf("operator write through the gateway: %v, want 403", err)
	}
	prod.Mu.Lock()
	taken := prod.Volume(vols[0].UUID).Snapshot("nope") != nil
	prod.Mu.Unlock()
	if taken {
		t.Fatal("the refused write reached the cluster")
	}
	cl, _ := clientaiqum.New(clientaiqum.Options{Endpoint: r.url, Username: a.OperatorUsername, Password: a.OperatorPassword, RetryMax: -1})
	if _, err := cl.ListClusters(ctx, nil); err != nil {
		t.Fatal(err)
	}
	a.Mu.Lock()
	a.Events = append(a.Events, &fleet.AiqumEvent{Key: "k1", Name: "X", Severity: "warning", State: "new", Area: "protection", Level: "risk",
		ResourceType: "volume", Cluster: prod.Name, Raised: est.Clock.Now(), History: []fleet.AiqumEventHistory{{State: "new", Time: est.Clock.Now()}}})
	a.Mu.Unlock()
	if _, err := cl.UpdateEvent(ctx, "k1", clientaiqum.ActionAcknowledge, "op"); clientaiqum.StatusOf(err) != 403 {
		t.Errorf("operator PATCH: %v, want 403", err)
	}
}
