package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// drillParams are a recovery_testing run's parameters.
type drillParams struct {
	volumeRef
	// Type is volume (clone the volume), file (restore sampled files into
	// a clone and compare them), vm (restore a VM as an isolated clone and
	// boot it) or dr (a test failover of a group of volumes and VMs).
	Type string `json:"type,omitempty"`
	// Snapshot to test (default: the newest).
	Snapshot string `json:"snapshot,omitempty"`
	// Sample is how many files to verify (default 5).
	Sample int `json:"sample,omitempty"`
	// RPOTargetS is the RPO the achieved one is compared with (default 1 day).
	RPOTargetS int64 `json:"rpo_target_s,omitempty"`
	// RTOTargetS overrides the RTO target (default: file 5 min, volume 30
	// min, a VM its tier's, a dr drill its strictest entity's).
	RTOTargetS int64 `json:"rto_target_s,omitempty"`
	// VM (type vm) is the VM to test on target, the Prism Central; with
	// dr_target the restore runs there from the newest replica.
	VM       string `json:"vm,omitempty"`
	DRTarget string `json:"dr_target,omitempty"`
	// Type dr: the group. Volumes are ONTAP volumes on target (their
	// mirrors on dr_target, or the other ONTAP cluster holding them); VMs,
	// or every VM with the category (key:value) or of the tier, are on
	// nutanix_target, restored on nutanix_dr_target.
	Volumes         []string `json:"volumes,omitempty"`
	VMs             []string `json:"vms,omitempty"`
	Category        string   `json:"category,omitempty"`
	Tier            int      `json:"tier,omitempty"`
	NutanixTarget   string   `json:"nutanix_target,omitempty"`
	NutanixDRTarget string   `json:"nutanix_dr_target,omitempty"`
}

func (p *drillParams) check() error {
	bad := func(f string, a ...any) error {
		return &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: " + fmt.Sprintf(f, a...)}
	}
	switch p.Type {
	case "":
		p.Type = "volume"
	case "volume", "file", "vm", "dr":
	default:
		return bad("type %q: want volume, file, vm or dr", p.Type)
	}
	group := len(p.Volumes)+len(p.VMs) > 0 || p.Category != "" || p.Tier != 0 || p.NutanixTarget != "" || p.NutanixDRTarget != ""
	switch p.Type {
	case "vm":
		if p.VM == "" || p.Volume != "" || group {
			return bad("type vm takes vm (with target and dr_target naming Prism Centrals), not volume or a group")
		}
	case "dr":
		if len(p.Volumes)+len(p.VMs) == 0 && p.Category == "" && p.Tier == 0 {
			return bad("type dr needs the group: volumes, vms, category or tier")
		}
		if p.Volume != "" || p.VM != "" || p.Snapshot != "" {
			return bad("type dr takes volumes and vms (lists), not volume, vm or snapshot")
		}
	default:
		if p.VM != "" || group {
			return bad("type %s tests one volume; use type vm or dr for VMs and groups", p.Type)
		}
	}
	if p.Sample <= 0 {
		p.Sample = 5
	}
	if p.RPOTargetS <= 0 {
		p.RPOTargetS = 86400
	}
	return nil
}

// Criteria are the drill success criteria (seconds).
var drillRTOTarget = map[string]int64{"file": 5 * 60, "volume": 30 * 60}

