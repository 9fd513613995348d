package workflow

// The Temporal engine: the same Definitions run as one Temporal workflow
// type ("recovery.Run"). Each step is a local activity whose function is
// the step itself, so both engines share every activity; Temporal's history
// is the journal (a completed step's output is replayed, never re-run).
// Approvals are signals ("decide") raced against a durable timer; the run's
// state (plan, steps, approvals, progress) is a query ("run"); cron is a
// Temporal Schedule. Nothing of go.temporal.io/server is linked: the SDK
// client and worker only.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	twf "go.temporal.io/sdk/workflow"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// Temporal names.
const (
	TemporalWorkflow = "recovery.Run"
	queryRun         = "run"
	signalDecide     = "decide"
	signalProgress   = "progress"
	// runTaskTimeout is a run's workflow task timeout. A step is a local
	// activity that holds the workflow task open; the worker heartbeats
	// the task at 80% of this, and only then are progress signals applied
	// and queries answered: a short timeout keeps the progress that
	// replicas read (and relay to MCP clients) a few seconds fresh.
	runTaskTimeout = 3 * time.Second
)

// progressNote is an in-step progress message, signalled by the step's
// activity to its run.
type progressNote struct {
	Seq int    `json:"seq"`
	Msg string `json:"msg"`
}

// TemporalInput starts a run on Temporal.
type TemporalInput struct {
	Kind      string          `json:"kind"`
	Params    json.RawMessage `json:"params"`
	DryRun    bool            `json:"dry_run,omitempty"`
	Principal string          `json:"principal"`
	Schedule  string          `json:"schedule,omitempty"`
}

// Decision is the decide signal's payload.
type Decision struct {
	Approve   bool   `json:"approve"`
	Principal string `json:"principal"`
	Comment   string `json:"comment,omitempty"`
}

// TemporalWorker holds what the workflow needs in a worker process.
type TemporalWorker struct {
	Activities  *Activities
	Definitions []Definition
	Policies    map[string]Policy
	// Hook is called with "inside:<step>" as each step's activity starts
	// (crash tests).
	Hook func(point string)
	// Client, when set, relays the steps' own progress messages to their
	// run (a "progress" signal, at most one a second per step), so that
	// the run's progress says what a long step is doing.
	Client client.Client
}

// Register registers the workflow on a worker (or a test environment).
func (w *TemporalWorker) Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(w.Run, twf.RegisterOptions{Name: TemporalWorkflow})
}

func (w *TemporalWorker) def(kind string) (Definition, bool) {
	defs := w.Definitions
	if defs == nil {
		defs = Definitions()
	}
	for _, d := range defs {
		if d.Kind == kind {
			return d, true
		}
	}
	return Definition{}, false
}

