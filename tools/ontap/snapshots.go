package ontap

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Snapshot is a snapshot in results.
type Snapshot struct {
	UUID            string       `json:"uuid"`
	Name            string       `json:"name"`
	CreateTime      string       `json:"create_time,omitempty"`
	Age             kit.Duration `json:"age"`
	ExpiryTime      string       `json:"expiry_time,omitempty"`
	SnapmirrorLabel string       `json:"snapmirror_label,omitempty"`
	Comment         string       `json:"comment,omitempty"`
	SizeBytes       int64        `json:"size_bytes"`
	State           string       `json:"state,omitempty"`
	Owners          []string     `json:"owners,omitempty"`
	Clones          []string     `json:"clones,omitempty"`
	// Busy says what keeps the snapshot from being deleted now.
	Busy string `json:"busy,omitempty"`
}

func snapshot(s *ontap.Snapshot, now time.Time, clones []string) Snapshot {
	out := Snapshot{UUID: s.UUID, Name: s.Name, CreateTime: kit.Time(s.CreateTime), ExpiryTime: kit.Time(s.ExpiryTime),
		SnapmirrorLabel: s.SnapmirrorLabel, Comment: s.Comment, SizeBytes: s.Size, State: s.State, Owners: s.Owners, Clones: clones}
	if !s.CreateTime.IsZero() {
		out.Age = kit.NewDuration(now.Sub(s.CreateTime))
	}
	out.Busy = busyReason(s, now, clones)
	return out
}

// busyReason says why ONTAP would refuse to delete s now ("" if nothing
// holds it).
func busyReason(s *ontap.Snapshot, now time.Time, clones []string) string {
	var why []string
	if len(clones) > 0 {
		why = append(why, "backs FlexClone "+strings.Join(clones, ", ")+": split or delete the clone first")
	}
	for _, o := range s.Owners {
		switch {
		case o == "volume_clone" && len(clones) > 0:
		case o == "volume_clone":
			why = append(why, "backs a FlexClone: split or delete the clone first")
		case strings.HasPrefix(o, "snapmirror"):
			why = append(why, "SnapMirror common snapshot: needed for incremental updates")
		default:
			why = append(why, "owned by "+o)
		}
	}
	if s.ExpiryTime.After(now) {
		why = append(why, "locked until its expiry time "+kit.Time(s.ExpiryTime))
	}
	return strings.Join(why, "; ")
}

// ---- list

// ListSnapshotsArgs name a volume and filter its snapshots.
type ListSnapshotsArgs struct {
	Target string `json:"target,omitempty"`
	Volume string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM    string `json:"svm,omitempty"`
	Name   string `json:"name,omitempty" jsonschema_description:"Name contains this."`
	Limit  int    `json:"limit,omitempty"`
	Page   int    `json:"page,omitempty"`
}

// SnapshotList is a page of a volume's snapshots.
type SnapshotList struct {
	kit.List[Snapshot]
	Target string `json:"target"`
	Volume string `json:"volume"`
}

// Summary leads the text result.
func (l SnapshotList) Summary() string {
	s := fmt.Sprintf("%d of %d snapshots of %s on %s, newest first", l.Returned, l.Total, l.Volume, l.Target)
	if len(l.Items) > 0 {
		s += fmt.Sprintf(" (newest %s, %s old)", l.Items[0].Name, l.Items[0].Age.Human)
	}
	return s
}

