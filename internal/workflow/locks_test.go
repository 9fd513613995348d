package workflow_test

import (
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// The lock workflow on the SDK's test environment: grants in arrival
// order up to its slots, hands a released slot to the next in line, takes
// back a grant whose renewals stop, keeps one that is renewed, and ends
// once idle.
func TestTargetLockWorkflow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(quietLogger())
	env := s.NewTestWorkflowEnvironment()
	workflow.RegisterLocks(env)
	ttl := time.Minute
	granted := func(id string) bool {
		v, err := env.QueryWorkflow("granted", id)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		var ok bool
		_ = v.Get(&ok)
		return ok
	}
	busy := func() bool {
		v, err := env.QueryWorkflow("busy")
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		var ok bool
		_ = v.Get(&ok)
		return ok
	}
	type check struct {
		at   time.Duration
		do   func()
		want map[string]bool // id -> granted
		busy bool
	}
	sig := func(name string, v any) func() { return func() { env.SignalWorkflow(name, v) } }
	checks := []check{
		{time.Second, func() {
			env.SignalWorkflow("acquire", workflow.LockRequest{ID: "a", TTL: ttl})
			env.SignalWorkflow("acquire", workflow.LockRequest{ID: "b", TTL: ttl})
			env.SignalWorkflow("acquire", workflow.LockRequest{ID: "a", TTL: ttl}) // a repeat changes nothing
		}, nil, false},
		{2 * time.Second, nil, map[string]bool{"a": true, "b": false}, true},
		{3 * time.Second, sig("release", "a"), nil, false},
		{4 * time.Second, nil, map[string]bool{"a": false, "b": true}, true},
		// b is renewed at 40s and 80s: still held at 110s.
		{40 * time.Second, sig("renew", "b"), nil, false},
		{80 * time.Second, sig("renew", "b"), nil, false},
		{110 * time.Second, func() { env.SignalWorkflow("acquire", workflow.LockRequest{ID: "c", TTL: ttl}) }, map[string]bool{"b": true, "c": false}, true},
		// b's holder died: no renewal after 80s, so it lapses at 140s and c gets in.
		{145 * time.Second, nil, map[string]bool{"b": false, "c": true}, true},
		{150 * time.Second, sig("release", "c"), nil, false},
		{151 * time.Second, nil, map[string]bool{"c": false}, false},
	}
	for _, c := range checks {
		env.RegisterDelayedCallback(func() {
			if c.do != nil {
				c.do()
			}
			for id, want := range c.want {
				if got := granted(id); got != want {
					t.Errorf("at %s: %s granted %v, want %v", c.at, id, got, want)
				}
			}
			if c.want != nil && busy() != c.busy {
				t.Errorf("at %s: busy %v, want %v", c.at, !c.busy, c.busy)
			}
		}, c.at)
	}
	env.ExecuteWorkflow(workflow.TargetLockWorkflow, workflow.LockState{Slots: 1})
	if !env.IsWorkflowCompleted() {
		t.Fatal("the idle lock workflow did not end")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
}
