package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
)

// ---------------------------------------------------------------- VM drill

func planVMDrill(ctx context.Context, a *Activities, p drillParams) ([]PlanStep, error) {
	pt, err := a.vmPointOf(ctx, p.Target, p.DRTarget, p.VM)
	if err != nil {
		return nil, err
	}
	src := []string{pt.Primary + ":" + pt.VM}
	iso := []string{pt.On + ":rmcp_<run>_vmdrill"}
	return []PlanStep{
		{Name: "select", Action: fmt.Sprintf("newest recovery point of %s on %s (%s, tier %d) and the achieved RPO", pt.VM, pt.On, pt.RPName, pt.Tier), Entities: src},
		{Name: "restore", Action: "restore it as a new VM rmcp_<run>_vmdrill on " + pt.On + " (name checked first, NTNX-Request-Id journalled; the source VM is untouched)", Entities: iso},
		{Name: "isolate", Action: "before power-on: " + a.isolationOn(pt.On).Describe() + " of the clone (vmm NIC update, read back)", Entities: iso},
		{Name: "boot", Action: "power the clone on with the vmm power-on action if the restore left it off, only once it is isolated", Entities: iso},
		{Name: "verify", Action: "the clone's power state is ON (it boots)", Entities: iso},
		{Name: "cleanup", Action: "delete the clone VM (only that name)", Entities: iso, Cleanup: true},
		{Name: "report", Action: fmt.Sprintf("RTO against tier %d's target, RPO, evidence, recommendations", pt.Tier)},
	}, nil
}

// VMDrillResult is a VM drill's report.
type VMDrillResult struct {
	VM            string `json:"vm"`
	RestoredOn    string `json:"restored_on"`
	RecoveryPoint string `json:"recovery_point"`
	Clone         string `json:"clone"`
	CloneExtID    string `json:"clone_ext_id"`
	Tier          int    `json:"tier"`
	// Isolation is what was done to each NIC before the power-on.
	Isolation        vmIsolation `json:"isolation"`
	PoweredOnByDrill bool        `json:"powered_on_by_drill"`
	PowerState       string      `json:"power_state"`
	RTOS             float64     `json:"rto_s"`
	RTOTargetS       int64       `json:"rto_target_s"`
	RPOS             int64       `json:"rpo_s"`
	RPOTargetS       int64       `json:"rpo_target_s"`
	CleanedUp        bool        `json:"cleaned_up"`
	Passed           bool        `json:"passed"`
	Recommendations  []string    `json:"recommendations,omitempty"`
}

func runVMDrill(ctx context.Context, x *Exec, p drillParams) (any, error) {
	a := x.Activities()
	pt, err := Do(ctx, x, "select", false, func(ctx context.Context, _ string, _ ops.Progress) (vmPoint, error) {
		return a.vmPointOf(ctx, p.Target, p.DRTarget, p.VM)
	})
	if err != nil {
		return nil, err
	}
	name := x.Name("vmdrill")
	c, err := Do(ctx, x, "restore", false, restoreVMClone(x, pt, name))
	if err != nil {
		// A failed restore may still have made the VM: clean up by name.
		_, _ = Do(ctx, x, "cleanup", false, cleanupVMClone(x, pt.On, name))
		return nil, err
	}
	// The clone is powered on only once every NIC is isolated.
	isol, verr := Do(ctx, x, "isolate", false, captured(isolateVM(x, pt.On, c)))
	if verr == nil && isol.Err != "" {
		verr = &ops.Error{Kind: ops.KindBackend, Msg: "isolate the clone before power-on: " + isol.Err, Hint: "The clone was not powered on. Fix workflows.drills.isolated_subnet or the NIC, then run the drill again."}
	}
	var booted bool
	var chk vmCheck
	if verr == nil {
		var cerr error
		booted, verr = Do(ctx, x, "boot", false, bootVM(x, pt.On, c))
		// The check runs even when the boot failed, so the steps are the
		// same on every path (a replay after a crash meets the journal's
		// order).
		chk, cerr = Do(ctx, x, "verify", false, verifyVM(x, pt.On, c))
		if verr == nil {
			verr = cerr
		}
	}
	// The clone goes whatever the verification found.
	cleaned, err := Do(ctx, x, "cleanup", false, cleanupVMClone(x, pt.On, name))
	if err != nil {
		return nil, err
	}
	if verr != nil {
		return nil, verr
	}
	return Do(ctx, x, "report", false, func(ctx context.Context, _ string, _ ops.Progress) (VMDrillResult, error) {
		r := VMDrillResult{VM: pt.Primary + ":" + pt.VM, RestoredOn: pt.On, RecoveryPoint: pt.RPName, Clone: name, CloneExtID: c.ExtID,
			Tier: pt.Tier, Isolation: isol.V, PoweredOnByDrill: booted, PowerState: chk.PowerState,
			RTOS: roundMS(chk.At.Sub(x.Started())), RTOTargetS: or64(p.RTOTargetS, tierRTO(pt.Tier)),
			RPOS: pt.RPOS, RPOTargetS: p.RPOTargetS, CleanedUp: cleaned}
		ok := chk.PowerState == "ON"
		if r.RTOS > float64(r.RTOTargetS) {
			ok = false
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("RTO %.0fs exceeds tier %d's %ds: restore from a replica on the DR site's own cluster, keep fewer disks per VM, or pre-stage the VM.", r.RTOS, r.Tier, r.RTOTargetS))
		}
		if r.RPOS > r.RPOTargetS || r.RPOS < 0 {
			ok = false
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("Achieved RPO %ds exceeds the %ds target: take recovery points more often (a tighter protection policy schedule).", r.RPOS, r.RPOTargetS))
		}
		if pt.On == pt.Primary {
			r.Recommendations = append(r.Recommendations, "The drill restored on the primary Prism Central; run it with dr_target to prove the replica on the DR site too.")
		}
		if !cleaned {
			r.Recommendations = append(r.Recommendations, "The clone "+name+" is still on "+pt.On+": delete it by hand.")
		}
		r.Passed = ok && cleaned
		return r, nil
	})
}

