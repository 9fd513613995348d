package nutanix_test

import (
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

	plan := e.OK("nutanix_protect_vm", map[string]any{"target": pc, "vm": "jumpbox", "policy": "gold-4h-dr", "dry_run": true})
	if plan["dry_run"] != true || plan["changed"] != true || plan["category_ext_id"] == "" || plan["category"] != "Protection/Gold" ||
		!strings.Contains(plan["plan"].(string), "associate category Protection/Gold") {
		t.Fatalf("plan: %v", plan)
	}
	if p, cats := vmOf("jumpbox"); p != "" || len(cats) != 1 {
		t.Fatalf("dry run changed the VM: policy %q, categories %v", p, cats)
	}

	res, progress := e.CallWithProgress("nutanix_protect_vm", args)
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

	again := e.OK("nutanix_protect_vm", args)
	if again["changed"] != false {
		t.Errorf("repeat: %v", again)
	}
	if msg := e.Err("nutanix_protect_vm", map[string]any{"target": pc, "vm": "jumpbox", "policy": "no-such-policy"}); !strings.Contains(msg, "gold-4h-dr") {
		t.Errorf("unknown policy: %s", msg)
	}
}
