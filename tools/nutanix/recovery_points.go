package nutanix

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// RecoveryPoint is a recovery point in results.
type RecoveryPoint struct {
	ExtID             string       `json:"ext_id"`
	Name              string       `json:"name"`
	Status            string       `json:"status,omitempty"`
	RecoveryPointType string       `json:"recovery_point_type,omitempty"`
	CreationTime      string       `json:"creation_time,omitempty"`
	Age               kit.Duration `json:"age"`
	ExpirationTime    string       `json:"expiration_time,omitempty"`
	ClusterExtIDs     []string     `json:"cluster_ext_ids,omitempty"`
	ExclusiveBytes    int64        `json:"exclusive_usage_bytes,omitempty"`
	VMRecoveryPoints  []VMRPRef    `json:"vm_recovery_points"`
	VGRecoveryPoints  []VGRPRef    `json:"volume_group_recovery_points"`
}

// VMRPRef is a VM recovery point inside a recovery point.
type VMRPRef struct {
	ExtID   string `json:"ext_id"`
	VMExtID string `json:"vm_ext_id"`
	VMName  string `json:"vm_name,omitempty"`
}

// VGRPRef is a volume group recovery point inside a recovery point.
type VGRPRef struct {
	ExtID            string `json:"ext_id"`
	VolumeGroupExtID string `json:"volume_group_ext_id"`
}

func recoveryPoint(rp *nutanix.RecoveryPoint, now time.Time, names map[string]string) RecoveryPoint {
	out := RecoveryPoint{
		ExtID: rp.ExtID, Name: rp.Name, Status: rp.Status, RecoveryPointType: rp.RecoveryPointType,
		CreationTime: kit.Time(rp.CreationTime), ExpirationTime: kit.Time(rp.ExpirationTime),
		ClusterExtIDs: rp.ClusterExtIDs(), ExclusiveBytes: rp.TotalExclusiveUsageBytes,
		VMRecoveryPoints: []VMRPRef{}, VGRecoveryPoints: []VGRPRef{},
	}
	if !rp.CreationTime.IsZero() {
		out.Age = kit.NewDuration(now.Sub(rp.CreationTime))
	}
	for _, v := range rp.VMRecoveryPoints {
		out.VMRecoveryPoints = append(out.VMRecoveryPoints, VMRPRef{ExtID: v.ExtID, VMExtID: v.VMExtID, VMName: names[v.VMExtID]})
	}
	for _, v := range rp.VolumeGroupRecoveryPoints {
		out.VGRecoveryPoints = append(out.VGRecoveryPoints, VGRPRef{ExtID: v.ExtID, VolumeGroupExtID: v.VolumeGroupExtID})
	}
	return out
}

// ---- list

// ListRecoveryPointsArgs filters recovery points.
type ListRecoveryPointsArgs struct {
	Target            string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	Name              string `json:"name,omitempty" jsonschema_description:"Recovery point name contains this."`
	VM                string `json:"vm,omitempty" jsonschema_description:"Only recovery points of this VM (name or ext_id)."`
	VolumeGroup       string `json:"volume_group,omitempty" jsonschema_description:"Only recovery points of this volume group (name or ext_id)."`
	Status            string `json:"status,omitempty" jsonschema:"enum=COMPLETE" jsonschema_description:"Only usable ones."`
	RecoveryPointType string `json:"recovery_point_type,omitempty" jsonschema:"enum=CRASH_CONSISTENT,enum=APPLICATION_CONSISTENT" jsonschema_description:"APPLICATION_CONSISTENT quiesces via guest tools (VSS)."`
	CreatedAfter      string `json:"created_after,omitempty" jsonschema_description:"Time or age (e.g. 24h, 7d)."`
	CreatedBefore     string `json:"created_before,omitempty" jsonschema_description:"Time or age."`
	ExpiringBefore    string `json:"expiring_before,omitempty" jsonschema_description:"Time or duration from now (e.g. 3d)."`
	Filter            string `json:"filter,omitempty" jsonschema_description:"Raw OData $filter, ANDed with the above."`
	OrderBy           string `json:"orderby,omitempty" jsonschema_description:"OData $orderby; default creationTime desc."`
	Limit             int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500"`
	Page              int    `json:"page,omitempty" jsonschema:"minimum=0"`
}

// RecoveryPointList is a page of recovery points.
type RecoveryPointList struct {
	kit.List[RecoveryPoint]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l RecoveryPointList) Summary() string {
	return fmt.Sprintf("%d of %d recovery points on %s", l.Returned, l.Total, l.Target)
}

