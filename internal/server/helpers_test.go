package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Probe tools exercise the rails without a backend.

type probeArgs struct {
	Target string `json:"target,omitempty"`
	Name   string `json:"name" jsonschema:"required,minLength=1"`
	Count  int    `json:"count,omitempty" jsonschema:"minimum=1,maximum=5"`
	Mode   string `json:"mode,omitempty" jsonschema:"enum=fast,enum=slow"`
}

type probeResult struct {
	Done   string `json:"done"`
	Target string `json:"target"`
}

func (r probeResult) Summary() string { return "did " + r.Done }

// probeTools returns a write, a destructive and a may-destroy tool; each
// counts its executions in ran. world is the state a confirmation previews:
// changing it between preview and confirmation changes the effect.
func probeTools(ran, world *atomic.Int32) []kit.Tool {
	handler := func(ctx context.Context, c *kit.Call, a probeArgs) (probeResult, error) {
		t, err := c.Target(ctx, config.KindONTAP, a.Target)
		if err != nil {
			return probeResult{}, err
		}
		if c.Request().Params.Name != "probe_write" && (c.Request().Params.Name == "probe_delete" || a.Mode == "slow") {
			if err := c.Confirm(ctx, "Delete thing "+a.Name, map[string]any{"name": a.Name, "target": t.Name, "world": world.Load()},
				map[string]any{"world": world.Load()}); err != nil {
				return probeResult{}, err
			}
		}
		ran.Add(1)
		return probeResult{Done: a.Name, Target: t.Name}, nil
	}
	return []kit.Tool{
		kit.Define(kit.Meta{Name: "probe_write", Title: "Probe write", Description: "Writes.", Toolset: "probe", Tier: safety.Write}, handler),
		kit.Define(kit.Meta{Name: "probe_delete", Title: "Probe delete", Description: "Deletes.", Toolset: "probe", Tier: safety.Destructive}, handler),
		kit.Define(kit.Meta{Name: "probe_maybe", Title: "Probe maybe", Description: "Deletes when mode is slow.", Toolset: "probe", Tier: safety.Write, MayDestroy: true}, handler),
	}
}

type testServer struct {
	*Server
	ran   *atomic.Int32
	world *atomic.Int32
	audit *strings.Builder
}

func newTestServer(t *testing.T, mutate func(*Options)) *testServer {
	t.Helper()
	cfg := &config.Config{Targets: []config.Target{{Name: "ontap-a", Kind: config.KindONTAP, Host: "127.0.0.1", Port: 1, Username: "admin", Password: config.NewSecret("pw-not-for-logs")}}}
	cfg.Safety.WriteParallelism = 1
	cfg.Safety.ConfirmTTL = config.Duration(5 * time.Minute)
	opts := Options{Config: cfg}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: s, ran: &atomic.Int32{}, world: &atomic.Int32{}, audit: &strings.Builder{}}
	s.Env.Audit = safety.NewAuditor(&lockedWriter{w: ts.audit})
	s.Register(probeTools(ts.ran, ts.world)...)
	return ts
}

func connect(t *testing.T, s *Server, opts ...client.ClientOption) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClientWithOptions(s.MCP, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "test-client", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

func structuredMap(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
	return m
}

func toolNames(t *testing.T, c *client.Client) []string {
	t.Helper()
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

type elicitFunc func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error)

func (f elicitFunc) Elicit(ctx context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(ctx, r)
}

func answer(action mcp.ElicitationResponseAction, confirm bool, asked *atomic.Int32) elicitFunc {
	return func(_ context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		asked.Add(1)
		if !strings.Contains(r.Params.Message, "Delete thing") {
			return nil, fmt.Errorf("message lacks the action: %q", r.Params.Message)
		}
		res := &mcp.ElicitationResult{}
		res.Action = action
		res.Content = map[string]any{"confirm": confirm}
		return res, nil
	}
}

// lockedWriter lets the audit be read while calls still write it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// unfinishedCalls returns the audit ids that have an intent but no
// outcome: a call that ended must never look cut off.
func unfinishedCalls(t *testing.T, audit string) []string {
	t.Helper()
	open := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(audit), "\n") {
		var r safety.Record
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		switch r.Phase {
		case safety.PhaseIntent:
			open[r.ID] = true
		case safety.PhaseOutcome:
			delete(open, r.ID)
		}
	}
	var ids []string
	for id := range open {
		ids = append(ids, id)
	}
	return ids
}
