package main

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolveBuild(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	installed := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}}
	cases := []struct {
		name          string
		ldV, ldC, ldD string
		bi            *debug.BuildInfo
		want          buildMeta
		line          string
	}{
		{"release build: linker values win", "v1.5.0", "fedcba9876543210", "2026-12-05T00:00:00Z", vcs,
			buildMeta{Version: "v1.5.0", Commit: "fedcba9876543210", Date: "2026-12-05T00:00:00Z"},
			"recovery-mcp v1.5.0 (commit fedcba987654, built 2026-12-05T00:00:00Z, go1.26.8 "},
		{"go build in a checkout: VCS stamps", "", "", "", vcs,
			buildMeta{Version: "dev", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-12-01T10:00:00Z", Modified: true},
			"recovery-mcp dev (commit 0123456789ab (modified), built 2026-12-01T10:00:00Z, "},
		{"go install module@version", "", "", "", installed,
			buildMeta{Version: "v1.4.0", Commit: "unknown", Date: "unknown"},
			"recovery-mcp v1.4.0 (commit unknown, built unknown, go1.26.8 "},
		{"go install module@commit: pseudo-version", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201100000-0123456789ab"}},
			buildMeta{Version: "v0.0.0-20261201100000-0123456789ab", Commit: "0123456789ab", Date: "2026-12-01T10:00:00Z"},
			"recovery-mcp v0.0.0-20261201100000-0123456789ab (commit 0123456789ab, built 2026-12-01T10:00:00Z, "},
		{"pseudo-version after a tag", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20261130235959-abcdefabcdef+incompatible"}},
			buildMeta{Version: "v1.2.4-0.20261130235959-abcdefabcdef+incompatible", Commit: "abcdefabcdef", Date: "2026-11-30T23:59:59Z"},
			"recovery-mcp v1.2.4-0.20261130235959-abcdefabcdef+incompatible (commit abcdefabcdef, "},
		{"no build info", "", "", "", nil,
			buildMeta{Version: "dev", Commit: "unknown", Date: "unknown"},
			"recovery-mcp dev (commit unknown, built unknown, "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := resolveBuild(c.ldV, c.ldC, c.ldD, c.bi)
			if got.Version != c.want.Version || got.Commit != c.want.Commit || got.Date != c.want.Date || got.Modified != c.want.Modified {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			if !strings.HasPrefix(got.String(), c.line) {
				t.Errorf("line %q, want prefix %q", got.String(), c.line)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	out, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "recovery-mcp ") || !strings.Contains(out, "(commit ") || !strings.Contains(out, ", built ") {
		t.Errorf("version: %q %v", out, err)
	}
	out, err = run(t, "version", "--json")
	var m buildMeta
	if err != nil || json.Unmarshal([]byte(out), &m) != nil || m.Version == "" || m.Commit == "" || m.Date == "" || m.Go == "" || m.Platform == "" {
		t.Errorf("version --json: %q %v", out, err)
	}
}