// Run is the Temporal workflow.
func (w *TemporalWorker) Run(wctx twf.Context, in TemporalInput) (*Run, error) {
	info := twf.GetInfo(wctx)
	st := &Run{ID: info.WorkflowExecution.ID, Kind: in.Kind, Params: in.Params, DryRun: in.DryRun, Status: StatusRunning,
		Principal: in.Principal, Created: twf.Now(wctx), Schedule: in.Schedule}
	if err := twf.SetQueryHandler(wctx, queryRun, func() (*Run, error) { return st, nil }); err != nil {
		return nil, err
	}
	def, ok := w.def(in.Kind)
	if !ok {
		st.Status, st.Error = StatusFailed, fmt.Sprintf("%v %q", ErrUnknownKind, in.Kind)
		return st, nil
	}
	lctx := twf.WithLocalActivityOptions(wctx, twf.LocalActivityOptions{StartToCloseTimeout: 2 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	var plan []PlanStep
	if err := twf.ExecuteLocalActivity(lctx, func(ctx context.Context) ([]PlanStep, error) {
		return def.Plan(ctx, w.Activities, in.Params)
	}).Get(lctx, &plan); err != nil {
		st.Status, st.Error = StatusFailed, "plan: "+err.Error()
		return st, nil
	}
	st.Plan = plan
	if in.DryRun {
		st.Status = StatusPlanned
		return st, nil
	}
	x := &temporalExec{w: w, wctx: wctx, lctx: lctx, st: st, policy: w.Policies[in.Kind].withDefaults(),
		decisions: twf.GetSignalChannel(wctx, signalDecide)}
	progress := twf.GetSignalChannel(wctx, signalProgress)
	twf.Go(wctx, func(ctx twf.Context) {
		for {
			var n progressNote
			if !progress.Receive(ctx, &n) {
				return
			}
			if n.Seq == x.seq && st.Status == StatusRunning { // a late note of an earlier step says nothing now
				st.Progress = n.Msg
			}
		}
	})
	if def.Test != nil {
		x.test = def.Test(in.Params)
	}
	res, err := def.Run(context.Background(), &Exec{b: x}, in.Params)
	st.Updated = twf.Now(wctx)
	switch {
	case err == nil:
		st.Status = StatusSucceeded
		st.Result, _ = json.Marshal(res)
	case temporal.IsCanceledError(err) || wctx.Err() != nil:
		st.Status, st.Error = StatusCancelled, "cancelled"
	case errors.Is(err, errRejected):
		st.Status, st.Error = StatusRejected, err.Error()
	default:
		st.Status, st.Error = StatusFailed, err.Error()
	}
	return st, nil
}

// temporalExec runs steps as local activities recorded in the history.
type temporalExec struct {
	w         *TemporalWorker
	wctx      twf.Context
	lctx      twf.Context
	st        *Run
	policy    Policy
	test      bool
	seq       int
	decisions twf.ReceiveChannel
}

func (x *temporalExec) runID() string           { return x.st.ID }
func (x *temporalExec) activities() *Activities { return x.w.Activities }
func (x *temporalExec) now() time.Time          { return twf.Now(x.wctx) }
func (x *temporalExec) started() time.Time      { return x.st.Created }

func (x *temporalExec) step(_ context.Context, name string, destructive bool, fn func(context.Context, string, ops.Progress) (any, error)) (json.RawMessage, error) {
	x.seq++
	seq := x.seq
	if destructive {
		if err := x.approval(seq, name); err != nil {
			return nil, err
		}
	}
	var key string
	if err := twf.SideEffect(x.wctx, func(twf.Context) any { return nutanix.NewRequestID() }).Get(&key); err != nil {
		return nil, err
	}
	now := twf.Now(x.wctx)
	x.st.Steps = append(x.st.Steps, Step{Seq: seq, Name: name, Destructive: destructive, Status: "started", IdemKey: key, Attempts: 1, Started: now})
	s := &x.st.Steps[len(x.st.Steps)-1]
	x.st.Progress = name
	var raw json.RawMessage
	err := twf.ExecuteLocalActivity(x.lctx, func(ctx context.Context) (json.RawMessage, error) {
		if x.w.Hook != nil {
			x.w.Hook("inside:" + name)
		}
		out, err := fn(ctx, key, x.relay(seq, name))
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}).Get(x.lctx, &raw)
	s.Ended = twf.Now(x.wctx)
	if err != nil {
		s.Status, s.Error = "failed", err.Error()
		return nil, fmt.Errorf("step %s: %w", name, err)
	}
	s.Status, s.Output = "done", raw
	return raw, nil
}

// relay is the progress callback of step seq: it signals the run, at most
// once a second (a signal is a history event). It runs in the activity,
// outside the workflow's deterministic code.
func (x *temporalExec) relay(seq int, name string) ops.Progress {
	c := x.w.Client
	if c == nil {
		return nil
	}
	id := x.st.ID
	var last time.Time
	return func(msg string) {
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.SignalWorkflow(ctx, id, "", signalProgress, progressNote{Seq: seq, Msg: name + ": " + msg}) // best effort: progress only
	}
}

// approval waits for a decide signal or the policy's timeout.
func (x *temporalExec) approval(seq int, name string) error {
	now := twf.Now(x.wctx)
	if x.policy.AutoApprove || (x.policy.AutoApproveTest && x.test) {
		x.st.Approvals = append(x.st.Approvals, Approval{Seq: seq, Step: name, Decision: "approved", Principal: "policy:auto", At: now})
		return nil
	}
	x.st.Status, x.st.Progress = StatusWaiting, waitingNote+name
	x.st.Waiting = &Waiting{Seq: seq, Step: name, ApproverRole: x.policy.ApproverRole, TimeoutAt: now.Add(x.policy.Timeout), OnTimeout: x.policy.OnTimeout}
	var d Decision
	timedOut := false
	tctx, cancelTimer := twf.WithCancel(x.wctx)
	sel := twf.NewSelector(x.wctx)
	sel.AddReceive(x.decisions, func(c twf.ReceiveChannel, _ bool) { c.Receive(x.wctx, &d) })
	sel.AddFuture(twf.NewTimer(tctx, x.policy.Timeout), func(twf.Future) { timedOut = true })
	sel.Select(x.wctx)
	cancelTimer()
	if err := x.wctx.Err(); err != nil {
		return temporal.NewCanceledError()
	}
	x.st.Waiting = nil
	at := twf.Now(x.wctx)
	switch {
	case timedOut:
		x.st.Approvals = append(x.st.Approvals, Approval{Seq: seq, Step: name, Decision: "timed_out", Principal: "policy:timeout", At: at})
		if x.policy.OnTimeout == "fail" {
			return fmt.Errorf("approval of %s timed out; failed by policy", name)
		}
		return fmt.Errorf("%w: approval of %s timed out", errRejected, name)
	case d.Approve:
		x.st.Approvals = append(x.st.Approvals, Approval{Seq: seq, Step: name, Decision: "approved", Principal: d.Principal, At: at, Comment: d.Comment})
		x.st.Status = StatusRunning
		return nil
	}
	x.st.Approvals = append(x.st.Approvals, Approval{Seq: seq, Step: name, Decision: "rejected", Principal: d.Principal, At: at, Comment: d.Comment})
	return fmt.Errorf("%w: %s rejected by %s", errRejected, name, d.Principal)
}

// TemporalEngine is the Orchestrator over a Temporal cluster. Any number
// of servers may share it: runs, approvals and schedules live in Temporal.
type TemporalEngine struct {
	C         client.Client
	TaskQueue string
	Namespace string
	// Activities plan runs before starting them (so a bad parameter is
	// the caller's error, as with the embedded engine).
	Activities  *Activities
	Definitions []Definition
	HasRole     func(principal, role string) bool
	Policies    map[string]Policy
}

var _ Orchestrator = (*TemporalEngine)(nil)

func (t *TemporalEngine) def(kind string) (Definition, bool) {
	return (&TemporalWorker{Definitions: t.Definitions}).def(kind)
}

// Start plans the run and starts its workflow.
func (t *TemporalEngine) Start(ctx context.Context, r StartRequest) (*Run, error) {
	def, ok := t.def(r.Kind)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, r.Kind)
	}
	if len(r.Params) == 0 {
		r.Params = json.RawMessage(`{}`)
	}
	plan, err := def.Plan(ctx, t.Activities, r.Params)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", r.Kind, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := "run_" + hex.EncodeToString(b[:])
	in := TemporalInput{Kind: r.Kind, Params: r.Params, DryRun: r.DryRun, Principal: r.Principal, Schedule: r.Schedule}
	if _, err := t.C.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: t.TaskQueue, WorkflowTaskTimeout: runTaskTimeout,
		Memo: map[string]any{"kind": r.Kind, "principal": r.Principal}}, TemporalWorkflow, in); err != nil {
		return nil, fmt.Errorf("workflow: start on Temporal: %w", err)
	}
	if r.DryRun {
		return t.describeSoon(ctx, id)
	}
	// A worker may be busy in the first step already, and a query waits
	// for it: answer with what is known.
	return &Run{ID: id, Kind: r.Kind, Params: r.Params, Status: StatusRunning, Principal: r.Principal, Created: time.Now().UTC(),
		Plan: plan, Schedule: r.Schedule}, nil
}

