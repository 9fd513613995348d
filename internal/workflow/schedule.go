package workflow

import (
	"context"
	"fmt"
	"time"
)

// Named intervals a schedule may use besides Go durations.
var namedEvery = map[string]time.Duration{
	"hourly": time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour, "monthly": 30 * 24 * time.Hour,
}

// ParseEvery reads hourly, daily, weekly, monthly or a Go duration of at
// least a minute.
func ParseEvery(s string) (time.Duration, error) {
	if d, ok := namedEvery[s]; ok {
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("every %q: want hourly, daily, weekly, monthly or a duration of at least 1m", s)
	}
	return d, nil
}

// PutSchedule creates or replaces a schedule; its first run is one
// interval from now unless s.Next is set. The parameters are planned now,
// so a schedule that could never run is refused.
func (e *Engine) PutSchedule(ctx context.Context, s Schedule) (*Schedule, error) {
	def, ok := e.defs[s.Kind]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, s.Kind)
	}
	if s.ID == "" || s.Every <= 0 {
		return nil, fmt.Errorf("workflow: a schedule needs an id and an interval")
	}
	if len(s.Params) == 0 {
		s.Params = []byte(`{}`)
	}
	if _, err := def.Plan(ctx, e.o.Activities, s.Params); err != nil {
		return nil, fmt.Errorf("plan %s: %w", s.Kind, err)
	}
	if s.Next.IsZero() {
		s.Next = e.o.Now().Add(s.Every)
	}
	if _, err := e.db.ExecContext(ctx, `INSERT OR REPLACE INTO wf_schedules (id, kind, params, every_seconds, next_at, principal) VALUES (?, ?, ?, ?, ?, ?)`,
		s.ID, s.Kind, string(s.Params), int64(s.Every/time.Second), ms(s.Next), s.Principal); err != nil {
		return nil, fmt.Errorf("workflow: save schedule %s: %w", s.ID, err)
	}
	s.EveryText = s.Every.String()
	return &s, nil
}

// DeleteSchedule removes a schedule (runs it started stay).
func (e *Engine) DeleteSchedule(ctx context.Context, id string) error {
	res, err := e.db.ExecContext(ctx, `DELETE FROM wf_schedules WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("workflow: delete schedule %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("workflow: no schedule %q", id)
	}
	return nil
}

// Schedules lists the schedules by id.
func (e *Engine) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT id, kind, params, every_seconds, next_at, principal, last_run FROM wf_schedules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("workflow: list schedules: %w", err)
	}
	defer rows.Close()
	var out []Schedule
	for rows.Next() {
		var s Schedule
		var params string
		var every, next int64
		if err := rows.Scan(&s.ID, &s.Kind, &params, &every, &next, &s.Principal, &s.LastRun); err != nil {
			return nil, fmt.Errorf("workflow: list schedules: %w", err)
		}
		s.Params, s.Every, s.Next = []byte(params), time.Duration(every)*time.Second, fromMS(next)
		s.EveryText = s.Every.String()
		out = append(out, s)
	}
	return out, rows.Err()
}

// fireSchedules starts the runs of due schedules. A schedule whose next
// time passed while the server was down runs once, not once per missed
// interval. The next time is advanced in the same statement that claims
// the schedule, so a second engine on the same store does not start it
// twice.
func (e *Engine) fireSchedules(ctx context.Context) {
	all, err := e.Schedules(ctx)
	if err != nil || len(all) == 0 {
		return
	}
	now := e.o.Now()
	for _, s := range all {
		if s.Next.After(now) {
			continue
		}
		next := s.Next
		for !next.After(now) {
			next = next.Add(s.Every)
		}
		res, err := e.db.ExecContext(ctx, `UPDATE wf_schedules SET next_at = ? WHERE id = ? AND next_at = ?`, ms(next), s.ID, ms(s.Next))
		if err != nil {
			continue
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue
		}
		r, err := e.Start(ctx, StartRequest{Kind: s.Kind, Params: s.Params, Principal: "schedule:" + s.ID, Schedule: s.ID})
		last := ""
		if err != nil {
			e.o.Logger.Warn("scheduled run not started", "schedule", s.ID, "err", err)
			last = "error: " + err.Error()
		} else {
			last = r.ID
		}
		_, _ = e.db.ExecContext(ctx, `UPDATE wf_schedules SET last_run = ? WHERE id = ?`, last, s.ID)
	}
}
