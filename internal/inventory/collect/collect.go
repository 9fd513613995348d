// Package collect fills the vendor-neutral inventory.Estate from the
// configured targets: every Prism Central and ONTAP cluster is read
// concurrently (bounded), a target that fails leaves a partial estate that
// says so, and the result is cached for a short TTL so that the analysis
// tools called one after another in a conversation share one collection.
//
// Mapping decisions:
//   - Nutanix: one inventory recovery point per VM or volume group member of
//     a recovery point; a recovery point on a Prism Central whose entity
//     lives on another Prism Central is a replica of it. A volume group has
//     no policy field in v4, so it takes the policy of the VMs it is
//     protected with (the members of its newest recovery point). Each
//     protected entity whose policy replicates gets a synthesised
//     replication whose lag is the age of its newest replica.
//   - ONTAP: one recovery point per snapshot; snapshots on a SnapMirror
//     destination volume are replicas of the source volume. Volume space
//     history is not in the ONTAP REST API, so each snapshot's logical_size
//     (the used space when it was taken) is a capacity sample, and the sizes
//     of the snapshots taken each day (each holds the change since the one
//     before) sum to that day's change rate; the current day, not over yet,
//     is left out so that it does not look like a drop.
package collect

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
)

// Scope narrows a collection.
type Scope struct {
	// Targets limits collection to these target names (empty: all).
	Targets []string
	// Site limits collection to targets of this site (empty: all).
	Site string
}

func (s Scope) key() string {
	t := append([]string(nil), s.Targets...)
	sort.Strings(t)
	return strings.Join(t, ",") + "|" + s.Site
}

// Collector collects estates and caches them.
type Collector struct {
	Targets *targets.Registry
	// Clock is the estate's time (the simulated clock in the demo).
	Clock func() time.Time
	// TTL is how long a collection is reused (default 30s of wall time).
	TTL time.Duration
	// Concurrency bounds targets collected at once (default 4).
	Concurrency int

	mu      sync.Mutex
	cache   map[string]cached
	flights flights // one collection per scope at a time (flight.go)
}

type cached struct {
	at     time.Time
	estate *inventory.Estate
}

// New returns a collector over reg.
func New(reg *targets.Registry, clock func() time.Time) *Collector {
	return &Collector{Targets: reg, Clock: clock, TTL: 30 * time.Second, Concurrency: 4, cache: map[string]cached{}}
}

// Invalidate drops cached collections (after a write changed the estate).
func (c *Collector) Invalidate() {
	c.flights.forget()
	c.mu.Lock()
	c.cache = map[string]cached{}
	c.mu.Unlock()
}

// Collect returns the estate in scope: from cache when fresh, else from one
// collection shared by concurrent callers (flight.go).
func (c *Collector) Collect(ctx context.Context, s Scope) (*inventory.Estate, error) {
	return c.shared(ctx, s)
}

// targetsIn returns the configured targets in scope; a named target that
// does not exist is an error.
func (c *Collector) targetsIn(s Scope) ([]config.Target, error) {
	all := c.Targets.All()
	var out []config.Target
	for _, name := range s.Targets {
		found := false
		for _, t := range all {
			found = found || t.Name == name
		}
		if !found {
			return nil, fmt.Errorf("unknown target %q: use one of %s", name, strings.Join(c.Targets.Names(""), ", "))
		}
	}
	for _, t := range all {
		if len(s.Targets) > 0 && !contains(s.Targets, t.Name) {
			continue
		}
		if s.Site != "" && !strings.EqualFold(t.Site, s.Site) {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no configured target is in scope (site %q, targets %v)", s.Site, s.Targets)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// part is what one target contributed.
type part struct {
	target inventory.Target
	estate inventory.Estate
	// ontap holds what the cross-target ONTAP pass needs.
	ontap *ontapPart
}

func (c *Collector) collect(ctx context.Context, s Scope) (*inventory.Estate, error) {
	ts, err := c.targetsIn(s)
	if err != nil {
		return nil, err
	}
	now := c.Clock()
	parts := make([]*part, len(ts))
	sem := make(chan struct{}, max(1, c.Concurrency))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := &part{target: inventory.Target{Name: t.Name, Kind: inventory.TargetKind(t.Kind), Site: t.Site, CollectedAt: now}}
			var err error
			switch t.Kind {
			case config.KindNutanix:
				err = c.nutanix(ctx, t, now, p)
			case config.KindONTAP:
				err = c.ontap(ctx, t, now, p)
			}
			if err != nil {
				p.target.Error = err.Error()
			}
			parts[i] = p
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	e := &inventory.Estate{AsOf: now}
	for _, p := range parts {
		e.Targets = append(e.Targets, p.target)
		e.Entities = append(e.Entities, p.estate.Entities...)
		e.RecoveryPoints = append(e.RecoveryPoints, p.estate.RecoveryPoints...)
		e.Replications = append(e.Replications, p.estate.Replications...)
		e.Policies = append(e.Policies, p.estate.Policies...)
		e.Operations = append(e.Operations, p.estate.Operations...)
		e.Events = append(e.Events, p.estate.Events...)
		e.Capacity = append(e.Capacity, p.estate.Capacity...)
		e.ChangeRates = append(e.ChangeRates, p.estate.ChangeRates...)
	}
	linkNutanixReplicas(e)
	linkOntap(e, parts)
	e.Normalize()
	return e, nil
}

// parallel runs fns concurrently and returns the first error (in argument
// order), after all have finished: independent listings of one target then
// cost one round trip instead of one each.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
