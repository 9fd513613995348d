package fleet

import (
	"sync"
	"time"
)

// Clock is the simulated time of an estate. It does not follow the wall
// clock: it stands still until something advances it, so that the same
// scenario, seed and sequence of requests always give the same answers.
// The simulators advance it as work runs (a poll of an unfinished task or job
// moves time forward), and tests or scenarios may set it outright.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start (in UTC) until advanced.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.UTC()}
}

// Now returns the current simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (a negative d is ignored: simulated
// time never runs backwards) and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return c.now
}

// Set moves the clock to t if t is later than the current time, and returns
// the resulting time.
func (c *Clock) Set(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t.UTC()
	}
	return c.now
}
