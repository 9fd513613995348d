package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const modPath = "github.com/recovery-mcp/recovery-mcp/"

// layer ranks the module's packages: a package may import its own rank or
// lower, never higher (cmd -> server -> tools|resources|prompts ->
// workflow|analysis -> ops|inventory|safety|store|targets -> config ->
// clients). Simulators are apart: only the demo wiring reaches them.
func layer(p string) (int, bool) {
	switch {
	case strings.HasPrefix(p, "clients/"):
		return 0, true
	case p == "internal/config":
		return 1, true
	case p == "internal/ops", p == "internal/store", p == "internal/safety", p == "internal/targets",
		p == "internal/inventory", p == "internal/inventory/collect",
		p == "internal/vendors", strings.HasPrefix(p, "internal/vendors/"):
		return 2, true
	case p == "internal/workflow", p == "internal/analysis", p == "internal/charts":
		return 3, true
	case strings.HasPrefix(p, "tools/"), p == "resources", p == "prompts":
		return 4, true
	case p == "internal/server":
		return 5, true
	case p == "internal/testenv":
		return 6, true
	case strings.HasPrefix(p, "cmd/"):
		return 7, true
	}
	return 0, false
}

// TestDependencyRule enforces the layering with `go list -json` (no
// go/packages): the direction above, plus analysis pure (no I/O, no other
// layer), operations free of MCP, and config importing no engine.
func TestDependencyRule(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	// extra names imports forbidden beyond the layering.
	extra := map[string][]string{
		"internal/analysis": {"net/", "os/exec", "database/sql", modPath + "clients/", modPath + "internal/targets", modPath + "internal/store", modPath + "internal/ops"},
		"internal/charts":   {"net/", "os/exec", "database/sql", modPath + "clients/", modPath + "internal/targets", modPath + "internal/store", modPath + "internal/ops", modPath + "internal/workflow"},
		"internal/config":   {modPath + "internal/workflow", modPath + "internal/store", modPath + "internal/ops", "go.temporal.io/", modPath + "clients/", modPath + "internal/vendors"},
		// Generic code handles every storage kind through internal/vendors
		// and names none: no vendor package, no vendor client.
		"internal/vendors":           {modPath + "clients/", modPath + "internal/vendors/", modPath + "internal/targets"},
		"internal/inventory/collect": {modPath + "clients/", modPath + "internal/vendors/"},
		"tools/core":                 {modPath + "clients/", modPath + "internal/vendors/"},
		"internal/ops":               {"github.com/mark3labs/", modPath + "tools/"},
		"internal/workflow":          {"github.com/mark3labs/", modPath + "tools/"},
	}
	// allowed upward imports: config reads the analysis thresholds type.
	allowed := map[string]bool{"internal/config -> internal/analysis": true}
	checked := 0
	for _, p := range pkgs {
		from := strings.TrimPrefix(p.ImportPath, modPath)
		for _, bad := range extra[from] {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, bad) {
					t.Errorf("%s imports %s, which it must not", from, imp)
				}
			}
		}
		lf, ok := layer(from)
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, modPath) {
				continue
			}
			to := strings.TrimPrefix(imp, modPath)
			if strings.HasPrefix(to, "internal/sim/") && (from == "internal/server" || strings.HasPrefix(from, "cmd/") || from == "internal/testenv") {
				continue // the demo wiring
			}
			lt, ok := layer(to)
			if !ok {
				t.Errorf("%s imports %s, which has no layer", from, to)
				continue
			}
			checked++
			if lt > lf && !allowed[from+" -> "+to] {
				t.Errorf("%s (layer %d) imports %s (layer %d): dependencies point down only", from, lf, to, lt)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d imports checked", checked)
	}
}
