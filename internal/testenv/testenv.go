// Package testenv runs the whole server against the simulated estate for
// tests: the simulators on loopback over HTTPS, the server built exactly as
// `serve --demo` builds it, and a real in-process MCP client. Tool tests
// use it so that every call crosses MCP, the tool kit, the backend client
// and HTTP, as in production.
package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Env is a running server over a simulated estate, with a client.
type Env struct {
	t      testing.TB
	Demo   *server.Demo
	Server *server.Server
	Client *client.Client
}

// Option adjusts the server options.
type Option func(*server.Options)

// Start builds the small estate and the server over it.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return StartEstate(t, fleet.Small(fleet.DefaultNow), opts...)
}

// StartEstate serves est.
func StartEstate(t testing.TB, est *fleet.Estate, opts ...Option) *Env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := server.StartDemo(ctx, est, 1, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	o := d.DemoOptions(server.Options{})
	for _, f := range opts {
		f(&o)
	}
	s, err := server.New(o)
	if err != nil {
		cancel()
		d.Close()
		t.Fatal(err)
	}
	c, err := client.NewInProcessClient(s.MCP)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "testenv", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		s.Close()
		d.Close()
		cancel()
	})
	return &Env{t: t, Demo: d, Server: s, Client: c}
}

// Faults replaces the injected HTTP faults of every simulator.
func (e *Env) Faults(rules ...fault.Rule) { e.Demo.Injector.Set(rules...) }

// Call calls a tool and returns its result; a protocol error fails the test.
func (e *Env) Call(name string, args map[string]any) *mcp.CallToolResult {
	e.t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := e.Client.CallTool(ctx, req)
	if err != nil {
		e.t.Fatalf("%s: protocol error: %v", name, err)
	}
	return res
}

// OK calls a tool that must succeed and returns its structured content.
func (e *Env) OK(name string, args map[string]any) map[string]any {
	e.t.Helper()
	res := e.Call(name, args)
	if res.IsError {
		e.t.Fatalf("%s(%v) failed: %s", name, args, Text(res))
	}
	return Structured(e.t, res)
}

// Err calls a tool that must fail and returns its message.
func (e *Env) Err(name string, args map[string]any) string {
	e.t.Helper()
	res := e.Call(name, args)
	if !res.IsError {
		e.t.Fatalf("%s(%v) succeeded, want an error: %s", name, args, Text(res))
	}
	return Text(res)
}

// Confirmed runs a destructive call through the confirm-token flow: the
// first call must return a preview and change nothing; the second, with the
// token, executes. It returns the preview and the final structured content.
func (e *Env) Confirmed(name string, args map[string]any) (preview, result map[string]any) {
	e.t.Helper()
	first := e.OK(name, args)
	tok, _ := first["confirm_token"].(string)
	if first["confirmation_required"] != true || tok == "" {
		e.t.Fatalf("%s: first call did not ask for confirmation: %v", name, first)
	}
	with := map[string]any{"confirm_token": tok}
	for k, v := range args {
		with[k] = v
	}
	return first, e.OK(name, with)
}

// Text joins a result's text content.
func Text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// Structured decodes a result's structured content into a map.
func Structured(t testing.TB, res *mcp.CallToolResult) map[string]any {
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

// Items returns the items of a list result.
func Items(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", m)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// CallWithProgress calls a tool with a progress token and returns the
// progress values that arrived. Delivery is asynchronous and best effort
// (reference/mcp-go.md trap 6): callers assert "some", never an exact count.
func (e *Env) CallWithProgress(name string, args map[string]any) (*mcp.CallToolResult, []float64) {
	e.t.Helper()
	var mu sync.Mutex
	var got []float64
	token := fmt.Sprintf("progress-%s-%d", name, time.Now().UnixNano())
	e.Client.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method != "notifications/progress" || fmt.Sprint(n.Params.AdditionalFields["progressToken"]) != token {
			return
		}
		if p, ok := n.Params.AdditionalFields["progress"].(float64); ok {
			mu.Lock()
			got = append(got, p)
			mu.Unlock()
		}
	})
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	req.Params.Meta = &mcp.Meta{ProgressToken: token}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := e.Client.CallTool(ctx, req)
	if err != nil {
		e.t.Fatalf("%s: protocol error: %v", name, err)
	}
	time.Sleep(50 * time.Millisecond) // let queued notifications arrive
	mu.Lock()
	defer mu.Unlock()
	return res, append([]float64(nil), got...)
}

// ONTAPViaAIQUM drops the direct ONTAP targets from the configuration, so
// the ONTAP clusters are reached only through the demo's AIQUM target (its
// API gateway), under the same names.
func ONTAPViaAIQUM() Option {
	return func(o *server.Options) {
		cfg := *o.Config
		cfg.Targets = nil
		for _, t := range o.Config.Targets {
			if t.Kind != "ontap" {
				cfg.Targets = append(cfg.Targets, t)
			}
		}
		o.Config = &cfg
	}
}
