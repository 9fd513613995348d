package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// chromiumPath is where Debian's chromium package puts the browser;
// CHROMIUM overrides it.
const chromiumPath = "/usr/bin/chromium"

// ArtifactsEnv names a directory where the dashboard test also writes its
// screenshot (CI keeps it); without it the screenshot stays in the test's
// temporary directory, whose path the test logs.
const ArtifactsEnv = "RECOVERY_MCP_ARTIFACTS"

// chromiumFlags are the launch flags that work on a headless CI machine.
func chromiumFlags(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Keep the sandboxed app frame in the page's process so the test
		// can read its DOM (cdp.FromNode); the sandbox attribute still
		// gives it an opaque origin, as a real host does.
		chromedp.Flag("disable-features", "IsolateSandboxedIframes"),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(1000, 980),
	}
}

// TestDashboardInChromium plays an MCP Apps host in real headless Chromium:
// a host page built on the reference SDKs (@modelcontextprotocol/client and
// @modelcontextprotocol/ext-apps' AppBridge, pinned in e2e/node) connects
// to the recovery-mcp binary serving the demo estate over streamable HTTP,
// finds show_dashboard's ui:// page, renders it in a sandboxed iframe and
// hands it the tool's result. The test checks that the page shows the
// numbers of the tool's structured result (health, findings, every success
// metric, runs, approvals; read by a separate Go client, not hard-coded), then changes the server's state (starts a failover that
// waits for approval), clicks Refresh, and checks that the app's tools/call
// went through the host to the server and the page now shows the new run.
// A screenshot is kept (see ArtifactsEnv).
func TestDashboardInChromium(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = chromiumPath
	}
	if _, err := exec.LookPath(chromium); err != nil {
		const why = "e2e: Chromium is not installed at %s; to enable: apt-get install -y chromium (.ci/run does it) or set CHROMIUM"
		if inCI() {
			t.Fatalf(why+" (CI is set, so a missing prerequisite fails instead of skipping)", chromium)
		}
		t.Skipf(why, chromium)
	}
	if msg := checkInstalled("@modelcontextprotocol/client", "@modelcontextprotocol/ext-apps"); msg != "" {
		missing(t, msg)
	}
	srv := startServer(t, binary(t), "http", "")
	mcpURL, err := url.Parse(srv.base + "/mcp")
	if err != nil {
		t.Fatal(err)
	}

	// The host's origin: the host page, the pinned npm packages, and /mcp
	// proxied to the server (a host reaches its MCP server from its own
	// origin; the page in the iframe reaches nothing).
	mux := http.NewServeMux()
	mux.Handle("/mcp", &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(mcpURL); r.Out.URL.Path = "/mcp" }})
	mux.Handle("/node_modules/", http.StripPrefix("/node_modules/", http.FileServer(http.Dir(filepath.Join(nodeDir, "node_modules")))))
	mux.HandleFunc("/host.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(nodeDir, "dashboard-host.html"))
	})
	hostSrv := httptest.NewServer(mux)
	defer hostSrv.Close()

	// A second client, in Go, reads what the page should show.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	gc, err := client.NewStreamableHttpClient(srv.base + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	if err := gc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e-dashboard", Version: "1"}
	if _, err := gc.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	callGo := func(name string, args map[string]any) dashboard {
		t.Helper()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := gc.CallTool(ctx, req)
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %v", name, err, res)
		}
		var d dashboard
		raw, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d
	}
	before := callGo("show_dashboard", map[string]any{})

	bctx, bcancel := chromedp.NewExecAllocator(ctx, append(chromiumFlags(t.TempDir()), chromedp.ExecPath(chromium))...)
	defer bcancel()
	bctx, bcancel = chromedp.NewContext(bctx, chromedp.WithLogf(t.Logf))
	defer bcancel()

	if err := chromedp.Do(bctx, chromedp.Navigate(hostSrv.URL+"/host.html")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	// The iframe's document is replaced when its srcdoc loads, so every
	// wait looks the frame up again rather than holding an old node.
	var frame []*chromedp.Node
	waitApp := func(what, selector string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		var err error
		for time.Now().Before(deadline) {
			wctx, wcancel := context.WithTimeout(bctx, 2*time.Second)
			if frame, err = chromedp.Run(wctx, chromedp.Nodes(chromedp.CSS("iframe"))); err == nil {
				err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(selector), chromedp.FromNode(frame[0])))
			}
			wcancel()
			if err == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: %v; host state: %s", what, err, hostState(bctx))
	}
	appText := func(selector string) string {
		t.Helper()
		rctx, rcancel := context.WithTimeout(bctx, 10*time.Second)
		defer rcancel()
		s, err := chromedp.Run(rctx, chromedp.Text(chromedp.CSS(selector), chromedp.FromNode(frame[0])))
		if err != nil {
			t.Fatalf("read %s: %v", selector, err)
		}
		return strings.TrimSpace(s)
	}

	// It renders the tool result the host handed it.
	waitApp("the app did not render the tool result", `body[data-as-of] #severity .num`)
	h, err := chromedp.Run(bctx, chromedp.Evaluate[hostView](`window.host`))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Errors) > 0 || !h.AppInitialized || h.Height < 400 || h.URI != "ui://recovery-mcp/dashboard" || h.MimeType != "text/html;profile=mcp-app" {
		t.Fatalf("host view: %+v", h)
	}
	if !strings.Contains(string(h.ServerExtensions), `"io.modelcontextprotocol/ui"`) {
		t.Errorf("server extensions seen by the SDK client: %s", h.ServerExtensions)
	}
	checkShown(t, appText, before)

	// Refresh: the server's state changes, the app calls the tool through
	// the host, and the page shows the change.
	run := callGo("workflow_start", map[string]any{"kind": "disaster_recovery",
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_erp_db", "type": "planned"}})
	after := callGo("show_dashboard", map[string]any{})
	if run.ID == "" || len(after.Runs.Approvals) != len(before.Runs.Approvals)+1 {
		t.Fatalf("setup: run %q, approvals %d -> %d", run.ID, len(before.Runs.Approvals), len(after.Runs.Approvals))
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#refresh"), chromedp.FromNode(frame[0]))); err != nil {
		t.Fatal(err)
	}
	waitApp("the refresh did not complete", `body[data-refreshes="1"]`)
	if h, err = chromedp.Run(bctx, chromedp.Evaluate[hostView](`window.host`)); err != nil {
		t.Fatal(err)
	}
	if len(h.ToolCalls) != 1 || h.ToolCalls[0] != "show_dashboard" || len(h.Errors) > 0 {
		t.Errorf("tool calls the host forwarded: %v, errors %v", h.ToolCalls, h.Errors)
	}
	checkShown(t, appText, after)
	if got := appText("#approvals"); !strings.Contains(got, run.ID) {
		t.Errorf("approvals table after refresh lacks the new run %s: %q", run.ID, got)
	}

	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "dashboard.png")
	if dir := os.Getenv(ArtifactsEnv); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		shot = filepath.Join(dir, "dashboard.png")
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot (%d bytes): %s", len(png), shot)
}

