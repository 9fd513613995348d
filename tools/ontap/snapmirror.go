package ontap

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Relationship is a SnapMirror relationship in results. Its name is its
// destination path.
type Relationship struct {
	UUID             string        `json:"uuid"`
	Name             string        `json:"name"`
	Target           string        `json:"target"`
	SourcePath       string        `json:"source_path"`
	SourceCluster    string        `json:"source_cluster,omitempty"`
	DestinationPath  string        `json:"destination_path"`
	State            string        `json:"state"`
	Healthy          *bool         `json:"healthy,omitempty"`
	UnhealthyReasons []string      `json:"unhealthy_reasons,omitempty"`
	Lag              *kit.Duration `json:"lag,omitempty"`
	ExportedSnapshot string        `json:"exported_snapshot,omitempty"`
	Policy           string        `json:"policy,omitempty"`
	PolicyType       string        `json:"policy_type,omitempty"`
	Schedule         string        `json:"schedule,omitempty"`
	LastTransfer     *Transfer     `json:"last_transfer,omitempty"`
}

// Transfer is a SnapMirror transfer in results. Its name is the snapshot
// it moved.
type Transfer struct {
	UUID             string        `json:"uuid,omitempty"`
	Name             string        `json:"name,omitempty"`
	Type             string        `json:"type,omitempty"`
	State            string        `json:"state"`
	BytesTransferred int64         `json:"bytes_transferred"`
	EndTime          string        `json:"end_time,omitempty"`
	LastUpdatedTime  string        `json:"last_updated_time,omitempty"`
	Duration         *kit.Duration `json:"duration,omitempty"`
	Error            string        `json:"error,omitempty"`
}

func isoDuration(d ontap.ISODuration) *kit.Duration {
	if d == "" {
		return nil
	}
	v, err := d.Duration()
	if err != nil {
		return nil
	}
	out := kit.NewDuration(v)
	return &out
}

func relationship(target string, r *ontap.SnapmirrorRelationship) Relationship {
	out := Relationship{UUID: r.UUID, Name: r.Destination.Path, Target: target, SourcePath: r.Source.Path,
		DestinationPath: r.Destination.Path, State: r.State, Healthy: r.Healthy, Lag: isoDuration(r.LagTime),
		ExportedSnapshot: r.ExportedSnapshot}
	if r.Source.Cluster != nil {
		out.SourceCluster = r.Source.Cluster.Name
	}
	for _, u := range r.UnhealthyReason {
		out.UnhealthyReasons = append(out.UnhealthyReasons, fmt.Sprintf("%s (code %s)", u.Message, u.Code))
	}
	if r.Policy != nil {
		out.Policy, out.PolicyType = r.Policy.Name, r.Policy.Type
	}
	if r.TransferSchedule != nil {
		out.Schedule = r.TransferSchedule.Name
	}
	if tr := r.Transfer; tr != nil {
		out.LastTransfer = &Transfer{UUID: tr.UUID, Type: tr.Type, State: tr.State, BytesTransferred: tr.BytesTransferred,
			EndTime: kit.Time(tr.EndTime), LastUpdatedTime: kit.Time(tr.LastUpdatedTime), Duration: isoDuration(tr.TotalDuration)}
	}
	return out
}

func transfer(t *ontap.SnapmirrorTransfer) Transfer {
	out := Transfer{UUID: t.UUID, Name: t.Snapshot, State: t.State, BytesTransferred: t.BytesTransferred,
		EndTime: kit.Time(t.EndTime), LastUpdatedTime: kit.Time(t.LastUpdatedTime), Duration: isoDuration(t.TotalDuration)}
	if t.ErrorInfo != nil && t.ErrorInfo.Message != "" {
		out.Error = fmt.Sprintf("%s (code %d)", t.ErrorInfo.Message, t.ErrorInfo.Code)
	}
	return out
}

// ---- list

