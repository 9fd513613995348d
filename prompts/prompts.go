// Package prompts holds the MCP prompts: playbooks that tell the model which
// tools to call in what order and how to present what it finds.
package prompts

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Prompt is one playbook.
type Prompt struct {
	Name        string
	Description string
	Args        []Arg
	// Render writes the playbook for the given arguments.
	Render func(args map[string]string) string
}

// Arg is a prompt argument.
type Arg struct {
	Name, Description string
	Required          bool
}

// All returns every prompt.
func All() []Prompt {
	return []Prompt{backupHealthReview(), investigateBackupFailure(), planRecovery(), drReadinessReview(), complianceAudit(), runRecoveryDrill()}
}

// Register adds the prompts to s.
func Register(s *server.MCPServer) {
	for _, p := range All() {
		opts := []mcp.PromptOption{mcp.WithPromptDescription(p.Description)}
		for _, a := range p.Args {
			ao := []mcp.ArgumentOption{mcp.ArgumentDescription(a.Description)}
			if a.Required {
				ao = append(ao, mcp.RequiredArgument())
			}
			opts = append(opts, mcp.WithArgument(a.Name, ao...))
		}
		s.AddPrompt(mcp.NewPrompt(p.Name, opts...), func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			for _, a := range p.Args {
				if a.Required && strings.TrimSpace(req.Params.Arguments[a.Name]) == "" {
					return nil, fmt.Errorf("prompt %s needs argument %s: %s", p.Name, a.Name, a.Description)
				}
			}
			return mcp.NewGetPromptResult(p.Description, []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(p.Render(req.Params.Arguments))),
			}), nil
		})
	}
}

func planRecovery() Prompt {
	return Prompt{
		Name:        "plan_recovery",
		Description: "Plan the recovery of a VM, volume group or volume after an incident: pick the recovery point and method, then carry it out safely.",
		Args: []Arg{
			{Name: "entity", Description: "VM, volume group or volume name", Required: true},
			{Name: "incident_time", Description: "When the incident happened (RFC 3339, or e.g. 6h ago)"},
			{Name: "scenario", Description: "corruption, accidental_deletion, ransomware, site_failure or file_loss"},
		},
		Render: func(a map[string]string) string {
			when := a["incident_time"]
			if when == "" {
				when = "unknown (ask the user; until then assume now)"
			}
			scenario := a["scenario"]
			if scenario == "" {
				scenario = "unknown (ask the user)"
			}
			return fmt.Sprintf(`Plan the recovery of %q. Incident time: %s. Scenario: %s.

1. Call list_targets to see which Prism Centrals and ONTAP clusters hold it.
2. Find the entity: nutanix_list_vms / nutanix_list_volume_groups (name filter) or ontap_list_volumes.
3. List its recovery points before the incident: nutanix_list_recovery_points (vm or volume_group, created_before) or ontap_list_snapshots. For ransomware, distrust the points taken after the first sign of abnormal change; prefer older, locked or anti-ransomware snapshots.
4. If the recommend_recovery tool is available, call it with the entity, incident_time and scenario, and use its ranked options.
5. Prefer non-destructive methods first: restore as a clone (nutanix_restore_recovery_point, ontap_clone_volume) or restore a file to a new path (ontap_restore_file with restore_path). Use in-place methods (nutanix_revert_vm, ontap_restore_volume) only when the user accepts losing the changes since the recovery point.
6. Present a short plan: the recovery point (name, time, age), the method, the expected data loss (incident time minus recovery point time), the steps as exact tool calls, and which steps are destructive.
7. Execute only after the user agrees. Destructive tools answer with confirmation_required and a preview: show the preview verbatim, and repeat the call with confirm_token only on the user's explicit yes.`, a["entity"], when, scenario)
		},
	}
}

func orAll(v, all string) string {
	if strings.TrimSpace(v) == "" {
		return all
	}
	return v
}

