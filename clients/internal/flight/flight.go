// Package flight shares identical reads in flight between concurrent
// callers, for the backend clients.
//
// Concurrent tool calls often make the very same GET at the same moment
// (eight sessions listing volumes each read the volumes collection, the
// recent snapshots and the SnapMirror relationships). A Group makes such a
// read once: a read whose key (method, URL and query) equals one already in
// flight waits for that request and takes its answer. The backend sees one
// request where it would have seen eight, and a client's concurrency slots
// go to requests that differ. Nothing is kept once the request ends: this
// is no cache, and a read started after the shared one answered is sent.
//
// Writes make their reads visible: the client calls Wrote when a write
// starts and when it ends, and a read only joins a request started in the
// same generation. So a read made after a write through the client never
// gets an answer read before that write. A read joining a request a few
// milliseconds old sees the backend as it was when that request started, as
// it would if the network had been that much slower.
//
// The shared request runs on a context of its own (the first caller's
// values, none of its deadline or cancellation) and is cancelled when every
// caller waiting for it has given up; each caller stops waiting at its own
// context's end.
package flight

import (
	"context"
	"sync"
)

// Group holds one client's reads in flight. The zero value is ready; it
// must not be copied after first use.
type Group[T any] struct {
	mu      sync.Mutex
	gen     uint64
	flights map[key]*call[T]
}

type key struct {
	k   string
	gen uint64
}

// call is one read in progress and the callers waiting for it.
type call[T any] struct {
	done    chan struct{}
	val     T
	err     error
	waiters int
	cancel  context.CancelFunc
}

// Wrote marks a write's start or end: no read started before it is joined
// after it.
func (g *Group[T]) Wrote() {
	g.mu.Lock()
	g.gen++
	g.mu.Unlock()
}

// Do returns the answer to the read named k: that of the same read in
// flight, or of a new one made by fetch. The answer is shared: callers
// must not modify it.
func (g *Group[T]) Do(ctx context.Context, k string, fetch func(context.Context) (T, error)) (T, error) {
	g.mu.Lock()
	if g.flights == nil {
		g.flights = map[key]*call[T]{}
	}
	id := key{k: k, gen: g.gen}
	c, ok := g.flights[id]
	if !ok {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call[T]{done: make(chan struct{}), cancel: cancel}
		g.flights[id] = c
		go func() {
			defer cancel()
			c.val, c.err = fetch(fctx)
			g.mu.Lock()
			if g.flights[id] == c {
				delete(g.flights, id)
			}
			g.mu.Unlock()
			close(c.done)
		}()
	}
	c.waiters++
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		g.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			// Nobody waits any more: stop the request, and let the next
			// caller start a fresh one rather than join a cancelled one.
			if g.flights[id] == c {
				delete(g.flights, id)
			}
			c.cancel()
		}
		g.mu.Unlock()
		var zero T
		return zero, ctx.Err()
	}
}

// Waiters is the number of callers waiting for reads in flight (for
// tests and diagnostics).
func (g *Group[T]) Waiters() (n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.flights {
		n += c.waiters
	}
	return n
}