// ListSnapmirrorArgs filter relationships.
type ListSnapmirrorArgs struct {
	Target       string `json:"target,omitempty" jsonschema_description:"Default: all."`
	Relationship string `json:"relationship,omitempty" jsonschema_description:"uuid or part of a path."`
	State        string `json:"state,omitempty" jsonschema:"enum=snapmirrored,enum=paused,enum=broken_off,enum=uninitialized" jsonschema_description:"Only this state."`
	Healthy      *bool  `json:"healthy,omitempty" jsonschema_description:"Only healthy or unhealthy ones."`
	Limit        int    `json:"limit,omitempty"`
}

// RelationshipList lists relationships.
type RelationshipList struct {
	kit.List[Relationship]
	Targets []string `json:"targets"`
}

// Summary leads the text result.
func (l RelationshipList) Summary() string {
	unhealthy := 0
	var worst time.Duration
	for _, r := range l.Items {
		if r.Healthy != nil && !*r.Healthy {
			unhealthy++
		}
		if r.Lag != nil && time.Duration(r.Lag.Seconds)*time.Second > worst {
			worst = time.Duration(r.Lag.Seconds) * time.Second
		}
	}
	return fmt.Sprintf("%d of %d SnapMirror relationships on %s (shown: %d unhealthy, largest lag %s)", l.Returned, l.Total, strings.Join(l.Targets, ", "), unhealthy, kit.Human(worst))
}

func listSnapmirror() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_snapmirror", Title: "List SnapMirror", Toolset: Toolset, Tier: safety.Read,
		Description: "List SnapMirror relationships: state, health, lag, last transfer, policy, schedule.",
	}, func(ctx context.Context, c *kit.Call, a ListSnapmirrorArgs) (RelationshipList, error) {
		ts, err := ontapTargets(ctx, c, a.Target)
		if err != nil {
			return RelationshipList{}, err
		}
		all, failed := relationshipsOn(ctx, c, ts)
		if len(failed) == len(ts) {
			return RelationshipList{}, &kit.Error{Kind: kit.KindBackend, Msg: "list SnapMirror relationships: " + strings.Join(failed, "; "),
				Hint: "Check that the targets are reachable (list_targets)."}
		}
		var items []Relationship
		for _, h := range all {
			r := h.Rel
			switch {
			case a.Relationship != "" && r.UUID != a.Relationship && !strings.Contains(r.Source.Path, a.Relationship) && !strings.Contains(r.Destination.Path, a.Relationship):
				continue
			case a.State != "" && r.State != a.State:
				continue
			case a.Healthy != nil && (r.Healthy == nil || *r.Healthy != *a.Healthy):
				continue
			}
			items = append(items, relationship(h.Target.Name, &r))
		}
		sort.SliceStable(items, func(i, j int) bool {
			if items[i].Target != items[j].Target {
				return items[i].Target < items[j].Target
			}
			return items[i].DestinationPath < items[j].DestinationPath
		})
		limit := kit.Limit(a.Limit)
		out := RelationshipList{List: kit.NewList(kit.PageOf(items, 0, limit), len(items), 0, 0)}
		if len(items) > limit {
			out.Truncated = true
			out.Note = "narrow with relationship, state or healthy, or raise limit"
		}
		for _, t := range ts {
			out.Targets = append(out.Targets, t.Name)
		}
		if len(failed) > 0 {
			out.Note = strings.TrimPrefix(out.Note+"; partial: "+strings.Join(failed, "; "), "; ")
		}
		return out, nil
	})
}

// ---- state changes

// RelationshipArgs name a relationship.
type RelationshipArgs struct {
	Target       string `json:"target,omitempty" jsonschema_description:"Default: all."`
	Relationship string `json:"relationship" jsonschema:"required" jsonschema_description:"uuid or svm:volume path."`
}

// RelationshipResult reports an action on a relationship and its state
// after it.
type RelationshipResult struct {
	UUID          string `json:"uuid"`
	Name          string `json:"name"`
	Target        string `json:"target"`
	action        string
	PreviousState string       `json:"previous_state"`
	State         string       `json:"state"`
	Relationship  Relationship `json:"relationship"`
	Transfer      *Transfer    `json:"transfer,omitempty"`
	Job           *JobInfo     `json:"job,omitempty"`
}

