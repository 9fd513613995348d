package analysis

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// pick is the comparable essence of a recovery option.
type pick struct{ rp, method string }

func picks(rec Recommendation) []pick {
	out := []pick{}
	for _, o := range rec.Options {
		out = append(out, pick{o.RecoveryPoint.ID, string(o.Method)})
	}
	return out
}

func ransomwareEstate() *inventory.Estate {
	e := healthyEstate()
	for i := range e.ChangeRates {
		if e.ChangeRates[i].EntityID == "vol-1" && e.ChangeRates[i].Time.Equal(now.Add(-2*dy)) {
			e.ChangeRates[i].Bytes = 300 * gb
		}
	}
	e.RecoveryPoints = append(e.RecoveryPoints,
		inventory.RecoveryPoint{ID: "arw-1", Name: "Anti_ransomware_backup.1", EntityID: "vol-1", Location: inventory.LocationLocal,
			Target: "ontap-prod", SVM: "svm1", Created: now.Add(-2*dy + time.Hour), Status: inventory.StatusComplete,
			Consistency: inventory.CrashConsistent, Flags: []string{inventory.FlagAntiRansomware}},
		inventory.RecoveryPoint{ID: "old-6d", Name: "daily.6d", EntityID: "vol-1", Location: inventory.LocationLocal,
			Target: "ontap-prod", SVM: "svm1", Created: now.Add(-6 * dy), Status: inventory.StatusComplete,
			Consistency: inventory.ApplicationConsistent},
		inventory.RecoveryPoint{ID: "bad-5d", Name: "daily.5d", EntityID: "vol-1", Location: inventory.LocationLocal,
			Target: "ontap-prod", SVM: "svm1", Created: now.Add(-5 * dy), Status: inventory.StatusComplete,
			Consistency: inventory.CrashConsistent, Flags: []string{inventory.FlagScanInfected}})
	return e
}