// dashboard is the part of show_dashboard's structured result the page
// shows (and workflow_start's run id).
type dashboard struct {
	ID     string `json:"id"`
	Health struct {
		Score             int            `json:"score"`
		EntitiesEvaluated int            `json:"entities_evaluated"`
		Counts            map[string]int `json:"counts"`
		Top               []struct {
			Summary string `json:"summary"`
		} `json:"top_findings"`
	} `json:"health"`
	Metrics struct {
		Period string `json:"period"`
		Items  []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"items"`
	} `json:"metrics"`
	Runs struct {
		ByStatus  map[string]int `json:"by_status"`
		Approvals []struct {
			RunID string `json:"run_id"`
		} `json:"approvals"`
	} `json:"runs"`
}

type hostView struct {
	Errors           []string        `json:"errors"`
	ToolCalls        []string        `json:"toolCalls"`
	AppInitialized   bool            `json:"appInitialized"`
	URI              string          `json:"uri"`
	MimeType         string          `json:"mimeType"`
	ServerExtensions json.RawMessage `json:"serverExtensions"`
	Height           int             `json:"height"` // from ui/notifications/size-changed
}

func hostState(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](`JSON.stringify(window.host)+" "+document.getElementById("state").textContent`))
	if err != nil {
		return err.Error()
	}
	return v
}

// checkShown compares the page with the structured result d.
func checkShown(t *testing.T, appText func(string) string, d dashboard) {
	t.Helper()
	want := map[string]string{
		"#score":           strconv.Itoa(d.Health.Score),
		"#entities":        strconv.Itoa(d.Health.EntitiesEvaluated),
		"#approvals-count": strconv.Itoa(len(d.Runs.Approvals)),
	}
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		want[`#severity .num[data-key="`+sev+`"]`] = strconv.Itoa(d.Health.Counts[sev])
	}
	for _, m := range d.Metrics.Items {
		want[`#metrics tr[data-metric="`+m.ID+`"] td:nth-child(2)`] = m.Text
	}
	if len(d.Metrics.Items) == 0 {
		t.Error("the tool's result has no metrics")
	}
	want["#period"] = d.Metrics.Period
	for status, n := range d.Runs.ByStatus {
		want[`#runs .num[data-key="`+status+`"]`] = strconv.Itoa(n)
	}
	for sel, w := range want {
		if got := appText(sel); got != w {
			t.Errorf("page %s = %q, the tool's result says %s", sel, got, w)
		}
	}
	if len(d.Health.Top) > 0 {
		if got := appText("#findings"); !strings.Contains(got, d.Health.Top[0].Summary) {
			t.Errorf("findings table lacks the most severe finding %q: %q", d.Health.Top[0].Summary, got)
		}
	}
}
