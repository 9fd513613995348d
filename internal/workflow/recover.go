package workflow

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// recoverParams carry out one option of recommend_recovery on ONTAP.
type recoverParams struct {
	volumeRef
	// Option is clone (write), file_restore (in place: destructive) or
	// snaprestore (whole volume: destructive).
	Option   string `json:"option"`
	Snapshot string `json:"snapshot"`
	// Path is the file to restore (file_restore).
	Path string `json:"path,omitempty"`
	// CloneName names the clone (default rmcp_<run>_recovered).
	CloneName string `json:"clone_name,omitempty"`
}

func (p *recoverParams) check() error {
	switch p.Option {
	case "clone", "snaprestore":
	case "file_restore":
		if p.Path == "" {
			return &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: file_restore needs path"}
		}
	default:
		return &ops.Error{Kind: ops.KindInvalidArgs, Msg: fmt.Sprintf("params: option %q: want clone, file_restore or snaprestore (Nutanix restores: use the nutanix tools)", p.Option)}
	}
	if p.Snapshot == "" {
		return &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: snapshot is required (recommend_recovery names it)"}
	}
	return nil
}

func dataRecovery() Definition {
	return Definition{
		Kind:        "data_recovery",
		Description: "carry out a recommend_recovery option: clone, file restore or SnapRestore",
		Plan: func(ctx context.Context, a *Activities, raw json.RawMessage) ([]PlanStep, error) {
			var p recoverParams
			if err := decode(raw, &p); err != nil {
				return nil, err
			}
			if err := p.check(); err != nil {
				return nil, err
			}
			cl, t, v, err := a.volume(ctx, p.volumeRef)
			if err != nil {
				return nil, err
			}
			if s, err := ops.FindSnapshot(ctx, cl, t, v.UUID, p.Snapshot); err != nil || s == nil {
				if err == nil {
					err = &ops.Error{Kind: ops.KindNotFound, Msg: "no snapshot " + p.Snapshot + " on " + ops.VolPath(v)}
				}
				return nil, err
			}
			ent := []string{t + ":" + ops.VolPath(v) + "@" + p.Snapshot}
			act := map[string]string{
				"clone":        "FlexClone of the snapshot (nothing overwritten)",
				"file_restore": "restore " + p.Path + " in place (overwrites the live file)",
				"snaprestore":  "revert the whole volume to the snapshot (newer data and snapshots are lost)",
			}[p.Option]
			return []PlanStep{
				{Name: "preflight", Action: "the snapshot exists; the volume is online", Entities: ent},
				{Name: p.Option, Action: act, Entities: ent, Destructive: p.Option != "clone"},
				{Name: "verify", Action: "the recovered data is there", Entities: ent},
			}, nil
		},
		Run: runRecover,
	}
}

func runRecover(ctx context.Context, x *Exec, raw json.RawMessage) (any, error) {
	var p recoverParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	a := x.Activities()
	type pre struct{ Target, Volume, UUID, SVM string }
	pv, err := Do(ctx, x, "preflight", false, func(ctx context.Context, _ string, _ ops.Progress) (pre, error) {
		cl, t, v, err := a.volume(ctx, p.volumeRef)
		if err != nil {
			return pre{}, err
		}
		if s, err := ops.FindSnapshot(ctx, cl, t, v.UUID, p.Snapshot); err != nil || s == nil {
			if err == nil {
				err = &ops.Error{Kind: ops.KindNotFound, Msg: "no snapshot " + p.Snapshot + " on " + ops.VolPath(v)}
			}
			return pre{}, err
		}
		return pre{t, ops.VolPath(v), v.UUID, v.SVM.Name}, ops.SpaceCheck(v, 0)
	})
	if err != nil {
		return nil, err
	}
	cloneName := or(p.CloneName, x.Name("recovered"))
	done, err := Do(ctx, x, p.Option, p.Option != "clone", func(ctx context.Context, _ string, pr ops.Progress) (string, error) {
		cl, t, v, err := a.volume(ctx, volumeRef{Target: pv.Target, Volume: pv.UUID})
		if err != nil {
			return "", err
		}
		release, err := a.Hold(ctx, t, pr)
		if err != nil {
			return "", err
		}
		defer release()
		switch p.Option {
		case "clone":
			cv, _, err := ops.EnsureClone(ctx, cl, t, v, p.Snapshot, cloneName, pr)
			if err != nil {
				return "", err
			}
			return "clone " + ops.VolPath(cv), nil
		case "file_restore":
			_, err := ops.RunJob(ctx, cl, pr, func(o ...ontap.CallOption) (*ontap.Result, error) {
				return cl.RestoreFile(ctx, v.UUID, ontap.FileRestore{SnapshotName: p.Snapshot, Path: p.Path}, o...)
			})
			return "restored " + p.Path + " from " + p.Snapshot, ops.ONTAPError(err, t, "restore "+p.Path)
		default:
			_, err := ops.RunJob(ctx, cl, pr, func(o ...ontap.CallOption) (*ontap.Result, error) {
				return cl.RestoreVolume(ctx, v.UUID, ontap.VolumeRestore{SnapshotName: p.Snapshot}, o...)
			})
			return "reverted " + pv.Volume + " to " + p.Snapshot, ops.ONTAPError(err, t, "SnapRestore of "+pv.Volume)
		}
	})
	if err != nil {
		return nil, err
	}
	ver, err := Do(ctx, x, "verify", false, func(ctx context.Context, _ string, _ ops.Progress) (string, error) {
		cl, t, err := a.ONTAP(pv.Target)
		if err != nil {
			return "", err
		}
		switch p.Option {
		case "clone":
			v, err := ops.FindVolume(ctx, cl, t, pv.SVM, cloneName)
			if err != nil || v == nil {
				return "", fmt.Errorf("clone %s:%s not found: %w", pv.SVM, cloneName, err)
			}
			return "clone online: " + ops.VolPath(v), nil
		default:
			files, err := ops.SampleFiles(ctx, cl, t, pv.UUID, "", 3)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("volume readable, %d files sampled", len(files)), nil
		}
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"action": done, "verification": ver}, nil
}
