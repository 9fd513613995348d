package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// metricsFixture is a hand-built estate and run list over a 14-day period
// [from, now); every figure the tests expect is worked out in comments.
func metricsFixture() (*inventory.Estate, []RunRecord, Period) {
	p := Period{From: now.Add(-14 * dy), To: now, Label: "last 14 days"}
	from := p.From
	w2 := from.Add(7 * dy) // second week
	e := &inventory.Estate{
		AsOf: now,
		Targets: []inventory.Target{
			{Name: "pc", Kind: inventory.KindNutanix, Reachable: true},
			{Name: "ontap", Kind: inventory.KindOntap, Reachable: true},
		},
		Policies: []inventory.Policy{
			{Name: "gold", RPO: d(4 * hr), Schedule: d(4 * hr)},
			{Name: "daily", Target: "ontap", RPO: d(24 * hr), Schedule: d(24 * hr)},
		},
		Entities: []inventory.Entity{
			// tier 1 (database)
			{Kind: inventory.EntityVM, ID: "vm-a", Name: "vma", Target: "pc", Policy: "gold", Tags: []string{"database"}},
			// tier 3 (default)
			{Kind: inventory.EntityVolume, ID: "vol-b", Name: "volb", SVM: "svm1", Target: "ontap", Policy: "daily",
				UsedBytes: 200 * gb, LogicalUsedBytes: 300 * gb, PhysicalUsedBytes: 100 * gb, SnapshotReserveUsedBytes: 20 * gb},
			// tier 2 (production), no recovery point at all
			{Kind: inventory.EntityVolume, ID: "vol-c", Name: "volc", SVM: "svm1", Target: "ontap", Policy: "daily", Tags: []string{"production"},
				UsedBytes: 100 * gb, LogicalUsedBytes: 100 * gb, PhysicalUsedBytes: 100 * gb, SnapshotReserveUsedBytes: 30 * gb},
			// replica of vol-b: not judged for RPO, counted for space
			{Kind: inventory.EntityVolume, ID: "vol-b-dst", Name: "volb_dst", SVM: "svm2", Target: "ontap", ReplicaOf: "vol-b",
				UsedBytes: 100 * gb, LogicalUsedBytes: 150 * gb, PhysicalUsedBytes: 50 * gb, SnapshotReserveUsedBytes: 50 * gb},
			// unprotected
			{Kind: inventory.EntityVM, ID: "vm-u", Name: "vmu", Target: "pc"},
		},
	}
	rp := func(ent string, at time.Time, status string) {
		e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: ent + at.Format("0102T15"), EntityID: ent, Target: "x",
			Location: inventory.LocationLocal, Created: at, Status: status})
	}
	// vm-a: every 4h from from-1h (the anchor) to from+335h: 85 points,
	// gaps of 4h, then 1h to the end: achieved 4h = target (met, ratio 1).
	for k := 0; from.Add(-hr + time.Duration(4*k)*hr).Before(now); k++ {
		rp("vm-a", from.Add(-hr+time.Duration(4*k)*hr), inventory.StatusComplete)
	}
	rp("vm-a", from.Add(-30*hr), inventory.StatusComplete) // older than the anchor: not counted
	rp("vm-a", from.Add(200*hr+30*time.Minute), inventory.StatusPartial)
	// vol-b: from-2h (anchor), from+22h, from+70h (a 48h gap), then daily
	// from+94h to from+334h (11): 14 points, achieved 48h vs 24h (ratio 2).
	rp("vol-b", from.Add(-26*hr), inventory.StatusComplete)
	rp("vol-b", from.Add(-2*hr), inventory.StatusComplete)
	rp("vol-b", from.Add(22*hr), inventory.StatusComplete)
	rp("vol-b", from.Add(70*hr), inventory.StatusComplete)
	for j := 0; j <= 10; j++ {
		rp("vol-b", from.Add(94*hr+time.Duration(24*j)*hr), inventory.StatusComplete)
	}
	op := func(id, kind, ent, target string, at time.Time, st inventory.OpStatus) {
		e.Operations = append(e.Operations, inventory.Operation{ID: id, Kind: kind, EntityID: ent, Target: target, Start: at.Add(-time.Minute), End: at, Status: st})
	}
	// week 1: 4 tasks ok, 1 job failed, 1 job running (not counted)
	for i := range 4 {
		op("t1-"+string(rune('a'+i)), inventory.OpSnapshot, "vm-a", "pc", from.Add(time.Duration(10+i)*hr), inventory.OpSucceeded)
	}
	op("j1-fail", inventory.OpSnapshot, "vol-b", "ontap", from.Add(30*hr), inventory.OpFailed)
	e.Operations = append(e.Operations, inventory.Operation{ID: "j1-run", Kind: inventory.OpSnapshot, EntityID: "vol-b", Target: "ontap", Start: from.Add(31 * hr), Status: inventory.OpRunning})
	// week 2: 3 tasks ok, 1 task failed, 1 replication job ok
	for i := range 3 {
		op("t2-"+string(rune('a'+i)), inventory.OpSnapshot, "vm-a", "pc", w2.Add(time.Duration(10+i)*hr), inventory.OpSucceeded)
	}
	op("t2-fail", inventory.OpSnapshot, "vm-a", "pc", w2.Add(20*hr), inventory.OpFailed)
	op("j2-repl", inventory.OpReplication, "vol-b", "ontap", w2.Add(21*hr), inventory.OpSucceeded)
	// outside the period, and not a backup: not counted
	op("t0-old", inventory.OpSnapshot, "vm-a", "pc", from.Add(-hr), inventory.OpFailed)
	op("t2-restore", inventory.OpRestore, "vm-a", "pc", w2.Add(hr), inventory.OpFailed)
	// recovery tests on the arrays: a verify ok, a drill failed
	op("t2-verify", inventory.OpVerify, "vm-a", "pc", w2.Add(2*hr), inventory.OpSucceeded)
	op("j2-drill", inventory.OpDrill, "vol-b", "ontap", w2.Add(3*hr), inventory.OpFailed)
	// replication lag history: day 0 peaks at 90 min, day 1 at 60 min
	e.Replications = []inventory.Replication{{ID: "rel-b", SourceEntityID: "vol-b", SourceTarget: "ontap", SourcePath: "svm1:volb",
		DestinationTarget: "ontap", DestinationPath: "svm2:volb_dst", State: "snapmirrored", Healthy: true, Schedule: d(hr),
		LagHistory: []inventory.LagSample{{Time: from.Add(hr), Lag: d(30 * time.Minute)}, {Time: from.Add(5 * hr), Lag: d(90 * time.Minute)},
			{Time: from.Add(25 * hr), Lag: d(60 * time.Minute)}, {Time: from.Add(-hr), Lag: d(10 * hr)}}},
		{ID: "rel-x", SourceEntityID: "vm-a", SourceTarget: "pc", DestinationTarget: "pc", State: "snapmirrored", Healthy: true,
			LagHistory: []inventory.LagSample{{Time: from.Add(hr), Lag: d(hr)}}}, // one day only: no series
	}
	yes, no := true, false
	at := func(h int) time.Time { return from.Add(time.Duration(h) * hr) }
	runs := []RunRecord{
		// backups: sb2 failed in week 1, sb1 ok in week 2; cancelled and dry runs do not count
		{ID: "sb1", Kind: RunScheduledBackup, Status: "succeeded", Target: "pc", Entity: "vma", Created: w2.Add(-time.Minute + 5*hr), Ended: w2.Add(5 * hr)},
		{ID: "sb2", Kind: RunScheduledBackup, Status: "failed", Target: "ontap", Entity: "svm1:volb", Created: at(40), Ended: at(41)},
		{ID: "sb3", Kind: RunScheduledBackup, Status: "cancelled", Target: "pc", Entity: "vma", Created: at(42), Ended: at(43)},
		{ID: "sb4", Kind: RunScheduledBackup, Status: "succeeded", DryRun: true, Target: "pc", Entity: "vma", Created: at(44), Ended: at(44)},
		// drills: d1 within target, d2 over it (and failed its criteria), d3 failed, t1 a test failover with no target
		{ID: "d1", Kind: RunRecoveryTesting, Type: "volume", Status: "succeeded", Target: "ontap", Entity: "svm1:volb", Created: at(50), Ended: at(51), RTOSeconds: 120, RTOTargetSeconds: 1800, Passed: &yes},
		{ID: "d2", Kind: RunRecoveryTesting, Type: "file", Status: "succeeded", Target: "ontap", Entity: "svm1:volb", Created: at(60), Ended: at(61), RTOSeconds: 400, RTOTargetSeconds: 300, Passed: &no},
		{ID: "d3", Kind: RunRecoveryTesting, Type: "volume", Status: "failed", Target: "ontap", Entity: "svm1:volc", Created: at(70), Ended: at(71)},
		{ID: "t1", Kind: RunDisasterRecovery, Type: "test", Status: "succeeded", Target: "ontap", Entity: "svm1:volb", Created: at(80), Ended: at(81), RTOSeconds: 90},
		{ID: "d4", Kind: RunRecoveryTesting, Type: "volume", Status: "succeeded", DryRun: true, Target: "ontap", Entity: "svm1:volb", Created: at(90), Ended: at(90)},
		// recoveries: 10 min and 30 min; a failed one and a running one are not in the mean
		{ID: "r1", Kind: RunDataRecovery, Type: "clone", Status: "succeeded", Target: "ontap", Entity: "svm1:volb", Created: at(100), Ended: at(100).Add(10 * time.Minute)},
		{ID: "r2", Kind: RunDisasterRecovery, Type: "planned", Status: "succeeded", Target: "ontap", Entity: "svm1:volb", Created: at(110), Ended: at(110).Add(30 * time.Minute)},
		{ID: "r3", Kind: RunDisasterRecovery, Type: "unplanned", Status: "failed", Target: "ontap", Entity: "svm1:volc", Created: at(120), Ended: at(121)},
		{ID: "r4", Kind: RunDataRecovery, Type: "clone", Status: "running", Target: "ontap", Entity: "svm1:volb", Created: at(130)},
	}
	return e, runs, p
}

