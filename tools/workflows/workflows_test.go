package workflows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// A newcomer's path over MCP: plan a failover, run it, approve the break
// through the confirmation, follow the run to the end; a drill with
// progress notifications; schedules.
func TestWorkflowToolsOverMCP(t *testing.T) {
	e := testenv.Start(t)
	plan := e.OK("workflow_start", map[string]any{"kind": "disaster_recovery", "dry_run": true,
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_finance", "type": "planned"}})
	if plan["status"] != "planned" || !strings.Contains(testenv.Text(e.Call("workflow_get", map[string]any{"id": plan["id"]})), `"destructive":true`) {
		t.Fatalf("plan %v", plan)
	}
	run := e.OK("workflow_start", map[string]any{"kind": "disaster_recovery",
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_finance", "type": "planned"}})
	if run["status"] != "waiting_approval" || !strings.Contains(run["next_action"].(string), "workflow_decide") {
		t.Fatalf("run %v", run)
	}
	_, done := e.Confirmed("workflow_decide", map[string]any{"id": run["id"], "decision": "approve", "comment": "CAB-42"})
	if done["status"] != "succeeded" {
		t.Fatalf("after approval: %v", done)
	}
	approvals := done["approvals"].([]any)
	if a := approvals[0].(map[string]any); a["principal"] != "local" || a["step"] != "break" || a["comment"] != "CAB-42" {
		t.Errorf("approval %v", a)
	}
	if msg := e.Err("workflow_decide", map[string]any{"id": run["id"], "decision": "approve"}); !strings.Contains(msg, "not waiting") {
		t.Errorf("second approval: %s", msg)
	}

	res, progress := e.CallWithProgress("workflow_start", map[string]any{"kind": "recovery_testing",
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_hr"}})
	drill := testenv.Structured(t, res)
	if res.IsError || drill["status"] != "succeeded" || len(progress) == 0 {
		t.Fatalf("drill %v, %d progress notifications", drill, len(progress))
	}
	if r := drill["result"].(map[string]any); r["cleaned_up"] != true || r["verified_files"].(float64) == 0 {
		t.Errorf("drill result %v", r)
	}

	list := e.OK("workflow_get", map[string]any{})
	if runs := list["runs"].([]any); len(runs) != 3 {
		t.Errorf("%d runs listed, want 3", len(runs))
	}
	s := e.OK("workflow_schedule", map[string]any{"action": "set", "id": "monthly-drill-hr", "kind": "recovery_testing", "every": "monthly",
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_hr"}})
	if got := s["schedules"].([]any); len(got) != 1 {
		t.Errorf("schedules %v", got)
	}
	if msg := e.Err("workflow_start", map[string]any{"kind": "scheduled_backup", "params": map[string]any{"target": "ontap-prod", "volume": "no_such"}}); !strings.Contains(msg, "no volume named") {
		t.Errorf("bad volume: %s", msg)
	}
}

// Roles bound what a principal may list and call, like --read-only.
func TestRolesBoundListAndCall(t *testing.T) {
	e := testenv.Start(t, func(o *server.Options) {
		o.Config.Workflows.Roles = map[string][]string{"local": {"read"}}
	})
	list, err := e.Client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Annotations.ReadOnlyHint == nil || !*tool.Annotations.ReadOnlyHint {
			t.Errorf("%s listed to a read-only principal", tool.Name)
		}
	}
	res, err := e.Client.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "workflow_start",
		Arguments: map[string]any{"kind": "recovery_testing", "params": map[string]any{"volume": "vol_hr"}}}})
	if err == nil && !res.IsError {
		t.Fatalf("a read-only principal started a run: %s", testenv.Text(res))
	}
	e.OK("workflow_get", map[string]any{}) // a read tool stays callable
}
