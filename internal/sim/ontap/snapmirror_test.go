package ontap_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

func relByDst(t *testing.T, ev *env, dst string) *fleet.OntapRelationship {
	t.Helper()
	for _, r := range ev.dr.Relationships {
		if r.DestinationPath == dst {
			return r
		}
	}
	t.Fatalf("no relationship to %s", dst)
	return nil
}

func (ev *env) relGet(uuid, fields string) map[string]any {
	return ev.drGet("/api/snapmirror/relationships/" + uuid + "?fields=" + fields).json(ev.t)
}

// waitTransfer polls the transfer until it leaves queued/transferring.
func (ev *env) waitTransfer(rel string, r resp) map[string]any {
	ev.t.Helper()
	if r.status != 201 {
		ev.t.Fatalf("transfer answered %d: %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/api/snapmirror/relationships/"+rel+"/transfers/") {
		ev.t.Fatalf("Location %q", loc)
	}
	for i := 0; i < 500; i++ {
		tr := ev.drGet(loc + "?fields=**").json(ev.t)
		if st := tr["state"]; st != "queued" && st != "transferring" {
			return tr
		}
	}
	ev.t.Fatal("transfer never finished")
	return nil
}

func TestSnapmirrorQuiesceResume(t *testing.T) {
	ev := newEnv(t)
	r := relByDst(t, ev, "svm_dr:vol_finance_dr")
	base := "/api/snapmirror/relationships/" + r.UUID
	for _, step := range []struct{ state, want string }{{"paused", "paused"}, {"paused", "paused"}, {"snapmirrored", "snapmirrored"}} {
		j := ev.waitJob(ev.drURL, ev.do(ev.drURL, "PATCH", base, map[string]any{"state": step.state}))
		if j["state"] != "success" {
			t.Fatalf("PATCH %s: %v", step.state, j)
		}
		if got := ev.relGet(r.UUID, "state")["state"]; got != step.want {
			t.Errorf("after %s: %v", step.state, got)
		}
	}
	// Invalid transitions are refused before any job.
	for _, tc := range []struct{ from, to string }{{"snapmirrored", "in_sync"}, {"snapmirrored", "uninitialized"}} {
		resp := ev.do(ev.drURL, "PATCH", base, map[string]any{"state": tc.to})
		if resp.status != 400 || errCode(t, resp) != "2" {
			t.Errorf("%s -> %s: %d %s", tc.from, tc.to, resp.status, resp.body)
		}
	}
}

func TestSnapmirrorUpdate(t *testing.T) {
	ev := newEnv(t)
	r := relByDst(t, ev, "svm_dr:vol_finance_dr")
	src := ev.prod.VolumeByName("svm_prod", "vol_finance")
	dst := ev.dr.VolumeByName("svm_dr", "vol_finance_dr")
	before := ev.relGet(r.UUID, "lag_time,exported_snapshot")
	// Change the source: bring back a deleted file, then update.
	snap := src.Snapshot("hourly.2025-06-18_0905")
	ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "PATCH", "/api/storage/volumes/"+src.UUID+"?restore_to.snapshot.name="+snap.Name+"&restore_to.path=/reports/budget_2025.xlsx", nil))
	start := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+r.UUID+"/transfers", map[string]any{})
	// A second update or a break while it runs is refused.
	if again := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+r.UUID+"/transfers", map[string]any{}); again.status != 409 || errCode(t, again) != "13303812" {
		t.Errorf("second transfer: %d %s", again.status, again.body)
	}
	if brk := ev.do(ev.drURL, "PATCH", "/api/snapmirror/relationships/"+r.UUID, map[string]any{"state": "broken_off"}); brk.status != 409 || errCode(t, brk) != "13303808" {
		t.Errorf("break during transfer: %d %s", brk.status, brk.body)
	}
	// (A collection GET does not move the clock; a GET of the one
	// relationship would.)
	active := records(t, ev.drGet("/api/snapmirror/relationships?fields=transfer&uuid="+r.UUID))[0]["transfer"].(map[string]any)
	if active["uuid"] == nil || (active["state"] != "queued" && active["state"] != "transferring") {
		t.Errorf("relationship transfer while running: %v", active)
	}
	tr := ev.waitTransfer(r.UUID, start)
	if tr["state"] != "success" || tr["end_time"] == nil {
		t.Fatalf("transfer %v", tr)
	}
	after := ev.relGet(r.UUID, "lag_time,exported_snapshot,last_transfer_type,healthy,transfer")
	if after["exported_snapshot"] == before["exported_snapshot"] || after["last_transfer_type"] != "update" {
		t.Errorf("after update %v", after)
	}
	if lag := after["lag_time"].(string); strings.Contains(lag, "H") || strings.Contains(lag, "D") {
		t.Errorf("lag after update %s (before %s)", lag, before["lag_time"])
	}
	if dst.Snapshot(after["exported_snapshot"].(string)) == nil {
		t.Error("new snapshot missing on the destination")
	}
	if dst.Root.Lookup("reports/budget_2025.xlsx") == nil {
		t.Error("destination image lacks the source's change")
	}
	// Only the newest snapmirror snapshot remains on both sides.
	for _, v := range []*fleet.OntapVolume{src, dst} {
		n := 0
		for _, s := range v.Snapshots {
			if strings.HasPrefix(s.Name, "snapmirror.") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d snapmirror snapshots", v.Name, n)
		}
	}
	// The exported snapshot is owned by SnapMirror on the source.
	snaps := records(t, ev.prodGet("/api/storage/volumes/"+src.UUID+"/snapshots?name=snapmirror.*&fields=owners"))
	if len(snaps) != 1 || !strings.Contains(string(mustJSON(snaps[0]["owners"])), "snapmirror") {
		t.Errorf("source snapmirror snapshot %v", snaps)
	}
}