func listRecoveryPoints() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_list_recovery_points", Title: "List Nutanix recovery points", Toolset: Toolset, Tier: safety.Read,
		Description: "List recovery points on a Prism Central, newest first, filtered by VM, volume group, name, type or creation and expiration time.",
	}, func(ctx context.Context, c *kit.Call, a ListRecoveryPointsArgs) (RecoveryPointList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RecoveryPointList{}, err
		}
		now := c.Env.Clock()
		var fs []nutanix.Filter
		if a.Name != "" {
			fs = append(fs, nutanix.Contains("name", a.Name))
		}
		if a.VM != "" {
			vm, err := resolveVM(ctx, cl, t.Name, a.VM)
			if err != nil {
				return RecoveryPointList{}, err
			}
			fs = append(fs, nutanix.RecoveryPointsOfVM(vm.ExtID))
		}
		if a.VolumeGroup != "" {
			vg, err := resolveVolumeGroup(ctx, cl, t.Name, a.VolumeGroup)
			if err != nil {
				return RecoveryPointList{}, err
			}
			fs = append(fs, nutanix.RecoveryPointsOfVolumeGroup(vg.ExtID))
		}
		if a.RecoveryPointType != "" {
			fs = append(fs, nutanix.Eq("recoveryPointType", a.RecoveryPointType))
		}
		// Prism Central filters on creationTime but not on status or
		// expirationTime: those two are applied here, over all pages.
		var local []func(*nutanix.RecoveryPoint) bool
		if a.Status != "" {
			local = append(local, func(rp *nutanix.RecoveryPoint) bool { return rp.Status == a.Status })
		}
		for _, tf := range []struct {
			arg, val string
			future   bool
		}{{"created_after", a.CreatedAfter, false}, {"created_before", a.CreatedBefore, false}, {"expiring_before", a.ExpiringBefore, true}} {
			if tf.val == "" {
				continue
			}
			tm, err := kit.ParseTime(tf.arg, tf.val, now, tf.future)
			if err != nil {
				return RecoveryPointList{}, err
			}
			switch tf.arg {
			case "created_after":
				fs = append(fs, nutanix.Gt("creationTime", tm))
			case "created_before":
				fs = append(fs, nutanix.Lt("creationTime", tm))
			default:
				local = append(local, func(rp *nutanix.RecoveryPoint) bool {
					return !rp.ExpirationTime.IsZero() && rp.ExpirationTime.Before(tm)
				})
			}
		}
		if a.Filter != "" {
			fs = append(fs, nutanix.Raw(a.Filter))
		}
		order := a.OrderBy
		switch {
		case order != "":
		case a.ExpiringBefore != "":
			order = "expirationTime asc"
		default:
			order = "creationTime desc"
		}
		limit := kit.Limit(a.Limit)
		opts := nutanix.ListOptions{Page: a.Page, Limit: limit, Filter: nutanix.And(fs...), OrderBy: order}
		var rps []nutanix.RecoveryPoint
		total := 0
		if len(local) == 0 && limit <= maxServerLimit {
			page, err := cl.ListRecoveryPoints(ctx, opts)
			if err != nil {
				return RecoveryPointList{}, backendError(err, t.Name, "list recovery points")
			}
			rps, total = page.Items, page.Total
		} else {
			opts.Page, opts.Limit = 0, maxServerLimit
			all, err := cl.ListAllRecoveryPoints(ctx, opts)
			if err != nil {
				return RecoveryPointList{}, backendError(err, t.Name, "list recovery points")
			}
			kept := all[:0]
			for i := range all {
				ok := true
				for _, f := range local {
					ok = ok && f(&all[i])
				}
				if ok {
					kept = append(kept, all[i])
				}
			}
			total = len(kept)
			rps = kit.PageOf(kept, a.Page, limit)
		}
		items := make([]RecoveryPoint, 0, len(rps))
		for i := range rps {
			items = append(items, recoveryPoint(&rps[i], now, nil))
		}
		return RecoveryPointList{List: kit.NewList(items, total, a.Page, limit), Target: t.Name}, nil
	})
}

// ---- get

// GetRecoveryPointArgs names a recovery point.
type GetRecoveryPointArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	ExtID  string `json:"ext_id" jsonschema:"required,minLength=1" jsonschema_description:"Recovery point ext_id."`
}

// RecoveryPointResult is one recovery point.
type RecoveryPointResult struct {
	RecoveryPoint
	Target string    `json:"target"`
	Task   *TaskInfo `json:"task,omitempty"`
	// Reconciled says how the outcome was established when Prism
	// Central's answer was lost.
	Reconciled string `json:"reconciled,omitempty"`
}

