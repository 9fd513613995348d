package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// BenchmarkCollect20ms collects the whole estate (both Prism Centrals and
// both ONTAP clusters) with 20 ms of injected latency per request and no
// cache. Targets are read side by side; within a target the independent
// listings run together, then the per-volume snapshot and per-relationship
// transfer reads fan out 4 at a time (the client's MaxConcurrency). The
// lower bound is the slowest target's round trips: for an ONTAP cluster,
// cluster + listings + ceil((volumes + relationships) / 4) rounds.
func BenchmarkCollect20ms(b *testing.B) {
	const latency, concurrency = 20 * time.Millisecond, 4
	est := fleet.Small(fleet.DefaultNow)
	rounds := 2 // a Prism Central: clusters, then the listings together
	for _, c := range est.OntapClusters {
		r := 2 + (len(c.Volumes)+len(c.Relationships)+concurrency-1)/concurrency
		rounds = max(rounds, r)
	}
	e := testenv.StartEstate(b, est)
	e.Faults(fault.Rule{Latency: latency})
	c := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	c.TTL = 0
	b.ResetTimer()
	for b.Loop() {
		est, err := c.Collect(context.Background(), collect.Scope{})
		if err != nil || est.Partial() {
			b.Fatalf("collect: %v %v", err, est.IncompleteTargets())
		}
	}
	b.ReportMetric(float64((time.Duration(rounds) * latency).Milliseconds()), "lower-bound-ms")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "wall-ms")
}
