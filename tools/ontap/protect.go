package ontap

// ontap_protect_volume closes the loop find_unprotected opens: it gives a
// volume a snapshot policy (only when it has none: changing an existing
// policy is ontap_set_volume_snapshot_policy's job, which confirms when
// fewer copies are kept) and a SnapMirror relationship to a DR SVM,
// created on the destination cluster (with create_destination when the DR
// volume does not exist) and initialized with its baseline transfer, job
// and transfer progress relayed. Every step only adds protection, so it is
// a write, not destructive, and repeating it changes nothing further.
//
// Defaults follow the estate: the DR cluster, SVM, SnapMirror policy and
// schedule are those of the relationships the volume's SVM already has
// (the most common), and the DR volume is <volume>_dr. dry_run returns the
// plan without changing anything.
//
// The source cluster's write slot is taken as for any write; the DR
// cluster's is taken too, after it, when it is another target.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// ProtectVolumeArgs name the volume and, optionally, where it replicates.
type ProtectVolumeArgs struct {
	Target           string `json:"target,omitempty"`
	Volume           string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM              string `json:"svm,omitempty"`
	SnapshotPolicy   string `json:"snapshot_policy,omitempty" jsonschema_description:"Set if it has none; default: default."`
	DRTarget         string `json:"dr_target,omitempty" jsonschema_description:"DR cluster target; default: where its SVM replicates."`
	DRSVM            string `json:"dr_svm,omitempty" jsonschema_description:"Default: as dr_target."`
	DRVolume         string `json:"dr_volume,omitempty" jsonschema_description:"Default: <volume>_dr, created if missing."`
	SnapmirrorPolicy string `json:"snapmirror_policy,omitempty" jsonschema_description:"Default: the SVM's usual, else MirrorAllSnapshots."`
	DryRun           bool   `json:"dry_run,omitempty" jsonschema_description:"Return the plan; change nothing."`
}

// baselineWait bounds the wait for the baseline transfer: a large volume's
// takes hours, and the relationship protects the volume from the moment it
// exists. A call that stops waiting says how to follow the transfer.
const baselineWait = 2 * time.Minute

