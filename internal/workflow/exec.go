package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

var (
	errSuspended = errors.New("workflow: suspended until a decision")
	errRejected  = errors.New("workflow: a destructive step was rejected")
)

// Exec is a run in progress, as its workflow function sees it. Its steps
// are journalled by the engine executing it: the embedded engine's SQLite
// journal, or Temporal's history.
type Exec struct{ b stepper }

// stepper is what an engine provides to run steps.
type stepper interface {
	step(ctx context.Context, name string, destructive bool, fn func(context.Context, string, ops.Progress) (any, error)) (json.RawMessage, error)
	runID() string
	now() time.Time
	started() time.Time
	activities() *Activities
}

// RunID is the run's id (deterministic names derive from it).
func (x *Exec) RunID() string { return x.b.runID() }

// Activities are the operations steps call.
func (x *Exec) Activities() *Activities { return x.b.activities() }

// Now is the engine's time (deterministic under Temporal).
func (x *Exec) Now() time.Time { return x.b.now() }

// Started is when the run was started.
func (x *Exec) Started() time.Time { return x.b.started() }

// Name returns a deterministic backend object name for this run:
// rmcp_<run>_<what> (ONTAP names allow letters, digits and _).
func (x *Exec) Name(what string) string {
	id := []byte(strings.TrimPrefix(x.RunID(), "run_"))
	for i, c := range id { // Temporal schedules add "-<time>" to ids
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			id[i] = '_'
		}
	}
	return "rmcp_" + string(id) + "_" + what
}

// journalExec runs steps against the embedded engine's journal.
type journalExec struct {
	e         *Engine
	run       *Run
	policy    Policy
	test      bool
	seq       int
	steps     map[int]Step
	approvals map[int]Approval
}

func (x *journalExec) runID() string           { return x.run.ID }
func (x *journalExec) activities() *Activities { return x.e.o.Activities }
func (x *journalExec) now() time.Time          { return x.e.o.Now() }
func (x *journalExec) started() time.Time      { return x.run.Created }

// StepFunc acts once; key is the step's idempotency key (a UUID, the
// NTNX-Request-Id of a Nutanix mutation), the same on every attempt.
type StepFunc[T any] func(ctx context.Context, key string, p ops.Progress) (T, error)

// Do runs one journalled step: a step completed before returns its
// journalled output without acting; a destructive step first waits for
// approval.
func Do[T any](ctx context.Context, x *Exec, name string, destructive bool, fn StepFunc[T]) (T, error) {
	var out T
	raw, err := x.b.step(ctx, name, destructive, func(ctx context.Context, key string, p ops.Progress) (any, error) {
		return fn(ctx, key, p)
	})
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("workflow: output of step %s: %w", name, err)
	}
	return out, nil
}

func (x *journalExec) step(ctx context.Context, name string, destructive bool, fn func(context.Context, string, ops.Progress) (any, error)) (json.RawMessage, error) {
	x.seq++
	seq := x.seq
	e := x.e
	prev, had := x.steps[seq]
	if had && prev.Name != name {
		return nil, fmt.Errorf("workflow: run %s replays step %d as %q but the journal has %q (the workflow code changed under a running run)", x.run.ID, seq, name, prev.Name)
	}
	if had && prev.Status == "done" {
		return prev.Output, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A decision or cancel recorded by another process ends this one's
	// execution before the next step acts.
	var st Status
	if err := e.db.QueryRowContext(ctx, `SELECT status FROM wf_runs WHERE id = ?`, x.run.ID).Scan(&st); err != nil {
		return nil, fmt.Errorf("workflow: read run %s: %w", x.run.ID, err)
	}
	if st != StatusRunning {
		return nil, fmt.Errorf("%w: run is %s", errSuspended, st)
	}
	if destructive {
		a, ok := x.approvals[seq]
		switch {
		case ok && a.Decision == "approved":
		case ok:
			return nil, fmt.Errorf("%w: %s was %s by %s", errRejected, name, a.Decision, a.Principal)
		case x.policy.AutoApprove || (x.policy.AutoApproveTest && x.test):
			if err := x.autoApprove(ctx, seq, name); err != nil {
				return nil, err
			}
		default:
			return nil, x.suspend(ctx, seq, name)
		}
	}
	e.hook("before:" + name)
	key := prev.IdemKey
	if key == "" {
		key = nutanix.NewRequestID()
	}
	now := ms(e.o.Now())
	if _, err := e.db.ExecContext(ctx, `INSERT INTO wf_steps (run_id, seq, name, destructive, status, idem_key, attempts, started_at)
		VALUES (?, ?, ?, ?, 'started', ?, 1, ?)
		ON CONFLICT (run_id, seq) DO UPDATE SET attempts = attempts + 1, status = 'started', started_at = excluded.started_at`,
		x.run.ID, seq, name, destructive, key, now); err != nil {
		return nil, fmt.Errorf("workflow: journal step %s: %w", name, err)
	}
	x.progress(ctx, name)
	inside := false
	p := func(msg string) {
		x.progress(ctx, name+": "+msg)
		if !inside {
			inside = true
			e.hook("inside:" + name)
		}
	}
	out, err := fn(ops.WithJobJournal(ctx, &stepJournal{x: x, seq: seq, resume: prev.Job}), key, p)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if _, jerr := e.db.Exec(`UPDATE wf_steps SET status = 'failed', error = ?, ended_at = ? WHERE run_id = ? AND seq = ?`,
			err.Error(), ms(e.o.Now()), x.run.ID, seq); jerr != nil {
			return nil, errors.Join(err, jerr)
		}
		x.auditStep(name, destructive, safety.OutcomeError, err.Error())
		return nil, fmt.Errorf("step %s: %w", name, err)
	}
	e.hook("after:" + name)
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("workflow: output of step %s: %w", name, err)
	}
	if _, err := e.db.ExecContext(ctx, `UPDATE wf_steps SET status = 'done', output = ?, error = '', ended_at = ? WHERE run_id = ? AND seq = ?`,
		string(raw), ms(e.o.Now()), x.run.ID, seq); err != nil {
		return nil, fmt.Errorf("workflow: journal step %s: %w", name, err)
	}
	x.auditStep(name, destructive, safety.OutcomeOK, "")
	return raw, nil
}

