package ontap_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// BenchmarkListVolumesWithSnapshots500 lists 500 volumes through
// ontap_list_volumes, which reads the newest snapshot of every volume (one
// request each, 4 at a time) over HTTPS to the simulator with 20 ms of
// injected latency per request. The lower bound is the snapshot fan-out:
// ceil(500/4) x 20 ms = 2.5 s, plus the few listing requests before it.
func BenchmarkListVolumesWithSnapshots500(b *testing.B) {
	const n, latency, concurrency = 500, 20 * time.Millisecond, 4
	est := fleet.Small(fleet.DefaultNow)
	prod := est.OntapClusterByName("ontap-prod")
	template := prod.Volumes[0]
	for i := len(prod.Volumes); i < n; i++ {
		v := *template
		v.UUID = fleet.OntapUUID("bench", "vol", fmt.Sprint(i))
		v.Name = fmt.Sprintf("vol_bench_%03d", i)
		v.Snapshots = nil
		for j, s := range template.Snapshots {
			cp := *s
			cp.UUID = fleet.OntapUUID("bench", "snap", fmt.Sprint(i), fmt.Sprint(j))
			v.Snapshots = append(v.Snapshots, &cp)
		}
		prod.Volumes = append(prod.Volumes, &v)
	}
	e := testenv.StartEstate(b, est)
	e.Faults(fault.Rule{Latency: latency})
	lower := time.Duration((n+concurrency-1)/concurrency) * latency
	args := map[string]any{"target": "ontap-prod", "limit": 500}
	b.ResetTimer()
	for b.Loop() {
		m := e.OK("ontap_list_volumes", args)
		if int(m["total"].(float64)) < n {
			b.Fatalf("total %v", m["total"])
		}
	}
	b.ReportMetric(float64(lower.Milliseconds()), "lower-bound-ms")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "wall-ms")
}
