package workflow

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
)

// Definition is a workflow kind.
type Definition struct {
	Kind        string
	Description string
	// Plan resolves the parameters with read-only calls and returns the
	// steps a run would take; it validates the parameters.
	Plan func(ctx context.Context, a *Activities, params json.RawMessage) ([]PlanStep, error)
	// Run carries the workflow out through x.Step; its result is stored.
	Run func(ctx context.Context, x *Exec, params json.RawMessage) (any, error)
	// Test reports whether a run acts on copies only (auto_approve_test).
	Test func(params json.RawMessage) bool
}

// Options configure the embedded engine.
type Options struct {
	DB          *store.DB
	Activities  *Activities
	Definitions []Definition
	// Policies are the approval policies by workflow kind.
	Policies map[string]Policy
	Now      func() time.Time
	Logger   *slog.Logger
	// Audit receives a record per approval decision and per destructive
	// step outcome (nil: none).
	Audit func(safety.Record)
	// HasRole reports whether a principal holds a role; nil grants every
	// role (a single-user stdio server).
	HasRole func(principal, role string) bool
	// Hook is called at step boundaries and inside steps with points
	// "before:<step>", "inside:<step>", "after:<step>" (crash tests).
	Hook func(point string)
	// Tick is how often timers, schedules and unclaimed runs are checked
	// (default 1s).
	Tick time.Duration
	// Lease is how long an engine's claim on a run lasts without renewal
	// (default 10s): a run whose engine died is taken over after it.
	Lease time.Duration
	// Passive engines record (start dry runs, decide, cancel, schedule)
	// but execute nothing: the CLI uses one beside a running server.
	Passive bool
	// NewID names new runs (nil: run_ and 16 random hex digits). Tests set
	// it so that reports naming runs are reproducible.
	NewID func() string
}