func val(t *testing.T, r MetricsReport, id string) *Metric {
	t.Helper()
	m := r.Metric(id)
	if m == nil {
		t.Fatalf("no metric %s in %v", id, r.Metrics)
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-3 }

func TestMetricsByHand(t *testing.T) {
	e, runs, p := metricsFixture()
	e.Normalize()
	r := Metrics(MetricsInput{Estate: e, Runs: runs, Period: p, Rules: DefaultRules()})
	if r.Error != "" {
		t.Fatal(r.Error)
	}
	tests := []struct {
		id     string
		want   float64
		met    bool
		counts map[string]int
	}{
		// 12 outcomes: 8 tasks (7 ok), 2 jobs (1 ok), 2 runs (1 ok): 9/12
		{MetricBackupSuccess, 75, false, map[string]int{"tasks": 8, "jobs": 2, "workflow_runs": 2}},
		// vm-a met (4h = 4h); vol-b 48h > 24h; vol-c none: 1/3
		{MetricRPOMet, 100.0 / 3, false, map[string]int{"entities": 3, "recovery_points": 99, "unprotected_entities": 1}},
		// d1 120 ≤ 1800, d2 400 > 300; t1 has no target: 1/2
		{MetricDrillRTOMet, 50, false, map[string]int{"drills": 3}},
		// (600 + 1800) / 2
		{MetricMTTR, 1200, false, map[string]int{"workflow_runs": 2}},
		// runs d1 ok, d2 failed criteria, d3 failed, t1 ok; verify ok, drill job failed: 3/6
		{MetricRecoveryTests, 50, false, map[string]int{"workflow_runs": 4, "tasks": 1, "jobs": 1}},
		// (300+100+150) / (100+100+50) GiB
		{MetricEfficiency, 2.2, false, map[string]int{"volumes": 3}},
		// (20+30+50) / (200+100+100) GiB
		{MetricSnapshotOverhead, 25, false, map[string]int{"volumes": 3}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			m := val(t, r, tc.id)
			if m.Value == nil {
				t.Fatalf("missing: %s", m.Missing)
			}
			if !near(*m.Value, tc.want) {
				t.Errorf("value %v, want %v", *m.Value, tc.want)
			}
			if m.Met != nil && *m.Met != tc.met {
				t.Errorf("met %v, want %v", *m.Met, tc.met)
			}
			for k, n := range tc.counts {
				if m.Source.Counts[k] != n {
					t.Errorf("source %s = %d, want %d (%v)", k, m.Source.Counts[k], n, m.Source.Counts)
				}
			}
			if m.Source.Note == "" {
				t.Error("no source note")
			}
		})
	}
	// weeks: 4 tasks ok, 1 job and 1 run failed: 4/6; 3 tasks, 1 job, 1 run ok, 1 task failed: 5/6
	if len(r.Weekly) != 2 || r.Weekly[0].Succeeded != 4 || r.Weekly[0].Failed != 2 || r.Weekly[1].Succeeded != 5 || r.Weekly[1].Failed != 1 {
		t.Fatalf("weekly %+v", r.Weekly)
	}
	if !near(*r.Weekly[0].Rate, 400.0/6) || !near(*r.Weekly[1].Rate, 500.0/6) || !r.Weekly[0].Start.Equal(p.From) {
		t.Errorf("weekly rates %v %v", *r.Weekly[0].Rate, *r.Weekly[1].Rate)
	}
	// worst first: vol-c (none), vol-b (48h / 24h), vm-a (4h / 4h)
	if r.RPOEntitiesTotal != 3 || r.RPOEntities[0].Entity.ID != "vol-c" || r.RPOEntities[0].Missing == "" ||
		r.RPOEntities[1].Entity.ID != "vol-b" || *r.RPOEntities[1].AchievedSeconds != 48*3600 || r.RPOEntities[1].RecoveryPoints != 14 ||
		!r.RPOEntities[1].CoveredFrom.Equal(p.From.Add(-2*hr)) || *r.RPOEntities[2].AchievedSeconds != 4*3600 || !r.RPOEntities[2].Met {
		t.Errorf("rpo entities %+v", r.RPOEntities)
	}
	wantBuckets := []int{0, 1, 0, 1, 0, 1}
	for i, b := range r.RPODistribution {
		if b.Count != wantBuckets[i] {
			t.Errorf("bucket %s = %d, want %d", b.Label, b.Count, wantBuckets[i])
		}
	}
	wantTiers := []TierRPO{
		{Tier: 1, Entities: 1, Met: 1, MedianAchievedSeconds: 14400, P95AchievedSeconds: 14400, MedianTargetSeconds: 14400},
		{Tier: 2, Entities: 1, NoRecoveryPoint: 1},
		{Tier: 3, Entities: 1, MedianAchievedSeconds: 172800, P95AchievedSeconds: 172800, MedianTargetSeconds: 86400},
	}
	if len(r.RPOTiers) != 3 {
		t.Fatalf("tiers %+v", r.RPOTiers)
	}
	for i, w := range wantTiers {
		if r.RPOTiers[i] != w {
			t.Errorf("tier %d: %+v, want %+v", w.Tier, r.RPOTiers[i], w)
		}
	}
	if len(r.Drills) != 3 || r.Drills[0].RunID != "d1" || r.Drills[1].Passed || r.Drills[2].RTOTargetSeconds != 0 {
		t.Errorf("drills %+v", r.Drills)
	}
	// lag: one series (rel-x has a single day), daily peaks 90 and 60 min, RPO = policy 24h
	if len(r.Lag) != 1 || r.Lag[0].ID != "rel-b" || len(r.Lag[0].Points) != 2 || r.Lag[0].Points[0].LagSeconds != 5400 ||
		r.Lag[0].Points[1].LagSeconds != 3600 || r.Lag[0].RPOSeconds != 86400 {
		t.Errorf("lag %+v", r.Lag)
	}
	// compliance: one score per framework, the share of passing controls of Comply
	for _, fw := range Frameworks {
		m := val(t, r, MetricCompliancePrefix+fw)
		c := Comply(e, nil, fw, DefaultRules())
		if c.InScope == 0 {
			if m.Value != nil || m.Missing == "" {
				t.Errorf("%s: no entity in scope, yet %v", fw, m.Value)
			}
			continue
		}
		if m.Value == nil || !near(*m.Value, 100*float64(c.Summary.Pass)/float64(c.Summary.Total)) {
			t.Errorf("%s score %v, summary %+v", fw, m.Value, c.Summary)
		}
	}
}