// ---------------------------------------------------------------- full-DR drill

// drEntity is one member of a full-DR drill's group.
type drEntity struct {
	Kind   string `json:"kind"` // volume or vm
	Target string `json:"target"`
	Name   string `json:"name"` // svm:volume or the VM's name
	// Copy is the deterministic name of its test copy (clone or VM).
	Copy string `json:"copy"`
}

func (e drEntity) ref() string { return e.Target + ":" + e.Name }

// drGroup is the drill's group as selected, journalled so that a replay
// acts on the same entities.
type drGroup struct {
	Entities   []drEntity `json:"entities"`
	NutanixDR  string     `json:"nutanix_dr,omitempty"`
	ONTAPDR    string     `json:"ontap_dr,omitempty"`
	SelectedBy string     `json:"selected_by"`
}

// maxDREntities bounds a drill (each entity is several steps).
const maxDREntities = 50

// selectDRGroup resolves the group: volumes by name on target, VMs by
// name, category (key:value) or tier on nutanix_target; the DR Prism
// Central is nutanix_dr_target or the one other configured.
func selectDRGroup(ctx context.Context, x *Exec, a *Activities, p drillParams) (drGroup, error) {
	g := drGroup{ONTAPDR: p.DRTarget}
	var by []string
	name := func(i int) string {
		if x == nil {
			return fmt.Sprintf("rmcp_<run>_dr%d", i)
		}
		return x.Name(fmt.Sprintf("dr%d", i))
	}
	for _, ref := range p.Volumes {
		_, t, v, err := a.volume(ctx, volumeRef{Target: p.Target, Volume: ref})
		if err != nil {
			return g, err
		}
		e := drEntity{Kind: "volume", Target: t, Name: ops.VolPath(v)}
		if !slices.ContainsFunc(g.Entities, func(o drEntity) bool { return o.ref() == e.ref() }) {
			e.Copy = name(len(g.Entities) + 1)
			g.Entities = append(g.Entities, e)
		}
	}
	if len(p.Volumes) > 0 {
		by = append(by, "volumes")
	}
	if len(p.VMs) > 0 || p.Category != "" || p.Tier != 0 {
		cl, t, err := a.Nutanix(p.NutanixTarget)
		if err != nil {
			return g, fmt.Errorf("nutanix_target: %w", err)
		}
		g.NutanixDR = p.NutanixDRTarget
		if g.NutanixDR == "" {
			for _, n := range a.Targets.Names(config.KindNutanix) {
				if n != t {
					if g.NutanixDR != "" {
						return g, &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: several Prism Centrals could be the DR site: name nutanix_dr_target"}
					}
					g.NutanixDR = n
				}
			}
			if g.NutanixDR == "" {
				return g, &ops.Error{Kind: ops.KindInvalidArgs, Msg: "params: no DR Prism Central is configured besides " + t + ": name nutanix_dr_target"}
			}
		}
		var names []string
		for _, ref := range p.VMs {
			vm, err := ops.ResolveVM(ctx, cl, t, ref)
			if err != nil {
				return g, err
			}
			names = append(names, vm.Name)
		}
		if len(p.VMs) > 0 {
			by = append(by, "vms")
		}
		if p.Category != "" || p.Tier != 0 {
			vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{})
			if err != nil {
				return g, ops.NutanixError(err, t, "list vms")
			}
			tags, err := ops.CategoryTags(ctx, cl, t)
			if err != nil {
				return g, err
			}
			want := strings.ToLower(p.Category)
			var picked []string
			for i := range vms {
				vt := ops.TagsOf(&vms[i], tags)
				if want != "" && !slices.Contains(vt, want) {
					continue
				}
				if p.Tier != 0 && a.tierOf(vms[i].Name, t, vt) != p.Tier {
					continue
				}
				picked = append(picked, vms[i].Name)
			}
			slices.Sort(picked)
			names = append(names, picked...)
			if p.Category != "" {
				by = append(by, "category "+p.Category)
			}
			if p.Tier != 0 {
				by = append(by, fmt.Sprintf("tier %d", p.Tier))
			}
		}
		for _, n := range names {
			e := drEntity{Kind: "vm", Target: t, Name: n}
			if !slices.ContainsFunc(g.Entities, func(o drEntity) bool { return o.ref() == e.ref() }) {
				e.Copy = name(len(g.Entities) + 1)
				g.Entities = append(g.Entities, e)
			}
		}
	}
	g.SelectedBy = strings.Join(by, ", ")
	switch {
	case len(g.Entities) == 0:
		return g, &ops.Error{Kind: ops.KindNotFound, Msg: "the group is empty: no VM matches " + g.SelectedBy, Hint: "Check the category (key:value) or tier with backup_health, or name the vms."}
	case len(g.Entities) > maxDREntities:
		return g, &ops.Error{Kind: ops.KindInvalidArgs, Msg: fmt.Sprintf("the group has %d entities, more than %d: narrow it (a category, a tier, or lists)", len(g.Entities), maxDREntities)}
	}
	return g, nil
}

