package nutanix_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestProtectVM puts an unprotected VM under a protection policy through
// its category: the dry run changes nothing; the call associates the
// policy's category, waits for the task, and Prism Central reports the VM
// protected by the policy; a repeat changes nothing; another policy's VM
// and an unknown policy are refused.
func TestProtectVM(t *testing.T) {
	e := testenv.Start(t)
	est := e.Demo.Estate.PrismCentralByName(pc)
	vmOf := func(name string) (policy string, cats []string) {
		est.Mu.Lock()
		defer est.Mu.Unlock()
		for _, vm := range est.VMs {
			if vm.Name == name {
				return vm.ProtectionPolicyExtID, append([]string(nil), vm.Categories...)
			}
		}
		t.Fatalf("no VM %s", name)
		return "", nil
	}
	args := map[string]any{"target": pc, "vm": "jumpbox", "policy": "gold-4h-dr"}

	plan := e.OK("nutanix_protect", map[string]any{"target": pc, "vm": "jumpbox", "policy": "gold-4h-dr", "dry_run": true})
	if plan["dry_run"] != true || plan["changed"] != true || plan["category_ext_id"] == "" || plan["category"] != "Protection/Gold" ||
		!strings.Contains(plan["plan"].(string), "associate category Protection/Gold") {
		t.Fatalf("plan: %v", plan)
	}
	if p, cats := vmOf("jumpbox"); p != "" || len(cats) != 1 {
		t.Fatalf("dry run changed the VM: policy %q, categories %v", p, cats)
	}

	res, progress := e.CallWithProgress("nutanix_protect", args)
	if res.IsError {
		t.Fatalf("protect: %s", testenv.Text(res))
	}
	out := testenv.Structured(t, res)
	if out["protection_type"] != "RULE_PROTECTED" || out["task"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Errorf("after protect: %v", out)
	}
	if len(progress) == 0 {
		t.Error("no progress reported while the task ran")
	}
	p, cats := vmOf("jumpbox")
	if p != out["policy_ext_id"] || !strings.Contains(strings.Join(cats, ","), "Protection/Gold") {
		t.Errorf("estate after protect: policy %q, categories %v", p, cats)
	}
	// The listing agrees: jumpbox is no longer unprotected by policy.
	for _, vm := range testenv.Items(t, e.OK("nutanix_list_vms", map[string]any{"target": pc, "name": "jumpbox"})) {
		if vm["protection_policy_ext_id"] != out["policy_ext_id"] {
			t.Errorf("nutanix_list_vms shows no policy: %v", vm)
		}
	}

	again := e.OK("nutanix_protect", args)
	if again["changed"] != false {
		t.Errorf("repeat: %v", again)
	}
	if msg := e.Err("nutanix_protect", map[string]any{"target": pc, "vm": "jumpbox", "policy": "no-such-policy"}); !strings.Contains(msg, "gold-4h-dr") {
		t.Errorf("unknown policy: %s", msg)
	}
}

// TestProtectVolumeGroup does the same for a volume group through volumes
// associate-category: the dry run changes nothing; the call waits for the
// task and the group then carries the policy's category; a repeat changes
// nothing; a group already under the policy is left alone; naming both or
// neither of vm and volume_group is refused.
func TestProtectVolumeGroup(t *testing.T) {
	e := testenv.Start(t)
	est := e.Demo.Estate.PrismCentralByName(pc)
	vgOf := func(name string) (policy string, cats []string) {
		est.Mu.Lock()
		defer est.Mu.Unlock()
		for _, vg := range est.VolumeGroups {
			if vg.Name == name {
				return vg.ProtectionPolicyExtID, append([]string(nil), vg.Categories...)
			}
		}
		t.Fatalf("no volume group %s", name)
		return "", nil
	}
	args := map[string]any{"target": pc, "volume_group": "file-share-vg", "policy": "gold-4h-dr"}
	if p, cats := vgOf("file-share-vg"); p != "" || len(cats) != 0 {
		t.Fatalf("fixture: file-share-vg is protected: %q %v", p, cats)
	}

	plan := e.OK("nutanix_protect", map[string]any{"target": pc, "volume_group": "file-share-vg", "policy": "gold-4h-dr", "dry_run": true})
	if plan["dry_run"] != true || plan["changed"] != true || plan["kind"] != "volume_group" || plan["category"] != "Protection/Gold" ||
		!strings.Contains(plan["plan"].(string), "associate category Protection/Gold of policy gold-4h-dr with volume group file-share-vg") {
		t.Fatalf("plan: %v", plan)
	}
	if p, cats := vgOf("file-share-vg"); p != "" || len(cats) != 0 {
		t.Fatalf("dry run changed the volume group: policy %q, categories %v", p, cats)
	}

	res, progress := e.CallWithProgress("nutanix_protect", args)
	if res.IsError {
		t.Fatalf("protect: %s", testenv.Text(res))
	}
	out := testenv.Structured(t, res)
	if out["changed"] != true || out["task"].(map[string]any)["status"] != "SUCCEEDED" || out["protection_type"] != nil {
		t.Errorf("after protect: %v", out)
	}
	if len(progress) == 0 {
		t.Error("no progress reported while the task ran")
	}
	if p, cats := vgOf("file-share-vg"); p != out["policy_ext_id"] || !slices.Equal(cats, []string{"Protection/Gold"}) {
		t.Errorf("estate after protect: policy %q, categories %v", p, cats)
	}
	if again := e.OK("nutanix_protect", args); again["changed"] != false {
		t.Errorf("repeat: %v", again)
	}
	if already := e.OK("nutanix_protect", map[string]any{"target": pc, "volume_group": "oracle-asm-vg", "policy": "gold-4h-dr"}); already["changed"] != false {
		t.Errorf("a volume group under the policy: %v", already)
	}

	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"both", map[string]any{"target": pc, "vm": "jumpbox", "volume_group": "file-share-vg", "policy": "gold-4h-dr"}, "exactly one of vm and volume_group"},
		{"neither", map[string]any{"target": pc, "policy": "gold-4h-dr"}, "exactly one of vm and volume_group"},
		{"unknown group", map[string]any{"target": pc, "volume_group": "no-such-vg", "policy": "gold-4h-dr"}, "nutanix_list_volume_groups"},
	} {
		if msg := e.Err("nutanix_protect", tc.args); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %s", tc.name, msg)
		}
	}
}