// Summary leads the text result.
func (r RecoveryPointResult) Summary() string {
	s := fmt.Sprintf("recovery point %s (%s) on %s: %d VMs, %d volume groups", r.Name, r.ExtID, r.Target, len(r.VMRecoveryPoints), len(r.VGRecoveryPoints))
	if r.ExtID == "" && r.Task != nil {
		s = fmt.Sprintf("task %s is %s on %s", r.Task.ExtID, r.Task.Status, r.Target)
	}
	return s
}

func getRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_get_recovery_point", Title: "Get a Nutanix recovery point", Toolset: Toolset, Tier: safety.Read,
		Description: "Get one recovery point with its VM and volume group recovery points (ext_ids needed for restore and revert).",
	}, func(ctx context.Context, c *kit.Call, a GetRecoveryPointArgs) (RecoveryPointResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RecoveryPointResult{}, err
		}
		rp, err := cl.GetRecoveryPoint(ctx, a.ExtID)
		if err != nil {
			return RecoveryPointResult{}, backendError(err, t.Name, "recovery point "+a.ExtID)
		}
		return RecoveryPointResult{RecoveryPoint: recoveryPoint(rp, c.Env.Clock(), vmNames(ctx, cl, rp)), Target: t.Name}, nil
	})
}

// ---- create

