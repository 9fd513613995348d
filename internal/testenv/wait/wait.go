// Package wait is the tests' one way to wait for a state another
// goroutine or process reaches: poll a condition, and fail the test after a
// generous bound. The bound is a hang guard, never a timing assertion:
// performance is measured by benchmarks only. It imports nothing of ours,
// so tests at every layer (clients included) can use it.
package wait

import (
	"testing"
	"time"
)

// Bound is how long For waits before it fails the test.
const Bound = 20 * time.Second

// For polls cond every millisecond or so until it holds; a state never
// reached within Bound fails the test, naming what.
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