func (x *journalExec) auditStep(name string, destructive bool, outcome, msg string) {
	if !destructive {
		return
	}
	x.e.audit(safety.Record{Time: x.e.o.Now().UTC(), Tool: "workflow:" + x.run.Kind + "/" + name, Tier: safety.Destructive,
		Principal: x.run.Principal, Phase: safety.PhaseOutcome, Outcome: outcome, Message: msg, Args: map[string]any{"run": x.run.ID}})
}

func (x *journalExec) progress(ctx context.Context, msg string) {
	_, _ = x.e.db.ExecContext(ctx, `UPDATE wf_runs SET progress = ?, updated_at = ? WHERE id = ?`, msg, ms(x.e.o.Now()), x.run.ID)
}

// suspend makes the run wait for a decision on step seq.
func (x *journalExec) suspend(ctx context.Context, seq int, name string) error {
	e := x.e
	now := e.o.Now()
	res, err := e.db.ExecContext(ctx, `UPDATE wf_runs SET status = ?, waiting_seq = ?, wake_at = ?, progress = ?, updated_at = ? WHERE id = ? AND status = ?`,
		StatusWaiting, seq, ms(now.Add(x.policy.Timeout)), waitingNote+name, ms(now), x.run.ID, StatusRunning)
	if err != nil {
		return fmt.Errorf("workflow: wait for approval of %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ctx.Err() // cancelled meanwhile
	}
	return errSuspended
}

func (x *journalExec) autoApprove(ctx context.Context, seq int, name string) error {
	now := x.e.o.Now()
	if _, err := x.e.db.ExecContext(ctx, `INSERT OR IGNORE INTO wf_approvals (run_id, seq, step, decision, principal, at, comment) VALUES (?, ?, ?, 'approved', 'policy:auto', ?, ?)`,
		x.run.ID, seq, name, ms(now), "auto-approved by the configured policy"); err != nil {
		return fmt.Errorf("workflow: record auto-approval of %s: %w", name, err)
	}
	x.approvals[seq] = Approval{Seq: seq, Step: name, Decision: "approved", Principal: "policy:auto", At: now}
	x.e.audit(safety.Record{Time: now.UTC(), Tool: "workflow:" + x.run.Kind + "/" + name, Tier: safety.Destructive, Principal: "policy:auto",
		Phase: safety.PhaseOutcome, Outcome: "approved", Args: map[string]any{"run": x.run.ID}})
	return nil
}

func (e *Engine) hook(point string) {
	if e.o.Hook != nil {
		e.o.Hook(point)
	}
}

// stepJournal records in the step's row the job an attempt started.
type stepJournal struct {
	x      *journalExec
	seq    int
	resume string
}

func (j *stepJournal) Started(id string) {
	if _, err := j.x.e.db.Exec(`UPDATE wf_steps SET job = ? WHERE run_id = ? AND seq = ?`, id, j.x.run.ID, j.seq); err != nil {
		j.x.e.o.Logger.Warn("job of a step not journalled", "run", j.x.run.ID, "step", j.seq, "err", err)
	}
}

func (j *stepJournal) Resume() string {
	id := j.resume
	j.resume = ""
	return id
}
