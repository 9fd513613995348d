package wait_test

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv/wait"
)

// TestFor: For returns as soon as the condition holds, having asked it
// exactly until then.
func TestFor(t *testing.T) {
	for _, after := range []int{1, 2, 5} {
		calls := 0
		wait.For(t, "the condition", func() bool { calls++; return calls >= after })
		if calls != after {
			t.Errorf("condition asked %d times, want %d", calls, after)
		}
	}
}
