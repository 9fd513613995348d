package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Over stdio the caller is the OS user who started the server: a run's
// approval and the audit records of the calls name them.
func TestStdioCallerIsTheOSUser(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := StartDemo(ctx, fleet.Small(fleet.DefaultNow), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := New(d.DemoOptions(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var audit strings.Builder
	s.Env.Audit = safety.NewAuditor(&lockedWriter{w: &audit})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.ServeStdio(ctx, inR, outW) }()
	sc := bufio.NewScanner(outR)
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	id := 0
	// call sends a request and returns the structured content of its answer.
	call := func(method string, params any) map[string]any {
		t.Helper()
		id++
		req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		go io.WriteString(inW, string(req)+"\n")
		for sc.Scan() {
			var msg struct {
				ID     *int `json:"id"`
				Result struct {
					IsError           bool           `json:"isError"`
					StructuredContent map[string]any `json:"structuredContent"`
				} `json:"result"`
				Error json.RawMessage `json:"error"`
			}
			if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
				t.Fatalf("stdout line is not JSON-RPC: %q", sc.Text())
			}
			if msg.ID == nil || *msg.ID != id {
				continue // a notification
			}
			if msg.Error != nil || msg.Result.IsError {
				t.Fatalf("%s: %s", method, sc.Text())
			}
			return msg.Result.StructuredContent
		}
		t.Fatalf("%s: no answer: %v", method, sc.Err())
		return nil
	}
	call("initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "t", "version": "1"}})
	io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	tool := func(name string, args map[string]any) map[string]any {
		return call("tools/call", map[string]any{"name": name, "arguments": args})
	}
	run := tool("workflow_start", map[string]any{"kind": "disaster_recovery", "params": map[string]any{"target": "ontap-prod", "volume": "vol_finance", "type": "planned"}})
	if run["status"] != "waiting_approval" {
		t.Fatalf("run %v", run)
	}
	decide := map[string]any{"id": run["id"], "decision": "approve", "comment": "CAB-7"}
	conf := tool("workflow_decide", decide)
	tok, _ := conf["confirm_token"].(string)
	if tok == "" {
		t.Fatalf("no confirm_token: %v", conf)
	}
	decide["confirm_token"] = tok
	tool("workflow_decide", decide)

	who := safety.LocalPrincipal()
	r, err := s.Env.Workflows.Describe(ctx, run["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Approvals) != 1 || r.Approvals[0].Principal != who || r.Principal != who {
		t.Errorf("run started by %q, approvals %+v; want %q", r.Principal, r.Approvals, who)
	}
	for _, tool := range []string{"workflow_start", "workflow_decide"} {
		if want := fmt.Sprintf(`"tool":%q`, tool); !strings.Contains(audit.String(), want) {
			t.Errorf("no audit record of %s", tool)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(audit.String()), "\n") {
		var rec safety.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if strings.HasPrefix(rec.Tool, "workflow_") && rec.Principal != who {
			t.Errorf("audit record of %s names %q, want the OS user %q", rec.Tool, rec.Principal, who)
		}
	}
	cancel()
	inW.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("stdio server did not stop")
	}
}
