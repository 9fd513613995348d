package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// drParams are a disaster_recovery run's parameters (ONTAP SnapMirror).
type drParams struct {
	volumeRef
	// VM fails a Nutanix VM over instead: restored on the DR Prism Central
	// (dr_target) from its newest replica.
	VM       string `json:"vm,omitempty"`
	DRTarget string `json:"dr_target,omitempty"`
	// Type is planned, unplanned or test.
	Type string `json:"type"`
	// Hooks are run after the failover in order (e.g. dns, app_restart).
	Hooks []string `json:"hooks,omitempty"`
}

func (p *drParams) check() error {
	if p.VM != "" && p.DRTarget == "" {
		return &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: a VM failover needs dr_target, the DR Prism Central"}
	}
	switch p.Type {
	case "planned", "unplanned", "test":
	case "":
		p.Type = "test"
	default:
		return &ops.Error{Kind: ops.KindInvalidArgs, Msg: fmt.Sprintf("params: type %q: want planned, unplanned or test", p.Type)}
	}
	return nil
}

func disasterRecovery() Definition {
	return Definition{
		Kind:        "disaster_recovery",
		Description: "assess, fail a volume over to its SnapMirror destination (planned/unplanned) or test on a clone, validate, hooks, notify",
		Test: func(raw json.RawMessage) bool {
			var p drParams
			return decode(raw, &p) == nil && p.check() == nil && p.Type == "test"
		},
		Plan: func(ctx context.Context, a *Activities, raw json.RawMessage) ([]PlanStep, error) {
			var p drParams
			if err := decode(raw, &p); err != nil {
				return nil, err
			}
			if err := p.check(); err != nil {
				return nil, err
			}
			if p.VM != "" {
				return planVMFailover(ctx, a, p)
			}
			_, t, v, err := a.volume(ctx, p.volumeRef)
			if err != nil {
				return nil, err
			}
			_, dt, rel, err := a.findMirror(ctx, t, p.DRTarget, ops.VolPath(v))
			if err != nil {
				return nil, err
			}
			src, dst := []string{t + ":" + ops.VolPath(v)}, []string{dt + ":" + rel.Destination.Path}
			steps := []PlanStep{{Name: "assess", Action: "primary state, mirror state and lag (RPO at risk), expected RTO", Entities: append(src, dst...)}}
			if p.Type == "test" {
				steps = append(steps,
					PlanStep{Name: "clone", Action: "FlexClone of the destination's newest snapshot (production untouched)", Entities: dst},
					PlanStep{Name: "validate", Action: "clone online and writable, sampled files present", Entities: dst},
					PlanStep{Name: "cleanup", Action: "delete the test clone", Entities: dst, Cleanup: true})
			} else {
				if p.Type == "planned" {
					steps = append(steps, PlanStep{Name: "final_update", Action: "SnapMirror update from the primary", Entities: dst})
				} else {
					steps = append(steps, PlanStep{Name: "final_update", Action: "SnapMirror update if the primary answers", Entities: dst})
				}
				steps = append(steps,
					PlanStep{Name: "quiesce", Action: "quiesce the relationship", Entities: dst},
					PlanStep{Name: "break", Action: "break the relationship: the destination becomes writable, replication stops", Entities: dst, Destructive: true},
					PlanStep{Name: "validate", Action: "destination volume online and read-write", Entities: dst})
				for _, h := range p.Hooks {
					steps = append(steps, PlanStep{Name: "hook_" + h, Action: "call the " + h + " hook"})
				}
			}
			return append(steps, PlanStep{Name: "notify", Action: "call the notify hook"}), nil
		},
		Run: runDR,
	}
}

// Assessment is the state before a failover.
type Assessment struct {
	Primary      string `json:"primary"`
	PrimaryOK    bool   `json:"primary_reachable"`
	PrimaryError string `json:"primary_error,omitempty"`
	DRTarget     string `json:"dr_target"`
	Destination  string `json:"destination"`
	RelUUID      string `json:"relationship_uuid"`
	State        string `json:"state"`
	Healthy      bool   `json:"healthy"`
	RPOAtRiskS   int64  `json:"rpo_at_risk_s"`
	ExpectedRTOS int64  `json:"expected_rto_s"`
	// ExpectedRTOBasis says what the estimate rests on.
	ExpectedRTOBasis string `json:"expected_rto_basis,omitempty"`
	NewestSnapshot   string `json:"newest_snapshot,omitempty"`
	// NewestSnapshotAgeS is the newest destination snapshot's age: the
	// RPO a failover to it achieves.
	NewestSnapshotAgeS int64 `json:"newest_snapshot_age_s,omitempty"`
}

