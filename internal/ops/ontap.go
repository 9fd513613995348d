package ops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s is a UUID (ONTAP object ids are).
func IsUUID(s string) bool { return uuidRE.MatchString(s) }

// VolPath is "svm:volume".
func VolPath(v *ontap.Volume) string { return v.SVM.Name + ":" + v.Name }

// ResolveVolume finds one volume by uuid, "svm:name" or name (in svm when
// given). A name in several SVMs is an error listing them.
func ResolveVolume(ctx context.Context, cl *ontap.Client, target, ref, svm string) (*ontap.Volume, error) {
	if IsUUID(ref) {
		v, err := cl.GetVolume(ctx, ref)
		if err != nil {
			return nil, ONTAPError(err, target, "volume "+ref)
		}
		if svm != "" && v.SVM.Name != svm {
			return nil, fail(KindNotFound, nil, "", "volume %s is %s, not in SVM %s", ref, VolPath(v), svm)
		}
		return v, nil
	}
	if s, n, ok := strings.Cut(ref, ":"); ok {
		if svm != "" && svm != s {
			return nil, fail(KindInvalidArgs, nil, "", "volume %q names SVM %s but svm is %s", ref, s, svm)
		}
		svm, ref = s, n
	}
	q := map[string]string{"name": ref}
	if svm != "" {
		q["svm.name"] = svm
	}
	vols, err := cl.ListVolumes(ctx, &ontap.ListOptions{Query: q})
	if err != nil {
		return nil, ONTAPError(err, target, "look up volume "+ref)
	}
	var hits []ontap.Volume
	for _, v := range vols {
		if v.Name == ref { // the query is a pattern on ONTAP
			hits = append(hits, v)
		}
	}
	switch len(hits) {
	case 1:
		return &hits[0], nil
	case 0:
		where := ""
		if svm != "" {
			where = " in SVM " + svm
		}
		return nil, fail(KindNotFound, nil, "Names are exact and case-sensitive; list them with ontap_list_volumes.", "no volume named %q%s on %s", ref, where, target)
	}
	var cands []string
	for i := range hits {
		cands = append(cands, VolPath(&hits[i]))
	}
	return nil, fail(KindInvalidArgs, nil, "Pass svm, or the volume as svm:volume or by uuid.", "%d volumes are named %q on %s: %s", len(hits), ref, target, strings.Join(cands, ", "))
}

// FindVolume returns the volume svm:name, or nil when there is none.
func FindVolume(ctx context.Context, cl *ontap.Client, target, svm, name string) (*ontap.Volume, error) {
	v, err := ResolveVolume(ctx, cl, target, name, svm)
	if KindOf(err) == KindNotFound {
		return nil, nil
	}
	return v, err
}

// FindSnapshot returns the snapshot of the volume with this exact name, or
// nil when there is none.
func FindSnapshot(ctx context.Context, cl *ontap.Client, target, volumeUUID, name string) (*ontap.Snapshot, error) {
	snaps, err := cl.ListSnapshots(ctx, volumeUUID, &ontap.ListOptions{Query: map[string]string{"name": name}})
	if err != nil {
		return nil, ONTAPError(err, target, "look up snapshot "+name)
	}
	for i := range snaps {
		if snaps[i].Name == name {
			return &snaps[i], nil
		}
	}
	return nil, nil
}

// ListSnapshots returns the volume's snapshots, oldest first as ONTAP
// lists them.
func ListSnapshots(ctx context.Context, cl *ontap.Client, target string, v *ontap.Volume) ([]ontap.Snapshot, error) {
	snaps, err := cl.ListSnapshots(ctx, v.UUID, &ontap.ListOptions{Fields: []string{"uuid", "name", "create_time", "state", "size", "snapmirror_label"}})
	if err != nil {
		return nil, ONTAPError(err, target, "list snapshots of "+VolPath(v))
	}
	return snaps, nil
}

