package ontap_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

func errCode(t *testing.T, r resp) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error envelope in %s", r.body)
	}
	return e["code"].(string)
}

func names(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r["name"].(string))
	}
	return out
}

func TestSmallOntapEstate(t *testing.T) {
	ev := newEnv(t)
	if got := len(ev.prod.Volumes); got != 9 {
		t.Errorf("prod volumes = %d, want 9 (8 + 1 clone)", got)
	}
	if got := len(ev.dr.Relationships); got != 6 {
		t.Errorf("dr relationships = %d, want 6", got)
	}
	unhealthy, paused := 0, 0
	for _, r := range ev.dr.Relationships {
		if !r.Healthy {
			unhealthy++
		}
		if r.State == "paused" {
			paused++
		}
	}
	if unhealthy != 1 || paused != 1 {
		t.Errorf("unhealthy=%d paused=%d, want 1 and 1", unhealthy, paused)
	}
	// Two builds at the same time are identical.
	e2 := &fleet.Estate{Clock: fleet.NewClock(epoch)}
	fleet.SmallOntap(e2)
	a, _ := json.Marshal(ev.estate.OntapClusters[0].Volumes)
	b, _ := json.Marshal(e2.OntapClusters[0].Volumes)
	if !bytes.Equal(a, b) {
		t.Error("SmallOntap is not deterministic")
	}
	// Most volumes keep their snapshots within the reserve; vol_logs spills.
	for _, name := range []string{"vol_finance", "vol_home", "vol_logs"} {
		rec := ev.prodGet("/api/storage/volumes/" + volUUID(ev, ev.prod, name) + "?fields=space").json(t)
		spill, _ := rec["space"].(map[string]any)["snapshot_spill"].(json.Number).Int64()
		if (name == "vol_logs") != (spill > 0) {
			t.Errorf("%s snapshot_spill = %d", name, spill)
		}
	}
}

func TestAuth(t *testing.T) {
	ev := newEnv(t)
	for _, tc := range []struct{ user, pass string }{{"admin", "wrong"}, {"root", ev.prod.Password}, {"", ""}} {
		r := doAs(t, ev.prodURL, "GET", "/api/cluster", nil, tc.user, tc.pass)
		if r.status != 401 {
			t.Errorf("%q/%q: status %d", tc.user, tc.pass, r.status)
		}
		if strings.Contains(string(r.body), ev.prod.Password) {
			t.Error("401 body leaks the password")
		}
		errCode(t, r)
	}
	if r := ev.prodGet("/api/cluster"); r.status != 200 {
		t.Fatalf("good credentials: %d", r.status)
	}
}

func TestCollectionsAndFields(t *testing.T) {
	ev := newEnv(t)
	// Default: key fields and links only.
	recs := records(t, ev.prodGet("/api/storage/volumes"))
	for _, r := range recs {
		for k := range r {
			if k != "uuid" && k != "name" && k != "_links" {
				t.Errorf("default collection returned %q", k)
			}
		}
	}
	// fields=* leaves expensive fields out; ** and names bring them.
	star := records(t, ev.prodGet("/api/storage/volumes?fields=*&name=vol_finance"))[0]
	if _, ok := star["space"].(map[string]any)["snapshot"]; ok {
		t.Error("fields=* returned space.snapshot")
	}
	if star["state"] != "online" || star["svm"] == nil {
		t.Errorf("fields=* lacks common fields: %v", star)
	}
	named := records(t, ev.prodGet("/api/storage/volumes?fields=space.snapshot.used,snapshot_count&name=vol_finance"))[0]
	sp := named["space"].(map[string]any)
	if len(sp) != 1 || sp["snapshot"].(map[string]any)["used"] == nil || named["snapshot_count"] == nil || named["state"] != nil {
		t.Errorf("named fields: %v", named)
	}
	// One object: fields=* by default.
	one := ev.prodGet("/api/storage/volumes/" + volUUID(ev, ev.prod, "vol_hr")).json(t)
	if one["state"] != "online" || one["space"].(map[string]any)["snapshot"] != nil {
		t.Errorf("single GET default: %v", one)
	}
	// return_records=false.
	cnt := ev.prodGet("/api/storage/volumes?return_records=false").json(t)
	if cnt["records"] != nil || cnt["num_records"].(json.Number).String() != "9" {
		t.Errorf("return_records=false: %v", cnt)
	}
	// Accept: application/json drops HAL links.
	req, _ := http.NewRequest("GET", ev.prodURL+"/api/storage/volumes?fields=svm", nil)
	req.SetBasicAuth("admin", ev.prod.Password)
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	res.Body.Close()
	if strings.Contains(buf.String(), "_links") {
		t.Errorf("Accept: application/json kept links: %s", buf.String())
	}
}

