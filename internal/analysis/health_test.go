package analysis

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

func TestHealthHealthyEstate(t *testing.T) {
	rep := Health(healthyEstate(), DefaultRules())
	if len(rep.Findings) != 0 {
		t.Fatalf("healthy estate has findings: %v", findingBriefs(rep.Findings))
	}
	if rep.Score != 100 || rep.Partial || rep.EntitiesEvaluated != 3 {
		t.Errorf("score %d partial %v evaluated %d", rep.Score, rep.Partial, rep.EntitiesEvaluated)
	}
	for _, c := range rep.Checks {
		if c.Evaluated == 0 && c.Name != CheckTargetUnreachable && c.Name != CheckPolicyNotFound && c.Name != CheckAppConsistency && c.Name != CheckStuckOperations && c.Name != CheckAIQUMEvent {
			// Every check but these must have looked at something in the baseline.
			if c.Name != CheckFailedOperations {
				t.Errorf("check %s evaluated nothing", c.Name)
			}
		}
	}
}

func addVM(e *inventory.Estate, id, name, policy string, tags ...string) *inventory.Entity {
	e.Entities = append(e.Entities, inventory.Entity{Kind: inventory.EntityVM, ID: id, Name: name, Target: "pc-prod", Policy: policy, Tags: tags})
	return &e.Entities[len(e.Entities)-1]
}

func failOps(e *inventory.Estate, id string, n int, msg string) {
	// The newest n snapshot operations of the entity fail.
	for i := range e.Operations {
		op := &e.Operations[i]
		if op.EntityID == id && op.Kind == inventory.OpSnapshot {
			var k int
			fmt.Sscanf(op.ID[strings.LastIndex(op.ID, "-")+1:], "%d", &k)
			if k < n {
				op.Status, op.Error = inventory.OpFailed, msg
			}
		}
	}
}

func TestHealthChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(e *inventory.Estate)
		want   []brief
	}{
		{"target unreachable", func(e *inventory.Estate) {
			e.Targets[3].Reachable, e.Targets[3].Error = false, "dial tcp 10.0.0.9:443: i/o timeout"
		}, []brief{{CheckTargetUnreachable, "high", "ontap-dr"}}},
		{"unprotected vm", func(e *inventory.Estate) { addVM(e, "vm-web", "web01", "") },
			[]brief{{CheckUnprotected, "medium", "web01"}}},
		{"unprotected critical vm", func(e *inventory.Estate) { addVM(e, "vm-web", "web01", "", "production") },
			[]brief{{CheckUnprotected, "high", "web01"}}},
		{"unprotected but excluded", func(e *inventory.Estate) { addVM(e, "vm-web", "web01", "").Excluded = true }, nil},
		{"policy not found", func(e *inventory.Estate) { addVM(e, "vm-web", "web01", "silver") },
			[]brief{{CheckPolicyNotFound, "low", "web01"}}},
		{"rpo breached", func(e *inventory.Estate) { dropRecoveryPoints(e, "vm-db01", now.Add(-65*time.Minute)) },
			[]brief{{CheckExpiring, "high", "db01"}, {CheckRPO, "high", "db01"}}},
		{"rpo critical", func(e *inventory.Estate) { dropRecoveryPoints(e, "vm-db01", now.Add(-130*time.Minute)) },
			[]brief{{CheckRPO, "critical", "db01"}, {CheckExpiring, "high", "db01"}, {CheckRemoteCopy, "medium", "db01"}}},
		{"rpo within grace", func(e *inventory.Estate) { e.AsOf = now.Add(55 * time.Minute) }, nil},
		{"no recovery point at all", func(e *inventory.Estate) { dropRecoveryPoints(e, "vm-db01", time.Time{}) },
			[]brief{{CheckRPO, "critical", "db01"}, {CheckRemoteCopy, "high", "db01"}, {Check32110, "medium", "db01"}}},
		{"new entity not yet due", func(e *inventory.Estate) {
			addVM(e, "vm-new", "new01", "gold").Created = now.Add(-20 * time.Minute)
		}, []brief{{CheckRemoteCopy, "high", "new01"}, {Check32110, "medium", "new01"}}},
		{"lag over schedule and rpo", func(e *inventory.Estate) { e.Replications[0].Lag = d(100 * time.Minute) },
			[]brief{{CheckReplicationLag, "high", "vol1"}}},
		{"lag warning only", func(e *inventory.Estate) {
			e.Replications[0].Lag, e.Replications[0].Schedule, e.Replications[0].RPO = d(95*time.Minute), d(hr), d(4*hr)
		}, []brief{{CheckReplicationLag, "medium", "vol1"}}},
		{"lag critical", func(e *inventory.Estate) { e.Replications[0].Lag = d(3 * hr) },
			[]brief{{CheckReplicationLag, "critical", "vol1"}}},
		{"unhealthy transfer failed", func(e *inventory.Estate) {
			e.Replications[0].Healthy, e.Replications[0].UnhealthyReason = false, "Transfer failed: destination volume is full"
		}, []brief{{CheckReplicationUnhealthy, "high", "vol1"}}},
		{"unhealthy delayed", func(e *inventory.Estate) {
			e.Replications[0].Healthy, e.Replications[0].UnhealthyReason = false, "Scheduled update was delayed"
		}, []brief{{CheckReplicationUnhealthy, "medium", "vol1"}}},
		{"broken off", func(e *inventory.Estate) {
			e.Replications[0].State, e.Replications[0].Healthy, e.Replications[0].Lag = "broken_off", false, d(50*hr)
		}, []brief{{CheckReplicationUnhealthy, "high", "vol1"}}},
		{"nutanix replica stale", func(e *inventory.Estate) {
			dropRecoveryPointsAt(e, "vm-db01", inventory.LocationReplica, now.Add(-3*hr))
		}, []brief{{CheckRemoteCopy, "high", "db01"}}},
		{"failure streak", func(e *inventory.Estate) { failOps(e, "vm-db01", 3, "VSS quiesce timed out\nat step 2") },
			[]brief{{CheckFailedOperations, "high", "db01"}, {Check32110, "low", "db01"}}},
		{"single failure", func(e *inventory.Estate) { failOps(e, "vm-db01", 1, "timeout") },
			[]brief{{CheckFailedOperations, "medium", "db01"}, {Check32110, "low", "db01"}}},
		{"stuck job", func(e *inventory.Estate) {
			e.Operations = append(e.Operations, inventory.Operation{ID: "job-9", Kind: inventory.OpReplication, EntityID: "vol-1",
				Target: "ontap-prod", Start: now.Add(-8 * hr), Status: inventory.OpRunning})
		}, []brief{{CheckStuckOperations, "medium", "vol1"}}},
		{"target-level failure", func(e *inventory.Estate) {
			e.Operations = append(e.Operations, inventory.Operation{ID: "job-10", Kind: inventory.OpOther, Target: "ontap-prod",
				Start: now.Add(-2 * hr), End: now.Add(-2 * hr), Status: inventory.OpFailed, Error: "aggregate offline"})
		}, []brief{{CheckFailedOperations, "medium", "ontap-prod"}}},
		{"manual copy expiring", func(e *inventory.Estate) {
			addVM(e, "vm-web", "web01", "")
			e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: "rp-m", MemberID: "vmrp-m", Name: "manual", EntityID: "vm-web",
				Location: inventory.LocationLocal, Target: "pc-prod", Created: now.Add(-6 * dy), Expires: now.Add(10 * hr),
				Status: inventory.StatusComplete, Consistency: inventory.CrashConsistent})
		}, []brief{{CheckExpiring, "high", "web01"}, {CheckUnprotected, "medium", "web01"}}},
		{"volume nearly full", func(e *inventory.Estate) { entity(e, "vol-1").UsedBytes = 850 * gb },
			[]brief{{CheckVolumeCapacity, "medium", "vol1"}}},
		{"volume full", func(e *inventory.Estate) { entity(e, "vol-1").UsedBytes = 920 * gb },
			[]brief{{CheckVolumeCapacity, "high", "vol1"}}},
		{"volume critical", func(e *inventory.Estate) { entity(e, "vol-1").UsedBytes = 990 * gb },
			[]brief{{CheckVolumeCapacity, "critical", "vol1"}}},
		{"volume below threshold", func(e *inventory.Estate) { entity(e, "vol-1").UsedBytes = 790 * gb }, nil},
		{"reserve full", func(e *inventory.Estate) { entity(e, "vol-1").SnapshotReserveUsedBytes = 95 * gb },
			[]brief{{CheckSnapshotReserve, "high", "vol1"}}},
		{"snapshot count", func(e *inventory.Estate) { addOldSnapshots(e, "vol-1", 1000-25) },
			[]brief{{CheckSnapshotCount, "high", "vol1"}}},
		{"snapshot count at maximum", func(e *inventory.Estate) { addOldSnapshots(e, "vol-1", 1023-25) },
			[]brief{{CheckSnapshotCount, "critical", "vol1"}}},
		{"app consistency missing", func(e *inventory.Estate) { policy(e, "gold").AppConsistent = true },
			[]brief{{CheckAppConsistency, "high", "db01"}}},
		{"app consistency stale", func(e *inventory.Estate) {
			policy(e, "gold").AppConsistent = true
			for i := range e.RecoveryPoints {
				if e.RecoveryPoints[i].ID == "vm-db01-rp-05" {
					e.RecoveryPoints[i].Consistency = inventory.ApplicationConsistent
				}
			}
		}, []brief{{CheckAppConsistency, "medium", "db01"}}},
		{"app consistency fresh", func(e *inventory.Estate) {
			policy(e, "gold").AppConsistent = true
			for i := range e.RecoveryPoints {
				if e.RecoveryPoints[i].ID == "vm-db01-rp-00" {
					e.RecoveryPoints[i].Consistency = inventory.ApplicationConsistent
				}
			}
		}, nil},
		{"3-2-1-1-0 no immutable copy", func(e *inventory.Estate) {
			for i := range e.RecoveryPoints {
				e.RecoveryPoints[i].Locked = false
			}
		}, []brief{{Check32110, "low", "vol1"}, {Check32110, "low", "db01"}}},
		{"3-2-1-1-0 policy requires locks", func(e *inventory.Estate) {
			policy(e, "gold").LockedSnapshots = true
			for i := range e.RecoveryPoints {
				e.RecoveryPoints[i].Locked = false
			}
		}, []brief{{Check32110, "medium", "db01"}, {Check32110, "low", "vol1"}}},
		{"3-2-1-1-0 lock expired", func(e *inventory.Estate) {
			for i := range e.RecoveryPoints {
				if e.RecoveryPoints[i].Locked {
					e.RecoveryPoints[i].LockExpires = now.Add(-time.Hour)
				}
			}
		}, []brief{{Check32110, "low", "vol1"}, {Check32110, "low", "db01"}}},
		{"3-2-1-1-0 no verification", func(e *inventory.Estate) {
			for i := range e.Operations {
				if e.Operations[i].Kind == inventory.OpVerify {
					e.Operations[i].Start, e.Operations[i].End = now.Add(-100*dy), now.Add(-100*dy)
				}
			}
		}, []brief{{Check32110, "low", "vol1"}, {Check32110, "low", "db01"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := healthyEstate()
			tc.mutate(e)
			rep := Health(e, DefaultRules())
			sameBriefs(t, findingBriefs(rep.Findings), tc.want)
			for _, f := range rep.Findings {
				if f.Recommendation == "" || f.Summary == "" || f.Evidence == nil {
					t.Errorf("finding %s lacks summary, recommendation or evidence", f.Check)
				}
			}
		})
	}
}