// describeSoon describes a run once its first workflow task has run (the
// query handler exists from then on).
func (t *TemporalEngine) describeSoon(ctx context.Context, id string) (*Run, error) {
	var last error
	for range 50 {
		r, err := t.Describe(ctx, id)
		if err == nil {
			return r, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, last
}

// Describe queries the run's state (a worker answers; Temporal replays a
// closed run's history to do so).
func (t *TemporalEngine) Describe(ctx context.Context, id string) (*Run, error) {
	// A query waits for the worker's current workflow task (a long step
	// holds it up to a heartbeat): bounded, then the execution's status.
	qctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := t.C.QueryWorkflow(qctx, id, "", queryRun)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("%w %q", ErrNotFound, id)
		}
		if ctx.Err() == nil {
			if d, derr := t.C.DescribeWorkflowExecution(ctx, id, ""); derr == nil {
				info := d.GetWorkflowExecutionInfo()
				r := &Run{ID: id, Created: info.GetStartTime().AsTime(), Status: StatusRunning,
					Progress: "state not readable now (" + err.Error() + "); a worker may be busy in a step or down"}
				if p := info.GetMemo().GetFields()["kind"]; p != nil {
					_ = converter.GetDefaultDataConverter().FromPayload(p, &r.Kind)
				}
				if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					r.Status = StatusFailed
				}
				return r, nil
			}
		}
		return nil, fmt.Errorf("workflow: query %s: %w", id, err)
	}
	var r Run
	if err := v.Get(&r); err != nil {
		return nil, fmt.Errorf("workflow: decode %s: %w", id, err)
	}
	if r.Updated.IsZero() {
		r.Updated = r.Created
	}
	return &r, nil
}