func relationshipResult(action, previous string, r Relationship) RelationshipResult {
	return RelationshipResult{UUID: r.UUID, Name: r.Name, Target: r.Target, action: action, PreviousState: previous, State: r.State, Relationship: r}
}

// Summary leads the text result.
func (r RelationshipResult) Summary() string {
	rel := r.Relationship
	s := fmt.Sprintf("SnapMirror %s of %s -> %s on %s: state %s -> %s", r.action, rel.SourcePath, rel.DestinationPath, r.Target, r.PreviousState, r.State)
	if r.Transfer != nil {
		s += fmt.Sprintf("; transfer %s, %s", r.Transfer.State, sizeText(r.Transfer.BytesTransferred))
	}
	if rel.Lag != nil {
		s += ", lag " + rel.Lag.Human
	}
	return s
}

// stateAdvice says what to do instead of action on a relationship in
// state: "" when action is valid there.
func stateAdvice(action, state string) string {
	valid := map[string][]string{
		"update":  {ontap.StateSnapmirrored, ontap.StateUninitialized},
		"quiesce": {ontap.StateSnapmirrored},
		"resume":  {ontap.StatePaused},
		"break":   {ontap.StateSnapmirrored, ontap.StatePaused},
		"resync":  {ontap.StateBrokenOff},
	}
	for _, s := range valid[action] {
		if s == state {
			return ""
		}
	}
	switch state {
	case ontap.StateUninitialized:
		return "It has never been initialized: call ontap_snapmirror_update to run the baseline transfer."
	case ontap.StatePaused:
		if action == "quiesce" {
			return "It is already quiesced; call ontap_snapmirror_resume to restart its scheduled transfers."
		}
		return "It is quiesced: call ontap_snapmirror_resume first."
	case ontap.StateBrokenOff:
		if action == "break" {
			return "It is already broken off and its destination writable; to re-establish replication call ontap_snapmirror_resync."
		}
		return "It is broken off (destination writable, no replication): call ontap_snapmirror_resync to re-establish it; that discards what was written to the destination since."
	case ontap.StateSnapmirrored:
		if action == "resume" {
			return "It is not quiesced, so there is nothing to resume; to transfer now call ontap_snapmirror_update."
		}
		return "It is already replicating, so there is nothing to resync; to transfer now call ontap_snapmirror_update."
	}
	return "Wait for it to settle (ontap_list_snapmirror) or act on it with ONTAP's own tools."
}

// checkState refuses an action that the relationship's state does not
// allow, before anything is sent to ONTAP.
func checkState(action, target string, r *ontap.SnapmirrorRelationship) error {
	advice := stateAdvice(action, r.State)
	if advice == "" {
		return nil
	}
	return &kit.Error{Kind: kit.KindConflict,
		Msg:  fmt.Sprintf("cannot %s SnapMirror relationship %s -> %s on %s: its state is %s", action, r.Source.Path, r.Destination.Path, target, r.State),
		Hint: advice + " Nothing was changed."}
}

// transferRunning refuses an action while a transfer runs.
func transferRunning(action, target string, r *ontap.SnapmirrorRelationship) error {
	if tr := r.Transfer; tr != nil && (tr.State == "queued" || tr.State == "transferring") {
		return &kit.Error{Kind: kit.KindConflict,
			Msg:  fmt.Sprintf("cannot %s SnapMirror relationship %s on %s: transfer %s is %s", action, r.Destination.Path, target, tr.UUID, tr.State),
			Hint: "Wait for it (ontap_list_snapmirror_transfers) and call again. Nothing was changed."}
	}
	return nil
}

