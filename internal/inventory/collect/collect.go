// Package collect fills the vendor-neutral inventory.Estate from the
// configured targets: every target is read by its kind (internal/vendors:
// Prism Centrals, ONTAP clusters direct or behind an AIQUM's gateway, AIQUM
// servers' open events, and any kind registered later) concurrently
// (bounded), a target that fails leaves a partial estate that says so, the
// kinds that link across targets (replicas, SnapMirror, events about
// volumes) do so in registry order, and the result is cached for a short
// TTL so that the analysis tools called one after another in a
// conversation share one collection. The mapping of each kind is
// documented in its package.
package collect

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
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
	// TaskWindow is how far back Prism Central tasks are read (default
	// 30 days); MaxTasks caps them per Prism Central (default 20,000).
	// Tasks are read newest first, so a cap loses the oldest, and the
	// target is then marked partial, saying from when history is complete.
	TaskWindow time.Duration
	MaxTasks   int
	// History, when set, persists each collection's capacity and lag
	// samples and feeds the stored ones back into every estate, so days to
	// full and lag trends have a history the arrays do not keep. The store
	// must have store.HistoryMigrations applied.
	History *store.DB
	// HistoryWindow is how far back stored samples are read (default 90
	// days, the longest capacity fit window).
	HistoryWindow time.Duration
	// VMStatsWindow is how far back Nutanix VM write statistics are read,
	// one daily sample per VM (default 30 days); MaxStatsVMs bounds the VMs
	// read per Prism Central (default 2,000; the rest are noted, and have
	// no I/O change data). A negative window turns the reads off.
	VMStatsWindow time.Duration
	MaxStatsVMs   int

	mu    sync.Mutex
	cache map[string]cached
	// parts keeps each target's own contribution for TTL, so that a write
	// on one target recollects that target only: the estate is rebuilt
	// from the others' fresh parts (linking is CPU work, the reads are
	// what costs).
	parts   map[string]cachedPart
	flights flights // one collection per scope at a time (flight.go)
}

type cachedPart struct {
	at   time.Time
	part *part
}

type cached struct {
	at     time.Time
	estate *inventory.Estate
}

// New returns a collector over reg.
func New(reg *targets.Registry, clock func() time.Time) *Collector {
	return &Collector{Targets: reg, Clock: clock, TTL: 30 * time.Second, Concurrency: 4, cache: map[string]cached{}, parts: map[string]cachedPart{}}
}

// Invalidate drops cached collections (after a write changed the estate).
func (c *Collector) Invalidate() {
	c.flights.forget()
	c.mu.Lock()
	c.cache = map[string]cached{}
	c.parts = map[string]cachedPart{}
	c.mu.Unlock()
}

// InvalidateTargets drops what was collected from the named targets (a
// write changed them) and every estate built from it; the other targets'
// parts are reused by the next collection. No names drops everything.
func (c *Collector) InvalidateTargets(names ...string) {
	if len(names) == 0 {
		c.Invalidate()
		return
	}
	c.flights.forget()
	c.mu.Lock()
	c.cache = map[string]cached{}
	for _, n := range names {
		delete(c.parts, n)
	}
	c.mu.Unlock()
}

// freshPart returns target's part when it was collected within TTL.
func (c *Collector) freshPart(target string) *part {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cp, ok := c.parts[target]; ok && c.TTL > 0 && time.Since(cp.at) < c.TTL {
		return cp.part
	}
	return nil
}

