package collect

import (
	"context"
	"sync"
	"sync/atomic"

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
// nobody wants its result any more. A result is cached only if no
// invalidation (a write) happened while it was collected, so a write never
// hides behind a collection that started before it.
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
	cancel  context.CancelFunc
	estate  *inventory.Estate
	err     error
}

// do returns the result of fn for key, joining a collection of key that is
// already running. store is called with a successful result, under the
// group's lock and only when no forget happened since fn started.
func (g *flights) do(ctx context.Context, key string, fn func(context.Context) (*inventory.Estate, error), store func(*inventory.Estate)) (*inventory.Estate, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*flight{}
	}
	f, ok := g.calls[key]
	if !ok {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		g.calls[key] = f
		g.started.Add(1)
		go g.run(fctx, key, f, g.gen, fn, store)
	}
	f.waiters++
	g.mu.Unlock()

	select {
	case <-f.done:
		return f.estate, f.err
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Nobody is left to use the result: stop collecting.
			f.cancel()
			if g.calls[key] == f {
				delete(g.calls, key)
			}
		}
		g.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (g *flights) run(ctx context.Context, key string, f *flight, gen uint64, fn func(context.Context) (*inventory.Estate, error), store func(*inventory.Estate)) {
	defer f.cancel()
	e, err := fn(ctx)
	g.mu.Lock()
	f.estate, f.err = e, err
	if err == nil && gen == g.gen && ctx.Err() == nil {
		store(e)
	}
	if g.calls[key] == f {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	close(f.done)
}

// forget makes later callers start a fresh collection and keeps running
// ones out of the cache.
func (g *flights) forget() {
	g.mu.Lock()
	g.gen++
	clear(g.calls)
	g.mu.Unlock()
}

// Collections reports how many collections the collector has started (cache
// hits and callers joining a running collection are not counted).
func (c *Collector) Collections() int64 { return c.flights.started.Load() }