// List lists runs, newest first, from Temporal's visibility store.
func (t *TemporalEngine) List(ctx context.Context, f Filter) ([]Run, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	resp, err := t.C.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: t.Namespace, PageSize: int32(f.Limit),
		Query: fmt.Sprintf("WorkflowType = '%s'", TemporalWorkflow)})
	if err != nil {
		return nil, fmt.Errorf("workflow: list on Temporal: %w", err)
	}
	dc := converter.GetDefaultDataConverter()
	var out []Run
	for _, e := range resp.Executions {
		r := Run{ID: e.GetExecution().GetWorkflowId(), Created: e.GetStartTime().AsTime()}
		if p := e.GetMemo().GetFields()["kind"]; p != nil {
			_ = dc.FromPayload(p, &r.Kind)
		}
		if p := e.GetMemo().GetFields()["principal"]; p != nil {
			_ = dc.FromPayload(p, &r.Principal)
		}
		switch e.GetStatus() {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
			r.Status = StatusRunning
			if d, err := t.Describe(ctx, r.ID); err == nil {
				r.Status, r.Progress = d.Status, d.Progress
			}
		case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			r.Status = StatusSucceeded
			if d, err := t.Describe(ctx, r.ID); err == nil {
				r.Status = d.Status
			}
		case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
			r.Status = StatusCancelled
		default:
			r.Status = StatusFailed
		}
		if (f.Kind == "" || f.Kind == r.Kind) && (f.Status == "" || f.Status == r.Status) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Decide signals the decision after checking the role and that the run
// waits.
func (t *TemporalEngine) Decide(ctx context.Context, id, principal string, approve bool, comment string) (*Run, error) {
	r, err := t.Describe(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusWaiting || r.Waiting == nil {
		return r, fmt.Errorf("%w: %s is %s", ErrNotWaiting, id, r.Status)
	}
	role := t.Policies[r.Kind].withDefaults().ApproverRole
	if t.HasRole != nil && !t.HasRole(principal, role) {
		return r, fmt.Errorf("%w %q (%s may not approve %s runs)", ErrForbidden, role, principal, r.Kind)
	}
	if err := t.C.SignalWorkflow(ctx, id, "", signalDecide, Decision{Approve: approve, Principal: principal, Comment: comment}); err != nil {
		return nil, fmt.Errorf("workflow: signal %s: %w", id, err)
	}
	for range 50 { // until the workflow has taken the decision in
		if n, err := t.Describe(ctx, id); err == nil && n.Status != StatusWaiting {
			return n, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return t.Describe(ctx, id)
}

// Cancel cancels the run's workflow.
func (t *TemporalEngine) Cancel(ctx context.Context, id, principal string) (*Run, error) {
	r, err := t.Describe(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status.Finished() {
		return r, fmt.Errorf("%w: %s is %s", ErrFinished, id, r.Status)
	}
	if err := t.C.CancelWorkflow(ctx, id, ""); err != nil {
		return nil, fmt.Errorf("workflow: cancel %s: %w", id, err)
	}
	for range 50 {
		if n, err := t.Describe(ctx, id); err == nil && n.Status.Finished() {
			return n, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return t.Describe(ctx, id)
}

// PutSchedule creates a Temporal Schedule (replacing one of the same id).
func (t *TemporalEngine) PutSchedule(ctx context.Context, s Schedule) (*Schedule, error) {
	def, ok := t.def(s.Kind)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, s.Kind)
	}
	if s.ID == "" || s.Every <= 0 {
		return nil, fmt.Errorf("workflow: a schedule needs an id and an interval")
	}
	if len(s.Params) == 0 {
		s.Params = []byte(`{}`)
	}
	if _, err := def.Plan(ctx, t.Activities, s.Params); err != nil {
		return nil, fmt.Errorf("plan %s: %w", s.Kind, err)
	}
	sc := t.C.ScheduleClient()
	_ = sc.GetHandle(ctx, s.ID).Delete(ctx) // replace
	in := TemporalInput{Kind: s.Kind, Params: s.Params, Principal: "schedule:" + s.ID, Schedule: s.ID}
	if _, err := sc.Create(ctx, client.ScheduleOptions{ID: s.ID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.Every}}},
		Memo: map[string]any{"kind": s.Kind, "every": s.Every.String(), "params": string(s.Params)},
		Action: &client.ScheduleWorkflowAction{ID: "run_" + s.ID, Workflow: TemporalWorkflow, Args: []any{in}, TaskQueue: t.TaskQueue, WorkflowTaskTimeout: runTaskTimeout,
			Memo: map[string]any{"kind": s.Kind, "principal": in.Principal}},
	}); err != nil {
		return nil, fmt.Errorf("workflow: create schedule %s: %w", s.ID, err)
	}
	s.EveryText = s.Every.String()
	return &s, nil
}

// DeleteSchedule deletes the Temporal Schedule.
func (t *TemporalEngine) DeleteSchedule(ctx context.Context, id string) error {
	if err := t.C.ScheduleClient().GetHandle(ctx, id).Delete(ctx); err != nil {
		return fmt.Errorf("workflow: delete schedule %s: %w", id, err)
	}
	return nil
}

// Schedules lists the Temporal Schedules of this workflow type.
func (t *TemporalEngine) Schedules(ctx context.Context) ([]Schedule, error) {
	it, err := t.C.ScheduleClient().List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return nil, fmt.Errorf("workflow: list schedules: %w", err)
	}
	dc := converter.GetDefaultDataConverter()
	var out []Schedule
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("workflow: list schedules: %w", err)
		}
		if e.WorkflowType.Name != TemporalWorkflow {
			continue
		}
		s := Schedule{ID: e.ID}
		var params string
		if f := e.Memo.GetFields(); f != nil {
			_ = dc.FromPayload(f["kind"], &s.Kind)
			_ = dc.FromPayload(f["every"], &s.EveryText)
			_ = dc.FromPayload(f["params"], &params)
		}
		s.Params = json.RawMessage(params)
		s.Every, _ = time.ParseDuration(s.EveryText)
		if len(e.NextActionTimes) > 0 {
			s.Next = e.NextActionTimes[0]
		}
		out = append(out, s)
	}
	return out, nil
}