// RunJob starts a write without waiting and follows its job to the end,
// relaying each poll to p. ONTAP may answer synchronously, without a job.
// With a JobJournal in ctx, the job is recorded as soon as ONTAP names it,
// and a job recorded by an earlier attempt is followed instead of starting
// the write again.
func RunJob(ctx context.Context, cl *ontap.Client, p Progress, start func(...ontap.CallOption) (*ontap.Result, error)) (*ontap.Result, error) {
	j := journalFrom(ctx)
	var res *ontap.Result
	if j != nil {
		if id := j.Resume(); id != "" {
			if _, err := cl.GetJob(ctx, id); err == nil {
				res = &ontap.Result{Job: &ontap.Job{UUID: id}}
				p.say("job %s resumed", id)
			}
		}
	}
	if res == nil {
		var err error
		res, err = start(ontap.NoWait())
		if err != nil || res == nil || res.Job == nil || res.Job.UUID == "" {
			return res, err
		}
		if j != nil {
			j.Started(res.Job.UUID)
		}
		p.say("job %s started", res.Job.UUID)
	}
	id := res.Job.UUID
	job, err := cl.WaitJob(ctx, id, func(jp ontap.JobProgress) {
		p.say("job %s %s: %s", id, jp.State, jp.Message)
	})
	if job != nil {
		res.Job = job
	}
	return res, err
}

// EnsureSnapshot takes the snapshot s.Name of v unless it exists already
// (a re-run after a crash finds its own snapshot). It reports whether this
// call created it.
func EnsureSnapshot(ctx context.Context, cl *ontap.Client, target string, v *ontap.Volume, s ontap.SnapshotCreate, p Progress) (*ontap.Snapshot, bool, error) {
	if have, err := FindSnapshot(ctx, cl, target, v.UUID, s.Name); err != nil || have != nil {
		return have, false, err
	}
	_, err := RunJob(ctx, cl, p, func(o ...ontap.CallOption) (*ontap.Result, error) { return cl.CreateSnapshot(ctx, v.UUID, s, o...) })
	if err != nil && !ontap.IsAlreadyExists(err) {
		return nil, false, ONTAPError(err, target, "snapshot "+s.Name+" of "+VolPath(v))
	}
	snap, err := FindSnapshot(ctx, cl, target, v.UUID, s.Name)
	if err == nil && snap == nil {
		err = fail(KindBackend, nil, "", "snapshot %s of %s was not found after its job succeeded", s.Name, VolPath(v))
	}
	return snap, err == nil, err
}

// EnsureClone makes the FlexClone svm:name of parent from snapshot unless a
// volume of that name exists already; an existing volume that is not a
// clone of parent is a conflict, never reused.
func EnsureClone(ctx context.Context, cl *ontap.Client, target string, parent *ontap.Volume, snapshot, name string, p Progress) (*ontap.Volume, bool, error) {
	have, err := FindVolume(ctx, cl, target, parent.SVM.Name, name)
	if err != nil {
		return nil, false, err
	}
	if have != nil {
		got, err := cl.GetVolume(ctx, have.UUID, "uuid", "name", "svm", "state", "clone")
		if err != nil {
			return nil, false, ONTAPError(err, target, "volume "+name)
		}
		if got.Clone == nil || got.Clone.ParentVolume == nil || got.Clone.ParentVolume.UUID != parent.UUID {
			return nil, false, fail(KindConflict, nil, "Choose another clone name or remove that volume.", "volume %s:%s exists and is not a clone of %s", parent.SVM.Name, name, VolPath(parent))
		}
		return got, false, nil
	}
	req := ontap.CloneRequest{Name: name, SVMName: parent.SVM.Name, ParentVolumeUUID: parent.UUID, ParentSnapshotName: snapshot}
	_, err = RunJob(ctx, cl, p, func(o ...ontap.CallOption) (*ontap.Result, error) { return cl.CloneVolume(ctx, req, o...) })
	if err != nil && !ontap.IsAlreadyExists(err) {
		return nil, false, ONTAPError(err, target, "clone "+name+" of "+VolPath(parent))
	}
	v, err := FindVolume(ctx, cl, target, parent.SVM.Name, name)
	if err == nil && v == nil {
		err = fail(KindBackend, nil, "", "clone %s:%s was not found after its job succeeded", parent.SVM.Name, name)
	}
	return v, err == nil, err
}

// DeleteVolumeIfExists deletes svm:name when it exists; it reports whether
// this call deleted it.
func DeleteVolumeIfExists(ctx context.Context, cl *ontap.Client, target, svm, name string, p Progress) (bool, error) {
	v, err := FindVolume(ctx, cl, target, svm, name)
	if err != nil || v == nil {
		return false, err
	}
	_, err = RunJob(ctx, cl, p, func(o ...ontap.CallOption) (*ontap.Result, error) { return cl.DeleteVolume(ctx, v.UUID, o...) })
	if err != nil && !ontap.IsNotFound(err) {
		return false, ONTAPError(err, target, "delete volume "+svm+":"+name)
	}
	return true, nil
}

