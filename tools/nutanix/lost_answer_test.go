package nutanix_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestCreateRecoveryPointUnderLostAnswers sends creates through a network
// that loses answers after Prism Central acted, drops requests before it
// acts, and answers 503 (beyond what the client's own retries absorb):
// every call must report what really exists (or say that its outcome is
// unknown and must be checked before a retry), and no call may make two.
func TestCreateRecoveryPointUnderLostAnswers(t *testing.T) {
	e := testenv.Start(t)
	e.Server.Env.Targets.SetRetryWait(5*time.Millisecond, 40*time.Millisecond) // before the first call builds the client
	const calls = 40
	reported := make([]bool, calls)
	unknown := make([]bool, calls) // said so, and told the model to check before retrying
	e.Faults(fault.Rule{Method: "POST", Path: "/api/dataprotection/*", LoseAnswerRate: 0.4, DropRate: 0.15, ErrorRate: 0.15, Status: 503})
	for i := range calls {
		res := e.Call("nutanix_create_recovery_point", map[string]any{"target": pc, "name": fmt.Sprintf("lost-%02d", i), "vms": []any{"app-01"}})
		reported[i] = !res.IsError
		unknown[i] = res.IsError && strings.Contains(testenv.Text(res), "outcome is unknown")
	}
	e.Faults()
	wrong, made := 0, 0
	for i := range calls {
		name := fmt.Sprintf("lost-%02d", i)
		n := 0
		for _, rp := range testenv.Items(t, e.OK("nutanix_list_recovery_points", map[string]any{"target": pc, "name": name})) {
			if rp["name"] == name {
				n++
			}
		}
		if n > 1 {
			t.Errorf("call %d made %d recovery points named %s", i, n, name)
		}
		if !unknown[i] && reported[i] != (n == 1) {
			wrong++
			t.Errorf("call %d reported success=%v, but %d recovery points named %s exist", i, reported[i], n, name)
		}
		made += n
	}
	t.Logf("%d calls, %d reported wrongly, %d recovery points made", calls, wrong, made)
}
