package nutanix

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// ---- revert

// RevertVMArgs revert a VM to a VM recovery point.
type RevertVMArgs struct {
	Target               string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	VM                   string `json:"vm" jsonschema:"required,minLength=1" jsonschema_description:"VM name or ext_id."`
	VMRecoveryPointExtID string `json:"vm_recovery_point_ext_id" jsonschema:"required,minLength=1" jsonschema_description:"VM recovery point of this VM (see nutanix_get_recovery_point)."`
}

// RevertResult reports a revert.
type RevertResult struct {
	VMExtID              string   `json:"vm_ext_id"`
	VMName               string   `json:"vm_name"`
	VMRecoveryPointExtID string   `json:"vm_recovery_point_ext_id"`
	RecoveryPointTime    string   `json:"recovery_point_time,omitempty"`
	Target               string   `json:"target"`
	Task                 TaskInfo `json:"task"`
}

// Summary leads the text result.
func (r RevertResult) Summary() string {
	return fmt.Sprintf("reverted VM %s to its recovery point of %s (%s)", r.VMName, r.RecoveryPointTime, r.Task.Status)
}

func revertVM() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_revert_vm", Title: "Revert a Nutanix VM to a recovery point", Toolset: Toolset, Tier: safety.Destructive,
		Description: "Revert a VM in place to one of its VM recovery points, losing later changes; confirms first. To keep the VM, restore as a clone instead.",
	}, func(ctx context.Context, c *kit.Call, a RevertVMArgs) (RevertResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RevertResult{}, err
		}
		ref, err := resolveVM(ctx, cl, t.Name, a.VM)
		if err != nil {
			return RevertResult{}, err
		}
		vm, err := cl.GetVM(ctx, ref.ExtID)
		if err != nil {
			return RevertResult{}, backendError(err, t.Name, "VM "+ref.ExtID)
		}
		// Find the VM recovery point, and prove it belongs to this VM.
		rps, err := cl.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Filter: nutanix.RecoveryPointsOfVM(vm.ExtID), OrderBy: "creationTime desc", Limit: maxServerLimit})
		if err != nil {
			return RevertResult{}, backendError(err, t.Name, "recovery points of VM "+vm.Name)
		}
		var found *nutanix.VMRecoveryPoint
		var parent *nutanix.RecoveryPoint
		for i := range rps {
			for j := range rps[i].VMRecoveryPoints {
				if rps[i].VMRecoveryPoints[j].ExtID == a.VMRecoveryPointExtID {
					found, parent = &rps[i].VMRecoveryPoints[j], &rps[i]
				}
			}
		}
		if found == nil || found.VMExtID != vm.ExtID {
			return RevertResult{}, &kit.Error{Kind: kit.KindNotFound,
				Msg:  fmt.Sprintf("VM recovery point %s is not one of VM %s's recovery points on %s", a.VMRecoveryPointExtID, vm.Name, t.Name),
				Hint: "List them with nutanix_list_recovery_points vm=" + vm.Name + " and take vm_recovery_points[].ext_id."}
		}
		now := c.Env.Clock()
		rpTime := parent.CreationTime
		if !found.CreationTime.IsZero() {
			rpTime = found.CreationTime
		}
		preview := map[string]any{
			"vm": vm.Name, "vm_ext_id": vm.ExtID, "power_state": vm.PowerState, "target": t.Name,
			"revert_to": kit.Time(rpTime), "recovery_point": parent.Name, "vm_recovery_point_ext_id": found.ExtID,
			"data_lost": "every change to the VM's disks since " + kit.Time(rpTime) + " (" + kit.Human(now.Sub(rpTime)) + ")",
		}
		if err := c.Confirm(ctx, fmt.Sprintf("Revert VM %s to %s, losing %s of changes", vm.Name, kit.Time(rpTime), kit.Human(now.Sub(rpTime))), preview,
			map[string]any{"vm_etag": vm.ETag, "vm_recovery_point": found.ExtID}); err != nil {
			return RevertResult{}, err
		}
		c.Sending(map[string]string{"kind": "nutanix_task", "entity": vm.ExtID})
		tref, err := cl.RevertVM(ctx, vm.ExtID, found.ExtID, nutanix.Mutation{IfMatch: vm.ETag})
		if err != nil {
			return RevertResult{}, backendError(err, t.Name, "revert VM "+vm.Name)
		}
		task, err := waitTask(ctx, c, cl, tref, true)
		if err != nil {
			return RevertResult{}, backendError(err, t.Name, "revert VM "+vm.Name)
		}
		return RevertResult{VMExtID: vm.ExtID, VMName: vm.Name, VMRecoveryPointExtID: found.ExtID,
			RecoveryPointTime: kit.Time(rpTime), Target: t.Name, Task: taskInfo(task)}, nil
	})
}

