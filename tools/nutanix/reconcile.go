package nutanix

import (
	"context"
	"fmt"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// lostCreate settles a recovery point create that failed even after the
// same request was re-sent. A definite failure is reported as such;
// otherwise recovery points of that name created since the call began are
// looked up, so the model is never told to retry one that exists: found, it
// is returned with a note saying how the outcome was established.
func lostCreate(ctx context.Context, cl *nutanix.Client, err error, target, name, requestID string, since time.Time) (*nutanix.RecoveryPoint, string, error) {
	what := "create recovery point " + name
	if !nutanix.MayHaveActed(err) {
		return nil, "", backendError(err, target, what)
	}
	rps, lerr := findRecoveryPoints(ctx, cl, name, since)
	switch {
	case lerr != nil:
		return nil, "", &kit.Error{Kind: kit.KindBackend, Err: err,
			Msg:  fmt.Sprintf("%s on %s: the outcome is unknown: the request (NTNX-Request-Id %s) failed twice (%v) and looking the recovery point up failed too (%v)", what, target, requestID, err, lerr),
			Hint: "Prism Central may have carried it out. Do not repeat the call before checking nutanix_list_recovery_points name=" + name + ": a new call is a new request and would make a second recovery point."}
	case len(rps) > 0:
		return &rps[0], fmt.Sprintf("Prism Central's answers were lost (%v); recovery point %s (%s) exists, created since this call began, so the call succeeded", err, name, rps[0].ExtID), nil
	default:
		// Not there yet proves nothing: a task the request started may
		// still be making it.
		return nil, "", &kit.Error{Kind: kit.KindBackend, Err: err,
			Msg:  fmt.Sprintf("%s on %s: the outcome is unknown: every attempt of the request (NTNX-Request-Id %s) went unanswered (%v), and no recovery point named %s exists yet", what, target, requestID, err, name),
			Hint: "A task may still be making it. Do not repeat the call at once: check nutanix_list_recovery_points name=" + name + " in a minute, and call again only if it is still absent (a new call is a new request)."}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// findRecoveryPoints returns the recovery points named name created at or
// after since (less a minute for clock skew between server and Prism
// Central).
func findRecoveryPoints(ctx context.Context, cl *nutanix.Client, name string, since time.Time) ([]nutanix.RecoveryPoint, error) {
	page, err := cl.ListRecoveryPoints(ctx, nutanix.ListOptions{Limit: 10,
		Filter: nutanix.And(nutanix.Eq("name", name), nutanix.Ge("creationTime", since.Add(-time.Minute).UTC()))})
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// Reconcile establishes what became of a Prism Central call cut off by a
// stop: its task, when the audit recorded one, else the recovery point its
// lookup names.
func Reconcile(ctx context.Context, env *kit.Env, u safety.Unfinished) (string, string) {
	t, err := env.Targets.Resolve(config.KindNutanix, u.Target())
	if err != nil {
		return safety.OutcomeUnknown, err.Error()
	}
	cl, err := env.Targets.Nutanix(t)
	if err != nil {
		return safety.OutcomeUnknown, err.Error()
	}
	if st, ok := u.Last(safety.PhaseStarted); ok {
		task, err := cl.GetTask(ctx, st.TaskID)
		if err != nil {
			return safety.OutcomeUnknown, fmt.Sprintf("task %s could not be read: %v", st.TaskID, err)
		}
		return safety.OutcomeFound, fmt.Sprintf("task %s (%s) is %s at %d%%", task.ExtID, task.Operation, task.Status, task.ProgressPercentage)
	}
	send, _ := u.Last(safety.PhaseSending)
	lk := send.Lookup
	switch lk["kind"] {
	case "nutanix_recovery_point":
		rps, err := findRecoveryPoints(ctx, cl, lk["name"], u.Intent().Time)
		switch {
		case err != nil:
			return safety.OutcomeUnknown, fmt.Sprintf("looking up recovery point %s failed: %v", lk["name"], err)
		case len(rps) > 0:
			return safety.OutcomeFound, fmt.Sprintf("recovery point %s (%s) exists", lk["name"], rps[0].ExtID)
		default:
			return safety.OutcomeAbsent, fmt.Sprintf("no recovery point %s was created since the call began", lk["name"])
		}
	case "nutanix_recovery_point_deleted":
		_, err := cl.GetRecoveryPoint(ctx, lk["ext_id"])
		switch {
		case nutanix.IsNotFound(err):
			return safety.OutcomeFound, "recovery point " + lk["ext_id"] + " is deleted"
		case err != nil:
			return safety.OutcomeUnknown, fmt.Sprintf("recovery point %s could not be read: %v", lk["ext_id"], err)
		default:
			return safety.OutcomeAbsent, "recovery point " + lk["ext_id"] + " still exists"
		}
	}
	return safety.OutcomeUnknown, "the change request was sent but its task was not recorded; see list_running_operations on " + t.Name
}