func TestFilters(t *testing.T) {
	ev := newEnv(t)
	cases := []struct {
		base, path string
		want       []string
	}{
		{ev.prodURL, "/api/storage/volumes?name=vol_f*", []string{"vol_finance", "vol_finance_clone_q2"}},
		{ev.prodURL, "/api/storage/volumes?name=vol_hr|vol_home", []string{"vol_hr", "vol_home"}},
		{ev.prodURL, "/api/storage/volumes?snapshot_policy.name=none&name=!vol_archive", []string{"vol_finance_clone_q2"}},
		{ev.prodURL, "/api/storage/volumes?size=>=1TB", []string{"vol_eng_src", "vol_vmware_ds01"}},
		{ev.prodURL, "/api/storage/volumes?clone.parent_volume.name=vol_finance", []string{"vol_finance_clone_q2"}},
		{ev.prodURL, "/api/storage/volumes?svm.name=svm_dr", nil},
		{ev.prodURL, "/api/storage/snapshot-policies?copies.schedule.name=4hour", []string{"gold-4h"}},
		{ev.prodURL, "/api/storage/volumes?name=vol_hr|vol_home|vol_logs&order_by=name%20desc", []string{"vol_logs", "vol_hr", "vol_home"}},
		{ev.prodURL, "/api/storage/volumes?name=vol_hr|vol_home|vol_logs&order_by=name", []string{"vol_home", "vol_hr", "vol_logs"}},
	}
	for _, tc := range cases {
		got := names(records(t, ev.do(tc.base, "GET", tc.path, nil)))
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			if !strings.Contains(tc.path, "order_by") && sameSet(got, tc.want) {
				continue
			}
			t.Errorf("%s: got %v, want %v", tc.path, got, tc.want)
		}
	}
	// Durations and booleans on relationships.
	lag := records(t, ev.drGet("/api/snapmirror/relationships?lag_time=>PT5H&fields=destination.path"))
	if len(lag) != 2 {
		t.Errorf("lag_time=>PT5H: %d records", len(lag))
	}
	bad := records(t, ev.drGet("/api/snapmirror/relationships?healthy=false&fields=destination.path"))
	if len(bad) != 1 || bad[0]["destination"].(map[string]any)["path"] != "svm_dr:vol_eng_src_dr" {
		t.Errorf("healthy=false: %v", bad)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestPagination(t *testing.T) {
	ev := newEnv(t)
	seen := map[string]bool{}
	next := "/api/storage/volumes?fields=name&max_records=4"
	pages := 0
	for next != "" {
		r := ev.prodGet(next)
		body := r.json(t)
		for _, rec := range records(t, r) {
			if seen[rec["uuid"].(string)] {
				t.Fatalf("duplicate record across pages")
			}
			seen[rec["uuid"].(string)] = true
		}
		next = ""
		if l, ok := body["_links"].(map[string]any)["next"]; ok {
			next = l.(map[string]any)["href"].(string)
			if !strings.HasPrefix(next, "/api/storage/volumes?") || !strings.Contains(next, "start.uuid=") {
				t.Fatalf("next href %q", next)
			}
		}
		pages++
	}
	if len(seen) != 9 || pages != 3 {
		t.Errorf("walked %d records in %d pages", len(seen), pages)
	}
}

func TestErrors(t *testing.T) {
	ev := newEnv(t)
	fin := volUUID(ev, ev.prod, "vol_finance")
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"unknown volume", "GET", "/api/storage/volumes/4ea7a442-86d1-11e0-ae1c-123478563412", nil, 404, "4"},
		{"unknown route", "GET", "/api/storage/luns", nil, 404, "3"},
		{"duplicate snapshot", "POST", "/api/storage/volumes/" + fin + "/snapshots", map[string]any{"name": "daily.2025-06-18_0010"}, 409, "1"},
		{"missing name", "POST", "/api/storage/volumes/" + fin + "/snapshots", map[string]any{"comment": "x"}, 400, "2"},
		{"unexpected field", "POST", "/api/storage/volumes/" + fin + "/snapshots", map[string]any{"name": "x", "colour": "red"}, 400, "2"},
		{"bad json", "POST", "/api/storage/volumes/" + fin + "/snapshots", "{", 400, "2"},
		{"unknown policy", "PATCH", "/api/storage/volumes/" + fin, map[string]any{"snapshot_policy": map[string]any{"name": "nope"}}, 404, "4"},
		{"unknown restore snapshot", "PATCH", "/api/storage/volumes/" + fin + "?restore_to.snapshot.name=nope", nil, 404, "4"},
		{"method", "DELETE", "/api/cluster", nil, 405, "3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ev.do(ev.prodURL, tc.method, tc.path, tc.body)
			if r.status != tc.status || errCode(t, r) != tc.code {
				t.Errorf("got %d %s, want %d code %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
}

func TestSnapshotJobLifecycle(t *testing.T) {
	ev := newEnv(t)
	hr := volUUID(ev, ev.prod, "vol_hr")
	before := ev.prodGet("/api/storage/volumes/" + hr + "?fields=space.snapshot.used,snapshot_count").json(t)
	r := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+hr+"/snapshots?return_records=true",
		map[string]any{"name": "pre_upgrade", "comment": "before 9.15", "snapmirror_label": "daily"})
	if r.status != 202 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/api/storage/volumes/"+hr+"/snapshots/") {
		t.Errorf("Location %q", loc)
	}
	job := r.json(t)["job"].(map[string]any)
	if job["_links"].(map[string]any)["self"].(map[string]any)["href"] != "/api/cluster/jobs/"+job["uuid"].(string) {
		t.Errorf("job link: %v", job)
	}
	// Not visible until the job succeeds.
	if n := len(records(t, ev.prodGet("/api/storage/volumes/"+hr+"/snapshots?name=pre_upgrade"))); n != 0 {
		t.Fatal("snapshot visible before the job finished")
	}
	start := ev.estate.Clock.Now()
	var states []string
	for i := 0; i < 10; i++ {
		j := ev.prodGet("/api/cluster/jobs/" + job["uuid"].(string)).json(t)
		states = append(states, j["state"].(string))
		if j["state"] == "success" {
			if j["description"] != "POST /api/storage/volumes/"+hr+"/snapshots" || j["end_time"] == nil {
				t.Errorf("job record %v", j)
			}
			break
		}
	}
	if states[len(states)-1] != "success" || ev.estate.Clock.Now().Sub(start) != 5*time.Second {
		t.Errorf("states %v, clock moved %v", states, ev.estate.Clock.Now().Sub(start))
	}
	snaps := records(t, ev.prodGet("/api/storage/volumes/"+hr+"/snapshots?name=pre_upgrade&fields=*"))
	if len(snaps) != 1 || snaps[0]["snapmirror_label"] != "daily" || snaps[0]["create_time"] == nil {
		t.Fatalf("snapshot %v", snaps)
	}
	after := ev.prodGet("/api/storage/volumes/" + hr + "?fields=space.snapshot.used,snapshot_count").json(t)
	n0, _ := before["snapshot_count"].(json.Number).Int64()
	n1, _ := after["snapshot_count"].(json.Number).Int64()
	u0, _ := before["space"].(map[string]any)["snapshot"].(map[string]any)["used"].(json.Number).Int64()
	u1, _ := after["space"].(map[string]any)["snapshot"].(map[string]any)["used"].(json.Number).Int64()
	if n1 != n0+1 || u1 <= u0 {
		t.Errorf("count %d->%d, snapshot used %d->%d", n0, n1, u0, u1)
	}
	// Finished jobs are purged after 300 s.
	ev.estate.Clock.Advance(301 * time.Second)
	if r := ev.prodGet("/api/cluster/jobs/" + job["uuid"].(string)); r.status != 404 {
		t.Errorf("purged job: %d", r.status)
	}
	// return_timeout covering the job: 201 at once.
	r = ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+hr+"/snapshots?return_timeout=30", map[string]any{"name": "sync1"})
	if r.status != 201 {
		t.Errorf("return_timeout=30: %d", r.status)
	}
	if n := len(records(t, ev.prodGet("/api/storage/volumes/"+hr+"/snapshots?name=sync1"))); n != 1 {
		t.Error("sync1 missing after a synchronous create")
	}
	// A failed job inside return_timeout becomes an error answer.
	ev.prodSim.FailNextJobs(1, 524486, "Volume busy")
	r = ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+hr+"/snapshots?return_timeout=30", map[string]any{"name": "sync2"})
	if r.status != 409 || errCode(t, r) != "524486" {
		t.Errorf("failed sync job: %d %s", r.status, r.body)
	}
	ev.estate.Clock.Advance(time.Hour)
	ev.prodSim.Settle()
	evs := records(t, ev.prodGet("/api/support/ems/events?message.name=mgmtgwd.schedSnap.createFail&fields=parameters"))
	found := false
	for _, e := range evs {
		if strings.Contains(string(mustJSON(e)), "sync2") {
			found = true
		}
	}
	if !found {
		t.Error("no mgmtgwd.schedSnap.createFail event for the failed snapshot")
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestStuckJob(t *testing.T) {
	ev := newEnv(t)
	ev.prodSim.StickNextJobs(1)
	hr := volUUID(ev, ev.prod, "vol_hr")
	r := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+hr+"/snapshots", map[string]any{"name": "never"})
	uuid := r.json(t)["job"].(map[string]any)["uuid"].(string)
	for i := 0; i < 50; i++ {
		if st := ev.prodGet("/api/cluster/jobs/" + uuid).json(t)["state"]; st != "running" && st != "queued" {
			t.Fatalf("stuck job reached %v", st)
		}
	}
}