// ProtectStep is one step of the plan.
type ProtectStep struct {
	// Action is set_snapshot_policy, create_snapmirror or
	// initialize_snapmirror.
	Action string `json:"action"`
	// Status is planned, done, skipped, or running (a baseline transfer
	// that outlived the call).
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// ProtectVolumeResult is the plan and, unless dry_run, what was done.
type ProtectVolumeResult struct {
	UUID           string        `json:"uuid"`
	Name           string        `json:"name"`
	Target         string        `json:"target"`
	DryRun         bool          `json:"dry_run"`
	SnapshotPolicy string        `json:"snapshot_policy"`
	DRTarget       string        `json:"dr_target,omitempty"`
	DRPath         string        `json:"dr_path,omitempty"`
	Steps          []ProtectStep `json:"steps"`
	Relationship   *Relationship `json:"relationship,omitempty"`
	Transfer       *Transfer     `json:"transfer,omitempty"`
	path           string
}

// Summary leads the text result.
func (r ProtectVolumeResult) Summary() string {
	var todo []string
	for _, s := range r.Steps {
		if s.Status != "skipped" {
			todo = append(todo, s.Action)
		}
	}
	switch {
	case len(todo) == 0:
		return fmt.Sprintf("volume %s on %s is already protected (snapshot policy %s, SnapMirror to %s); nothing changed", r.path, r.Target, r.SnapshotPolicy, r.DRPath)
	case r.DryRun:
		return fmt.Sprintf("plan for volume %s on %s (dry run, nothing changed): %s", r.path, r.Target, strings.Join(todo, ", "))
	}
	s := fmt.Sprintf("protected volume %s on %s: %s; SnapMirror to %s on %s", r.path, r.Target, strings.Join(todo, ", "), r.DRPath, r.DRTarget)
	if r.Transfer != nil && r.Transfer.State != "success" {
		s += "; baseline transfer " + r.Transfer.State
	}
	return s
}

func protectVolume() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_protect_volume", Title: "Protect a volume", Toolset: Toolset, Tier: safety.Write, Idempotent: true,
		Description: "Protect a volume: attach a snapshot policy if it has none, and create and initialize SnapMirror to a DR SVM. dry_run shows the plan.",
	}, func(ctx context.Context, c *kit.Call, a ProtectVolumeArgs) (ProtectVolumeResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return ProtectVolumeResult{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return ProtectVolumeResult{}, err
		}
		p := volPath(v)
		if v.Type == "dp" {
			return ProtectVolumeResult{}, &kit.Error{Kind: kit.KindInvalidArgs,
				Msg:  fmt.Sprintf("volume %s on %s is a SnapMirror destination (type dp)", p, t.Name),
				Hint: "Protect its source volume instead (ontap_list_snapmirror shows it)."}
		}
		out := ProtectVolumeResult{UUID: v.UUID, Name: v.Name, Target: t.Name, DryRun: a.DryRun, Steps: []ProtectStep{}, path: p}

		// 1. The snapshot policy.
		cur := "none"
		if v.SnapshotPolicy != nil && v.SnapshotPolicy.Name != "" {
			cur = v.SnapshotPolicy.Name
		}
		setPolicy := ""
		switch {
		case cur == "none":
			setPolicy = a.SnapshotPolicy
			if setPolicy == "" {
				setPolicy = "default"
			}
			if err := checkSnapshotPolicy(ctx, cl, t.Name, setPolicy); err != nil {
				return ProtectVolumeResult{}, err
			}
			out.SnapshotPolicy = setPolicy
			out.Steps = append(out.Steps, ProtectStep{"set_snapshot_policy", "planned", "snapshot policy none -> " + setPolicy})
		case a.SnapshotPolicy != "" && a.SnapshotPolicy != cur:
			return ProtectVolumeResult{}, &kit.Error{Kind: kit.KindConflict,
				Msg:  fmt.Sprintf("volume %s on %s already has snapshot policy %s, not %s", p, t.Name, cur, a.SnapshotPolicy),
				Hint: "This tool only adds protection. To change the policy use ontap_set_volume_snapshot_policy; or omit snapshot_policy to keep " + cur + ". Nothing was changed."}
		default:
			out.SnapshotPolicy = cur
			out.Steps = append(out.Steps, ProtectStep{"set_snapshot_policy", "skipped", "keeps snapshot policy " + cur})
		}

		// 2. Replication: an existing relationship, or the plan of a new one.
		plan, err := planReplication(ctx, c, cl, t, v, a)
		if err != nil {
			return ProtectVolumeResult{}, err
		}
		out.DRTarget, out.DRPath = plan.target.Name, plan.dstPath
		if plan.existing != nil {
			r := relationship(plan.target.Name, plan.existing)
			out.Relationship = &r
			out.Steps = append(out.Steps, ProtectStep{"create_snapmirror", "skipped", fmt.Sprintf("SnapMirror %s -> %s exists on %s (%s)", p, plan.dstPath, plan.target.Name, plan.existing.State)})
		} else {
			how := "existing DP volume"
			if plan.createDst {
				how = "new DP volume"
			}
			out.Steps = append(out.Steps, ProtectStep{"create_snapmirror", "planned",
				fmt.Sprintf("SnapMirror %s -> %s on %s (%s), policy %s%s", p, plan.dstPath, plan.target.Name, how, plan.policy, scheduleNote(plan.schedule))})
		}
		if plan.existing == nil || plan.existing.State == ontap.StateUninitialized {
			out.Steps = append(out.Steps, ProtectStep{"initialize_snapmirror", "planned", "baseline transfer of " + p + " to " + plan.dstPath})
		} else {
			out.Steps = append(out.Steps, ProtectStep{"initialize_snapmirror", "skipped", "already initialized"})
		}
		if a.DryRun {
			return out, nil
		}

		// Act.
		if setPolicy != "" {
			if _, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
				return cl.SetVolumeSnapshotPolicy(ctx, v.UUID, setPolicy, o...)
			}); err != nil {
				return ProtectVolumeResult{}, out.partial(backendError(err, t.Name, "set snapshot policy of "+p+" to "+setPolicy))
			}
			out.Steps[0].Status = "done"
		}
		dcl := cl
		if plan.target.Name != t.Name {
			if c.Env.Locks != nil {
				release, err := c.Env.Locks.Acquire(ctx, plan.target.Name)
				if err != nil {
					return ProtectVolumeResult{}, err
				}
				defer release()
			}
			if dcl, err = c.Env.Targets.ONTAP(plan.target); err != nil {
				return ProtectVolumeResult{}, err
			}
		}
		dt := plan.target.Name
		relUUID := ""
		if plan.existing != nil {
			relUUID = plan.existing.UUID
		} else {
			what := "create SnapMirror relationship " + p + " -> " + plan.dstPath
			res, err := runJob(ctx, c, dcl, dt, func(o ...ontap.CallOption) (*ontap.Result, error) {
				return dcl.CreateSnapmirrorRelationship(ctx, ontap.RelationshipCreate{SourcePath: p, DestinationPath: plan.dstPath,
					CreateDestination: plan.createDst, Policy: plan.policy, TransferSchedule: plan.schedule}, o...)
			})
			if err != nil {
				return ProtectVolumeResult{}, out.partial(backendError(err, dt, what))
			}
			if res != nil {
				relUUID = res.UUID
			}
			if relUUID == "" { // ONTAP did not return the record: look it up
				rels, err := dcl.ListSnapmirrorRelationships(ctx, &ontap.ListOptions{Query: map[string]string{"destination.path": plan.dstPath}, Fields: []string{"uuid"}})
				if err != nil || len(rels) != 1 {
					return ProtectVolumeResult{}, out.partial(backendError(fmt.Errorf("created, but the relationship to %s was not found (%v)", plan.dstPath, err), dt, what))
				}
				relUUID = rels[0].UUID
			}
			out.Steps[1].Status = "done"
		}
		rel, err := dcl.GetSnapmirrorRelationship(ctx, relUUID)
		if err != nil {
			return ProtectVolumeResult{}, out.partial(backendError(err, dt, "read SnapMirror relationship "+plan.dstPath))
		}
		if rel.State == ontap.StateUninitialized {
			what := "initialize SnapMirror relationship " + plan.dstPath
			started, err := dcl.UpdateSnapmirror(ctx, relUUID, ontap.TransferRequest{})
			if err != nil {
				return ProtectVolumeResult{}, out.partial(backendError(err, dt, what))
			}
			wctx, cancel := context.WithTimeout(ctx, baselineWait)
			done, err := waitTransfer(wctx, c, dcl, dt, relUUID, plan.dstPath, started.UUID)
			cancel()
			switch {
			case err != nil && wctx.Err() != nil && ctx.Err() == nil:
				// Still transferring: the protection exists; the baseline
				// finishes on its own.
				x := Transfer{UUID: started.UUID, State: "transferring"}
				if done != nil {
					x = transfer(done)
				}
				out.Transfer = &x
				out.Steps[2].Status = "running"
				out.Steps[2].Detail += fmt.Sprintf("; still running after %s: follow it with ontap_list_snapmirror_transfers relationship=%s", baselineWait, plan.dstPath)
			case err != nil:
				return ProtectVolumeResult{}, out.partial(backendError(err, dt, what))
			default:
				x := transfer(done)
				out.Transfer = &x
				out.Steps[2].Status = "done"
			}
			if rel, err = dcl.GetSnapmirrorRelationship(ctx, relUUID); err != nil {
				return ProtectVolumeResult{}, out.partial(backendError(err, dt, "read SnapMirror relationship "+plan.dstPath))
			}
		}
		r := relationship(dt, rel)
		out.Relationship = &r
		return out, nil
	})
}