func TestRecommend(t *testing.T) {
	for _, tc := range []struct {
		name     string
		estate   func() *inventory.Estate
		entity   string
		incident time.Time
		scenario Scenario
		want     []pick
		check    func(t *testing.T, rec Recommendation)
	}{
		{"vm corruption", healthyEstate, "db01", time.Time{}, ScenarioCorruption,
			[]pick{{"vm-db01-rp-00", "vm_revert"}, {"vm-db01-rp-00", "restore_as_clone"}, {"vm-db01-rp-01", "vm_revert"}, {"vm-db01-rp-02", "vm_revert"}},
			func(t *testing.T, rec Recommendation) {
				o := rec.Options[0]
				if o.DataLoss.D() != 10*time.Minute || !o.Destructive || rec.Options[1].Destructive {
					t.Errorf("data loss %v destructive %v/%v", o.DataLoss.D(), o.Destructive, rec.Options[1].Destructive)
				}
				if len(o.Steps) != 2 || o.Steps[0].Tool != ToolNutanixCreateRecoveryPoint || o.Steps[0].Destructive ||
					o.Steps[1].Tool != ToolNutanixRevertVM || !o.Steps[1].Destructive || o.Steps[1].Arguments["vm_recovery_point_ext_id"] != "vm-db01-vmrp-00" {
					t.Errorf("steps = %+v", o.Steps)
				}
				// 15m decide + 5m provision + 2m metadata + 10m verify.
				if o.RTO.D() != 32*time.Minute || !o.RTOBreakdown.MeetsTarget {
					t.Errorf("rto = %v", o.RTO.D())
				}
				if !strings.HasPrefix(o.Rationale, "Best clean recovery point") {
					t.Errorf("rationale = %s", o.Rationale)
				}
			}},
		{"vm corruption before the incident", healthyEstate, "vm-db01", now.Add(-90 * time.Minute), ScenarioCorruption,
			[]pick{{"vm-db01-rp-02", "vm_revert"}, {"vm-db01-rp-02", "restore_as_clone"}, {"vm-db01-rp-03", "vm_revert"}, {"vm-db01-rp-04", "vm_revert"}},
			func(t *testing.T, rec Recommendation) {
				if rec.Options[0].DataLoss.D() != 40*time.Minute {
					t.Errorf("data loss %v", rec.Options[0].DataLoss.D())
				}
			}},
		{"volume ransomware with anomaly", ransomwareEstate, "vol1", now.Add(-hr), ScenarioRansomware,
			[]pick{{"vol-1-weekly", "volume_clone"}, {"vol-1-weekly", "snaprestore"}, {"old-6d", "volume_clone"}, {"arw-1", "volume_clone"}},
			func(t *testing.T, rec Recommendation) {
				if !rec.CleanCutoff.Equal(now.Add(-3*dy)) || !strings.Contains(rec.CutoffReason, "300 GiB") {
					t.Errorf("cutoff %v %q", rec.CleanCutoff, rec.CutoffReason)
				}
				var infected bool
				for _, x := range rec.Excluded {
					infected = infected || (x.ID == "bad-5d" && strings.Contains(x.Reason, "malware"))
				}
				if !infected || rec.ExcludedCount != 29 || len(rec.Excluded) != 20 || rec.Excluded[0].ID != "bad-5d" ||
					rec.ExcludedReasons["created at or after the clean cut-off (2026-02-26T12:00:00Z)"] != 28 {
					t.Errorf("excluded %d (%d listed), infected listed %v", rec.ExcludedCount, len(rec.Excluded), infected)
				}
				if r := rec.Options[3].Risks; !slices.ContainsFunc(r, func(s string) bool { return strings.HasPrefix(s, "Held back") }) {
					t.Errorf("ARP option risks = %v", r)
				}
				if rec.Options[2].Rationale[:14] != "Fallback point" {
					t.Errorf("rationale = %s", rec.Options[2].Rationale)
				}
			}},
		{"ransomware event sets the cut-off", func() *inventory.Estate {
			e := healthyEstate()
			e.Events = append(e.Events, inventory.Event{Time: now.Add(-30 * hr), Name: "arw.volume.state", EntityID: "vm-db01", Target: "pc-prod"})
			return e
		}, "db01", time.Time{}, ScenarioRansomware,
			[]pick{{"vm-db01-weekly", "restore_as_clone"}, {"vm-db01-weekly", "vm_revert"}},
			func(t *testing.T, rec Recommendation) {
				if !rec.CleanCutoff.Equal(now.Add(-30*hr)) || !strings.Contains(rec.CutoffReason, "arw.volume.state") {
					t.Errorf("cutoff %v %q", rec.CleanCutoff, rec.CutoffReason)
				}
			}},
		{"ransomware without evidence uses the dwell margin", healthyEstate, "db01", time.Time{}, ScenarioRansomware,
			[]pick{{"vm-db01-weekly", "restore_as_clone"}, {"vm-db01-weekly", "vm_revert"}},
			func(t *testing.T, rec Recommendation) {
				if !rec.CleanCutoff.Equal(now.Add(-dy)) || rec.ExcludedCount != 30 {
					t.Errorf("cutoff %v excluded %d", rec.CleanCutoff, rec.ExcludedCount)
				}
			}},
		{"ransomware dwell relaxed when nothing older", func() *inventory.Estate {
			e := healthyEstate()
			e.RecoveryPoints = slices.DeleteFunc(e.RecoveryPoints, func(rp inventory.RecoveryPoint) bool { return rp.Locked })
			return e
		}, "db01", time.Time{}, ScenarioRansomware,
			[]pick{{"vm-db01-rp-00", "restore_as_clone"}, {"vm-db01-rp-00", "vm_revert"}, {"vm-db01-rp-01", "restore_as_clone"}, {"vm-db01-rp-02", "restore_as_clone"}},
			func(t *testing.T, rec Recommendation) {
				if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "dwell margin") {
					t.Errorf("warnings = %v", rec.Warnings)
				}
			}},
		{"volume site failure", healthyEstate, "vol1", time.Time{}, ScenarioSiteFailure,
			[]pick{{"vol-1-replica-00", "snapmirror_failover"}, {"vol-1-replica-00", "volume_clone"}, {"vol-1-replica-01", "snapmirror_failover"}, {"vol-1-replica-02", "snapmirror_failover"}},
			func(t *testing.T, rec Recommendation) {
				s := rec.Options[0].Steps
				if len(s) != 1 || s[0].Tool != ToolOntapSnapmirrorBreak || s[0].Arguments["relationship"] != "rel-1" || s[0].Arguments["target"] != "ontap-dr" {
					t.Errorf("steps = %+v", s)
				}
				s = rec.Options[2].Steps
				if len(s) != 2 || s[1].Tool != ToolOntapRestoreVolume || s[1].Arguments["volume"] != "vol1_dst" || s[1].Arguments["svm"] != "svm_dr" {
					t.Errorf("steps = %+v", s)
				}
			}},
		{"vm site failure", healthyEstate, "db01", time.Time{}, ScenarioSiteFailure,
			[]pick{{"vm-db01-replica-00", "restore_as_clone"}, {"vm-db01-replica-01", "restore_as_clone"}, {"vm-db01-replica-02", "restore_as_clone"}},
			func(t *testing.T, rec Recommendation) {
				a := rec.Options[0].Steps[0].Arguments
				if a["target"] != "pc-dr" || a["cluster"] != "c2" || a["ext_id"] != "vm-db01-replica-00" {
					t.Errorf("arguments = %v", a)
				}
			}},
		{"site failure without replicas", func() *inventory.Estate {
			e := healthyEstate()
			dropRecoveryPointsAt(e, "vm-db01", inventory.LocationReplica, time.Time{})
			return e
		}, "db01", time.Time{}, ScenarioSiteFailure, nil,
			func(t *testing.T, rec Recommendation) {
				if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "cannot be recovered from a site failure") {
					t.Errorf("warnings = %v", rec.Warnings)
				}
			}},
		{"file loss", healthyEstate, "vol1", time.Time{}, ScenarioFileLoss,
			[]pick{{"vol-1-rp-00", "file_restore"}, {"vol-1-rp-00", "volume_clone"}, {"vol-1-rp-01", "file_restore"}, {"vol-1-rp-02", "file_restore"}},
			func(t *testing.T, rec Recommendation) {
				s := rec.Options[0].Steps[0]
				if s.Tool != ToolOntapRestoreFile || s.Destructive || !slices.Equal(s.NeedsInput, []string{"path", "restore_path"}) || s.Arguments["snapshot"] != "hourly.2026-03-01_1150" {
					t.Errorf("step = %+v", s)
				}
			}},
		{"deleted vm", func() *inventory.Estate {
			e := healthyEstate()
			e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: "rp-old", MemberID: "vmrp-old", Name: "last", EntityID: "vm-old",
				EntityKind: inventory.EntityVM, EntityName: "old01", Location: inventory.LocationLocal, Target: "pc-prod", Cluster: "c1",
				Created: now.Add(-5 * hr), Status: inventory.StatusComplete, Consistency: inventory.ApplicationConsistent, LogicalBytes: 40 * gb})
			return e
		}, "old01", time.Time{}, ScenarioAccidentalDeletion,
			[]pick{{"rp-old", "restore_as_clone"}},
			func(t *testing.T, rec Recommendation) {
				if rec.EntityExists || rec.Entity.ID != "vm-old" || rec.Options[0].Steps[0].Arguments["cluster"] != "c1" {
					t.Errorf("entity %+v exists %v steps %+v", rec.Entity, rec.EntityExists, rec.Options[0].Steps)
				}
			}},
		{"deleted volume", func() *inventory.Estate {
			e := healthyEstate()
			for _, loc := range []inventory.Location{inventory.LocationLocal, inventory.LocationReplica} {
				rp := inventory.RecoveryPoint{ID: "s-" + string(loc), Name: "daily.1", EntityID: "vol-gone", EntityKind: inventory.EntityVolume,
					EntityName: "gone", Location: loc, Target: "ontap-prod", SVM: "svm1", Created: now.Add(-5 * hr),
					Status: inventory.StatusComplete, Consistency: inventory.CrashConsistent}
				if loc == inventory.LocationReplica {
					rp.Target, rp.SVM, rp.Volume = "ontap-dr", "svm_dr", "gone_dst"
				}
				e.RecoveryPoints = append(e.RecoveryPoints, rp)
			}
			e.Replications = append(e.Replications, inventory.Replication{ID: "rel-gone", SourceEntityID: "vol-gone", SourceTarget: "ontap-prod",
				DestinationTarget: "ontap-dr", DestinationPath: "svm_dr:gone_dst", State: "snapmirrored", Healthy: true})
			return e
		}, "gone", time.Time{}, ScenarioAccidentalDeletion,
			[]pick{{"s-replica", "volume_clone"}, {"s-replica", "snapmirror_failover"}},
			func(t *testing.T, rec Recommendation) {
				if rec.ExcludedCount != 1 || !strings.Contains(rec.Excluded[0].Reason, "deleted with the volume") {
					t.Errorf("excluded = %+v", rec.Excluded)
				}
			}},
		{"observed revert durations", func() *inventory.Estate {
			e := healthyEstate()
			for k, sec := range []int{60, 120, 180} {
				start := now.Add(-time.Duration(k+2) * dy)
				e.Operations = append(e.Operations, inventory.Operation{ID: "rv" + string(rune('a'+k)), Kind: inventory.OpRevert, Target: "pc-prod",
					Start: start, End: start.Add(time.Duration(sec) * time.Second), Status: inventory.OpSucceeded})
			}
			return e
		}, "db01", time.Time{}, ScenarioCorruption,
			[]pick{{"vm-db01-rp-00", "vm_revert"}, {"vm-db01-rp-00", "restore_as_clone"}, {"vm-db01-rp-01", "vm_revert"}, {"vm-db01-rp-02", "vm_revert"}},
			func(t *testing.T, rec Recommendation) {
				b := rec.Options[0].RTOBreakdown
				if b.Data.D() != 168*time.Second || !strings.Contains(b.Basis, "p90 of 3 observed revert operations on pc-prod") {
					t.Errorf("breakdown = %+v", b)
				}
			}},
		{"copy-based restore uses fallback throughput", func() *inventory.Estate {
			e := healthyEstate()
			dropRecoveryPointsAt(e, "vm-db01", inventory.LocationLocal, time.Time{})
			return e
		}, "db01", time.Time{}, ScenarioCorruption,
			[]pick{{"vm-db01-replica-00", "restore_as_clone"}, {"vm-db01-replica-01", "restore_as_clone"}, {"vm-db01-replica-02", "restore_as_clone"}},
			func(t *testing.T, rec Recommendation) {
				o := rec.Options[0]
				// 150 GiB at 100 MiB/s = 1536 s; verify max(10m, 20%) = 10m.
				if o.RTOBreakdown.Data.D() != 1536*time.Second || o.RTO.D() != 15*time.Minute+5*time.Minute+1536*time.Second+10*time.Minute {
					t.Errorf("rto = %+v", o.RTOBreakdown)
				}
				if len(o.Steps) != 2 || o.Steps[0].Tool != ToolNutanixReplicateRecoveryPoint || !slices.Equal(o.Steps[1].NeedsInput, []string{"ext_id"}) {
					t.Errorf("steps = %+v", o.Steps)
				}
			}},
		{"nothing before the incident", healthyEstate, "db01", now.Add(-30 * dy), ScenarioCorruption, nil,
			func(t *testing.T, rec Recommendation) {
				if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "No usable copy") {
					t.Errorf("warnings = %v", rec.Warnings)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := Recommend(tc.estate(), tc.entity, tc.incident, tc.scenario, DefaultRules())
			if rec.Error != "" {
				t.Fatalf("error: %s", rec.Error)
			}
			got := picks(rec)
			want := tc.want
			if want == nil {
				want = []pick{}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("options = %v\nwant      %v", got, want)
			}
			for i, o := range rec.Options {
				if o.Rank != i+1 || o.Rationale == "" || len(o.Steps) == 0 || len(o.Risks) == 0 {
					t.Errorf("option %d incomplete: %+v", i, o)
				}
				dest := false
				for _, s := range o.Steps {
					dest = dest || s.Destructive
					if s.Destructive != (s.Tier == TierDestructive) {
						t.Errorf("step %s tier %s destructive %v", s.Tool, s.Tier, s.Destructive)
					}
				}
				if dest != o.Destructive {
					t.Errorf("option %d destructive %v, steps say %v", i, o.Destructive, dest)
				}
			}
			if tc.check != nil {
				tc.check(t, rec)
			}
		})
	}
}

func TestRecommendErrors(t *testing.T) {
	e := healthyEstate()
	if rec := Recommend(e, "db01", now, "meteor", DefaultRules()); !strings.Contains(rec.Error, "unknown scenario") {
		t.Errorf("error = %q", rec.Error)
	}
	if rec := Recommend(e, "nope", now, ScenarioCorruption, DefaultRules()); !strings.Contains(rec.Error, "no entity") {
		t.Errorf("error = %q", rec.Error)
	}
	addVM(e, "vm-x", "VOL1", "")
	e.Reindex()
	rec := Recommend(e, "Vol1", now, ScenarioCorruption, DefaultRules())
	if len(rec.Candidates) != 2 || !strings.Contains(rec.Error, "matches 2") {
		t.Errorf("rec = %+v", rec)
	}
}
