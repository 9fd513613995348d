package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// mcpbPackage is the npm package of the MCP Bundle CLI and loader.
const mcpbPackage = "@anthropic-ai/mcpb"

// mcpbInstalled says what is wrong with the mcpb CLI install in dir (a
// directory holding package.json), or "" when node_modules holds the
// version package.json pins.
func mcpbInstalled(dir string) string {
	var pins struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return fmt.Sprintf("%s: %v", mcpbDir, err)
	}
	if err := json.Unmarshal(raw, &pins); err != nil {
		return fmt.Sprintf("%s/package.json: %v", mcpbDir, err)
	}
	var installed struct {
		Version string `json:"version"`
	}
	raw, err = os.ReadFile(filepath.Join(dir, "node_modules", mcpbPackage, "package.json"))
	if err != nil {
		return fmt.Sprintf("the mcpb CLI is not installed in %s/node_modules", mcpbDir)
	}
	if err := json.Unmarshal(raw, &installed); err != nil {
		return fmt.Sprintf("%s/node_modules/%s/package.json: %v", mcpbDir, mcpbPackage, err)
	}
	if want := pins.Dependencies[mcpbPackage]; installed.Version != want {
		return fmt.Sprintf("%s/node_modules is stale (%s is %s, package.json pins %s)", mcpbDir, mcpbPackage, installed.Version, want)
	}
	return ""
}