// CreateRecoveryPointArgs describe a new recovery point.
type CreateRecoveryPointArgs struct {
	Target            string   `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	Name              string   `json:"name,omitempty" jsonschema_description:"Default: <first entity>-<time>."`
	VMs               []string `json:"vms,omitempty" jsonschema_description:"VM names or ext_ids."`
	VolumeGroups      []string `json:"volume_groups,omitempty" jsonschema_description:"Volume group names or ext_ids."`
	ExpirationTime    string   `json:"expiration_time,omitempty" jsonschema_description:"Time or duration from now (e.g. 7d); default never."`
	RecoveryPointType string   `json:"recovery_point_type,omitempty" jsonschema:"enum=CRASH_CONSISTENT,enum=APPLICATION_CONSISTENT" jsonschema_description:"APPLICATION_CONSISTENT quiesces via guest tools (VSS)."`
	Wait              *bool    `json:"wait,omitempty" jsonschema_description:"Wait for the task (default true)."`
}

// Validate checks what the schema cannot.
func (a *CreateRecoveryPointArgs) Validate() error {
	if len(a.VMs)+len(a.VolumeGroups) == 0 {
		return fmt.Errorf("name at least one VM (vms) or volume group (volume_groups)")
	}
	if len(a.VMs)+len(a.VolumeGroups) > 30 {
		return fmt.Errorf("a recovery point holds at most 30 VMs and volume groups; split the request")
	}
	return nil
}

func createRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_create_recovery_point", Title: "Create a Nutanix recovery point", Toolset: Toolset, Tier: safety.Write,
		Description: "Take a recovery point of VMs and/or volume groups (by name or ext_id), crash- or application-consistent, and wait for it; returns its ext_id.",
	}, func(ctx context.Context, c *kit.Call, a CreateRecoveryPointArgs) (RecoveryPointResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RecoveryPointResult{}, err
		}
		now := c.Env.Clock()
		spec := nutanix.RecoveryPointSpec{Name: a.Name, RecoveryPointType: a.RecoveryPointType}
		if a.ExpirationTime != "" {
			if spec.ExpirationTime, err = kit.ParseTime("expiration_time", a.ExpirationTime, now, true); err != nil {
				return RecoveryPointResult{}, err
			}
			if !spec.ExpirationTime.After(now) {
				return RecoveryPointResult{}, kit.InvalidArgs("argument expiration_time is in the past; the recovery point would expire at once")
			}
		}
		var first string
		for _, ref := range a.VMs {
			vm, err := resolveVM(ctx, cl, t.Name, ref)
			if err != nil {
				return RecoveryPointResult{}, err
			}
			spec.VMExtIDs = append(spec.VMExtIDs, vm.ExtID)
			if first == "" {
				first = vm.Name
			}
		}
		for _, ref := range a.VolumeGroups {
			vg, err := resolveVolumeGroup(ctx, cl, t.Name, ref)
			if err != nil {
				return RecoveryPointResult{}, err
			}
			spec.VolumeGroupExtIDs = append(spec.VolumeGroupExtIDs, vg.ExtID)
			if first == "" {
				first = vg.Name
			}
		}
		if spec.Name == "" {
			spec.Name = fmt.Sprintf("%s-%s", first, now.Format("20060102-150405"))
		}
		m := nutanix.Mutation{RequestID: nutanix.NewRequestID()}
		c.Sending(map[string]string{"kind": "nutanix_recovery_point", "name": spec.Name, "request_id": m.RequestID})
		ref, err := cl.CreateRecoveryPoint(ctx, spec, m)
		note := ""
		// An answer lost even after the client's own retries: re-sending
		// with the same NTNX-Request-Id cannot make a second recovery
		// point (Prism Central answers it with the task the first request
		// started, or starts it now if the first never arrived), so keep
		// asking a while before giving up.
		step := 2 * cl.RetryWaitMin()
		for wait := step; err != nil && nutanix.MayHaveActed(err) && wait <= 4*step; wait *= 2 {
			c.Progress(ctx, float64(wait/step), 100, "answer lost; asking Prism Central again with the same request id")
			if sleep(ctx, wait) != nil {
				break
			}
			if ref, err = cl.CreateRecoveryPoint(ctx, spec, m); err == nil {
				note = "Prism Central's first answers were lost; the same request (NTNX-Request-Id " + m.RequestID + ") was sent again, which Prism Central carries out at most once"
			}
		}
		if err != nil {
			rp, note, err := lostCreate(ctx, cl, err, t.Name, spec.Name, m.RequestID, now)
			if err != nil {
				return RecoveryPointResult{}, err
			}
			return RecoveryPointResult{RecoveryPoint: recoveryPoint(rp, c.Env.Clock(), vmNames(ctx, cl, rp)), Target: t.Name, Reconciled: note}, nil
		}
		task, err := waitTask(ctx, c, cl, ref, a.Wait == nil || *a.Wait)
		if err != nil {
			return RecoveryPointResult{}, backendError(err, t.Name, "create recovery point "+spec.Name)
		}
		ti := taskInfo(task)
		res := RecoveryPointResult{Target: t.Name, Task: &ti, Reconciled: note}
		if id := task.RecoveryPointExtID(); id != "" && task.Status == nutanix.TaskSucceeded {
			rp, err := cl.GetRecoveryPoint(ctx, id)
			if err != nil {
				return RecoveryPointResult{}, backendError(err, t.Name, "read new recovery point "+id)
			}
			res.RecoveryPoint = recoveryPoint(rp, c.Env.Clock(), vmNames(ctx, cl, rp))
		} else {
			res.RecoveryPoint = RecoveryPoint{Name: spec.Name, VMRecoveryPoints: []VMRPRef{}, VGRecoveryPoints: []VGRPRef{}}
		}
		return res, nil
	})
}

// ---- update expiration

// UpdateRecoveryPointArgs change a recovery point's expiration.
type UpdateRecoveryPointArgs struct {
	Target         string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	ExtID          string `json:"ext_id" jsonschema:"required,minLength=1" jsonschema_description:"Recovery point ext_id."`
	ExpirationTime string `json:"expiration_time" jsonschema:"required,minLength=1" jsonschema_description:"New expiration: time or duration from now (e.g. 30d). Earlier than now's expiration needs confirmation."`
}

func updateRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_update_recovery_point", Title: "Change a Nutanix recovery point's expiration", Toolset: Toolset,
		Tier: safety.Write, MayDestroy: true, Idempotent: true,
		Description: "Set a recovery point's expiration time. Extending it is a plain write; shortening it removes protection and asks for confirmation first.",
	}, func(ctx context.Context, c *kit.Call, a UpdateRecoveryPointArgs) (RecoveryPointResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RecoveryPointResult{}, err
		}
		now := c.Env.Clock()
		exp, err := kit.ParseTime("expiration_time", a.ExpirationTime, now, true)
		if err != nil {
			return RecoveryPointResult{}, err
		}
		rp, err := cl.GetRecoveryPoint(ctx, a.ExtID)
		if err != nil {
			return RecoveryPointResult{}, backendError(err, t.Name, "recovery point "+a.ExtID)
		}
		shortens := rp.ExpirationTime.IsZero() || exp.Before(rp.ExpirationTime)
		if shortens {
			preview := map[string]any{
				"recovery_point": rp.Name, "ext_id": rp.ExtID, "target": t.Name,
				"current_expiration": orNever(kit.Time(rp.ExpirationTime)), "new_expiration": kit.Time(exp),
				"vms": len(rp.VMRecoveryPoints), "volume_groups": len(rp.VolumeGroupRecoveryPoints),
			}
			if !exp.After(now) {
				preview["effect"] = "the recovery point expires immediately and will be deleted"
			}
			if err := c.Confirm(ctx, fmt.Sprintf("Shorten the retention of recovery point %s to %s", rp.Name, kit.Time(exp)), preview,
				map[string]any{"etag": rp.ETag, "expiration": rp.ExpirationTime}); err != nil {
				return RecoveryPointResult{}, err
			}
		}
		c.Sending(map[string]string{"kind": "nutanix_task", "entity": rp.ExtID})
		ref, err := cl.SetRecoveryPointExpirationTime(ctx, rp.ExtID, exp, nutanix.Mutation{IfMatch: rp.ETag})
		if err != nil {
			return RecoveryPointResult{}, backendError(err, t.Name, "set expiration of recovery point "+rp.ExtID)
		}
		task, err := waitTask(ctx, c, cl, ref, true)
		if err != nil {
			return RecoveryPointResult{}, backendError(err, t.Name, "set expiration of recovery point "+rp.ExtID)
		}
		ti := taskInfo(task)
		res := RecoveryPointResult{Target: t.Name, Task: &ti}
		if updated, err := cl.GetRecoveryPoint(ctx, rp.ExtID); err == nil {
			res.RecoveryPoint = recoveryPoint(updated, c.Env.Clock(), nil)
		} else {
			res.RecoveryPoint = recoveryPoint(rp, c.Env.Clock(), nil)
			res.ExpirationTime = kit.Time(exp)
		}
		return res, nil
	})
}

// maxServerLimit is Prism Central's largest $limit.
const maxServerLimit = 100

func orNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}

// ---- delete

// RecoveryPointRef names a recovery point on a target.
type RecoveryPointRef struct {
	Target string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	ExtID  string `json:"ext_id" jsonschema:"required,minLength=1" jsonschema_description:"Recovery point ext_id."`
}

// DeleteResult reports a deletion.
type DeleteResult struct {
	Deleted bool     `json:"deleted"`
	ExtID   string   `json:"ext_id"`
	Name    string   `json:"name"`
	Target  string   `json:"target"`
	Task    TaskInfo `json:"task"`
}

// Summary leads the text result.
func (r DeleteResult) Summary() string {
	return fmt.Sprintf("deleted recovery point %s (%s) on %s", r.Name, r.ExtID, r.Target)
}

func deleteRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_delete_recovery_point", Title: "Delete a Nutanix recovery point", Toolset: Toolset, Tier: safety.Destructive,
		Description: "Delete a recovery point. Irreversible: asks for confirmation with a preview of what is lost.",
	}, func(ctx context.Context, c *kit.Call, a RecoveryPointRef) (DeleteResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return DeleteResult{}, err
		}
		rp, err := cl.GetRecoveryPoint(ctx, a.ExtID)
		if err != nil {
			return DeleteResult{}, backendError(err, t.Name, "recovery point "+a.ExtID)
		}
		now := c.Env.Clock()
		preview := recoveryPoint(rp, now, vmNames(ctx, cl, rp))
		if err := c.Confirm(ctx, fmt.Sprintf("Delete recovery point %s (%s, taken %s ago)", rp.Name, rp.ExtID, kit.Human(now.Sub(rp.CreationTime))), preview, rpEffect(rp)); err != nil {
			return DeleteResult{}, err
		}
		c.Sending(map[string]string{"kind": "nutanix_recovery_point_deleted", "ext_id": rp.ExtID})
		ref, err := cl.DeleteRecoveryPoint(ctx, rp.ExtID, nutanix.Mutation{IfMatch: rp.ETag})
		if err != nil {
			return DeleteResult{}, backendError(err, t.Name, "delete recovery point "+rp.ExtID)
		}
		task, err := waitTask(ctx, c, cl, ref, true)
		if err != nil {
			return DeleteResult{}, backendError(err, t.Name, "delete recovery point "+rp.ExtID)
		}
		return DeleteResult{Deleted: true, ExtID: rp.ExtID, Name: rp.Name, Target: t.Name, Task: taskInfo(task)}, nil
	})
}

// ---- restore

// RestoreArgs restore a recovery point as new VMs and volume groups.
type RestoreArgs struct {
	Target                    string   `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	ExtID                     string   `json:"ext_id" jsonschema:"required,minLength=1" jsonschema_description:"Recovery point ext_id."`
	Cluster                   string   `json:"cluster" jsonschema:"required,minLength=1" jsonschema_description:"Cluster to restore on (name or ext_id)."`
	VMRecoveryPoints          []string `json:"vm_recovery_points,omitempty" jsonschema_description:"Subset of VM recovery point ext_ids; default all."`
	VolumeGroupRecoveryPoints []string `json:"volume_group_recovery_points,omitempty" jsonschema_description:"Subset of VG recovery point ext_ids; default all."`
}

