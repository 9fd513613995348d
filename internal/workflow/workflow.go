// Package workflow runs the backup teams' workflows (scheduled_backup,
// disaster_recovery, recovery_testing, data_recovery) durably: a run
// survives the chat window closing and the server being killed, and never
// repeats a completed step.
//
// # Design decisions
//
//   - One Orchestrator interface (start, describe, list, approve/reject,
//     cancel, schedules); the embedded engine (Engine) implements it over
//     the local store (SQLite), TemporalEngine over a Temporal cluster
//     (temporal.go).
//   - Writes stay serialised per target across processes. Steps that
//     change a target call Activities.Hold with the resolved target, so a
//     step waits for (and holds off) tool calls and other runs writing to
//     it. The server gives the activities the same safety.WriteLocker as
//     its tools: an in-process slot layered over store.Leases (servers on
//     one state file) or TemporalLocks (locks.go: a lock workflow per
//     target, the mutex pattern, with grants that lapse unless renewed, so
//     a killed holder frees the target after its TTL). Hold is explicit in
//     each writing step rather than automatic per step, because only the
//     step knows which target it changes (a DR step writes to the DR
//     cluster, not the run's target) and read steps must not queue behind
//     writes.
//   - Temporal steps relay their own progress: a step is a local activity
//     holding the workflow task open, so its messages are signalled to the
//     run (at most one a second) and applied at the task heartbeat, which a
//     3 s workflow task timeout makes come every 2.4 s; queries answered
//     there give replicas the step's current message. A note of an earlier
//     step arriving late is dropped.
//   - Workflows are plain Go functions over an Exec: each x.Step(name, fn)
//     is journalled. On resume the function runs again from the top and
//     every completed step returns its journalled output instead of acting
//     again (replay), so workflow code must be deterministic between steps;
//     a step whose name differs from the journal at the same position is a
//     determinism error that fails the run rather than guessing.
//   - At-least-once steps made idempotent. A step row is committed as
//     "started", with its idempotency key, before the step acts. A process
//     killed inside a step re-runs that step with the same key: Nutanix
//     mutations send it as NTNX-Request-Id (Prism Central answers a
//     repeated id with the first call's task), ONTAP objects take names
//     derived from the run (rmcp_<run>_...) and internal/ops checks for
//     them before creating. State changes (quiesce, break) check the state
//     first.
//   - Destructive steps wait for approval. The run's status becomes
//     waiting_approval with a durable timer (wake_at); Approve or Reject
//     records who decided and when (wf_approvals and the audit log) and
//     resumes the run; when the timer fires the policy's on_timeout
//     applies (reject by default). Auto-approval only where the policy says
//     so, recorded as principal "policy:auto".
//   - Dry runs compute the plan (steps, entities, destructive steps
//     marked) with read-only calls and store it as a run with status
//     "planned", so the plan can be read back like any run.
//   - Drills and test failovers are made of one set of pieces (drtest.go):
//     a volume is tested on a FlexClone of its destination's newest
//     snapshot, a VM is restored from its newest recovery point (the DR
//     replica when a DR Prism Central is named) under the run's own name,
//     powered on with the vmm power-on action and checked ON, and every
//     copy is deleted again by that name. disaster_recovery type test and
//     recovery_testing types vm and dr use them, so there is one clone,
//     one restore and one cleanup path to get right. Cleanup steps delete
//     only the run's own copies and are marked cleanup, not destructive:
//     they need no approval.
//   - A full-DR drill (recovery_testing type dr) journals its group in the
//     select step and then tests the entities one after the other, each
//     step named after its entity (clone:svm:vol, restore:vm, ...). An
//     entity's failure is journalled as the step's output, not as a
//     failed step, so a replay after a crash takes the same path, the
//     drill goes on with the others and the report carries the failure.
//   - RTO is measured on the engine's clock from the run's start (single
//     entity drills) or from the entity's clone/restore to its validation
//     (per entity in a full-DR drill); the group's RTO runs from the start
//     to the last entity validated. A VM's RTO target is its analysis
//     tier's (tierRTO), unless the run names rto_target_s.
package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Status of a run.
type Status string

// Run statuses.
const (
	StatusPlanned   Status = "planned" // dry run: the plan only
	StatusRunning   Status = "running"
	StatusWaiting   Status = "waiting_approval"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
	StatusRejected  Status = "rejected"
)

// Finished reports whether the run will not change any more.
func (s Status) Finished() bool {
	switch s {
	case StatusPlanned, StatusSucceeded, StatusFailed, StatusCancelled, StatusRejected:
		return true
	}
	return false
}

// PlanStep is one step of a run's plan.
type PlanStep struct {
	Name        string   `json:"name"`
	Action      string   `json:"action"`
	Entities    []string `json:"entities,omitempty"`
	Destructive bool     `json:"destructive,omitempty"`
	// Cleanup marks a step that removes what the run itself made (a drill
	// or test clone, under the run's own name): not destructive of
	// anything that existed before the run, so it needs no approval.
	Cleanup bool `json:"cleanup,omitempty"`
}