func TestSnapshotDeleteBusyAndExpiry(t *testing.T) {
	ev := newEnv(t)
	fin := ev.prod.VolumeByName("svm_prod", "vol_finance")
	clone := ev.prod.VolumeByName("svm_prod", "vol_finance_clone_q2")
	base := fin.Snapshot(clone.CloneParentSnapshot)
	rec := ev.prodGet("/api/storage/volumes/" + fin.UUID + "/snapshots/" + base.UUID + "?fields=owners").json(t)
	if !strings.Contains(string(mustJSON(rec["owners"])), "volume_clone") {
		t.Errorf("clone base owners %v", rec["owners"])
	}
	j := ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+fin.UUID+"/snapshots/"+base.UUID, nil))
	if j["state"] != "failure" || j["code"].(json.Number).String() != "1638555" || !strings.Contains(j["message"].(string), "has not expired or is locked") {
		t.Errorf("busy delete job %v", j)
	}
	// expiry_time in the future blocks deletion; clearing it allows it.
	ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin.UUID+"/snapshots",
		map[string]any{"name": "locked", "expiry_time": epoch.Add(48 * time.Hour).Format(time.RFC3339)}))
	locked := fin.Snapshot("locked")
	j = ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+fin.UUID+"/snapshots/"+locked.UUID, nil))
	if j["state"] != "failure" {
		t.Errorf("expiry delete %v", j)
	}
	ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+fin.UUID+"/snapshots/"+locked.UUID, map[string]any{"expiry_time": nil}))
	j = ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+fin.UUID+"/snapshots/"+locked.UUID, nil))
	if j["state"] != "success" || fin.Snapshot("locked") != nil {
		t.Errorf("delete after clearing expiry %v", j)
	}
	// Splitting the clone frees its base snapshot.
	ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+clone.UUID, map[string]any{"clone": map[string]any{"split_initiated": true}}))
	j = ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+fin.UUID+"/snapshots/"+base.UUID, nil))
	if j["state"] != "success" {
		t.Errorf("delete after split %v", j)
	}
}

