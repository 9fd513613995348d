package ops

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
)

var extIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ResolveVM finds one VM by ext_id or exact name.
func ResolveVM(ctx context.Context, cl *nutanix.Client, target, ref string) (*nutanix.VM, error) {
	if extIDRE.MatchString(ref) {
		vm, err := cl.GetVM(ctx, ref)
		if err != nil {
			return nil, NutanixError(err, target, "vm "+ref)
		}
		return vm, nil
	}
	vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", ref)})
	if err != nil {
		return nil, NutanixError(err, target, "look up vm "+ref)
	}
	switch len(vms) {
	case 1:
		return &vms[0], nil
	case 0:
		return nil, fail(KindNotFound, nil, "Names are exact and case-sensitive; list them with nutanix_list_vms.", "no vm named %q on %s", ref, target)
	}
	var ids []string
	for _, v := range vms {
		ids = append(ids, v.ExtID)
	}
	return nil, fail(KindInvalidArgs, nil, "Pass the ext_id of the one you mean.", "%d vms are named %q on %s: %s", len(vms), ref, target, strings.Join(ids, ", "))
}

// WaitTask follows a Prism Central task to its end, relaying progress.
func WaitTask(ctx context.Context, cl *nutanix.Client, target, what, taskID string, p Progress) (*nutanix.Task, error) {
	p.say("task %s started", taskID)
	t, err := cl.WaitTask(ctx, taskID, func(tp nutanix.TaskProgress) { p.say("%s", tp.Message) })
	if err != nil {
		return t, NutanixError(err, target, what)
	}
	return t, nil
}

// CreateRecoveryPoint creates a recovery point with the caller's
// NTNX-Request-Id: the caller stores requestID before calling, and a call
// repeated with the same id (after a crash) is answered by Prism Central
// with the first call's task instead of a second recovery point. It
// returns the recovery point's ext_id.
func CreateRecoveryPoint(ctx context.Context, cl *nutanix.Client, target string, spec nutanix.RecoveryPointSpec, requestID string, p Progress) (string, error) {
	if requestID == "" {
		return "", fail(KindInvalidArgs, nil, "", "a recovery point create needs a request id (nutanix.NewRequestID) stored by the caller")
	}
	ref, err := cl.CreateRecoveryPoint(ctx, spec, nutanix.Mutation{RequestID: requestID})
	if err != nil {
		return "", NutanixError(err, target, "create recovery point "+spec.Name)
	}
	t, err := WaitTask(ctx, cl, target, "create recovery point "+spec.Name, ref.ExtID, p)
	if err != nil {
		return "", err
	}
	id := t.RecoveryPointExtID()
	if id == "" {
		return "", fail(KindBackend, nil, "", "task %s on %s succeeded without naming the recovery point", t.ExtID, target)
	}
	return id, nil
}

// NutanixError maps a client error onto an Error that says what failed,
// why (the status and code Prism Central answered) and what to do next.
// The tools and the workflows share it.
func NutanixError(err error, target, what string) error {
	if err == nil {
		return nil
	}
	var oe *Error
	if errors.As(err, &oe) {
		return err
	}
	var te *nutanix.TaskError
	if errors.As(err, &te) {
		return fail(KindBackend, err, "The task ended "+strings.ToLower(te.Status)+"; nothing more will happen. Fix the cause it names, then call again.",
			"%s on %s: %s", what, target, te.Error())
	}
	var ae *nutanix.APIError
	if errors.As(err, &ae) {
		kind, hint := KindBackend, ""
		switch {
		case nutanix.IsNotFound(err):
			kind, hint = KindNotFound, "Check the ext_id or name; list what exists with the matching nutanix_list_* tool."
		case nutanix.IsPreconditionFailed(err):
			kind, hint = KindConflict, "It changed since it was read (ETag mismatch). Read it again and repeat the call if it still makes sense."
		case nutanix.IsUnauthorized(err) || nutanix.IsForbidden(err):
			hint = "Check the username and password source of target " + target + " in the config."
		case nutanix.IsRateLimited(err) || ae.HTTPStatus >= 500:
			hint = "Prism Central is busy or failing; retries were exhausted. Try again in a minute."
		case nutanix.IsBadRequest(err):
			kind, hint = KindInvalidArgs, "Prism Central rejected the request; correct the arguments it names."
		}
		return fail(kind, err, hint, "%s on %s: Prism Central answered HTTP %d %s: %s", what, target, ae.HTTPStatus, ae.Code, ae.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return fail(KindBackend, err, "Check that the target is reachable (list_targets).", "%s on %s: %v", what, target, err)
}

// NewestRecoveryPointOf returns the newest complete recovery point of the
// VM on this Prism Central (on a DR Prism Central: the newest replica),
// and the VM recovery point inside it; nil when there is none.
func NewestRecoveryPointOf(ctx context.Context, cl *nutanix.Client, target, vmExtID string) (*nutanix.RecoveryPoint, *nutanix.VMRecoveryPoint, error) {
	rps, err := cl.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Filter: nutanix.RecoveryPointsOfVM(vmExtID), OrderBy: "creationTime desc"})
	if err != nil {
		return nil, nil, NutanixError(err, target, "list recovery points of vm "+vmExtID)
	}
	var best *nutanix.RecoveryPoint
	for i := range rps {
		rp := &rps[i]
		if rp.Status != "" && rp.Status != "COMPLETE" {
			continue
		}
		if best == nil || rp.CreationTime.After(best.CreationTime) {
			best = rp
		}
	}
	if best == nil {
		return nil, nil, nil
	}
	for i := range best.VMRecoveryPoints {
		if best.VMRecoveryPoints[i].VMExtID == vmExtID {
			return best, &best.VMRecoveryPoints[i], nil
		}
	}
	return best, nil, nil
}

// RestoreVM restores one VM of a recovery point as a new VM named name,
// with the caller's request id (stored before the call: a repeat after a
// crash gets the first call's task), and returns the new VM's ext_id.
func RestoreVM(ctx context.Context, cl *nutanix.Client, target, rpExtID, vmRPExtID, name, requestID string, p Progress) (string, error) {
	if requestID == "" {
		return "", fail(KindInvalidArgs, nil, "", "a restore needs a request id stored by the caller")
	}
	ref, err := cl.RestoreRecoveryPoint(ctx, rpExtID, nutanix.RestoreSpec{VMs: []nutanix.VMRestoreOverride{{VMRecoveryPointExtID: vmRPExtID, Name: name}}},
		nutanix.Mutation{RequestID: requestID})
	if err != nil {
		return "", NutanixError(err, target, "restore recovery point "+rpExtID)
	}
	t, err := WaitTask(ctx, cl, target, "restore recovery point "+rpExtID, ref.ExtID, p)
	if err != nil {
		return "", err
	}
	ids := t.VMExtIDs()
	if len(ids) == 0 {
		return "", fail(KindBackend, nil, "", "restore task %s on %s succeeded without naming the new VM", t.ExtID, target)
	}
	return ids[0], nil
}