func TestMetricsScope(t *testing.T) {
	tests := []struct {
		name  string
		scope MetricsScope
		// backup success: ok/total
		ok, total int
		rpoMet    float64
		eff       float64
	}{
		// jobs: 1 failed, 1 replication ok; run sb2 failed: 1/3; vol-b, vol-c: 0/2
		{"target", MetricsScope{Target: "ONTAP"}, 1, 3, 0, 2.2},
		// vm-a: 7 tasks ok, 1 failed; sb1 ok: 8/9; vm-a met
		{"entity", MetricsScope{Entity: "VMA"}, 8, 9, 100, 0},
		{"tier", MetricsScope{Tier: 1}, 8, 9, 100, 0},
		// vol-b only: jobs 1/2, sb2 failed: 1/3; efficiency 300/100
		{"volume path", MetricsScope{Entity: "svm1:volb"}, 1, 3, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, runs, p := metricsFixture()
			e.Normalize()
			r := Metrics(MetricsInput{Estate: e, Runs: runs, Period: p, Scope: tc.scope, Rules: DefaultRules()})
			if r.Error != "" {
				t.Fatal(r.Error)
			}
			if m := val(t, r, MetricBackupSuccess); m.Value == nil || !near(*m.Value, 100*float64(tc.ok)/float64(tc.total)) {
				t.Errorf("backup success %v, want %d/%d", m.Value, tc.ok, tc.total)
			}
			if m := val(t, r, MetricRPOMet); m.Value == nil || !near(*m.Value, tc.rpoMet) {
				t.Errorf("rpo met %v, want %v", m.Value, tc.rpoMet)
			}
			m := val(t, r, MetricEfficiency)
			if tc.eff == 0 {
				if m.Value != nil || m.Missing == "" {
					t.Errorf("efficiency %v without volumes", *m.Value)
				}
			} else if m.Value == nil || !near(*m.Value, tc.eff) {
				t.Errorf("efficiency %v, want %v", m.Value, tc.eff)
			}
		})
	}
}