func TestSnapmirrorBreakResync(t *testing.T) {
	ev := newEnv(t)
	r := relByDst(t, ev, "svm_dr:vol_home_dr")
	dst := ev.dr.VolumeByName("svm_dr", "vol_home_dr")
	base := "/api/snapmirror/relationships/" + r.UUID
	j := ev.waitJob(ev.drURL, ev.do(ev.drURL, "PATCH", base, map[string]any{"state": "broken_off"}))
	if j["state"] != "success" {
		t.Fatalf("break %v", j)
	}
	if got := ev.relGet(r.UUID, "state")["state"]; got != "broken_off" {
		t.Errorf("state %v", got)
	}
	vol := ev.drGet("/api/storage/volumes/" + dst.UUID + "?fields=type").json(t)
	if vol["type"] != "rw" {
		t.Errorf("destination type after break: %v", vol["type"])
	}
	if resp := ev.do(ev.drURL, "PATCH", base, map[string]any{"state": "paused"}); resp.status != 400 {
		t.Errorf("broken_off -> paused: %d", resp.status)
	}
	if resp := ev.do(ev.drURL, "POST", base+"/transfers", map[string]any{}); resp.status < 400 {
		t.Errorf("update of a broken-off relationship: %d", resp.status)
	}
	// Resync: the job starts a resync transfer; the state follows it.
	j = ev.waitJob(ev.drURL, ev.do(ev.drURL, "PATCH", base, map[string]any{"state": "snapmirrored"}))
	if j["state"] != "success" {
		t.Fatalf("resync %v", j)
	}
	var rel map[string]any
	for i := 0; i < 100; i++ {
		rel = ev.relGet(r.UUID, "state,last_transfer_type,transfer")
		if rel["state"] == "snapmirrored" {
			break
		}
	}
	if rel["state"] != "snapmirrored" || rel["last_transfer_type"] != "resync" {
		t.Errorf("after resync %v", rel)
	}
	if dst.Type != "dp" {
		t.Errorf("destination type after resync: %s", dst.Type)
	}
}

func TestSnapmirrorFailureAndEMS(t *testing.T) {
	ev := newEnv(t)
	r := relByDst(t, ev, "svm_dr:vol_vmware_ds01_dr")
	ev.drSim.FailNextTransfers(1, 13303869, "Destination volume is out of space.")
	tr := ev.waitTransfer(r.UUID, ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+r.UUID+"/transfers", map[string]any{}))
	if tr["state"] != "failed" {
		t.Fatalf("transfer %v", tr)
	}
	info := tr["error_info"].(map[string]any)
	if info["code"].(json.Number).String() != "13303869" || info["message"] != "Destination volume is out of space." {
		t.Errorf("error_info %v", info)
	}
	rel := ev.relGet(r.UUID, "healthy,unhealthy_reason,transfer.state")
	if rel["healthy"] != false || !strings.Contains(string(mustJSON(rel["unhealthy_reason"])), "out of space") {
		t.Errorf("relationship after failure %v", rel)
	}
	evs := records(t, ev.drGet("/api/support/ems/events?message.name=smc.snapmir.update.fail&parameters.value="+r.DestinationPath+"&fields=**"))
	if len(evs) != 1 {
		t.Fatalf("EMS events %v", evs)
	}
	// The next update succeeds and clears the health flag.
	tr = ev.waitTransfer(r.UUID, ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+r.UUID+"/transfers", map[string]any{}))
	if tr["state"] != "success" || ev.relGet(r.UUID, "healthy")["healthy"] != true {
		t.Errorf("recovery: %v", tr)
	}
}

