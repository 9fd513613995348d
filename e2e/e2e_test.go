// Package e2e holds black-box tests: MCP clients we did not write drive the
// built recovery-mcp binary (serve --demo) over stdio, legacy SSE (/sse) and
// streamable HTTP (/mcp). The clients are the official TypeScript SDK clients
// (@modelcontextprotocol/sdk 1.x and @modelcontextprotocol/client 2.x, the
// latter in both protocol eras), the MCP Inspector CLI and the MCP
// conformance suite, pinned in node/package.json.
//
// They need Node.js (>= 20 on PATH) and the npm packages: cd e2e/node && npm ci
// (which also installs Node 22, for the Inspector and the conformance suite,
// into node/node_modules/node). Without them each test skips with one line
// saying so; when CI is set, a missing prerequisite fails the test instead.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// authToken is what the HTTP servers of the client matrix require.
	authToken = "e2e-token-0123456789abcdef"
	// scriptTimeout bounds one Node process (a client script, one
	// Inspector call, one conformance scenario). A client script gives up
	// on its own after the first step that takes 30 s.
	scriptTimeout = 90 * time.Second
	// enable is how to turn these tests on; every skip line ends with it.
	enable = "to enable: cd e2e/node && npm ci"
)

var (
	nodeDir = mustAbs("node")

	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

func TestMain(m *testing.M) {
	installClients()
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// ---- prerequisites

// installClients runs `npm ci` in e2e/node when Node and npm are on PATH
// and the pinned packages are missing or stale, so the README's one test
// command runs these tests wherever Node is present. Set
// RECOVERY_MCP_E2E_NO_INSTALL=1 to keep it from touching node_modules.
func installClients() {
	if os.Getenv("RECOVERY_MCP_E2E_NO_INSTALL") == "1" {
		return
	}
	if checkInstalled("@modelcontextprotocol/sdk", "@modelcontextprotocol/client", "node",
		"@modelcontextprotocol/inspector", "@modelcontextprotocol/conformance", "@modelcontextprotocol/ext-apps") == "" {
		return
	}
	npm, err := exec.LookPath("npm")
	if _, nerr := exec.LookPath("node"); err != nil || nerr != nil {
		return // the tests say what is missing
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fmt.Fprintln(os.Stderr, "e2e: installing the pinned MCP clients (cd e2e/node && npm ci)")
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = nodeDir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: npm ci failed:", err)
	}
}

// inCI reports whether CI is set (to anything but "", "0" or "false").
func inCI() bool {
	v := strings.TrimSpace(os.Getenv("CI"))
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// missing skips the test with one line saying what is missing and how to
// enable it, or fails it under CI, so CI can never silently run nothing.
func missing(t *testing.T, what string) {
	t.Helper()
	if inCI() {
		t.Fatalf("e2e: %s; %s (CI is set, so a missing prerequisite fails instead of skipping)", what, enable)
	}
	t.Skipf("e2e: skipped: %s; %s", what, enable)
}

// nodeMajorMinor runs `node --version` and returns major and minor.
func nodeMajorMinor(node string) (int, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return 0, 0, err
	}
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, fmt.Errorf("unexpected node --version %q", out)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("unexpected node --version %q", out)
	}
	return major, minor, nil
}

// checkInstalled reports the first pinned npm package (package.json) that
// node_modules lacks or holds at another version, or "".
func checkInstalled(pkgs ...string) string {
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	raw, err := os.ReadFile(filepath.Join(nodeDir, "package.json"))
	if err != nil {
		return "e2e/node/package.json is unreadable: " + err.Error()
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return "e2e/node/package.json: " + err.Error()
	}
	for _, p := range pkgs {
		var installed struct {
			Version string `json:"version"`
		}
		raw, err := os.ReadFile(filepath.Join(nodeDir, "node_modules", p, "package.json"))
		if err != nil && p == "node" {
			return "Node 22 (npm package node, pinned in e2e/node/package.json) is not installed in e2e/node/node_modules"
		}
		if err != nil {
			return "e2e/node/node_modules is not installed (no " + p + ")"
		}
		_ = json.Unmarshal(raw, &installed)
		if want := manifest.Dependencies[p]; installed.Version != want {
			return fmt.Sprintf("e2e/node/node_modules is stale (%s is %s, package.json pins %s)", p, installed.Version, want)
		}
	}
	return ""
}

// requireClients checks for the SDK clients and returns the node that runs
// them: node on PATH when it is >= 20 (they need it), else the Node 22 that
// npm ci puts in e2e/node/node_modules/node (e.g. beside Debian's Node 18).
func requireClients(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH (install Node.js >= 20 and npm)")
	}
	if msg := checkInstalled("@modelcontextprotocol/sdk", "@modelcontextprotocol/client"); msg != "" {
		missing(t, msg)
	}
	major, _, err := nodeMajorMinor(node)
	if err != nil {
		missing(t, "node --version failed: "+err.Error())
	}
	if major >= 20 {
		return node
	}
	local := filepath.Join(nodeDir, "node_modules", "node", "bin", "node")
	if m, _, err := nodeMajorMinor(local); err == nil && m >= 20 {
		t.Logf("node on PATH is v%d; running the SDK clients with %s", major, local)
		return local
	}
	missing(t, fmt.Sprintf("node on PATH is v%d, the SDK clients need Node.js >= 20", major))
	return ""
}