func planDRDrill(ctx context.Context, a *Activities, p drillParams) ([]PlanStep, error) {
	g, err := selectDRGroup(ctx, nil, a, p)
	if err != nil {
		return nil, err
	}
	var all []string
	for _, e := range g.Entities {
		all = append(all, e.ref())
	}
	steps := []PlanStep{{Name: "select", Action: "the group (" + g.SelectedBy + ")", Entities: all}}
	var cleanup []PlanStep
	for _, e := range g.Entities {
		ent := []string{e.ref()}
		if e.Kind == "volume" {
			dst := or(g.ONTAPDR, "its DR cluster")
			steps = append(steps,
				PlanStep{Name: "assess:" + e.Name, Action: "SnapMirror state, lag and the newest replicated snapshot on " + dst + " (RPO)", Entities: ent},
				PlanStep{Name: "clone:" + e.Name, Action: "FlexClone " + e.Copy + " of that snapshot on the DR SVM (production and the mirror untouched)", Entities: ent},
				PlanStep{Name: "validate:" + e.Name, Action: "the clone is online and read-write; files sampled", Entities: ent})
			cleanup = append(cleanup, PlanStep{Name: "cleanup:" + e.Name, Action: "delete the clone " + e.Copy, Entities: ent, Cleanup: true})
			continue
		}
		steps = append(steps,
			PlanStep{Name: "assess:" + e.Name, Action: "the newest replica on " + g.NutanixDR + " (RPO) and the VM's tier", Entities: ent},
			PlanStep{Name: "restore:" + e.Name, Action: "restore it as VM " + e.Copy + " on " + g.NutanixDR + " (name checked first, NTNX-Request-Id journalled)", Entities: ent},
			PlanStep{Name: "isolate:" + e.Name, Action: "before power-on: " + a.isolationOn(g.NutanixDR).Describe(), Entities: ent},
			PlanStep{Name: "boot:" + e.Name, Action: "power it on (vmm power-on) if the restore left it off, only once it is isolated", Entities: ent},
			PlanStep{Name: "validate:" + e.Name, Action: "its power state is ON", Entities: ent})
		cleanup = append(cleanup, PlanStep{Name: "cleanup:" + e.Name, Action: "delete the VM " + e.Copy + " on " + g.NutanixDR, Entities: ent, Cleanup: true})
	}
	steps = append(steps, cleanup...)
	return append(steps, PlanStep{Name: "report", Action: "RTO and RPO per entity and for the drill against the targets, evidence, recommendations"}), nil
}

