package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestWorkflowSurvivesKill: over stdio, a planned failover waits for
// approval of its break; the server is killed with signal 9 and restarted
// on the same state file; the run is still there, is approved through the
// confirm-token flow, and finishes with every step run once.
func TestWorkflowSurvivesKill(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	config := simConfig(t, bin, dir, nil, map[string]any{"workflows": map[string]any{"state_file": filepath.Join(dir, "state.db")}})

	call := func(c *client.Client, tool string, args map[string]any) map[string]any {
		t.Helper()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = tool, args
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		res, err := c.CallTool(ctx, req)
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		m, _ := res.StructuredContent.(map[string]any)
		if m == nil {
			b, _ := json.Marshal(res.StructuredContent)
			_ = json.Unmarshal(b, &m)
		}
		return m
	}

	srv, cl := startConfigured(t, bin, config)
	run := call(cl, "workflow_start", map[string]any{"kind": "disaster_recovery",
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_erp_db", "type": "planned"}})
	id, _ := run["id"].(string)
	if run["status"] != "waiting_approval" || id == "" {
		t.Fatalf("run %v", run)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()

	_, cl2 := startConfigured(t, bin, config)
	got := call(cl2, "workflow_get", map[string]any{"id": id})
	if got["status"] != "waiting_approval" {
		t.Fatalf("after the restart: %v", got)
	}
	first := call(cl2, "workflow_decide", map[string]any{"id": id, "decision": "approve"})
	token, _ := first["confirm_token"].(string)
	if first["confirmation_required"] != true || token == "" {
		t.Fatalf("approval did not ask for confirmation: %v", first)
	}
	done := call(cl2, "workflow_decide", map[string]any{"id": id, "decision": "approve", "confirm_token": token})
	for i := 0; done["status"] == "running" && i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		done = call(cl2, "workflow_get", map[string]any{"id": id})
	}
	if done["status"] != "succeeded" {
		t.Fatalf("run after approval: %v", done)
	}
	var names []string
	for _, s := range done["steps"].([]any) {
		st := s.(map[string]any)
		names = append(names, st["name"].(string))
		if st["attempts"].(float64) != 1 {
			t.Errorf("step %v ran %v times", st["name"], st["attempts"])
		}
	}
	if strings.Join(names, ",") != "assess,final_update,quiesce,break,validate,notify" {
		t.Errorf("steps %v", names)
	}
}
