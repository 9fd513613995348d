package collect_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func TestCollectSmallEstate(t *testing.T) {
	e := testenv.Start(t)
	c := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	est, err := c.Collect(context.Background(), collect.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Targets) != 5 || est.Partial() { // 2 Prism Centrals, 2 clusters, the AIQUM
		t.Fatalf("targets: %+v", est.Targets)
	}
	count := map[inventory.EntityKind]int{}
	for _, x := range est.Entities {
		count[x.Kind]++
	}
	if count[inventory.EntityVM] < 10 || count[inventory.EntityVolumeGroup] < 2 || count[inventory.EntityVolume] < 8 {
		t.Errorf("entities: %v", count)
	}
	var replicas, vgProtected, ontapReps int
	for _, rp := range est.RecoveryPoints {
		if rp.Location == inventory.LocationReplica {
			replicas++
			if rp.EntityName == "" {
				t.Errorf("replica without its source's name: %+v", rp)
			}
		}
	}
	for _, x := range est.Entities {
		if x.Kind == inventory.EntityVolumeGroup && x.Policy != "" {
			vgProtected++
		}
	}
	for _, r := range est.Replications {
		if r.ID[:8] != "nutanix:" {
			ontapReps++
			if r.SourceEntityID == "" || r.DestinationEntityID == "" {
				t.Errorf("relationship not linked to its volumes: %+v", r)
			}
		}
	}
	if replicas == 0 || vgProtected == 0 || ontapReps != 6 || len(est.ChangeRates) == 0 || len(est.Operations) == 0 {
		t.Errorf("replicas %d, protected VGs %d, SnapMirror %d, change samples %d, operations %d",
			replicas, vgProtected, ontapReps, len(est.ChangeRates), len(est.Operations))
	}
	// A second call within the TTL is served from cache.
	again, _ := c.Collect(context.Background(), collect.Scope{})
	if again != est {
		t.Error("collection not cached")
	}
	if _, err := c.Collect(context.Background(), collect.Scope{Targets: []string{"nope"}}); err == nil {
		t.Error("unknown target accepted")
	}
}

func TestCollectPartialWhenATargetFails(t *testing.T) {
	e := testenv.Start(t)
	e.Faults(fault.Rule{Path: "/api/storage/*", ErrorRate: 1, Status: 500})
	c := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	est, err := c.Collect(context.Background(), collect.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if !est.Partial() || len(est.IncompleteTargets()) != 2 {
		t.Fatalf("want ONTAP targets incomplete, got %v", est.IncompleteTargets())
	}
	vms := 0
	for _, x := range est.Entities {
		if x.Kind == inventory.EntityVM {
			vms++
		}
	}
	if vms == 0 {
		t.Error("Nutanix data lost with the ONTAP failure")
	}
}

// TestCollectHerdCollectsOnce: 50 simultaneous cold calls make one
// collection. The simulator proves it: the first two GET /api/cluster
// requests (one per ONTAP cluster in a collection) fail, so a second
// collection would come back complete while the first is partial; every
// caller must get the same partial estate, and a later collection (after
// invalidation) is complete because the fault is used up.
func TestCollectHerdCollectsOnce(t *testing.T) {
	e := testenv.Start(t)
	e.Faults(
		fault.Rule{Path: "/api/cluster", ErrorRate: 1, Status: 400, Count: 2},
		fault.Rule{Latency: 5 * time.Millisecond},
	)
	c := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	const callers = 50
	got := make([]*inventory.Estate, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i], errs[i] = c.Collect(context.Background(), collect.Scope{})
		}()
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || got[i] != got[0] {
			t.Fatalf("caller %d: %v, estate %p, first %p", i, errs[i], got[i], got[0])
		}
	}
	if n := c.Collections(); n != 1 {
		t.Fatalf("%d collections for %d callers, want 1", n, callers)
	}
	if len(got[0].IncompleteTargets()) != 2 {
		t.Fatalf("the one collection should have met the fault on both ONTAP clusters: %v", got[0].IncompleteTargets())
	}
	c.Invalidate()
	again, err := c.Collect(context.Background(), collect.Scope{})
	if err != nil || again.Partial() || c.Collections() != 2 {
		t.Fatalf("after invalidation: %v, partial %v, collections %d", err, again.IncompleteTargets(), c.Collections())
	}
}

// TestCollectServesStaleWhileRefreshing: past its TTL a cached estate is
// answered at once while one background collection replaces it; an
// invalidation (a write) is never answered from the old estate.
func TestCollectServesStaleWhileRefreshing(t *testing.T) {
	e := testenv.Start(t)
	c := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	c.TTL = 300 * time.Millisecond
	first, err := c.Collect(context.Background(), collect.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(c.TTL + 50*time.Millisecond)
	// The refresh takes a second at least, far longer than five answers
	// from the cache: a caller that waited for it would get the new
	// estate, so getting the old one proves it did not wait (no clock
	// in the assertion).
	e.Faults(fault.Rule{Latency: time.Second})
	for range 5 {
		stale, err := c.Collect(context.Background(), collect.Scope{})
		if err != nil || stale != first {
			t.Fatalf("past the TTL: %v, got a new estate %v (waited for the refresh)", err, stale != first)
		}
	}
	if n := c.Collections(); n != 2 {
		t.Errorf("%d collections, want the first and one refresh", n)
	}
	e.Faults()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := c.Collect(context.Background(), collect.Scope{})
		if got != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh never replaced the stale estate")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.Invalidate()
	before := c.Collections()
	if _, err := c.Collect(context.Background(), collect.Scope{}); err != nil || c.Collections() != before+1 {
		t.Fatalf("after invalidation: %v, collections %d then %d: answered without collecting", err, before, c.Collections())
	}
}