// Step is one journalled step of a run.
type Step struct {
	Seq         int             `json:"seq"`
	Name        string          `json:"name"`
	Destructive bool            `json:"destructive,omitempty"`
	Status      string          `json:"status"`
	IdemKey     string          `json:"idempotency_key"`
	Job         string          `json:"job,omitempty"`
	Attempts    int             `json:"attempts"`
	Output      json.RawMessage `json:"output,omitempty"`
	Error       string          `json:"error,omitempty"`
	Started     time.Time       `json:"started"`
	Ended       time.Time       `json:"ended,omitzero"`
}

// Approval is a decision on a destructive step.
type Approval struct {
	Seq       int       `json:"seq"`
	Step      string    `json:"step"`
	Decision  string    `json:"decision"`
	Principal string    `json:"principal"`
	At        time.Time `json:"at"`
	Comment   string    `json:"comment,omitempty"`
}

// Run is a workflow run as stored.
type Run struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Params    json.RawMessage `json:"params"`
	DryRun    bool            `json:"dry_run,omitempty"`
	Status    Status          `json:"status"`
	Principal string          `json:"principal"`
	Created   time.Time       `json:"created"`
	Updated   time.Time       `json:"updated"`
	Plan      []PlanStep      `json:"plan"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     string          `json:"error,omitempty"`
	Progress  string          `json:"progress,omitempty"`
	// Waiting names the destructive step waiting for approval and when
	// the wait times out.
	Waiting   *Waiting   `json:"waiting,omitempty"`
	Steps     []Step     `json:"steps,omitempty"`
	Approvals []Approval `json:"approvals,omitempty"`
	Schedule  string     `json:"schedule,omitempty"`
}

// Waiting is a run's pending approval.
type Waiting struct {
	Seq          int       `json:"seq"`
	Step         string    `json:"step"`
	ApproverRole string    `json:"approver_role"`
	TimeoutAt    time.Time `json:"timeout_at"`
	OnTimeout    string    `json:"on_timeout"`
}

// StartRequest starts a run.
type StartRequest struct {
	Kind      string
	Params    json.RawMessage
	DryRun    bool
	Principal string
	Schedule  string
}

// Filter selects runs to list.
type Filter struct {
	Kind   string
	Status Status
	Limit  int
}

// Schedule starts a workflow every interval.
type Schedule struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Params    json.RawMessage `json:"params"`
	Every     time.Duration   `json:"-"`
	EveryText string          `json:"every"`
	Next      time.Time       `json:"next"`
	Principal string          `json:"principal"`
	LastRun   string          `json:"last_run,omitempty"`
}

// Orchestrator is what the tools need of a workflow engine.
type Orchestrator interface {
	Start(ctx context.Context, r StartRequest) (*Run, error)
	Describe(ctx context.Context, id string) (*Run, error)
	List(ctx context.Context, f Filter) ([]Run, error)
	// Decide approves (approve=true) or rejects the step a run waits on.
	Decide(ctx context.Context, id, principal string, approve bool, comment string) (*Run, error)
	Cancel(ctx context.Context, id, principal string) (*Run, error)
	PutSchedule(ctx context.Context, s Schedule) (*Schedule, error)
	DeleteSchedule(ctx context.Context, id string) error
	Schedules(ctx context.Context) ([]Schedule, error)
}

// Errors callers may test for.
var (
	ErrNotFound    = errors.New("workflow: no such run")
	ErrNotWaiting  = errors.New("workflow: the run is not waiting for approval")
	ErrFinished    = errors.New("workflow: the run has finished")
	ErrUnknownKind = errors.New("workflow: unknown workflow kind")
	ErrForbidden   = errors.New("workflow: the principal lacks the approver role")
)

// Policy is a workflow kind's approval policy.
type Policy struct {
	// ApproverRole is the role a principal needs to approve (default
	// "approve").
	ApproverRole string `yaml:"approver_role" json:"approver_role"`
	// Timeout is how long a destructive step waits (default 1h).
	Timeout time.Duration `yaml:"-" json:"-"`
	// OnTimeout is reject (default) or fail.
	OnTimeout string `yaml:"on_timeout" json:"on_timeout"`
	// AutoApprove approves every destructive step without asking; only a
	// configuration sets it.
	AutoApprove bool `yaml:"auto_approve" json:"auto_approve"`
	// AutoApproveTest approves destructive steps of test runs (a
	// disaster_recovery of type test acts on clones only).
	AutoApproveTest bool `yaml:"auto_approve_test" json:"auto_approve_test"`
}

func (p Policy) withDefaults() Policy {
	if p.ApproverRole == "" {
		p.ApproverRole = "approve"
	}
	if p.Timeout <= 0 {
		p.Timeout = time.Hour
	}
	if p.OnTimeout == "" {
		p.OnTimeout = "reject"
	}
	return p
}
