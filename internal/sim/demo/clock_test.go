package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/demo"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// TestClockRateRunsTheClock: with ClockRate the estate's time flows with
// the wall clock (so work finishes unpolled); without it, it stands still.
func TestClockRateRunsTheClock(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		moves bool
	}{{0, false}, {1000, true}} {
		est := fleet.Small(fleet.DefaultNow)
		start := est.Clock.Now()
		d, err := demo.Start(context.Background(), demo.Options{Estate: est, PlainHTTP: true, ClockRate: tc.rate})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // at rate 1000: at least 20 simulated seconds
		moved := est.Clock.Now().Sub(start)
		d.Close()
		if tc.moves && moved < 20*time.Second || !tc.moves && moved != 0 {
			t.Errorf("rate %v: clock moved %s", tc.rate, moved)
		}
	}
}
