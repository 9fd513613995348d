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

// TestSwitchesFromEnvironment covers the environment variables behind
// --demo, --read-only and --disable-destructive, which the Claude Desktop
// bundle sets from its settings dialog.
func TestSwitchesFromEnvironment(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr bool
		want    string
	}{
		{"demo from env", map[string]string{"RECOVERY_MCP_DEMO": "true"}, []string{"call", "list_targets"}, false, "5 targets configured, 5 reachable"},
		{"read-only from env", map[string]string{"RECOVERY_MCP_DEMO": "1", "RECOVERY_MCP_READ_ONLY": "true"},
			[]string{"call", "ontap_create_snapshot", "--args", `{"target":"ontap-prod","volume":"vol_fin_share"}`}, true, "tool 'ontap_create_snapshot' not found"},
		{"disable-destructive from env", map[string]string{"RECOVERY_MCP_DEMO": "true", "RECOVERY_MCP_DISABLE_DESTRUCTIVE": "true"},
			[]string{"call", "ontap_delete_snapshot", "--args", `{"target":"ontap-prod","volume":"vol_fin_share","snapshot":"x"}`}, true, "tool 'ontap_delete_snapshot' not found"},
		{"destructive stays without the switch", map[string]string{"RECOVERY_MCP_DEMO": "true", "RECOVERY_MCP_DISABLE_DESTRUCTIVE": "false"},
			[]string{"call", "ontap_delete_snapshot", "--args", `{"target":"ontap-prod","volume":"vol_fin_share","snapshot":"x"}`}, true, `no snapshot named "x"`},
		{"flag wins over env", map[string]string{"RECOVERY_MCP_DEMO": "true", "RECOVERY_MCP_READ_ONLY": "true"},
			[]string{"call", "list_targets", "--read-only=false"}, false, "5 targets configured"},
		{"bad value", map[string]string{"RECOVERY_MCP_DEMO": "yes please"}, []string{"call", "list_targets"}, true, "RECOVERY_MCP_DEMO"},
		{"unsubstituted placeholder is unset", map[string]string{"RECOVERY_MCP_DEMO": "true", "RECOVERY_MCP_READ_ONLY": "${user_config.read_only}", "ONTAP_HOST": "${user_config.ontap_host}"},
			[]string{"call", "list_targets"}, false, "5 targets configured"},
		{"other ${...} values are kept", map[string]string{"RECOVERY_MCP_DEMO": "${DEMO}"}, []string{"call", "list_targets"}, true, "RECOVERY_MCP_DEMO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range boolEnv {
				t.Setenv(b.env, "")
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			out, err := run(t, append(c.args, "--log-level", "error")...)
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v, want error %v: %s", err, c.wantErr, out)
			}
			if got := out + errString(err); !strings.Contains(got, c.want) {
				t.Errorf("output %q lacks %q", got, c.want)
			}
		})
	}
}