func dropRecoveryPointsAt(e *inventory.Estate, id string, loc inventory.Location, cut time.Time) {
	out := e.RecoveryPoints[:0]
	for _, rp := range e.RecoveryPoints {
		if rp.EntityID == id && rp.Location == loc && rp.Created.After(cut) {
			continue
		}
		out = append(out, rp)
	}
	e.RecoveryPoints = out
}

func addOldSnapshots(e *inventory.Estate, id string, n int) {
	for k := range n {
		e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: fmt.Sprintf("old-%d", k), Name: fmt.Sprintf("old.%d", k),
			EntityID: id, Location: inventory.LocationLocal, Target: "ontap-prod", Created: now.Add(-30*dy - time.Duration(k)*time.Minute),
			Status: inventory.StatusComplete, Consistency: inventory.CrashConsistent})
	}
}

func TestHealthDetails(t *testing.T) {
	e := healthyEstate()
	dropRecoveryPoints(e, "vm-db01", now.Add(-130*time.Minute))
	failOps(e, "vol-1", 3, "snapshot create failed: no space")
	rep := Health(e, DefaultRules())

	rpo := rep.Findings[0]
	if rpo.Check != CheckRPO || rpo.Severity != Critical {
		t.Fatalf("first finding = %s/%s, want the critical RPO finding first", rpo.Check, rpo.Severity)
	}
	if got := rpo.Evidence["newest_age_seconds"]; got != float64(130*60) {
		t.Errorf("newest_age_seconds = %v", got)
	}
	if got := rpo.Evidence["rpo_seconds"]; got != float64(3600) {
		t.Errorf("rpo_seconds = %v", got)
	}
	if got := rpo.Evidence["ratio"]; got != 2.1667 {
		t.Errorf("ratio = %v", got)
	}
	want := `{"tool":"nutanix_create_recovery_point","arguments":{"target":"pc-prod","vms":["db01"]}}`
	if got := mustJSON(t, rpo.NextTool); got != want {
		t.Errorf("next_tool = %s\nwant %s", got, want)
	}
	var streak *Finding
	for i := range rep.Findings {
		if rep.Findings[i].Check == CheckFailedOperations {
			streak = &rep.Findings[i]
		}
	}
	if streak == nil || streak.Evidence["streak"] != 3 || streak.NextTool.Tool != ToolOntapGetJob ||
		streak.NextTool.Arguments["uuid"] != "vol-1-snap-00" {
		t.Fatalf("streak finding = %+v", streak)
	}
	// Score: items = 3 entities + 4 targets; db01: critical (1) + high + medium -> 1; vol1: high 0.4 + low 0.05.
	if rep.Score != 59 {
		t.Errorf("score = %d, want capped at 59", rep.Score)
	}
	if rep.Counts.Critical != 1 || rep.Counts.Total != len(rep.Findings) {
		t.Errorf("counts = %+v", rep.Counts)
	}
}

func TestHealthScore(t *testing.T) {
	w := DefaultRules().Score
	fs := []Finding{
		{Severity: Medium, Entity: EntityRef{Name: "a"}},
		{Severity: Medium, Entity: EntityRef{Name: "a"}},
		{Severity: Low, Entity: EntityRef{Name: "b"}},
	}
	// Deductions: a 0.3, b 0.05 over 10 items -> 100 × (1 − 0.035) = 96.5 -> 97.
	if s, _ := score(fs, 10, w); s != 97 {
		t.Errorf("score = %d, want 97", s)
	}
	fs = append(fs, Finding{Severity: High, Entity: EntityRef{Name: "c"}})
	if s, _ := score(fs, 1000, w); s != 89 {
		t.Errorf("score with a high finding = %d, want 89", s)
	}
	if s, _ := score(nil, 0, w); s != 100 {
		t.Errorf("empty score = %d", s)
	}
}