func listSnapshots() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_snapshots", Title: "List ONTAP snapshots", Toolset: Toolset, Tier: safety.Read,
		Description: "List a volume's snapshots, newest first, with what blocks deleting each.",
	}, func(ctx context.Context, c *kit.Call, a ListSnapshotsArgs) (SnapshotList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return SnapshotList{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return SnapshotList{}, err
		}
		opts := &ontap.ListOptions{OrderBy: "create_time desc"}
		if a.Name != "" {
			opts.Query = map[string]string{"name": contains(a.Name)}
		}
		snaps, err := cl.ListSnapshots(ctx, v.UUID, opts)
		if err != nil {
			return SnapshotList{}, backendError(err, t.Name, "list snapshots of "+volPath(v))
		}
		// Newest first even if ONTAP ignored order_by.
		sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].CreateTime.After(snaps[j].CreateTime) })
		limit := kit.Limit(a.Limit)
		page := kit.PageOf(snaps, a.Page, limit)
		clones := map[string][]string{}
		if v.Clone != nil && v.Clone.HasFlexclone {
			if clones, err = clonesOf(ctx, cl, v); err != nil {
				return SnapshotList{}, backendError(err, t.Name, "list FlexClones of "+volPath(v))
			}
		}
		now := c.Env.Clock()
		items := make([]Snapshot, 0, len(page))
		for i := range page {
			items = append(items, snapshot(&page[i], now, clones[page[i].Name]))
		}
		return SnapshotList{List: kit.NewList(items, len(snaps), a.Page, limit), Target: t.Name, Volume: volPath(v)}, nil
	})
}

// ---- create

// CreateSnapshotArgs describe a new snapshot.
type CreateSnapshotArgs struct {
	Target          string `json:"target,omitempty"`
	Volume          string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM             string `json:"svm,omitempty"`
	Name            string `json:"name,omitempty" jsonschema_description:"Default manual.<time>."`
	Comment         string `json:"comment,omitempty" jsonschema_description:"Free text."`
	SnapmirrorLabel string `json:"snapmirror_label,omitempty" jsonschema_description:"Vault policies keep copies by label."`
	ExpiryTime      string `json:"expiry_time,omitempty" jsonschema_description:"Lock until (time or 7d)."`
}

// SnapshotResult is one snapshot of a volume.
type SnapshotResult struct {
	UUID     string   `json:"uuid"`
	Name     string   `json:"name"`
	Target   string   `json:"target"`
	Volume   string   `json:"volume"`
	Snapshot Snapshot `json:"snapshot"`
	Job      *JobInfo `json:"job,omitempty"`
	// Reconciled says how the outcome was established when ONTAP's answer
	// was lost.
	Reconciled string `json:"reconciled,omitempty"`
}

// Summary leads the text result.
func (r SnapshotResult) Summary() string {
	return fmt.Sprintf("created snapshot %s (%s) of %s on %s", r.Name, r.UUID, r.Volume, r.Target)
}

func createSnapshot() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_create_snapshot", Title: "Create ONTAP snapshot", Toolset: Toolset, Tier: safety.Write,
		Description: "Take a snapshot of a volume now.",
	}, func(ctx context.Context, c *kit.Call, a CreateSnapshotArgs) (SnapshotResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return SnapshotResult{}, err
		}
		now := c.Env.Clock()
		req := ontap.SnapshotCreate{Name: a.Name, Comment: a.Comment, SnapmirrorLabel: a.SnapmirrorLabel}
		if req.Name == "" {
			req.Name = "manual." + now.UTC().Format("2006-01-02_1504")
		}
		if a.ExpiryTime != "" {
			exp, err := kit.ParseTime("expiry_time", a.ExpiryTime, now, true)
			if err != nil {
				return SnapshotResult{}, err
			}
			if !exp.After(now) {
				return SnapshotResult{}, kit.InvalidArgs("argument expiry_time is in the past; give a later time or a duration such as 7d")
			}
			req.ExpiryTime = &exp
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return SnapshotResult{}, err
		}
		c.Sending(map[string]string{"kind": "ontap_snapshot", "volume_uuid": v.UUID, "name": req.Name})
		res, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.CreateSnapshot(ctx, v.UUID, req, o...)
		})
		what := "create snapshot " + req.Name + " of " + volPath(v)
		note := ""
		if err != nil {
			// Snapshot names are unique per volume: the name says whether
			// this call's snapshot exists, and a retry with it cannot
			// make a second one.
			if note, err = reconcileCreate(ctx, c, cl, err, t.Name, what, "POST /api/storage/volumes/"+v.UUID+"/snapshots", "snapshot "+req.Name, func(ctx context.Context) (bool, error) {
				_, err := findSnapshot(ctx, cl, v.UUID, req.Name)
				return found(err)
			}); err != nil {
				return SnapshotResult{}, err
			}
			res = &ontap.Result{}
		}
		ref := req.Name
		if res.UUID != "" {
			ref = res.UUID
		}
		s, err := resolveSnapshot(ctx, cl, t.Name, v, ref)
		if err != nil {
			return SnapshotResult{}, err
		}
		return SnapshotResult{UUID: s.UUID, Name: s.Name, Target: t.Name, Volume: volPath(v),
			Snapshot: snapshot(s, c.Env.Clock(), nil), Job: jobInfo(res), Reconciled: note}, nil
	})
}

