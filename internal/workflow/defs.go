package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// Definitions returns every workflow kind.
func Definitions() []Definition {
	return []Definition{scheduledBackup(), disasterRecovery(), recoveryTesting(), dataRecovery()}
}

func decode(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: " + err.Error()}
	}
	return nil
}

// volumeRef names an ONTAP volume.
type volumeRef struct {
	Target string `json:"target,omitempty"`
	Volume string `json:"volume"`
	SVM    string `json:"svm,omitempty"`
}

func (a *Activities) volume(ctx context.Context, r volumeRef) (*ontap.Client, string, *ontap.Volume, error) {
	if r.Volume == "" {
		return nil, "", nil, &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: volume is required"}
	}
	cl, t, err := a.ONTAP(r.Target)
	if err != nil {
		return nil, "", nil, err
	}
	v, err := ops.ResolveVolume(ctx, cl, t, r.Volume, r.SVM)
	return cl, t, v, err
}

// ---------------------------------------------------------------- scheduled_backup

type backupParams struct {
	volumeRef
	// VM, instead of a volume, backs up a Nutanix VM (recovery point).
	VM string `json:"vm,omitempty"`
	// Label is the snapshot's SnapMirror label (daily, weekly, monthly).
	Label string `json:"label,omitempty"`
	// MinFreePct is the space headroom required before the snapshot.
	MinFreePct int64 `json:"min_free_pct,omitempty"`
	// Replicate updates the volume's SnapMirror after the snapshot and
	// checks the copy arrived.
	Replicate bool `json:"replicate,omitempty"`
	// DRTarget is the cluster holding the mirror (default: the other ONTAP
	// target that has one).
	DRTarget string `json:"dr_target,omitempty"`
	// AppConsistent asks Nutanix for an application-consistent point.
	AppConsistent bool `json:"app_consistent,omitempty"`
	// Keep is the retention: the newest Keep snapshots of this label that
	// the workflow made are kept, older ones deleted (a destructive step,
	// approved per the policy). 0 keeps all.
	Keep int `json:"keep,omitempty"`
}

func (p *backupParams) defaults() {
	if p.Label == "" {
		p.Label = "daily"
	}
	if p.MinFreePct == 0 {
		p.MinFreePct = 5
	}
}

func scheduledBackup() Definition {
	return Definition{
		Kind:        "scheduled_backup",
		Description: "pre-validate, snapshot (ONTAP) or recovery point (Nutanix), verify, replicate, notify",
		Plan: func(ctx context.Context, a *Activities, raw json.RawMessage) ([]PlanStep, error) {
			var p backupParams
			if err := decode(raw, &p); err != nil {
				return nil, err
			}
			p.defaults()
			if p.VM != "" {
				cl, t, err := a.Nutanix(p.Target)
				if err != nil {
					return nil, err
				}
				vm, err := ops.ResolveVM(ctx, cl, t, p.VM)
				if err != nil {
					return nil, err
				}
				ent := []string{t + ":" + vm.Name}
				return []PlanStep{
					{Name: "prevalidate", Action: "check the VM and its Prism Central", Entities: ent},
					{Name: "recovery_point", Action: "create a recovery point (NTNX-Request-Id journalled)", Entities: ent},
					{Name: "notify", Action: "call the notify hook"},
				}, nil
			}
			_, t, v, err := a.volume(ctx, p.volumeRef)
			if err != nil {
				return nil, err
			}
			ent := []string{t + ":" + ops.VolPath(v)}
			steps := []PlanStep{
				{Name: "prevalidate", Action: fmt.Sprintf("volume online, ≥%d%% free, SnapMirror healthy", p.MinFreePct), Entities: ent},
				{Name: "snapshot", Action: "take snapshot rmcp_<run>_" + p.Label + " (label " + p.Label + ")", Entities: ent},
				{Name: "verify", Action: "the snapshot exists and is valid", Entities: ent},
			}
			if p.Replicate {
				steps = append(steps, PlanStep{Name: "replicate", Action: "SnapMirror update and check the snapshot on the destination", Entities: ent})
			}
			if p.Keep > 0 {
				steps = append(steps, PlanStep{Name: "retention_plan", Action: fmt.Sprintf("find this workflow's %s snapshots beyond the newest %d", p.Label, p.Keep), Entities: ent},
					PlanStep{Name: "retention", Action: "delete them (only when there are any)", Entities: ent, Destructive: true})
			}
			return append(steps, PlanStep{Name: "notify", Action: "call the notify hook"}), nil
		},
		Run: runBackup,
	}
}

// BackupResult is a scheduled_backup run's result.
type BackupResult struct {
	Entity     string      `json:"entity"`
	Copy       string      `json:"copy"`
	CopyID     string      `json:"copy_id"`
	Replicated bool        `json:"replicated,omitempty"`
	Pruned     []string    `json:"pruned,omitempty"`
	Notified   *HookResult `json:"notified,omitempty"`
}

