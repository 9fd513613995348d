package server

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/prompts"
)

// toolWordRE finds snake_case words; those whose first part is the first
// part of some tool name (nutanix_, ontap_, workflow_, find_, ...) are
// taken as tool names.
var toolWordRE = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`)

// toolSources are the packages whose strings reach a model: tool
// descriptions, hints and error messages, next-tool proposals, resources
// and prompts.
var toolSources = []string{"tools", "internal/ops", "internal/analysis", "internal/workflow", "internal/safety", "internal/server", "resources", "prompts"}

// notTools are snake_case words in those strings that share a tool
// name's first part but are no tool name and never reach a model as one:
// the kinds of lost-answer lookups (tools/*/reconcile.go) and of AIQUM
// evidence (internal/analysis/aiqum.go), metric ids and source kinds.
// Prompt names are exempt too.
var notTools = map[string]bool{
	"nutanix_task": true, "nutanix_recovery_point": true, "nutanix_recovery_point_deleted": true,
	"ontap_snapshot": true, "ontap_volume": true,
	"aiqum_event": true, "aiqum_events": true,
	// Success metrics (internal/analysis/metrics.go): a metric id and a
	// source kind, named as such in results.
	"backup_success_rate": true, "workflow_runs": true,
}

// TestMentionedToolsExist: every tool name that a tool's description or
// schema, or a string in the code that builds hints, errors and proposals,
// mentions is a tool of the catalog (a renamed or imagined tool sends a
// model to a call that cannot work).
func TestMentionedToolsExist(t *testing.T) {
	names := map[string]bool{}
	prefixes := map[string]bool{}
	for _, tool := range allTools() {
		names[tool.Name] = true
		first, _, _ := strings.Cut(tool.Name, "_")
		prefixes[first] = true
	}
	prompt := map[string]bool{}
	for _, p := range prompts.All() {
		prompt[p.Name] = true
	}
	// Field names (the json names of struct fields in these sources:
	// arguments and result fields such as a drill's nutanix_target) are
	// named in errors as fields, not as tools.
	fields := map[string]bool{}
	bad := map[string][]string{} // unknown name -> where
	check := func(where, text string) {
		for _, w := range toolWordRE.FindAllString(text, -1) {
			first, _, _ := strings.Cut(w, "_")
			if prefixes[first] && !names[w] && !notTools[w] && !prompt[w] && !fields[w] && !slices.Contains(bad[w], where) {
				bad[w] = append(bad[w], where)
			}
		}
	}
	for _, tool := range allTools() {
		b, err := json.Marshal(tool.MCP())
		if err != nil {
			t.Fatal(err)
		}
		check("tools/list "+tool.Name, string(b))
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, dir := range toolSources {
		err := filepath.WalkDir(filepath.Join("..", "..", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	tags := map[*ast.BasicLit]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if fl, ok := n.(*ast.Field); ok && fl.Tag != nil {
				tags[fl.Tag] = true
				if tag, err := strconv.Unquote(fl.Tag.Value); err == nil {
					name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
					fields[name] = true
				}
			}
			return true
		})
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && !tags[lit] {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					check(fset.Position(lit.Pos()).String(), s)
				}
			}
			return true
		})
	}
	for w, where := range bad {
		t.Errorf("%s is no tool, yet mentioned at %s", w, strings.Join(where, ", "))
	}
}
