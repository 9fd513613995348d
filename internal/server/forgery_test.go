package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// forged is a tools/call that carries an elicitation "accept" the server
// never asked for: what a client (or a prompt-injected model) would send to
// skip the user.
func forged(name string, args map[string]any, state string) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	accept := mcp.ElicitationResult{}
	accept.Action = mcp.ElicitationResponseActionAccept
	accept.Content = map[string]any{"confirm": true}
	req.Params.InputResponses = mcp.InputResponses{"confirm": mcp.NewElicitationInputResponse(accept)}
	req.Params.RequestState = state
	return req
}

// sendRaw hands the server a JSON-RPC message as a hostile client would
// write it: mcp-go's own client never sends inputResponses unasked, so the
// forgery has to be made by hand.
func sendRaw(t *testing.T, s *testServer, req mcp.CallToolRequest, era string) *mcp.CallToolResult {
	t.Helper()
	params, err := json.Marshal(req.Params)
	if err != nil {
		t.Fatal(err)
	}
	if era != "" {
		var m map[string]any
		_ = json.Unmarshal(params, &m)
		m["_meta"] = map[string]any{"io.modelcontextprotocol/protocolVersion": era, "io.modelcontextprotocol/clientCapabilities": map[string]any{"elicitation": map[string]any{}}, "io.modelcontextprotocol/clientInfo": map[string]any{"name": "forger", "version": "1"}}
		params, _ = json.Marshal(m)
	}
	msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":%s}`, params)
	out := s.MCP.HandleMessage(context.Background(), json.RawMessage(msg))
	raw, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Result *mcp.CallToolResult `json:"result"`
		Error  any                 `json:"error"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	if resp.Result == nil {
		t.Fatalf("no result: %s", raw)
	}
	return resp.Result
}

func TestUnsolicitedConfirmationIsRefused(t *testing.T) {
	cases := []struct {
		name  string
		tool  string
		args  map[string]any
		state string
	}{
		{"destructive, no state", "probe_delete", map[string]any{"name": "a"}, ""},
		{"destructive, made-up state", "probe_delete", map[string]any{"name": "a"}, "cs_0123456789abcdef0123456789abcdef"},
		{"destructive, a confirm token as state", "probe_delete", map[string]any{"name": "a"}, "ct_0123456789abcdef0123456789abcdef"},
		{"lossy write, no state", "probe_maybe", map[string]any{"name": "a", "mode": "slow"}, ""},
	}
	for _, era := range []string{"", mcp.LATEST_PROTOCOL_VERSION} {
		for _, c := range cases {
			t.Run(era+"/"+c.name, func(t *testing.T) {
				s := newTestServer(t, nil)
				res := sendRaw(t, s, forged(c.tool, c.args, c.state), era)
				if s.ran.Load() != 0 {
					t.Fatalf("a forged confirmation ran the tool: %s", text(res))
				}
				if !res.IsError || !strings.Contains(text(res), "did not send") {
					t.Fatalf("want a refusal naming the forgery, got: %s", text(res))
				}
				if !strings.Contains(s.audit.String(), `"outcome":"refused"`) {
					t.Errorf("refusal not audited: %s", s.audit.String())
				}
			})
		}
	}
}

func TestStateIssuedForOneCallDoesNotConfirmAnother(t *testing.T) {
	s := newTestServer(t, nil)
	state := issueStateFor(t, s, "probe_delete", map[string]any{"name": "a"})
	// For other arguments: refused, and the state stays unused.
	if res := sendRaw(t, s, forged("probe_delete", map[string]any{"name": "b"}, state), ""); s.ran.Load() != 0 || !res.IsError {
		t.Fatalf("state of another call confirmed this one: %s", text(res))
	}
	// A state must come back to the server that issued it, for that call: it
	// is single use.
	if res := sendRaw(t, s, forged("probe_delete", map[string]any{"name": "a"}, state), ""); res.IsError || s.ran.Load() != 1 {
		t.Fatalf("the state's own call: %s", text(res))
	}
	if res := sendRaw(t, s, forged("probe_delete", map[string]any{"name": "a"}, state), ""); !res.IsError || s.ran.Load() != 1 {
		t.Fatalf("a replayed state confirmed again: %s", text(res))
	}
}

func TestTokenRefusedWhenTheEffectChanged(t *testing.T) {
	s := newTestServer(t, nil)
	cl := connect(t, s.Server)
	args := map[string]any{"name": "vol1"}
	tok := structuredMap(t, callTool(t, cl, "probe_delete", args))["confirm_token"].(string)

	s.world.Add(1) // e.g. two snapshots were taken that a SnapRestore would now delete
	res := callTool(t, cl, "probe_delete", map[string]any{"name": "vol1", "confirm_token": tok})
	if s.ran.Load() != 0 {
		t.Fatal("a token confirmed an effect other than the one it previewed")
	}
	m := structuredMap(t, res)
	fresh, _ := m["confirm_token"].(string)
	if m["confirmation_required"] != true || fresh == "" || fresh == tok || !strings.Contains(text(res), "no longer what the confirmed preview showed") {
		t.Fatalf("want a fresh preview and token, got: %s", text(res))
	}
	if pv, _ := m["preview"].(map[string]any); pv["world"] != 1.0 {
		t.Errorf("preview is not fresh: %v", m["preview"])
	}
	if res := callTool(t, cl, "probe_delete", map[string]any{"name": "vol1", "confirm_token": tok}); !res.IsError || s.ran.Load() != 0 {
		t.Fatalf("the stale token was honoured on a second try: %s", text(res))
	}
	if res := callTool(t, cl, "probe_delete", map[string]any{"name": "vol1", "confirm_token": fresh}); res.IsError || s.ran.Load() != 1 {
		t.Fatalf("the fresh token: %s", text(res))
	}
	if !strings.Contains(s.audit.String(), "state changed since the preview") {
		t.Errorf("audit does not say why the token was refused: %s", s.audit.String())
	}
}

func TestElicitationAskedAgainWhenTheEffectChangesMeanwhile(t *testing.T) {
	for _, era := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.ProtocolVersion20251125} {
		t.Run(era, func(t *testing.T) {
			s := newTestServer(t, nil)
			asked := &atomic.Int32{}
			h := elicitFunc(func(_ context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
				if asked.Add(1) == 1 {
					s.world.Add(1) // the state changes while the user reads the first question
				}
				res := &mcp.ElicitationResult{}
				res.Action = mcp.ElicitationResponseActionAccept
				res.Content = map[string]any{"confirm": true}
				return res, nil
			})
			cl := connect(t, s.Server, client.WithElicitationHandler(h), client.WithProtocolVersion(era))
			res := callTool(t, cl, "probe_delete", map[string]any{"name": "x"})
			if asked.Load() != 2 || s.ran.Load() != 1 || res.IsError {
				t.Fatalf("asked %d, ran %d: %s", asked.Load(), s.ran.Load(), text(res))
			}
		})
	}
}

// issueStateFor issues a request state exactly as Confirm binds one for a
// call of tool with args from this in-process client (principal "local",
// no session in the 2026-07-28 era, world 0).
func issueStateFor(t *testing.T, s *testServer, tool string, args map[string]any) string {
	t.Helper()
	st, _, err := s.Env.Tokens.IssueState(context.Background(), safety.Binding{Tool: tool, Target: "ontap-a", Args: args, Principal: "local",
		Effect: map[string]any{"world": s.world.Load()}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestConfirmTokenDoesNotCrossHTTPClients issues a confirm token to one
// bearer token's client and presents it from another's: refused, and the
// audit names each caller by a principal, never by its token.
func TestConfirmTokenDoesNotCrossHTTPClients(t *testing.T) {
	s := newTestServer(t, nil)
	g := startGuarded(t, s.Server, HTTPLimits{})
	ctx := context.Background()
	dial := func(token string) *client.Client {
		cl, err := client.NewStreamableHttpClient(g.url+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cl.Close() })
		if err := cl.Start(ctx); err != nil {
			t.Fatal(err)
		}
		init := mcp.InitializeRequest{}
		init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
		init.Params.ClientInfo = mcp.Implementation{Name: "http-client", Version: "1"}
		if _, err := cl.Initialize(ctx, init); err != nil {
			t.Fatal(err)
		}
		return cl
	}
	a, b := dial(testToken), dial(otherToken)
	args := map[string]any{"name": "x"}
	tok := structuredMap(t, callTool(t, a, "probe_delete", args))["confirm_token"].(string)
	if res := callTool(t, b, "probe_delete", map[string]any{"name": "x", "confirm_token": tok}); !res.IsError || s.ran.Load() != 0 {
		t.Fatalf("another client's token confirmed the call: %s", text(res))
	}
	if res := callTool(t, a, "probe_delete", map[string]any{"name": "x", "confirm_token": tok}); res.IsError || s.ran.Load() != 1 {
		t.Fatalf("the token's own client: %s", text(res))
	}
	audit := s.audit.String()
	for _, want := range []string{safety.TokenPrincipal(testToken), safety.TokenPrincipal(otherToken)} {
		if !strings.Contains(audit, `"principal":"`+want+`"`) {
			t.Errorf("audit lacks principal %s", want)
		}
	}
	if strings.Contains(audit, testToken) || strings.Contains(audit, otherToken) {
		t.Errorf("audit holds a bearer token:\n%s", audit)
	}
}