// DRResult is a disaster_recovery run's result.
type DRResult struct {
	Type       string       `json:"type"`
	Assessment Assessment   `json:"assessment"`
	Actions    []string     `json:"actions"`
	Hooks      []HookResult `json:"hooks,omitempty"`
	RTOS       float64      `json:"measured_rto_s"`
}

func runDR(ctx context.Context, x *Exec, raw json.RawMessage) (any, error) {
	var p drParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.VM != "" {
		return runVMFailover(ctx, x, p)
	}
	a := x.Activities()
	as, err := Do(ctx, x, "assess", false, func(ctx context.Context, _ string, _ ops.Progress) (Assessment, error) {
		return assessMirror(ctx, a, p.volumeRef, p.DRTarget, p.Type == "planned")
	})
	if err != nil {
		return nil, err
	}
	res := DRResult{Type: p.Type, Assessment: as}
	started := x.Started()
	dst := func(ctx context.Context) (*ontap.Client, *ontap.SnapmirrorRelationship, error) {
		cl, _, err := a.ONTAP(as.DRTarget)
		if err != nil {
			return nil, nil, err
		}
		rel, err := cl.GetSnapmirrorRelationship(ctx, as.RelUUID)
		if err != nil {
			return nil, nil, ops.ONTAPError(err, as.DRTarget, "SnapMirror relationship "+as.Destination)
		}
		return cl, rel, nil
	}
	if p.Type == "test" {
		return runDRTest(ctx, x, as, res)
	}
	upd, err := Do(ctx, x, "final_update", false, func(ctx context.Context, _ string, pr ops.Progress) (string, error) {
		if !as.PrimaryOK {
			return "skipped: the primary did not answer", nil
		}
		cl, rel, err := dst(ctx)
		if err != nil {
			return "", err
		}
		release, err := a.Hold(ctx, as.DRTarget, pr)
		if err != nil {
			return "", err
		}
		defer release()
		if _, err := ops.UpdateMirror(ctx, cl, as.DRTarget, rel, pr); err != nil {
			if p.Type == "planned" {
				return "", err
			}
			return "failed, continuing unplanned: " + err.Error(), nil
		}
		return "updated", nil
	})
	if err != nil {
		return nil, err
	}
	res.Actions = append(res.Actions, "final_update: "+upd)
	for _, st := range []struct {
		name, state string
		destructive bool
	}{{"quiesce", ontap.StatePaused, false}, {"break", ontap.StateBrokenOff, true}} {
		did, err := Do(ctx, x, st.name, st.destructive, func(ctx context.Context, _ string, pr ops.Progress) (bool, error) {
			cl, rel, err := dst(ctx)
			if err != nil {
				return false, err
			}
			release, err := a.Hold(ctx, as.DRTarget, pr)
			if err != nil {
				return false, err
			}
			defer release()
			if st.state == ontap.StatePaused && rel.State == ontap.StateBrokenOff {
				return false, nil
			}
			return ops.SetMirrorState(ctx, cl, as.DRTarget, rel, st.state, pr)
		})
		if err != nil {
			return nil, err
		}
		res.Actions = append(res.Actions, fmt.Sprintf("%s %s: changed=%v", st.name, as.Destination, did))
	}
	if _, err := Do(ctx, x, "validate", false, func(ctx context.Context, _ string, _ ops.Progress) (string, error) {
		cl, _, err := a.ONTAP(as.DRTarget)
		if err != nil {
			return "", err
		}
		v, err := ops.ResolveVolume(ctx, cl, as.DRTarget, as.Destination, "")
		if err != nil {
			return "", err
		}
		if v.State != "" && v.State != "online" {
			return "", &ops.Error{Kind: ops.KindBackend, Msg: fmt.Sprintf("%s is %s after the break", as.Destination, v.State)}
		}
		rel, err := cl.GetSnapmirrorRelationship(ctx, as.RelUUID)
		if err != nil {
			return "", ops.ONTAPError(err, as.DRTarget, "relationship "+as.Destination)
		}
		if rel.State != ontap.StateBrokenOff {
			return "", &ops.Error{Kind: ops.KindBackend, Msg: fmt.Sprintf("%s is still %s, not writable", as.Destination, rel.State)}
		}
		return "online, relationship broken_off (writable)", nil
	}); err != nil {
		return nil, err
	}
	for _, h := range p.Hooks {
		hr, err := Do(ctx, x, "hook_"+h, false, func(ctx context.Context, _ string, _ ops.Progress) (HookResult, error) {
			return a.RunHook(ctx, h, map[string]any{"workflow": "disaster_recovery", "run": x.RunID(), "type": p.Type, "volume": as.Destination, "cluster": as.DRTarget}), nil
		})
		if err != nil {
			return nil, err
		}
		res.Hooks = append(res.Hooks, hr)
	}
	return finishDR(ctx, x, res, started)
}

