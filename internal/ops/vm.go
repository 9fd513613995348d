package ops

import (
	"context"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
)

// FindVM returns the one VM named name exactly, nil when there is none;
// several VMs of that name is an error (a deterministic drill name must
// name one VM).
func FindVM(ctx context.Context, cl *nutanix.Client, target, name string) (*nutanix.VM, error) {
	vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", name)})
	if err != nil {
		return nil, NutanixError(err, target, "look up vm "+name)
	}
	switch len(vms) {
	case 0:
		return nil, nil
	case 1:
		return &vms[0], nil
	}
	return nil, fail(KindConflict, nil, "Delete the extra copies by hand; a drill's name must be unique.", "%d vms are named %q on %s", len(vms), name, target)
}

// EnsureRestoredVM restores one VM of a recovery point as a new VM named
// name unless a VM of that name exists already (an earlier attempt of the
// same step finished the restore): the deterministic name is checked
// before the create, and the restore carries the caller's journalled
// request id, so an attempt killed while the task ran is answered with the
// first task. It returns the VM's ext_id and whether this call restored it.
func EnsureRestoredVM(ctx context.Context, cl *nutanix.Client, target, rpExtID, vmRPExtID, name, requestID string, p Progress) (string, bool, error) {
	vm, err := FindVM(ctx, cl, target, name)
	if err != nil {
		return "", false, err
	}
	if vm != nil {
		p.say("vm %s exists already (%s)", name, vm.ExtID)
		return vm.ExtID, false, nil
	}
	id, err := RestoreVM(ctx, cl, target, rpExtID, vmRPExtID, name, requestID, p)
	return id, err == nil, err
}

// PowerOnVM powers a VM on with the vmm power-on action unless it is on
// already, waits for the task, and returns whether it acted.
func PowerOnVM(ctx context.Context, cl *nutanix.Client, target, extID, requestID string, p Progress) (bool, error) {
	vm, err := cl.GetVM(ctx, extID)
	if err != nil {
		return false, NutanixError(err, target, "vm "+extID)
	}
	if vm.PowerState == "ON" {
		return false, nil
	}
	ref, err := cl.PowerOnVM(ctx, extID, nutanix.Mutation{RequestID: requestID, IfMatch: vm.ETag})
	if err != nil {
		return false, NutanixError(err, target, "power on vm "+vm.Name)
	}
	if _, err := WaitTask(ctx, cl, target, "power on vm "+vm.Name, ref.ExtID, p); err != nil {
		return false, err
	}
	return true, nil
}

// DeleteVMIfExists deletes the VM named name (a name the caller made, such
// as a drill's rmcp_<run>_... clone) and waits until it is gone; false when
// there was none. It never deletes by anything but that exact name.
func DeleteVMIfExists(ctx context.Context, cl *nutanix.Client, target, name, requestID string, p Progress) (bool, error) {
	vm, err := FindVM(ctx, cl, target, name)
	if err != nil || vm == nil {
		return false, err
	}
	full, err := cl.GetVM(ctx, vm.ExtID)
	if err != nil {
		if nutanix.IsNotFound(err) {
			return false, nil
		}
		return false, NutanixError(err, target, "vm "+name)
	}
	ref, err := cl.DeleteVM(ctx, vm.ExtID, nutanix.Mutation{RequestID: requestID, IfMatch: full.ETag})
	if err != nil {
		if nutanix.IsNotFound(err) {
			return false, nil
		}
		return false, NutanixError(err, target, "delete vm "+name)
	}
	if _, err := WaitTask(ctx, cl, target, "delete vm "+name, ref.ExtID, p); err != nil {
		return false, err
	}
	return true, nil
}

// CategoryTags maps every category's ext_id to its "key:value" tag (lower
// case, as inventory and the analysis tier rules name them).
func CategoryTags(ctx context.Context, cl *nutanix.Client, target string) (map[string]string, error) {
	cats, err := cl.ListAllCategories(ctx, nutanix.ListOptions{})
	if err != nil {
		return nil, NutanixError(err, target, "list categories")
	}
	out := make(map[string]string, len(cats))
	for _, c := range cats {
		out[c.ExtID] = strings.ToLower(c.Key + ":" + c.Value)
	}
	return out, nil
}

// TagsOf are the VM's categories as tags, from CategoryTags.
func TagsOf(vm *nutanix.VM, tags map[string]string) []string {
	var out []string
	for _, r := range vm.Categories {
		if t, ok := tags[r.ExtID]; ok {
			out = append(out, t)
		}
	}
	return out
}

// VMTags are the VM's categories as "key:value" tags.
func VMTags(ctx context.Context, cl *nutanix.Client, target string, vm *nutanix.VM) ([]string, error) {
	if len(vm.Categories) == 0 {
		return nil, nil
	}
	tags, err := CategoryTags(ctx, cl, target)
	if err != nil {
		return nil, err
	}
	return TagsOf(vm, tags), nil
}
