package ontap_test

import (
	"fmt"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestCreatesUnderLostAnswers sends creates through a network that loses
// answers after ONTAP acted, drops requests before it acts, and answers
// 503: every call must report what really exists, so a model that believes
// the result never makes a duplicate and never loses one.
func TestCreatesUnderLostAnswers(t *testing.T) {
	cases := []struct {
		tool, path string
		args       func(i int) map[string]any
		exists     func(t *testing.T, e *testenv.Env, i int) int // how many objects call i made
	}{
		{"ontap_create_snapshot", "/api/storage/volumes/*/snapshots",
			func(i int) map[string]any {
				return map[string]any{"target": prod, "volume": "vol_hr", "name": fmt.Sprintf("lost.%02d", i)}
			},
			func(t *testing.T, e *testenv.Env, i int) int {
				n := 0
				for _, s := range testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_hr", "limit": 500})) {
					if s["name"] == fmt.Sprintf("lost.%02d", i) {
						n++
					}
				}
				return n
			}},
		{"ontap_clone_volume", "/api/storage/volumes",
			func(i int) map[string]any {
				return map[string]any{"target": prod, "volume": "vol_finance", "snapshot": cloneBase, "clone_name": fmt.Sprintf("lost_clone_%02d", i)}
			},
			func(t *testing.T, e *testenv.Env, i int) int {
				n := 0
				for _, v := range testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": prod, "name": fmt.Sprintf("lost_clone_%02d", i)})) {
					if v["name"] == fmt.Sprintf("lost_clone_%02d", i) {
						n++
					}
				}
				return n
			}},
	}
	for _, c := range cases {
		t.Run(c.tool, func(t *testing.T) {
			e := testenv.Start(t)
			const calls = 24
			results := make([]bool, calls) // reported success
			e.Faults(fault.Rule{Method: "POST", Path: c.path, LoseAnswerRate: 0.4, DropRate: 0.15, ErrorRate: 0.15, Status: 503})
			for i := range calls {
				results[i] = !e.Call(c.tool, c.args(i)).IsError
			}
			e.Faults()
			wrong, lost := 0, 0
			for i := range calls {
				n := c.exists(t, e, i)
				if n > 1 {
					t.Errorf("call %d made %d objects", i, n)
				}
				if results[i] != (n == 1) {
					wrong++
					t.Errorf("call %d reported success=%v but %d objects exist", i, results[i], n)
				}
				if n == 1 && results[i] {
					lost++
				}
			}
			t.Logf("%d calls, %d reported wrongly, %d objects made", calls, wrong, lost)
		})
	}
}
