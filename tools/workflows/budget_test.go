package workflows

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// The workflow toolset's share of tools/list: under 4 KB of the 50 KB
// every toolset shares.
func TestToolsetBudget(t *testing.T) {
	var tools []mcp.Tool
	for _, tool := range Tools() {
		tools = append(tools, tool.MCP())
	}
	b, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tools, %d bytes", len(tools), len(b))
	if len(b) > 4096 {
		t.Errorf("the workflow tools take %d bytes of tools/list, over 4096", len(b))
	}
}