func TestVolumeRestoreEncodings(t *testing.T) {
	type enc struct {
		name  string
		query string
		body  any
	}
	for _, tc := range []enc{
		{"query", "?restore_to.snapshot.name=SNAP", nil},
		{"dotted body", "", map[string]any{"restore_to.snapshot.name": "SNAP"}},
		{"nested body", "", map[string]any{"restore_to": map[string]any{"snapshot": map[string]any{"name": "SNAP"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := newEnv(t)
			v := ev.prod.VolumeByName("svm_prod", "vol_logs")
			target := v.Snapshot("daily.2025-06-17_0010")
			if target == nil {
				t.Fatal("no daily.2025-06-17_0010")
			}
			body := tc.body
			if body != nil {
				body = json.RawMessage(strings.ReplaceAll(string(mustJSON(body)), "SNAP", target.Name))
			}
			q := strings.ReplaceAll(tc.query, "SNAP", url.QueryEscape(target.Name))
			r := ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+v.UUID+q, body)
			j := ev.waitJob(ev.prodURL, r)
			if j["state"] != "success" {
				t.Fatalf("restore job %v", j)
			}
			// The active file system is the snapshot's; newer snapshots
			// are gone.
			got := mustJSON(v.Root)
			if !bytes.Equal(got, mustJSON(target.Files)) {
				t.Error("active file system differs from the snapshot")
			}
			for _, s := range v.Snapshots {
				if s.CreateTime.After(target.CreateTime) {
					t.Errorf("newer snapshot %s survived", s.Name)
				}
			}
		})
	}
}

func TestVolumeRestoreBlockedByNewerSnapshots(t *testing.T) {
	ev := newEnv(t)
	home := ev.prod.VolumeByName("svm_prod", "vol_home")
	path := "/api/storage/volumes/" + home.UUID + "?restore_to.snapshot.name=daily.2025-06-17_0010"
	// The newer snapmirror snapshot is owned by SnapMirror: force needed.
	j := ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", path, nil))
	if j["state"] != "failure" || j["code"].(json.Number).String() != "1638555" {
		t.Fatalf("restore without force: %v", j)
	}
	j = ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", path+"&restore_to.snapshot.force=true", nil))
	if j["state"] != "success" {
		t.Fatalf("restore with force: %v", j)
	}
	// A FlexClone's base blocks even with force.
	fin := ev.prod.VolumeByName("svm_prod", "vol_finance")
	j = ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+fin.UUID+"?restore_to.snapshot.name=daily.2025-06-17_0010&restore_to.snapshot.force=true", nil))
	if j["state"] != "failure" {
		t.Fatalf("restore past a clone base: %v", j)
	}
	// A DP volume cannot be restored.
	dst := ev.dr.VolumeByName("svm_dr", "vol_home_dr")
	r := ev.do(ev.drURL, "PATCH", "/api/storage/volumes/"+dst.UUID+"?restore_to.snapshot.name="+url.QueryEscape(dst.Snapshots[0].Name), nil)
	if r.status != 400 {
		t.Errorf("restore of a dp volume: %d %s", r.status, r.body)
	}
}

