package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// The HTTP attack set: every test runs on loopback, with short configured
// timeouts, so that it takes seconds.

const otherToken = "other-token-9876543210"

// guarded serves s over a real listener with the connection limit and the
// server's timeouts, as ServeHTTP does.
type guarded struct {
	url string
	ln  *limitListener
}

func startGuarded(t *testing.T, s *Server, l HTTPLimits) *guarded {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, lln := s.newHTTPServer(HTTPOptions{Transport: "http", AuthTokens: []string{testToken, otherToken}, Limits: l}, ln)
	go func() { _ = srv.Serve(lln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &guarded{url: "http://" + ln.Addr().String(), ln: lln}
}

// attackSize scales a connection count to the file descriptors the
// process may open (both ends of each connection are ours).
func attackSize(t *testing.T, want, conns int) int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return want
	}
	fit := (int(rl.Cur) - 256) / (2 * conns)
	if fit < want {
		t.Logf("RLIMIT_NOFILE %d: %d connections of each kind instead of %d", rl.Cur, fit, want)
		return fit
	}
	return want
}

// legitimate runs a full MCP exchange with a fresh client.
func legitimate(ctx context.Context, base, token string) error {
	cl, err := client.NewStreamableHttpClient(base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.Start(ctx); err != nil {
		return err
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "legit", Version: "1"}
	if _, err := cl.Initialize(ctx, init); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "probe_write"
	req.Params.Arguments = map[string]any{"name": "legit"}
	res, err := cl.CallTool(ctx, req)
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	if res.IsError || !strings.Contains(text(res), "did legit") {
		return fmt.Errorf("call: %s", text(res))
	}
	return nil
}

// waitClosed reads from c until the server closes it, and reports whether
// it did so before the client's own deadline.
func waitClosed(c net.Conn, within time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestHTTPSlowAndIdleConnectionsDropped: 1,000 idle connections (half of
// them silent from the start, half idle after a complete request) and
// 1,000 slow bodies are all dropped by the timeouts, and a legitimate
// client gets through while they are held.
func TestHTTPSlowAndIdleConnectionsDropped(t *testing.T) {
	const timeout = 2 * time.Second
	s := newTestServer(t, nil)
	g := startGuarded(t, s.Server, HTTPLimits{ReadHeaderTimeout: timeout, ReadTimeout: timeout, IdleTimeout: timeout, MaxConnections: 4096})
	n := attackSize(t, 1000, 2)
	addr := strings.TrimPrefix(g.url, "http://")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
		return c
	}
	for i := range n {
		c := dial()
		if i%2 == 1 { // a complete request, then idle keep-alive
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("healthz on an idle connection: %v", err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
		}
	}
	for range n { // authenticated, a body that never finishes
		c := dial()
		fmt.Fprintf(c, "POST /mcp HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"jsonrpc\":", addr, testToken)
	}
	held := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := legitimate(ctx, g.url, testToken); err != nil {
		t.Fatalf("legitimate client during the attack: %v", err)
	}
	t.Logf("%d attack connections held; legitimate client served in %v", len(conns), time.Since(held))
	var kept atomic.Int32
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !waitClosed(c, 3*timeout) {
				kept.Add(1)
			}
		}()
	}
	wg.Wait()
	if kept.Load() > 0 {
		t.Fatalf("%d of %d attack connections still open after 3x the timeouts", kept.Load(), len(conns))
	}
}

// TestHTTPConnectionCap: more silent connections than the cap are held in
// the accept queue, not in descriptors, and a legitimate client gets in as
// the header timeout drops them.
func TestHTTPConnectionCap(t *testing.T) {
	const limit = 50
	s := newTestServer(t, nil)
	g := startGuarded(t, s.Server, HTTPLimits{ReadHeaderTimeout: 300 * time.Millisecond, MaxConnections: limit})
	addr := strings.TrimPrefix(g.url, "http://")
	for range 4 * limit {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := legitimate(ctx, g.url, testToken); err != nil {
		t.Fatalf("legitimate client behind %d silent connections: %v", 4*limit, err)
	}
	if p := g.ln.peak.Load(); p > limit {
		t.Fatalf("peak open connections %d, limit %d", p, limit)
	}
}

// countingReader yields n bytes of filler and counts what was read; the
// HTTP client reads it on its own goroutine, hence the atomics.
type countingReader struct {
	left, read atomic.Int64
}

func newCountingReader(n int64) *countingReader {
	r := &countingReader{}
	r.left.Store(n)
	return r
}

func (r *countingReader) Read(p []byte) (int, error) {
	left := r.left.Load()
	if left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), left)
	for i := range p[:n] {
		p[i] = ' '
	}
	r.left.Add(-n)
	r.read.Add(n)
	return int(n), nil
}

