package analysis_test

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestWriteRecollectsOnlyItsTarget: after a snapshot on one ONTAP cluster,
// the next analysis reads that cluster again and reuses what it had of the
// others, so one write does not cost a whole estate's collection.
func TestWriteRecollectsOnlyItsTarget(t *testing.T) {
	e := testenv.Start(t)
	e.OK("backup_health", map[string]any{})
	count := func() (pc, prod, dr int64) {
		c := e.Demo.Counter
		return c.Of("pc-prod"), c.Of("ontap-prod"), c.Of("ontap-dr")
	}
	e.OK("ontap_create_snapshot", map[string]any{"target": "ontap-prod", "volume": "vol_hr", "name": "after-health"})
	pc0, prod0, dr0 := count()
	e.OK("backup_health", map[string]any{})
	pc1, prod1, dr1 := count()
	if pc1 != pc0 || dr1 != dr0 {
		t.Errorf("untouched targets were read again: pc-prod +%d, ontap-dr +%d requests", pc1-pc0, dr1-dr0)
	}
	if prod1 == prod0 {
		t.Error("the written target was not read again: the analysis would miss the new snapshot")
	}
}