func TestFileRestore(t *testing.T) {
	ev := newEnv(t)
	fin := ev.prod.VolumeByName("svm_prod", "vol_finance")
	snap := fin.Snapshot("hourly.2025-06-18_0905")
	if fin.Root.Lookup("reports/budget_2025.xlsx") != nil || snap.Files.Lookup("reports/budget_2025.xlsx") == nil {
		t.Fatal("fixture: budget_2025.xlsx should exist only in snapshots")
	}
	cases := []struct {
		name, query string
		body        any
		check       func(t *testing.T)
	}{
		{"in place, query", "?restore_to.snapshot.name=" + snap.Name + "&restore_to.path=%2Freports%2Fbudget_2025.xlsx", nil, func(t *testing.T) {
			if f := fin.Root.Lookup("reports/budget_2025.xlsx"); f == nil || f.Size != 212992 {
				t.Errorf("budget not restored in place: %+v", f)
			}
		}},
		{"new path, nested body", "", map[string]any{"restore_to": map[string]any{"snapshot": map[string]any{"name": snap.Name}, "path": "/reports/q2_close.xlsx", "restore_path": "/restored/q2_close.xlsx"}}, func(t *testing.T) {
			f := fin.Root.Lookup("restored/q2_close.xlsx")
			if f == nil || f.Size != snap.Files.Lookup("reports/q2_close.xlsx").Size {
				t.Errorf("restored copy: %+v", f)
			}
			if fin.Root.Lookup("reports/q2_close.xlsx").Size == f.Size {
				t.Error("the live file should be untouched (it differs from the snapshot)")
			}
		}},
		{"byte range, dotted body", "", map[string]any{"restore_to.snapshot.name": snap.Name, "restore_to.path": "/ledger/gl_2024.db", "restore_to.start_byte": 0, "restore_to.byte_count": 8192}, func(t *testing.T) {
			if f := fin.Root.Lookup("ledger/gl_2024.db"); !f.ModifiedTime.After(epoch) {
				t.Errorf("range restore did not touch the file: %+v", f)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+fin.UUID+tc.query, tc.body))
			if j["state"] != "success" {
				t.Fatalf("job %v", j)
			}
			tc.check(t)
		})
	}
	// Through the files API too.
	recs := records(t, ev.prodGet("/api/storage/volumes/"+fin.UUID+"/files/restored?fields=name,size,type"))
	if strings.Join(names(recs), ",") != ".,..,q2_close.xlsx" {
		t.Errorf("files listing %v", names(recs))
	}
	// Validation before any job.
	for _, q := range []string{
		"?restore_to.snapshot.name=" + snap.Name + "&restore_to.path=/nope.txt",
		"?restore_to.snapshot.name=" + snap.Name + "&restore_to.path=/ledger/gl_2024.db&restore_to.start_byte=1&restore_to.byte_count=4096",
	} {
		if r := ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+fin.UUID+q, nil); r.status < 400 {
			t.Errorf("%s: %d", q, r.status)
		}
	}
}

