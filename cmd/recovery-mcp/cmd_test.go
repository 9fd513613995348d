package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCallCommand(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantExit int
		want     string
	}{
		{"text result", []string{"call", "list_targets", "--demo", "--log-level", "error"}, 0, "5 targets configured, 5 reachable"},
		{"json result", []string{"call", "nutanix_list_clusters", "--demo", "--json", "--args", `{"target":"pc-prod"}`, "--log-level", "error"}, 0, `"items": [`},
		{"tool error exits 1", []string{"call", "nutanix_get_recovery_point", "--demo", "--args", `{"target":"pc-prod","ext_id":"00000000-0000-0000-0000-000000000000"}`, "--log-level", "error"}, 1, "HTTP 404"},
		{"read-only refuses writes", []string{"call", "ontap_create_snapshot", "--demo", "--read-only", "--args", `{"target":"ontap-prod","volume":"vol_fin_share"}`, "--log-level", "error"}, -1, "ontap_create_snapshot"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, c.args...)
			var ee exitError
			switch {
			case c.wantExit == 0 && err != nil:
				t.Fatalf("error %v: %s", err, out)
			case c.wantExit > 0 && (!errors.As(err, &ee) || ee.code != c.wantExit):
				t.Fatalf("exit %v, want %d: %s", err, c.wantExit, out)
			case c.wantExit < 0 && err == nil:
				t.Fatalf("succeeded: %s", out)
			}
			if got := out + errString(err); !strings.Contains(got, c.want) {
				t.Errorf("output %q lacks %q", got, c.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestToolsAndVersionCommands(t *testing.T) {
	out, err := run(t, "tools", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) < 40 {
		t.Fatalf("tools --json: %v %d rows", err, len(rows))
	}
	if out, err := run(t, "version"); err != nil || !strings.HasPrefix(out, "recovery-mcp ") {
		t.Errorf("version: %q %v", out, err)
	}
	if _, err := run(t, "serve", "--transport", "carrier-pigeon"); err == nil || !strings.Contains(err.Error(), "stdio, sse or http") {
		t.Errorf("bad transport: %v", err)
	}
	if _, err := run(t, "serve", "--transport", "http", "--addr", "0.0.0.0:0", "--demo"); err == nil || !strings.Contains(err.Error(), "auth token") {
		t.Errorf("non-loopback without a token: %v", err)
	}
}
