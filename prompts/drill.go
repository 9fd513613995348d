package prompts

import (
	"fmt"
	"strings"
)

func runRecoveryDrill() Prompt {
	return Prompt{
		Name:        "run_recovery_drill",
		Description: "Run a recovery drill (volume, file, VM or full DR) as a durable workflow and report its RTO, RPO and evidence against the criteria.",
		Args: []Arg{
			{Name: "volume", Description: "ONTAP volume (name or svm:volume) for volume, file and dr drills"},
			{Name: "vm", Description: "Nutanix VM for vm and dr drills"},
			{Name: "target", Description: "cluster or Prism Central holding it (list_targets)"},
			{Name: "type", Description: "volume (default), file, vm or dr (a test failover of the volume and VM together)"},
		},
		Render: func(a map[string]string) string {
			typ := a["type"]
			if typ == "" {
				typ = "volume"
				if a["volume"] == "" && a["vm"] != "" {
					typ = "vm"
				}
			}
			var what, params string
			switch typ {
			case "vm":
				what = fmt.Sprintf("VM %q%s", a["vm"], onTarget(a["target"]))
				params = fmt.Sprintf(`{"type": "vm", "vm": %q%s, "dr_target": "<the DR Prism Central, to prove the replica>"}`, a["vm"], targetParam(a["target"]))
			case "dr":
				// Only what was named: an empty name in the call would
				// fail the run.
				var parts, lists, targets []string
				if a["volume"] != "" {
					parts = append(parts, fmt.Sprintf("volume %q", a["volume"]))
					lists = append(lists, fmt.Sprintf(`"volumes": [%q]`, a["volume"]))
					targets = append(targets, `"target": "<ONTAP cluster>"`)
				}
				if a["vm"] != "" {
					parts = append(parts, fmt.Sprintf("VM %q", a["vm"]))
					lists = append(lists, fmt.Sprintf(`"vms": [%q]`, a["vm"]))
					targets = append(targets, `"nutanix_target": "<Prism Central>"`)
				}
				what = strings.Join(parts, " and ") + " together"
				if len(parts) == 0 {
					what = "a group (a category key:value or a tier)"
					lists = append(lists, `"category": "<key:value>"`)
				}
				params = `{"type": "dr", ` + strings.Join(append(lists, targets...), ", ") + "}"
			default:
				what = fmt.Sprintf("volume %q%s", a["volume"], onTarget(a["target"]))
				params = fmt.Sprintf(`{"volume": %q, "type": %q%s}`, a["volume"], typ, targetParam(a["target"]))
			}
			return fmt.Sprintf(`Run a %[1]s recovery drill of %[2]s and show me the evidence.

1. Plan it. Call workflow_start kind=recovery_testing dry_run=true params=%[3]s. Show the plan: it clones a snapshot or restores a VM under an isolated rmcp_ name, never touches production, and marks the cleanup steps that delete those copies. The kinds: volume and file drills test one volume; a vm drill restores %[4]s, boots and deletes it; a dr drill test-fails a group over (volumes, and vms, a category key:value or a tier) and cleans up.
2. Run it: the same call without dry_run. It waits up to 20 s; if it is still running, follow it with workflow_get id=<run> wait_s=30.
3. Report from the run's result: the snapshot or recovery point tested and its age (achieved RPO), measured RTO, the evidence (sampled files and whether each matched; the VM powered on; clones online and writable), whether every copy was cleaned up, passed or failed against the criteria (file < 5 min, volume < 30 min, a VM its tier's RTO, a dr drill per entity and as a whole), and the recommendations. The full record is the resource recovery://runs/<run>.
4. Offer a monthly schedule: workflow_schedule action=set id=monthly-drill-<name> kind=recovery_testing every=monthly with the same params.`,
				typ, what, params, theVM(a["vm"]))
		},
	}
}

// theVM names the VM argument, or the VM in general when none was given.
func theVM(vm string) string {
	if vm == "" {
		return "the VM"
	}
	return fmt.Sprintf("VM %q", vm)
}

func onTarget(t string) string {
	if t == "" {
		return ""
	}
	return " on " + t
}

func targetParam(t string) string {
	if t == "" {
		return ""
	}
	return fmt.Sprintf(`, "target": %q`, t)
}