func TestFilesAndSnapshotDirectory(t *testing.T) {
	ev := newEnv(t)
	fin := ev.prod.VolumeByName("svm_prod", "vol_finance")
	root := records(t, ev.prodGet("/api/storage/volumes/"+fin.UUID+"/files/%2F"))
	if strings.Join(names(root), ",") != ".,..,README.txt,ledger,reports" {
		t.Errorf("root: %v", names(root))
	}
	if root[0]["path"] != "/" || root[0]["type"] != nil {
		t.Errorf("default file record %v", root[0])
	}
	snaps := records(t, ev.prodGet("/api/storage/volumes/"+fin.UUID+"/files/%2Esnapshot?fields=name,is_snapshot"))
	if len(snaps) != len(fin.Snapshots)+2 || snaps[2]["is_snapshot"] != true {
		t.Errorf(".snapshot listing: %v", snaps)
	}
	in := records(t, ev.prodGet("/api/storage/volumes/"+fin.UUID+"/files/%2Esnapshot%2Fhourly%2E2025-06-18_0905%2Freports?fields=name,size,path"))
	if strings.Join(names(in), ",") != ".,..,budget_2025.xlsx,q1_close.xlsx,q2_close.xlsx" || in[2]["path"] != ".snapshot/hourly.2025-06-18_0905/reports" {
		t.Errorf("inside a snapshot: %v", in)
	}
	one := records(t, ev.prodGet("/api/storage/volumes/"+fin.UUID+"/files/README.txt?fields=size,type"))
	if len(one) != 1 || one[0]["type"] != "file" {
		t.Errorf("file record %v", one)
	}
	if r := ev.prodGet("/api/storage/volumes/" + fin.UUID + "/files/nope"); r.status != 404 {
		t.Errorf("missing path: %d", r.status)
	}
}

func TestFlexClone(t *testing.T) {
	ev := newEnv(t)
	body := map[string]any{
		"name": "vol_hr_drill", "svm": map[string]any{"name": "svm_prod"},
		"clone": map[string]any{"is_flexclone": true, "parent_volume": map[string]any{"name": "vol_hr"}, "parent_snapshot": map[string]any{"name": "daily.2025-06-18_0010"}},
	}
	r := ev.do(ev.prodURL, "POST", "/api/storage/volumes?return_records=true", body)
	if r.status != 202 {
		t.Fatalf("clone: %d %s", r.status, r.body)
	}
	newUUID := r.json(t)["records"].([]any)[0].(map[string]any)["uuid"].(string)
	if j := ev.waitJob(ev.prodURL, r); j["state"] != "success" {
		t.Fatalf("clone job %v", j)
	}
	v := ev.prodGet("/api/storage/volumes/" + newUUID + "?fields=clone,name,type").json(t)
	cl := v["clone"].(map[string]any)
	if cl["is_flexclone"] != true || cl["parent_snapshot"].(map[string]any)["name"] != "daily.2025-06-18_0010" || cl["parent_volume"].(map[string]any)["name"] != "vol_hr" {
		t.Errorf("clone record %v", v)
	}
	parent := ev.prodGet("/api/storage/volumes?name=vol_hr&fields=clone.has_flexclone")
	if records(t, parent)[0]["clone"].(map[string]any)["has_flexclone"] != true {
		t.Error("parent has_flexclone not set")
	}
	// The clone's files are the snapshot's.
	if recs := records(t, ev.prodGet("/api/storage/volumes/"+newUUID+"/files/employees")); len(recs) != 4 {
		t.Errorf("clone files %v", names(recs))
	}
	// Deleting the parent is refused; deleting the clone works.
	hr := volUUID(ev, ev.prod, "vol_hr")
	if r := ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+hr, nil); r.status != 409 {
		t.Errorf("delete parent: %d", r.status)
	}
	if j := ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+newUUID, nil)); j["state"] != "success" {
		t.Errorf("delete clone %v", j)
	}
}

