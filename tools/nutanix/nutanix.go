// Package nutanix is the nutanix toolset: Prism Central v4 recovery points
// (the operations of the Ansible v2 modules ntnx_recovery_points_v2,
// ntnx_recovery_points_info_v2, ntnx_recovery_point_restore_v2,
// ntnx_recovery_point_replicate_v2, ntnx_vm_revert_v2 and
// ntnx_vm_recovery_point_info_v2) and the discovery around them.
//
// Users speak in names: wherever an ext_id is accepted, a VM, volume group,
// cluster or Prism Central name is too; a name that matches several objects
// is an error listing them. Long operations wait for their task (unless
// wait=false) and report its progress.
//
// Expiration changes: nutanix_update_recovery_point is a write tool, because
// extending retention only adds protection. Shortening it (or setting a time
// in the past) removes protection, so those calls are confirmed exactly like
// destructive tools and refused under --disable-destructive; the tool's
// static annotations say destructiveHint=true, the worst case.
package nutanix

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Toolset is this toolset's name.
const Toolset = "nutanix"

// Tools returns the toolset.
func Tools() []kit.Tool {
	return []kit.Tool{
		listRecoveryPoints(), getRecoveryPoint(), createRecoveryPoint(), updateRecoveryPoint(),
		deleteRecoveryPoint(), restoreRecoveryPoint(), replicateRecoveryPoint(), revertVM(),
		getVMRecoveryPoint(), listVMs(), listVolumeGroups(), listClusters(), listProtectionPolicies(), getTask(), protect(),
	}
}

const targetHelp = "Prism Central target name (see list_targets); optional when only one is configured."

// session resolves the target (taking its write slot for write tools) and
// returns its client.
func session(ctx context.Context, c *kit.Call, target string) (*nutanix.Client, config.Target, error) {
	t, err := c.Target(ctx, config.KindNutanix, target)
	if err != nil {
		return nil, t, err
	}
	cl, err := c.Env.Targets.Nutanix(t)
	if err != nil {
		return nil, t, err
	}
	return cl, t, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isExtID(s string) bool { return uuidRE.MatchString(s) }

// backendError turns a client error into an error the model can act on.
// what names the object or operation ("recovery point 3f2…").
func backendError(err error, target, what string) error {
	var ke *kit.Error
	if err == nil || errors.As(err, &ke) {
		return err
	}
	return kit.FromOps(ops.NutanixError(err, target, what))
}

// waitTask follows a task to its end, relaying progress, unless wait is
// false. It records the task id for the audit record.
func waitTask(ctx context.Context, c *kit.Call, cl *nutanix.Client, ref nutanix.TaskRef, wait bool) (*nutanix.Task, error) {
	c.SetTaskID(ref.ExtID)
	if !wait {
		return cl.GetTask(ctx, ref.ExtID)
	}
	c.Progress(ctx, 0, 100, "task "+ref.ExtID+" started")
	t, err := cl.WaitTask(ctx, ref.ExtID, func(p nutanix.TaskProgress) {
		c.Progress(ctx, float64(p.Percent), 100, p.Message)
	})
	var te *nutanix.TaskError
	if err != nil && ctx.Err() == nil && !errors.As(err, &te) {
		// The task was accepted; only reading its end failed.
		return t, &kit.Error{Kind: kit.KindBackend, Err: err,
			Msg:  fmt.Sprintf("Prism Central accepted the change as task %s, but its outcome could not be read: %v", ref.ExtID, err),
			Hint: "It may still complete: follow it with nutanix_get_task ext_id=" + ref.ExtID + " and do not repeat the call."}
	}
	return t, err
}

// TaskInfo is a task's outcome in results.
type TaskInfo struct {
	ExtID            string   `json:"ext_id"`
	Operation        string   `json:"operation,omitempty"`
	Status           string   `json:"status"`
	Progress         int      `json:"progress_percent"`
	CreatedTime      string   `json:"created_time,omitempty"`
	CompletedTime    string   `json:"completed_time,omitempty"`
	Errors           []string `json:"errors,omitempty"`
	EntitiesAffected []string `json:"entities_affected,omitempty"`
}

func taskInfo(t *nutanix.Task) TaskInfo {
	if t == nil {
		return TaskInfo{}
	}
	ti := TaskInfo{ExtID: t.ExtID, Operation: t.Operation, Status: t.Status, Progress: t.ProgressPercentage,
		CreatedTime: kit.Time(t.CreatedTime), CompletedTime: kit.Time(t.CompletedTime)}
	for _, m := range t.ErrorMessages {
		ti.Errors = append(ti.Errors, m.Message)
	}
	if t.LegacyErrorMessage != "" && len(ti.Errors) == 0 {
		ti.Errors = append(ti.Errors, t.LegacyErrorMessage)
	}
	for _, e := range t.EntitiesAffected {
		ti.EntitiesAffected = append(ti.EntitiesAffected, e.Rel+"/"+e.ExtID)
	}
	if t.Status == nutanix.TaskSucceeded {
		ti.Progress = 100
	}
	return ti
}