func TestMetricsMissing(t *testing.T) {
	e, _, p := metricsFixture()
	e.Operations, e.Replications, e.RecoveryPoints = nil, nil, nil
	e.Normalize()
	r := Metrics(MetricsInput{Estate: e, Period: p, RunsNote: "no workflow engine configured", Rules: DefaultRules()})
	for _, id := range []string{MetricBackupSuccess, MetricDrillRTOMet, MetricMTTR, MetricRecoveryTests} {
		m := val(t, r, id)
		if m.Value != nil || m.Missing == "" {
			t.Errorf("%s: value %v without data (missing %q)", id, m.Value, m.Missing)
		}
		if id != MetricBackupSuccess && m.Source.Note == "" {
			t.Errorf("%s: source note does not carry the runs note", id)
		}
	}
	for _, m := range r.Metrics {
		if m.Source.Counts == nil {
			t.Errorf("%s: nil source counts", m.ID)
		}
	}
	if m := val(t, r, MetricDrillRTOMet); m.Missing != "no drill in the period" {
		t.Errorf("drill missing %q", m.Missing)
	}
	// protected entities with no recovery point: all not met, counted as "none"
	if m := val(t, r, MetricRPOMet); m.Value == nil || *m.Value != 0 || r.RPODistribution[5].Count != 3 {
		t.Errorf("rpo %v %+v", m.Value, r.RPODistribution)
	}
	if len(r.Lag) != 0 || len(r.Drills) != 0 {
		t.Errorf("series without data: %+v %+v", r.Lag, r.Drills)
	}
	bad := []struct {
		name string
		in   MetricsInput
	}{
		{"empty period", MetricsInput{Estate: e, Period: Period{From: now, To: now}}},
		{"unknown target", MetricsInput{Estate: e, Period: p, Scope: MetricsScope{Target: "nope"}}},
		{"unknown entity", MetricsInput{Estate: e, Period: p, Scope: MetricsScope{Entity: "nope"}}},
	}
	for _, tc := range bad {
		if r := Metrics(tc.in); r.Error == "" {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestMetricsDeterministic(t *testing.T) {
	e1, runs, p := metricsFixture()
	e1.Normalize()
	a, _ := json.Marshal(Metrics(MetricsInput{Estate: e1, Runs: runs, Period: p, Rules: DefaultRules()}))
	e2, runs2, _ := metricsFixture()
	e2.Normalize()
	b, _ := json.Marshal(Metrics(MetricsInput{Estate: e2, Runs: runs2, Period: p, Rules: DefaultRules()}))
	if string(a) != string(b) {
		t.Error("two runs over the same input differ")
	}
}

// Retention thins old copies by design: gaps are measured only over what
// the policy keeps in full (retention count x shortest schedule).
func TestMetricsRPORetentionWindow(t *testing.T) {
	e, _, p := metricsFixture()
	e.Policies[0].RetentionCount = 6 // gold: 6 x 4h = the last 24h
	e.Policies[1].RetentionCount = 3 // daily: 3 x 24h = the last 72h
	e.Normalize()
	r := Metrics(MetricsInput{Estate: e, Period: p, Rules: DefaultRules()})
	byID := map[string]EntityRPO{}
	for _, er := range r.RPOEntities {
		byID[er.Entity.ID] = er
	}
	tests := []struct {
		id       string
		achieved float64
		points   int
		covered  time.Time
	}{
		// after now-24h = from+312h: 315..335, 6 points, gaps 4h, last 1h
		{"vm-a", 4 * 3600, 6, p.From.Add(315 * hr)},
		// after now-72h = from+264h: 286, 310, 334; the 48h gap early in
		// the period is before the window
		{"vol-b", 24 * 3600, 3, p.From.Add(286 * hr)},
	}
	for _, tc := range tests {
		er := byID[tc.id]
		if er.AchievedSeconds == nil || *er.AchievedSeconds != tc.achieved || er.RecoveryPoints != tc.points || !er.CoveredFrom.Equal(tc.covered) || er.ThinnedBefore.IsZero() || !er.Met {
			t.Errorf("%s: %+v (achieved %v)", tc.id, er, er.AchievedSeconds)
		}
	}
	if m := val(t, r, MetricRPOMet); !near(*m.Value, 200.0/3) {
		t.Errorf("rpo met %v, want 2/3", *m.Value)
	}
}

// A report with every list at its limit (90 days: 13 weeks, 90 lag points
// per series) stays under 36 KB of JSON, inside a tool result's 40 KB.
func TestMetricsReportSize(t *testing.T) {
	e := &inventory.Estate{AsOf: now, Targets: []inventory.Target{{Name: "ontap-production-cluster-01", Kind: inventory.KindOntap, Reachable: true}},
		Policies: []inventory.Policy{{Name: "hourly", RPO: d(hr), Schedule: d(hr)}}}
	p := LastDays(now, 90)
	var runs []RunRecord
	for i := range 60 {
		id := fmt.Sprintf("vol-%03d-0123456789abcdef", i)
		e.Entities = append(e.Entities, inventory.Entity{Kind: inventory.EntityVolume, ID: id, Name: fmt.Sprintf("vol_production_database_%03d", i),
			Target: "ontap-production-cluster-01", SVM: "svm_production", Policy: "hourly"})
		e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: id + "-rp", EntityID: id, Created: now.Add(-50 * hr), Status: inventory.StatusComplete})
		rel := inventory.Replication{ID: id + "-rel", SourceEntityID: id, SourcePath: "svm_production:vol_production_database", DestinationPath: "svm_production_dr:vol_production_database_dr", Schedule: d(hr)}
		for k := range 90 * 24 {
			rel.LagHistory = append(rel.LagHistory, inventory.LagSample{Time: now.Add(-time.Duration(k) * hr), Lag: d(time.Duration(k%7) * time.Hour)})
		}
		e.Replications = append(e.Replications, rel)
		yes := true
		runs = append(runs, RunRecord{ID: fmt.Sprintf("run_%016d", i), Kind: RunRecoveryTesting, Type: "volume", Status: "succeeded", Entity: "svm_production:vol_production_database",
			Created: now.Add(-time.Duration(i) * hr), Ended: now.Add(-time.Duration(i)*hr + time.Minute), RTOSeconds: 61.234, RTOTargetSeconds: 1800, Passed: &yes})
		e.Operations = append(e.Operations, inventory.Operation{ID: fmt.Sprintf("job-%032d", i), Kind: inventory.OpSnapshot, EntityID: id, Target: "ontap-production-cluster-01",
			Start: now.Add(-time.Duration(i) * dy), End: now.Add(-time.Duration(i)*dy + time.Minute), Status: inventory.OpSucceeded})
	}
	e.Normalize()
	r := Metrics(MetricsInput{Estate: e, Runs: runs, Period: p, Rules: DefaultRules()})
	if len(r.RPOEntities) != MaxRPOEntities || len(r.Lag) != MaxLagSeries || len(r.Drills) != MaxDrills || len(r.Weekly) != 13 {
		t.Fatalf("lists not at their limits: %d %d %d %d", len(r.RPOEntities), len(r.Lag), len(r.Drills), len(r.Weekly))
	}
	b, _ := json.Marshal(r)
	if len(b) >= 36_000 {
		t.Errorf("full report is %d bytes, want < 36000", len(b))
	}
	t.Logf("full report: %d bytes", len(b))
}
