package ontap_test

import (
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestProtectVolume takes an unprotected volume (no snapshot policy, no
// SnapMirror) through ontap_protect_volume: the dry run plans and changes
// nothing; the call attaches the policy, creates the relationship on the DR
// cluster with a new DP volume and initializes it, with progress; a repeat
// changes nothing.
func TestProtectVolume(t *testing.T) {
	e := testenv.Start(t)
	pc := e.Demo.Estate.OntapClusterByName(prod)
	dc := e.Demo.Estate.OntapClusterByName(dr)
	pc.Mu.Lock()
	pc.VolumeByName("svm_prod", "vol_logs").SnapshotPolicy = "none"
	pc.VolumeByName("svm_prod", "vol_logs").Used = 1 << 30 // a short baseline: few polls
	pc.Mu.Unlock()
	args := map[string]any{"target": prod, "volume": "vol_logs"}

	plan := e.OK("ontap_protect_volume", map[string]any{"target": prod, "volume": "vol_logs", "dry_run": true})
	if plan["dry_run"] != true || plan["dr_target"] != dr || plan["dr_path"] != "svm_dr:vol_logs_dr" {
		t.Fatalf("plan: %v", plan)
	}
	var planned []string
	for _, s := range plan["steps"].([]any) {
		s := s.(map[string]any)
		if s["status"] != "planned" {
			t.Errorf("dry run step %v", s)
		}
		planned = append(planned, s["action"].(string))
	}
	if strings.Join(planned, ",") != "set_snapshot_policy,create_snapmirror,initialize_snapmirror" {
		t.Errorf("planned %v", planned)
	}
	if detail := plan["steps"].([]any)[1].(map[string]any)["detail"].(string); !strings.Contains(detail, "new DP volume") || !strings.Contains(detail, "policy MirrorAllSnapshots") {
		t.Errorf("create step: %s", detail)
	}
	pc.Mu.Lock()
	policy := pc.VolumeByName("svm_prod", "vol_logs").SnapshotPolicy
	pc.Mu.Unlock()
	dc.Mu.Lock()
	dst := dc.VolumeByPath("svm_dr:vol_logs_dr")
	dc.Mu.Unlock()
	if policy != "none" || dst != nil {
		t.Fatalf("dry run changed something: policy %s, destination %v", policy, dst)
	}

	// A writable DR volume is refused before anything changes.
	if msg := e.Err("ontap_protect_volume", map[string]any{"target": prod, "volume": "vol_logs", "dr_svm": "svm_prod", "dr_target": prod, "dr_volume": "vol_finance"}); !strings.Contains(msg, "writable") {
		t.Errorf("writable DR volume: %s", msg)
	}

	res, progress := e.CallWithProgress("ontap_protect_volume", args)
	if res.IsError {
		t.Fatalf("protect: %s", testenv.Text(res))
	}
	out := testenv.Structured(t, res)
	for _, s := range out["steps"].([]any) {
		if s := s.(map[string]any); s["status"] != "done" {
			t.Errorf("step %v", s)
		}
	}
	if m(out, "relationship", "state") != "snapmirrored" || m(out, "transfer", "state") != "success" || out["snapshot_policy"] != "default" {
		t.Errorf("after protect: %v", out)
	}
	if len(progress) < 2 {
		t.Errorf("progress %v: want the job and the transfer reported", progress)
	}
	pc.Mu.Lock()
	policy = pc.VolumeByName("svm_prod", "vol_logs").SnapshotPolicy
	pc.Mu.Unlock()
	dc.Mu.Lock()
	dst = dc.VolumeByPath("svm_dr:vol_logs_dr")
	dstType, dstSnaps := "", 0
	if dst != nil {
		dstType, dstSnaps = dst.Type, len(dst.Snapshots)
	}
	dc.Mu.Unlock()
	if policy != "default" || dstType != "dp" || dstSnaps == 0 {
		t.Errorf("estate after protect: policy %s, destination type %q with %d snapshots", policy, dstType, dstSnaps)
	}
	// The relationship is visible to the listing tools.
	rels := testenv.Items(t, e.OK("ontap_list_snapmirror", map[string]any{"relationship": "svm_dr:vol_logs_dr"}))
	if len(rels) != 1 || rels[0]["state"] != "snapmirrored" {
		t.Errorf("listed: %v", rels)
	}

	again := e.OK("ontap_protect_volume", args)
	for _, s := range again["steps"].([]any) {
		if s := s.(map[string]any); s["status"] != "skipped" {
			t.Errorf("repeat step %v", s)
		}
	}

	// It only adds: a different policy than the current one is refused.
	if msg := e.Err("ontap_protect_volume", map[string]any{"target": prod, "volume": "vol_logs", "snapshot_policy": "gold-4h"}); !strings.Contains(msg, "ontap_set_volume_snapshot_policy") {
		t.Errorf("policy change: %s", msg)
	}
}

// TestProtectVolumeResumes: when the SnapMirror create fails after the
// snapshot policy was set, the error says what was done, and the next call
// carries on from there.
func TestProtectVolumeResumes(t *testing.T) {
	e := testenv.Start(t)
	pc := e.Demo.Estate.OntapClusterByName(prod)
	pc.Mu.Lock()
	v := pc.VolumeByName("svm_prod", "vol_logs")
	v.SnapshotPolicy, v.Used = "none", 1<<30
	pc.Mu.Unlock()
	inject(e, dr, fleet.OntapFault{Kind: "job", Match: "snapmirror.create", Count: 1, Code: 13303841, Message: "The destination SVM is not peered."})
	args := map[string]any{"target": prod, "volume": "vol_logs"}
	msg := e.Err("ontap_protect_volume", args)
	if !strings.Contains(msg, "not peered") || !strings.Contains(msg, "Already done: set_snapshot_policy") {
		t.Fatalf("failed create: %s", msg)
	}
	out := e.OK("ontap_protect_volume", args)
	steps := out["steps"].([]any)
	if steps[0].(map[string]any)["status"] != "skipped" || steps[1].(map[string]any)["status"] != "done" || m(out, "relationship", "state") != "snapmirrored" {
		t.Errorf("second call: %v", out)
	}
}
