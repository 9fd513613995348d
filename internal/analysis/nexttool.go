package analysis

import (
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// MCP tool names the engines point to. Argument names are the contract with
// the tools package (see the package documentation).
const (
	ToolNutanixCreateRecoveryPoint    = "nutanix_create_recovery_point"
	ToolNutanixListRecoveryPoints     = "nutanix_list_recovery_points"
	ToolNutanixUpdateRecoveryPoint    = "nutanix_update_recovery_point"
	ToolNutanixListVMs                = "nutanix_list_vms"
	ToolNutanixGetTask                = "nutanix_get_task"
	ToolNutanixRevertVM               = "nutanix_revert_vm"
	ToolNutanixRestoreRecoveryPoint   = "nutanix_restore_recovery_point"
	ToolNutanixReplicateRecoveryPoint = "nutanix_replicate_recovery_point"
	ToolOntapCreateSnapshot           = "ontap_create_snapshot"
	ToolOntapListSnapshots            = "ontap_list_snapshots"
	ToolOntapSnapmirrorUpdate         = "ontap_snapmirror_update"
	ToolOntapSnapmirrorResync         = "ontap_snapmirror_resync"
	ToolOntapSnapmirrorBreak          = "ontap_snapmirror_break"
	ToolOntapListSnapmirror           = "ontap_list_snapmirror"
	ToolOntapListSnapmirrorTransfers  = "ontap_list_snapmirror_transfers"
	ToolOntapSetVolumeSnapshotPolicy  = "ontap_set_volume_snapshot_policy"
	ToolOntapListEvents               = "ontap_list_events"
	ToolOntapGetJob                   = "ontap_get_job"
	ToolOntapListVolumes              = "ontap_list_volumes"
	ToolOntapRestoreVolume            = "ontap_restore_volume"
	ToolOntapRestoreFile              = "ontap_restore_file"
	ToolOntapCloneVolume              = "ontap_clone_volume"
	ToolOntapProtectVolume            = "ontap_protect_volume"
	ToolNutanixProtect                = "nutanix_protect"
	ToolRecommendRecovery             = "recommend_recovery"
	ToolPredictBackupFailures         = "predict_backup_failures"
	ToolListTargets                   = "list_targets"
	ToolComplianceReport              = "compliance_report"
)

func call(tool string, args map[string]any) *ToolCall {
	if args == nil {
		args = map[string]any{}
	}
	return &ToolCall{Tool: tool, Arguments: args}
}

// volumeArgs names an ONTAP volume: volume, svm (when known), target.
func volumeArgs(name, svm, target string) map[string]any {
	a := map[string]any{"volume": name, "target": target}
	if svm != "" {
		a["svm"] = svm
	}
	return a
}

func withArg(a map[string]any, k string, v any) map[string]any {
	a[k] = v
	return a
}

// createRecoveryPointCall takes a recovery point or snapshot of the entity now.
func createRecoveryPointCall(ix *inventory.Index, en *inventory.Entity) *ToolCall {
	if vendorOf(ix, en) == inventory.KindOntap {
		return call(ToolOntapCreateSnapshot, volumeArgs(en.Name, en.SVM, en.Target))
	}
	key := "vms"
	if en.Kind == inventory.EntityVolumeGroup {
		key = "volume_groups"
	}
	return call(ToolNutanixCreateRecoveryPoint, map[string]any{key: []string{en.Name}, "target": en.Target})
}

// listRecoveryPointsCall lists the entity's recovery points or snapshots.
func listRecoveryPointsCall(ix *inventory.Index, en *inventory.Entity) *ToolCall {
	if vendorOf(ix, en) == inventory.KindOntap {
		return call(ToolOntapListSnapshots, volumeArgs(en.Name, en.SVM, en.Target))
	}
	key := "vm"
	if en.Kind == inventory.EntityVolumeGroup {
		key = "volume_group"
	}
	return call(ToolNutanixListRecoveryPoints, map[string]any{key: en.Name, "target": en.Target})
}

// protectCall protects an unprotected entity: an ONTAP volume gets a
// snapshot policy and SnapMirror (ontap_protect_volume follows its SVM's
// replication), a Nutanix VM or volume group joins the policy its peers use
// (nutanix_protect); one with no policy to join gets a recovery point now.
func protectCall(ix *inventory.Index, en *inventory.Entity) *ToolCall {
	if vendorOf(ix, en) == inventory.KindOntap {
		return call(ToolOntapProtectVolume, volumeArgs(en.Name, en.SVM, en.Target))
	}
	key := map[inventory.EntityKind]string{inventory.EntityVM: "vm", inventory.EntityVolumeGroup: "volume_group"}[en.Kind]
	if p := peerPolicy(ix, en); p != "" && key != "" {
		return call(ToolNutanixProtect, map[string]any{key: en.Name, "policy": p, "target": en.Target})
	}
	return createRecoveryPointCall(ix, en)
}

// peerPolicy picks the policy of en's target whose protected entities share
// the most tags with en (Environment, App, ...), then the most used one,
// then the first by name: the policy an administrator would most likely
// choose for it. "" when the target has no policy protecting anything.
func peerPolicy(ix *inventory.Index, en *inventory.Entity) string {
	best, bestShared, bestUsers := "", -1, 0
	for _, p := range ix.Estate().Policies {
		if p.Target != en.Target {
			continue
		}
		users := ix.PolicyEntities(ix.Policy(p.Target, p.Name))
		if len(users) == 0 {
			continue
		}
		shared := 0
		for _, u := range users {
			for _, tag := range en.Tags {
				if u.HasAnyTag([]string{tag}) {
					shared++
				}
			}
		}
		if shared > bestShared || (shared == bestShared && (len(users) > bestUsers || (len(users) == bestUsers && p.Name < best))) {
			best, bestShared, bestUsers = p.Name, shared, len(users)
		}
	}
	return best
}

// listVolumeCall lists the volume (ontap_list_volumes filters by name).
func listVolumeCall(en *inventory.Entity) *ToolCall {
	a := map[string]any{"name": en.Name, "target": en.Target}
	if en.SVM != "" {
		a["svm"] = en.SVM
	}
	return call(ToolOntapListVolumes, a)
}

func listEntityCall(ix *inventory.Index, en *inventory.Entity) *ToolCall {
	if vendorOf(ix, en) == inventory.KindOntap {
		return listVolumeCall(en)
	}
	return call(ToolNutanixListVMs, map[string]any{"name": en.Name, "target": en.Target})
}

// operationCall looks up a task or job. A failed SnapMirror transfer is
// not a job: its errors are in the relationship's transfer list.
func operationCall(ix *inventory.Index, op *inventory.Operation, def inventory.TargetKind) *ToolCall {
	if ix.Vendor(op.Target, def) == inventory.KindOntap {
		if op.Kind == inventory.OpReplication {
			for _, rel := range ix.Replications(op.EntityID) {
				if rel.DestinationTarget == op.Target {
					return call(ToolOntapListSnapmirrorTransfers, map[string]any{"relationship": rel.ID, "target": rel.DestinationTarget})
				}
			}
		}
		return call(ToolOntapGetJob, map[string]any{"uuid": op.ID, "target": op.Target})
	}
	return call(ToolNutanixGetTask, map[string]any{"ext_id": op.ID, "target": op.Target})
}

func replicationVendor(ix *inventory.Index, rel *inventory.Replication) inventory.TargetKind {
	def := inventory.KindOntap
	if src := ix.Entity(rel.SourceEntityID); src != nil {
		def = src.Kind.Vendor()
	}
	return ix.Vendor(rel.DestinationTarget, ix.Vendor(rel.SourceTarget, def))
}

// snapmirrorCall calls an ONTAP relationship tool on the destination cluster.
func snapmirrorCall(tool string, rel *inventory.Replication) *ToolCall {
	return call(tool, map[string]any{"relationship": rel.ID, "target": rel.DestinationTarget})
}

// replicationFixCall is what to do about a lagging or unhealthy replication.
func replicationFixCall(ix *inventory.Index, rel *inventory.Replication) *ToolCall {
	if replicationVendor(ix, rel) == inventory.KindOntap {
		switch {
		case rel.State == "broken_off":
			return snapmirrorCall(ToolOntapSnapmirrorResync, rel)
		case rel.State == "uninitialized":
			return snapmirrorCall(ToolOntapListSnapmirror, rel)
		default:
			return snapmirrorCall(ToolOntapSnapmirrorUpdate, rel)
		}
	}
	args := map[string]any{"target": rel.SourceTarget}
	if src := ix.Entity(rel.SourceEntityID); src != nil {
		return listRecoveryPointsCall(ix, src)
	}
	return call(ToolNutanixListRecoveryPoints, args)
}

func updateExpirationCall(rp *inventory.RecoveryPoint, until time.Time) *ToolCall {
	return call(ToolNutanixUpdateRecoveryPoint, map[string]any{
		"ext_id": rp.ID, "expiration_time": ts(until), "target": rp.Target,
	})
}

func recommendCall(en *inventory.Entity, scenario Scenario, incident time.Time) *ToolCall {
	return call(ToolRecommendRecovery, map[string]any{
		"entity": en.Name, "target": en.Target, "scenario": string(scenario), "incident_time": ts(incident),
	})
}

func predictCall(en *inventory.Entity) *ToolCall {
	return call(ToolPredictBackupFailures, map[string]any{"entity": en.Name, "target": en.Target})
}

func eventsCall(ix *inventory.Index, en *inventory.Entity) *ToolCall {
	if vendorOf(ix, en) == inventory.KindOntap {
		return call(ToolOntapListEvents, map[string]any{"name": "arw", "since": "7d", "target": en.Target})
	}
	return listRecoveryPointsCall(ix, en)
}
