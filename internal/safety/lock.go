package safety

import (
	"context"
	"fmt"
	"sync"
)

// WriteLocks bounds how many non-read calls run at once against each target,
// so two assistants (or one impatient one) cannot, say, revert a VM while a
// restore of it is still running.
type WriteLocks struct {
	mu    sync.Mutex
	limit int
	sems  map[string]chan struct{}
}

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
func (l *WriteLocks) Busy(target string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sem, ok := l.sems[target]
	return ok && len(sem) == cap(sem)
}
