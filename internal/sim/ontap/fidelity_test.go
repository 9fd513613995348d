package ontap_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Fidelity cases found by clients we did not write (issue 13): each is an
// ONTAP behaviour a real cluster shows.

// wantError checks an ONTAP error answer's status, code and (when given)
// message and target.
func wantError(t *testing.T, r resp, status int, code, message, target string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil || e["code"] != code || (message != "" && e["message"] != message) || (target != "" && e["target"] != target) {
		t.Fatalf("error %v, want code %s message %q target %q", e, code, message, target)
	}
}

func TestUnknownNamesInQueries(t *testing.T) {
	ev := newEnv(t)
	cases := []struct {
		name, path      string
		status          int
		code, msg, targ string
		records         bool // a 200 with at least one record
	}{
		{"ignore_unknown_fields keeps records", "/api/storage/volumes?fields=name,svm.name,bogus_field&ignore_unknown_fields=true", 200, "", "", "", true},
		{"unknown fields= name", "/api/storage/volumes?fields=name,bogus_field", 400, "262197", `The value "bogus_field" is invalid for field "fields"`, "fields", false},
		{"unknown nested fields= name", "/api/storage/volumes?fields=space.bogus", 400, "262197", `The value "space.bogus" is invalid for field "fields"`, "fields", false},
		{"unknown query parameter", "/api/storage/volumes?bogus_param=1", 400, "262179", `Unexpected argument "bogus_param".`, "", false},
		{"unknown parameter with ignore_unknown_fields", "/api/storage/volumes?bogus_param=1&ignore_unknown_fields=true", 400, "262179", "", "", false},
		{"known filter", "/api/storage/volumes?svm.name=svm_prod&fields=space.snapshot.reserve_percent", 200, "", "", "", true},
		{"one object, unknown field", "/api/cluster?fields=version,bogus", 400, "262197", "", "fields", false},
		// ontap-mcp's version tag: unknown names in fields= with ignore_unknown_fields.
		{"ontap-mcp tag", "/api/cluster?ignore_unknown_fields=true&fields=ontapMcpTag,linux,0a1b2c,26.07", 200, "", "", "", false},
		{"bulk snapshots, unknown filter", "/api/storage/volumes/*/snapshots?bogus=1", 400, "262179", "", "", false},
	}
	t.Run("unknown parameter of a write", func(t *testing.T) {
		fin := volUUID(ev, ev.prod, "vol_finance")
		r := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin+"/snapshots?bogus_param=1", map[string]any{"name": "x"})
		wantError(t, r, 400, "262179", `Unexpected argument "bogus_param".`, "")
		if r := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin+"/snapshots?return_timeout=0&return_records=true", map[string]any{"name": "y"}); r.status != 202 {
			t.Fatalf("documented parameters refused: %d %s", r.status, r.body)
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ev.prodGet(tc.path)
			if tc.status != 200 {
				wantError(t, r, tc.status, tc.code, tc.msg, tc.targ)
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tc.records && len(records(t, r)) == 0 {
				t.Fatalf("no records: %s", r.body)
			}
		})
	}
}

func TestBulkSnapshotCollection(t *testing.T) {
	ev := newEnv(t)
	fin, hr := ev.prod.VolumeByName("svm_prod", "vol_finance"), ev.prod.VolumeByName("svm_prod", "vol_hr")
	recs := records(t, ev.prodGet("/api/storage/volumes/*/snapshots?fields=create_time&volume.uuid="+fin.UUID+"|"+hr.UUID+"&order_by=create_time%20desc"))
	if len(recs) != len(fin.Snapshots)+len(hr.Snapshots) {
		t.Fatalf("%d records, want %d", len(recs), len(fin.Snapshots)+len(hr.Snapshots))
	}
	prev := ""
	for _, r := range recs {
		vol, _ := r["volume"].(map[string]any)
		if vol == nil || (vol["uuid"] != fin.UUID && vol["uuid"] != hr.UUID) || r["create_time"] == nil {
			t.Fatalf("record %v", r)
		}
		if ct := r["create_time"].(string); prev != "" && ct > prev {
			t.Fatalf("not newest first: %s after %s", ct, prev)
		}
		prev = r["create_time"].(string)
	}
	// Paged with max_records: the pages add up to the whole.
	n, path := 0, "/api/storage/volumes/*/snapshots?svm.name=svm_prod&max_records=7"
	for path != "" {
		r := ev.prodGet(path)
		n += len(records(t, r))
		path = ""
		if l, ok := r.json(t)["_links"].(map[string]any)["next"].(map[string]any); ok {
			path = l["href"].(string)
		}
	}
	total := 0
	for _, v := range ev.prod.Volumes {
		total += len(v.Snapshots)
	}
	if n != total {
		t.Fatalf("paged bulk read %d snapshots, want %d", n, total)
	}
}