// ---- delete

// DeleteSnapshotArgs name a snapshot.
type DeleteSnapshotArgs struct {
	Target   string `json:"target,omitempty"`
	Volume   string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM      string `json:"svm,omitempty"`
	Snapshot string `json:"snapshot" jsonschema:"required" jsonschema_description:"Snapshot name or uuid."`
}

// DeleteSnapshotResult reports a deletion.
type DeleteSnapshotResult struct {
	UUID   string   `json:"uuid"`
	Name   string   `json:"name"`
	Volume string   `json:"volume"`
	Target string   `json:"target"`
	Job    *JobInfo `json:"job,omitempty"`
}

// Summary leads the text result.
func (r DeleteSnapshotResult) Summary() string {
	return fmt.Sprintf("deleted snapshot %s (%s) of %s on %s", r.Name, r.UUID, r.Volume, r.Target)
}

// snapshotHeld is the error for a snapshot that something keeps.
func snapshotHeld(s *ontap.Snapshot, v *ontap.Volume, target string, clones []string, now time.Time) error {
	what := fmt.Sprintf("snapshot %s of %s on %s", s.Name, volPath(v), target)
	switch {
	case len(clones) > 0:
		return &kit.Error{Kind: kit.KindConflict,
			Msg:  fmt.Sprintf("cannot delete %s: FlexClone %s was created from it and depends on it", what, strings.Join(clones, ", ")),
			Hint: "Delete the clone if it is no longer needed, or split it from its parent (ONTAP: volume clone split start; it then needs its own space), then call ontap_delete_snapshot again. Nothing was changed."}
	case s.ExpiryTime.After(now):
		return &kit.Error{Kind: kit.KindConflict,
			Msg:  fmt.Sprintf("cannot delete %s: it is locked until its expiry time %s", what, kit.Time(s.ExpiryTime)),
			Hint: "Wait until then; ONTAP refuses to delete a snapshot before its expiry time. Nothing was changed."}
	}
	for _, o := range s.Owners {
		if strings.HasPrefix(o, "snapmirror") {
			return &kit.Error{Kind: kit.KindConflict,
				Msg:  fmt.Sprintf("cannot delete %s: it is the SnapMirror common snapshot (owner %s) that incremental updates start from", what, o),
				Hint: "It goes away by itself after the next SnapMirror update (ontap_snapmirror_update). Nothing was changed."}
		}
	}
	if len(s.Owners) > 0 {
		return &kit.Error{Kind: kit.KindConflict,
			Msg:  fmt.Sprintf("cannot delete %s: it is owned by %s", what, strings.Join(s.Owners, ", ")),
			Hint: "Finish or remove what owns it, then call again. Nothing was changed."}
	}
	return nil
}