func TestSnapmirrorStuckAbort(t *testing.T) {
	ev := newEnv(t)
	r := relByDst(t, ev, "svm_dr:vol_db_oracle_dr")
	ev.drSim.StickNextTransfers(1)
	resp := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+r.UUID+"/transfers?return_records=true", map[string]any{})
	rec := resp.json(t)["records"].([]any)[0].(map[string]any)
	loc := resp.header.Get("Location")
	for i := 0; i < 30; i++ {
		if st := ev.drGet(loc).json(t)["state"]; st != "transferring" && st != "queued" {
			t.Fatalf("stuck transfer reached %v", st)
		}
	}
	if a := ev.do(ev.drURL, "PATCH", loc, map[string]any{"state": "aborted"}); a.status != 200 {
		t.Fatalf("abort: %d %s", a.status, a.body)
	}
	tr := ev.drGet(loc + "?fields=**").json(t)
	if tr["state"] != "aborted" || tr["uuid"] != rec["uuid"] {
		t.Errorf("aborted transfer %v", tr)
	}
}

func TestSnapmirrorInitializeAndSourceSide(t *testing.T) {
	ev := newEnv(t)
	// A new, uninitialized relationship for vol_logs.
	ev.dr.Mu.Lock()
	dst := &fleet.OntapVolume{UUID: fleet.OntapUUID("t", "logs_dr"), Name: "vol_logs_dr", SVM: "svm_dr", Type: "dp", Style: "flexvol",
		State: "online", Size: 120 << 30, MSID: 77, SnapshotPolicy: "none", Root: &fleet.OntapFile{Type: "directory"}}
	ev.dr.Volumes = append(ev.dr.Volumes, dst)
	rel := &fleet.OntapRelationship{UUID: fleet.OntapUUID("t", "rel"), SourceCluster: "ontap-prod", SourcePath: "svm_prod:vol_logs",
		DestinationPath: "svm_dr:vol_logs_dr", Policy: "MirrorAllSnapshots", State: "uninitialized", Healthy: true, TransferSchedule: "hourly"}
	ev.dr.Relationships = append(ev.dr.Relationships, rel)
	ev.dr.Mu.Unlock()

	// First attempt fails: smc.snapmir.init.fail.
	ev.drSim.FailNextTransfers(1, 0, "")
	j := ev.waitJob(ev.drURL, ev.do(ev.drURL, "PATCH", "/api/snapmirror/relationships/"+rel.UUID, map[string]any{"state": "snapmirrored"}))
	if j["state"] != "success" {
		t.Fatalf("initialize job %v", j)
	}
	var got map[string]any
	for i := 0; i < 200; i++ {
		got = ev.relGet(rel.UUID, "state,healthy,transfer")
		if got["transfer"].(map[string]any)["state"] == "failed" {
			break
		}
	}
	if got["state"] != "uninitialized" || got["healthy"] != false {
		t.Fatalf("after failed initialize %v", got)
	}
	if evs := records(t, ev.drGet("/api/support/ems/events?message.name=smc.snapmir.init.fail")); len(evs) != 1 {
		t.Errorf("init.fail events: %d", len(evs))
	}
	// Second attempt through POST transfers succeeds.
	tr := ev.waitTransfer(rel.UUID, ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+rel.UUID+"/transfers", map[string]any{}))
	if tr["state"] != "success" {
		t.Fatalf("initialize transfer %v", tr)
	}
	got = ev.relGet(rel.UUID, "state,last_transfer_type,healthy")
	if got["state"] != "snapmirrored" || got["last_transfer_type"] != "initialize" || got["healthy"] != true {
		t.Errorf("after initialize %v", got)
	}
	if dst.Root.Lookup("app") == nil {
		t.Error("destination image not transferred")
	}
	// The source cluster lists outgoing relationships only on request.
	if n := len(records(t, ev.prodGet("/api/snapmirror/relationships"))); n != 0 {
		t.Errorf("source lists %d relationships without list_destinations_only", n)
	}
	if n := len(records(t, ev.prodGet("/api/snapmirror/relationships?list_destinations_only=true"))); n != 7 {
		t.Errorf("list_destinations_only: %d", n)
	}
	if r := ev.prodGet("/api/snapmirror/relationships/" + rel.UUID); r.status != 200 {
		t.Errorf("GET from the source side: %d", r.status)
	}
}
