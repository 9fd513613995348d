package ontap_test

import (
	"strings"
	"testing"
)

// TestCreateRelationship covers POST /snapmirror/relationships: the
// create_destination form provisions a DP volume, the relationship starts
// uninitialized and a transfer initializes it; and the errors ONTAP gives
// for a duplicate, a writable destination, a missing destination and an
// unknown policy.
func TestCreateRelationship(t *testing.T) {
	ev := newEnv(t)
	if ev.dr.VolumeByPath("svm_dr:vol_logs_dr") != nil {
		t.Fatal("fixture: vol_logs already has a destination")
	}
	body := map[string]any{
		"source":             map[string]any{"path": "svm_prod:vol_logs"},
		"destination":        map[string]any{"path": "svm_dr:vol_logs_dr"},
		"create_destination": map[string]any{"enabled": true},
		"policy":             map[string]any{"name": "MirrorAllSnapshots"},
		"transfer_schedule":  map[string]any{"name": "hourly"},
	}
	r := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships?return_records=true", body)
	if r.status != 202 {
		t.Fatalf("create answered %d: %s", r.status, r.body)
	}
	recs := r.json(t)["records"].([]any)
	uuid := recs[0].(map[string]any)["uuid"].(string)
	if loc := r.header.Get("Location"); loc != "/api/snapmirror/relationships/"+uuid {
		t.Errorf("Location %q", loc)
	}
	if j := ev.waitJob(ev.drURL, r); j["state"] != "success" {
		t.Fatalf("create job: %v", j)
	}
	dst := ev.dr.VolumeByPath("svm_dr:vol_logs_dr")
	src := ev.prod.VolumeByPath("svm_prod:vol_logs")
	if dst == nil || dst.Type != "dp" || dst.Size != src.Size {
		t.Fatalf("destination volume %+v", dst)
	}
	rel := ev.relGet(uuid, "state,source.path,destination.path,policy.name,transfer_schedule.name")
	if rel["state"] != "uninitialized" || rel["policy"].(map[string]any)["name"] != "MirrorAllSnapshots" ||
		rel["source"].(map[string]any)["path"] != "svm_prod:vol_logs" {
		t.Fatalf("created relationship %v", rel)
	}
	// Initialize with a transfer, as an update of an uninitialized one.
	tr := ev.waitTransfer(uuid, ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+uuid+"/transfers", map[string]any{}))
	if tr["state"] != "success" {
		t.Fatalf("initialize transfer %v", tr)
	}
	if st := ev.relGet(uuid, "state")["state"]; st != "snapmirrored" || len(dst.Snapshots) == 0 {
		t.Errorf("after initialize: state %v, %d destination snapshots", st, len(dst.Snapshots))
	}
	// The source cluster lists it among its outgoing relationships.
	if !strings.Contains(string(ev.prodGet("/api/snapmirror/relationships?list_destinations_only=true&fields=uuid").body), uuid) {
		t.Error("source does not list the new relationship")
	}

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"duplicate", body, 409, "1"},
		{"destination SVM not on this cluster", map[string]any{"source": map[string]any{"path": "svm_prod:vol_hr"}, "destination": map[string]any{"path": "svm_prod:vol_finance"}}, 404, "4"},
		{"no destination volume", map[string]any{"source": map[string]any{"path": "svm_prod:vol_hr"}, "destination": map[string]any{"path": "svm_dr:vol_new"}}, 404, "4"},
		{"unknown policy", map[string]any{"source": map[string]any{"path": "svm_prod:vol_hr"}, "destination": map[string]any{"path": "svm_dr:vol_x"}, "create_destination": map[string]any{"enabled": true}, "policy": map[string]any{"name": "Nope"}}, 404, "4"},
		{"unknown field", map[string]any{"source": map[string]any{"path": "svm_prod:vol_hr"}, "destination": map[string]any{"path": "svm_dr:vol_x"}, "colour": "blue"}, 400, "2"},
		{"bad path", map[string]any{"source": map[string]any{"path": "vol_hr"}, "destination": map[string]any{"path": "svm_dr:vol_x"}}, 400, "2"},
	} {
		r := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships", tc.body)
		if r.status != tc.status || !strings.Contains(string(r.body), `"code":"`+tc.code+`"`) {
			t.Errorf("%s: %d %s, want %d code %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
	}
}

// TestCreateRelationshipAndInitialize: "state": "snapmirrored" at create
// starts the initialize transfer with the job.
func TestCreateRelationshipAndInitialize(t *testing.T) {
	ev := newEnv(t)
	r := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships?return_records=true", map[string]any{
		"source": map[string]any{"path": "svm_prod:vol_logs"}, "destination": map[string]any{"path": "svm_dr:vol_logs_dr"},
		"create_destination": map[string]any{"enabled": true}, "state": "snapmirrored",
	})
	uuid := r.json(t)["records"].([]any)[0].(map[string]any)["uuid"].(string)
	if j := ev.waitJob(ev.drURL, r); j["state"] != "success" {
		t.Fatalf("create job: %v", j)
	}
	for i := 0; i < 500; i++ {
		if ev.relGet(uuid, "state")["state"] == "snapmirrored" {
			if p := ev.relGet(uuid, "policy.name")["policy"].(map[string]any)["name"]; p != "Asynchronous" {
				t.Errorf("default policy %v", p)
			}
			return
		}
	}
	t.Fatal("never initialized")
}