func deleteSnapshot() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_delete_snapshot", Title: "Delete ONTAP snapshot", Toolset: Toolset, Tier: safety.Destructive,
		Description: "Delete a snapshot. Refused while a FlexClone, SnapMirror or expiry holds it.",
	}, func(ctx context.Context, c *kit.Call, a DeleteSnapshotArgs) (DeleteSnapshotResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return DeleteSnapshotResult{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return DeleteSnapshotResult{}, err
		}
		if err := notDP(v, t.Name, "changed: its snapshots follow the source and the SnapMirror policy"); err != nil {
			return DeleteSnapshotResult{}, err
		}
		s, err := resolveSnapshot(ctx, cl, t.Name, v, a.Snapshot)
		if err != nil {
			return DeleteSnapshotResult{}, err
		}
		clones, err := clonesOf(ctx, cl, v)
		if err != nil {
			return DeleteSnapshotResult{}, backendError(err, t.Name, "list FlexClones of "+volPath(v))
		}
		now := c.Env.Clock()
		if err := snapshotHeld(s, v, t.Name, clones[s.Name], now); err != nil {
			return DeleteSnapshotResult{}, err
		}
		preview := map[string]any{"snapshot": snapshot(s, now, nil), "volume": volPath(v), "target": t.Name,
			"depends_on_it": "nothing: no FlexClone, SnapMirror or expiry time holds it",
			"space_freed":   "up to " + sizeText(s.Size) + " (blocks only this snapshot holds)"}
		if err := c.Confirm(ctx, fmt.Sprintf("Delete snapshot %s of %s on %s (taken %s, %s ago, %s)", s.Name, volPath(v), t.Name,
			kit.Time(s.CreateTime), kit.Human(now.Sub(s.CreateTime)), sizeText(s.Size)), preview,
			map[string]any{"snapshot": s.UUID, "expiry": s.ExpiryTime, "owners": s.Owners, "clones": clones[s.Name]}); err != nil {
			return DeleteSnapshotResult{}, err
		}
		res, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.DeleteSnapshot(ctx, v.UUID, s.UUID, o...)
		})
		if err != nil {
			if ontap.IsBusy(err) {
				// Something took hold of it meanwhile: say what.
				if fresh, ferr := cl.GetSnapshot(ctx, v.UUID, s.UUID); ferr == nil {
					if cm, cerr := clonesOf(ctx, cl, v); cerr == nil {
						if herr := snapshotHeld(fresh, v, t.Name, cm[s.Name], c.Env.Clock()); herr != nil {
							return DeleteSnapshotResult{}, herr
						}
					}
				}
			}
			return DeleteSnapshotResult{}, backendError(err, t.Name, "delete snapshot "+s.Name+" of "+volPath(v))
		}
		return DeleteSnapshotResult{UUID: s.UUID, Name: s.Name, Volume: volPath(v), Target: t.Name, Job: jobInfo(res)}, nil
	})
}

// ---- snapshot policies

// ListPoliciesArgs name the target.
type ListPoliciesArgs struct {
	Target string `json:"target,omitempty"`
}

// Policy is a snapshot policy.
type Policy struct {
	UUID    string       `json:"uuid"`
	Name    string       `json:"name"`
	Enabled bool         `json:"enabled"`
	SVM     string       `json:"svm,omitempty"`
	Comment string       `json:"comment,omitempty"`
	Copies  []PolicyCopy `json:"copies"`
	// Keeps is how many scheduled snapshots the policy keeps in all.
	Keeps   int `json:"keeps"`
	Volumes int `json:"volumes"`
}

// PolicyCopy is one schedule of a policy.
type PolicyCopy struct {
	Schedule        string `json:"schedule"`
	When            string `json:"when,omitempty"`
	Count           int    `json:"count"`
	Prefix          string `json:"prefix,omitempty"`
	SnapmirrorLabel string `json:"snapmirror_label,omitempty"`
	RetentionPeriod string `json:"retention_period,omitempty"`
}

// PolicyList lists snapshot policies.
type PolicyList struct {
	kit.List[Policy]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l PolicyList) Summary() string {
	return fmt.Sprintf("%d snapshot policies on %s", l.Total, l.Target)
}