// changeState sets a relationship state through a job and waits for it; a
// resync also starts a transfer, which it waits for too.
func changeState(ctx context.Context, c *kit.Call, cl *ontap.Client, t config.Target, rel *ontap.SnapmirrorRelationship, action string,
	set func(...ontap.CallOption) (*ontap.Result, error)) (RelationshipResult, error) {
	what := action + " SnapMirror relationship " + rel.Destination.Path
	res, err := runJob(ctx, c, cl, t.Name, set)
	if err != nil {
		return RelationshipResult{}, backendError(err, t.Name, what)
	}
	job := jobInfo(res)
	var moved *Transfer
	after, err := cl.GetSnapmirrorRelationship(ctx, rel.UUID)
	if err != nil {
		return RelationshipResult{}, backendError(err, t.Name, "read SnapMirror relationship "+rel.Destination.Path)
	}
	tr, ended := after.Transfer, false
	switch {
	case tr == nil || action != "resync":
	case tr.UUID != "" && (tr.State == "queued" || tr.State == "transferring"):
		done, err := waitTransfer(ctx, c, cl, t.Name, rel.UUID, rel.Destination.Path, tr.UUID)
		if err != nil {
			return RelationshipResult{}, backendError(err, t.Name, what)
		}
		x := transfer(done)
		moved = &x
		if after, err = cl.GetSnapmirrorRelationship(ctx, rel.UUID); err != nil {
			return RelationshipResult{}, backendError(err, t.Name, "read SnapMirror relationship "+rel.Destination.Path)
		}
	default:
		// The resync transfer may have ended by the time the job did.
		ended = res != nil && res.Job != nil && !tr.EndTime.IsZero() && !tr.EndTime.Before(res.Job.StartTime)
	}
	out := relationshipResult(action, rel.State, relationship(t.Name, after))
	if ended {
		moved = out.Relationship.LastTransfer
		if moved.State != "success" {
			return RelationshipResult{}, &kit.Error{Kind: kit.KindBackend,
				Msg:  fmt.Sprintf("%s on %s: its %s transfer ended %s: %s", what, t.Name, moved.Type, moved.State, joinOr(out.Relationship.UnhealthyReasons, "no reason given")),
				Hint: "See ontap_list_snapmirror_transfers and ontap_list_events for the cause, fix it, then call ontap_snapmirror_resync again."}
		}
	}
	out.Transfer, out.Job = moved, job
	return out, nil
}

func snapmirrorUpdate() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_snapmirror_update", Title: "Update SnapMirror", Toolset: Toolset, Tier: safety.Write,
		Description: "Run a SnapMirror transfer now (baseline if uninitialized) and wait for it.",
	}, func(ctx context.Context, c *kit.Call, a RelationshipArgs) (RelationshipResult, error) {
		cl, t, rel, err := relSession(ctx, c, a.Target, a.Relationship)
		if err != nil {
			return RelationshipResult{}, err
		}
		if err := checkState("update", t.Name, rel); err != nil {
			return RelationshipResult{}, err
		}
		what := "update SnapMirror relationship " + rel.Destination.Path
		started, err := cl.UpdateSnapmirror(ctx, rel.UUID, ontap.TransferRequest{})
		if err != nil {
			return RelationshipResult{}, backendError(err, t.Name, what)
		}
		done, err := waitTransfer(ctx, c, cl, t.Name, rel.UUID, rel.Destination.Path, started.UUID)
		if err != nil {
			return RelationshipResult{}, backendError(err, t.Name, what)
		}
		after, err := cl.GetSnapmirrorRelationship(ctx, rel.UUID)
		if err != nil {
			return RelationshipResult{}, backendError(err, t.Name, "read SnapMirror relationship "+rel.Destination.Path)
		}
		x := transfer(done)
		out := relationshipResult("update", rel.State, relationship(t.Name, after))
		out.Transfer = &x
		return out, nil
	})
}

func snapmirrorQuiesce() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_snapmirror_quiesce", Title: "Quiesce SnapMirror", Toolset: Toolset, Tier: safety.Write,
		Description: "Quiesce a SnapMirror relationship: scheduled transfers stop until resumed.",
	}, func(ctx context.Context, c *kit.Call, a RelationshipArgs) (RelationshipResult, error) {
		cl, t, rel, err := relSession(ctx, c, a.Target, a.Relationship)
		if err != nil {
			return RelationshipResult{}, err
		}
		if err := checkState("quiesce", t.Name, rel); err != nil {
			return RelationshipResult{}, err
		}
		return changeState(ctx, c, cl, t, rel, "quiesce", func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.QuiesceSnapmirror(ctx, rel.UUID, o...)
		})
	})
}

