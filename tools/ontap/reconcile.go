package ontap

import (
	"context"
	"fmt"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// reconcileCreate settles a create whose request failed. A definite
// failure (a 4xx answer, a failed job) is reported as such. When ONTAP may
// have acted (the answer was lost, or a 5xx came back), it waits for any
// job that request may have started (ONTAP names a job by its request,
// "POST /api/storage/volumes"), then looks the object up by its unique
// name before answering, so the model is never told to retry something
// that exists: found, the call succeeded and note says how that was
// established; absent, the error says a retry with the same name is safe
// (a second object of that name cannot be made); lookup failing too, the
// error says to check before retrying.
func reconcileCreate(ctx context.Context, c *kit.Call, cl *ontap.Client, err error, target, what, request, object string, lookup func(context.Context) (bool, error)) (note string, _ error) {
	if !ontap.MayHaveActed(err) {
		return "", backendError(err, target, what)
	}
	c.Progress(ctx, 1, 0, "the answer was lost; checking whether "+object+" was created")
	waitJobsOf(ctx, cl, request)
	exists, lerr := lookup(ctx)
	switch {
	case lerr != nil:
		return "", &kit.Error{Kind: kit.KindBackend, Err: err,
			Msg:  fmt.Sprintf("%s on %s: the outcome is unknown: the request failed (%v) and looking up %s failed too (%v)", what, target, err, object, lerr),
			Hint: "ONTAP may have carried it out. Do not repeat the call before checking that " + object + " does not exist (the matching ontap_list_* tool); a retry with the same name cannot create a second one."}
	case exists:
		return fmt.Sprintf("ONTAP's answer was lost (%v); %s exists, found by its unique name, so the call succeeded", err, object), nil
	default:
		return "", &kit.Error{Kind: kit.KindBackend, Err: err,
			Msg:  fmt.Sprintf("%s on %s failed: %v; %s does not exist, so nothing was created", what, target, err, object),
			Hint: "Call again with the same name when the cluster answers (list_targets): names are unique, so a retry cannot make a second one."}
	}
}

// waitJobsOf waits (bounded by ctx) for the unfinished jobs that requests
// like this one started, so that what they create is visible before it is
// looked up. Errors end the wait: the lookup that follows decides.
func waitJobsOf(ctx context.Context, cl *ontap.Client, request string) {
	jobs, err := cl.ListJobs(ctx, &ontap.ListOptions{Query: map[string]string{"description": request}})
	if err != nil {
		return
	}
	for _, j := range jobs {
		if j.Description == request && j.State != "success" && j.State != "failure" {
			_, _ = cl.WaitJob(ctx, j.UUID, nil)
		}
	}
}

// found turns a lookup's error into whether the object exists.
func found(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case ontap.IsNotFound(err):
		return false, nil
	default:
		return false, err
	}
}

// findSnapshot looks a snapshot up by name on a volume (not found wraps
// ontap.ErrNotFound).
func findSnapshot(ctx context.Context, cl *ontap.Client, volumeUUID, name string) (*ontap.Snapshot, error) {
	snaps, err := cl.ListSnapshots(ctx, volumeUUID, &ontap.ListOptions{Query: map[string]string{"name": name}, Fields: []string{"uuid", "name"}})
	if err != nil {
		return nil, err
	}
	for i := range snaps {
		if snaps[i].Name == name {
			return &snaps[i], nil
		}
	}
	return nil, fmt.Errorf("snapshot %s: %w", name, ontap.ErrNotFound)
}

// Reconcile establishes what became of an ONTAP call cut off by a stop: its
// job, when the audit recorded one, else the object its lookup names.
func Reconcile(ctx context.Context, env *kit.Env, u safety.Unfinished) (string, string) {
	t, err := env.Targets.Resolve(config.KindONTAP, u.Target())
	if err != nil {
		return safety.OutcomeUnknown, err.Error()
	}
	cl, err := env.Targets.ONTAP(t)
	if err != nil {
		return safety.OutcomeUnknown, err.Error()
	}
	if st, ok := u.Last(safety.PhaseStarted); ok {
		j, err := cl.GetJob(ctx, st.TaskID)
		switch {
		case err == nil:
			return safety.OutcomeFound, fmt.Sprintf("job %s (%s) is %s %s", j.UUID, j.Description, j.State, j.Message)
		case !ontap.IsNotFound(err):
			return safety.OutcomeUnknown, fmt.Sprintf("job %s could not be read: %v", st.TaskID, err)
		}
		// ONTAP forgets finished jobs after minutes: look at the object.
	}
	send, _ := u.Last(safety.PhaseSending)
	lk := send.Lookup
	var exists bool
	switch lk["kind"] {
	case "ontap_snapshot":
		_, err = findSnapshot(ctx, cl, lk["volume_uuid"], lk["name"])
	case "ontap_volume":
		_, err = cl.FindVolume(ctx, lk["svm"], lk["name"])
	default:
		return safety.OutcomeUnknown, "the change request was sent but its job was not recorded; see list_running_operations and ontap_list_events on " + t.Name
	}
	exists, err = found(err)
	switch {
	case err != nil:
		return safety.OutcomeUnknown, fmt.Sprintf("looking up %s %s failed: %v", lk["kind"], lk["name"], err)
	case exists:
		return safety.OutcomeFound, fmt.Sprintf("%s %s exists", strings.TrimPrefix(lk["kind"], "ontap_"), lk["name"])
	default:
		return safety.OutcomeAbsent, fmt.Sprintf("%s %s does not exist", strings.TrimPrefix(lk["kind"], "ontap_"), lk["name"])
	}
}