// keeps counts the snapshots p keeps (0 when disabled or absent).
func keeps(p *ontap.SnapshotPolicy) int {
	if p == nil || (p.Enabled != nil && !*p.Enabled) {
		return 0
	}
	n := 0
	for _, cp := range p.Copies {
		n += cp.Count
	}
	return n
}

// scheduleText describes when a schedule fires: a cron spec
// ("5 * * * *", minute hour day month weekday) or "every <interval>".
func scheduleText(s *ontap.Schedule) string {
	if s == nil {
		return ""
	}
	if s.Cron != nil {
		field := func(v []int) string {
			if len(v) == 0 {
				return "*"
			}
			p := make([]string, len(v))
			for i, x := range v {
				p[i] = fmt.Sprint(x)
			}
			return strings.Join(p, ",")
		}
		c := s.Cron
		return strings.Join([]string{field(c.Minutes), field(c.Hours), field(c.Days), field(c.Months), field(c.Weekdays)}, " ")
	}
	if d, err := s.Interval.Duration(); err == nil && d > 0 {
		return "every " + kit.Human(d)
	}
	return ""
}

func policies(ctx context.Context, cl *ontap.Client) ([]ontap.SnapshotPolicy, map[string]*ontap.Schedule, error) {
	ps, err := cl.ListSnapshotPolicies(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	scheds, err := cl.ListSchedules(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]*ontap.Schedule{}
	for i := range scheds {
		byName[scheds[i].Name] = &scheds[i]
	}
	return ps, byName, nil
}

func policy(p *ontap.SnapshotPolicy, scheds map[string]*ontap.Schedule) Policy {
	out := Policy{UUID: p.UUID, Name: p.Name, Enabled: p.Enabled == nil || *p.Enabled, Comment: p.Comment, Copies: []PolicyCopy{}, Keeps: keeps(p)}
	if p.SVM != nil {
		out.SVM = p.SVM.Name
	}
	for _, cp := range p.Copies {
		out.Copies = append(out.Copies, PolicyCopy{Schedule: cp.Schedule.Name, When: scheduleText(scheds[cp.Schedule.Name]), Count: cp.Count,
			Prefix: cp.Prefix, SnapmirrorLabel: cp.SnapmirrorLabel, RetentionPeriod: string(cp.RetentionPeriod)})
	}
	return out
}

func listSnapshotPolicies() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_snapshot_policies", Title: "List snapshot policies", Toolset: Toolset, Tier: safety.Read,
		Description: "List snapshot policies: schedules, copies kept, labels, volumes using each.",
	}, func(ctx context.Context, c *kit.Call, a ListPoliciesArgs) (PolicyList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return PolicyList{}, err
		}
		ps, scheds, err := policies(ctx, cl)
		if err != nil {
			return PolicyList{}, backendError(err, t.Name, "list snapshot policies")
		}
		vols, err := cl.ListVolumes(ctx, &ontap.ListOptions{Fields: []string{"uuid", "name", "svm", "snapshot_policy"}})
		if err != nil {
			return PolicyList{}, backendError(err, t.Name, "list volumes")
		}
		use := map[string]int{}
		for _, v := range vols {
			if v.SnapshotPolicy != nil {
				use[v.SnapshotPolicy.Name]++
			}
		}
		items := make([]Policy, 0, len(ps))
		for i := range ps {
			p := policy(&ps[i], scheds)
			p.Volumes = use[p.Name]
			items = append(items, p)
		}
		sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
		return PolicyList{List: kit.NewList(items, len(items), 0, 0), Target: t.Name}, nil
	})
}

// SetPolicyArgs assign a snapshot policy.
type SetPolicyArgs struct {
	Target string `json:"target,omitempty"`
	Volume string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM    string `json:"svm,omitempty"`
	Policy string `json:"policy" jsonschema:"required" jsonschema_description:"none stops snapshots."`
}

