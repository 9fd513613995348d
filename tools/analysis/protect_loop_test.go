package analysis_test

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// unprotected returns find_unprotected's entities by name with their
// proposed calls.
func unprotected(t *testing.T, e *testenv.Env) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, it := range testenv.Items(t, e.OK("find_unprotected", map[string]any{})) {
		call, _ := it["next_tool"].(map[string]any)
		out[it["name"].(string)] = call
	}
	return out
}

// TestFindUnprotectedClosesTheLoop follows find_unprotected's proposals as
// written: a dry run first, then the call; afterwards the entity is no
// longer unprotected. It covers every protect proposal on the small estate
// (an unprotected ONTAP volume, Nutanix VM and volume group).
func TestFindUnprotectedClosesTheLoop(t *testing.T) {
	e := testenv.Start(t)
	before := unprotected(t, e)
	seen := map[string]bool{}
	for name, call := range before {
		tool, _ := call["tool"].(string)
		if tool != "ontap_protect_volume" && tool != "nutanix_protect" {
			continue
		}
		args := call["arguments"].(map[string]any)
		kind := tool
		if args["volume_group"] != nil {
			kind += " volume_group"
		}
		if seen[kind] {
			continue
		}
		seen[kind] = true
		if tool == "ontap_protect_volume" {
			// A small volume, so its baseline transfer takes few polls.
			c := e.Demo.Estate.OntapClusterByName(args["target"].(string))
			c.Mu.Lock()
			c.VolumeByName(args["svm"].(string), name).Used = 1 << 30
			c.Mu.Unlock()
		}
		dry := map[string]any{"dry_run": true}
		for k, v := range args {
			dry[k] = v
		}
		if plan := e.OK(tool, dry); plan["dry_run"] != true {
			t.Errorf("%s dry run for %s: %v", tool, name, plan)
		}
		if still := unprotected(t, e); still[name] == nil {
			t.Errorf("the dry run of %s protected %s", tool, name)
		}
		e.OK(tool, args)
		if after := unprotected(t, e); after[name] != nil {
			t.Errorf("%s is still unprotected after %s %v", name, tool, args)
		}
	}
	for _, want := range []string{"ontap_protect_volume", "nutanix_protect", "nutanix_protect volume_group"} {
		if !seen[want] {
			t.Errorf("find_unprotected proposed no %s: %v", want, before)
		}
	}
}

// TestProtectOnTheDemoEstate runs both protect tools on the generated demo
// estate (seed 1, what `serve --demo` serves): a volume group that lost its
// policy's category and the first unprotected VM find_unprotected names,
// as proposed (the group is protected in the next collection); and
// SnapMirror for a volume that has a snapshot policy but no replica, with
// the defaults its SVM implies.
func TestProtectOnTheDemoEstate(t *testing.T) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A volume without a relationship, found in the estate itself.
	prod := est.OntapClusterByName("ontap-prod")
	replicated := map[string]bool{}
	for _, c := range est.OntapClusters {
		for _, r := range c.Relationships {
			replicated[r.SourcePath] = true
		}
	}
	var vol *fleet.OntapVolume
	for _, v := range prod.Volumes {
		if v.Type == "rw" && v.CloneParentVolume == "" && !replicated[v.SVM+":"+v.Name] && vol == nil {
			vol = v
		}
	}
	if vol != nil {
		vol.Used = 1 << 30 // a short baseline: few polls
	}
	// Every generated volume group is protected: one loses its policy's
	// category, as when an administrator forgets to tag a new group.
	var bare *fleet.NutanixVolumeGroup
	for _, vg := range est.PrismCentralByName("pc-prod").VolumeGroups {
		if bare == nil && vg.ProtectionPolicyExtID != "" {
			bare = vg
			vg.ProtectionPolicyExtID, vg.Categories = "", nil
		}
	}
	if bare == nil {
		t.Fatal("fixture: the demo estate has no volume group")
	}
	e := testenv.StartEstate(t, est)

	var vmCall map[string]any
	before := unprotected(t, e)
	for _, call := range before {
		if call["tool"] == "nutanix_protect" && call["arguments"].(map[string]any)["vm"] != nil {
			vmCall = call
			break
		}
	}
	if vmCall == nil {
		t.Fatal("find_unprotected proposes no nutanix_protect of a VM on the demo estate")
	}
	// The volume group, as proposed; the next collection finds it protected.
	vgCall := before[bare.Name]
	if vgCall["tool"] != "nutanix_protect" || vgCall["arguments"].(map[string]any)["volume_group"] != bare.Name {
		t.Fatalf("find_unprotected proposes %v for volume group %s", vgCall, bare.Name)
	}
	if out := e.OK("nutanix_protect", vgCall["arguments"].(map[string]any)); out["changed"] != true || out["kind"] != "volume_group" {
		t.Errorf("nutanix_protect %v: %v", vgCall["arguments"], out)
	}
	if after := unprotected(t, e); after[bare.Name] != nil {
		t.Errorf("volume group %s is still unprotected after nutanix_protect: %v", bare.Name, after[bare.Name])
	}
	vmArgs := vmCall["arguments"].(map[string]any)
	if out := e.OK("nutanix_protect", vmArgs); out["protection_type"] != "RULE_PROTECTED" {
		t.Errorf("nutanix_protect %v: %v", vmArgs, out)
	}
	// (find_unprotected's view after the VM's protect is checked on the
	// small estate above; each collection of this estate costs seconds.)
	for _, vm := range testenv.Items(t, e.OK("nutanix_list_vms", map[string]any{"target": vmArgs["target"], "name": vmArgs["vm"]})) {
		if vm["protection_policy_ext_id"] == nil {
			t.Errorf("%v still unprotected: %v", vmArgs["vm"], vm)
		}
	}

	if vol == nil {
		t.Fatal("fixture: every demo volume already replicates")
	}
	out := e.OK("ontap_protect_volume", map[string]any{"target": "ontap-prod", "volume": vol.Name, "svm": vol.SVM})
	rel, _ := out["relationship"].(map[string]any)
	if rel == nil || rel["state"] != "snapmirrored" || out["dr_target"] != "ontap-dr" || out["dr_path"] != vol.SVM+"_dr:"+vol.Name+"_dr" {
		t.Errorf("ontap_protect_volume %s: %v", vol.Name, out)
	}
}