// keepPart remembers a target's part, unless an invalidation happened
// since its collection began (gen): it may predate the write.
func (c *Collector) keepPart(target string, p *part, gen uint64) {
	if p.Target.Error != "" || c.flights.generation() != gen {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parts == nil {
		c.parts = map[string]cachedPart{}
	}
	c.parts[target] = cachedPart{at: time.Now(), part: p}
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
type part = vendors.Part

func (c *Collector) collect(ctx context.Context, s Scope) (*inventory.Estate, error) {
	// The clusters behind AIQUM targets are collected as ONTAP targets; a
	// failed discovery shows as the AIQUM target's collection error.
	_ = c.Targets.Refresh(ctx)
	ts, err := c.targetsIn(s)
	if err != nil {
		return nil, err
	}
	now := c.Clock()
	gen := c.flights.generation()
	env := vendors.CollectEnv{Client: c.Targets.Client, Now: now, TaskWindow: c.TaskWindow, MaxTasks: c.MaxTasks,
		StatsWindow: c.VMStatsWindow, MaxStatsEntities: c.MaxStatsVMs}
	parts := make([]*part, len(ts))
	sem := make(chan struct{}, max(1, c.Concurrency))
	var wg sync.WaitGroup
	for i, t := range ts {
		if p := c.freshPart(t.Name); p != nil {
			parts[i] = p
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := &part{Target: inventory.Target{Name: t.Name, Kind: inventory.TargetKind(t.Kind), Site: t.Site, CollectedAt: now}}
			var err error
			if k, ok := c.Targets.Kinds().Kind(t.Kind); ok {
				err = k.Collect(ctx, env, t, p)
			} else {
				err = fmt.Errorf("kind %q is not known to this server", t.Kind)
			}
			if err != nil {
				p.Target.Error = err.Error()
			}
			parts[i] = p
			if ctx.Err() == nil {
				c.keepPart(t.Name, p, gen)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	e := &inventory.Estate{AsOf: now}
	for _, p := range parts {
		e.Targets = append(e.Targets, p.Target)
		e.Entities = append(e.Entities, p.Estate.Entities...)
		e.RecoveryPoints = append(e.RecoveryPoints, p.Estate.RecoveryPoints...)
		e.Replications = append(e.Replications, p.Estate.Replications...)
		e.Policies = append(e.Policies, p.Estate.Policies...)
		e.Operations = append(e.Operations, p.Estate.Operations...)
		e.Events = append(e.Events, p.Estate.Events...)
		e.Capacity = append(e.Capacity, p.Estate.Capacity...)
		e.ChangeRates = append(e.ChangeRates, p.Estate.ChangeRates...)
		e.AIQUMEvents = append(e.AIQUMEvents, p.Estate.AIQUMEvents...)
	}
	for _, k := range c.Targets.Kinds().Kinds() {
		if l, ok := k.(vendors.Linker); ok {
			l.Link(e, parts)
		}
	}
	if c.History != nil {
		if err := c.history(ctx, e, now); err != nil {
			// The estate is still right as of now; only its past is short.
			e.HistoryError = err.Error()
		}
	}
	e.Normalize()
	return e, nil
}

// history records the estate's current samples and merges the stored ones
// (older than this collection) into it.
func (c *Collector) history(ctx context.Context, e *inventory.Estate, now time.Time) error {
	var caps []store.CapacityRow
	have := map[string]map[int64]bool{}
	for _, s := range e.Capacity {
		if have[s.EntityID] == nil {
			have[s.EntityID] = map[int64]bool{}
		}
		have[s.EntityID][s.Time.Unix()] = true
		if s.Time.Equal(now) { // the live reading; snapshot-derived ones are re-derived every time
			caps = append(caps, store.CapacityRow{EntityID: s.EntityID, Time: s.Time, UsedBytes: s.UsedBytes, SizeBytes: s.SizeBytes,
				ReserveUsed: s.SnapshotReserveUsedBytes, ReserveSize: s.SnapshotReserveBytes})
		}
	}
	var lags []store.LagRow
	for _, r := range e.Replications {
		if r.Lag > 0 && !r.Broken() {
			lags = append(lags, store.LagRow{RelationshipID: r.ID, Time: now, Lag: r.Lag.D()})
		}
	}
	if err := c.History.RecordHistory(ctx, caps, lags); err != nil {
		return fmt.Errorf("history not recorded: %w", err)
	}
	since := now.Add(-cmp.Or(c.HistoryWindow, 90*24*time.Hour))
	stored, err := c.History.CapacitySince(ctx, since)
	if err != nil {
		return fmt.Errorf("history not read: %w", err)
	}
	known := map[string]bool{}
	for _, en := range e.Entities {
		known[en.ID] = true
	}
	for _, s := range stored {
		if !known[s.EntityID] || have[s.EntityID][s.Time.Unix()] || s.Time.After(now) {
			continue
		}
		e.Capacity = append(e.Capacity, inventory.CapacitySample{EntityID: s.EntityID, Time: s.Time, UsedBytes: s.UsedBytes, SizeBytes: s.SizeBytes,
			SnapshotReserveUsedBytes: s.ReserveUsed, SnapshotReserveBytes: s.ReserveSize})
	}
	lagRows, err := c.History.LagSince(ctx, since)
	if err != nil {
		return fmt.Errorf("history not read: %w", err)
	}
	byRel := map[string][]inventory.LagSample{}
	for _, l := range lagRows {
		if !l.Time.After(now) {
			byRel[l.RelationshipID] = append(byRel[l.RelationshipID], inventory.LagSample{Time: l.Time, Lag: inventory.Duration(l.Lag)})
		}
	}
	for i := range e.Replications {
		r := &e.Replications[i]
		r.LagHistory = append(r.LagHistory, byRel[r.ID]...)
	}
	return nil
}

// RunPeriodic collects the scope every interval until ctx ends, so a
// long-running server or worker keeps the history filling between
// questions. Failures are passed to onErr (nil: ignored) and do not stop
// the loop.
func (c *Collector) RunPeriodic(ctx context.Context, every time.Duration, s Scope, onErr func(error)) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Invalidate()
			if _, err := c.Collect(ctx, s); err != nil && onErr != nil {
				onErr(err)
			}
		}
	}
}