// SampleFiles returns up to n files of the volume's root directory (of the
// snapshot when given), descending one level into directories.
func SampleFiles(ctx context.Context, cl *ontap.Client, target, volumeUUID, snapshot string, n int) ([]ontap.FileInfo, error) {
	list := func(path string) ([]ontap.FileInfo, error) {
		opts := &ontap.ListOptions{Fields: []string{"name", "type", "size", "modified_time"}}
		if snapshot != "" {
			return cl.ListSnapshotFiles(ctx, volumeUUID, snapshot, path, opts)
		}
		return cl.ListFiles(ctx, volumeUUID, path, opts)
	}
	root, err := list("/")
	if err != nil {
		return nil, ONTAPError(err, target, "list files")
	}
	var out []ontap.FileInfo
	for _, f := range root {
		if len(out) >= n {
			break
		}
		switch {
		case f.Name == "." || f.Name == ".." || f.Name == ".snapshot":
		case f.Type == "file":
			f.Path = "/" + f.Name
			out = append(out, f)
		case f.Type == "directory":
			sub, err := list("/" + f.Name)
			if err != nil {
				return nil, ONTAPError(err, target, "list files of /"+f.Name)
			}
			for _, s := range sub {
				if s.Type == "file" && len(out) < n {
					s.Path = "/" + f.Name + "/" + s.Name
					out = append(out, s)
				}
			}
		}
	}
	return out, nil
}

// MirrorOf returns the SnapMirror relationship, held on the destination
// cluster cl, whose source is sourcePath ("svm:volume"); nil when none.
func MirrorOf(ctx context.Context, cl *ontap.Client, target, sourcePath string) (*ontap.SnapmirrorRelationship, error) {
	rels, err := cl.ListSnapmirrorRelationships(ctx, &ontap.ListOptions{Query: map[string]string{"source.path": sourcePath}})
	if err != nil {
		return nil, ONTAPError(err, target, "look up the SnapMirror relationship of "+sourcePath)
	}
	for i := range rels {
		if rels[i].Source.Path == sourcePath {
			return &rels[i], nil
		}
	}
	return nil, nil
}

// UpdateMirror transfers the newest source data to the destination and
// waits for the transfer.
func UpdateMirror(ctx context.Context, cl *ontap.Client, target string, rel *ontap.SnapmirrorRelationship, p Progress) (*ontap.SnapmirrorTransfer, error) {
	j := journalFrom(ctx)
	trID := ""
	if j != nil {
		trID = j.Resume()
	}
	if trID == "" {
		tr, err := cl.UpdateSnapmirror(ctx, rel.UUID, ontap.TransferRequest{})
		if err != nil {
			return nil, ONTAPError(err, target, "SnapMirror update of "+rel.Destination.Path)
		}
		trID = tr.UUID
		if j != nil {
			j.Started(trID)
		}
	}
	p.say("transfer %s to %s started", trID, rel.Destination.Path)
	done, err := cl.WaitSnapmirrorTransfer(ctx, rel.UUID, trID, func(tp ontap.TransferProgress) {
		p.say("transfer %s %s: %d bytes", tp.UUID, tp.State, tp.BytesTransferred)
	})
	if err != nil {
		return done, ONTAPError(err, target, "SnapMirror update of "+rel.Destination.Path)
	}
	return done, nil
}

// SetMirrorState moves the relationship to state (paused, broken_off,
// snapmirrored) unless it is there already; it reports whether it acted.
func SetMirrorState(ctx context.Context, cl *ontap.Client, target string, rel *ontap.SnapmirrorRelationship, state string, p Progress) (bool, error) {
	cur, err := cl.GetSnapmirrorRelationship(ctx, rel.UUID)
	if err != nil {
		return false, ONTAPError(err, target, "SnapMirror relationship "+rel.Destination.Path)
	}
	if cur.State == state {
		return false, nil
	}
	_, err = RunJob(ctx, cl, p, func(o ...ontap.CallOption) (*ontap.Result, error) {
		return cl.SetSnapmirrorState(ctx, rel.UUID, state, nil, o...)
	})
	if err != nil {
		return false, ONTAPError(err, target, fmt.Sprintf("set %s to %s", rel.Destination.Path, state))
	}
	return true, nil
}

