package fleet

import (
	"sync"
	"time"
)

// Clock is the simulated time of an estate. By default it does not follow
// the wall clock: it stands still until something advances it, so that the
// same scenario, seed and sequence of requests always give the same
// answers. The simulators advance it as work runs (a poll of an unfinished
// task or job moves time forward), and tests or scenarios may set it
// outright. Run makes it also flow with a wall clock (at a rate), so that
// jobs, tasks and transfers finish as time passes whether or not anyone
// polls them, as on a real system.
type Clock struct {
	mu  sync.Mutex
	now time.Time
	// While running: wall reads the wall clock, last is the wall time
	// already folded into now, rate the simulated seconds per wall second.
	wall func() time.Time
	last time.Time
	rate float64
}

// Run makes the clock flow: each wall-clock second (read from wall, or
// time.Now when nil) moves it forward by rate seconds, on top of explicit
// advances. A rate of 0 or less stops it again.
func (c *Clock) Run(rate float64, wall func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flow()
	if rate <= 0 {
		c.wall = nil
		return
	}
	if wall == nil {
		wall = time.Now
	}
	c.wall, c.last, c.rate = wall, wall(), rate
}

// flow folds the wall time passed since the last reading into now.
func (c *Clock) flow() {
	if c.wall == nil {
		return
	}
	w := c.wall()
	if d := w.Sub(c.last); d > 0 {
		c.now = c.now.Add(time.Duration(float64(d) * c.rate))
	}
	c.last = w
}

// NewClock returns a clock that reads start (in UTC) until advanced.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.UTC()}
}

// Now returns the current simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flow()
	return c.now
}

// Advance moves the clock forward by d (a negative d is ignored: simulated
// time never runs backwards) and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flow()
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
	c.flow()
	if t.After(c.now) {
		c.now = t.UTC()
	}
	return c.now
}
