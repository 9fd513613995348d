package ops

import (
	"context"
	"slices"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
)

// Nutanix protection by category. A v4 protection policy protects the
// members of its categories (ProtectionPolicy.CategoryIDs): a VM or a
// volume group joins it by carrying one of them. VMs report the policy that
// protects them (protectionPolicyState); volume groups do not, so theirs is
// the policy selecting one of their categories (category-associations).

// Kinds of Protectable.
const (
	ProtectVM          = "vm"
	ProtectVolumeGroup = "volume_group"
)

// Protectable is a VM or a volume group, with the policy protecting it.
type Protectable struct {
	Kind  string // ProtectVM or ProtectVolumeGroup
	ExtID string
	Name  string
	// ETag is the VM's, sent as If-Match (volume groups need none).
	ETag string
	// PolicyExtID is the policy protecting it now; "" for none.
	PolicyExtID string
	// ProtectionType is the VM's (UNPROTECTED, RULE_PROTECTED, ...).
	ProtectionType string
}

// What names it in messages ("VM db-01", "volume group vg-logs").
func (p Protectable) What() string {
	if p.Kind == ProtectVolumeGroup {
		return "volume group " + p.Name
	}
	return "VM " + p.Name
}

// PolicyOf is the ext id of the first policy that selects one of the
// categories (by ext id), as Prism Central applies policies; "" for none.
func PolicyOf(policies []nutanix.ProtectionPolicy, categoryIDs []string) string {
	for _, p := range policies {
		if slices.ContainsFunc(p.CategoryIDs, func(id string) bool { return slices.Contains(categoryIDs, id) }) {
			return p.ExtID
		}
	}
	return ""
}

// FindPolicy picks the policy named ref (name or ext_id) among policies.
func FindPolicy(policies []nutanix.ProtectionPolicy, target, ref string) (*nutanix.ProtectionPolicy, error) {
	names := make([]string, 0, len(policies))
	for i := range policies {
		if policies[i].ExtID == ref || policies[i].Name == ref {
			return &policies[i], nil
		}
		names = append(names, policies[i].Name)
	}
	return nil, fail(KindNotFound, nil, "Use one of: "+strings.Join(names, ", ")+" (details: nutanix_list_protection_policies).",
		"no protection policy %q on %s", ref, target)
}

// ResolveVolumeGroup finds one volume group by ext_id or exact name.
func ResolveVolumeGroup(ctx context.Context, cl *nutanix.Client, target, ref string) (*nutanix.VolumeGroup, error) {
	if extIDRE.MatchString(ref) {
		vg, err := cl.GetVolumeGroup(ctx, ref)
		if err != nil {
			return nil, NutanixError(err, target, "volume group "+ref)
		}
		return vg, nil
	}
	vgs, err := cl.ListAllVolumeGroups(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", ref)})
	if err != nil {
		return nil, NutanixError(err, target, "look up volume group "+ref)
	}
	switch len(vgs) {
	case 1:
		return &vgs[0], nil
	case 0:
		return nil, fail(KindNotFound, nil, "Names are exact and case-sensitive; list them with nutanix_list_volume_groups.", "no volume group named %q on %s", ref, target)
	}
	var ids []string
	for _, v := range vgs {
		ids = append(ids, v.ExtID)
	}
	return nil, fail(KindInvalidArgs, nil, "Pass the ext_id of the one you mean.", "%d volume groups are named %q on %s: %s", len(vgs), ref, target, strings.Join(ids, ", "))
}

// ProtectableVM reads a VM (name or ext_id) with its ETag and policy.
func ProtectableVM(ctx context.Context, cl *nutanix.Client, target, ref string) (Protectable, error) {
	vm, err := ResolveVM(ctx, cl, target, ref)
	if err != nil {
		return Protectable{}, err
	}
	if vm, err = cl.GetVM(ctx, vm.ExtID); err != nil { // a list item has no ETag
		return Protectable{}, NutanixError(err, target, "vm "+ref)
	}
	p := Protectable{Kind: ProtectVM, ExtID: vm.ExtID, Name: vm.Name, ETag: vm.ETag, ProtectionType: vm.ProtectionType}
	if s := vm.ProtectionPolicyState; s != nil && s.Policy != nil {
		p.PolicyExtID = s.Policy.ExtID
	}
	return p, nil
}

// ProtectableVolumeGroup reads a volume group (name or ext_id) and the
// policy among policies that its categories put it under.
func ProtectableVolumeGroup(ctx context.Context, cl *nutanix.Client, target, ref string, policies []nutanix.ProtectionPolicy) (Protectable, error) {
	vg, err := ResolveVolumeGroup(ctx, cl, target, ref)
	if err != nil {
		return Protectable{}, err
	}
	cats, err := cl.VolumeGroupCategoryIDs(ctx, vg.ExtID)
	if err != nil {
		return Protectable{}, NutanixError(err, target, "categories of volume group "+vg.Name)
	}
	return Protectable{Kind: ProtectVolumeGroup, ExtID: vg.ExtID, Name: vg.Name, PolicyExtID: PolicyOf(policies, cats)}, nil
}

// Reread reads p's protection again (after an association).
func Reread(ctx context.Context, cl *nutanix.Client, target string, p Protectable, policies []nutanix.ProtectionPolicy) (Protectable, error) {
	if p.Kind == ProtectVolumeGroup {
		return ProtectableVolumeGroup(ctx, cl, target, p.ExtID, policies)
	}
	return ProtectableVM(ctx, cl, target, p.ExtID)
}

// AssociateCategory starts the task that gives p the category: vmm
// associate-categories (If-Match the VM's ETag) for a VM, volumes
// associate-category for a volume group.
func AssociateCategory(ctx context.Context, cl *nutanix.Client, target string, p Protectable, categoryExtID string) (nutanix.TaskRef, error) {
	var (
		ref nutanix.TaskRef
		err error
	)
	if p.Kind == ProtectVolumeGroup {
		ref, err = cl.AssociateVolumeGroupCategories(ctx, p.ExtID, []string{categoryExtID}, nutanix.Mutation{})
	} else {
		ref, err = cl.AssociateVMCategories(ctx, p.ExtID, []string{categoryExtID}, nutanix.Mutation{IfMatch: p.ETag})
	}
	if err != nil {
		return ref, NutanixError(err, target, "associate category with "+p.What())
	}
	return ref, nil
}
