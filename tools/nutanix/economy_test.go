package nutanix_test

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestListToolsRoundTrips fails on an N+1 regression: every list tool
// costs the same number of Prism Central requests for a page of 5 as for
// a page of 50, and no more than its budget.
func TestListToolsRoundTrips(t *testing.T) {
	e := testenv.Start(t)
	cases := []struct {
		tool   string
		args   map[string]any
		budget int64
	}{
		{"nutanix_list_vms", map[string]any{}, 3},
		{"nutanix_list_volume_groups", map[string]any{}, 3},
		{"nutanix_list_clusters", map[string]any{}, 3},
		{"nutanix_list_protection_policies", map[string]any{}, 3},
		{"nutanix_list_recovery_points", map[string]any{}, 2},
		{"nutanix_list_recovery_points", map[string]any{"vm": "app-01"}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) {
			var counts []int64
			for _, limit := range []int{5, 50} {
				args := map[string]any{"limit": limit, "target": pc}
				for k, v := range tc.args {
					args[k] = v
				}
				res, n := e.CallCounted(tc.tool, args)
				if res.IsError {
					t.Fatalf("%s: %s", tc.tool, testenv.Text(res))
				}
				counts = append(counts, n)
			}
			t.Logf("%s: %v requests", tc.tool, counts)
			if counts[0] != counts[1] || counts[1] > tc.budget {
				t.Errorf("%s made %v requests for pages of 5 and 50, want equal counts within %d", tc.tool, counts, tc.budget)
			}
		})
	}
}