func runDRTest(ctx context.Context, x *Exec, as Assessment, res DRResult) (any, error) {
	started := x.Started()
	name := x.Name("drtest")
	c, err := Do(ctx, x, "clone", false, cloneDestination(x, as, name))
	if err != nil {
		return nil, err
	}
	res.Actions = append(res.Actions, "cloned "+as.Destination+"@"+as.NewestSnapshot+" as "+c.Name)
	_, verr := Do(ctx, x, "validate", false, validateClone(x, as, c))
	svm, _, _ := cut(c.Name)
	if _, err := Do(ctx, x, "cleanup", false, cleanupClone(x, as.DRTarget, svm, name)); err != nil {
		return nil, err
	}
	res.Actions = append(res.Actions, "deleted test clone "+c.Name)
	if verr != nil {
		return nil, verr
	}
	return finishDR(ctx, x, res, started)
}

func finishDR(ctx context.Context, x *Exec, res DRResult, started time.Time) (any, error) {
	a := x.Activities()
	res.RTOS = roundMS(x.Now().Sub(started)) // from the run's start, approval waits included
	n, err := Do(ctx, x, "notify", false, func(ctx context.Context, _ string, _ ops.Progress) (HookResult, error) {
		return a.RunHook(ctx, "notify", map[string]any{"workflow": "disaster_recovery", "run": x.RunID(), "type": res.Type, "actions": res.Actions}), nil
	})
	if err != nil {
		return nil, err
	}
	res.Hooks = append(res.Hooks, n)
	return res, nil
}

func newest(snaps []ontap.Snapshot) ontap.Snapshot {
	best := snaps[0]
	for _, s := range snaps[1:] {
		if s.CreateTime.After(best.CreateTime) {
			best = s
		}
	}
	return best
}

func cut(path string) (svm, name string, ok bool) {
	for i := 0; i < len(path); i++ {
		if path[i] == ':' {
			return path[:i], path[i+1:], true
		}
	}
	return "", path, false
}