func TestAggregates(t *testing.T) {
	ev := newEnv(t)
	recs := records(t, ev.prodGet("/api/storage/aggregates?fields=name,node.name,space.block_storage.size,space.block_storage.available,state"))
	if len(recs) != len(ev.prod.Aggregates) || len(recs) == 0 {
		t.Fatalf("%d aggregates, want %d", len(recs), len(ev.prod.Aggregates))
	}
	aggr := ev.prod.Aggregates[0]
	if one := ev.prodGet("/api/storage/aggregates/" + aggr.UUID).json(t); one["name"] != aggr.Name || one["state"] != "online" {
		t.Fatalf("aggregate %v", one)
	}
	wantError(t, ev.prodGet("/api/storage/aggregates/4ea7a442-86d1-11e0-ae1c-123478563412"), 404, "4", "", "")
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown aggregate", map[string]any{"name": "vol_a1", "svm": map[string]any{"name": "svm_prod"}, "size": "1GB", "aggregates": []any{map[string]any{"name": "aggr_nope"}}}, 404, "4"},
		{"unknown aggregate uuid", map[string]any{"name": "vol_a2", "svm.name": "svm_prod", "aggregates.uuid": "4ea7a442-86d1-11e0-ae1c-123478563412"}, 404, "4"},
		{"larger than the aggregate", map[string]any{"name": "vol_a3", "svm": map[string]any{"name": "svm_prod"}, "size": "900TB", "aggregates": []any{map[string]any{"name": aggr.Name}}}, 400, "2"},
		{"on a named aggregate", map[string]any{"name": "vol_a4", "svm": map[string]any{"name": "svm_prod"}, "size": "1GB", "aggregates": []any{map[string]any{"name": aggr.Name}}}, 202, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ev.do(ev.prodURL, "POST", "/api/storage/volumes", tc.body)
			if tc.status != 202 {
				wantError(t, r, tc.status, tc.code, "", "")
				return
			}
			if j := ev.waitJob(ev.prodURL, r); j["state"] != "success" {
				t.Fatalf("job %v", j)
			}
			v := records(t, ev.prodGet("/api/storage/volumes?name=vol_a4&fields=aggregates"))
			if len(v) != 1 || fmt.Sprint(v[0]["aggregates"]) == "" || v[0]["aggregates"].([]any)[0].(map[string]any)["name"] != aggr.Name {
				t.Fatalf("volume %v", v)
			}
		})
	}
}

