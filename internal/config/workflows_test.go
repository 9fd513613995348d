package config_test

import (
	. "github.com/recovery-mcp/recovery-mcp/internal/config"
	"strings"
	"testing"
)

func TestWorkflowsSection(t *testing.T) {
	cases := []struct{ name, yaml, wantErr string }{
		{"ok", "workflows:\n  engine: temporal\n  hooks:\n    dns: {command: [x]}\n  approvals:\n    disaster_recovery: {on_timeout: fail}\n  roles:\n    local: [approve]\n", ""},
		{"engine", "workflows:\n  engine: cadence\n", "workflows.engine"},
		{"hook both", "workflows:\n  hooks:\n    dns: {command: [x], url: 'https://h'}\n", "workflows.hooks.dns"},
		{"hook none", "workflows:\n  hooks:\n    dns: {}\n", "workflows.hooks.dns"},
		{"kind", "workflows:\n  approvals:\n    nightly: {}\n", "workflows.approvals.nightly"},
		{"on_timeout", "workflows:\n  approvals:\n    data_recovery: {on_timeout: approve}\n", "on_timeout"},
		{"role", "workflows:\n  roles:\n    bob: [admin]\n", "workflows.roles.bob"},
		{"isolated subnet", "targets:\n  - {name: pc-dr, kind: nutanix, host: h}\nworkflows:\n  drills:\n    isolated_subnet: {pc-dr: drill-isolated, '*': quarantine}\n", ""},
		{"isolated subnet of no target", "targets:\n  - {name: pc-dr, kind: nutanix, host: h}\nworkflows:\n  drills:\n    isolated_subnet: {pc-prod: drill-isolated}\n", "workflows.drills.isolated_subnet.pc-prod"},
		{"isolated subnet of an ONTAP target", "targets:\n  - {name: c1, kind: ontap, host: h}\nworkflows:\n  drills:\n    isolated_subnet: {c1: x}\n", "workflows.drills.isolated_subnet.c1"},
		{"isolated subnet empty", "workflows:\n  drills:\n    isolated_subnet: {'*': ''}\n", "workflows.drills.isolated_subnet.*"},
		{"cert without key", "workflows:\n  temporal: {cert_file: c.pem}\n", "workflows.temporal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.yaml), "test.yaml")
			if cfg != nil {
				cfg.Kinds = kinds()
			}
			if err == nil {
				cfg.ApplyDefaults()
				err = cfg.Validate()
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatal(err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, c.wantErr)
			}
		})
	}
}

func TestIsolatedSubnetOf(t *testing.T) {
	d := Drills{IsolatedSubnet: map[string]string{"pc-dr": "drill-isolated", "*": "quarantine"}}
	for _, c := range []struct{ target, want string }{{"pc-dr", "drill-isolated"}, {"pc-prod", "quarantine"}} {
		if got := d.IsolatedSubnetOf(c.target); got != c.want {
			t.Errorf("%s: %q, want %q", c.target, got, c.want)
		}
	}
	if got := (Drills{}).IsolatedSubnetOf("pc-dr"); got != "" {
		t.Errorf("none configured: %q", got)
	}
}

func TestHasRole(t *testing.T) {
	open := Workflows{}
	if !open.HasRole("anyone", "destructive") {
		t.Error("without roles every principal holds every role")
	}
	w := Workflows{Roles: map[string][]string{"bob": {"read", "approve"}}}
	for _, c := range []struct {
		who, role string
		want      bool
	}{{"bob", "approve", true}, {"bob", "destructive", false}, {"eve", "read", false}} {
		if got := w.HasRole(c.who, c.role); got != c.want {
			t.Errorf("%s %s: %v", c.who, c.role, got)
		}
	}
}
