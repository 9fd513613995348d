package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestStdioFraming drives the stdio transport through pipes: every line on
// stdout must be one JSON-RPC message, logs must not reach it.
func TestStdioFraming(t *testing.T) {
	s := newTestServer(t, nil)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeStdio(ctx, inR, outW) }()
	msgs := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"probe_write","arguments":{"name":"x"}}}`,
	}
	go func() {
		for _, m := range msgs {
			io.WriteString(inW, m+"\n")
		}
	}()
	sc := bufio.NewScanner(outR)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	seen := map[float64]bool{}
	for len(seen) < 3 && sc.Scan() {
		var msg struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      float64         `json:"id"`
			Result  json.RawMessage `json:"result"`
			Error   json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg.JSONRPC != "2.0" {
			t.Fatalf("stdout line is not JSON-RPC: %q", sc.Text())
		}
		if msg.Error != nil {
			t.Fatalf("error response: %s", sc.Text())
		}
		seen[msg.ID] = true
		if msg.ID == 2 && !strings.Contains(string(msg.Result), `"list_targets"`) {
			t.Errorf("tools/list: %s", msg.Result)
		}
		if msg.ID == 3 && !strings.Contains(string(msg.Result), `did x`) {
			t.Errorf("tools/call: %s", msg.Result)
		}
	}
	cancel()
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stdio server did not stop")
	}
}

const testToken = "test-token-0123456789"

func TestHTTPAuthAndOrigin(t *testing.T) {
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s.HTTPHandler(HTTPOptions{Transport: "http", AuthToken: testToken, AllowedOrigins: []string{"https://chat.example.com"}}))
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	cases := []struct {
		name   string
		path   string
		auth   string
		origin string
		want   int
	}{
		{"no token", "/mcp", "", "", 401},
		{"wrong token", "/mcp", "Bearer nope", "", 401},
		{"token", "/mcp", "Bearer " + testToken, "", 200},
		{"lowercase bearer", "/mcp", "bearer " + testToken, "", 200},
		{"uppercase bearer", "/mcp", "BEARER  " + testToken, "", 200},
		{"basic scheme", "/mcp", "Basic " + testToken, "", 401},
		{"no scheme", "/mcp", testToken, "", 401},
		{"token glued to the scheme", "/mcp", "Bearer" + testToken, "", 401},
		{"sse without token", "/sse", "", "", 401},
		{"healthz open", "/healthz", "", "", 200},
		{"foreign origin", "/mcp", "Bearer " + testToken, "https://evil.example", 403},
		{"allowed origin", "/mcp", "Bearer " + testToken, "https://chat.example.com", 200},
		{"loopback origin", "/mcp", "Bearer " + testToken, "http://localhost:6274", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := http.MethodPost
			var rd io.Reader = strings.NewReader(body)
			if c.path != "/mcp" {
				method, rd = http.MethodGet, nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, method, srv.URL+c.path, rd)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != c.want {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, b)
			}
			if c.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("401 without WWW-Authenticate: %v", resp.Header)
			}
		})
	}
}

// TestHTTPBothProtocolEras runs the same calls over streamable HTTP with
// the client on its default era (2026-07-28, stateless) and pinned to
// 2025-11-25, and over legacy SSE.
func TestHTTPBothProtocolEras(t *testing.T) {
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s.HTTPHandler(HTTPOptions{Transport: "http", AuthToken: testToken}))
	defer srv.Close()
	auth := map[string]string{"Authorization": "Bearer " + testToken}
	cases := []struct {
		name string
		make func() (*client.Client, error)
	}{
		{"streamable default era", func() (*client.Client, error) {
			return client.NewStreamableHttpClient(srv.URL+"/mcp", transport.WithHTTPHeaders(auth))
		}},
		{"streamable 2025-11-25", func() (*client.Client, error) {
			tr, err := transport.NewStreamableHTTP(srv.URL+"/mcp", transport.WithHTTPHeaders(auth))
			if err != nil {
				return nil, err
			}
			return client.NewClient(tr, client.WithProtocolVersion(mcp.ProtocolVersion20251125)), nil
		}},
		{"legacy sse", func() (*client.Client, error) {
			return client.NewSSEMCPClient(srv.URL+"/sse", transport.WithHeaders(auth))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cl, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if err := cl.Start(ctx); err != nil {
				t.Fatal(err)
			}
			init := mcp.InitializeRequest{}
			init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
			init.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "1"}
			if _, err := cl.Initialize(ctx, init); err != nil {
				t.Fatal(err)
			}
			tools, err := cl.ListTools(ctx, mcp.ListToolsRequest{})
			if err != nil || len(tools.Tools) < 4 {
				t.Fatalf("list tools: %v %v", err, tools)
			}
			req := mcp.CallToolRequest{}
			req.Params.Name = "probe_delete"
			req.Params.Arguments = map[string]any{"name": "x"}
			res, err := cl.CallTool(ctx, req)
			if err != nil || res.IsError || !strings.Contains(text(res), "confirm_token") {
				t.Fatalf("destructive call without elicitation: %v %s", err, text(res))
			}
		})
	}
}

func TestNonLoopbackNeedsToken(t *testing.T) {
	s := newTestServer(t, nil)
	err := s.ServeHTTP(context.Background(), HTTPOptions{Transport: "http", Addr: "0.0.0.0:0"}, nil)
	if err != ErrNeedToken {
		t.Fatalf("got %v", err)
	}
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true, "0.0.0.0:80": false, "10.0.0.1:80": false, ":8080": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%s) = %v", addr, !want)
		}
	}
}

// TestSSEFillsModernHeaders: a 2026-07-28 message on legacy SSE without
// Mcp-Method gets it from its body instead of a header-mismatch refusal.
func TestSSEFillsModernHeaders(t *testing.T) {
	var got http.Header
	h := fillStandardHeaders(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_targets","arguments":{}}}`
	req := httptest.NewRequest(http.MethodPost, "/message?sessionId=x", strings.NewReader(body))
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got.Get("Mcp-Method") != "tools/call" || got.Get("Mcp-Name") != "list_targets" {
		t.Errorf("headers: %v", got)
	}
	req = httptest.NewRequest(http.MethodPost, "/message", strings.NewReader(body))
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got.Get("Mcp-Method") != "" {
		t.Errorf("legacy era got modern headers: %v", got)
	}
}