// TestHTTPBodyLimit: a 100 MB body gets 413 with a JSON-RPC error, and the
// server stops reading at the limit whether or not the length is declared.
func TestHTTPBodyLimit(t *testing.T) {
	s := newTestServer(t, nil)
	g := startGuarded(t, s.Server, HTTPLimits{MaxBodyBytes: 1 << 20})
	const huge = 100 << 20
	cases := []struct {
		name     string
		size     int64
		declared bool
		want     int
	}{
		{"under the limit", 512 << 10, true, http.StatusOK},
		{"100 MB declared", huge, true, http.StatusRequestEntityTooLarge},
		{"100 MB chunked", huge, false, http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A valid initialize padded with spaces up to size.
			msg := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
			pad := newCountingReader(c.size - int64(len(msg)))
			body := io.MultiReader(strings.NewReader(msg), pad)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			req, _ := http.NewRequest(http.MethodPost, g.url+"/mcp", body)
			if c.declared {
				req.ContentLength = c.size
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				// The server may close while the client still writes; the
				// 413 is then lost to the client, but the server read no
				// more than the limit: check that below.
				t.Logf("client: %v", err)
			} else {
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != c.want {
					t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, c.want, b)
				}
				if c.want == http.StatusRequestEntityTooLarge {
					var e struct {
						JSONRPC string `json:"jsonrpc"`
						Error   struct {
							Code    int    `json:"code"`
							Message string `json:"message"`
						} `json:"error"`
					}
					if json.Unmarshal(b, &e) != nil || e.JSONRPC != "2.0" || e.Error.Code != mcp.INVALID_REQUEST || !strings.Contains(e.Error.Message, "max_body_bytes") {
						t.Errorf("413 body is not a JSON-RPC error: %s", b)
					}
				}
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if c.size == huge {
				if got := pad.read.Load(); got > 32<<20 {
					t.Errorf("the server took %d MB of a 100 MB body", got>>20)
				}
				if grew := after.TotalAlloc - before.TotalAlloc; grew > 48<<20 {
					t.Errorf("%d MB allocated while refusing a 100 MB body", grew>>20)
				}
			}
		})
	}
}

// rawRPC posts a JSON-RPC message in the 2025-11-25 era and returns the
// response; session may be empty.
func rawRPC(t *testing.T, method, url, token, session, body string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// TestHTTPSessions: session ids are validated, die on DELETE and belong to
// the token that created them.
func TestHTTPSessions(t *testing.T) {
	s := newTestServer(t, nil)
	g := startGuarded(t, s.Server, HTTPLimits{})
	resp := rawRPC(t, http.MethodPost, g.url+"/mcp", testToken, "", initBody)
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: %d, session %q", resp.StatusCode, sid)
	}
	rawRPC(t, http.MethodPost, g.url+"/mcp", testToken, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	steps := []struct {
		name    string
		method  string
		token   string
		session string
		body    string
		want    int
	}{
		{"own session", http.MethodPost, testToken, sid, list, 200},
		{"made-up session", http.MethodPost, testToken, "mcp-session-6f1c2a3e-8d4b-4e8f-9a0b-1c2d3e4f5a6b", list, 404},
		{"made-up session, GET stream", http.MethodGet, testToken, "mcp-session-6f1c2a3e-8d4b-4e8f-9a0b-1c2d3e4f5a6b", "", 404},
		{"another token's session", http.MethodPost, otherToken, sid, list, 404},
		{"another token's session, GET stream", http.MethodGet, otherToken, sid, "", 404},
		{"another token deletes it", http.MethodDelete, otherToken, sid, "", 404},
		{"still alive for its owner", http.MethodPost, testToken, sid, list, 200},
		{"owner deletes it", http.MethodDelete, testToken, sid, "", 200},
		{"deleted session", http.MethodPost, testToken, sid, list, 404},
		{"deleted session, GET stream", http.MethodGet, testToken, sid, "", 404},
	}
	for _, st := range steps {
		resp := rawRPC(t, st.method, g.url+"/mcp", st.token, st.session, st.body)
		if resp.StatusCode != st.want {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: status %d, want %d: %s", st.name, resp.StatusCode, st.want, b)
		}
	}
}

// openSSE opens a legacy SSE stream and returns its message endpoint.
func openSSE(t *testing.T, base, token string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sse", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("/sse: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if ep, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.Contains(ep, "sessionId=") {
			return ep
		}
	}
	t.Fatal("no endpoint event")
	return ""
}

