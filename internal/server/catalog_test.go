package server

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

const snapDir = "../../testdata/toolsnaps"

// allTools are the catalog and the dynamic toolset's tools: everything a
// tools/list can ever hold.
func allTools() []kit.Tool { return Listed() }

// TestToolsnaps keeps each tool's public definition (schemas, annotations,
// description) in a golden file, so a change to what models see is a
// reviewed change. UPDATE_TOOLSNAPS=1 rewrites them; a missing snap fails.
func TestToolsnaps(t *testing.T) {
	update := os.Getenv("UPDATE_TOOLSNAPS") == "1"
	for _, tool := range allTools() {
		got, err := json.MarshalIndent(tool.MCP(), "", "  ")
		if err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
		got = append(got, '\n')
		path := filepath.Join(snapDir, tool.Name+".json")
		if update {
			if err := os.MkdirAll(snapDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: no toolsnap (%v); run UPDATE_TOOLSNAPS=1 go test ./internal/server and review the new file", tool.Name, err)
			continue
		}
		if !bytes.Equal(normalizeJSON(t, want), normalizeJSON(t, got)) {
			t.Errorf("%s: definition differs from %s; if intended, run UPDATE_TOOLSNAPS=1 go test ./internal/server\ngot:\n%s", tool.Name, path, got)
		}
	}
	if update {
		return
	}
	// A snap without a tool is a removed tool: make that a reviewed change too.
	files, _ := filepath.Glob(filepath.Join(snapDir, "*.json"))
	names := map[string]bool{}
	for _, tool := range allTools() {
		names[tool.Name] = true
	}
	for _, f := range files {
		if n := filepath.Base(f); !names[n[:len(n)-len(".json")]] {
			t.Errorf("%s has no tool; delete it if the tool was removed on purpose", f)
		}
	}
}

func normalizeJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return out
}

// TestAnnotationsFollowTier checks every tool sets all four hints and that
// they agree with its tier.
func TestAnnotationsFollowTier(t *testing.T) {
	for _, tool := range allTools() {
		a := tool.MCP().Annotations
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: an annotation is unset: %+v", tool.Name, a)
			continue
		}
		ro, de := *a.ReadOnlyHint, *a.DestructiveHint
		switch tool.Tier {
		case safety.Read:
			if !ro || de || !*a.IdempotentHint {
				t.Errorf("%s: read tool annotated readOnly=%v destructive=%v idempotent=%v", tool.Name, ro, de, *a.IdempotentHint)
			}
		case safety.Write:
			if ro || de != tool.MayDestroy {
				t.Errorf("%s: write tool annotated readOnly=%v destructive=%v (may destroy %v)", tool.Name, ro, de, tool.MayDestroy)
			}
		case safety.Destructive:
			if ro || !de {
				t.Errorf("%s: destructive tool annotated readOnly=%v destructive=%v", tool.Name, ro, de)
			}
		}
		if tool.MCP().Title == "" {
			t.Errorf("%s: no title", tool.Name)
		}
		var in struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(tool.InputSchema, &in); err != nil || in.Type != "object" {
			t.Errorf("%s: input schema is not an object schema", tool.Name)
		}
	}
}

// toolsListBudget is what tools/list may cost in total once every toolset
// has landed (and, with --dynamic-toolsets, the toolset tools): about
// 12,500 tokens of every conversation's context.
const toolsListBudget = 50_000

func TestToolsListBudget(t *testing.T) {
	var tools []mcp.Tool
	for _, tool := range allTools() {
		tools = append(tools, tool.MCP())
	}
	b, err := json.Marshal(mcp.ListToolsResult{Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	static, _ := json.Marshal(mcp.ListToolsResult{Tools: tools[:len(Catalog())]})
	t.Logf("tools/list: %d tools, %d bytes (budget %d); without the dynamic toolset tools %d bytes", len(tools), len(b), toolsListBudget, len(static))
	if len(b) > toolsListBudget {
		t.Errorf("tools/list is %d bytes, over the %d budget: shorten descriptions or schemas", len(b), toolsListBudget)
	}
}

// TestEveryParameterDescribed: a parameter without a description leaves the
// model guessing what it takes (svm, limit and page once had none).
func TestEveryParameterDescribed(t *testing.T) {
	for _, tool := range allTools() {
		var in struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(tool.InputSchema, &in); err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
		for name, p := range in.Properties {
			if len(p.Description) < 8 {
				t.Errorf("%s: parameter %s has no useful description (%q)", tool.Name, name, p.Description)
			}
		}
	}
}
