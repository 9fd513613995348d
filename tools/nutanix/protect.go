package nutanix

// nutanix_protect_vm puts a VM under a protection policy the way Prism
// Central v4 does it: a policy protects the members of its categories
// (ProtectionPolicy.categoryIds), so the tool associates one of the
// policy's categories with the VM (vmm associate-categories, If-Match the
// VM's ETag) and waits for the task; Prism Central then applies the policy
// (the VM reads protectionType RULE_PROTECTED with the policy). It only
// adds protection: a VM protected by another policy is refused (moving it
// is a policy change, which loses the old schedule), and a VM already
// protected by this policy is left alone. dry_run returns the plan.
//
// Volume groups are not covered yet: the simulated estate does not model
// volume group categories, and a tool the simulator cannot prove is not
// offered.

import (
	"context"
	"fmt"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// ProtectVMArgs name the VM and the policy.
type ProtectVMArgs struct {
	Target string `json:"target,omitempty"`
	VM     string `json:"vm" jsonschema:"required,minLength=1" jsonschema_description:"VM name or ext_id."`
	Policy string `json:"policy" jsonschema:"required,minLength=1" jsonschema_description:"Protection policy name or ext_id (nutanix_list_protection_policies)."`
	DryRun bool   `json:"dry_run,omitempty" jsonschema_description:"Return the plan; change nothing."`
}

// ProtectVMResult is the plan and, unless dry_run, its outcome.
type ProtectVMResult struct {
	VMExtID  string `json:"vm_ext_id"`
	VMName   string `json:"vm_name"`
	Target   string `json:"target"`
	Policy   string `json:"policy"`
	PolicyID string `json:"policy_ext_id"`
	DryRun   bool   `json:"dry_run"`
	// Category ("key/value") and CategoryID are the policy's category
	// associated with the VM.
	Category   string `json:"category,omitempty"`
	CategoryID string `json:"category_ext_id,omitempty"`
	// Changed is false when the VM was already protected by the policy.
	Changed        bool      `json:"changed"`
	Plan           string    `json:"plan"`
	ProtectionType string    `json:"protection_type,omitempty"`
	Task           *TaskInfo `json:"task,omitempty"`
}

// Summary leads the text result.
func (r ProtectVMResult) Summary() string {
	switch {
	case !r.Changed:
		return fmt.Sprintf("VM %s on %s is already protected by %s; nothing changed", r.VMName, r.Target, r.Policy)
	case r.DryRun:
		return fmt.Sprintf("plan (dry run, nothing changed): %s", r.Plan)
	}
	return fmt.Sprintf("VM %s on %s is protected by %s (%s)", r.VMName, r.Target, r.Policy, r.ProtectionType)
}

func vmPolicy(vm *nutanix.VM) string {
	if vm.ProtectionPolicyState != nil && vm.ProtectionPolicyState.Policy != nil {
		return vm.ProtectionPolicyState.Policy.ExtID
	}
	return ""
}

func protectVM() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_protect_vm", Title: "Protect a Nutanix VM", Toolset: Toolset, Tier: safety.Write, Idempotent: true,
		Description: "Put a VM under a protection policy by giving it one of the policy's categories, and wait for the task. dry_run shows the plan.",
	}, func(ctx context.Context, c *kit.Call, a ProtectVMArgs) (ProtectVMResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return ProtectVMResult{}, err
		}
		ref, err := resolveVM(ctx, cl, t.Name, a.VM)
		if err != nil {
			return ProtectVMResult{}, err
		}
		vm, err := cl.GetVM(ctx, ref.ExtID)
		if err != nil {
			return ProtectVMResult{}, backendError(err, t.Name, "VM "+ref.ExtID)
		}
		policies, err := cl.ListAllProtectionPolicies(ctx, nutanix.ListOptions{})
		if err != nil {
			return ProtectVMResult{}, backendError(err, t.Name, "list protection policies")
		}
		var pol *nutanix.ProtectionPolicy
		var names []string
		byID := map[string]string{}
		for i := range policies {
			p := &policies[i]
			names = append(names, p.Name)
			byID[p.ExtID] = p.Name
			if p.ExtID == a.Policy || p.Name == a.Policy {
				pol = p
			}
		}
		if pol == nil {
			return ProtectVMResult{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no protection policy %q on %s", a.Policy, t.Name),
				Hint: "Use one of: " + strings.Join(names, ", ") + " (details: nutanix_list_protection_policies)."}
		}
		out := ProtectVMResult{VMExtID: vm.ExtID, VMName: vm.Name, Target: t.Name, Policy: pol.Name, PolicyID: pol.ExtID, DryRun: a.DryRun,
			ProtectionType: vm.ProtectionType}
		switch cur := vmPolicy(vm); {
		case cur == pol.ExtID:
			out.Plan = "nothing: already protected by " + pol.Name
			return out, nil
		case cur != "":
			name := byID[cur]
			if name == "" {
				name = cur
			}
			return ProtectVMResult{}, &kit.Error{Kind: kit.KindConflict,
				Msg:  fmt.Sprintf("VM %s on %s is already protected by policy %s", vm.Name, t.Name, name),
				Hint: "This tool only adds protection; moving a VM to another policy changes its schedule and retention and is done in Prism Central. Nothing was changed."}
		}
		if len(pol.CategoryIDs) == 0 {
			return ProtectVMResult{}, &kit.Error{Kind: kit.KindInvalidArgs,
				Msg:  fmt.Sprintf("protection policy %s on %s protects no category, so no VM can join it", pol.Name, t.Name),
				Hint: "Choose a policy with categories (nutanix_list_protection_policies shows them), or add a category to it in Prism Central."}
		}
		out.CategoryID, out.Changed = pol.CategoryIDs[0], true
		out.Category = out.CategoryID
		if cat, err := cl.GetCategory(ctx, out.CategoryID); err == nil {
			out.Category = cat.Key + "/" + cat.Value
		} else {
			c.Env.Logger.Debug("category name not read", "category", out.CategoryID, "err", err) // the ext id names it
		}
		out.Plan = fmt.Sprintf("associate category %s of policy %s with VM %s; Prism Central then protects it", out.Category, pol.Name, vm.Name)
		if a.DryRun {
			return out, nil
		}
		task, err := cl.AssociateVMCategories(ctx, vm.ExtID, []string{out.CategoryID}, nutanix.Mutation{IfMatch: vm.ETag})
		if err != nil {
			return ProtectVMResult{}, backendError(err, t.Name, "associate category with VM "+vm.Name)
		}
		done, err := waitTask(ctx, c, cl, task, true)
		if err != nil {
			return ProtectVMResult{}, backendError(err, t.Name, "associate category with VM "+vm.Name)
		}
		ti := taskInfo(done)
		out.Task = &ti
		after, err := cl.GetVM(ctx, vm.ExtID)
		if err != nil {
			return ProtectVMResult{}, backendError(err, t.Name, "VM "+vm.Name)
		}
		out.ProtectionType = after.ProtectionType
		if vmPolicy(after) != pol.ExtID {
			return out, &kit.Error{Kind: kit.KindBackend,
				Msg:  fmt.Sprintf("VM %s on %s now has the category of policy %s, but Prism Central does not report it protected by it yet (protection type %s)", vm.Name, t.Name, pol.Name, after.ProtectionType),
				Hint: "Policy application can lag; check with nutanix_list_vms in a minute before calling again."}
		}
		return out, nil
	})
}