// ---- VMs

// ListVMsArgs filter VMs.
type ListVMsArgs struct {
	Target      string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	Name        string `json:"name,omitempty" jsonschema_description:"VM name contains this."`
	Cluster     string `json:"cluster,omitempty" jsonschema_description:"Cluster name or ext_id."`
	Unprotected bool   `json:"unprotected,omitempty" jsonschema_description:"Only VMs with no recovery point."`
	Limit       int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500"`
	Page        int    `json:"page,omitempty" jsonschema:"minimum=0"`
}

// VM is a VM with its protection summary.
type VM struct {
	ExtID               string        `json:"ext_id"`
	Name                string        `json:"name"`
	ClusterExtID        string        `json:"cluster_ext_id,omitempty"`
	PowerState          string        `json:"power_state,omitempty"`
	DiskBytes           int64         `json:"disk_bytes"`
	ProtectionPolicy    string        `json:"protection_policy_ext_id,omitempty"`
	RecoveryPoints      int           `json:"recovery_points"`
	NewestRecoveryPoint string        `json:"newest_recovery_point_time,omitempty"`
	NewestRecoveryPtAge *kit.Duration `json:"newest_recovery_point_age,omitempty"`
	NewestRecoveryPtExt string        `json:"newest_recovery_point_ext_id,omitempty"`
}

// VMList is a page of VMs.
type VMList struct {
	kit.List[VM]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l VMList) Summary() string {
	unprotected := 0
	for _, v := range l.Items {
		if v.RecoveryPoints == 0 {
			unprotected++
		}
	}
	return fmt.Sprintf("%d of %d VMs on %s (%d shown without any recovery point)", l.Returned, l.Total, l.Target, unprotected)
}

func listVMs() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_list_vms", Title: "List Nutanix VMs with protection", Toolset: Toolset, Tier: safety.Read,
		Description: "List VMs with power state, protection policy, recovery point count and the newest recovery point's time and age.",
	}, func(ctx context.Context, c *kit.Call, a ListVMsArgs) (VMList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return VMList{}, err
		}
		var fs []nutanix.Filter
		if a.Name != "" {
			fs = append(fs, nutanix.Contains("name", a.Name))
		}
		if a.Cluster != "" {
			cluster, err := resolveCluster(ctx, cl, t.Name, a.Cluster)
			if err != nil {
				return VMList{}, err
			}
			fs = append(fs, nutanix.Eq("cluster/extId", cluster.ExtID))
		}
		vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{Filter: nutanix.And(fs...), OrderBy: "name", Limit: maxServerLimit})
		if err != nil {
			return VMList{}, backendError(err, t.Name, "list VMs")
		}
		rps, err := cl.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Limit: maxServerLimit})
		if err != nil {
			return VMList{}, backendError(err, t.Name, "list recovery points")
		}
		type newest struct {
			at    time.Time
			extID string
			n     int
		}
		byVM := map[string]*newest{}
		for i := range rps {
			for _, v := range rps[i].VMRecoveryPoints {
				nw := byVM[v.VMExtID]
				if nw == nil {
					nw = &newest{}
					byVM[v.VMExtID] = nw
				}
				nw.n++
				if rps[i].CreationTime.After(nw.at) {
					nw.at, nw.extID = rps[i].CreationTime, rps[i].ExtID
				}
			}
		}
		now := c.Env.Clock()
		var items []VM
		for i := range vms {
			v := &vms[i]
			out := VM{ExtID: v.ExtID, Name: v.Name, ClusterExtID: v.ClusterExtID(), PowerState: v.PowerState,
				DiskBytes: v.DiskBytes(), ProtectionPolicy: v.ProtectionPolicyExtID()}
			if nw := byVM[v.ExtID]; nw != nil {
				age := kit.NewDuration(now.Sub(nw.at))
				out.RecoveryPoints, out.NewestRecoveryPoint, out.NewestRecoveryPtAge, out.NewestRecoveryPtExt = nw.n, kit.Time(nw.at), &age, nw.extID
			}
			if a.Unprotected && out.RecoveryPoints > 0 {
				continue
			}
			items = append(items, out)
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].Name < items[j].Name })
		return VMList{List: kit.Paged(items, a.Page, a.Limit), Target: t.Name}, nil
	})
}

