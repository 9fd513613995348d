package analysis

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// TestReplicationObjective: replication lag is held to the relationship's
// own schedule and a stated RPO, never to the source's local snapshot
// interval.
func TestReplicationObjective(t *testing.T) {
	for _, tc := range []struct {
		name             string
		localEvery       time.Duration // source policy schedule
		policyRPO        time.Duration // stated policy RPO (0: none)
		mirrorEvery, lag time.Duration
		want             Severity // "" for no finding
	}{
		{"hourly mirror of 5-minute snapshots", 5 * time.Minute, 0, time.Hour, 70 * time.Minute, ""},
		{"daily vault of hourly snapshots", time.Hour, 0, 24 * time.Hour, 26 * time.Hour, ""},
		{"hourly mirror at 2x", time.Hour, 0, time.Hour, 2 * time.Hour, Medium},
		{"hourly mirror at 3x", time.Hour, 0, time.Hour, 3 * time.Hour, High},
		{"hourly mirror a day behind", time.Hour, 0, time.Hour, 24 * time.Hour, Critical},
		{"within schedule but beyond a stated 30m RPO", 5 * time.Minute, 30 * time.Minute, time.Hour, 50 * time.Minute, High},
		{"beyond twice a stated RPO", 5 * time.Minute, 20 * time.Minute, time.Hour, 50 * time.Minute, Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := healthyEstate()
			p := policy(e, "hourly")
			p.Schedule, p.RPO = d(tc.localEvery), d(tc.policyRPO)
			e.Replications[0].Schedule, e.Replications[0].Lag = d(tc.mirrorEvery), d(tc.lag)
			e.Reindex()
			var got Severity
			for _, f := range Health(e, DefaultRules()).Findings {
				if f.Check == CheckReplicationLag && f.Entity.Name == "vol1" {
					got = f.Severity
				}
			}
			if got != tc.want {
				t.Errorf("replication_lag severity %q, want %q", got, tc.want)
			}
		})
	}
}

// TestGroupedRootCause: an RPO breach with failed runs and a stale replica
// is one finding whose contributing signals name the others.
func TestGroupedRootCause(t *testing.T) {
	e := healthyEstate()
	dropRecoveryPoints(e, "vm-db01", now.Add(-130*time.Minute))
	failOps(e, "vm-db01", 3, "quiesce timed out")
	e.Reindex()
	rep := Health(e, DefaultRules())
	var rpo *Finding
	for i, f := range rep.Findings {
		if f.Entity.Name == "db01" && (f.Check == CheckFailedOperations || f.Check == CheckRemoteCopy) {
			t.Errorf("%s on db01 not folded into its RPO finding", f.Check)
		}
		if f.Check == CheckRPO {
			rpo = &rep.Findings[i]
		}
	}
	if rpo == nil || len(rpo.Contributing) < 2 {
		t.Fatalf("RPO finding with contributing signals missing: %+v", rpo)
	}
	for _, c := range rep.Checks {
		if c.Name == CheckFailedOperations && c.Contributing != 1 {
			t.Errorf("failed_operations contributing = %d", c.Contributing)
		}
	}
}

// TestOneFailureIsNotACoinFlip: one failed run among many successes (its
// last run) gives a small failure probability, not 50 %.
func TestOneFailureIsNotACoinFlip(t *testing.T) {
	e := healthyEstate()
	failOps(e, "vm-db01", 1, "timeout")
	e.Reindex()
	ps, err := PredictEntity(e, "db01", DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Kind == PredictFailureRisk && (p.Probability == nil || *p.Probability >= 0.2) {
			t.Errorf("failure probability %v after one failure: %s", p.Probability, p.Summary)
		}
	}
}

// TestExpiryGapBeyondTheWindow: the only copy of a monthly schedule
// expiring in five days, with the next run due in ten, is critical though
// it is outside the 48 h window.
func TestExpiryGapBeyondTheWindow(t *testing.T) {
	e := healthyEstate()
	p := policy(e, "gold")
	p.Schedule, p.RPO, p.RemoteCopy = d(30*dy), d(30*dy), false
	dropRecoveryPoints(e, "vm-db01", time.Time{})
	e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: "rp-m", MemberID: "m", Name: "monthly", EntityID: "vm-db01",
		EntityKind: inventory.EntityVM, Location: inventory.LocationLocal, Target: "pc-prod", Created: now.Add(-20 * dy),
		Expires: now.Add(5 * dy), Status: inventory.StatusComplete, Consistency: inventory.CrashConsistent})
	e.Reindex()
	found := false
	for _, f := range Health(e, DefaultRules()).Findings {
		found = found || (f.Check == CheckExpiring && f.Severity == Critical && f.Entity.Name == "db01")
	}
	if !found {
		t.Errorf("no critical expiry gap for db01")
	}
}

func TestTierClassify(t *testing.T) {
	tr := DefaultTierRules()
	tr.Rules = append(tr.Rules, TierRule{Tier: 2, SVMs: []string{"svm_fin*"}, Scopes: []string{"sox"}})
	for _, tc := range []struct {
		en     inventory.Entity
		tier   int
		scopes []string
	}{
		{inventory.Entity{Name: "web01", Tags: []string{"environment:test"}}, 3, nil},
		{inventory.Entity{Name: "db01", Tags: []string{"database"}}, 1, nil},
		{inventory.Entity{Name: "erp", Tags: []string{"environment:production", "compliance:sox"}}, 2, []string{"sox"}},
		{inventory.Entity{Name: "ehr", Tags: []string{"tier:1", "compliance:hipaa", "pii"}}, 1, []string{"hipaa", "gdpr"}},
		{inventory.Entity{Name: "vol_gl", SVM: "svm_finance"}, 2, []string{"sox"}},
	} {
		tier, scopes := tr.Classify(&tc.en)
		if tier != tc.tier || !slices.Equal(scopes, tc.scopes) {
			t.Errorf("%s: tier %d scopes %v, want %d %v", tc.en.Name, tier, scopes, tc.tier, tc.scopes)
		}
	}
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		f, n   int
		lo, hi float64
	}{
		{1, 41, 0.0043, 0.1260},
		{0, 10, 0, 0.2775},
		{5, 10, 0.2366, 0.7634},
	} {
		lo, hi := wilson(tc.f, tc.n, 1.96)
		if math.Abs(lo-tc.lo) > 1e-3 || math.Abs(hi-tc.hi) > 1e-3 {
			t.Errorf("wilson(%d, %d) = %.4f..%.4f, want %.4f..%.4f", tc.f, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}
