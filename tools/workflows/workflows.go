// Package workflows is the workflow toolset: a few generic tools over the
// workflow engine (internal/workflow) to start, follow, approve, cancel and
// schedule scheduled_backup, disaster_recovery, recovery_testing and
// data_recovery runs. The tools are thin: plans, steps, approvals and
// their records live in the engine.
package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Toolset is this package's toolset name.
const Toolset = "workflows"

// Tools returns the workflow tools.
func Tools() []kit.Tool {
	return []kit.Tool{start(), get(), decide(), schedule()}
}

// StepView is a step in a run's timeline.
type StepView struct {
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	Destructive bool    `json:"destructive,omitempty"`
	Attempts    int     `json:"attempts,omitempty"`
	Seconds     float64 `json:"seconds,omitempty"`
	Job         string  `json:"job,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// RunView is a run as the tools show it.
type RunView struct {
	ID         string              `json:"id"`
	Kind       string              `json:"kind"`
	Status     string              `json:"status"`
	Principal  string              `json:"principal,omitempty"`
	Created    string              `json:"created"`
	Progress   string              `json:"progress,omitempty"`
	Plan       []workflow.PlanStep `json:"plan,omitempty"`
	Steps      []StepView          `json:"steps,omitempty"`
	Waiting    *workflow.Waiting   `json:"waiting,omitempty"`
	Approvals  []workflow.Approval `json:"approvals,omitempty"`
	Result     json.RawMessage     `json:"result,omitempty"`
	Error      string              `json:"error,omitempty"`
	NextAction string              `json:"next_action,omitempty"`
}

// Summary leads the text result.
func (r RunView) Summary() string {
	s := fmt.Sprintf("%s %s: %s", r.Kind, r.ID, r.Status)
	if r.Progress != "" && !strings.HasPrefix(r.Status, "succ") {
		s += " (" + r.Progress + ")"
	}
	return s
}

// View renders a run.
func View(r *workflow.Run) RunView {
	v := RunView{ID: r.ID, Kind: r.Kind, Status: string(r.Status), Principal: r.Principal, Created: r.Created.Format(time.RFC3339),
		Progress: r.Progress, Waiting: r.Waiting, Approvals: r.Approvals, Result: r.Result, Error: r.Error}
	if r.Status == workflow.StatusPlanned || r.Status == workflow.StatusWaiting || len(r.Steps) == 0 {
		v.Plan = r.Plan
	}
	for _, s := range r.Steps {
		sv := StepView{Name: s.Name, Status: s.Status, Destructive: s.Destructive, Attempts: s.Attempts, Job: s.Job, Error: s.Error}
		if !s.Ended.IsZero() {
			sv.Seconds = s.Ended.Sub(s.Started).Seconds()
		}
		v.Steps = append(v.Steps, sv)
	}
	switch r.Status {
	case workflow.StatusPlanned:
		v.NextAction = "Show the plan; to act, call workflow_start again without dry_run."
	case workflow.StatusRunning:
		v.NextAction = "Follow with workflow_get id=" + r.ID + "."
	case workflow.StatusWaiting:
		v.NextAction = fmt.Sprintf("Step %s is destructive: show the plan to the user; a principal with role %s approves or rejects it with workflow_decide id=%s before %s.",
			r.Waiting.Step, r.Waiting.ApproverRole, r.ID, r.Waiting.TimeoutAt.Format(time.RFC3339))
	}
	return v
}

func engine(c *kit.Call) (workflow.Orchestrator, error) {
	if c.Env.Workflows == nil {
		return nil, &kit.Error{Kind: kit.KindRefused, Msg: "no workflow engine is running on this server", Hint: "Set workflows.state_file in the config (serve --demo has one)."}
	}
	return c.Env.Workflows, nil
}

// toolError maps engine and operation errors onto tool errors.
func toolError(err error) error {
	var oe *ops.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe):
		k := map[ops.Kind]kit.ErrorKind{ops.KindNotFound: kit.KindNotFound, ops.KindInvalidArgs: kit.KindInvalidArgs,
			ops.KindConflict: kit.KindConflict, ops.KindPrecheck: kit.KindConflict}[oe.Kind]
		if k == "" {
			k = kit.KindBackend
		}
		return &kit.Error{Kind: k, Msg: err.Error(), Err: err}
	case errors.Is(err, workflow.ErrNotFound):
		return &kit.Error{Kind: kit.KindNotFound, Msg: err.Error(), Hint: "workflow_get without id lists the runs."}
	case errors.Is(err, workflow.ErrUnknownKind):
		return kit.InvalidArgs(err.Error())
	case errors.Is(err, workflow.ErrForbidden):
		return kit.Refused(err.Error())
	case errors.Is(err, workflow.ErrNotWaiting), errors.Is(err, workflow.ErrFinished):
		return &kit.Error{Kind: kit.KindConflict, Msg: err.Error()}
	}
	return &kit.Error{Kind: kit.KindBackend, Msg: err.Error(), Err: err}
}

// StartArgs start a run.
type StartArgs struct {
	Kind   string         `json:"kind" jsonschema:"required,enum=scheduled_backup,enum=disaster_recovery,enum=recovery_testing,enum=data_recovery" jsonschema_description:"Workflow"`
	Params map[string]any `json:"params,omitempty" jsonschema_description:"target, volume|vm; label,replicate | type(planned/unplanned/test),dr_target,hooks | type(volume/file/vm/dr),vms,volumes,category,tier | option(clone/file_restore/snaprestore),snapshot,path"`
	DryRun bool           `json:"dry_run,omitempty" jsonschema_description:"Plan only"`
	WaitS  int            `json:"wait_s,omitempty" jsonschema_description:"Wait up to this (default 20 s)."`
}

func start() kit.Tool {
	return kit.Define(kit.Meta{Name: "workflow_start", Title: "Start a workflow", Toolset: Toolset, Tier: safety.Write,
		Description: "Start a durable run; dry_run shows the plan. Destructive steps wait for workflow_decide.",
	}, func(ctx context.Context, c *kit.Call, a StartArgs) (RunView, error) {
		e, err := engine(c)
		if err != nil {
			return RunView{}, err
		}
		params, _ := json.Marshal(a.Params)
		if a.Params == nil {
			params = []byte(`{}`)
		}
		r, err := e.Start(ctx, workflow.StartRequest{Kind: a.Kind, Params: params, DryRun: a.DryRun, Principal: safety.PrincipalFrom(ctx)})
		if err != nil {
			return RunView{}, toolError(err)
		}
		return follow(ctx, c, e, r, a.WaitS)
	})
}

// follow waits for the run to finish or to wait for approval, relaying its
// progress, for at most waitS seconds.
func follow(ctx context.Context, c *kit.Call, e workflow.Orchestrator, r *workflow.Run, waitS int) (RunView, error) {
	if waitS <= 0 {
		waitS = 20
	}
	deadline := time.Now().Add(time.Duration(min(waitS, 120)) * time.Second)
	last, n := "", 0
	emit := func(r *workflow.Run) {
		if r.Progress != "" && r.Progress != last {
			last, n = r.Progress, n+1
			c.Progress(ctx, float64(n), 0, r.Progress)
		}
	}
	emit(r)
	for !r.Status.Finished() && r.Status != workflow.StatusWaiting && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return View(r), nil // the run goes on
		case <-time.After(50 * time.Millisecond):
		}
		nr, err := e.Describe(ctx, r.ID)
		if err != nil {
			return RunView{}, toolError(err)
		}
		r = nr
		emit(r)
	}
	return View(r), nil
}

// GetArgs name a run, or filter the list of runs.
type GetArgs struct {
	ID     string `json:"id,omitempty" jsonschema_description:"A run; omit to list runs, newest first."`
	Kind   string `json:"kind,omitempty" jsonschema_description:"Only this kind"`
	Status string `json:"status,omitempty" jsonschema_description:"Only this status"`
	WaitS  int    `json:"wait_s,omitempty" jsonschema_description:"Wait up to this for the run to progress."`
}

// RunLine is a run in a list.
type RunLine struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Created  string `json:"created"`
	Progress string `json:"progress,omitempty"`
}

// GetResult is one run, or a list of runs.
type GetResult struct {
	*RunView
	Runs []RunLine `json:"runs,omitempty"`
}

// Summary leads the text result.
func (g GetResult) Summary() string {
	if g.RunView != nil {
		return g.RunView.Summary()
	}
	return fmt.Sprintf("%d runs", len(g.Runs))
}

func get() kit.Tool {
	return kit.Define(kit.Meta{Name: "workflow_get", Title: "Get workflow runs", Toolset: Toolset, Tier: safety.Read, ClosedWorld: true,
		Description: "A run's status, step timeline, approvals, result (evidence) and next action; without id, the runs.",
	}, func(ctx context.Context, c *kit.Call, a GetArgs) (GetResult, error) {
		e, err := engine(c)
		if err != nil {
			return GetResult{}, err
		}
		if a.ID == "" {
			runs, err := e.List(ctx, workflow.Filter{Kind: a.Kind, Status: workflow.Status(a.Status), Limit: 50})
			if err != nil {
				return GetResult{}, toolError(err)
			}
			out := GetResult{Runs: []RunLine{}}
			for _, r := range runs {
				out.Runs = append(out.Runs, RunLine{r.ID, r.Kind, string(r.Status), r.Created.Format(time.RFC3339), r.Progress})
			}
			return out, nil
		}
		r, err := e.Describe(ctx, a.ID)
		if err != nil {
			return GetResult{}, toolError(err)
		}
		v := View(r)
		if a.WaitS > 0 {
			if v, err = follow(ctx, c, e, r, a.WaitS); err != nil {
				return GetResult{}, err
			}
		}
		return GetResult{RunView: &v}, nil
	})
}

// DecideArgs decide a run's fate.
type DecideArgs struct {
	ID       string `json:"id" jsonschema:"required" jsonschema_description:"The run id"`
	Decision string `json:"decision" jsonschema:"required,enum=approve,enum=reject,enum=cancel" jsonschema_description:"What to do"`
	Comment  string `json:"comment,omitempty" jsonschema_description:"Why (recorded)"`
}

func decide() kit.Tool {
	return kit.Define(kit.Meta{Name: "workflow_decide", Title: "Approve, reject or cancel a run", Toolset: Toolset, Tier: safety.Write, MayDestroy: true,
		Description: "Approve (confirmed) or reject the destructive step a run waits on, or cancel the run. Recorded with who and when.",
	}, func(ctx context.Context, c *kit.Call, a DecideArgs) (RunView, error) {
		e, err := engine(c)
		if err != nil {
			return RunView{}, err
		}
		who := safety.PrincipalFrom(ctx)
		if a.Decision == "cancel" {
			r, err := e.Cancel(ctx, a.ID, who)
			if err != nil {
				return RunView{}, toolError(err)
			}
			return View(r), nil
		}
		r, err := e.Describe(ctx, a.ID)
		if err != nil {
			return RunView{}, toolError(err)
		}
		if r.Status != workflow.StatusWaiting || r.Waiting == nil {
			return RunView{}, toolError(fmt.Errorf("%w: %s is %s", workflow.ErrNotWaiting, r.ID, r.Status))
		}
		approve := a.Decision == "approve"
		if approve {
			var step workflow.PlanStep
			for _, p := range r.Plan {
				if p.Name == r.Waiting.Step {
					step = p
				}
			}
			action := fmt.Sprintf("Approve %s of %s run %s: %s %v", r.Waiting.Step, r.Kind, r.ID, step.Action, step.Entities)
			if err := c.Confirm(ctx, action, step, map[string]any{"run": r.ID, "seq": r.Waiting.Seq}); err != nil {
				return RunView{}, err
			}
		}
		r, err = e.Decide(ctx, a.ID, who, approve, a.Comment)
		if err != nil {
			return RunView{}, toolError(err)
		}
		return follow(ctx, c, e, r, 20)
	})
}

// ScheduleArgs manage schedules.
type ScheduleArgs struct {
	Action string         `json:"action" jsonschema:"required,enum=list,enum=set,enum=delete" jsonschema_description:"What to do"`
	ID     string         `json:"id,omitempty" jsonschema_description:"Schedule id"`
	Kind   string         `json:"kind,omitempty" jsonschema_description:"Workflow kind"`
	Params map[string]any `json:"params,omitempty" jsonschema_description:"As in workflow_start"`
	Every  string         `json:"every,omitempty" jsonschema_description:"daily, weekly, monthly or a duration"`
}

// Schedules is workflow_schedule's result.
type Schedules struct {
	Schedules []workflow.Schedule `json:"schedules"`
}

// Summary leads the text result.
func (s Schedules) Summary() string { return fmt.Sprintf("%d schedules", len(s.Schedules)) }

func schedule() kit.Tool {
	return kit.Define(kit.Meta{Name: "workflow_schedule", Title: "Manage workflow schedules", Toolset: Toolset, Tier: safety.Write, Idempotent: true,
		Description: "List, set or delete schedules of workflow runs (a daily backup, a monthly drill).",
	}, func(ctx context.Context, c *kit.Call, a ScheduleArgs) (Schedules, error) {
		e, err := engine(c)
		if err != nil {
			return Schedules{}, err
		}
		switch a.Action {
		case "set":
			every, err := workflow.ParseEvery(a.Every)
			if err != nil || a.ID == "" {
				return Schedules{}, kit.InvalidArgs(fmt.Sprintf("set needs id, kind, params and every (%v)", err))
			}
			params, _ := json.Marshal(a.Params)
			if _, err := e.PutSchedule(ctx, workflow.Schedule{ID: a.ID, Kind: a.Kind, Params: params, Every: every, Principal: safety.PrincipalFrom(ctx)}); err != nil {
				return Schedules{}, toolError(err)
			}
		case "delete":
			if err := e.DeleteSchedule(ctx, a.ID); err != nil {
				return Schedules{}, &kit.Error{Kind: kit.KindNotFound, Msg: err.Error()}
			}
		}
		all, err := e.Schedules(ctx)
		if err != nil {
			return Schedules{}, toolError(err)
		}
		if all == nil {
			all = []workflow.Schedule{}
		}
		return Schedules{all}, nil
	})
}