// ---- volume groups

// ListArgs is a plain paged listing on a target.
type ListArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	Name   string `json:"name,omitempty" jsonschema_description:"Name contains this."`
	Limit  int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500"`
	Page   int    `json:"page,omitempty" jsonschema:"minimum=0"`
}

// VolumeGroup is a volume group.
type VolumeGroup struct {
	ExtID        string `json:"ext_id"`
	Name         string `json:"name"`
	ClusterExtID string `json:"cluster_ext_id,omitempty"`
	UsageType    string `json:"usage_type,omitempty"`
	Sharing      string `json:"sharing_status,omitempty"`
}

// VolumeGroupList is a page of volume groups.
type VolumeGroupList struct {
	kit.List[VolumeGroup]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l VolumeGroupList) Summary() string {
	return fmt.Sprintf("%d of %d volume groups on %s", l.Returned, l.Total, l.Target)
}

func listVolumeGroups() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_list_volume_groups", Title: "List Nutanix volume groups", Toolset: Toolset, Tier: safety.Read,
		Description: "List volume groups (names and ext_ids for nutanix_create_recovery_point).",
	}, func(ctx context.Context, c *kit.Call, a ListArgs) (VolumeGroupList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return VolumeGroupList{}, err
		}
		var f nutanix.Filter
		if a.Name != "" {
			f = nutanix.Contains("name", a.Name)
		}
		vgs, err := cl.ListAllVolumeGroups(ctx, nutanix.ListOptions{Filter: f, Limit: maxServerLimit})
		if err != nil {
			return VolumeGroupList{}, backendError(err, t.Name, "list volume groups")
		}
		items := make([]VolumeGroup, 0, len(vgs))
		for _, v := range vgs {
			items = append(items, VolumeGroup{ExtID: v.ExtID, Name: v.Name, ClusterExtID: v.ClusterReference, UsageType: v.UsageType, Sharing: v.SharingStatus})
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].Name < items[j].Name })
		return VolumeGroupList{List: kit.Paged(items, a.Page, a.Limit), Target: t.Name}, nil
	})
}

// ---- clusters

// Cluster is a Prism Element cluster.
type Cluster struct {
	ExtID      string   `json:"ext_id"`
	Name       string   `json:"name"`
	Version    string   `json:"version,omitempty"`
	Hypervisor []string `json:"hypervisors,omitempty"`
	Nodes      int      `json:"nodes,omitempty"`
	Address    string   `json:"address,omitempty"`
	Available  *bool    `json:"available,omitempty"`
}

// ClusterList lists clusters.
type ClusterList struct {
	kit.List[Cluster]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l ClusterList) Summary() string { return fmt.Sprintf("%d clusters on %s", l.Total, l.Target) }

func listClusters() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_list_clusters", Title: "List Nutanix clusters", Toolset: Toolset, Tier: safety.Read,
		Description: "List the clusters a Prism Central manages (restore and replication destinations).",
	}, func(ctx context.Context, c *kit.Call, a ListArgs) (ClusterList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return ClusterList{}, err
		}
		cs, err := cl.ListAllClusters(ctx, nutanix.ListOptions{Limit: maxServerLimit})
		if err != nil {
			return ClusterList{}, backendError(err, t.Name, "list clusters")
		}
		var items []Cluster
		for i := range cs {
			x := &cs[i]
			if x.IsPrismCentral() || (a.Name != "" && !strings.Contains(x.Name, a.Name)) {
				continue
			}
			out := Cluster{ExtID: x.ExtID, Name: x.Name, Version: x.Version()}
			if x.Config != nil {
				out.Hypervisor, out.Available = x.Config.HypervisorTypes, x.Config.IsAvailable
			}
			if x.Nodes != nil {
				out.Nodes = x.Nodes.NumberOfNodes
			}
			if x.Network != nil {
				out.Address = x.Network.ExternalAddress.String()
			}
			items = append(items, out)
		}
		return ClusterList{List: kit.Paged(items, a.Page, a.Limit), Target: t.Name}, nil
	})
}

