package workflow_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// The workflows on the Temporal SDK's test environment (no server): the
// same definitions and activities, against the simulators; approvals by
// signal, state by query, timeouts on the skipped clock.
func TestTemporalWorkflow(t *testing.T) {
	planned := `{"target":"ontap-prod","volume":"vol_finance","type":"planned"}`
	cases := []struct {
		name, kind, params string
		dryRun             bool
		decide             *workflow.Decision
		policy             workflow.Policy
		want               workflow.Status
		breaks             int
		steps              int
	}{
		{"dry run", "disaster_recovery", planned, true, nil, workflow.Policy{}, workflow.StatusPlanned, 0, 0},
		{"approved", "disaster_recovery", planned, false, &workflow.Decision{Approve: true, Principal: "bob", Comment: "CAB-1"}, workflow.Policy{}, workflow.StatusSucceeded, 1, 6},
		{"rejected", "disaster_recovery", planned, false, &workflow.Decision{Principal: "bob"}, workflow.Policy{}, workflow.StatusRejected, 0, 3},
		{"timed out", "disaster_recovery", planned, false, nil, workflow.Policy{Timeout: time.Hour}, workflow.StatusRejected, 0, 3},
		{"drill", "recovery_testing", `{"target":"ontap-prod","volume":"vol_hr"}`, false, nil, workflow.Policy{}, workflow.StatusSucceeded, 0, 5},
		{"vm drill", "recovery_testing", `{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"}`, false, nil, workflow.Policy{}, workflow.StatusSucceeded, 0, 7},
		{"full-dr drill", "recovery_testing", `{"type":"dr","target":"ontap-prod","volumes":["vol_finance"],"vms":["sql-prod-01"],"nutanix_target":"pc-prod"}`, false, nil, workflow.Policy{}, workflow.StatusSucceeded, 0, 12},
		{"nutanix backup", "scheduled_backup", `{"target":"pc-prod","vm":"web-01"}`, false, nil, workflow.Policy{}, workflow.StatusSucceeded, 0, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, c, est := startSims(t)
			var s testsuite.WorkflowTestSuite
			s.SetLogger(quietLogger())
			env := s.NewTestWorkflowEnvironment()
			w := &workflow.TemporalWorker{Activities: &workflow.Activities{Targets: registry(ts), Clock: est.Clock.Now},
				Policies: map[string]workflow.Policy{tc.kind: tc.policy}}
			w.Register(env)
			var waiting *workflow.Run
			env.RegisterDelayedCallback(func() {
				v, err := env.QueryWorkflow("run")
				if err != nil {
					t.Errorf("query: %v", err)
					return
				}
				var r workflow.Run
				_ = v.Get(&r)
				waiting = &r
				if tc.decide != nil {
					env.SignalWorkflow("decide", *tc.decide)
				}
			}, 10*time.Minute)
			env.ExecuteWorkflow(workflow.TemporalWorkflow, workflow.TemporalInput{Kind: tc.kind, Params: json.RawMessage(tc.params), DryRun: tc.dryRun, Principal: "alice"})
			if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
				t.Fatalf("completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
			}
			var r workflow.Run
			if err := env.GetWorkflowResult(&r); err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.want || len(r.Steps) != tc.steps {
				t.Fatalf("run %s with %d steps (%s), want %s with %d", r.Status, len(r.Steps), r.Error, tc.want, tc.steps)
			}
			if tc.kind == "recovery_testing" {
				var res struct {
					Passed    bool `json:"passed"`
					CleanedUp bool `json:"cleaned_up"`
				}
				if err := json.Unmarshal(r.Result, &res); err != nil || !res.Passed || !res.CleanedUp {
					t.Errorf("drill result %s (%v)", r.Result, err)
				}
			}
			if n := c.matching("state=broken_off"); n != tc.breaks {
				t.Errorf("%d breaks, want %d", n, tc.breaks)
			}
			if strings.HasPrefix(tc.name, "approved") || tc.name == "rejected" || tc.name == "timed out" {
				if waiting == nil || waiting.Status != workflow.StatusWaiting || waiting.Waiting.Step != "break" {
					t.Errorf("query while waiting: %+v", waiting)
				}
				a := r.Approvals[len(r.Approvals)-1]
				if tc.decide != nil && (a.Principal != tc.decide.Principal || a.Step != "break") || tc.decide == nil && a.Decision != "timed_out" {
					t.Errorf("approval %+v", a)
				}
			}
			if tc.dryRun && (len(r.Plan) == 0 || !r.Plan[3].Destructive) {
				t.Errorf("plan %+v", r.Plan)
			}
		})
	}
}

func quietLogger() tlog.Logger { return tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