func scopeArgs(a map[string]string) string {
	var parts []string
	if a["target"] != "" {
		parts = append(parts, fmt.Sprintf("%q: %q", "target", a["target"]))
	}
	if a["site"] != "" {
		parts = append(parts, fmt.Sprintf("%q: %q", "site", a["site"]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func backupHealthReview() Prompt {
	return Prompt{
		Name:        "backup_health_review",
		Description: "Review backup health across the estate and produce a prioritised action list.",
		Args: []Arg{
			{Name: "target", Description: "Only this target (default all)"},
			{Name: "site", Description: "Only this site (default all)"},
		},
		Render: func(a map[string]string) string {
			return fmt.Sprintf(`Review backup health for %s.

1. Call backup_health with %s. Read the score, the counts by severity and whether the result is partial (say so first if it is: unreachable targets hide problems).
2. Call predict_backup_failures with the same scope for what will break next (capacity running out, replication lag heading past RPO, change-rate spikes).
3. Call find_unprotected for entities with no protection at all.
4. Present, in this order: a one-line verdict with the score; critical and high findings as a table (entity, problem with its numbers, the next tool call); predictions with a date or probability; unprotected entities, largest first; then medium and low findings summarised by check.
5. For each critical finding, propose the next tool call exactly as the finding gives it. Do not run write or destructive tools without the user's go-ahead.`, orAll(a["target"], "every configured target")+siteSuffix(a), scopeArgs(a))
		},
	}
}

func siteSuffix(a map[string]string) string {
	if a["site"] == "" {
		return ""
	}
	return " at site " + a["site"]
}

func investigateBackupFailure() Prompt {
	return Prompt{
		Name:        "investigate_backup_failure",
		Description: "Find out why backups or replication of one entity fail, and what fixes it.",
		Args: []Arg{
			{Name: "entity", Description: "VM, volume group or volume name", Required: true},
			{Name: "target", Description: "Target holding it"},
		},
		Render: func(a map[string]string) string {
			return fmt.Sprintf(`Investigate failing backups of %q%s.

1. Call backup_health with entities ["%s"] and read its findings: failed operations and streaks, RPO breaches, replication lag and unhealthy reasons.
2. Call predict_backup_failures with entity "%s" for its failure risk and trends.
3. For a Nutanix VM or volume group: nutanix_list_recovery_points (vm or volume_group) to see the newest good recovery point, and nutanix_get_task on the failed task ids in the evidence.
4. For an ONTAP volume: ontap_list_snapshots, ontap_list_snapmirror for its relationship (state, healthy, unhealthy_reason, lag), ontap_list_snapmirror_transfers for transfer errors, ontap_list_events for EMS events around the failures, ontap_list_volumes for space (a full volume or snapshot reserve stops snapshots).
5. Explain the most likely cause with the evidence (times, error messages, numbers), the data at risk now (age of the newest good copy against the RPO), and the fix as exact tool calls. Taking a fresh recovery point or snapshot is a safe first step; say so if the newest copy is older than the RPO.`, a["entity"], targetSuffix(a), a["entity"], a["entity"])
		},
	}
}

func targetSuffix(a map[string]string) string {
	if a["target"] == "" {
		return ""
	}
	return " on " + a["target"]
}

func drReadinessReview() Prompt {
	return Prompt{
		Name:        "dr_readiness_review",
		Description: "Assess whether the DR site could take over now: replication state, lag against RPO, and the failover steps.",
		Args: []Arg{
			{Name: "site", Description: "Production site to protect (default all)"},
		},
		Render: func(a map[string]string) string {
			return fmt.Sprintf(`Review disaster-recovery readiness for %s.

1. Call list_targets to see the sites and which targets are reachable.
2. Call backup_health (site %q if given) and keep the replication_lag, replication_unhealthy, remote_copy and rule_3_2_1_1_0 findings.
3. Call ontap_list_snapmirror on each ONTAP DR target: every relationship's state (snapmirrored is ready; paused, broken_off or uninitialized are not), healthy flag and lag.
4. For Nutanix, compare each protected VM's newest replica on the DR Prism Central (nutanix_list_recovery_points there) with its policy RPO.
5. Present: a readiness verdict; a table of entities whose replica is older than the RPO (entity, lag, RPO, data that would be lost); what is not replicated at all; and the failover runbook as exact tool calls in order (for ONTAP: ontap_snapmirror_break per relationship, which is destructive and needs confirmation; for Nutanix: nutanix_restore_recovery_point on the DR side). Do not execute the runbook: this is a review.`, orAll(a["site"], "the whole estate"), a["site"])
		},
	}
}

func complianceAudit() Prompt {
	return Prompt{
		Name:        "compliance_audit",
		Description: "Run a backup compliance audit (SOX, HIPAA, GDPR or 3-2-1-1-0) and write up the evidence.",
		Args: []Arg{
			{Name: "framework", Description: "sox, hipaa, gdpr or 3-2-1-1-0", Required: true},
		},
		Render: func(a map[string]string) string {
			return fmt.Sprintf(`Audit backup compliance against %s.

1. Call compliance_report with framework %q (format markdown if the user wants a document).
2. For each failed control, list the affected entities and the remediation; for each unknown control, say which evidence is missing and how to produce it (for example, a recorded restore test with nutanix_restore_recovery_point or ontap_clone_volume).
3. Call backup_health to cross-check the failing entities' current state.
4. Write the audit summary: scope and time, pass/fail/unknown counts, each control with its status and evidence, and a remediation plan ordered by risk. Never call a control passed without evidence.`, strings.ToUpper(a["framework"]), strings.ToLower(a["framework"]))
		},
	}
}
