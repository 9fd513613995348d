// Package ontap is the ontap toolset: NetApp ONTAP volumes and their
// snapshots (list, create, delete, browse, SnapRestore, single-file restore,
// FlexClone), snapshot policies, SnapMirror relationships (list, update,
// quiesce, resume, break, resync, transfers), jobs and data-protection EMS
// events.
//
// Users speak in names: a volume is its name (with svm when the name is in
// several SVMs), "svm:volume" or its uuid; a snapshot is its name or uuid; a
// name that matches several objects is an error listing them. Writes wait
// for their ONTAP job (or SnapMirror transfer), report its polls as progress
// and record the job uuid for the audit record; a job still running at the
// caller's deadline ends the call with the job uuid to follow it with
// ontap_get_job.
//
// SnapMirror relationships live on their destination cluster. The
// SnapMirror tools accept a relationship's uuid, destination path or
// (when unambiguous) source path and, when target is omitted, look for it
// on every configured ONTAP target; ontap_list_volumes looks there too, to
// show where each volume is replicated. Invalid state transitions (resume
// of a relationship that is not quiesced, quiesce of a broken-off one...)
// are refused before any call to ONTAP, naming the current state and the
// tool to call instead.
//
// Safety: ontap_delete_snapshot, ontap_restore_volume and the SnapMirror
// break and resync are destructive. ontap_restore_file and
// ontap_set_volume_snapshot_policy are writes some of whose calls lose data
// (an in-place or overwriting file restore; a policy that keeps fewer
// copies or none): only those calls are confirmed. Operations that cannot
// succeed (deleting a snapshot a FlexClone or SnapMirror holds, restoring
// over one) fail before asking for confirmation, saying what holds it and
// what to do.
package ontap

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Toolset is this toolset's name.
const Toolset = "ontap"

// Tools returns the toolset.
func Tools() []kit.Tool {
	return []kit.Tool{
		listVolumes(), listSnapshots(), createSnapshot(), deleteSnapshot(), listFiles(),
		restoreVolume(), restoreFile(), cloneVolume(), listSnapshotPolicies(), setVolumeSnapshotPolicy(),
		listSnapmirror(), snapmirrorUpdate(), snapmirrorQuiesce(), snapmirrorResume(), snapmirrorBreak(),
		snapmirrorResync(), listSnapmirrorTransfers(), getJob(), listEvents(), protectVolume(),
	}
}

// session resolves the target (taking its write slot for write tools) and
// returns its client.
func session(ctx context.Context, c *kit.Call, target string) (*ontap.Client, config.Target, error) {
	refreshAIQUM(ctx, c)
	t, err := c.Target(ctx, config.KindONTAP, target)
	if err != nil {
		return nil, t, err
	}
	cl, err := c.Env.Targets.ONTAP(t)
	if err != nil {
		return nil, t, err
	}
	return cl, t, nil
}

