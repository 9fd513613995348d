package ontap

import (
	"context"
	"sync"
)

// Shared reads.
//
// Concurrent tool calls often make the very same GET at the same moment
// (eight sessions listing volumes each read the volumes collection, the
// recent snapshots and the SnapMirror relationships). The client makes such
// a GET once: a GET whose method, URL and query equal one already in flight
// waits for that request and decodes its body. The cluster sees one request
// where it would have seen eight, and the MaxConcurrency slots go to
// requests that differ. Nothing is kept once the request ends: this is no
// cache, and a GET started after the shared one answered goes to the
// cluster.
//
// A write makes its own reads visible: every write through this client
// (any method but GET) bumps a generation when it starts and when it ends,
// and a GET only joins a request started in the same generation. So a read
// made after a write through this client never gets an answer read before
// that write. A read joining a request a few milliseconds old sees the
// cluster as it was when that request started, as it would if the network
// had been that much slower.
//
// The shared request runs on a context of its own (the first caller's
// values, none of its deadline or cancellation) and is cancelled when every
// caller waiting for it has given up; each caller stops waiting at its own
// context's end.

// flight is one GET in progress and the callers waiting for it.
type flight struct {
	done    chan struct{}
	resp    *response
	err     error
	waiters int
	cancel  context.CancelFunc
}

type flightKey struct {
	url string
	gen uint64
}

// shared holds the GETs in flight of one client.
type shared struct {
	mu      sync.Mutex
	gen     uint64
	flights map[flightKey]*flight
}

// wrote marks a write's start or end: no GET started before it is joined
// after it.
func (s *shared) wrote() {
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
}

// get returns the answer to the GET of url: that of the same GET in
// flight, or of a new one made by fetch.
func (s *shared) get(ctx context.Context, url string, fetch func(context.Context) (*response, error)) (*response, error) {
	s.mu.Lock()
	if s.flights == nil {
		s.flights = map[flightKey]*flight{}
	}
	key := flightKey{url: url, gen: s.gen}
	f, ok := s.flights[key]
	if !ok {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		s.flights[key] = f
		go func() {
			defer cancel()
			f.resp, f.err = fetch(fctx)
			s.mu.Lock()
			if s.flights[key] == f {
				delete(s.flights, key)
			}
			s.mu.Unlock()
			close(f.done)
		}()
	}
	f.waiters++
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.resp, f.err
	case <-ctx.Done():
		s.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Nobody waits any more: stop the request, and let the next
			// caller start a fresh one rather than join a cancelled one.
			if s.flights[key] == f {
				delete(s.flights, key)
			}
			f.cancel()
		}
		s.mu.Unlock()
		return nil, ctx.Err()
	}
}
