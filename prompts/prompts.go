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
func All() []Prompt { return []Prompt{planRecovery()} }

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