// Engine is the embedded, durable workflow engine.
type Engine struct {
	o       Options
	db      *sql.DB
	defs    map[string]Definition
	mu      sync.Mutex
	running map[string]context.CancelFunc
	owner   string
	base    context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

var _ Orchestrator = (*Engine)(nil)

// New builds an engine over o.DB, applying the journal migrations.
func New(ctx context.Context, o Options) (*Engine, error) {
	if o.DB == nil {
		return nil, errors.New("workflow: no store")
	}
	if err := o.DB.Migrate(ctx, Migrations...); err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewID == nil {
		o.NewID = newRunID
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 10 * time.Second
	}
	if o.Definitions == nil {
		o.Definitions = Definitions()
	}
	e := &Engine{o: o, db: o.DB.SQL(), defs: map[string]Definition{}, running: map[string]context.CancelFunc{}, owner: newRunID()[4:]}
	for _, d := range o.Definitions {
		e.defs[d.Kind] = d
	}
	e.base, e.stop = context.WithCancel(context.Background())
	return e, nil
}

// Resume restarts every unfinished run and starts the timer and schedule
// loop; it returns at once. Close stops both.
func (e *Engine) Resume(ctx context.Context) error {
	if e.o.Passive {
		return nil
	}
	if err := e.claimOrphans(ctx); err != nil {
		return err
	}
	e.wg.Add(1)
	go e.loop()
	return nil
}

// claimOrphans launches the running runs no live engine holds: left by a
// process that stopped, or released by a decision recorded elsewhere.
func (e *Engine) claimOrphans(ctx context.Context) error {
	rows, err := e.db.QueryContext(ctx, `SELECT id FROM wf_runs WHERE status = ? AND (owner = '' OR owner = ? OR lease_until < ?)`,
		StatusRunning, e.owner, ms(time.Now()))
	if err != nil {
		return fmt.Errorf("workflow: find unfinished runs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("workflow: find unfinished runs: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		e.launch(id)
	}
	return nil
}

// claim takes (or renews) this engine's lease on a running run; false
// when another live engine holds it or it is not running.
func (e *Engine) claim(id string) bool {
	now := time.Now() // leases are wall time, whatever clock judges runs
	res, err := e.db.Exec(`UPDATE wf_runs SET owner = ?, lease_until = ? WHERE id = ? AND status = ? AND (owner = '' OR owner = ? OR lease_until < ?)`,
		e.owner, ms(now.Add(e.o.Lease)), id, StatusRunning, e.owner, ms(now))
	if err != nil {
		return false
	}
	n, _ := res.RowsAffected()
	return n == 1
}

// renew extends the leases of the runs this engine executes.
func (e *Engine) renew() {
	_, _ = e.db.Exec(`UPDATE wf_runs SET lease_until = ? WHERE owner = ? AND status = ?`, ms(time.Now().Add(e.o.Lease)), e.owner, StatusRunning)
}

// Close stops the runs in progress and the loop, and releases the runs so
// that the next engine resumes them at once.
func (e *Engine) Close() {
	e.stop()
	e.wg.Wait()
	_, _ = e.db.Exec(`UPDATE wf_runs SET owner = '', lease_until = 0 WHERE owner = ?`, e.owner)
}

// Kinds returns the workflow kinds.
func (e *Engine) Kinds() []Definition { return e.o.Definitions }

func (e *Engine) policy(kind string) Policy { return e.o.Policies[kind].withDefaults() }

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run_" + hex.EncodeToString(b[:])
}

func ms(t time.Time) int64 { return t.UnixMilli() }
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Start plans a run (its parameters are checked and its entities resolved
// now, so a mistake is an error to the caller) and, unless it is a dry run,
// starts it.
func (e *Engine) Start(ctx context.Context, r StartRequest) (*Run, error) {
	def, ok := e.defs[r.Kind]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, r.Kind)
	}
	if len(r.Params) == 0 {
		r.Params = json.RawMessage(`{}`)
	}
	plan, err := def.Plan(ctx, e.o.Activities, r.Params)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", r.Kind, err)
	}
	planJSON, _ := json.Marshal(plan)
	status := StatusRunning
	if r.DryRun {
		status = StatusPlanned
	}
	id, now := e.o.NewID(), ms(e.o.Now())
	if _, err := e.db.ExecContext(ctx, `INSERT INTO wf_runs (id, kind, params, dry_run, status, principal, created_at, updated_at, plan, schedule_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, r.Kind, string(r.Params), r.DryRun, status, r.Principal, now, now, string(planJSON), r.Schedule); err != nil {
		return nil, fmt.Errorf("workflow: record run: %w", err)
	}
	if !r.DryRun {
		e.launch(id)
	}
	return e.Describe(ctx, id)
}

func (e *Engine) launch(id string) {
	if e.o.Passive {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running[id] != nil || e.base.Err() != nil || !e.claim(id) {
		return
	}
	ctx, cancel := context.WithCancel(e.base)
	e.running[id] = cancel
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer func() {
			e.mu.Lock()
			delete(e.running, id)
			e.mu.Unlock()
			cancel()
		}()
		e.execute(ctx, id)
	}()
}

// execute runs (or replays) the run until it finishes or suspends.
func (e *Engine) execute(ctx context.Context, id string) {
	run, err := e.Describe(ctx, id)
	if err != nil {
		e.o.Logger.Error("workflow run not readable", "run", id, "err", err)
		return
	}
	def, ok := e.defs[run.Kind]
	if !ok {
		e.finish(id, StatusFailed, nil, fmt.Errorf("%w %q", ErrUnknownKind, run.Kind))
		return
	}
	x := &journalExec{e: e, run: run, policy: e.policy(run.Kind), steps: map[int]Step{}, approvals: map[int]Approval{}}
	if def.Test != nil {
		x.test = def.Test(run.Params)
	}
	for _, s := range run.Steps {
		x.steps[s.Seq] = s
	}
	for _, a := range run.Approvals {
		x.approvals[a.Seq] = a
	}
	res, err := def.Run(ctx, &Exec{b: x}, run.Params)
	switch {
	case errors.Is(err, errSuspended):
		return
	case ctx.Err() != nil:
		return // cancelled (status already set) or the engine stopped: resume later
	case errors.Is(err, errRejected):
		e.finish(id, StatusRejected, nil, err)
	case err != nil:
		e.finish(id, StatusFailed, nil, err)
	default:
		e.finish(id, StatusSucceeded, res, nil)
	}
}

func (e *Engine) finish(id string, st Status, res any, cause error) {
	var resJSON []byte
	if res != nil {
		resJSON, _ = json.Marshal(res)
	}
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	if _, err := e.db.Exec(`UPDATE wf_runs SET status = ?, result = ?, error = ?, updated_at = ? WHERE id = ? AND status = ?`,
		st, string(resJSON), msg, ms(e.o.Now()), id, StatusRunning); err != nil {
		e.o.Logger.Error("workflow run end not recorded", "run", id, "err", err)
	}
}

// Describe returns the run with its steps and approvals.
func (e *Engine) Describe(ctx context.Context, id string) (*Run, error) {
	r, err := scanRun(e.db.QueryRowContext(ctx, runCols+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("workflow: read run %s: %w", id, err)
	}
	e.fillWaiting(r)
	rows, err := e.db.QueryContext(ctx, `SELECT seq, name, destructive, status, idem_key, job, attempts, output, error, started_at, ended_at FROM wf_steps WHERE run_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("workflow: read steps of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Step
		var out string
		var st, en int64
		if err := rows.Scan(&s.Seq, &s.Name, &s.Destructive, &s.Status, &s.IdemKey, &s.Job, &s.Attempts, &out, &s.Error, &st, &en); err != nil {
			return nil, fmt.Errorf("workflow: read steps of %s: %w", id, err)
		}
		if out != "" {
			s.Output = json.RawMessage(out)
		}
		s.Started, s.Ended = fromMS(st), fromMS(en)
		r.Steps = append(r.Steps, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("workflow: read steps of %s: %w", id, err)
	}
	arows, err := e.db.QueryContext(ctx, `SELECT seq, step, decision, principal, at, comment FROM wf_approvals WHERE run_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("workflow: read approvals of %s: %w", id, err)
	}
	defer arows.Close()
	for arows.Next() {
		var a Approval
		var at int64
		if err := arows.Scan(&a.Seq, &a.Step, &a.Decision, &a.Principal, &at, &a.Comment); err != nil {
			return nil, fmt.Errorf("workflow: read approvals of %s: %w", id, err)
		}
		a.At = fromMS(at)
		r.Approvals = append(r.Approvals, a)
	}
	return r, arows.Err()
}

const runCols = `SELECT id, kind, params, dry_run, status, principal, created_at, updated_at, plan, result, error, progress, waiting_seq, wake_at, schedule_id FROM wf_runs`

type scanner interface{ Scan(...any) error }

func scanRun(row scanner) (*Run, error) {
	var r Run
	var params, plan, result string
	var created, updated, wake int64
	var wseq int
	if err := row.Scan(&r.ID, &r.Kind, &params, &r.DryRun, &r.Status, &r.Principal, &created, &updated, &plan, &result, &r.Error, &r.Progress, &wseq, &wake, &r.Schedule); err != nil {
		return nil, err
	}
	r.Params = json.RawMessage(params)
	if result != "" {
		r.Result = json.RawMessage(result)
	}
	if err := json.Unmarshal([]byte(plan), &r.Plan); err != nil {
		return nil, fmt.Errorf("plan of %s: %w", r.ID, err)
	}
	r.Created, r.Updated = fromMS(created), fromMS(updated)
	if r.Status == StatusWaiting {
		r.Waiting = &Waiting{Seq: wseq, TimeoutAt: fromMS(wake), Step: fmt.Sprintf("step %d", wseq)}
		if n, ok := cutPrefix(r.Progress, waitingNote); ok {
			r.Waiting.Step = n
		}
	}
	return &r, nil
}

// List returns runs, newest first.
func (e *Engine) List(ctx context.Context, f Filter) ([]Run, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q, args := runCols+` WHERE 1=1`, []any{}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY created_at DESC, id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := e.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("workflow: list runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("workflow: list runs: %w", err)
		}
		e.fillWaiting(r)
		out = append(out, *r)
	}
	return out, rows.Err()
}

// Decide approves or rejects the destructive step the run waits on.
func (e *Engine) Decide(ctx context.Context, id, principal string, approve bool, comment string) (*Run, error) {
	r, err := e.Describe(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusWaiting || r.Waiting == nil {
		return r, fmt.Errorf("%w: %s is %s", ErrNotWaiting, id, r.Status)
	}
	pol := e.policy(r.Kind)
	if e.o.HasRole != nil && !e.o.HasRole(principal, pol.ApproverRole) {
		return r, fmt.Errorf("%w %q (%s may not approve %s runs)", ErrForbidden, pol.ApproverRole, principal, r.Kind)
	}
	decision, next := "rejected", StatusRejected
	if approve {
		decision, next = "approved", StatusRunning
	}
	if err := e.decide(ctx, r, decision, principal, comment, next, ""); err != nil {
		return nil, err
	}
	if approve {
		e.launch(id)
	}
	return e.Describe(ctx, id)
}

// decide records a decision on the waiting step and moves the run on,
// only if it still waits on that step (a concurrent decision loses).
func (e *Engine) decide(ctx context.Context, r *Run, decision, principal, comment string, next Status, errMsg string) (err error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("workflow: record decision: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	now := e.o.Now()
	res, err := tx.ExecContext(ctx, `UPDATE wf_runs SET status = ?, error = ?, updated_at = ?, wake_at = 0, owner = '', lease_until = 0 WHERE id = ? AND status = ? AND waiting_seq = ?`,
		next, errMsg, ms(now), r.ID, StatusWaiting, r.Waiting.Seq)
	if err != nil {
		return fmt.Errorf("workflow: record decision: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: %s was decided meanwhile", ErrNotWaiting, r.ID)
	}
	stepName := r.Waiting.Step
	if _, err = tx.ExecContext(ctx, `INSERT INTO wf_approvals (run_id, seq, step, decision, principal, at, comment) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Waiting.Seq, stepName, decision, principal, ms(now), comment); err != nil {
		return fmt.Errorf("workflow: record decision: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("workflow: record decision: %w", err)
	}
	e.audit(safety.Record{Time: now.UTC(), Tool: "workflow:" + r.Kind + "/" + stepName, Tier: safety.Destructive, Principal: principal,
		Phase: safety.PhaseOutcome, Outcome: decision, Message: comment, Args: map[string]any{"run": r.ID}})
	return nil
}

func (e *Engine) fillWaiting(r *Run) {
	if r.Waiting != nil {
		p := e.policy(r.Kind)
		r.Waiting.ApproverRole, r.Waiting.OnTimeout = p.ApproverRole, p.OnTimeout
	}
}

const waitingNote = "waiting for approval of "

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

func (e *Engine) audit(r safety.Record) {
	if e.o.Audit != nil {
		e.o.Audit(r)
	}
}

// Cancel stops a run. A step in progress is interrupted; what it started
// on a backend keeps running there and is named in the run's steps.
func (e *Engine) Cancel(ctx context.Context, id, principal string) (*Run, error) {
	res, err := e.db.ExecContext(ctx, `UPDATE wf_runs SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
		StatusCancelled, "cancelled by "+principal, ms(e.o.Now()), id, StatusRunning, StatusWaiting)
	if err != nil {
		return nil, fmt.Errorf("workflow: cancel %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		r, err := e.Describe(ctx, id)
		if err != nil {
			return nil, err
		}
		return r, fmt.Errorf("%w: %s is %s", ErrFinished, id, r.Status)
	}
	e.mu.Lock()
	if c := e.running[id]; c != nil {
		c()
	}
	e.mu.Unlock()
	e.audit(safety.Record{Time: e.o.Now().UTC(), Tool: "workflow:cancel", Tier: safety.Write, Principal: principal,
		Phase: safety.PhaseOutcome, Outcome: safety.OutcomeCancelled, Args: map[string]any{"run": id}})
	return e.Describe(ctx, id)
}

// loop fires approval timeouts and schedules.
func (e *Engine) loop() {
	defer e.wg.Done()
	t := time.NewTicker(e.o.Tick)
	defer t.Stop()
	for {
		e.renew()
		e.fireTimers(e.base)
		e.fireSchedules(e.base)
		_ = e.claimOrphans(e.base)
		select {
		case <-e.base.Done():
			return
		case <-t.C:
		}
	}
}

func (e *Engine) fireTimers(ctx context.Context) {
	// Only a waiting run reads the clock (Options.Now may be a test's).
	var waiting bool
	if err := e.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM wf_runs WHERE status = ? AND wake_at > 0)`, StatusWaiting).Scan(&waiting); err != nil || !waiting {
		return
	}
	rows, err := e.db.QueryContext(ctx, runCols+` WHERE status = ? AND wake_at > 0 AND wake_at <= ?`, StatusWaiting, ms(e.o.Now()))
	if err != nil {
		return
	}
	var due []*Run
	for rows.Next() {
		if r, err := scanRun(rows); err == nil {
			due = append(due, r)
		}
	}
	rows.Close()
	for _, r := range due {
		pol := e.policy(r.Kind)
		next, msg := StatusRejected, "approval timed out; rejected by policy"
		if pol.OnTimeout == "fail" {
			next, msg = StatusFailed, "approval timed out; failed by policy"
		}
		if err := e.decide(ctx, r, "timed_out", "policy:timeout", msg, next, msg); err != nil && ctx.Err() == nil {
			e.o.Logger.Warn("approval timeout not recorded", "run", r.ID, "err", err)
		}
	}
}
