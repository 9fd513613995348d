package ontap_test

import (
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// BenchmarkListVolumesWithSnapshots500 lists 500 volumes through
// ontap_list_volumes over HTTPS to the simulator with 20 ms of injected
// latency per request. The volumes, their recent snapshots (one bulk
// request), the cluster and the SnapMirror relationships are read at
// once, so the lower bound is one round trip.
func BenchmarkListVolumesWithSnapshots500(b *testing.B) {
	const n, latency = 500, 20 * time.Millisecond
	est := fleet.Small(fleet.DefaultNow)
	testenv.GrowVolumes(est, "ontap-prod", n)
	e := testenv.StartEstate(b, est)
	e.Faults(fault.Rule{Latency: latency})
	args := map[string]any{"target": "ontap-prod", "limit": 500}
	before := e.Demo.Counter.Total()
	b.ResetTimer()
	for b.Loop() {
		m := e.OK("ontap_list_volumes", args)
		if int(m["total"].(float64)) < n {
			b.Fatalf("total %v", m["total"])
		}
	}
	b.ReportMetric(float64(latency.Milliseconds()), "lower-bound-ms")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "wall-ms")
	b.ReportMetric(float64(e.Demo.Counter.Total()-before)/float64(b.N), "requests/call")
}
