package nutanix_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// BenchmarkListRecoveryPoints10k lists 10,000 recovery points through the
// nutanix_list_recovery_points tool, over HTTPS to the simulator with 20 ms
// of injected latency per request. The status filter is applied by the
// server (Prism Central cannot filter on status), so the tool reads all 100
// pages of 100: page 0 first, then the other 99 four at a time. The lower
// bound is therefore (1 + ceil(99/4)) x 20 ms = 520 ms.
func BenchmarkListRecoveryPoints10k(b *testing.B) {
	const n, latency, concurrency = 10_000, 20 * time.Millisecond, 4
	est := fleet.Small(fleet.DefaultNow)
	pc := est.PrismCentralByName("pc-prod")
	template := pc.RecoveryPoints[0]
	pc.RecoveryPoints = pc.RecoveryPoints[:0]
	for i := range n {
		rp := fleet.CloneNutanixRecoveryPoint(*template)
		rp.ExtID = fleet.NewNutanixID("bench", "rp", i)
		rp.Name = fmt.Sprintf("bench-%05d", i)
		rp.CreationTime = fleet.DefaultNow.Add(-time.Duration(i) * time.Minute)
		rp.ExpirationTime = time.Time{}
		for j := range rp.VMRecoveryPoints {
			rp.VMRecoveryPoints[j].ExtID = fleet.NewNutanixID("bench", "vmrp", i, j)
		}
		for j := range rp.VGRecoveryPoints {
			rp.VGRecoveryPoints[j].ExtID = fleet.NewNutanixID("bench", "vgrp", i, j)
		}
		pc.RecoveryPoints = append(pc.RecoveryPoints, &rp)
	}
	e := testenv.StartEstate(b, est)
	e.Faults(fault.Rule{Latency: latency})
	pages := n / 100
	lower := time.Duration(1+(pages-1+concurrency-1)/concurrency) * latency
	args := map[string]any{"target": "pc-prod", "status": "COMPLETE", "limit": 50}
	bytes := e.Demo.Counter.Bytes()
	b.ResetTimer()
	for b.Loop() {
		m := e.OK("nutanix_list_recovery_points", args)
		if int(m["total"].(float64)) != n {
			b.Fatalf("total %v", m["total"])
		}
	}
	b.ReportMetric(float64(lower.Milliseconds()), "lower-bound-ms")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "wall-ms")
	b.ReportMetric(float64(e.Demo.Counter.Bytes()-bytes)/float64(b.N)/(1<<20), "backend-MiB/call")
}