func planVMFailover(ctx context.Context, a *Activities, p drParams) ([]PlanStep, error) {
	dcl, dt, err := a.Nutanix(p.DRTarget)
	if err != nil {
		return nil, err
	}
	vmID, name, err := a.sourceVM(ctx, p)
	if err != nil {
		return nil, err
	}
	rp, _, err := ops.NewestRecoveryPointOf(ctx, dcl, dt, vmID)
	if err != nil {
		return nil, err
	}
	if rp == nil {
		return nil, &ops.Error{Kind: ops.KindPrecheck, Msg: fmt.Sprintf("no replica of %s on %s to fail over to", name, dt), Hint: "Protect it with a policy that replicates to the DR site."}
	}
	ent := []string{dt + ":" + name}
	if p.Type == "test" {
		iso := []string{dt + ":rmcp_<run>_drtest"}
		return []PlanStep{
			{Name: "assess", Action: "the VM on the primary, its newest replica on the DR Prism Central (RPO achieved)", Entities: ent},
			{Name: "restore", Action: "restore replica " + rp.Name + " as VM rmcp_<run>_drtest on the DR Prism Central (name checked first, NTNX-Request-Id journalled; production untouched)", Entities: iso},
			{Name: "isolate", Action: "before power-on: " + a.isolationOn(dt).Describe() + " of the test VM (the source still runs in production)", Entities: iso},
			{Name: "boot", Action: "power the restored VM on (vmm power-on) if the restore left it off, only once it is isolated", Entities: iso},
			{Name: "validate", Action: "the restored VM is powered on", Entities: iso},
			{Name: "cleanup", Action: "delete the restored test VM (only that name)", Entities: iso, Cleanup: true},
			{Name: "notify", Action: "call the notify hook"},
		}, nil
	}
	steps := []PlanStep{
		{Name: "assess", Action: "the VM on the primary, its newest replica on the DR Prism Central (RPO at risk)", Entities: ent},
		{Name: "restore", Action: "restore the VM from replica " + rp.Name + " on the DR Prism Central (NTNX-Request-Id journalled)", Entities: ent},
		{Name: "validate", Action: "the restored VM exists; its power state is reported", Entities: ent},
	}
	for _, h := range p.Hooks {
		steps = append(steps, PlanStep{Name: "hook_" + h, Action: "call the " + h + " hook"})
	}
	return append(steps, PlanStep{Name: "notify", Action: "call the notify hook"}), nil
}

// sourceVM resolves the VM on the primary Prism Central, or, when that
// does not answer (unplanned), takes the name as given and finds it by
// name among the DR replicas' VM recovery points later.
func (a *Activities) sourceVM(ctx context.Context, p drParams) (extID, name string, err error) {
	cl, t, err := a.Nutanix(p.Target)
	if err != nil {
		return "", "", err
	}
	vm, err := ops.ResolveVM(ctx, cl, t, p.VM)
	if err != nil {
		return "", "", err
	}
	return vm.ExtID, vm.Name, nil
}

// VMFailover is a VM failover's result.
type VMFailover struct {
	Type       string `json:"type"`
	VM         string `json:"vm"`
	DRTarget   string `json:"dr_target"`
	Replica    string `json:"replica"`
	RPOAtRiskS int64  `json:"rpo_at_risk_s"`
	RestoredVM string `json:"restored_vm_ext_id"`
	PowerState string `json:"power_state,omitempty"`
	CleanedUp  bool   `json:"cleaned_up,omitempty"`
	// Isolation is what a test failover did to the test VM's NICs before
	// its power-on.
	Isolation *vmIsolation `json:"isolation,omitempty"`
	Hooks     []HookResult `json:"hooks,omitempty"`
	RTOS      float64      `json:"measured_rto_s"`
}

func runVMFailover(ctx context.Context, x *Exec, p drParams) (any, error) {
	a := x.Activities()
	if p.Type == "test" {
		return runVMTest(ctx, x, p)
	}
	type assessed struct {
		VMExtID, Name, RP, RPName, VMRP string
		RPOS                            int64
	}
	as, err := Do(ctx, x, "assess", false, func(ctx context.Context, _ string, _ ops.Progress) (assessed, error) {
		vmID, name, err := a.sourceVM(ctx, p)
		if err != nil {
			return assessed{}, err
		}
		dcl, dt, err := a.Nutanix(p.DRTarget)
		if err != nil {
			return assessed{}, err
		}
		rp, vrp, err := ops.NewestRecoveryPointOf(ctx, dcl, dt, vmID)
		if err != nil {
			return assessed{}, err
		}
		if rp == nil || vrp == nil {
			return assessed{}, &ops.Error{Kind: ops.KindPrecheck, Msg: fmt.Sprintf("no replica of %s on %s", name, dt)}
		}
		return assessed{vmID, name, rp.ExtID, rp.Name, vrp.ExtID, since(a.now(), rp.CreationTime)}, nil
	})
	if err != nil {
		return nil, err
	}
	newID, err := Do(ctx, x, "restore", false, func(ctx context.Context, key string, pr ops.Progress) (string, error) {
		dcl, dt, err := a.Nutanix(p.DRTarget)
		if err != nil {
			return "", err
		}
		release, err := a.Hold(ctx, dt, pr)
		if err != nil {
			return "", err
		}
		defer release()
		return ops.RestoreVM(ctx, dcl, dt, as.RP, as.VMRP, as.Name+"-dr", key, pr)
	})
	if err != nil {
		return nil, err
	}
	power, err := Do(ctx, x, "validate", false, func(ctx context.Context, _ string, _ ops.Progress) (string, error) {
		dcl, dt, err := a.Nutanix(p.DRTarget)
		if err != nil {
			return "", err
		}
		vm, err := dcl.GetVM(ctx, newID)
		if err != nil {
			return "", ops.NutanixError(err, dt, "restored vm "+newID)
		}
		return vm.PowerState, nil
	})
	if err != nil {
		return nil, err
	}
	res := VMFailover{Type: p.Type, VM: as.Name, DRTarget: p.DRTarget, Replica: as.RPName, RPOAtRiskS: as.RPOS, RestoredVM: newID, PowerState: power}
	for _, h := range append(append([]string{}, p.Hooks...), "notify") {
		step := "hook_" + h
		if h == "notify" {
			step = "notify"
		}
		hr, err := Do(ctx, x, step, false, func(ctx context.Context, _ string, _ ops.Progress) (HookResult, error) {
			return a.RunHook(ctx, h, map[string]any{"workflow": "disaster_recovery", "run": x.RunID(), "type": p.Type, "vm": as.Name, "restored_vm": newID}), nil
		})
		if err != nil {
			return nil, err
		}
		res.Hooks = append(res.Hooks, hr)
	}
	res.RTOS = roundMS(x.Now().Sub(x.Started()))
	return res, nil
}

