package collect

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// flights runs at most one collection per scope key at a time and shares
// its result with every caller that asks for that scope meanwhile, so that
// 50 simultaneous cold analysis calls cost one collection, not 50 (a herd
// that multiplies backend load, latency and memory by the number of
// callers).
//
// The collection runs on its own context, detached from any one caller: a
// caller whose context ends stops waiting at once and the others keep
// theirs. Only when every waiter has left is the collection cancelled, as
// nobody wants its result any more.
//
// A write (forget) marks the running collection stale: it may predate the
// write, so its result is not cached, and callers that come after the
// write queue for the next collection, which starts when the running one
// ends. Frequent writes therefore never pile collections up: per scope,
// one runs and at most one waits, whatever the write rate.
//
// Past its TTL, a cached estate is still answered at once for staleFor
// while one background collection refreshes it: under load a collection
// of a large estate takes seconds, and making every analysis call wait for
// one every TTL would put that on the latency tail.
type flights struct {
	mu    sync.Mutex
	gen   uint64 // bumped by forget (an invalidation)
	calls map[string]*flight
	// started counts collections run, for Collections.
	started atomic.Int64
}

type flight struct {
	done    chan struct{}
	waiters int
	// background flights refresh a stale cache entry that callers were
	// already given; nobody waits, so nobody's leaving cancels them.
	background bool
	// stale: a write happened since it started; cancelled: every waiter
	// left. Neither takes new waiters.
	stale, cancelled bool
	// next is the collection queued behind a stale or cancelled one.
	next *flight
	// What next runs with, from the caller that queued it.
	base   context.Context
	fn     func(context.Context) (*inventory.Estate, error)
	store  func(*inventory.Estate)
	cancel context.CancelFunc
	estate *inventory.Estate
	err    error
}

// do returns the result of fn for key, joining a collection of key that is
// already running or queued. store is called with a successful result,
// under the group's lock, only when no forget happened since fn started.
func (g *flights) do(ctx context.Context, key string, fn func(context.Context) (*inventory.Estate, error), store func(*inventory.Estate)) (*inventory.Estate, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*flight{}
	}
	f := g.calls[key]
	switch {
	case f == nil:
		f = &flight{done: make(chan struct{}), base: ctx, fn: fn, store: store}
		g.start(key, f)
	case f.stale || f.cancelled:
		if f.next == nil {
			f.next = &flight{done: make(chan struct{}), base: ctx, fn: fn, store: store}
		}
		f = f.next
	}
	f.waiters++
	g.mu.Unlock()

	select {
	case <-f.done:
		return f.estate, f.err
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		if f.waiters == 0 && !f.background && f.cancel != nil {
			// Nobody is left to use the result: stop collecting.
			f.cancelled = true
			f.cancel()
		}
		g.mu.Unlock()
		return nil, ctx.Err()
	}
}

// start runs f as key's collection; the caller holds g.mu.
func (g *flights) start(key string, f *flight) {
	fctx, cancel := context.WithCancel(context.WithoutCancel(f.base))
	f.cancel = cancel
	g.calls[key] = f
	g.started.Add(1)
	go g.run(fctx, key, f, g.gen)
}

func (g *flights) run(ctx context.Context, key string, f *flight, gen uint64) {
	defer f.cancel()
	e, err := f.fn(ctx)
	g.mu.Lock()
	f.estate, f.err = e, err
	if err == nil && gen == g.gen && ctx.Err() == nil {
		f.store(e)
	}
	if g.calls[key] == f {
		delete(g.calls, key)
		if n := f.next; n != nil && n.waiters > 0 {
			g.start(key, n)
		}
	}
	g.mu.Unlock()
	close(f.done)
}

// refresh starts a background collection of key unless one is running.
func (g *flights) refresh(ctx context.Context, key string, fn func(context.Context) (*inventory.Estate, error), store func(*inventory.Estate)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.calls == nil {
		g.calls = map[string]*flight{}
	}
	if _, running := g.calls[key]; running {
		return
	}
	g.start(key, &flight{done: make(chan struct{}), background: true, base: ctx, fn: fn, store: store})
}

// forget marks running collections stale: later callers queue for a fresh
// one, and none of the running ones is cached. A background refresh has
// nobody waiting for it, so it stops.
func (g *flights) forget() {
	g.mu.Lock()
	g.gen++
	for _, f := range g.calls {
		f.stale = true
		if f.background && f.waiters == 0 {
			f.cancelled = true
			f.cancel()
		}
	}
	g.mu.Unlock()
}

// Collections reports how many collections the collector has started (cache
// hits and callers joining a running collection are not counted).
func (c *Collector) Collections() int64 { return c.flights.started.Load() }

// staleFor is how long past its TTL a cached estate is still answered at
// once while one collection refreshes it in the background. An
// invalidation (a write) drops the cache, so stale data never hides a
// write; only age is traded for latency. TTL 0 turns caching off.
const staleFor = 5 * time.Minute

// shared is Collect: a fresh cache hit; else a stale one (within staleFor)
// with a background refresh; else the one running collection of the scope.
func (c *Collector) shared(ctx context.Context, s Scope) (*inventory.Estate, error) {
	key := s.key()
	fn := func(ctx context.Context) (*inventory.Estate, error) { return c.collect(ctx, s) }
	store := func(e *inventory.Estate) {
		if c.TTL <= 0 {
			return
		}
		c.mu.Lock()
		c.cache[key] = cached{at: time.Now(), estate: e}
		c.mu.Unlock()
	}
	c.mu.Lock()
	hit, ok := c.cache[key]
	c.mu.Unlock()
	if ok && c.TTL > 0 {
		switch age := time.Since(hit.at); {
		case age < c.TTL:
			return hit.estate, nil
		case age < c.TTL+staleFor:
			c.flights.refresh(ctx, key, fn, store)
			return hit.estate, nil
		}
	}
	return c.flights.do(ctx, key, fn, store)
}

// generation is the number of invalidations so far: a collection that
// began at another generation may predate a write.
func (g *flights) generation() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gen
}
