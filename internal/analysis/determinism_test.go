package analysis

import (
	"math/rand"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// allResults runs every engine and renders the results as JSON.
func allResults(t *testing.T, e *inventory.Estate) string {
	t.Helper()
	r := DefaultRules()
	audit := []inventory.AuditRecord{{Time: now.Add(-dy), Tool: "ontap_restore_file", Tier: "write", Outcome: "ok", Entity: "vol00003"}}
	out := mustJSON(t, Health(e, r)) + "\n" + mustJSON(t, Predict(e, r)) + "\n" + mustJSON(t, Optimize(e, r))
	for _, fw := range Frameworks {
		out += "\n" + mustJSON(t, Comply(e, audit, fw, r))
	}
	for i, s := range Scenarios {
		en := e.Entities[i*37%len(e.Entities)]
		out += "\n" + mustJSON(t, Recommend(e, en.Name, now.Add(-time.Duration(i)*hr), s, r))
	}
	return out
}

func TestDeterminism(t *testing.T) {
	a := allResults(t, genEstate(300, 120, 7))
	b := allResults(t, genEstate(300, 120, 7))
	if a != b {
		t.Fatal("same estate, different results")
	}
	// Input order must not matter either.
	e := genEstate(300, 120, 7)
	rng := rand.New(rand.NewSource(99))
	rng.Shuffle(len(e.Entities), func(i, j int) { e.Entities[i], e.Entities[j] = e.Entities[j], e.Entities[i] })
	rng.Shuffle(len(e.RecoveryPoints), func(i, j int) { e.RecoveryPoints[i], e.RecoveryPoints[j] = e.RecoveryPoints[j], e.RecoveryPoints[i] })
	rng.Shuffle(len(e.Operations), func(i, j int) { e.Operations[i], e.Operations[j] = e.Operations[j], e.Operations[i] })
	rng.Shuffle(len(e.ChangeRates), func(i, j int) { e.ChangeRates[i], e.ChangeRates[j] = e.ChangeRates[j], e.ChangeRates[i] })
	rng.Shuffle(len(e.Capacity), func(i, j int) { e.Capacity[i], e.Capacity[j] = e.Capacity[j], e.Capacity[i] })
	rng.Shuffle(len(e.Replications), func(i, j int) { e.Replications[i], e.Replications[j] = e.Replications[j], e.Replications[i] })
	// allResults picks recommendation entities by position: restore the
	// order of Entities only.
	ref := genEstate(300, 120, 7)
	byID := map[string]inventory.Entity{}
	for _, en := range e.Entities {
		byID[en.ID] = en
	}
	for i := range e.Entities {
		e.Entities[i] = byID[ref.Entities[i].ID]
	}
	if c := allResults(t, e); c != a {
		t.Fatal("shuffled input order changed the results")
	}
}

// The generated estate exercises every engine with non-trivial output, and
// nothing in it is both healthy and critical.
func TestGeneratedEstate(t *testing.T) {
	e := genEstate(300, 120, 7)
	rep := Health(e, DefaultRules())
	if rep.Counts.Total == 0 || len(Predict(e, DefaultRules())) == 0 {
		t.Fatalf("generated estate produced no findings or predictions")
	}
	for _, f := range rep.Findings {
		if f.Severity == Critical && f.Check != CheckRPO && f.Check != CheckReplicationLag && f.Check != CheckExpiring &&
			f.Check != CheckVolumeCapacity && f.Check != CheckSnapshotCount {
			t.Errorf("unexpected critical %s on %s", f.Check, f.Entity.Name)
		}
	}
}