func TestPoliciesAndSchedules(t *testing.T) {
	ev := newEnv(t)
	r := ev.do(ev.prodURL, "POST", "/api/cluster/schedules?return_records=true", map[string]any{"name": "every15", "cron": map[string]any{"minutes": []int{0, 15, 30, 45}}})
	if r.status != 201 || r.header.Get("Location") == "" {
		t.Fatalf("schedule: %d %s", r.status, r.body)
	}
	r = ev.do(ev.prodURL, "POST", "/api/storage/snapshot-policies", map[string]any{
		"name": "gold", "enabled": true, "comment": "15-minute RPO",
		"copies": []any{map[string]any{"count": 8, "schedule": map[string]any{"name": "every15"}, "snapmirror_label": "q15", "retention_period": "PT2H"}},
	})
	if r.status != 201 {
		t.Fatalf("policy: %d %s", r.status, r.body)
	}
	pol := records(t, ev.prodGet("/api/storage/snapshot-policies?name=gold&fields=**"))
	if len(pol) != 1 || pol[0]["copies"].([]any)[0].(map[string]any)["schedule"].(map[string]any)["name"] != "every15" {
		t.Errorf("policy %v", pol)
	}
	hr := volUUID(ev, ev.prod, "vol_hr")
	ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+hr, map[string]any{"snapshot_policy": map[string]any{"name": "gold"}}))
	if got := ev.prod.Volume(hr).SnapshotPolicy; got != "gold" {
		t.Errorf("policy not applied: %s", got)
	}
	for _, b := range []map[string]any{
		{"name": "gold", "copies": []any{map[string]any{"count": 1, "schedule": map[string]any{"name": "hourly"}}}},
		{"name": "x", "copies": []any{map[string]any{"count": 1, "schedule": map[string]any{"name": "nope"}}}},
		{"name": "y", "copies": []any{map[string]any{"count": 0, "schedule": map[string]any{"name": "hourly"}}}},
	} {
		if r := ev.do(ev.prodURL, "POST", "/api/storage/snapshot-policies", b); r.status < 400 {
			t.Errorf("bad policy %v accepted", b)
		}
	}
}

func TestDeterminism(t *testing.T) {
	run := func() []byte {
		ev := newEnv(t)
		var out bytes.Buffer
		hr := volUUID(ev, ev.prod, "vol_hr")
		for _, step := range []struct {
			m, p string
			b    any
		}{
			{"POST", "/api/storage/volumes/" + hr + "/snapshots", map[string]any{"name": "a"}},
			{"GET", "/api/cluster/jobs?fields=**", nil},
			{"GET", "/api/storage/volumes?fields=**", nil},
			{"POST", "/api/storage/volumes", map[string]any{"name": "c1", "svm": map[string]any{"name": "svm_prod"}, "clone": map[string]any{"parent_volume": map[string]any{"name": "vol_hr"}, "parent_snapshot": map[string]any{"name": "daily.2025-06-18_0010"}}}},
			{"GET", "/api/storage/volumes/" + hr + "/snapshots?fields=**", nil},
		} {
			r := ev.do(ev.prodURL, step.m, step.p, step.b)
			out.Write(r.body)
			if r.status == 202 {
				out.Write(mustJSON(ev.waitJob(ev.prodURL, r)))
			}
		}
		return out.Bytes()
	}
	if a, b := run(), run(); !bytes.Equal(a, b) {
		t.Error("the same request sequence gave different answers")
	}
}

