package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// The test-failover pieces: one volume tested on a FlexClone of its newest
// replicated snapshot on the DR SVM, one VM restored from its newest
// recovery point (on the DR Prism Central when asked) under an isolated
// name, booted and verified, and both cleaned up. disaster_recovery type
// test and the recovery_testing vm and dr drills are made of them; each
// piece is a StepFunc, so the caller names the step (and, in a full-DR
// drill, captures an entity's failure instead of failing the run).

// assessMirror is a volume's state before a failover or test: the primary
// (optional unless planned), the SnapMirror relationship on drTarget (or
// the one other ONTAP target holding it), its lag and the destination's
// newest snapshot.
func assessMirror(ctx context.Context, a *Activities, ref volumeRef, drTarget string, needPrimary bool) (Assessment, error) {
	cl, t, err := a.ONTAP(ref.Target)
	if err != nil {
		return Assessment{}, err
	}
	out := Assessment{Primary: t + ":" + ref.Volume}
	path := ref.Volume
	if v, err := ops.ResolveVolume(ctx, cl, t, ref.Volume, ref.SVM); err != nil {
		out.PrimaryError = err.Error()
		if needPrimary {
			return out, fmt.Errorf("planned failover needs the primary: %w", err)
		}
	} else {
		out.PrimaryOK, path, out.Primary = true, ops.VolPath(v), t+":"+ops.VolPath(v)
	}
	dcl, dt, rel, err := a.findMirror(ctx, t, drTarget, path)
	if err != nil {
		return out, err
	}
	out.DRTarget, out.Destination, out.RelUUID, out.State = dt, rel.Destination.Path, rel.UUID, rel.State
	out.Healthy = rel.Healthy == nil || *rel.Healthy
	if d, err := rel.LagTime.Duration(); err == nil {
		out.RPOAtRiskS = int64(d / time.Second)
	}
	dv, err := ops.ResolveVolume(ctx, dcl, dt, rel.Destination.Path, "")
	if err != nil {
		return out, err
	}
	snaps, err := ops.ListSnapshots(ctx, dcl, dt, dv)
	if err != nil {
		return out, err
	}
	if len(snaps) > 0 {
		n := newest(snaps)
		out.NewestSnapshot, out.NewestSnapshotAgeS = n.Name, since(a.now(), n.CreateTime)
	}
	out.ExpectedRTOS, out.ExpectedRTOBasis = expectedRTO(rel.Transfer.TotalDuration, out.PrimaryOK)
	return out, nil
}

// failoverOverhead is what a failover costs besides the final transfer:
// quiesce and break return in seconds on ONTAP, and the run's own steps
// (assess, validate, notify) add a few more. [assumption] a minute, a
// round upper figure; the hooks' own time comes on top.
const failoverOverhead = time.Minute

// expectedRTO estimates a failover's duration from the relationship: when
// the primary answers, the final update moves about what the last transfer
// did, so it takes about as long (transfer.total_duration); the basis says
// which figures it rests on.
func expectedRTO(lastTransfer ontap.ISODuration, primaryOK bool) (int64, string) {
	rto := failoverOverhead
	basis := "quiesce and break (1 min, an assumption)"
	if d, err := lastTransfer.Duration(); primaryOK && err == nil && d > 0 {
		rto += d
		basis = "final update as long as the last transfer (" + inventory.Human(d) + ") + " + basis
	} else if primaryOK {
		basis += "; the last transfer's duration is unknown, so the final update is not counted"
	}
	return int64(rto / time.Second), basis + "; hooks not counted"
}

// testClone is a FlexClone made for a test failover.
type testClone struct {
	Name  string    `json:"name"`
	UUID  string    `json:"uuid"`
	Began time.Time `json:"began"`
	At    time.Time `json:"at"`
}

