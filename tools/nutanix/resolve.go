package nutanix

import (
	"context"
	"fmt"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// named is an entity resolved from a name or ext_id.
type named struct{ ExtID, Name string }

// resolve finds one entity by ext_id or exact name. get fetches by ext_id;
// byName lists the entities with that name.
func resolve(ctx context.Context, kind, target, ref string,
	get func(context.Context, string) (named, error),
	byName func(context.Context, string) ([]named, error)) (named, error) {
	if isExtID(ref) {
		n, err := get(ctx, ref)
		if err != nil {
			return named{}, backendError(err, target, kind+" "+ref)
		}
		return n, nil
	}
	found, err := byName(ctx, ref)
	if err != nil {
		return named{}, backendError(err, target, "look up "+kind+" "+ref)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return named{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no %s named %q on %s", kind, ref, target),
			Hint: "Names are exact and case-sensitive; list them with nutanix_list_" + strings.ReplaceAll(kind, " ", "_") + "s."}
	default:
		var ids []string
		for _, f := range found {
			ids = append(ids, f.ExtID)
		}
		return named{}, &kit.Error{Kind: kit.KindInvalidArgs, Msg: fmt.Sprintf("%d %ss are named %q on %s: %s", len(found), kind, ref, target, strings.Join(ids, ", ")),
			Hint: "Pass the ext_id of the one you mean."}
	}
}

func resolveVM(ctx context.Context, cl *nutanix.Client, target, ref string) (named, error) {
	return resolve(ctx, "vm", target, ref,
		func(ctx context.Context, id string) (named, error) {
			vm, err := cl.GetVM(ctx, id)
			if err != nil {
				return named{}, err
			}
			return named{vm.ExtID, vm.Name}, nil
		},
		func(ctx context.Context, name string) ([]named, error) {
			vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", name)})
			var out []named
			for _, v := range vms {
				out = append(out, named{v.ExtID, v.Name})
			}
			return out, err
		})
}

func resolveVolumeGroup(ctx context.Context, cl *nutanix.Client, target, ref string) (named, error) {
	return resolve(ctx, "volume group", target, ref,
		func(ctx context.Context, id string) (named, error) {
			vg, err := cl.GetVolumeGroup(ctx, id)
			if err != nil {
				return named{}, err
			}
			return named{vg.ExtID, vg.Name}, nil
		},
		func(ctx context.Context, name string) ([]named, error) {
			vgs, err := cl.ListAllVolumeGroups(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", name)})
			var out []named
			for _, v := range vgs {
				out = append(out, named{v.ExtID, v.Name})
			}
			return out, err
		})
}

func resolveCluster(ctx context.Context, cl *nutanix.Client, target, ref string) (named, error) {
	return resolve(ctx, "cluster", target, ref,
		func(ctx context.Context, id string) (named, error) {
			c, err := cl.GetCluster(ctx, id)
			if err != nil {
				return named{}, err
			}
			return named{c.ExtID, c.Name}, nil
		},
		func(ctx context.Context, name string) ([]named, error) {
			cs, err := cl.ListAllClusters(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", name)})
			var out []named
			for _, c := range cs {
				if !c.IsPrismCentral() {
					out = append(out, named{c.ExtID, c.Name})
				}
			}
			return out, err
		})
}

// vmNames maps the VM ext ids of rp's members to names, for readable
// results, in one filtered request rather than a listing of every VM.
// Unknown ids map to "" (a VM deleted since the recovery point was taken).
func vmNames(ctx context.Context, cl *nutanix.Client, rp *nutanix.RecoveryPoint) map[string]string {
	out := map[string]string{}
	var ids []nutanix.Filter
	for _, m := range rp.VMRecoveryPoints {
		ids = append(ids, nutanix.Eq("extId", m.VMExtID))
	}
	if len(ids) == 0 {
		return out
	}
	vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{Filter: nutanix.Or(ids...), Select: "extId,name"})
	if err != nil {
		return out
	}
	for _, v := range vms {
		out[v.ExtID] = v.Name
	}
	return out
}