func recoveryTesting() Definition {
	return Definition{
		Kind:        "recovery_testing",
		Description: "volume, file, VM or full-DR drill: clone or restore into an isolated name, verify (files, VM boots), measure RTO and RPO, clean up, report against criteria",
		Test:        func(json.RawMessage) bool { return true },
		Plan: func(ctx context.Context, a *Activities, raw json.RawMessage) ([]PlanStep, error) {
			var p drillParams
			if err := decode(raw, &p); err != nil {
				return nil, err
			}
			if err := p.check(); err != nil {
				return nil, err
			}
			switch p.Type {
			case "vm":
				return planVMDrill(ctx, a, p)
			case "dr":
				return planDRDrill(ctx, a, p)
			}
			_, t, v, err := a.volume(ctx, p.volumeRef)
			if err != nil {
				return nil, err
			}
			ent := []string{t + ":" + ops.VolPath(v)}
			return []PlanStep{
				{Name: "select", Action: "pick the snapshot (" + or(p.Snapshot, "newest") + ") and measure the achieved RPO", Entities: ent},
				{Name: "clone", Action: "FlexClone rmcp_<run>_drill of the snapshot (isolated; production untouched)", Entities: ent},
				{Name: "verify", Action: fmt.Sprintf("compare %d sampled files of the clone with the snapshot (name, size, mtime)", p.Sample), Entities: ent},
				{Name: "cleanup", Action: "delete the drill clone", Entities: ent, Cleanup: true},
				{Name: "report", Action: "RTO and RPO against the criteria, evidence, recommendations"},
			}, nil
		},
		Run: runDrill,
	}
}