func TestSnapshotPolicyChanges(t *testing.T) {
	ev := newEnv(t)
	r := ev.do(ev.prodURL, "POST", "/api/storage/snapshot-policies", map[string]any{
		"name": "sp_test", "enabled": true,
		"copies": []any{map[string]any{"count": 6, "schedule": map[string]any{"name": "hourly"}}},
	})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	uuid := records(t, ev.prodGet("/api/storage/snapshot-policies?name=sp_test"))[0]["uuid"].(string)
	base := "/api/storage/snapshot-policies/" + uuid
	daily := ev.prod.Schedule("daily").UUID
	hourly := ev.prod.Schedule("hourly").UUID
	steps := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"rename and comment", "PATCH", base, map[string]any{"name": "sp_test2", "comment": "for tests"}, 200, ""},
		{"refuse unknown field", "PATCH", base, map[string]any{"bogus": 1}, 400, "2"},
		{"add a schedule", "POST", base + "/schedules", map[string]any{"schedule": map[string]any{"name": "daily"}, "count": 7, "snapmirror_label": "daily"}, 201, ""},
		{"same schedule twice", "POST", base + "/schedules", map[string]any{"schedule": map[string]any{"uuid": daily}, "count": 2}, 409, "1"},
		{"unknown schedule", "POST", base + "/schedules", map[string]any{"schedule": map[string]any{"name": "nope"}, "count": 2}, 404, "4"},
		{"change a schedule's count", "PATCH", base + "/schedules/" + daily, map[string]any{"count": 14}, 200, ""},
		{"remove a schedule", "DELETE", base + "/schedules/" + hourly, nil, 200, ""},
		{"not the last one while enabled", "DELETE", base + "/schedules/" + daily, nil, 400, "2"},
		{"disable", "PATCH", base, map[string]any{"enabled": false}, 200, ""},
		{"in use by a volume", "DELETE", "/api/storage/snapshot-policies/" + ev.prod.SnapshotPolicy("default").UUID, nil, 409, "8"},
	}
	for _, s := range steps {
		r := ev.do(ev.prodURL, s.method, s.path, s.body)
		if s.code != "" {
			t.Run(s.name, func(t *testing.T) { wantError(t, r, s.status, s.code, "", "") })
			continue
		}
		if r.status != s.status {
			t.Fatalf("%s: %d %s", s.name, r.status, r.body)
		}
	}
	p := ev.prodGet(base).json(t)
	copies := p["copies"].([]any)
	if p["name"] != "sp_test2" || p["comment"] != "for tests" || p["enabled"] != false || len(copies) != 1 {
		t.Fatalf("policy %v", p)
	}
	if c := copies[0].(map[string]any); c["schedule"].(map[string]any)["name"] != "daily" || fmt.Sprint(c["count"]) != "14" || c["snapmirror_label"] != "daily" {
		t.Fatalf("copy %v", c)
	}
	if s := records(t, ev.prodGet(base+"/schedules?fields=count,snapmirror_label")); len(s) != 1 || fmt.Sprint(s[0]["count"]) != "14" {
		t.Fatalf("schedules %v", s)
	}
	if r := ev.do(ev.prodURL, "DELETE", base, nil); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantError(t, ev.prodGet(base), 404, "4", "", "")
}