// TestHTTPSSEMessageBinding: /message?sessionId= takes only the token that
// opened the stream.
func TestHTTPSSEMessageBinding(t *testing.T) {
	s := newTestServer(t, nil)
	g := startGuarded(t, s.Server, HTTPLimits{})
	ep := openSSE(t, g.url, testToken)
	if !strings.HasPrefix(ep, "http") {
		ep = g.url + ep
	}
	cases := []struct {
		name, url, token string
		want             int
	}{
		{"another token", ep, otherToken, 404},
		{"unknown session", g.url + "/message?sessionId=nope", testToken, 404},
		{"its own token", ep, testToken, 202},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rawRPC(t, http.MethodPost, c.url, c.token, "", initBody)
			if resp.StatusCode != c.want {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, b)
			}
		})
	}
}

// TestHTTPConcurrencyLimit: a client past its concurrent requests gets 429
// with Retry-After; another client is not affected; so for streams.
func TestHTTPConcurrencyLimit(t *testing.T) {
	s := newTestServer(t, nil)
	release := make(chan struct{})
	var started sync.WaitGroup
	s.Register(kit.Define(kit.Meta{Name: "probe_block", Title: "Probe block", Description: "Blocks.", Toolset: "probe", Tier: safety.Read},
		func(ctx context.Context, _ *kit.Call, _ struct{}) (probeResult, error) {
			started.Done()
			select {
			case <-release:
			case <-ctx.Done():
			}
			return probeResult{Done: "block"}, nil
		}))
	g := startGuarded(t, s.Server, HTTPLimits{MaxRequestsPerClient: 2, MaxStreamsPerClient: 1})
	sid := rawRPC(t, http.MethodPost, g.url+"/mcp", testToken, "", initBody).Header.Get("Mcp-Session-Id")
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"probe_block","arguments":{}}}`
	var wg sync.WaitGroup
	started.Add(2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := rawRPC(t, http.MethodPost, g.url+"/mcp", testToken, sid, call)
			_, _ = io.Copy(io.Discard, resp.Body)
		}()
	}
	started.Wait()
	over := rawRPC(t, http.MethodPost, g.url+"/mcp", testToken, sid, `{"jsonrpc":"2.0","id":8,"method":"tools/list"}`)
	if over.StatusCode != http.StatusTooManyRequests || over.Header.Get("Retry-After") == "" {
		t.Errorf("third request: %d, Retry-After %q", over.StatusCode, over.Header.Get("Retry-After"))
	}
	other := rawRPC(t, http.MethodPost, g.url+"/mcp", otherToken, "", initBody)
	if other.StatusCode != 200 {
		t.Errorf("another client refused: %d", other.StatusCode)
	}
	close(release)
	wg.Wait()
	after := rawRPC(t, http.MethodPost, g.url+"/mcp", testToken, sid, `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`)
	if after.StatusCode != 200 {
		t.Errorf("after the calls ended: %d", after.StatusCode)
	}

	openSSE(t, g.url, testToken)
	resp := rawRPC(t, http.MethodGet, g.url+"/sse", testToken, "", "")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second stream: %d, want 429", resp.StatusCode)
	}
}