// SpaceCheck is the preflight of a snapshot: the volume is online and
// writable, and has at least minFreePct of its size free.
func SpaceCheck(v *ontap.Volume, minFreePct int64) error {
	if v.State != "" && v.State != "online" {
		return fail(KindPrecheck, nil, "Bring it online first.", "volume %s is %s", VolPath(v), v.State)
	}
	if v.Space != nil && v.Space.Size > 0 {
		free := v.Space.Available * 100 / v.Space.Size
		if free < minFreePct {
			return fail(KindPrecheck, nil, "Grow the volume or delete old snapshots first.", "volume %s has %d%% free, below the %d%% headroom required", VolPath(v), free, minFreePct)
		}
	}
	return nil
}

// ONTAPError maps a client error onto an Error that says what failed
// (what names the object or operation), why (the backend's status and
// code) and what to do next. The tools and the workflows share it.
func ONTAPError(err error, target, what string) error {
	if err == nil {
		return nil
	}
	var oe *Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var je *ontap.JobError
	if errors.As(err, &je) && je.Job != nil {
		msg := je.Job.Message
		if msg == "" && je.Job.Error != nil {
			msg = je.Job.Error.Message
		}
		if ontap.IsBusy(err) {
			return fail(KindConflict, err, "Something holds the object (a FlexClone, SnapMirror, an expiry time or another operation); find what with ontap_list_snapshots, then call again.",
				"%s on %s: job %s failed: %s (code %s)", what, target, je.Job.UUID, msg, ontap.ErrorCode(err))
		}
		return fail(KindBackend, err, "The job ended in failure; nothing more will happen. Fix the cause it names, then call again.",
			"%s on %s: job %s failed: %s (code %s)", what, target, je.Job.UUID, msg, ontap.ErrorCode(err))
	}
	var te *ontap.TransferError
	if errors.As(err, &te) && te.Transfer != nil {
		msg := fmt.Sprintf("transfer %s ended %s", te.Transfer.UUID, te.Transfer.State)
		if te.Transfer.ErrorInfo != nil {
			msg += fmt.Sprintf(": %s (code %d)", te.Transfer.ErrorInfo.Message, te.Transfer.ErrorInfo.Code)
		}
		return fail(KindBackend, err, "The relationship is now unhealthy. See ontap_list_snapmirror_transfers and ontap_list_events for the cause, fix it, then call ontap_snapmirror_update again.",
			"%s on %s: %s", what, target, msg)
	}
	var ae *ontap.APIError
	if errors.As(err, &ae) {
		detail := ae.Message
		if ae.Code != "" {
			detail += " (code " + ae.Code + ")"
		}
		kind, hint := KindBackend, ""
		switch {
		case ontap.IsNotFound(err):
			kind, hint = KindNotFound, "Check the name or uuid; list what exists with the matching ontap_list_* tool."
		case ontap.IsUnauthorized(err) || ontap.IsForbidden(err):
			hint = "Check the username and password source of target " + target + " in the config, and the user's role on the cluster."
		case ontap.IsTransferInProgress(err):
			kind, hint = KindConflict, "A SnapMirror transfer is running; wait for it (ontap_list_snapmirror_transfers) and call again."
		case ontap.IsBusy(err) || ontap.IsAlreadyExists(err) || ontap.IsConflict(err):
			kind, hint = KindConflict, "Resolve the conflict ONTAP names, then call again."
		case ae.HTTPStatus == http.StatusTooManyRequests || ae.HTTPStatus >= 500:
			hint = "The cluster is busy or failing; retries were exhausted where they were safe. Try again in a minute."
		case ae.HTTPStatus == http.StatusBadRequest:
			kind, hint = KindInvalidArgs, "ONTAP rejected the request; correct what it names."
		}
		return fail(kind, err, hint, "%s on %s: ONTAP answered HTTP %d: %s", what, target, ae.HTTPStatus, detail)
	}
	if errors.Is(err, ontap.ErrNotFound) {
		return fail(KindNotFound, err, "List what exists with the matching ontap_list_* tool.", "%s on %s: %v", what, target, err)
	}
	return fail(KindBackend, err, "Check that the target is reachable (list_targets).", "%s on %s: %v", what, target, err)
}