func runBackup(ctx context.Context, x *Exec, raw json.RawMessage) (any, error) {
	var p backupParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	p.defaults()
	a := x.Activities()
	if p.VM != "" {
		return runNutanixBackup(ctx, x, p)
	}
	type pre struct {
		Target, Volume, UUID string
		FreePct              int64
		Mirror               string `json:",omitempty"`
	}
	pv, err := Do(ctx, x, "prevalidate", false, func(ctx context.Context, _ string, _ ops.Progress) (pre, error) {
		_, t, v, err := a.volume(ctx, p.volumeRef)
		if err != nil {
			return pre{}, err
		}
		if err := ops.SpaceCheck(v, p.MinFreePct); err != nil {
			return pre{}, err
		}
		out := pre{Target: t, Volume: ops.VolPath(v), UUID: v.UUID}
		if v.Space != nil && v.Space.Size > 0 {
			out.FreePct = v.Space.Available * 100 / v.Space.Size
		}
		if p.Replicate {
			dcl, dt, rel, err := a.findMirror(ctx, t, p.DRTarget, ops.VolPath(v))
			if err != nil {
				return pre{}, err
			}
			_ = dcl
			if rel.Healthy != nil && !*rel.Healthy {
				return pre{}, &ops.Error{Kind: ops.KindPrecheck, Msg: fmt.Sprintf("SnapMirror %s on %s is unhealthy", rel.Destination.Path, dt), Hint: "Fix the relationship first (ontap_list_snapmirror)."}
			}
			out.Mirror = dt + ":" + rel.Destination.Path
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	name := x.Name(p.Label)
	snap, err := Do(ctx, x, "snapshot", false, func(ctx context.Context, _ string, pr ops.Progress) (ontap.Snapshot, error) {
		cl, t, v, err := a.volume(ctx, volumeRef{Target: pv.Target, Volume: pv.UUID})
		if err != nil {
			return ontap.Snapshot{}, err
		}
		release, err := a.Hold(ctx, t, pr)
		if err != nil {
			return ontap.Snapshot{}, err
		}
		defer release()
		s, _, err := ops.EnsureSnapshot(ctx, cl, t, v, ontap.SnapshotCreate{Name: name, SnapmirrorLabel: p.Label, Comment: "recovery-mcp " + x.RunID()}, pr)
		if err != nil {
			return ontap.Snapshot{}, err
		}
		return *s, nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := Do(ctx, x, "verify", false, func(ctx context.Context, _ string, _ ops.Progress) (bool, error) {
		cl, t, _, err := a.volume(ctx, volumeRef{Target: pv.Target, Volume: pv.UUID})
		if err != nil {
			return false, err
		}
		s, err := ops.FindSnapshot(ctx, cl, t, pv.UUID, name)
		if err != nil {
			return false, err
		}
		if s == nil || (s.State != "" && s.State != "valid") {
			return false, &ops.Error{Kind: ops.KindBackend, Msg: fmt.Sprintf("snapshot %s of %s is missing or not valid", name, pv.Volume)}
		}
		return true, nil
	}); err != nil {
		return nil, err
	}
	res := BackupResult{Entity: pv.Target + ":" + pv.Volume, Copy: name, CopyID: snap.UUID}
	if p.Replicate {
		if _, err := Do(ctx, x, "replicate", false, func(ctx context.Context, _ string, pr ops.Progress) (string, error) {
			dcl, dt, rel, err := a.findMirror(ctx, pv.Target, p.DRTarget, pv.Volume)
			if err != nil {
				return "", err
			}
			release, err := a.Hold(ctx, dt, pr)
			if err != nil {
				return "", err
			}
			defer release()
			if _, err := ops.UpdateMirror(ctx, dcl, dt, rel, pr); err != nil {
				return "", err
			}
			return dt + ":" + rel.Destination.Path, nil
		}); err != nil {
			return nil, err
		}
		res.Replicated = true
	}
	if p.Keep > 0 {
		pruned, err := retention(ctx, x, pv.Target, pv.UUID, p.Label, p.Keep)
		if err != nil {
			return nil, err
		}
		res.Pruned = pruned
	}
	n, err := Do(ctx, x, "notify", false, func(ctx context.Context, _ string, _ ops.Progress) (HookResult, error) {
		return a.RunHook(ctx, "notify", map[string]any{"workflow": "scheduled_backup", "run": x.RunID(), "entity": res.Entity, "copy": name}), nil
	})
	if err != nil {
		return nil, err
	}
	res.Notified = &n
	return res, nil
}

func runNutanixBackup(ctx context.Context, x *Exec, p backupParams) (any, error) {
	a := x.Activities()
	type pre struct{ Target, VM, ExtID string }
	pv, err := Do(ctx, x, "prevalidate", false, func(ctx context.Context, _ string, _ ops.Progress) (pre, error) {
		cl, t, err := a.Nutanix(p.Target)
		if err != nil {
			return pre{}, err
		}
		vm, err := ops.ResolveVM(ctx, cl, t, p.VM)
		if err != nil {
			return pre{}, err
		}
		return pre{t, vm.Name, vm.ExtID}, nil
	})
	if err != nil {
		return nil, err
	}
	name := x.Name(p.Label)
	id, err := Do(ctx, x, "recovery_point", false, func(ctx context.Context, key string, pr ops.Progress) (string, error) {
		cl, t, release, err := a.nutanixWrite(ctx, pv.Target, pr)
		if err != nil {
			return "", err
		}
		defer release()
		spec := nutanix.RecoveryPointSpec{Name: name, VMExtIDs: []string{pv.ExtID}}
		if p.AppConsistent {
			spec.RecoveryPointType = "APPLICATION_CONSISTENT"
		}
		return ops.CreateRecoveryPoint(ctx, cl, t, spec, key, pr)
	})
	if err != nil {
		return nil, err
	}
	res := BackupResult{Entity: pv.Target + ":" + pv.VM, Copy: name, CopyID: id}
	n, err := Do(ctx, x, "notify", false, func(ctx context.Context, _ string, _ ops.Progress) (HookResult, error) {
		return a.RunHook(ctx, "notify", map[string]any{"workflow": "scheduled_backup", "run": x.RunID(), "entity": res.Entity, "copy": name}), nil
	})
	if err != nil {
		return nil, err
	}
	res.Notified = &n
	return res, nil
}

// findMirror finds the SnapMirror relationship of the source volume path
// on drTarget, or on the one other ONTAP target holding one.
func (a *Activities) findMirror(ctx context.Context, source, drTarget, path string) (*ontap.Client, string, *ontap.SnapmirrorRelationship, error) {
	names := []string{drTarget}
	if drTarget == "" {
		names = nil
		for _, t := range a.Targets.Names("ontap") {
			if t != source {
				names = append(names, t)
			}
		}
	}
	for _, n := range names {
		cl, t, err := a.ONTAP(n)
		if err != nil {
			return nil, "", nil, err
		}
		rel, err := ops.MirrorOf(ctx, cl, t, path)
		if err != nil {
			return nil, "", nil, err
		}
		if rel != nil {
			return cl, t, rel, nil
		}
	}
	return nil, "", nil, &ops.Error{Kind: ops.KindNotFound, Msg: "no SnapMirror relationship has source " + path, Hint: "Name the DR cluster with dr_target, or protect the volume first."}
}

// since is the age of t at now, whole seconds.
func since(now, t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return int64(now.Sub(t) / time.Second)
}

// roundMS is d in seconds, to the millisecond.
func roundMS(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// retention deletes this workflow's snapshots of label beyond the newest
// keep: a read step lists them (journalled, so the list is fixed), then a
// destructive step deletes exactly those, only when there are any.
func retention(ctx context.Context, x *Exec, target, volUUID, label string, keep int) ([]string, error) {
	a := x.Activities()
	old, err := Do(ctx, x, "retention_plan", false, func(ctx context.Context, _ string, _ ops.Progress) ([]string, error) {
		cl, t, v, err := a.volume(ctx, volumeRef{Target: target, Volume: volUUID})
		if err != nil {
			return nil, err
		}
		snaps, err := ops.ListSnapshots(ctx, cl, t, v)
		if err != nil {
			return nil, err
		}
		var mine []ontap.Snapshot
		for _, s := range snaps {
			if strings.HasPrefix(s.Name, "rmcp_") && strings.HasSuffix(s.Name, "_"+label) {
				mine = append(mine, s)
			}
		}
		slices.SortFunc(mine, func(a, b ontap.Snapshot) int { return b.CreateTime.Compare(a.CreateTime) })
		out := []string{}
		for i := keep; i < len(mine); i++ {
			out = append(out, mine[i].Name)
		}
		return out, nil
	})
	if err != nil || len(old) == 0 {
		return old, err
	}
	return Do(ctx, x, "retention", true, func(ctx context.Context, _ string, pr ops.Progress) ([]string, error) {
		cl, t, v, err := a.volume(ctx, volumeRef{Target: target, Volume: volUUID})
		if err != nil {
			return nil, err
		}
		release, err := a.Hold(ctx, t, pr)
		if err != nil {
			return nil, err
		}
		defer release()
		for _, name := range old {
			s, err := ops.FindSnapshot(ctx, cl, t, v.UUID, name)
			if err != nil {
				return nil, err
			}
			if s == nil {
				continue // deleted by an earlier attempt
			}
			if _, err := ops.RunJob(ctx, cl, pr, func(o ...ontap.CallOption) (*ontap.Result, error) {
				return cl.DeleteSnapshot(ctx, v.UUID, s.UUID, o...)
			}); err != nil && !ontap.IsNotFound(err) {
				return nil, ops.ONTAPError(err, t, "delete snapshot "+name)
			}
		}
		return old, nil
	})
}
