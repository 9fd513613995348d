package server

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

func readResource(t *testing.T, s *testServer, uri string) string {
	t.Helper()
	cl := connect(t, s.Server)
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := cl.ReadResource(context.Background(), req)
	if err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
	return res.Contents[0].(mcp.TextResourceContents).Text
}

func TestResources(t *testing.T) {
	s := newTestServer(t, nil)
	targets := readResource(t, s, "recovery://targets")
	if !strings.Contains(targets, `"name":"ontap-a"`) || !strings.Contains(targets, `"reachable":false`) || strings.Contains(targets, "pw-not-for-logs") {
		t.Errorf("targets resource: %s", targets)
	}
	s2 := newTestServer(t, nil)
	callTool(t, connect(t, s2.Server), "probe_write", map[string]any{"name": "x"})
	audit := readResource(t, s2, "recovery://audit")
	if !strings.Contains(audit, `"tool":"probe_write"`) {
		t.Errorf("audit resource: %s", audit)
	}
}

func TestPrompts(t *testing.T) {
	s := newTestServer(t, nil)
	cl := connect(t, s.Server)
	list, err := cl.ListPrompts(context.Background(), mcp.ListPromptsRequest{})
	if err != nil || len(list.Prompts) == 0 {
		t.Fatalf("prompts: %v %v", err, list)
	}
	req := mcp.GetPromptRequest{}
	req.Params.Name = "plan_recovery"
	if _, err := cl.GetPrompt(context.Background(), req); err == nil || !strings.Contains(err.Error(), "entity") {
		t.Errorf("missing argument: %v", err)
	}
	req.Params.Arguments = map[string]string{"entity": "db01", "scenario": "ransomware"}
	res, err := cl.GetPrompt(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	text := res.Messages[0].Content.(mcp.TextContent).Text
	if !strings.Contains(text, `"db01"`) || !strings.Contains(text, "ransomware") || !strings.Contains(text, "confirm_token") {
		t.Errorf("prompt text: %s", text)
	}
}