// ---- protection policies

// ProtectionPolicy is a protection policy's schedule in plain terms.
type ProtectionPolicy struct {
	ExtID          string        `json:"ext_id"`
	Name           string        `json:"name"`
	Description    string        `json:"description,omitempty"`
	RPO            *kit.Duration `json:"rpo,omitempty"`
	RemoteSites    []string      `json:"remote_locations"`
	LocalRetention int           `json:"local_retention,omitempty"`
	Categories     []string      `json:"category_ext_ids,omitempty"`
}

// ProtectionPolicyList lists policies.
type ProtectionPolicyList struct {
	kit.List[ProtectionPolicy]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l ProtectionPolicyList) Summary() string {
	return fmt.Sprintf("%d protection policies on %s", l.Total, l.Target)
}

func listProtectionPolicies() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_list_protection_policies", Title: "List Nutanix protection policies", Toolset: Toolset, Tier: safety.Read,
		Description: "List protection policies with RPO, retention and remote locations.",
	}, func(ctx context.Context, c *kit.Call, a ListArgs) (ProtectionPolicyList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return ProtectionPolicyList{}, err
		}
		ps, err := cl.ListAllProtectionPolicies(ctx, nutanix.ListOptions{Limit: maxServerLimit})
		if err != nil {
			return ProtectionPolicyList{}, backendError(err, t.Name, "list protection policies")
		}
		var items []ProtectionPolicy
		for i := range ps {
			p := &ps[i]
			if a.Name != "" && !strings.Contains(p.Name, a.Name) {
				continue
			}
			out := ProtectionPolicy{ExtID: p.ExtID, Name: p.Name, Description: p.Description, RemoteSites: []string{}, Categories: p.CategoryIDs}
			if rpo := p.RPO(); rpo > 0 {
				d := kit.NewDuration(rpo)
				out.RPO = &d
			}
			for _, l := range p.RemoteLocations() {
				out.RemoteSites = append(out.RemoteSites, firstNonEmpty(l.Label, l.DomainManagerExtID))
			}
			for _, rc := range p.ReplicationConfigurations {
				if rc.Schedule != nil && rc.Schedule.Retention != nil && rc.Schedule.Retention.Local > out.LocalRetention {
					out.LocalRetention = rc.Schedule.Retention.Local
				}
			}
			items = append(items, out)
		}
		return ProtectionPolicyList{List: kit.Paged(items, a.Page, a.Limit), Target: t.Name}, nil
	})
}

// ---- tasks

// GetTaskArgs name a task.
type GetTaskArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	ExtID  string `json:"ext_id" jsonschema:"required,minLength=1" jsonschema_description:"Task ext_id."`
}

// TaskResult is one task.
type TaskResult struct {
	TaskInfo
	Target string `json:"target"`
}

// Summary leads the text result.
func (r TaskResult) Summary() string {
	return fmt.Sprintf("task %s (%s) is %s, %d%%", r.ExtID, r.Operation, r.Status, r.Progress)
}

func getTask() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_get_task", Title: "Get a Prism Central task", Toolset: Toolset, Tier: safety.Read,
		Description: "Get a task's status, progress, errors and affected entities (e.g. after wait=false or a timeout).",
	}, func(ctx context.Context, c *kit.Call, a GetTaskArgs) (TaskResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return TaskResult{}, err
		}
		task, err := cl.GetTask(ctx, a.ExtID)
		if err != nil {
			return TaskResult{}, backendError(err, t.Name, "task "+a.ExtID)
		}
		return TaskResult{TaskInfo: taskInfo(task), Target: t.Name}, nil
	})
}