// DREntityResult is one entity of a full-DR drill.
type DREntityResult struct {
	Kind       string  `json:"kind"`
	Entity     string  `json:"entity"`
	TestCopy   string  `json:"test_copy,omitempty"`
	Source     string  `json:"source,omitempty"` // the snapshot or replica tested
	Tier       int     `json:"tier,omitempty"`
	RTOS       float64 `json:"rto_s"`
	RTOTargetS int64   `json:"rto_target_s"`
	RPOS       int64   `json:"rpo_s"`
	RPOTargetS int64   `json:"rpo_target_s"`
	Validation string  `json:"validation,omitempty"`
	// Isolation is what was done to a restored VM's NICs before power-on.
	Isolation *vmIsolation `json:"isolation,omitempty"`
	CleanedUp bool         `json:"cleaned_up"`
	Passed    bool         `json:"passed"`
	Error     string       `json:"error,omitempty"`
}

// DRDrillResult is a full-DR drill's report.
type DRDrillResult struct {
	SelectedBy      string           `json:"selected_by"`
	Entities        []DREntityResult `json:"entities"`
	RTOS            float64          `json:"rto_s"`
	RTOTargetS      int64            `json:"rto_target_s"`
	RPOS            int64            `json:"rpo_s"`
	RPOTargetS      int64            `json:"rpo_target_s"`
	CleanedUp       bool             `json:"cleaned_up"`
	Passed          bool             `json:"passed"`
	Recommendations []string         `json:"recommendations,omitempty"`
}