// RestoreResult lists what a restore created.
type RestoreResult struct {
	RecoveryPointExtID string   `json:"recovery_point_ext_id"`
	Target             string   `json:"target"`
	Cluster            string   `json:"cluster"`
	CreatedVMs         []string `json:"created_vm_ext_ids"`
	CreatedVGs         []string `json:"created_volume_group_ext_ids"`
	Task               TaskInfo `json:"task"`
}

// Summary leads the text result.
func (r RestoreResult) Summary() string {
	return fmt.Sprintf("restored %d VMs and %d volume groups as clones on cluster %s", len(r.CreatedVMs), len(r.CreatedVGs), r.Cluster)
}

func restoreRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_restore_recovery_point", Title: "Restore a Nutanix recovery point as clones", Toolset: Toolset, Tier: safety.Write,
		Description: "Restore a recovery point (or some of its VM and volume group recovery points) as new VMs and volume groups on a cluster; originals are untouched.",
	}, func(ctx context.Context, c *kit.Call, a RestoreArgs) (RestoreResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RestoreResult{}, err
		}
		rp, err := cl.GetRecoveryPoint(ctx, a.ExtID)
		if err != nil {
			return RestoreResult{}, backendError(err, t.Name, "recovery point "+a.ExtID)
		}
		cluster, err := resolveCluster(ctx, cl, t.Name, a.Cluster)
		if err != nil {
			return RestoreResult{}, err
		}
		spec := nutanix.RestoreSpec{ClusterExtID: cluster.ExtID}
		have := map[string]bool{}
		for _, v := range rp.VMRecoveryPoints {
			have[v.ExtID] = true
		}
		for _, v := range rp.VolumeGroupRecoveryPoints {
			have[v.ExtID] = true
		}
		for _, id := range append(append([]string{}, a.VMRecoveryPoints...), a.VolumeGroupRecoveryPoints...) {
			if !have[id] {
				return RestoreResult{}, kit.InvalidArgs(fmt.Sprintf("%s is not a VM or volume group recovery point of %s; nutanix_get_recovery_point lists them", id, rp.ExtID))
			}
		}
		for _, id := range a.VMRecoveryPoints {
			spec.VMs = append(spec.VMs, nutanix.VMRestoreOverride{VMRecoveryPointExtID: id})
		}
		for _, id := range a.VolumeGroupRecoveryPoints {
			spec.VolumeGroups = append(spec.VolumeGroups, nutanix.VolumeGroupRestoreOverride{VolumeGroupRecoveryPointExtID: id})
		}
		c.Sending(map[string]string{"kind": "nutanix_task", "entity": rp.ExtID})
		ref, err := cl.RestoreRecoveryPoint(ctx, rp.ExtID, spec, nutanix.Mutation{IfMatch: rp.ETag})
		if err != nil {
			return RestoreResult{}, backendError(err, t.Name, "restore recovery point "+rp.ExtID)
		}
		task, err := waitTask(ctx, c, cl, ref, true)
		if err != nil {
			return RestoreResult{}, backendError(err, t.Name, "restore recovery point "+rp.ExtID)
		}
		return RestoreResult{RecoveryPointExtID: rp.ExtID, Target: t.Name, Cluster: cluster.Name,
			CreatedVMs: nonNil(task.VMExtIDs()), CreatedVGs: nonNil(task.VolumeGroupExtIDs()), Task: taskInfo(task)}, nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- replicate

