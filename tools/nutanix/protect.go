package nutanix

// nutanix_protect puts a VM or a volume group under a protection policy the
// way Prism Central v4 does it: a policy protects the members of its
// categories (ProtectionPolicy.categoryIds), so the tool associates one of
// the policy's categories with the entity and waits for the task; Prism
// Central then applies the policy. For a VM that is vmm associate-categories
// (If-Match the VM's ETag) and the VM reads protectionType RULE_PROTECTED
// with the policy; for a volume group it is volumes associate-category
// (verified against the official volumes SDK v4.2.1) and, as v4 volume
// groups name no policy, the group's category-associations then hold one of
// the policy's categories. It only adds protection: an entity protected by
// another policy is refused (moving it is a policy change, which loses the
// old schedule), and one already protected by this policy is left alone.
// dry_run returns the plan.
//
// One tool for both kinds, not a second one: the flow, the checks and the
// result are the same, and a second tool would cost about 1.5 KB of
// tools/list where the volume_group parameter costs about 100 bytes. It was
// nutanix_protect_vm; the name now says it is not VM-only.

import (
	"context"
	"fmt"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// ProtectArgs name the VM or volume group and the policy.
type ProtectArgs struct {
	Target      string `json:"target,omitempty"`
	VM          string `json:"vm,omitempty" jsonschema_description:"VM name or ext_id."`
	VolumeGroup string `json:"volume_group,omitempty" jsonschema_description:"Volume group name or ext_id, instead of vm."`
	Policy      string `json:"policy" jsonschema:"required,minLength=1" jsonschema_description:"Protection policy name or ext_id (nutanix_list_protection_policies)."`
	DryRun      bool   `json:"dry_run,omitempty" jsonschema_description:"Return the plan; change nothing."`
}

// ProtectResult is the plan and, unless dry_run, its outcome.
type ProtectResult struct {
	// Kind is "vm" or "volume_group".
	Kind     string `json:"kind"`
	ExtID    string `json:"ext_id"`
	Name     string `json:"name"`
	Target   string `json:"target"`
	Policy   string `json:"policy"`
	PolicyID string `json:"policy_ext_id"`
	DryRun   bool   `json:"dry_run"`
	// Category ("key/value") and CategoryID are the policy's category
	// associated with the entity.
	Category   string `json:"category,omitempty"`
	CategoryID string `json:"category_ext_id,omitempty"`
	// Changed is false when the entity was already protected by the policy.
	Changed bool   `json:"changed"`
	Plan    string `json:"plan"`
	// ProtectionType is the VM's (volume groups have none).
	ProtectionType string    `json:"protection_type,omitempty"`
	Task           *TaskInfo `json:"task,omitempty"`
}

// Summary leads the text result.
func (r ProtectResult) Summary() string {
	what := "VM " + r.Name
	if r.Kind == ops.ProtectVolumeGroup {
		what = "volume group " + r.Name
	}
	switch {
	case !r.Changed:
		return fmt.Sprintf("%s on %s is already protected by %s; nothing changed", what, r.Target, r.Policy)
	case r.DryRun:
		return fmt.Sprintf("plan (dry run, nothing changed): %s", r.Plan)
	}
	return fmt.Sprintf("%s on %s is protected by %s", what, r.Target, r.Policy)
}

func protect() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_protect", Title: "Protect a Nutanix VM or volume group", Toolset: Toolset, Tier: safety.Write, Idempotent: true,
		Description: "Put a VM or volume group under a protection policy by giving it one of the policy's categories, and wait for the task. dry_run shows the plan.",
	}, func(ctx context.Context, c *kit.Call, a ProtectArgs) (ProtectResult, error) {
		if (a.VM == "") == (a.VolumeGroup == "") {
			return ProtectResult{}, &kit.Error{Kind: kit.KindInvalidArgs, Msg: "name exactly one of vm and volume_group",
				Hint: "Pass vm for a VM (nutanix_list_vms) or volume_group for a volume group (nutanix_list_volume_groups)."}
		}
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return ProtectResult{}, err
		}
		policies, err := cl.ListAllProtectionPolicies(ctx, nutanix.ListOptions{})
		if err != nil {
			return ProtectResult{}, backendError(err, t.Name, "list protection policies")
		}
		pol, err := ops.FindPolicy(policies, t.Name, a.Policy)
		if err != nil {
			return ProtectResult{}, kit.FromOps(err)
		}
		var en ops.Protectable
		if a.VM != "" {
			en, err = ops.ProtectableVM(ctx, cl, t.Name, a.VM)
		} else {
			en, err = ops.ProtectableVolumeGroup(ctx, cl, t.Name, a.VolumeGroup, policies)
		}
		if err != nil {
			return ProtectResult{}, kit.FromOps(err)
		}
		out := ProtectResult{Kind: en.Kind, ExtID: en.ExtID, Name: en.Name, Target: t.Name, Policy: pol.Name, PolicyID: pol.ExtID, DryRun: a.DryRun,
			ProtectionType: en.ProtectionType}
		switch cur := en.PolicyExtID; {
		case cur == pol.ExtID:
			out.Plan = "nothing: already protected by " + pol.Name
			return out, nil
		case cur != "":
			name := cur
			for _, p := range policies {
				if p.ExtID == cur {
					name = p.Name
				}
			}
			return ProtectResult{}, &kit.Error{Kind: kit.KindConflict,
				Msg:  fmt.Sprintf("%s on %s is already protected by policy %s", en.What(), t.Name, name),
				Hint: "This tool only adds protection; moving it to another policy changes its schedule and retention and is done in Prism Central. Nothing was changed."}
		}
		if len(pol.CategoryIDs) == 0 {
			return ProtectResult{}, &kit.Error{Kind: kit.KindInvalidArgs,
				Msg:  fmt.Sprintf("protection policy %s on %s protects no category, so nothing can join it", pol.Name, t.Name),
				Hint: "Choose a policy with categories (nutanix_list_protection_policies shows them), or add a category to it in Prism Central."}
		}
		out.CategoryID, out.Changed = pol.CategoryIDs[0], true
		out.Category = out.CategoryID
		if cat, err := cl.GetCategory(ctx, out.CategoryID); err == nil {
			out.Category = cat.Key + "/" + cat.Value
		} else {
			c.Env.Logger.Debug("category name not read", "category", out.CategoryID, "err", err) // the ext id names it
		}
		out.Plan = fmt.Sprintf("associate category %s of policy %s with %s; Prism Central then protects it", out.Category, pol.Name, en.What())
		if a.DryRun {
			return out, nil
		}
		task, err := ops.AssociateCategory(ctx, cl, t.Name, en, out.CategoryID)
		if err != nil {
			return ProtectResult{}, kit.FromOps(err)
		}
		done, err := waitTask(ctx, c, cl, task, true)
		if err != nil {
			return ProtectResult{}, backendError(err, t.Name, "associate category with "+en.What())
		}
		ti := taskInfo(done)
		out.Task = &ti
		after, err := ops.Reread(ctx, cl, t.Name, en, policies)
		if err != nil {
			return ProtectResult{}, kit.FromOps(err)
		}
		out.ProtectionType = after.ProtectionType
		if after.PolicyExtID != pol.ExtID {
			return out, &kit.Error{Kind: kit.KindBackend,
				Msg:  fmt.Sprintf("%s on %s now has the category of policy %s, but Prism Central does not report it protected by it yet", en.What(), t.Name, pol.Name),
				Hint: "Policy application can lag; check with find_unprotected in a minute before calling again."}
		}
		return out, nil
	})
}