// requireNode22 returns the Node 22 binary that `npm ci` installs from the
// npm package node@22 (the Inspector and the conformance suite need
// Node >= 22.19), after checking those two packages are installed.
func requireNode22(t *testing.T) string {
	t.Helper()
	if msg := checkInstalled("node", "@modelcontextprotocol/inspector", "@modelcontextprotocol/conformance"); msg != "" {
		missing(t, msg)
	}
	node22 := filepath.Join(nodeDir, "node_modules", "node", "bin", "node")
	major, minor, err := nodeMajorMinor(node22)
	if err != nil {
		missing(t, "Node 22 from e2e/node/node_modules/node does not run: "+err.Error())
	}
	if major < 22 || major == 22 && minor < 19 {
		missing(t, fmt.Sprintf("e2e/node/node_modules/node is v%d.%d, the Inspector and conformance suite need >= 22.19", major, minor))
	}
	return node22
}

// binary builds recovery-mcp once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "recovery-mcp-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "recovery-mcp")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/recovery-mcp")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/recovery-mcp: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// catalogue returns the tool names the binary itself reports (tools --json).
func catalogue(t *testing.T, bin string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "tools", "--json").Output()
	if err != nil {
		t.Fatalf("recovery-mcp tools --json: %v", err)
	}
	var tools []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(out, &tools); err != nil {
		t.Fatalf("recovery-mcp tools --json: %v", err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return names
}

// ---- the server over HTTP

// syncBuffer collects a process's output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type httpServer struct {
	base string // http://127.0.0.1:PORT
	out  *syncBuffer
	done chan struct{}
	err  error // the exit status, once done is closed
}

// exited reports whether the server has stopped.
func (s *httpServer) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer runs `recovery-mcp serve --demo --transport transport` on a
// free loopback port, with --auth-token-file when token is set, and waits
// for /healthz. The server is interrupted and awaited at cleanup; its log
// goes to the test log when the test failed.
func startServer(t *testing.T, bin, transport, token string) *httpServer {
	t.Helper()
	args := []string{"serve", "--demo", "--transport", transport, "--log-level", "warn"}
	if token != "" {
		f := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(f, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--auth-token-file", f)
	}
	var lastErr error
	// The port is free when picked but could be taken before the server
	// binds it: try a few.
	for attempt := 0; attempt < 3; attempt++ {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
		s := &httpServer{base: "http://" + addr, out: &syncBuffer{}, done: make(chan struct{})}
		cmd := exec.Command(bin, append(args, "--addr", addr)...)
		cmd.Stdout, cmd.Stderr = s.out, s.out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { s.err = cmd.Wait(); close(s.done) }()
		if lastErr = waitHealthy(s, 30*time.Second); lastErr == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Signal(os.Interrupt)
				select {
				case <-s.done:
					if s.err != nil {
						t.Errorf("recovery-mcp serve --transport %s did not shut down cleanly on SIGINT: %v", transport, s.err)
					}
				case <-time.After(15 * time.Second):
					_ = cmd.Process.Kill()
					<-s.done
					t.Errorf("recovery-mcp serve --transport %s did not stop within 15s of SIGINT", transport)
				}
				if out := strings.TrimSpace(s.out.String()); t.Failed() && out != "" {
					t.Logf("server log (%s):\n%s", transport, out)
				}
			})
			return s
		}
		_ = cmd.Process.Kill()
		<-s.done
		if !strings.Contains(s.out.String(), "address already in use") {
			break
		}
	}
	t.Fatalf("recovery-mcp serve --transport %s did not become healthy: %v", transport, lastErr)
	return nil
}