// ReplicateArgs copy a recovery point to another Prism Central.
type ReplicateArgs struct {
	Target  string `json:"target,omitempty" jsonschema_description:"Source Prism Central target (list_targets)."`
	ExtID   string `json:"ext_id" jsonschema:"required,minLength=1" jsonschema_description:"Recovery point ext_id."`
	PC      string `json:"pc" jsonschema:"required,minLength=1" jsonschema_description:"Destination Prism Central: configured target name, PC name or ext_id."`
	Cluster string `json:"cluster,omitempty" jsonschema_description:"Cluster on the destination (name or ext_id)."`
}

// ReplicateResult reports a replication.
type ReplicateResult struct {
	RecoveryPointExtID string   `json:"recovery_point_ext_id"`
	Source             string   `json:"source"`
	DestinationPC      string   `json:"destination_pc"`
	DestinationCluster string   `json:"destination_cluster,omitempty"`
	ReplicaExtID       string   `json:"replica_ext_id,omitempty"`
	Task               TaskInfo `json:"task"`
}

// Summary leads the text result.
func (r ReplicateResult) Summary() string {
	return fmt.Sprintf("replicated recovery point %s from %s to %s (%s)", r.RecoveryPointExtID, r.Source, r.DestinationPC, r.Task.Status)
}

func replicateRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_replicate_recovery_point", Title: "Replicate a Nutanix recovery point", Toolset: Toolset, Tier: safety.Write,
		Description: "Copy a recovery point to a paired Prism Central (a configured target, PC name or ext_id), optionally to a given cluster there.",
	}, func(ctx context.Context, c *kit.Call, a ReplicateArgs) (ReplicateResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return ReplicateResult{}, err
		}
		rp, err := cl.GetRecoveryPoint(ctx, a.ExtID)
		if err != nil {
			return ReplicateResult{}, backendError(err, t.Name, "recovery point "+a.ExtID)
		}
		pcs, err := cl.ListDomainManagers(ctx)
		if err != nil {
			return ReplicateResult{}, backendError(err, t.Name, "list Prism Centrals")
		}
		dest, err := resolvePC(ctx, c, t.Name, a.PC, pcs)
		if err != nil {
			return ReplicateResult{}, err
		}
		spec := nutanix.ReplicateSpec{PCExtID: dest.ExtID}
		destName := dest.Name
		if a.Cluster != "" {
			if isExtID(a.Cluster) {
				spec.ClusterExtID = a.Cluster
			} else {
				remote, err := c.Env.Targets.Resolve("nutanix", dest.target)
				if dest.target == "" || err != nil {
					return ReplicateResult{}, kit.InvalidArgs(fmt.Sprintf("cluster %q is a name, but %s is not a configured target, so its clusters cannot be looked up: pass the cluster's ext_id", a.Cluster, dest.Name))
				}
				rcl, err := c.Env.Targets.Nutanix(remote)
				if err != nil {
					return ReplicateResult{}, err
				}
				cluster, err := resolveCluster(ctx, rcl, remote.Name, a.Cluster)
				if err != nil {
					return ReplicateResult{}, err
				}
				spec.ClusterExtID = cluster.ExtID
			}
		}
		c.Sending(map[string]string{"kind": "nutanix_task", "entity": rp.ExtID})
		ref, err := cl.ReplicateRecoveryPoint(ctx, rp.ExtID, spec, nutanix.Mutation{IfMatch: rp.ETag})
		if err != nil {
			return ReplicateResult{}, backendError(err, t.Name, "replicate recovery point "+rp.ExtID)
		}
		task, err := waitTask(ctx, c, cl, ref, true)
		if err != nil {
			return ReplicateResult{}, backendError(err, t.Name, "replicate recovery point "+rp.ExtID)
		}
		res := ReplicateResult{RecoveryPointExtID: rp.ExtID, Source: t.Name, DestinationPC: destName, DestinationCluster: spec.ClusterExtID, Task: taskInfo(task)}
		if id, ok := task.CompletionDetail("replicaRecoveryPointExtId"); ok {
			res.ReplicaExtID = id
		} else if ids := task.EntityExtIDs(nutanix.RelRecoveryPoint); len(ids) > 1 {
			res.ReplicaExtID = ids[len(ids)-1]
		}
		return res, nil
	})
}

type pcRef struct {
	ExtID, Name string
	target      string // configured target name, when it is one
}

