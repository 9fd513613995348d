package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// listChanged counts notifications/tools/list_changed on c.
func listChanged(c *client.Client) *atomic.Int32 {
	var n atomic.Int32
	c.OnNotification(func(note mcp.JSONRPCNotification) {
		if note.Method == mcp.MethodNotificationToolsListChanged {
			n.Add(1)
		}
	})
	return &n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func toolsetOf(name string) string {
	for _, t := range append(Catalog(), DynamicTools()...) {
		if t.Name == name {
			return t.Toolset
		}
	}
	return "probe"
}

func TestDynamicToolsetsEnableSendsListChanged(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.DynamicToolsets = true })
	c := connect(t, ts.Server)
	changed := listChanged(c)

	init := toolNames(t, c)
	for _, n := range init {
		if set := toolsetOf(n); !slices.Contains([]string{"core", "analysis", DynamicToolset, "probe"}, set) {
			t.Errorf("dynamic session starts with %s of toolset %s", n, set)
		}
	}
	for _, want := range []string{"list_targets", "backup_health", "list_available_toolsets", "get_toolset_tools", "enable_toolset"} {
		if !slices.Contains(init, want) {
			t.Errorf("dynamic session lacks %s: %v", want, init)
		}
	}

	list := structuredMap(t, callTool(t, c, "list_available_toolsets", nil))
	enabled := map[string]bool{}
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		enabled[m["name"].(string)] = m["enabled"].(bool)
		if m["description"] == "" || m["tools"].(float64) < 1 {
			t.Errorf("toolset entry %v lacks a description or tools", m)
		}
	}
	if !enabled["core"] || !enabled["analysis"] || enabled["ontap"] || enabled["nutanix"] {
		t.Fatalf("enabled toolsets at start: %v", enabled)
	}

	peek := structuredMap(t, callTool(t, c, "get_toolset_tools", map[string]any{"toolset": "ontap"}))
	if peek["enabled"] != false || len(peek["tools"].([]any)) < 10 {
		t.Errorf("get_toolset_tools ontap: %v", peek)
	}
	if changed.Load() != 0 {
		t.Fatalf("list_changed before any toolset was enabled")
	}

	res := callTool(t, c, "enable_toolset", map[string]any{"toolset": "ontap"})
	if res.IsError || !strings.Contains(text(res), "enabled toolset ontap") {
		t.Fatalf("enable_toolset: %s", text(res))
	}
	waitFor(t, "notifications/tools/list_changed", func() bool { return changed.Load() == 1 })
	after := toolNames(t, c)
	if len(after) <= len(init) || !slices.Contains(after, "ontap_list_volumes") || !slices.Contains(after, "ontap_restore_volume") {
		t.Fatalf("tools after enabling ontap: %d -> %d %v", len(init), len(after), after)
	}
	if slices.Contains(after, "nutanix_list_vms") {
		t.Error("enabling ontap enabled nutanix too")
	}

	// Enabling it again changes nothing and notifies nobody.
	again := structuredMap(t, callTool(t, c, "enable_toolset", map[string]any{"toolset": "ontap"}))
	if again["added"] == true || again["enabled"] != true {
		t.Errorf("second enable: %v", again)
	}
	time.Sleep(50 * time.Millisecond)
	if n := changed.Load(); n != 1 || len(toolNames(t, c)) != len(after) {
		t.Errorf("second enable: %d notifications, tools %d -> %d", n, len(after), len(toolNames(t, c)))
	}

	if res := callTool(t, c, "enable_toolset", map[string]any{"toolset": "nope"}); !res.IsError {
		t.Errorf("unknown toolset accepted: %s", text(res))
	}
}

