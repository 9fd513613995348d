package collect

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv/wait"
)

// TestFlightsShareAndCancel checks the herd rules on the group alone: one
// run for concurrent callers, a caller that gives up leaves the others'
// run alone, and the run stops when every caller has gone.
func TestFlightsShareAndCancel(t *testing.T) {
	cases := []struct {
		name string
		// leave: how many of the 5 callers give up before the run ends.
		leave      int
		wantCancel bool
	}{
		{"all wait", 0, false},
		{"some leave", 3, false},
		{"all leave", 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var g flights
			var runs atomic.Int32
			release := make(chan struct{})
			cancelled := make(chan struct{})
			stored := make(chan *inventory.Estate, 1)
			want := &inventory.Estate{}
			fn := func(ctx context.Context) (*inventory.Estate, error) {
				runs.Add(1)
				select {
				case <-release:
					return want, nil
				case <-ctx.Done():
					close(cancelled)
					return nil, ctx.Err()
				}
			}
			store := func(e *inventory.Estate) { stored <- e }
			const callers = 5
			var wg sync.WaitGroup
			results := make([]error, callers)
			estates := make([]*inventory.Estate, callers)
			cancels := make([]context.CancelFunc, callers)
			for i := range callers {
				ctx, cancel := context.WithCancel(context.Background())
				cancels[i] = cancel
				defer cancel()
				wg.Go(func() { estates[i], results[i] = g.do(ctx, "k", fn, store) })
			}
			// Events in order, not by sleeps: every caller waits on the
			// run, then the leavers give up, and only then does the run
			// end (or, when all left, it is seen cancelled).
			wait.For(t, "every caller waiting on the run", func() bool { return waiters(&g, "k") == callers })
			for i := range c.leave {
				cancels[i]()
			}
			if c.wantCancel {
				wait.For(t, "the run cancelled after every caller left", func() bool {
					select {
					case <-cancelled:
						return true
					default:
						return false
					}
				})
			} else {
				wait.For(t, "the leavers gone", func() bool { return waiters(&g, "k") == callers-c.leave })
				close(release)
			}
			wg.Wait()
			if runs.Load() != 1 {
				t.Fatalf("%d runs, want 1", runs.Load())
			}
			for i := range callers {
				gaveUp := i < c.leave
				switch {
				case gaveUp && !errors.Is(results[i], context.Canceled):
					t.Errorf("caller %d gave up but got %v", i, results[i])
				case !gaveUp && (results[i] != nil || estates[i] != want):
					t.Errorf("caller %d: %v %p", i, results[i], estates[i])
				}
			}
			select {
			case e := <-stored:
				if c.wantCancel || e != want {
					t.Errorf("stored %p after cancel=%v", e, c.wantCancel)
				}
			default:
				if !c.wantCancel {
					t.Error("result not stored")
				}
			}
		})
	}
}

// waiters is how many callers wait on key's collection and on the one
// queued behind it.
func waiters(g *flights, key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for f := g.calls[key]; f != nil; f = f.next {
		n += f.waiters
	}
	return n
}

// TestFlightsForgetKeepsStaleOut: a collection that began before an
// invalidation is not cached, and the next caller starts a new one.
func TestFlightsForgetKeepsStaleOut(t *testing.T) {
	var g flights
	release := make(chan struct{})
	var storedN atomic.Int32
	fn := func(context.Context) (*inventory.Estate, error) { <-release; return &inventory.Estate{}, nil }
	store := func(*inventory.Estate) { storedN.Add(1) }
	done := make(chan struct{})
	go func() { defer close(done); _, _ = g.do(context.Background(), "k", fn, store) }()
	for g.started.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	g.forget()
	close(release)
	<-done
	if storedN.Load() != 0 {
		t.Error("a collection older than the invalidation was cached")
	}
	if _, err := g.do(context.Background(), "k", fn, store); err != nil || g.started.Load() != 2 || storedN.Load() != 1 {
		t.Errorf("after forget: err %v, started %d, stored %d", err, g.started.Load(), storedN.Load())
	}
}

// TestFlightsWritesDoNotPileUp: however many writes come during a
// collection, callers after them share one queued collection, which
// starts only when the running one ends.
func TestFlightsWritesDoNotPileUp(t *testing.T) {
	var g flights
	var running, peak atomic.Int32
	gate := make(chan struct{})
	fn := func(context.Context) (*inventory.Estate, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-gate
		return &inventory.Estate{}, nil
	}
	var stored atomic.Int32
	store := func(*inventory.Estate) { stored.Add(1) }
	var wg sync.WaitGroup
	results := make([]*inventory.Estate, 6)
	call := func(i int) {
		defer wg.Done()
		results[i], _ = g.do(context.Background(), "k", fn, store)
	}
	wg.Add(1)
	go call(0)
	for g.started.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 6; i++ { // a write before each later caller
		g.forget()
		wg.Add(1)
		go call(i)
	}
	// Every caller waits before the first collection ends: one arriving
	// after it would rightly start a third.
	wait.For(t, "all six callers waiting", func() bool { return waiters(&g, "k") == 6 })
	close(gate)
	wg.Wait()
	if g.started.Load() != 2 || peak.Load() != 1 {
		t.Fatalf("%d collections started, %d at once; want 2, one at a time", g.started.Load(), peak.Load())
	}
	for i := 2; i < 6; i++ {
		if results[i] != results[1] || results[1] == results[0] {
			t.Fatalf("callers after the writes do not share the fresh collection")
		}
	}
	if stored.Load() != 1 {
		t.Errorf("stored %d results, want only the fresh one", stored.Load())
	}
}