// resolvePC finds the destination Prism Central by ext_id, by the name of
// one the source knows, or by configured target name.
func resolvePC(ctx context.Context, c *kit.Call, source, ref string, pcs []nutanix.DomainManager) (pcRef, error) {
	var names []string
	for _, pc := range pcs {
		names = append(names, pc.Name())
		if pc.ExtID == ref || strings.EqualFold(pc.Name(), ref) {
			return pcRef{ExtID: pc.ExtID, Name: pc.Name(), target: targetFor(c, pc)}, nil
		}
	}
	if t, err := c.Env.Targets.Resolve("nutanix", ref); err == nil {
		for _, pc := range pcs {
			if targetFor(c, pc) == t.Name {
				return pcRef{ExtID: pc.ExtID, Name: pc.Name(), target: t.Name}, nil
			}
		}
		// A Prism Central lists only itself among domain managers: ask the
		// destination target who it is. The source checks the pairing.
		rcl, err := c.Env.Targets.Nutanix(t)
		if err != nil {
			return pcRef{}, err
		}
		own, err := rcl.ListDomainManagers(ctx)
		if err != nil {
			return pcRef{}, backendError(err, t.Name, "identify Prism Central")
		}
		if len(own) > 0 {
			return pcRef{ExtID: own[0].ExtID, Name: own[0].Name(), target: t.Name}, nil
		}
	}
	return pcRef{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no Prism Central %q known to %s", ref, source), Hint: "Use one of: " + strings.Join(names, ", ") + " (or its configured target name)."}
}

// targetFor returns the configured target whose host is this PC's address.
func targetFor(c *kit.Call, pc nutanix.DomainManager) string {
	var addrs []string
	if pc.Network != nil {
		addrs = append(addrs, pc.Network.Fqdn, pc.Network.ExternalAddress.String())
	}
	for _, t := range c.Env.Targets.OfKind("nutanix") {
		if t.Name == pc.Name() {
			return t.Name
		}
		for _, a := range addrs {
			if a != "" && a == t.Host {
				return t.Name
			}
		}
	}
	return ""
}

// ---- VM recovery point

// GetVMRecoveryPointArgs name a VM recovery point.
type GetVMRecoveryPointArgs struct {
	Target               string `json:"target,omitempty" jsonschema_description:"Prism Central target (list_targets)."`
	RecoveryPointExtID   string `json:"recovery_point_ext_id" jsonschema:"required,minLength=1" jsonschema_description:"The recovery point holding it."`
	VMRecoveryPointExtID string `json:"vm_recovery_point_ext_id" jsonschema:"required,minLength=1" jsonschema_description:"From nutanix_get_recovery_point."`
}

// VMRecoveryPoint is a VM recovery point's details.
type VMRecoveryPoint struct {
	ExtID              string   `json:"ext_id"`
	Name               string   `json:"name,omitempty"`
	VMExtID            string   `json:"vm_ext_id"`
	VMName             string   `json:"vm_name,omitempty"`
	RecoveryPointExtID string   `json:"recovery_point_ext_id"`
	CreationTime       string   `json:"creation_time,omitempty"`
	ExpirationTime     string   `json:"expiration_time,omitempty"`
	Status             string   `json:"status,omitempty"`
	RecoveryPointType  string   `json:"recovery_point_type,omitempty"`
	ConsistencyGroup   string   `json:"consistency_group_ext_id,omitempty"`
	Disks              []string `json:"disk_recovery_point_ext_ids"`
	HypervisorType     string   `json:"hypervisor_type,omitempty"`
	ExclusiveBytes     int64    `json:"exclusive_usage_bytes,omitempty"`
	Target             string   `json:"target"`
}

// Summary leads the text result.
func (v VMRecoveryPoint) Summary() string {
	return fmt.Sprintf("VM recovery point %s of VM %s (%d disks)", v.ExtID, firstNonEmpty(v.VMName, v.VMExtID), len(v.Disks))
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func getVMRecoveryPoint() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "nutanix_get_vm_recovery_point", Title: "Get a Nutanix VM recovery point", Toolset: Toolset, Tier: safety.Read,
		Description: "Get one VM recovery point inside a recovery point: its VM, disks, consistency and times (what nutanix_revert_vm needs).",
	}, func(ctx context.Context, c *kit.Call, a GetVMRecoveryPointArgs) (VMRecoveryPoint, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return VMRecoveryPoint{}, err
		}
		v, err := cl.GetVMRecoveryPoint(ctx, a.RecoveryPointExtID, a.VMRecoveryPointExtID)
		if err != nil {
			return VMRecoveryPoint{}, backendError(err, t.Name, "VM recovery point "+a.VMRecoveryPointExtID)
		}
		out := VMRecoveryPoint{ExtID: v.ExtID, Name: v.Name, VMExtID: v.VMExtID, RecoveryPointExtID: a.RecoveryPointExtID,
			CreationTime: kit.Time(v.CreationTime), ExpirationTime: kit.Time(v.ExpirationTime), Status: v.Status,
			RecoveryPointType: v.RecoveryPointType, ConsistencyGroup: v.ConsistencyGroupExtID, HypervisorType: v.HypervisorType,
			ExclusiveBytes: v.TotalExclusiveUsageBytes, Disks: []string{}, Target: t.Name}
		for _, d := range v.DiskRecoveryPoints {
			out.Disks = append(out.Disks, d.DiskRecoveryPointExtID)
		}
		if vm, err := cl.GetVM(ctx, v.VMExtID); err == nil {
			out.VMName = vm.Name
		}
		return out, nil
	})
}

// rpEffect fingerprints what deleting a recovery point loses: its ETag (any
// change on Prism Central moves it) and the VM and volume group recovery
// points it holds.
func rpEffect(rp *nutanix.RecoveryPoint) map[string]any {
	members := make([]string, 0, len(rp.VMRecoveryPoints)+len(rp.VolumeGroupRecoveryPoints))
	for _, v := range rp.VMRecoveryPoints {
		members = append(members, v.ExtID)
	}
	for _, v := range rp.VolumeGroupRecoveryPoints {
		members = append(members, v.ExtID)
	}
	return map[string]any{"etag": rp.ETag, "expiration": rp.ExpirationTime, "members": members}
}