// runDRDrill fails the group over on test copies one entity after the
// other (volumes: FlexClones of the newest replicated snapshot on the DR
// SVM; VMs: restored from the newest replica on the DR Prism Central and
// booted), validates each, then removes every copy. An entity that fails
// is reported and the drill goes on: its failure is the finding.
func runDRDrill(ctx context.Context, x *Exec, p drillParams) (any, error) {
	a := x.Activities()
	g, err := Do(ctx, x, "select", false, func(ctx context.Context, _ string, _ ops.Progress) (drGroup, error) {
		return selectDRGroup(ctx, x, a, p)
	})
	if err != nil {
		return nil, err
	}
	res := make([]DREntityResult, len(g.Entities))
	lastAt := time.Time{}
	type undo struct {
		i    int
		step string
		fn   StepFunc[bool]
	}
	var undos []undo
	for i, e := range g.Entities {
		r := &res[i]
		r.Kind, r.Entity, r.RPOTargetS = e.Kind, e.ref(), p.RPOTargetS
		fail := func(msg string) { r.Error = msg }
		if e.Kind == "volume" {
			r.RTOTargetS = or64(p.RTOTargetS, drillRTOTarget["volume"])
			as, err := Do(ctx, x, "assess:"+e.Name, false, captured(func(ctx context.Context, _ string, _ ops.Progress) (Assessment, error) {
				return assessMirror(ctx, a, volumeRef{Target: e.Target, Volume: e.Name}, g.ONTAPDR, false)
			}))
			if err != nil {
				return nil, err
			}
			if as.Err != "" {
				fail(as.Err)
				continue
			}
			r.Source, r.RPOS = as.V.Destination+"@"+as.V.NewestSnapshot, as.V.NewestSnapshotAgeS
			svm, _, _ := cut(as.V.Destination)
			r.TestCopy = as.V.DRTarget + ":" + svm + ":" + e.Copy
			undos = append(undos, undo{i, "cleanup:" + e.Name, cleanupClone(x, as.V.DRTarget, svm, e.Copy)})
			c, err := Do(ctx, x, "clone:"+e.Name, false, captured(cloneDestination(x, as.V, e.Copy)))
			if err != nil {
				return nil, err
			}
			if c.Err != "" {
				fail(c.Err)
				continue
			}
			chk, err := Do(ctx, x, "validate:"+e.Name, false, captured(validateClone(x, as.V, c.V)))
			if err != nil {
				return nil, err
			}
			if chk.Err != "" {
				fail(chk.Err)
				continue
			}
			r.Validation = fmt.Sprintf("%s, %s (writable), %d files sampled", chk.V.State, chk.V.Type, chk.V.SampledFiles)
			r.RTOS = roundMS(chk.V.At.Sub(c.V.Began))
			lastAt = later(lastAt, chk.V.At)
			continue
		}
		pt, err := Do(ctx, x, "assess:"+e.Name, false, captured(func(ctx context.Context, _ string, _ ops.Progress) (vmPoint, error) {
			return a.vmPointOf(ctx, e.Target, g.NutanixDR, e.Name)
		}))
		if err != nil {
			return nil, err
		}
		if pt.Err != "" {
			r.RTOTargetS = or64(p.RTOTargetS, tierRTO(0))
			fail(pt.Err)
			continue
		}
		r.Tier, r.RTOTargetS = pt.V.Tier, or64(p.RTOTargetS, tierRTO(pt.V.Tier))
		r.Source, r.RPOS, r.TestCopy = pt.V.On+":"+pt.V.RPName, pt.V.RPOS, pt.V.On+":"+e.Copy
		undos = append(undos, undo{i, "cleanup:" + e.Name, cleanupVMClone(x, pt.V.On, e.Copy)})
		c, err := Do(ctx, x, "restore:"+e.Name, false, captured(restoreVMClone(x, pt.V, e.Copy)))
		if err != nil {
			return nil, err
		}
		if c.Err != "" {
			fail(c.Err)
			continue
		}
		isol, err := Do(ctx, x, "isolate:"+e.Name, false, captured(isolateVM(x, pt.V.On, c.V)))
		if err != nil {
			return nil, err
		}
		r.Isolation = &isol.V
		if isol.Err != "" {
			fail("isolate before power-on (the copy was not powered on): " + isol.Err)
			continue
		}
		b, err := Do(ctx, x, "boot:"+e.Name, false, captured(bootVM(x, pt.V.On, c.V)))
		if err != nil {
			return nil, err
		}
		if b.Err != "" {
			fail(b.Err)
			continue
		}
		chk, err := Do(ctx, x, "validate:"+e.Name, false, captured(verifyVM(x, pt.V.On, c.V)))
		if err != nil {
			return nil, err
		}
		if chk.Err != "" {
			fail(chk.Err)
			continue
		}
		r.Validation = "power " + chk.V.PowerState
		if b.V {
			r.Validation += " (powered on by the drill)"
		}
		r.RTOS = roundMS(chk.V.At.Sub(c.V.Began))
		lastAt = later(lastAt, chk.V.At)
	}
	cleanedAll := true
	for _, u := range undos {
		gone, err := Do(ctx, x, u.step, false, captured(u.fn))
		if err != nil {
			return nil, err
		}
		res[u.i].CleanedUp = gone.Err == "" && gone.V
		if !res[u.i].CleanedUp {
			cleanedAll = false
			if res[u.i].Error == "" {
				res[u.i].Error = "cleanup: " + or(gone.Err, "the copy is still there")
			}
		}
	}
	return Do(ctx, x, "report", false, func(ctx context.Context, _ string, _ ops.Progress) (DRDrillResult, error) {
		out := DRDrillResult{SelectedBy: g.SelectedBy, Entities: res, RPOTargetS: p.RPOTargetS, CleanedUp: cleanedAll, RTOTargetS: p.RTOTargetS}
		if !lastAt.IsZero() {
			out.RTOS = roundMS(lastAt.Sub(x.Started()))
		}
		ok := true
		for i := range out.Entities {
			r := &out.Entities[i]
			if p.RTOTargetS <= 0 && (out.RTOTargetS == 0 || r.RTOTargetS < out.RTOTargetS) {
				out.RTOTargetS = r.RTOTargetS
			}
			out.RPOS = max(out.RPOS, r.RPOS)
			r.Passed = r.Error == "" && r.RTOS <= float64(r.RTOTargetS) && r.RPOS >= 0 && r.RPOS <= r.RPOTargetS && r.CleanedUp
			switch {
			case r.Error != "":
				out.Recommendations = append(out.Recommendations, fmt.Sprintf("%s failed: %s", r.Entity, r.Error))
			case r.RTOS > float64(r.RTOTargetS):
				out.Recommendations = append(out.Recommendations, fmt.Sprintf("%s took %.0fs against %ds: pre-stage it or fail it over in parallel with the others.", r.Entity, r.RTOS, r.RTOTargetS))
			case r.RPOS > r.RPOTargetS:
				out.Recommendations = append(out.Recommendations, fmt.Sprintf("%s's newest replica is %ds old against %ds: replicate more often.", r.Entity, r.RPOS, r.RPOTargetS))
			}
			ok = ok && r.Passed
		}
		if out.RTOS > float64(out.RTOTargetS) {
			ok = false
			out.Recommendations = append(out.Recommendations, fmt.Sprintf("The group took %.0fs against %ds (entities one after the other): order the runbook by tier and fail independent entities over in parallel.", out.RTOS, out.RTOTargetS))
		}
		if out.RPOS > out.RPOTargetS {
			ok = false
		}
		if !cleanedAll {
			out.Recommendations = append(out.Recommendations, "Some test copies are still on the DR site (see entities): delete them by hand.")
		}
		out.Passed = ok && cleanedAll
		return out, nil
	})
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