// runVMTest is a VM test failover: restored from the newest replica on
// the DR Prism Central under the run's own name, booted, validated and
// deleted again.
func runVMTest(ctx context.Context, x *Exec, p drParams) (any, error) {
	a := x.Activities()
	pt, err := Do(ctx, x, "assess", false, func(ctx context.Context, _ string, _ ops.Progress) (vmPoint, error) {
		return a.vmPointOf(ctx, p.Target, p.DRTarget, p.VM)
	})
	if err != nil {
		return nil, err
	}
	name := x.Name("drtest")
	c, err := Do(ctx, x, "restore", false, restoreVMClone(x, pt, name))
	if err != nil {
		return nil, err
	}
	// The test VM is a second copy of a VM that still runs in production:
	// it is powered on only once every NIC is isolated.
	isol, verr := Do(ctx, x, "isolate", false, captured(isolateVM(x, pt.On, c)))
	if verr == nil && isol.Err != "" {
		verr = &ops.Error{Kind: ops.KindBackend, Msg: "isolate the test VM before power-on: " + isol.Err, Hint: "The test VM was not powered on. Fix workflows.drills.isolated_subnet or the NIC, then test again."}
	}
	var chk vmCheck
	if verr == nil {
		var cerr error
		_, verr = Do(ctx, x, "boot", false, bootVM(x, pt.On, c))
		// The check runs even when the boot failed, so the steps are the
		// same on every path (a replay after a crash meets the journal's
		// order).
		chk, cerr = Do(ctx, x, "validate", false, verifyVM(x, pt.On, c))
		if verr == nil {
			verr = cerr
		}
	}
	if _, err := Do(ctx, x, "cleanup", false, cleanupVMClone(x, pt.On, name)); err != nil {
		return nil, err
	}
	if verr != nil {
		return nil, verr
	}
	res := VMFailover{Type: p.Type, VM: pt.VM, DRTarget: pt.On, Replica: pt.RPName, RPOAtRiskS: pt.RPOS, RestoredVM: c.ExtID, PowerState: chk.PowerState, CleanedUp: true, Isolation: &isol.V}
	n, err := Do(ctx, x, "notify", false, func(ctx context.Context, _ string, _ ops.Progress) (HookResult, error) {
		return a.RunHook(ctx, "notify", map[string]any{"workflow": "disaster_recovery", "run": x.RunID(), "type": p.Type, "vm": pt.VM, "restored_vm": c.ExtID, "cleaned_up": true}), nil
	})
	if err != nil {
		return nil, err
	}
	res.Hooks = append(res.Hooks, n)
	res.RTOS = roundMS(chk.At.Sub(x.Started()))
	return res, nil
}