// cloneDestination clones the destination's newest snapshot as name on
// the DR SVM (checked before the create: a repeated attempt finds it).
func cloneDestination(x *Exec, as Assessment, name string) StepFunc[testClone] {
	a := x.Activities()
	return func(ctx context.Context, _ string, pr ops.Progress) (testClone, error) {
		began := x.Now()
		cl, _, err := a.ONTAP(as.DRTarget)
		if err != nil {
			return testClone{}, err
		}
		dv, err := ops.ResolveVolume(ctx, cl, as.DRTarget, as.Destination, "")
		if err != nil {
			return testClone{}, err
		}
		if as.NewestSnapshot == "" {
			return testClone{}, &ops.Error{Kind: ops.KindPrecheck, Msg: as.Destination + " has no snapshot to test from"}
		}
		release, err := a.Hold(ctx, as.DRTarget, pr)
		if err != nil {
			return testClone{}, err
		}
		defer release()
		v, _, err := ops.EnsureClone(ctx, cl, as.DRTarget, dv, as.NewestSnapshot, name, pr)
		if err != nil {
			return testClone{}, err
		}
		return testClone{ops.VolPath(v), v.UUID, began, x.Now()}, nil
	}
}

// cloneCheck is what a test clone's validation found.
type cloneCheck struct {
	State        string    `json:"state"`
	Type         string    `json:"type"`
	Writable     bool      `json:"writable"`
	SampledFiles int       `json:"sampled_files"`
	At           time.Time `json:"at"`
}

// validateClone checks the clone is online and read-write (writable) and
// samples its files; a clone that is not online and writable fails.
func validateClone(x *Exec, as Assessment, c testClone) StepFunc[cloneCheck] {
	a := x.Activities()
	return func(ctx context.Context, _ string, _ ops.Progress) (cloneCheck, error) {
		cl, _, err := a.ONTAP(as.DRTarget)
		if err != nil {
			return cloneCheck{}, err
		}
		v, err := cl.GetVolume(ctx, c.UUID, "uuid", "name", "svm", "state", "type")
		if err != nil {
			return cloneCheck{}, ops.ONTAPError(err, as.DRTarget, "test clone "+c.Name)
		}
		out := cloneCheck{State: v.State, Type: v.Type, Writable: v.State == "online" && (v.Type == "" || v.Type == "rw")}
		if !out.Writable {
			return out, &ops.Error{Kind: ops.KindBackend, Msg: fmt.Sprintf("test clone %s is %s/%s, not online and writable", c.Name, v.State, v.Type)}
		}
		files, err := ops.SampleFiles(ctx, cl, as.DRTarget, c.UUID, "", 5)
		if err != nil {
			return out, err
		}
		out.SampledFiles, out.At = len(files), x.Now()
		return out, nil
	}
}

// cleanupClone deletes the test clone named name on the DR SVM (nothing
// else: the name is the run's own) and reports whether it is gone.
func cleanupClone(x *Exec, drTarget, svm, name string) StepFunc[bool] {
	a := x.Activities()
	return func(ctx context.Context, _ string, pr ops.Progress) (bool, error) {
		cl, _, release, err := a.ontapWrite(ctx, drTarget, pr)
		if err != nil {
			return false, err
		}
		defer release()
		if _, err := ops.DeleteVolumeIfExists(ctx, cl, drTarget, svm, name, pr); err != nil {
			return false, err
		}
		left, err := ops.FindVolume(ctx, cl, drTarget, svm, name)
		return left == nil, err
	}
}

// vmPoint is a VM and the recovery point a VM test restores from.
type vmPoint struct {
	Primary string   `json:"primary"` // Prism Central of the VM
	VM      string   `json:"vm"`
	VMExtID string   `json:"vm_ext_id"`
	On      string   `json:"restore_on"` // Prism Central the restore runs on
	RP      string   `json:"recovery_point"`
	RPName  string   `json:"recovery_point_name"`
	VMRP    string   `json:"vm_recovery_point"`
	RPOS    int64    `json:"rpo_s"`
	Tier    int      `json:"tier"`
	Tags    []string `json:"tags,omitempty"`
}