func snapmirrorResume() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_snapmirror_resume", Title: "Resume SnapMirror", Toolset: Toolset, Tier: safety.Write,
		Description: "Resume a quiesced SnapMirror relationship.",
	}, func(ctx context.Context, c *kit.Call, a RelationshipArgs) (RelationshipResult, error) {
		cl, t, rel, err := relSession(ctx, c, a.Target, a.Relationship)
		if err != nil {
			return RelationshipResult{}, err
		}
		if err := checkState("resume", t.Name, rel); err != nil {
			return RelationshipResult{}, err
		}
		return changeState(ctx, c, cl, t, rel, "resume", func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.ResumeSnapmirror(ctx, rel.UUID, o...)
		})
	})
}

// relPreview is what a break or resync preview shows of the relationship.
func relPreview(t string, r *ontap.SnapmirrorRelationship) map[string]any {
	rr := relationship(t, r)
	return map[string]any{"relationship": rr.UUID, "source": rr.SourcePath, "destination": rr.DestinationPath, "target": t,
		"state": rr.State, "healthy": rr.Healthy, "lag": rr.Lag, "common_snapshot": rr.ExportedSnapshot}
}

func snapmirrorBreak() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_snapmirror_break", Title: "Break SnapMirror", Toolset: Toolset, Tier: safety.Destructive,
		Description: "Break a SnapMirror relationship for failover: the destination turns writable, replication stops.",
	}, func(ctx context.Context, c *kit.Call, a RelationshipArgs) (RelationshipResult, error) {
		cl, t, rel, err := relSession(ctx, c, a.Target, a.Relationship)
		if err != nil {
			return RelationshipResult{}, err
		}
		if err := checkState("break", t.Name, rel); err != nil {
			return RelationshipResult{}, err
		}
		if err := transferRunning("break", t.Name, rel); err != nil {
			return RelationshipResult{}, err
		}
		preview := relPreview(t.Name, rel)
		preview["effect"] = fmt.Sprintf("The destination %s becomes writable (type rw) with the data of the common snapshot, and replication from %s stops: no scheduled or manual updates until ontap_snapmirror_resync, which discards whatever is written to %s meanwhile.",
			rel.Destination.Path, rel.Source.Path, rel.Destination.Path)
		if err := c.Confirm(ctx, fmt.Sprintf("Break SnapMirror relationship %s -> %s on %s: the destination becomes writable and replication stops", rel.Source.Path, rel.Destination.Path, t.Name), preview,
			relEffect(rel, nil)); err != nil {
			return RelationshipResult{}, err
		}
		return changeState(ctx, c, cl, t, rel, "break", func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.BreakSnapmirror(ctx, rel.UUID, "", o...)
		})
	})
}