func waitHealthy(s *httpServer, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		if s.exited() {
			return fmt.Errorf("exited (%v): %s", s.err, s.out.String())
		}
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no 200 from %s/healthz within %s: %s", s.base, within, s.out.String())
}

// ---- Node processes

type nodeRun struct {
	code           int
	stdout, stderr string
	dur            time.Duration
}

// runNode runs node with args in e2e/node with a bounded time, extra
// environment on top of ours, and returns its exit code and output.
func runNode(t *testing.T, node string, env []string, args ...string) nodeRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = nodeDir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0"), env...)
	// A stdio server started by the script inherits its stderr: do not
	// wait forever for it to let go of the pipe.
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := nodeRun{stdout: stdout.String(), stderr: stderr.String(), dur: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("node %s: no result within %s\nstderr:\n%s", strings.Join(args, " "), scriptTimeout, r.stderr)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("node %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ---- the client matrix

type toolResult struct {
	IsError    bool           `json:"is_error"`
	Structured map[string]any `json:"structured"`
	Text       string         `json:"text"`
}

type progressEvent struct {
	Progress float64  `json:"progress"`
	Total    *float64 `json:"total"`
	Message  *string  `json:"message"`
}

type createResult struct {
	toolResult
	ExtID          string          `json:"ext_id"`
	Progress       []progressEvent `json:"progress"`
	ProgressErrors []string        `json:"progress_errors"`
}

type elicitRun struct {
	Requests []struct {
		Message    string   `json:"message"`
		Properties []string `json:"properties"`
	} `json:"requests"`
	ExtID           string      `json:"ext_id"`
	ProtocolVersion string      `json:"protocol_version"`
	Result          *toolResult `json:"result"`
	After           *toolResult `json:"after"`
}

// scriptResult is the JSON line node/v1.mjs and node/v2.mjs print (see lib.mjs).
type scriptResult struct {
	SDK             string   `json:"sdk"`
	Errors          []string `json:"errors"`
	ProtocolVersion string   `json:"protocol_version"`
	Server          *struct {
		Name string `json:"name"`
	} `json:"server"`
	Tools       []string      `json:"tools"`
	Resources   []string      `json:"resources"`
	Prompts     []string      `json:"prompts"`
	ListTargets *toolResult   `json:"list_targets"`
	ListVMs     *toolResult   `json:"list_vms"`
	Create      *createResult `json:"create"`
	Confirm     *struct {
		First, Between, Second, After *toolResult
	} `json:"confirm"`
	Resource *struct {
		URI      string `json:"uri"`
		MimeType string `json:"mime_type"`
		Text     string `json:"text"`
	} `json:"resource"`
	Prompt *struct {
		Messages int    `json:"messages"`
		Role     string `json:"role"`
		Text     string `json:"text"`
	} `json:"prompt"`
	Elicit map[string]*elicitRun `json:"elicit"`
	Auth   *struct {
		RawWithoutToken *struct {
			Status          int    `json:"status"`
			WWWAuthenticate string `json:"www_authenticate"`
		} `json:"raw_without_token"`
		SDKWithoutToken *struct {
			Connected bool   `json:"connected"`
			Error     string `json:"error"`
		} `json:"sdk_without_token"`
		WithToken *struct {
			Connected bool `json:"connected"`
		} `json:"with_token"`
	} `json:"auth"`
}

const modernEra = "2026-07-28"

type clientCase struct {
	name      string
	script    string // v1.mjs or v2.mjs
	transport string // stdio, sse or http
	mode      string // v2: auto or legacy
	era       string // "modern", "legacy" or "any"
	// elicits: the client declares elicitation and the transport can carry
	// the server's request, so the server asks instead of issuing a token.
	elicits bool
}

var clientCases = []clientCase{
	{name: "sdk-v1/stdio", script: "v1.mjs", transport: "stdio", era: "legacy"},
	{name: "sdk-v1/sse", script: "v1.mjs", transport: "sse", era: "legacy"},
	{name: "sdk-v1/http", script: "v1.mjs", transport: "http", era: "legacy"},
	{name: "client-v2-legacy/stdio", script: "v2.mjs", transport: "stdio", mode: "legacy", era: "legacy", elicits: true},
	// mcp-go v1.2.1's legacy SSE sessions cannot send server-to-client
	// requests (sseSession does not implement SessionWithElicitation), so
	// the server falls back to the confirm token even for a client that
	// declares elicitation. The test asserts that fallback.
	{name: "client-v2-legacy/sse", script: "v2.mjs", transport: "sse", mode: "legacy", era: "legacy"},
	{name: "client-v2-legacy/http", script: "v2.mjs", transport: "http", mode: "legacy", era: "legacy", elicits: true},
	{name: "client-v2-auto/stdio", script: "v2.mjs", transport: "stdio", mode: "auto", era: "modern", elicits: true},
	{name: "client-v2-auto/http", script: "v2.mjs", transport: "http", mode: "auto", era: "modern", elicits: true},
	// In auto mode the v2 client negotiates 2026-07-28 over /sse without
	// that era's Mcp-Method header; the server fills it in from the body
	// (internal/server fillStandardHeaders). Elicitation then works: the
	// modern era carries it in the tool result, not as a server request.
	{name: "client-v2-auto/sse", script: "v2.mjs", transport: "sse", mode: "auto", era: "modern", elicits: true},
}

// TestClients runs the same scenario (lib.mjs) with each client, protocol
// era and transport, and checks what the client saw.
func TestClients(t *testing.T) {
	node := requireClients(t)
	bin := binary(t)
	want := catalogue(t, bin)
	for _, c := range clientCases {
		t.Run(c.name, func(t *testing.T) {
			cfg := map[string]string{"transport": c.transport, "mode": c.mode}
			var srv *httpServer
			switch c.transport {
			case "stdio":
				cfg["bin"] = bin
			case "sse":
				srv = startServer(t, bin, "sse", authToken)
				cfg["url"], cfg["token"] = srv.base+"/sse", authToken
			case "http":
				srv = startServer(t, bin, "http", authToken)
				cfg["url"], cfg["token"] = srv.base+"/mcp", authToken
			}
			raw, _ := json.Marshal(cfg)
			run := runNode(t, node, nil, c.script, string(raw))
			r := parseResult(t, run)
			t.Logf("%s over %s: protocol %s, %s", r.SDK, c.transport, r.ProtocolVersion, run.dur.Round(time.Millisecond))
			if srv != nil && srv.exited() {
				t.Errorf("the server exited during the run: %v", srv.err)
			}
			checkResult(t, c, r, want)
			if t.Failed() && strings.TrimSpace(run.stderr) != "" {
				t.Logf("script stderr:\n%s", run.stderr)
			}
		})
	}
}

func parseResult(t *testing.T, run nodeRun) *scriptResult {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(run.stdout), "\n")
	last := lines[len(lines)-1]
	var r scriptResult
	if run.code != 0 || json.Unmarshal([]byte(last), &r) != nil {
		t.Fatalf("client script failed (exit %d)\nstdout:\n%s\nstderr:\n%s", run.code, run.stdout, run.stderr)
	}
	return &r
}

func checkResult(t *testing.T, c clientCase, r *scriptResult, wantTools []string) {
	t.Helper()
	for _, e := range r.Errors {
		t.Errorf("client step failed: %s", e)
		if strings.HasPrefix(e, "connect:") {
			return // nothing else ran; the script's stderr holds the server's
		}
	}

	switch c.era {
	case "modern":
		if r.ProtocolVersion != modernEra {
			t.Errorf("protocol version %q, want %s (v2 client, auto mode)", r.ProtocolVersion, modernEra)
		}
	case "legacy":
		if r.ProtocolVersion == "" || r.ProtocolVersion >= modernEra {
			t.Errorf("protocol version %q, want a 2025 revision (initialize handshake)", r.ProtocolVersion)
		}
	}
	if r.Server == nil || r.Server.Name != "recovery-mcp" {
		t.Errorf("server info %+v, want name recovery-mcp", r.Server)
	}

	// Listings.
	got := slices.Clone(r.Tools)
	slices.Sort(got)
	if !slices.Equal(got, wantTools) {
		t.Errorf("tools/list: %v\nwant the binary's catalogue (recovery-mcp tools --json): %v", got, wantTools)
	}
	if !slices.Contains(r.Resources, "recovery://targets") {
		t.Errorf("resources/list %v lacks recovery://targets", r.Resources)
	}
	if !slices.Contains(r.Prompts, "plan_recovery") {
		t.Errorf("prompts/list %v lacks plan_recovery", r.Prompts)
	}

	// Read tools.
	var targetNames []string
	if lt := r.ListTargets; lt == nil || lt.IsError {
		t.Errorf("list_targets failed: %+v", lt)
	} else {
		items, _ := lt.Structured["items"].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			name, _ := m["name"].(string)
			targetNames = append(targetNames, name)
		}
		if len(items) != 5 || num(lt.Structured["total"]) != 5 {
			t.Errorf("list_targets: %d items, total %v; want the demo's 5 targets: %s", len(items), lt.Structured["total"], lt.Text)
		}
		if !slices.Contains(targetNames, "pc-prod") {
			t.Errorf("list_targets lacks pc-prod: %v", targetNames)
		}
	}
	if lv := r.ListVMs; lv == nil || lv.IsError {
		t.Errorf("nutanix_list_vms {target: pc-prod} failed: %+v", lv)
	} else if !strings.Contains(jsonText(lv.Structured["items"]), `"name":"app-billing-01"`) {
		t.Errorf("nutanix_list_vms on pc-prod lacks app-billing-01: %s", lv.Text)
	}

	// Write tool with progress.
	cr := r.Create
	if cr == nil || cr.IsError || cr.ExtID == "" {
		t.Errorf("nutanix_create_recovery_point {target: pc-prod, vms: [app-billing-01]} failed: %+v", cr)
	} else {
		t.Logf("progress notifications received: %d (best effort; not asserted)", len(cr.Progress))
		checkProgress(t, "create", cr, !(c.transport == "http" && r.ProtocolVersion < modernEra))
	}

	// Destructive tool through the confirm token.
	if cr != nil && cr.ExtID != "" {
		checkConfirmToken(t, r, cr.ExtID)
	}

	// Elicitation (v2 client only).
	if c.script == "v2.mjs" {
		checkElicitation(t, c, r)
	}

	// Resource and prompt.
	if res := r.Resource; res == nil {
		t.Errorf("resources/read recovery://targets gave nothing")
	} else {
		if res.URI != "recovery://targets" || res.MimeType != "application/json" {
			t.Errorf("resources/read recovery://targets: uri %q, mime %q", res.URI, res.MimeType)
		}
		var doc struct {
			Targets []struct {
				Name string `json:"name"`
			} `json:"targets"`
		}
		if err := json.Unmarshal([]byte(res.Text), &doc); err != nil {
			t.Errorf("recovery://targets is not JSON: %v: %s", err, res.Text)
		} else {
			var names []string
			for _, tg := range doc.Targets {
				names = append(names, tg.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, slices.Sorted(slices.Values(targetNames))) {
				t.Errorf("recovery://targets names %v, list_targets says %v", names, targetNames)
			}
		}
	}
	if p := r.Prompt; p == nil || p.Messages < 1 || p.Role != "user" || !strings.Contains(p.Text, "app-billing-01") {
		t.Errorf("prompts/get plan_recovery {entity: app-billing-01}: %+v", p)
	}

	// Bearer auth on HTTP transports.
	if c.transport != "stdio" {
		a := r.Auth
		switch {
		case a == nil || a.RawWithoutToken == nil || a.SDKWithoutToken == nil || a.WithToken == nil:
			t.Errorf("auth checks missing: %+v", a)
		default:
			if a.RawWithoutToken.Status != http.StatusUnauthorized || !strings.HasPrefix(a.RawWithoutToken.WWWAuthenticate, "Bearer ") {
				t.Errorf("request without token: status %d, WWW-Authenticate %q; want 401 with a Bearer challenge", a.RawWithoutToken.Status, a.RawWithoutToken.WWWAuthenticate)
			}
			if e := a.SDKWithoutToken; e.Connected || !(strings.Contains(e.Error, "401") || strings.Contains(strings.ToLower(e.Error), "unauthorized")) {
				t.Errorf("SDK client without token: connected %v, error %q; want a 401 refusal", e.Connected, e.Error)
			}
			if !a.WithToken.Connected {
				t.Errorf("SDK client with the token did not connect")
			}
		}
	}
}

// checkProgress: delivery is best effort (reference/mcp-go.md trap 6: over
// stdio the last notifications can come after the response and be dropped),
// so the count is not asserted. What arrives must be well formed and, as the
// spec says "The progress value MUST increase with each notification", carry
// distinct values; where the call's notifications travel on one stream they
// must also arrive in increasing order. ordered is false for the legacy era
// over streamable HTTP: mcp-go v1.2.1 lets the client's standalone GET stream
// and the POST's response stream both consume the session's notification
// channel (server/streamable_http.go handleGet and handlePost), so a call's
// progress may be split over two streams and arrive out of order (seen: 33
// before 0 under load). Loss and reordering never duplicate a value.
func checkProgress(t *testing.T, what string, cr *createResult, ordered bool) {
	t.Helper()
	for _, e := range cr.ProgressErrors {
		t.Errorf("%s: progress handler error: %s", what, e)
	}
	for _, p := range cr.Progress {
		if p.Progress < 0 || p.Total != nil && p.Progress > *p.Total {
			t.Errorf("%s: progress %v out of range (total %v)", what, p.Progress, p.Total)
		}
	}
	t.Run("progress increases", func(t *testing.T) {
		// SERVER BUG (reported, not fixed here): tools/nutanix waitTask sends
		// progress 0 "task ... started" and then relays the first poll,
		// QUEUED at 0%, as progress 0 again (the same happens whenever a
		// task's percent does not move between polls).
		seen := map[float64]string{}
		for _, p := range cr.Progress {
			if prev, dup := seen[p.Progress]; dup {
				t.Errorf("%s: progress %v sent twice (%q, then %q); the spec requires the value to increase with each notification",
					what, p.Progress, prev, str(p.Message))
			}
			seen[p.Progress] = str(p.Message)
		}
		if !ordered {
			return
		}
		for i := 1; i < len(cr.Progress); i++ {
			if a, b := cr.Progress[i-1], cr.Progress[i]; b.Progress < a.Progress {
				t.Errorf("%s: progress went %v -> %v (%q -> %q)", what, a.Progress, b.Progress, str(a.Message), str(b.Message))
			}
		}
	})
}

func checkConfirmToken(t *testing.T, r *scriptResult, extID string) {
	t.Helper()
	cf := r.Confirm
	if cf == nil || cf.First == nil {
		t.Errorf("nutanix_delete_recovery_point without token: no result")
		return
	}
	first := cf.First
	tok, _ := first.Structured["confirm_token"].(string)
	preview, _ := first.Structured["preview"].(map[string]any)
	if first.IsError || first.Structured["confirmation_required"] != true || tok == "" {
		t.Errorf("delete without token: want a non-error result with confirmation_required true and a confirm_token, got %+v", first)
		return
	}
	if preview["ext_id"] != extID {
		t.Errorf("delete preview names %v, want the recovery point %s", preview["ext_id"], extID)
	}
	if cf.Between == nil || cf.Between.IsError {
		t.Errorf("after the preview the recovery point should still exist: %+v", cf.Between)
	}
	if s := cf.Second; s == nil || s.IsError || s.Structured["deleted"] != true || s.Structured["ext_id"] != extID {
		t.Errorf("delete with confirm_token: want deleted true for %s, got %+v", extID, s)
	}
	if a := cf.After; a == nil || !a.IsError || !strings.Contains(a.Text, "404") {
		t.Errorf("after the confirmed delete, nutanix_get_recovery_point should fail with 404: %+v", a)
	}
}

func checkElicitation(t *testing.T, c clientCase, r *scriptResult) {
	t.Helper()
	for _, answer := range []string{"accept", "decline"} {
		e := r.Elicit[answer]
		if e == nil || e.Result == nil {
			t.Errorf("elicitation %s: no result: %+v", answer, e)
			continue
		}
		res := e.Result
		if res.IsError {
			t.Errorf("elicitation %s: delete returned an error: %s", answer, res.Text)
			continue
		}
		if !c.elicits {
			// The transport cannot carry elicitation/create: the server must
			// fall back to the confirm token and change nothing.
			if len(e.Requests) != 0 || res.Structured["confirmation_required"] != true || res.Structured["confirm_token"] == nil {
				t.Errorf("elicitation %s over %s: want the confirm-token fallback and no elicitation request, got %d requests and %+v", answer, c.transport, len(e.Requests), res)
			}
			if e.After == nil || e.After.IsError {
				t.Errorf("elicitation %s over %s: the recovery point should still exist: %+v", answer, c.transport, e.After)
			}
			continue
		}
		if len(e.Requests) != 1 {
			t.Errorf("elicitation %s: the client got %d elicitation requests, want 1 (result: %s)", answer, len(e.Requests), res.Text)
		} else if rq := e.Requests[0]; !slices.Contains(rq.Properties, "confirm") || !strings.Contains(rq.Message, e.ExtID) {
			t.Errorf("elicitation %s: request should ask to confirm deleting %s: %+v", answer, e.ExtID, rq)
		}
		switch answer {
		case "accept":
			if res.Structured["deleted"] != true {
				t.Errorf("elicitation accepted: want deleted true, got %+v", res)
			}
			if e.After == nil || !e.After.IsError {
				t.Errorf("elicitation accepted: the recovery point should be gone: %+v", e.After)
			}
		case "decline":
			if res.Structured["deleted"] == true || res.Structured["cancelled"] != true {
				t.Errorf("elicitation declined: want cancelled true and nothing deleted, got %+v", res)
			}
			if e.After == nil || e.After.IsError {
				t.Errorf("elicitation declined: the recovery point should still exist: %+v", e.After)
			}
		}
	}
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ---- MCP Inspector CLI

// inspectorMain returns the Inspector's launcher script from its package.json.
func inspectorMain(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(nodeDir, "node_modules", "@modelcontextprotocol", "inspector")
	var pkg struct {
		Bin map[string]string `json:"bin"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err == nil {
		err = json.Unmarshal(raw, &pkg)
	}
	if err != nil || pkg.Bin["mcp-inspector"] == "" {
		t.Fatalf("cannot find the Inspector's bin in %s/package.json: %v", dir, err)
	}
	return filepath.Join(dir, pkg.Bin["mcp-inspector"])
}

// TestInspectorCLI drives the binary with the MCP Inspector CLI (v2, on
// Node 22): over stdio it lists tools, calls list_targets and a failing
// read, checking exit codes and JSON output; over streamable HTTP it reads a
// resource with and without the bearer token.
func TestInspectorCLI(t *testing.T) {
	node22 := requireNode22(t)
	bin := binary(t)
	inspector := inspectorMain(t)
	env := []string{"HOME=" + t.TempDir()} // it writes ~/.mcp-inspector
	stdio := []string{inspector, "--cli", bin, "serve", "--demo", "--log-level", "warn", "--"}

	// inspect runs the Inspector CLI and returns the result envelope it
	// prints on stdout and the error envelope it prints on stderr (either
	// may be absent).
	type envelope struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	inspect := func(t *testing.T, wantCode int, args ...string) (result, failure envelope) {
		t.Helper()
		run := runNode(t, node22, env, args...)
		t.Logf("inspector %s: exit %d in %s", strings.Join(args[2:], " "), run.code, run.dur.Round(time.Millisecond))
		if run.code != wantCode {
			t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", run.code, wantCode, cut(run.stdout, 4096), run.stderr)
		}
		if line := lastJSONLine(run.stdout); line != "" {
			if err := json.Unmarshal([]byte(line), &result); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, cut(run.stdout, 4096))
			}
		}
		if line := lastJSONLine(run.stderr); line != "" {
			_ = json.Unmarshal([]byte(line), &failure)
		}
		if wantCode == 0 && result.Result == nil {
			t.Fatalf("no JSON result on stdout\nstdout:\n%s\nstderr:\n%s", cut(run.stdout, 4096), run.stderr)
		}
		return result, failure
	}

	t.Run("stdio tools/list", func(t *testing.T) {
		e, _ := inspect(t, 0, append(stdio, "--method", "tools/list", "--format", "json")...)
		var res struct {
			Tools []struct {
				Name        string         `json:"name"`
				Annotations map[string]any `json:"annotations"`
			} `json:"tools"`
		}
		if err := json.Unmarshal(e.Result, &res); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range res.Tools {
			names = append(names, tl.Name)
			for _, h := range []string{"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} {
				if _, ok := tl.Annotations[h]; !ok {
					t.Errorf("tool %s lacks annotation %s", tl.Name, h)
				}
			}
		}
		slices.Sort(names)
		if want := catalogue(t, bin); !slices.Equal(names, want) {
			t.Errorf("tools %v, want %v", names, want)
		}
	})
	t.Run("stdio tools/call list_targets", func(t *testing.T) {
		e, _ := inspect(t, 0, append(stdio, "--method", "tools/call", "--tool-name", "list_targets", "--format", "json")...)
		var res struct {
			IsError           bool `json:"isError"`
			StructuredContent struct {
				Total int `json:"total"`
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
			} `json:"structuredContent"`
		}
		if err := json.Unmarshal(e.Result, &res); err != nil {
			t.Fatal(err)
		}
		if res.IsError || res.StructuredContent.Total != 5 || len(res.StructuredContent.Items) != 5 {
			t.Errorf("list_targets: want 5 targets, got %s", e.Result)
		}
	})
	t.Run("stdio tool error exits 5", func(t *testing.T) {
		res, fail := inspect(t, 5, append(stdio, "--method", "tools/call", "--tool-name", "nutanix_get_recovery_point",
			"--tool-arg", "target=pc-prod", "--tool-arg", "ext_id=no-such-recovery-point", "--format", "json")...)
		if fail.Error == nil || fail.Error.Code != "tool_is_error" {
			t.Errorf("want the tool_is_error envelope on stderr, got %+v", fail.Error)
		}
		var r struct {
			IsError bool `json:"isError"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		}
		if err := json.Unmarshal(res.Result, &r); err != nil || !r.IsError || len(r.Content) == 0 || !strings.Contains(r.Content[0].Text, "404") {
			t.Errorf("want an isError result naming the backend's 404, got %s", res.Result)
		}
	})
	t.Run("http resources/read with and without token", func(t *testing.T) {
		srv := startServer(t, bin, "http", authToken)
		url := srv.base + "/mcp"
		e, _ := inspect(t, 0, inspector, "--cli", url, "--method", "resources/read", "--uri", "recovery://targets",
			"--header", "Authorization: Bearer "+authToken, "--format", "json")
		if !strings.Contains(string(e.Result), `recovery://targets`) || !strings.Contains(string(e.Result), `pc-prod`) {
			t.Errorf("resources/read recovery://targets: %s", e.Result)
		}
		// Without the token: exit 3 (auth required), without trying an
		// interactive OAuth flow.
		_, fail := inspect(t, 3, inspector, "--cli", url, "--method", "resources/read", "--uri", "recovery://targets",
			"--stored-auth-only", "--format", "json")
		if fail.Error == nil || fail.Error.Code != "auth_required" {
			t.Errorf("want the auth_required envelope on stderr, got %+v", fail.Error)
		}
	})
}

func lastJSONLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "{") {
			return l
		}
	}
	return ""
}

// ---- conformance suite

// conformanceScenarios are the suite's scenarios that test a generic server
// (the others need its fixture tools such as test_simple_text).
var conformanceScenarios = []string{
	"server-initialize",
	"ping",
	"tools-list",
	"resources-list",
	"prompts-list",
	"dns-rebinding-protection",
	"logging-set-level",
}

// TestConformance runs the MCP conformance suite's generic server scenarios
// against streamable HTTP (loopback, no token) with the expected-failures
// baseline conformance-baseline.yml: an unlisted failure fails, and so does a
// listed failure that now passes (stale baseline).
func TestConformance(t *testing.T) {
	node22 := requireNode22(t)
	bin := binary(t)
	cli := filepath.Join(nodeDir, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	baseline := mustAbs("conformance-baseline.yml")
	srv := startServer(t, bin, "http", "")
	env := []string{"HOME=" + t.TempDir()}
	for _, sc := range conformanceScenarios {
		t.Run(sc, func(t *testing.T) {
			out := t.TempDir()
			run := runNode(t, node22, env, cli, "server", "--url", srv.base+"/mcp", "--scenario", sc,
				"--expected-failures", baseline, "-o", out)
			t.Logf("conformance %s: exit %d in %s", sc, run.code, run.dur.Round(time.Millisecond))
			if run.code != 0 {
				t.Errorf("conformance %s failed (exit %d; see the baseline rules in conformance-baseline.yml)\nstdout:\n%s\nstderr:\n%s",
					sc, run.code, run.stdout, run.stderr)
			}
		})
	}
}