// vmPointOf resolves the VM on primary and finds its newest complete
// recovery point on drTarget (its newest replica) or, with no drTarget,
// on primary; the VM's tier comes from the analysis tier rules.
func (a *Activities) vmPointOf(ctx context.Context, primary, drTarget, ref string) (vmPoint, error) {
	cl, t, err := a.Nutanix(primary)
	if err != nil {
		return vmPoint{}, err
	}
	vm, err := ops.ResolveVM(ctx, cl, t, ref)
	if err != nil {
		return vmPoint{}, err
	}
	tags, err := ops.VMTags(ctx, cl, t, vm)
	if err != nil {
		return vmPoint{}, err
	}
	on, ocl := t, cl
	if drTarget != "" {
		if ocl, on, err = a.Nutanix(drTarget); err != nil {
			return vmPoint{}, err
		}
	}
	rp, vrp, err := ops.NewestRecoveryPointOf(ctx, ocl, on, vm.ExtID)
	if err != nil {
		return vmPoint{}, err
	}
	if rp == nil || vrp == nil {
		hint := "Create a recovery point first (nutanix_create_recovery_point)."
		if on != t {
			hint = "Protect it with a policy that replicates to " + on + "."
		}
		return vmPoint{}, &ops.Error{Kind: ops.KindPrecheck, Msg: fmt.Sprintf("no recovery point of %s on %s to restore from", vm.Name, on), Hint: hint}
	}
	return vmPoint{Primary: t, VM: vm.Name, VMExtID: vm.ExtID, On: on, RP: rp.ExtID, RPName: rp.Name, VMRP: vrp.ExtID,
		RPOS: since(a.now(), rp.CreationTime), Tier: a.tierOf(vm.Name, t, tags), Tags: tags}, nil
}

// tierOf classifies a VM with the configured tier rules (the analysis
// section's tiers; the defaults when none are configured).
func (a *Activities) tierOf(name, target string, tags []string) int {
	rules := analysis.DefaultTierRules()
	if a.Tiers != nil && (len(a.Tiers.Rules) > 0 || a.Tiers.DefaultTier > 0) {
		rules = *a.Tiers // a zero value (a config built in code) keeps the defaults
	}
	tier, _ := rules.Classify(&inventory.Entity{Kind: inventory.EntityVM, Name: name, Target: target, Tags: tags})
	return tier
}

// tierRTO is a VM drill's RTO target for tier, in seconds, when the run
// names none (rto_target_s): tier 1 one hour, tier 2 four hours, lower
// tiers twelve hours (the analysis recovery.target_rto default).
// [assumption: the analysis tiers carry no RTO of their own]
func tierRTO(tier int) int64 {
	switch tier {
	case 1:
		return 3600
	case 2:
		return 4 * 3600
	default:
		return 12 * 3600
	}
}

// vmClone is a VM a test restored.
type vmClone struct {
	Name  string    `json:"name"`
	ExtID string    `json:"ext_id"`
	Began time.Time `json:"began"`
	At    time.Time `json:"at"`
}

// restoreVMClone restores the VM of pt as name on pt.On: the name is
// checked before the create and the restore carries the step's journalled
// NTNX-Request-Id.
func restoreVMClone(x *Exec, pt vmPoint, name string) StepFunc[vmClone] {
	a := x.Activities()
	return func(ctx context.Context, key string, pr ops.Progress) (vmClone, error) {
		began := x.Now()
		cl, t, release, err := a.nutanixWrite(ctx, pt.On, pr)
		if err != nil {
			return vmClone{}, err
		}
		defer release()
		id, _, err := ops.EnsureRestoredVM(ctx, cl, t, pt.RP, pt.VMRP, name, key, pr)
		if err != nil {
			return vmClone{}, err
		}
		return vmClone{name, id, began, x.Now()}, nil
	}
}

// vmIsolation is what a drill's isolate step did to a restored VM.
type vmIsolation struct {
	// Mode is "isolated subnet <ref>" or "disconnected".
	Mode string             `json:"mode"`
	NICs []ops.NICIsolation `json:"nics"`
}

