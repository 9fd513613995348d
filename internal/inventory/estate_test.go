package inventory

import (
	"testing"
	"time"
)

func TestModelHelpers(t *testing.T) {
	tr := Transfer{Start: t0, End: t0.Add(time.Minute)}
	if tr.Elapsed() != time.Minute {
		t.Errorf("elapsed = %v", tr.Elapsed())
	}
	tr = Transfer{End: t0, Duration: Duration(90 * time.Second)}
	if tr.Elapsed() != 90*time.Second {
		t.Errorf("elapsed with duration = %v", tr.Elapsed())
	}
	rp := RecoveryPoint{Status: StatusComplete, Locked: true, LockExpires: t0, Expires: t0.Add(time.Hour)}
	if !rp.Usable() || !rp.LockedAt(t0.Add(-time.Second)) || rp.LockedAt(t0) || rp.ExpiredAt(t0) || !rp.ExpiredAt(t0.Add(time.Hour)) {
		t.Error("recovery point helpers")
	}
	rp.Flags = []string{FlagScanInfected}
	if rp.Usable() {
		t.Error("infected copy is usable")
	}
	p := Policy{Schedule: Duration(time.Hour), RetentionCount: 24, Retention: Duration(12 * time.Hour)}
	if p.EffectiveRPO() != time.Hour || p.RetentionSpan() != 24*time.Hour {
		t.Errorf("policy helpers %v %v", p.EffectiveRPO(), p.RetentionSpan())
	}
	en := Entity{Tags: []string{"env:production", "sox"}}
	if !en.HasTag("production") || !en.HasTag("ENV:Production") || !en.HasAnyTag([]string{"x", "sox"}) || en.HasTag("env") {
		t.Error("tags")
	}
	if EntityVolume.Vendor() != KindOntap || EntityVM.Vendor() != KindNutanix {
		t.Error("vendor")
	}
	op := Operation{Start: t0}
	if op.Duration() != 0 || !op.When().Equal(t0) {
		t.Error("running operation")
	}
	r := Replication{State: "broken_off"}
	if !r.Broken() {
		t.Error("broken")
	}
}