func TestEMS(t *testing.T) {
	ev := newEnv(t)
	ev.prod.Mu.Lock()
	ev.prod.AddEvent(&fleet.OntapEvent{Time: epoch, Name: "sysmgmt.debug.example", Severity: "debug", LogMessage: "debug"})
	ev.prod.Mu.Unlock()
	all := records(t, ev.prodGet("/api/support/ems/events?fields=message"))
	for _, e := range all {
		if e["message"].(map[string]any)["severity"] == "debug" {
			t.Error("debug event returned by default")
		}
	}
	dbg := records(t, ev.prodGet("/api/support/ems/events?message.severity=debug"))
	if len(dbg) != 1 {
		t.Errorf("debug filter: %d", len(dbg))
	}
	since := records(t, ev.prodGet("/api/support/ems/events?time=%3E%3D"+url.QueryEscape(epoch.Add(-24*time.Hour).Format(time.RFC3339))))
	epochQ := records(t, ev.prodGet("/api/support/ems/events?time=%3E%3D"+strconvI(epoch.Add(-24*time.Hour).Unix())))
	if len(since) == 0 || len(since) != len(epochQ) || len(since) >= len(all) {
		t.Errorf("time filter: iso %d epoch %d all %d", len(since), len(epochQ), len(all))
	}
	sm := records(t, ev.drGet("/api/support/ems/events?message.name=smc.*,sms.*&fields=message.name,parameters"))
	if len(sm) == 0 {
		t.Error("no SnapMirror events on dr")
	}
}

func strconvI(n int64) string { return strings.TrimSpace(string(mustJSON(n))) }

func TestFilesPagination(t *testing.T) {
	ev := newEnv(t)
	fin := volUUID(ev, ev.prod, "vol_finance")
	next := "/api/storage/volumes/" + fin + "/files/%2Esnapshot?max_records=4"
	total := 0
	for next != "" {
		r := ev.prodGet(next)
		total += len(records(t, r))
		next = ""
		if l, ok := r.json(t)["_links"].(map[string]any)["next"]; ok {
			next = l.(map[string]any)["href"].(string)
			if !strings.Contains(next, "/files/%2Esnapshot?") {
				t.Fatalf("next %q lost the escaping", next)
			}
		}
	}
	if want := len(ev.prod.Volume(fin).Snapshots) + 2; total != want {
		t.Errorf("walked %d entries, want %d", total, want)
	}
}

// stuckWriter is a client that does not read its answer: Write blocks
// until released.
type stuckWriter struct {
	header  http.Header
	writing chan struct{}
	release chan struct{}
}

func (s *stuckWriter) Header() http.Header { return s.header }
func (s *stuckWriter) WriteHeader(int)     {}
func (s *stuckWriter) Write(b []byte) (int, error) {
	close(s.writing)
	<-s.release
	return len(b), nil
}

// TestSlowReaderHoldsNoLock: while one client's answer is stuck on its way
// out, the estate's clusters (this one and its SnapMirror peer) keep
// answering other requests.
func TestSlowReaderHoldsNoLock(t *testing.T) {
	ev := newEnv(t)
	stuck := &stuckWriter{header: http.Header{}, writing: make(chan struct{}), release: make(chan struct{})}
	defer close(stuck.release)
	req := httptest.NewRequest(http.MethodGet, "/api/storage/volumes?fields=name", nil)
	req.SetBasicAuth("admin", ev.prod.Password)
	go ev.prodSim.ServeHTTP(stuck, req)
	<-stuck.writing
	for _, c := range []struct{ base, password string }{{ev.prodURL, ev.prod.Password}, {ev.drURL, ev.dr.Password}} {
		base := c.base
		done := make(chan int, 1)
		go func() {
			r, _ := http.NewRequest(http.MethodGet, base+"/api/cluster?fields=name", nil)
			r.SetBasicAuth("admin", c.password)
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				done <- 0
				return
			}
			res.Body.Close()
			done <- res.StatusCode
		}()
		select {
		case status := <-done:
			if status != http.StatusOK {
				t.Fatalf("%s: status %d", base, status)
			}
		case <-time.After(20 * time.Second): // a hang guard, not a timing assertion
			t.Fatalf("%s does not answer while another client's answer is stuck", base)
		}
	}
}