func or64(v, d int64) int64 {
	if v > 0 {
		return v
	}
	return d
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Evidence is what a drill verified.
type Evidence struct {
	File     string `json:"file"`
	Size     int64  `json:"size"`
	Modified string `json:"modified,omitempty"`
	Match    bool   `json:"match"`
}

// DrillResult is a recovery_testing run's report.
type DrillResult struct {
	Volume          string     `json:"volume"`
	Type            string     `json:"type"`
	Snapshot        string     `json:"snapshot"`
	Clone           string     `json:"clone"`
	RTOS            float64    `json:"rto_s"`
	RTOTargetS      int64      `json:"rto_target_s"`
	RPOS            int64      `json:"rpo_s"`
	RPOTargetS      int64      `json:"rpo_target_s"`
	Verified        int        `json:"verified_files"`
	Evidence        []Evidence `json:"evidence"`
	CleanedUp       bool       `json:"cleaned_up"`
	Passed          bool       `json:"passed"`
	Recommendations []string   `json:"recommendations,omitempty"`
}

func runDrill(ctx context.Context, x *Exec, raw json.RawMessage) (any, error) {
	var p drillParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	switch p.Type {
	case "vm":
		return runVMDrill(ctx, x, p)
	case "dr":
		return runDRDrill(ctx, x, p)
	}
	a := x.Activities()
	type sel struct {
		Target, Volume, UUID, Snapshot string
		RPOS                           int64
	}
	s, err := Do(ctx, x, "select", false, func(ctx context.Context, _ string, _ ops.Progress) (sel, error) {
		cl, t, v, err := a.volume(ctx, p.volumeRef)
		if err != nil {
			return sel{}, err
		}
		var snap *ontap.Snapshot
		if p.Snapshot != "" {
			if snap, err = ops.FindSnapshot(ctx, cl, t, v.UUID, p.Snapshot); err == nil && snap == nil {
				err = &ops.Error{Kind: ops.KindNotFound, Msg: "no snapshot " + p.Snapshot + " on " + ops.VolPath(v)}
			}
		} else {
			var snaps []ontap.Snapshot
			if snaps, err = ops.ListSnapshots(ctx, cl, t, v); err == nil {
				if len(snaps) == 0 {
					err = &ops.Error{Kind: ops.KindPrecheck, Msg: ops.VolPath(v) + " has no snapshot to test"}
				} else {
					n := newest(snaps)
					snap = &n
				}
			}
		}
		if err != nil {
			return sel{}, err
		}
		return sel{t, ops.VolPath(v), v.UUID, snap.Name, since(a.now(), snap.CreateTime)}, nil
	})
	if err != nil {
		return nil, err
	}
	name := x.Name("drill")
	type cloned struct {
		Name, UUID string
		At         time.Time
	}
	c, err := Do(ctx, x, "clone", false, func(ctx context.Context, _ string, pr ops.Progress) (cloned, error) {
		cl, t, v, err := a.volume(ctx, volumeRef{Target: s.Target, Volume: s.UUID})
		if err != nil {
			return cloned{}, err
		}
		release, err := a.Hold(ctx, t, pr)
		if err != nil {
			return cloned{}, err
		}
		defer release()
		cv, _, err := ops.EnsureClone(ctx, cl, t, v, s.Snapshot, name, pr)
		if err != nil {
			return cloned{}, err
		}
		return cloned{ops.VolPath(cv), cv.UUID, x.Now()}, nil
	})
	if err != nil {
		return nil, err
	}
	type verified struct {
		Evidence []Evidence
		At       time.Time
	}
	ver, verr := Do(ctx, x, "verify", false, func(ctx context.Context, _ string, _ ops.Progress) (verified, error) {
		cl, t, err := a.ONTAP(s.Target)
		if err != nil {
			return verified{}, err
		}
		want, err := ops.SampleFiles(ctx, cl, t, s.UUID, s.Snapshot, p.Sample)
		if err != nil {
			return verified{}, err
		}
		got, err := ops.SampleFiles(ctx, cl, t, c.UUID, "", p.Sample*4)
		if err != nil {
			return verified{}, err
		}
		have := map[string]ontap.FileInfo{}
		for _, f := range got {
			have[f.Path] = f
		}
		var ev []Evidence
		for _, f := range want {
			g, ok := have[f.Path]
			ev = append(ev, Evidence{File: f.Path, Size: f.Size, Modified: f.ModifiedTime.UTC().Format(time.RFC3339),
				Match: ok && g.Size == f.Size && g.ModifiedTime.Equal(f.ModifiedTime)})
		}
		return verified{ev, x.Now()}, nil
	})
	// The clone goes whatever the verification found.
	cleaned, err := Do(ctx, x, "cleanup", false, func(ctx context.Context, _ string, pr ops.Progress) (bool, error) {
		cl, t, err := a.ONTAP(s.Target)
		if err != nil {
			return false, err
		}
		svm, _, _ := cut(c.Name)
		release, err := a.Hold(ctx, t, pr)
		if err != nil {
			return false, err
		}
		defer release()
		if _, err := ops.DeleteVolumeIfExists(ctx, cl, t, svm, name, pr); err != nil {
			return false, err
		}
		left, err := ops.FindVolume(ctx, cl, t, svm, name)
		return left == nil, err
	})
	if err != nil {
		return nil, err
	}
	if verr != nil {
		return nil, verr
	}
	return Do(ctx, x, "report", false, func(ctx context.Context, _ string, _ ops.Progress) (DrillResult, error) {
		r := DrillResult{Volume: s.Target + ":" + s.Volume, Type: p.Type, Snapshot: s.Snapshot, Clone: c.Name,
			RTOS: roundMS(ver.At.Sub(x.Started())), RTOTargetS: or64(p.RTOTargetS, drillRTOTarget[p.Type]),
			RPOS: s.RPOS, RPOTargetS: p.RPOTargetS, Evidence: ver.Evidence, CleanedUp: cleaned}
		ok := len(ver.Evidence) > 0
		for _, e := range ver.Evidence {
			if e.Match {
				r.Verified++
			} else {
				ok = false
			}
		}
		if len(ver.Evidence) == 0 {
			r.Recommendations = append(r.Recommendations, "No files were found to sample: add a test file to the volume so drills can prove data, not just a clone.")
		}
		if r.RTOS > float64(r.RTOTargetS) {
			ok = false
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("RTO %.0fs exceeds the %ds target: keep clones pre-staged or shorten the approval path.", r.RTOS, r.RTOTargetS))
		}
		if r.RPOS > r.RPOTargetS || r.RPOS < 0 {
			ok = false
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("Achieved RPO %ds exceeds the %ds target: snapshot more often (a tighter snapshot policy).", r.RPOS, r.RPOTargetS))
		}
		r.Passed = ok && cleaned
		return r, nil
	})
}