// refreshAIQUM brings the clusters behind AIQUM targets up to date (cheap
// when fresh); a failure shows in the resolution error of a missing name.
func refreshAIQUM(ctx context.Context, c *kit.Call) {
	if err := c.Env.Targets.Refresh(ctx); err != nil {
		c.Env.Logger.Debug("aiqum discovery", "err", err)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(s string) bool { return uuidRE.MatchString(s) }

// backendError turns a client error into an error the model can act on.
// what names the object or operation ("snapshot daily.x of svm1:vol1").
func backendError(err error, target, what string) error {
	var ke *kit.Error
	if err == nil || errors.As(err, &ke) {
		return err
	}
	return kit.FromOps(ops.ONTAPError(err, target, what))
}

// stillRunning is the error of a call whose deadline came before the end
// of its job or transfer. It does not wrap the context error, so the kit
// keeps its specific hint.
func stillRunning(ctx context.Context, what, target, hint string) error {
	return &kit.Error{Kind: kit.KindTimeout,
		Msg:  fmt.Sprintf("timed out or cancelled (%v) while waiting for %s on %s; it keeps running on the cluster", context.Cause(ctx), what, target),
		Hint: hint}
}

// runJob starts a write without waiting, records its job for the audit
// record, and follows the job to its end, relaying each poll as progress.
// ONTAP may answer synchronously, without a job.
func runJob(ctx context.Context, c *kit.Call, cl *ontap.Client, target string, start func(...ontap.CallOption) (*ontap.Result, error)) (*ontap.Result, error) {
	c.Sending(nil)
	n := 0
	var id string
	res, err := ops.RunJob(ops.WithJobJournal(ctx, callJournal{c, &id}), cl, func(msg string) {
		n++
		c.Progress(ctx, float64(n), 0, msg)
	}, start)
	if err == nil || id == "" {
		return res, err
	}
	if ctx.Err() != nil {
		return res, stillRunning(ctx, "job "+id, target, "Follow it with ontap_get_job uuid="+id+" before retrying.")
	}
	var je *ontap.JobError
	if !errors.As(err, &je) {
		// The job was accepted; only reading its end failed.
		return res, &kit.Error{Kind: kit.KindBackend, Err: err,
			Msg:  fmt.Sprintf("ONTAP accepted the change as job %s on %s, but its outcome could not be read: %v", id, target, err),
			Hint: "It may still complete: follow it with ontap_get_job uuid=" + id + " and do not repeat the call."}
	}
	return res, err
}

// callJournal records the job a tool call started on the call (its audit
// record names it); a tool call never resumes one.
type callJournal struct {
	c  *kit.Call
	id *string
}

func (j callJournal) Started(id string) { *j.id = id; j.c.SetTaskID(id) }
func (j callJournal) Resume() string    { return "" }

// waitTransfer follows a SnapMirror transfer to its end, relaying each poll
// as progress.
func waitTransfer(ctx context.Context, c *kit.Call, cl *ontap.Client, target, relUUID, dest, transferUUID string) (*ontap.SnapmirrorTransfer, error) {
	c.SetTaskID(transferUUID)
	c.Progress(ctx, 0, 0, "transfer "+transferUUID+" started")
	t, err := cl.WaitSnapmirrorTransfer(ctx, relUUID, transferUUID, func(p ontap.TransferProgress) {
		c.Progress(ctx, float64(p.Polls), 0, fmt.Sprintf("transfer %s %s: %s moved", p.UUID, p.State, sizeText(p.BytesTransferred)))
	})
	if err != nil && ctx.Err() != nil {
		return t, stillRunning(ctx, "SnapMirror transfer "+transferUUID+" to "+dest, target,
			"Follow it with ontap_list_snapmirror_transfers relationship="+dest+" before starting another.")
	}
	return t, err
}

// JobInfo is an ONTAP job in results.
type JobInfo struct {
	UUID        string        `json:"uuid"`
	Description string        `json:"description,omitempty"`
	State       string        `json:"state"`
	Message     string        `json:"message,omitempty"`
	Code        int64         `json:"code,omitempty"`
	StartTime   string        `json:"start_time,omitempty"`
	EndTime     string        `json:"end_time,omitempty"`
	Duration    *kit.Duration `json:"duration,omitempty"`
}

func jobInfo(res *ontap.Result) *JobInfo {
	if res == nil || res.Job == nil {
		return nil
	}
	j := res.Job
	ji := &JobInfo{UUID: j.UUID, Description: j.Description, State: j.State, Message: j.Message, Code: j.Code,
		StartTime: kit.Time(j.StartTime), EndTime: kit.Time(j.EndTime)}
	if !j.StartTime.IsZero() && !j.EndTime.IsZero() {
		d := kit.NewDuration(j.EndTime.Sub(j.StartTime))
		ji.Duration = &d
	}
	return ji
}

// sizeText renders a byte count in binary units ("1.5 GiB").
func sizeText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// age is the span from t to now, nil for the zero time.
func age(now, t time.Time) *kit.Duration {
	if t.IsZero() {
		return nil
	}
	d := kit.NewDuration(now.Sub(t))
	return &d
}

// contains builds an ONTAP query pattern matching names that contain s.
func contains(s string) string { return "*" + s + "*" }

func volPath(v *ontap.Volume) string { return v.SVM.Name + ":" + v.Name }

func joinOr(list []string, none string) string {
	if len(list) == 0 {
		return none
	}
	return strings.Join(list, ", ")
}
