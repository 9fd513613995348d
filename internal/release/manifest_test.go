package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/prompts"
)

// TestManifestMatchesCatalog keeps manifest.json (the bundle's manifest with
// the development version) equal to what the release build generates, so
// its tool and prompt lists follow the live catalog. When a tool or prompt
// is added, run: UPDATE_MANIFEST=1 go test ./internal/release -run Manifest
func TestManifestMatchesCatalog(t *testing.T) {
	want, err := encodeManifest(buildManifest(devVersion, allPlatforms))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("manifest.json")
	if err == nil && bytes.Equal(got, want) {
		return
	}
	if os.Getenv("UPDATE_MANIFEST") == "1" {
		if err := os.WriteFile("manifest.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("internal/release/manifest.json differs from the generated manifest (%v); if the catalog changed, run: UPDATE_MANIFEST=1 go test ./internal/release -run Manifest", err)
}

// TestManifestLists checks the generated lists against the catalog and the
// prompts directly, and the settings' wiring.
func TestManifestLists(t *testing.T) {
	m := buildManifest(devVersion, allPlatforms)
	cat := server.Catalog()
	if len(m.Tools) != len(cat) {
		t.Fatalf("%d tools in the manifest, %d in the catalog", len(m.Tools), len(cat))
	}
	for i, tl := range cat {
		if m.Tools[i].Name != tl.Name || m.Tools[i].Description == "" {
			t.Errorf("tool %d: %+v, catalog has %s", i, m.Tools[i], tl.Name)
		}
	}
	if len(m.Prompts) != len(prompts.All()) {
		t.Errorf("%d prompts in the manifest, %d served", len(m.Prompts), len(prompts.All()))
	}
	for _, p := range m.Prompts {
		for _, a := range p.Arguments {
			if !strings.Contains(p.Text, "${arguments."+a+"}") {
				t.Errorf("prompt %s: text never uses argument %s", p.Name, a)
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range m.UserConfig {
		switch {
		case seen[s.Key]:
			t.Errorf("setting %s twice", s.Key)
		case s.Default == nil:
			t.Errorf("setting %s has no default: a host would pass its placeholder through", s.Key)
		case m.Server.MCPConfig.Env[s.Env] != "${user_config."+s.Key+"}":
			t.Errorf("setting %s does not fill %s", s.Key, s.Env)
		case s.Sensitive != strings.HasSuffix(s.Key, "_password"):
			t.Errorf("setting %s: sensitive=%v; exactly the passwords are sensitive", s.Key, s.Sensitive)
		}
		seen[s.Key] = true
	}
	// The settings dialog shows them in manifest order, not sorted.
	raw, err := encodeManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	host, user, pw := bytes.Index(raw, []byte(`"nutanix_host"`)), bytes.Index(raw, []byte(`"nutanix_username"`)), bytes.Index(raw, []byte(`"nutanix_password"`))
	if host >= user || user >= pw || !json.Valid(raw) {
		t.Errorf("settings out of dialog order or invalid JSON")
	}
}