func snapmirrorResync() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_snapmirror_resync", Title: "Resync SnapMirror", Toolset: Toolset, Tier: safety.Destructive,
		Description: "Resync a broken-off SnapMirror relationship, discarding newer destination data.",
	}, func(ctx context.Context, c *kit.Call, a RelationshipArgs) (RelationshipResult, error) {
		cl, t, rel, err := relSession(ctx, c, a.Target, a.Relationship)
		if err != nil {
			return RelationshipResult{}, err
		}
		if err := checkState("resync", t.Name, rel); err != nil {
			return RelationshipResult{}, err
		}
		preview := relPreview(t.Name, rel)
		since := "the common snapshot " + rel.ExportedSnapshot
		// The destination's snapshots newer than the common one go too.
		discarded := []string{}
		if dst, err := resolveVolume(ctx, cl, t.Name, rel.Destination.Path, ""); err == nil {
			if snaps, err := cl.ListSnapshots(ctx, dst.UUID, &ontap.ListOptions{OrderBy: "create_time"}); err == nil {
				var base time.Time
				for _, s := range snaps {
					if s.Name == rel.ExportedSnapshot {
						base = s.CreateTime
					}
				}
				if !base.IsZero() {
					since += " (" + kit.Time(base) + ")"
					for _, s := range snaps {
						if s.CreateTime.After(base) {
							discarded = append(discarded, s.Name)
						}
					}
				}
			}
		}
		preview["data_discarded"] = fmt.Sprintf("every change written to %s since %s", rel.Destination.Path, since)
		preview["destination_snapshots_deleted"] = discarded
		preview["effect"] = fmt.Sprintf("%s goes back to read-only (dp) and replication from %s resumes with a resync transfer.", rel.Destination.Path, rel.Source.Path)
		if err := c.Confirm(ctx, fmt.Sprintf("Resync SnapMirror relationship %s -> %s on %s, discarding the destination's changes since %s", rel.Source.Path, rel.Destination.Path, t.Name, since), preview,
			relEffect(rel, discarded)); err != nil {
			return RelationshipResult{}, err
		}
		return changeState(ctx, c, cl, t, rel, "resync", func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.ResyncSnapmirror(ctx, rel.UUID, false, o...)
		})
	})
}

// ---- transfers

// ListTransfersArgs name a relationship.
type ListTransfersArgs struct {
	Target       string `json:"target,omitempty" jsonschema_description:"Default: all."`
	Relationship string `json:"relationship" jsonschema:"required" jsonschema_description:"uuid or svm:volume path."`
	Limit        int    `json:"limit,omitempty"`
}

// TransferList lists a relationship's transfers.
type TransferList struct {
	kit.List[Transfer]
	Target      string `json:"target"`
	Destination string `json:"destination_path"`
}

// Summary leads the text result.
func (l TransferList) Summary() string {
	failed := 0
	for _, t := range l.Items {
		if t.State != "success" && t.State != "queued" && t.State != "transferring" {
			failed++
		}
	}
	return fmt.Sprintf("%d of %d transfers of %s on %s, newest first (%d shown failed or aborted)", l.Returned, l.Total, l.Destination, l.Target, failed)
}

func listSnapmirrorTransfers() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_snapmirror_transfers", Title: "List SnapMirror transfers", Toolset: Toolset, Tier: safety.Read,
		Description: "List a SnapMirror relationship's recent transfers, newest first, with errors.",
	}, func(ctx context.Context, c *kit.Call, a ListTransfersArgs) (TransferList, error) {
		h, err := findRelationship(ctx, c, a.Target, a.Relationship)
		if err != nil {
			return TransferList{}, err
		}
		cl, t, err := session(ctx, c, h.Target.Name)
		if err != nil {
			return TransferList{}, err
		}
		trs, err := cl.ListSnapmirrorTransfers(ctx, h.Rel.UUID, nil)
		if err != nil {
			return TransferList{}, backendError(err, t.Name, "list transfers of "+h.Rel.Destination.Path)
		}
		when := func(x *ontap.SnapmirrorTransfer) time.Time {
			if !x.LastUpdatedTime.IsZero() {
				return x.LastUpdatedTime
			}
			return x.EndTime
		}
		sort.SliceStable(trs, func(i, j int) bool { return when(&trs[i]).After(when(&trs[j])) })
		limit := kit.Limit(a.Limit)
		items := make([]Transfer, 0, min(limit, len(trs)))
		for i := range kit.PageOf(trs, 0, limit) {
			items = append(items, transfer(&trs[i]))
		}
		return TransferList{List: kit.NewList(items, len(trs), 0, 0), Target: t.Name, Destination: h.Rel.Destination.Path}, nil
	})
}

// relEffect fingerprints what a break or resync acts on: the relationship's
// state and common snapshot, and the destination snapshots a resync drops.
func relEffect(r *ontap.SnapmirrorRelationship, discarded []string) map[string]any {
	return map[string]any{"relationship": r.UUID, "state": r.State, "common_snapshot": r.ExportedSnapshot, "discarded": discarded}
}
