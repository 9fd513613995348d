package safety

import (
	"context"
	"fmt"
	"sync"
)

// WriteLocker serialises the non-read calls against each target. The
// in-process WriteLocks is enough for one server; servers sharing a state
// file or a Temporal cluster add a shared lease (store.Leases,
// workflow.TemporalLocks) behind it with Layered, so a write on one replica
// waits for a write on another.
type WriteLocker interface {
	// Acquire waits for a write slot on target, or for ctx to end. The
	// returned function releases the slot; call it exactly once.
	Acquire(ctx context.Context, target string) (release func(), err error)
	// Busy reports whether target has no free write slot right now (a
	// hint for a "waiting" progress message, never a promise).
	Busy(ctx context.Context, target string) bool
}

// WriteLocks bounds how many non-read calls run at once against each target,
// so two assistants (or one impatient one) cannot, say, revert a VM while a
// restore of it is still running.
type WriteLocks struct {
	mu    sync.Mutex
	limit int
	sems  map[string]chan struct{}
}

var _ WriteLocker = (*WriteLocks)(nil)

// NewWriteLocks allows limit concurrent writes per target (at least 1).
func NewWriteLocks(limit int) *WriteLocks {
	if limit < 1 {
		limit = 1
	}
	return &WriteLocks{limit: limit, sems: map[string]chan struct{}{}}
}

// Acquire waits for a write slot on target, or for ctx to end. The returned
// function releases the slot; call it exactly once.
func (l *WriteLocks) Acquire(ctx context.Context, target string) (func(), error) {
	l.mu.Lock()
	sem, ok := l.sems[target]
	if !ok {
		sem = make(chan struct{}, l.limit)
		l.sems[target] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-sem }) }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another write on target %s to finish: %w", target, ctx.Err())
	}
}

// Busy reports whether target has no free write slot right now.
func (l *WriteLocks) Busy(_ context.Context, target string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sem, ok := l.sems[target]
	return ok && len(sem) == cap(sem)
}

// Layered takes a local slot first, then the shared one: callers of one
// process queue on a channel instead of polling the shared store, and only
// a holder of a local slot competes for the shared lease.
type Layered struct {
	Local  WriteLocker
	Shared WriteLocker
}

var _ WriteLocker = Layered{}

// Acquire holds both slots; on failure it holds neither.
func (l Layered) Acquire(ctx context.Context, target string) (func(), error) {
	rl, err := l.Local.Acquire(ctx, target)
	if err != nil {
		return nil, err
	}
	rs, err := l.Shared.Acquire(ctx, target)
	if err != nil {
		rl()
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { rs(); rl() }) }, nil
}

// Busy reports whether either layer is busy.
func (l Layered) Busy(ctx context.Context, target string) bool {
	return l.Local.Busy(ctx, target) || l.Shared.Busy(ctx, target)
}