// isolateVM moves every NIC of the restored VM to the isolated subnet
// configured for on, or disconnects it, before the VM is powered on (see
// ops.IsolateVM); the boot step runs only after this one succeeded.
func isolateVM(x *Exec, on string, c vmClone) StepFunc[vmIsolation] {
	a := x.Activities()
	return func(ctx context.Context, key string, pr ops.Progress) (vmIsolation, error) {
		cl, t, release, err := a.nutanixWrite(ctx, on, pr)
		if err != nil {
			return vmIsolation{}, err
		}
		defer release()
		how := a.isolationOn(t)
		out := vmIsolation{Mode: "disconnected"}
		if how.SubnetRef != "" {
			out.Mode = "isolated subnet " + how.SubnetRef
		}
		out.NICs, err = ops.IsolateVM(ctx, cl, t, c.ExtID, how, key, pr)
		return out, err
	}
}

// bootVM powers the restored VM on with the vmm power-on action when the
// restore left it off (Nutanix restores VMs powered off); it reports
// whether it acted.
func bootVM(x *Exec, on string, c vmClone) StepFunc[bool] {
	a := x.Activities()
	return func(ctx context.Context, key string, pr ops.Progress) (bool, error) {
		cl, t, release, err := a.nutanixWrite(ctx, on, pr)
		if err != nil {
			return false, err
		}
		defer release()
		return ops.PowerOnVM(ctx, cl, t, c.ExtID, key, pr)
	}
}

// vmCheck is what a restored VM's verification found.
type vmCheck struct {
	PowerState string    `json:"power_state"`
	Host       string    `json:"host,omitempty"`
	At         time.Time `json:"at"`
}

// verifyVM checks that the restored VM is powered on.
func verifyVM(x *Exec, on string, c vmClone) StepFunc[vmCheck] {
	a := x.Activities()
	return func(ctx context.Context, _ string, _ ops.Progress) (vmCheck, error) {
		cl, t, err := a.Nutanix(on)
		if err != nil {
			return vmCheck{}, err
		}
		vm, err := cl.GetVM(ctx, c.ExtID)
		if err != nil {
			return vmCheck{}, ops.NutanixError(err, t, "restored vm "+c.Name)
		}
		out := vmCheck{PowerState: vm.PowerState, At: x.Now()}
		if vm.Host != nil {
			out.Host = vm.Host.ExtID
		}
		if vm.PowerState != "ON" {
			return out, &ops.Error{Kind: ops.KindBackend, Msg: fmt.Sprintf("restored vm %s is %s after power-on, not ON", c.Name, vm.PowerState)}
		}
		return out, nil
	}
}

// cleanupVMClone deletes the VM named name (the run's own) on on and
// reports whether it is gone.
func cleanupVMClone(x *Exec, on, name string) StepFunc[bool] {
	a := x.Activities()
	return func(ctx context.Context, key string, pr ops.Progress) (bool, error) {
		cl, t, release, err := a.nutanixWrite(ctx, on, pr)
		if err != nil {
			return false, err
		}
		defer release()
		if _, err := ops.DeleteVMIfExists(ctx, cl, t, name, key, pr); err != nil {
			return false, err
		}
		left, err := ops.FindVM(ctx, cl, t, name)
		return left == nil, err
	}
}

// outcome is a step's value or the failure it ended with, journalled
// either way: a full-DR drill reports an entity that failed and goes on
// with the others, and a replay takes the same path.
type outcome[T any] struct {
	V   T      `json:"v"`
	Err string `json:"error,omitempty"`
}

func captured[T any](fn StepFunc[T]) StepFunc[outcome[T]] {
	return func(ctx context.Context, key string, p ops.Progress) (outcome[T], error) {
		v, err := fn(ctx, key, p)
		if err != nil {
			if ctx.Err() != nil {
				return outcome[T]{}, err
			}
			return outcome[T]{V: v, Err: err.Error()}, nil
		}
		return outcome[T]{V: v}, nil
	}
}