// SetPolicyResult reports a policy change.
type SetPolicyResult struct {
	UUID           string   `json:"uuid"`
	Name           string   `json:"name"`
	Target         string   `json:"target"`
	PreviousPolicy string   `json:"previous_policy"`
	SnapshotPolicy string   `json:"snapshot_policy"`
	Changed        bool     `json:"changed"`
	Job            *JobInfo `json:"job,omitempty"`
	volume         string
}

// Summary leads the text result.
func (r SetPolicyResult) Summary() string {
	if !r.Changed {
		return fmt.Sprintf("volume %s on %s already has snapshot policy %s; nothing changed", r.volume, r.Target, r.SnapshotPolicy)
	}
	return fmt.Sprintf("volume %s on %s: snapshot policy %s -> %s", r.volume, r.Target, r.PreviousPolicy, r.SnapshotPolicy)
}

func setVolumeSnapshotPolicy() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_set_volume_snapshot_policy", Title: "Set snapshot policy", Toolset: Toolset,
		Tier: safety.Write, MayDestroy: true, Idempotent: true,
		Description: "Set a volume's snapshot policy; keeping fewer copies, or none, asks to confirm.",
	}, func(ctx context.Context, c *kit.Call, a SetPolicyArgs) (SetPolicyResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return SetPolicyResult{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return SetPolicyResult{}, err
		}
		ps, scheds, err := policies(ctx, cl)
		if err != nil {
			return SetPolicyResult{}, backendError(err, t.Name, "list snapshot policies")
		}
		var cur, next *ontap.SnapshotPolicy
		var names []string
		curName := "none"
		if v.SnapshotPolicy != nil && v.SnapshotPolicy.Name != "" {
			curName = v.SnapshotPolicy.Name
		}
		for i := range ps {
			names = append(names, ps[i].Name)
			if ps[i].Name == curName {
				cur = &ps[i]
			}
			if ps[i].Name == a.Policy || ps[i].UUID == a.Policy {
				next = &ps[i]
			}
		}
		if next == nil && a.Policy != "none" {
			sort.Strings(names)
			return SetPolicyResult{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no snapshot policy %q on %s", a.Policy, t.Name),
				Hint: "Use one of: " + strings.Join(names, ", ") + " (details: ontap_list_snapshot_policies)."}
		}
		nextName := a.Policy
		if next != nil {
			nextName = next.Name
		}
		out := SetPolicyResult{UUID: v.UUID, Name: v.Name, Target: t.Name, PreviousPolicy: curName, SnapshotPolicy: nextName, volume: volPath(v)}
		if nextName == curName {
			return out, nil
		}
		before, after := keeps(cur), keeps(next)
		if after < before || after == 0 {
			describe := func(p *ontap.SnapshotPolicy, name string) any {
				if p == nil {
					return map[string]any{"name": name, "keeps": 0}
				}
				return policy(p, scheds)
			}
			effect := fmt.Sprintf("keeps %d scheduled snapshots instead of %d; existing snapshots stay until rotated out or deleted", after, before)
			if after == 0 {
				effect = "scheduled snapshots stop: the volume gets no new automatic snapshots; existing ones stay until deleted"
			}
			preview := map[string]any{"volume": volPath(v), "target": t.Name, "current_policy": describe(cur, curName),
				"new_policy": describe(next, nextName), "effect": effect}
			if err := c.Confirm(ctx, fmt.Sprintf("Reduce the snapshot protection of %s on %s: policy %s (keeps %d) -> %s (keeps %d)", volPath(v), t.Name, curName, before, nextName, after), preview,
				map[string]any{"volume": v.UUID, "current": curName, "keeps_before": before, "next": nextName, "keeps_after": after}); err != nil {
				return SetPolicyResult{}, err
			}
		}
		res, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.SetVolumeSnapshotPolicy(ctx, v.UUID, nextName, o...)
		})
		if err != nil {
			return SetPolicyResult{}, backendError(err, t.Name, "set snapshot policy of "+volPath(v)+" to "+nextName)
		}
		out.Changed, out.Job = true, jobInfo(res)
		return out, nil
	})
}
