package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestKilledMidWriteIsReconciled kills the server with signal 9 while two
// writes wait for backend work (an ONTAP job and a Prism Central task that
// never finish), restarts it on the same audit file, and checks that both
// calls are reconciled against the backends and shown as such.
func TestKilledMidWriteIsReconciled(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "stuck.yaml")
	write(t, scenario, `job_faults:
  - {target: ontap-prod, kind: job, match: snapshot, count: 1, stuck: true}
task_faults:
  - {target: pc-prod, operation: CreateRecoveryPoint, count: 1, stuck: true}
`)
	// The backends outlive the server: a separate simulator process.
	audit := filepath.Join(dir, "audit.jsonl")
	config := simConfig(t, bin, dir, []string{"--scenario", scenario}, map[string]any{"safety": map[string]any{"audit_file": audit}})

	// First life: two writes that wait forever, then kill -9.
	srv, cl := startConfigured(t, bin, config)
	results := make(chan *mcp.CallToolResult, 2)
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"ontap_create_snapshot", map[string]any{"target": "ontap-prod", "volume": "vol_erp_db", "name": "before-kill"}},
		{"nutanix_create_recovery_point", map[string]any{"target": "pc-prod", "vms": []any{"app-billing-01"}, "name": "before-kill"}},
	} {
		go func() {
			req := mcp.CallToolRequest{}
			req.Params.Name, req.Params.Arguments = call.tool, call.args
			res, _ := cl.CallTool(context.Background(), req)
			results <- res
		}()
	}
	waitFor(t, 30*time.Second, "both calls to record their job and task", func() bool {
		return strings.Count(read(t, audit), `"phase":"started"`) == 2
	})
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	if before := read(t, audit); strings.Contains(before, `"phase":"outcome"`) {
		t.Fatalf("a call finished before the kill:\n%s", before)
	}

	// Second life: the same audit file; both calls are reconciled.
	_, cl2 := startConfigured(t, bin, config)
	waitFor(t, 30*time.Second, "both calls to be reconciled", func() bool {
		return strings.Count(read(t, audit), `"phase":"reconciled"`) == 2
	})
	var reconciled []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(read(t, audit)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		if r["phase"] == "reconciled" {
			reconciled = append(reconciled, r)
		}
	}
	for _, r := range reconciled {
		msg, _ := r["message"].(string)
		if r["outcome"] != "found" || r["task_id"] == "" || !(strings.Contains(msg, "is running") || strings.Contains(msg, "is RUNNING")) {
			t.Errorf("reconciled record: %v", r)
		}
	}
	// The audit resource shows them after the restart.
	res, err := cl2.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "recovery://audit"}})
	if err != nil {
		t.Fatal(err)
	}
	if text := res.Contents[0].(mcp.TextResourceContents).Text; strings.Count(text, `"phase":"reconciled"`) != 2 || strings.Count(text, `"phase":"intent"`) != 2 {
		t.Errorf("recovery://audit after the restart:\n%s", cut(text, 2000))
	}
	// And the work they started is there to follow.
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_running_operations"
	ops, err := cl2.CallTool(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var ot strings.Builder
	for _, c := range ops.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			ot.WriteString(tc.Text)
		}
	}
	if !strings.Contains(ot.String(), `"kind":"job"`) || !strings.Contains(ot.String(), `"kind":"task"`) {
		t.Errorf("list_running_operations: %s", cut(ot.String(), 2000))
	}
}

// startConfigured runs `serve --config` over stdio, with a client on it.
func startConfigured(t *testing.T, bin, config string) (*exec.Cmd, *client.Client) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", config, "--log-level", "warn")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	tr := transport.NewIO(stdout, stdin, io.NopCloser(strings.NewReader("")))
	c := client.NewClient(tr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e-kill", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return cmd, c
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// simConfig starts `recovery-mcp sim` as its own process (so the backends
// outlive any server killed in a test) and writes a config file for its
// targets into dir, passwords in files beside it, with extra top-level
// sections added. It returns the config file's path.
func simConfig(t *testing.T, bin, dir string, simArgs []string, extra map[string]any) string {
	t.Helper()
	sim := exec.Command(bin, append([]string{"sim", "--addr", "127.0.0.1:0"}, simArgs...)...)
	out, err := sim.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sim.Stderr = io.Discard
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Process.Kill(); _ = sim.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("sim printed no targets: %v", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(line), &cfg); err != nil {
		t.Fatalf("sim output %q: %v", line, err)
	}
	// Passwords go in files: a config file never holds one.
	for _, v := range cfg["targets"].([]any) {
		tg := v.(map[string]any)
		pw := filepath.Join(dir, "pw-"+tg["name"].(string))
		write(t, pw, tg["password"].(string))
		delete(tg, "password")
		tg["password_file"] = pw
	}
	maps.Copy(cfg, extra)
	raw, err := json.Marshal(cfg) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.yaml")
	write(t, config, string(raw))
	return config
}
