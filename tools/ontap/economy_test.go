package ontap_test

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestListToolsRoundTrips fails on an N+1 regression: every list tool
// costs the same number of ONTAP requests for a page of 5 as for a page of
// 50 (over an estate of 120 volumes), and no more than its budget. Each is
// called once first, so that the cluster identity (kept per client) is
// read.
func TestListToolsRoundTrips(t *testing.T) {
	est := fleet.Small(fleet.DefaultNow)
	testenv.GrowVolumes(est, prod, 120)
	e := testenv.StartEstate(t, est)
	cases := []struct {
		tool   string
		args   map[string]any
		budget int64
	}{
		// volumes + recent snapshots (bulk) + SnapMirror on 2 targets, and
		// one bulk read for page volumes without a recent snapshot.
		{"ontap_list_volumes", map[string]any{"target": prod}, 5},
		{"ontap_list_volumes", map[string]any{"target": prod, "svm": "svm_prod", "name": "bench"}, 5},
		// volume + its snapshots + its FlexClones, at once.
		{"ontap_list_snapshots", map[string]any{"target": prod, "volume": "svm_prod:vol_finance"}, 3},
		{"ontap_list_snapshot_policies", map[string]any{"target": prod, "limit": nil}, 4},
		{"ontap_list_snapmirror", map[string]any{}, 4},
		{"ontap_list_events", map[string]any{"target": prod}, 2},
		// find the relationship on every target, read it again, its transfers.
		{"ontap_list_snapmirror_transfers", map[string]any{"relationship": "svm_dr:vol_finance_dr"}, 4},
		{"ontap_list_files", map[string]any{"target": prod, "volume": "svm_prod:vol_finance", "path": "/"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) {
			var counts []int64
			for i, limit := range []int{5, 5, 50} {
				args := map[string]any{"limit": limit}
				for k, v := range tc.args {
					args[k] = v
					if v == nil { // the tool has no pages
						delete(args, k)
					}
				}
				res, n := e.CallCounted(tc.tool, args)
				if res.IsError {
					t.Fatalf("%s: %s", tc.tool, testenv.Text(res))
				}
				if i > 0 {
					counts = append(counts, n)
				}
			}
			t.Logf("%s: %v requests", tc.tool, counts)
			if counts[0] != counts[1] || counts[1] > tc.budget {
				t.Errorf("%s made %v requests for pages of 5 and 50, want equal counts within %d", tc.tool, counts, tc.budget)
			}
		})
	}
}