// TestDynamicToolsetsKeepTheMode: read-only and disable-destructive filter
// a dynamically enabled toolset at list and at call time.
func TestDynamicToolsetsKeepTheMode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Options)
		hidden func(safety.Tier) bool
	}{
		{"read-only", func(o *Options) { o.ReadOnly = true }, func(t safety.Tier) bool { return t != safety.Read }},
		{"disable-destructive", func(o *Options) { o.DisableDestructive = true }, func(t safety.Tier) bool { return t == safety.Destructive }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(o *Options) { o.DynamicToolsets = true; tc.mutate(o) })
			c := connect(t, ts.Server)
			changed := listChanged(c)
			peek := structuredMap(t, callTool(t, c, "get_toolset_tools", map[string]any{"toolset": "ontap"}))
			for _, it := range peek["tools"].([]any) {
				if tier := safety.Tier(it.(map[string]any)["tier"].(string)); tc.hidden(tier) {
					t.Errorf("get_toolset_tools shows %v, hidden in this mode", it)
				}
			}
			if res := callTool(t, c, "enable_toolset", map[string]any{"toolset": "ontap"}); res.IsError {
				t.Fatalf("enable_toolset: %s", text(res))
			}
			waitFor(t, "list_changed", func() bool { return changed.Load() == 1 })
			names := toolNames(t, c)
			if !slices.Contains(names, "ontap_list_volumes") {
				t.Fatalf("read tools missing after enabling: %v", names)
			}
			for _, tool := range Catalog() {
				if tool.Toolset == "ontap" && tc.hidden(tool.Tier) && slices.Contains(names, tool.Name) {
					t.Errorf("%s (%s) listed", tool.Name, tool.Tier)
				}
			}
			// Hidden means not callable either.
			req := mcp.CallToolRequest{}
			req.Params.Name = "ontap_restore_volume"
			req.Params.Arguments = map[string]any{"volume": "v", "snapshot": "s"}
			res, err := c.CallTool(context.Background(), req)
			if err == nil && !res.IsError {
				t.Errorf("hidden ontap_restore_volume was called: %s", text(res))
			}
		})
	}
}

// TestStaticServerDeclaresNoListChanged: without --dynamic-toolsets the
// tool list never changes, so the capability says so and no toolset tools
// are listed.
func TestStaticServerDeclaresNoListChanged(t *testing.T) {
	for _, dynamic := range []bool{false, true} {
		ts := newTestServer(t, func(o *Options) { o.DynamicToolsets = dynamic })
		c, err := client.NewInProcessClient(ts.MCP)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		init := mcp.InitializeRequest{}
		init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
		res, err := c.Initialize(ctx, init)
		if err != nil {
			t.Fatal(err)
		}
		if res.Capabilities.Tools == nil || res.Capabilities.Tools.ListChanged != dynamic {
			t.Errorf("dynamic=%v: tools capability %+v", dynamic, res.Capabilities.Tools)
		}
		if got := slices.Contains(toolNames(t, c), "enable_toolset"); got != dynamic {
			t.Errorf("dynamic=%v: enable_toolset listed=%v", dynamic, got)
		}
		c.Close()
	}
}

// TestDynamicToolsetsOverStdio: over the stdio transport the client gets
// notifications/tools/list_changed after enable_toolset, and a tools/list
// sent after it shows the toolset.
func TestDynamicToolsetsOverStdio(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.DynamicToolsets = true })
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = s.ServeStdio(ctx, inR, outW) }()
	send := func(m string) {
		if _, err := io.WriteString(inW, m+"\n"); err != nil {
			t.Error(err)
		}
	}
	lines := make(chan map[string]any)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				select {
				case lines <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	next := func(pred func(map[string]any) bool) map[string]any {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case m := <-lines:
				if pred(m) {
					return m
				}
			case <-timeout:
				t.Fatal("timed out reading stdout")
				return nil
			}
		}
	}
	id := func(n float64) func(map[string]any) bool {
		return func(m map[string]any) bool { return m["id"] == n }
	}
	go send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if caps := next(id(1))["result"].(map[string]any)["capabilities"].(map[string]any)["tools"]; caps.(map[string]any)["listChanged"] != true {
		t.Fatalf("tools capability %v", caps)
	}
	go send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	go send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"enable_toolset","arguments":{"toolset":"nutanix"}}}`)
	gotNote, gotAnswer := false, false
	for !gotNote || !gotAnswer { // in either order
		m := next(func(m map[string]any) bool {
			return m["method"] == mcp.MethodNotificationToolsListChanged || m["id"] == 2.0
		})
		gotNote = gotNote || m["method"] == mcp.MethodNotificationToolsListChanged
		gotAnswer = gotAnswer || m["id"] == 2.0
	}
	go send(`{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	list := next(id(3))
	raw, _ := json.Marshal(list)
	if !strings.Contains(string(raw), `"nutanix_list_vms"`) || strings.Contains(string(raw), `"ontap_list_volumes"`) {
		t.Errorf("tools/list after enabling nutanix: %s", raw)
	}
	cancel()
	inW.Close()
	outW.Close()
}