// partial adds to a failure what the call had already done: every step
// only adds protection, so calling again continues where it stopped.
func (r ProtectVolumeResult) partial(err error) error {
	var done []string
	for _, s := range r.Steps {
		if s.Status == "done" {
			done = append(done, s.Action)
		}
	}
	var ke *kit.Error
	if len(done) == 0 || !errors.As(err, &ke) {
		return err
	}
	cp := *ke
	cp.Hint = strings.TrimSpace(cp.Hint + " Already done: " + strings.Join(done, ", ") + "; calling ontap_protect_volume again continues from there.")
	return &cp
}

func scheduleNote(s string) string {
	if s == "" {
		return ""
	}
	return ", schedule " + s
}

func checkSnapshotPolicy(ctx context.Context, cl *ontap.Client, target, name string) error {
	ps, err := cl.ListSnapshotPolicies(ctx, &ontap.ListOptions{Fields: []string{"name"}})
	if err != nil {
		return backendError(err, target, "list snapshot policies")
	}
	var names []string
	for _, p := range ps {
		if p.Name == name {
			return nil
		}
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no snapshot policy %q on %s", name, target),
		Hint: "Use one of: " + strings.Join(names, ", ") + " (details: ontap_list_snapshot_policies)."}
}

// replicationPlan is where a volume replicates to.
type replicationPlan struct {
	target    config.Target
	dstPath   string
	createDst bool
	policy    string
	schedule  string
	existing  *ontap.SnapmirrorRelationship
}