func TestSnapmirrorCreateAndDelete(t *testing.T) {
	ev := newEnv(t)
	post := func(body map[string]any) resp { return ev.do(ev.drURL, "POST", "/api/snapmirror/relationships", body) }
	bad := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"no such source", map[string]any{"source": map[string]any{"path": "svm_prod:vol_nope"}, "destination": map[string]any{"path": "svm_dr:x_dr"}}, 404, "4"},
		{"destination missing without create_destination", map[string]any{"source": map[string]any{"path": "svm_prod:vol_logs"}, "destination": map[string]any{"path": "svm_dr:vol_logs_dr"}}, 404, "4"},
		{"destination already mirrored", map[string]any{"source": map[string]any{"path": "svm_prod:vol_hr"}, "destination": map[string]any{"path": "svm_dr:vol_hr_dr"}}, 409, "1"},
		{"unknown policy", map[string]any{"source": map[string]any{"path": "svm_prod:vol_logs"}, "destination": map[string]any{"path": "svm_dr:vol_logs_dr"}, "create_destination": map[string]any{"enabled": true}, "policy": map[string]any{"name": "Nope"}}, 404, "4"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { wantError(t, post(tc.body), tc.status, tc.code, "", "") })
	}
	r := post(map[string]any{
		"source": map[string]any{"path": "svm_prod:vol_logs"}, "destination": map[string]any{"path": "svm_dr:vol_logs_dr"},
		"create_destination": map[string]any{"enabled": true}, "policy": map[string]any{"name": "MirrorAllSnapshots"},
		"transfer_schedule": map[string]any{"name": "hourly"}, "state": "snapmirrored",
	})
	if j := ev.waitJob(ev.drURL, r); j["state"] != "success" {
		t.Fatalf("create job %v", j)
	}
	dst := records(t, ev.drGet("/api/storage/volumes?name=vol_logs_dr&fields=type,size"))
	if len(dst) != 1 || dst[0]["type"] != "dp" {
		t.Fatalf("destination %v", dst)
	}
	rels := records(t, ev.drGet("/api/snapmirror/relationships?destination.path=svm_dr:vol_logs_dr&fields=uuid,state,policy.name"))
	if len(rels) != 1 {
		t.Fatalf("relationships %v", rels)
	}
	relUUID := rels[0]["uuid"].(string)
	// Initialize runs; a GET of the relationship polls it to the end.
	for i := 0; i < 100; i++ {
		rel := ev.drGet("/api/snapmirror/relationships/" + relUUID + "?fields=state,transfer").json(t)
		if rel["state"] == "snapmirrored" {
			break
		}
	}
	rel := ev.drGet("/api/snapmirror/relationships/" + relUUID + "?fields=state,policy.name,exported_snapshot").json(t)
	if rel["state"] != "snapmirrored" || rel["exported_snapshot"] == nil || rel["policy"].(map[string]any)["name"] != "MirrorAllSnapshots" {
		t.Fatalf("relationship %v", rel)
	}
	wantError(t, ev.do(ev.drURL, "DELETE", "/api/snapmirror/relationships/"+relUUID+"?destination_only=true&source_only=true", nil), 400, "2", "", "")
	if j := ev.waitJob(ev.drURL, ev.do(ev.drURL, "DELETE", "/api/snapmirror/relationships/"+relUUID, nil)); j["state"] != "success" {
		t.Fatalf("delete job %v", j)
	}
	wantError(t, ev.drGet("/api/snapmirror/relationships/"+relUUID), 404, "4", "", "")
	if n := len(records(t, ev.drGet("/api/storage/volumes?name=vol_logs_dr"))); n != 1 {
		t.Fatalf("the destination volume should stay after delete, found %d", n)
	}
}

// fakeWall is a wall clock the test moves.
type fakeWall struct {
	mu sync.Mutex
	t  time.Time
}

func (w *fakeWall) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.t }
func (w *fakeWall) add(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t = w.t.Add(d)
}

func TestWorkProgressesWithTime(t *testing.T) {
	ev := newEnv(t)
	wall := &fakeWall{t: time.Unix(0, 0)}
	ev.estate.Clock.Run(1, wall.now)
	fin := volUUID(ev, ev.prod, "vol_finance")
	// A snapshot create answers 202; nobody polls the job, yet once time
	// has passed the snapshot is there.
	r := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin+"/snapshots", map[string]any{"name": "unpolled"})
	if r.status != 202 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if n := len(records(t, ev.prodGet("/api/storage/volumes/"+fin+"/snapshots?name=unpolled"))); n != 0 {
		t.Fatalf("snapshot exists before its job ran")
	}
	wall.add(time.Minute)
	if n := len(records(t, ev.prodGet("/api/storage/volumes/"+fin+"/snapshots?name=unpolled"))); n != 1 {
		t.Fatalf("snapshot missing a minute after its job started")
	}
	// A SnapMirror update transfer finishes with time too.
	rels := records(t, ev.drGet("/api/snapmirror/relationships?destination.path=svm_dr:vol_finance_dr"))
	relUUID := rels[0]["uuid"].(string)
	if r := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+relUUID+"/transfers", map[string]any{}); r.status != 201 {
		t.Fatalf("transfer: %d %s", r.status, r.body)
	}
	state := func() string {
		rec := records(t, ev.drGet("/api/snapmirror/relationships?destination.path=svm_dr:vol_finance_dr&fields=transfer.state"))[0]
		tr, _ := rec["transfer"].(map[string]any)
		return fmt.Sprint(tr["state"])
	}
	if s := state(); s == "success" {
		t.Fatalf("transfer done before any time passed")
	}
	wall.add(time.Hour)
	if s := state(); s != "success" {
		t.Fatalf("transfer state %s an hour later, want success", s)
	}
}