// planReplication finds the volume's relationship, or plans one from the
// arguments and the relationships of the volume's SVM.
func planReplication(ctx context.Context, c *kit.Call, cl *ontap.Client, t config.Target, v *ontap.Volume, a ProtectVolumeArgs) (replicationPlan, error) {
	p := volPath(v)
	ts, err := ontapTargets(ctx, c, "")
	if err != nil {
		return replicationPlan{}, err
	}
	id, err := clusterIdentity(ctx, cl)
	if err != nil {
		return replicationPlan{}, backendError(err, t.Name, "read cluster identity")
	}
	all, failed := relationshipsOn(ctx, c, ts)
	if len(failed) > 0 {
		return replicationPlan{}, &kit.Error{Kind: kit.KindBackend,
			Msg:  "cannot tell whether " + p + " already replicates: " + strings.Join(failed, "; "),
			Hint: "Check the targets (list_targets) and call again. Nothing was changed."}
	}
	var siblings []heldRel
	for _, h := range all {
		if !isSourceOn(h, id, t.Name) {
			continue
		}
		if h.Rel.Source.Path == p {
			rel := h.Rel
			return replicationPlan{target: h.Target, dstPath: rel.Destination.Path, existing: &rel}, nil
		}
		if svm, _, _ := strings.Cut(h.Rel.Source.Path, ":"); svm == v.SVM.Name && (a.DRTarget == "" || h.Target.Name == a.DRTarget) {
			siblings = append(siblings, h)
		}
	}
	plan := replicationPlan{}
	dstSVM := a.DRSVM
	switch {
	case a.DRTarget != "":
		dt, err := c.Env.Targets.Resolve(config.KindONTAP, a.DRTarget)
		if err != nil {
			return replicationPlan{}, kit.InvalidArgs(err.Error())
		}
		plan.target = dt
	case len(siblings) > 0:
		plan.target = mostCommon(siblings, func(h heldRel) string { return h.Target.Name }).Target
	case dstSVM != "":
		plan.target = t // intra-cluster
	default:
		return replicationPlan{}, &kit.Error{Kind: kit.KindInvalidArgs,
			Msg:  fmt.Sprintf("no volume of SVM %s on %s replicates yet, so there is no DR SVM to follow", v.SVM.Name, t.Name),
			Hint: "Give dr_target (an ONTAP target, see list_targets) and dr_svm (an SVM there peered with " + v.SVM.Name + ")."}
	}
	var mine []heldRel
	for _, h := range siblings {
		if h.Target.Name == plan.target.Name {
			mine = append(mine, h)
		}
	}
	if dstSVM == "" {
		if len(mine) == 0 {
			return replicationPlan{}, kit.InvalidArgs(fmt.Sprintf("no volume of SVM %s replicates to %s: give dr_svm", v.SVM.Name, plan.target.Name))
		}
		dstSVM, _, _ = strings.Cut(mostCommon(mine, func(h heldRel) string { d, _, _ := strings.Cut(h.Rel.Destination.Path, ":"); return d }).Rel.Destination.Path, ":")
	}
	plan.policy = a.SnapmirrorPolicy
	if plan.policy == "" {
		plan.policy = "MirrorAllSnapshots"
		if len(mine) > 0 {
			if r := mostCommon(mine, func(h heldRel) string { return policyName(h.Rel) }).Rel; policyName(r) != "" {
				plan.policy = policyName(r)
			}
		}
	}
	if len(mine) > 0 {
		if s := mostCommon(mine, func(h heldRel) string { return scheduleName(h.Rel) }).Rel; scheduleName(s) != "" {
			plan.schedule = scheduleName(s)
		}
	}
	dstVol := a.DRVolume
	if dstVol == "" {
		dstVol = v.Name + "_dr"
	}
	plan.dstPath = dstSVM + ":" + dstVol
	for _, h := range all {
		if h.Target.Name == plan.target.Name && h.Rel.Destination.Path == plan.dstPath {
			return replicationPlan{}, &kit.Error{Kind: kit.KindConflict,
				Msg:  fmt.Sprintf("%s on %s is already the destination of %s", plan.dstPath, plan.target.Name, h.Rel.Source.Path),
				Hint: "Choose another dr_volume. Nothing was changed."}
		}
	}
	dcl, err := c.Env.Targets.ONTAP(plan.target)
	if err != nil {
		return replicationPlan{}, err
	}
	dv, err := dcl.FindVolume(ctx, dstSVM, dstVol, "uuid", "name", "type", "svm.name")
	switch {
	case err == nil && dv.Type != "dp":
		return replicationPlan{}, &kit.Error{Kind: kit.KindConflict,
			Msg:  fmt.Sprintf("%s on %s exists and is writable (type %s); SnapMirror needs a DP destination", plan.dstPath, plan.target.Name, dv.Type),
			Hint: "Choose another dr_volume (a new one is created). Nothing was changed."}
	case err == nil:
	case ontap.IsNotFound(err) || errors.Is(err, ontap.ErrNotFound):
		plan.createDst = true
	default:
		return replicationPlan{}, backendError(err, plan.target.Name, "look up DR volume "+plan.dstPath)
	}
	return plan, nil
}

func policyName(r ontap.SnapmirrorRelationship) string {
	if r.Policy == nil {
		return ""
	}
	return r.Policy.Name
}

func scheduleName(r ontap.SnapmirrorRelationship) string {
	if r.TransferSchedule == nil {
		return ""
	}
	return r.TransferSchedule.Name
}

// mostCommon returns an element whose key is the most frequent (ties: the
// smallest key), so defaults follow what the estate already does.
func mostCommon(hs []heldRel, key func(heldRel) string) heldRel {
	count := map[string]int{}
	for _, h := range hs {
		count[key(h)]++
	}
	best := hs[0]
	for _, h := range hs {
		k, b := key(h), key(best)
		if count[k] > count[b] || (count[k] == count[b] && k < b) {
			best = h
		}
	}
	return best
}
