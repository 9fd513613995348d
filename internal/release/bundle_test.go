package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/demo"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// enable is how to turn the bundle test on; every skip line ends with it.
const enable = "to enable: cd internal/release/mcpb && npm ci"

func TestMain(m *testing.M) {
	installMCPB()
	os.Exit(m.Run())
}

// installMCPB runs npm ci in internal/release/mcpb when Node and npm are on
// PATH and the pinned mcpb CLI is missing or stale, so the README's one test
// command runs the bundle test wherever Node is present (as e2e does for its
// clients). RECOVERY_MCP_E2E_NO_INSTALL=1 keeps it from touching
// node_modules.
func installMCPB() {
	if os.Getenv("RECOVERY_MCP_E2E_NO_INSTALL") == "1" || mcpbInstalled("mcpb") == "" {
		return
	}
	npm, err := exec.LookPath("npm")
	if _, nerr := exec.LookPath("node"); err != nil || nerr != nil {
		return // TestBundle says what is missing
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fmt.Fprintln(os.Stderr, "release: installing the pinned mcpb CLI (cd internal/release/mcpb && npm ci)")
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = "mcpb"
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "release: npm ci failed:", err)
	}
}

// requireMCPB returns node and the mcpb CLI, or skips the test with one
// line saying what is missing; when CI is set it fails instead, so CI can
// never silently skip the bundle.
func requireMCPB(t *testing.T) (node, cli string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if v := strings.TrimSpace(os.Getenv("CI")); v != "" && v != "0" && !strings.EqualFold(v, "false") {
			t.Fatalf("release: %s; %s (CI is set, so a missing prerequisite fails instead of skipping)", what, enable)
		}
		t.Skipf("release: skipped: %s; %s", what, enable)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH (install Node.js >= 18 and npm)")
	}
	if msg := mcpbInstalled("mcpb"); msg != "" {
		missing(msg)
	}
	cli, err = filepath.Abs(filepath.Join("mcpb", "node_modules", "@anthropic-ai", "mcpb", "dist", "cli", "cli.js"))
	if err != nil {
		t.Fatal(err)
	}
	return node, cli
}

// Sample settings: these secrets must never reach the server's log.
const (
	pcSecret      = "pc-Secret-7f3a91c2"
	ontapSecret   = "ontap-Secret-5d20be84"
	wrongSecret   = "wrong-Secret-c0ffee11"
	unusedSecret  = "unused-Secret-9e1d4477"
	testVersion   = "1.2.3-test.1"
	testCommit    = "0123456789abcdef0123456789abcdef01234567"
	testBuildDate = "2026-12-01T10:00:00Z"
)

// TestBundle builds a release for this machine's platform, validates the
// manifest and packs the bundle with the mcpb CLI, unpacks it with the mcpb
// CLI, and then starts the server exactly as a host would: the command, args
// and env come from the unpacked manifest.json through the mcpb loader's own
// getMcpConfigForManifest (what Claude Desktop runs), with sample settings
// substituted. Over stdio it initializes, lists the tools (which must follow
// the read-only and disable-destructive settings) and calls list_targets
// (which must reach the backend the settings name, with the TLS setting
// they give). The passwords given as settings never appear on stderr or in
// a result.
func TestBundle(t *testing.T) {
	node, cli := requireMCPB(t)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	host := Platform{runtime.GOOS, runtime.GOARCH}
	out := t.TempDir()
	res, err := Build(ctx, Options{
		Root: root, Out: out, Version: testVersion, Commit: testCommit, Date: testBuildDate,
		Platforms: []Platform{host}, Node: node, MCPB: cli,
	})
	if err != nil {
		t.Fatal(err)
	}
	names := checkSums(t, res.Sums, 2)
	wantNames := []string{filepath.Base(res.Archives[0]), "recovery-mcp-" + testVersion + ".mcpb"}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("SHA256SUMS names %v, want %v", names, wantNames)
	}

	// The checked-in manifest validates too (the bundle's was validated by
	// mcpb pack).
	if b, err := runMCPB(ctx, node, cli, "validate", "manifest.json"); err != nil {
		t.Fatalf("mcpb validate manifest.json: %v\n%s", err, b)
	}
	dir := t.TempDir()
	if b, err := runMCPB(ctx, node, cli, "unpack", res.Bundle, dir); err != nil {
		t.Fatalf("mcpb unpack: %v\n%s", err, b)
	}
	var manifest Manifest
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &struct {
		Version *string `json:"version"`
		Tools   *[]Tool `json:"tools"`
	}{&manifest.Version, &manifest.Tools}); err != nil {
		t.Fatal(err)
	}
	if manifest.Version != testVersion || len(manifest.Tools) != len(server.Catalog()) {
		t.Errorf("unpacked manifest: version %q, %d tools", manifest.Version, len(manifest.Tools))
	}

	// The archive carries the same build the bundle does, stamped.
	bin := launchConfig(t, ctx, node, dir, map[string]any{}).binary(t, dir)
	if got, want := archivedBinary(t, res.Archives[0], host), mustRead(t, bin); !bytes.Equal(got, want) {
		t.Errorf("the archive's binary differs from the bundle's (%d and %d bytes)", len(got), len(want))
	}
	vout, err := exec.CommandContext(ctx, bin, "version").Output()
	if err != nil || !strings.Contains(string(vout), "recovery-mcp v"+testVersion+" (commit "+testCommit[:12]+", built "+testBuildDate) {
		t.Errorf("bundled binary's version: %q %v", vout, err)
	}

	// A backend for the quick settings: the simulators, with our secrets.
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	est.PrismCentrals[0].Password = pcSecret
	est.OntapClusters[0].Password = ontapSecret
	sim, err := demo.Start(ctx, demo.Options{Estate: est})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	pc, cluster := sim.Targets[0], sim.Targets[len(est.PrismCentrals)]
	if pc.Kind != "nutanix" || cluster.Kind != "ontap" {
		t.Fatalf("simulator targets: %+v", sim.Targets)
	}
	hostPort := func(tg demo.Target) string { return tg.Host + ":" + strconv.Itoa(tg.Port) }
	quick := func(verify bool) map[string]any {
		return map[string]any{
			"nutanix_host": hostPort(pc), "nutanix_username": pc.Username, "nutanix_password": pcSecret, "nutanix_verify_tls": verify,
			"ontap_host": "https://" + hostPort(cluster) + "/", "ontap_username": cluster.Username, "ontap_password": ontapSecret, "ontap_verify_tls": verify,
		}
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cfgDir := t.TempDir()
	pwFile := filepath.Join(cfgDir, "pc-password")
	if err := os.WriteFile(pwFile, []byte(pcSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(cfgDir, "config.yaml")
	cfgYAML := fmt.Sprintf("targets:\n  - name: pc-from-file\n    kind: nutanix\n    host: %s\n    port: %d\n    username: %s\n    password_file: %s\n    ca_file: %s\n",
		pc.Host, pc.Port, pc.Username, pwFile, pc.CAFile)
	if err := os.WriteFile(cfgFile, []byte(cfgYAML), 0o600); err != nil {
		t.Fatal(err)
	}

	type target struct {
		Name      string `json:"name"`
		Kind      string `json:"kind"`
		Username  string `json:"username"`
		TLSVerify bool   `json:"tls_verify"`
		Reachable bool   `json:"reachable"`
		Error     string `json:"error"`
	}
	cases := []bundleCase{
		{"demo mode, defaults: destructive tools off", with(map[string]any{"demo": true},
			"nutanix_host", "pc.example.invalid", "nutanix_password", unusedSecret),
			nil, []safety.Tier{safety.Read, safety.Write},
			map[string]bool{"pc-prod": true, "pc-dr": true, "ontap-prod": true, "ontap-dr": true, "aiqum": true}, true, []string{unusedSecret}},
		{"quick settings, TLS not verified, read-only", with(quick(false), "read_only", true),
			nil, []safety.Tier{safety.Read},
			map[string]bool{"nutanix": true, "ontap": true}, false, []string{pcSecret, ontapSecret}},
		{"quick settings, TLS verified against the system's trust store, destructive on", with(quick(true), "disable_destructive", false),
			[]string{"SSL_CERT_FILE=" + pc.CAFile}, []safety.Tier{safety.Read, safety.Write, safety.Destructive},
			map[string]bool{"nutanix": true, "ontap": true}, true, []string{pcSecret, ontapSecret}},
		{"quick settings, TLS verified, certificate not trusted", quick(true),
			nil, []safety.Tier{safety.Read, safety.Write},
			map[string]bool{"nutanix": false, "ontap": false}, true, []string{pcSecret, ontapSecret}},
		{"quick settings, wrong password", with(quick(false), "nutanix_password", wrongSecret),
			nil, []safety.Tier{safety.Read, safety.Write},
			map[string]bool{"nutanix": false, "ontap": true}, false, []string{wrongSecret, ontapSecret}},
		{"config file", map[string]any{"config_file": cfgFile},
			nil, []safety.Tier{safety.Read, safety.Write},
			map[string]bool{"pc-from-file": true}, true, []string{pcSecret}},
	}
	if runtime.GOOS != "linux" {
		// SSL_CERT_FILE is how Go reads extra roots on Linux only.
		cases = slices.DeleteFunc(cases, func(c bundleCase) bool { return len(c.extraEnv) > 0 })
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lc := launchConfig(t, ctx, node, dir, c.settings)
			var want []string
			for _, tl := range server.Catalog() {
				if slices.Contains(c.tiers, tl.Tier) {
					want = append(want, tl.Name)
				}
			}
			stderr, tools, listed, text := lc.session(t, ctx, c.extraEnv)
			if !slices.Equal(tools, want) {
				t.Errorf("tools/list gave %d tools, want %d (tiers %v)\n got: %v\nwant: %v", len(tools), len(want), c.tiers, tools, want)
			}
			var got struct {
				Items []target `json:"items"`
			}
			if err := json.Unmarshal(listed, &got); err != nil {
				t.Fatalf("list_targets: %v: %s", err, listed)
			}
			if len(got.Items) != len(c.wantTargets) {
				t.Errorf("list_targets: %s", listed)
			}
			for _, it := range got.Items {
				healthy, ok := c.wantTargets[it.Name]
				wantUser := "admin"
				if it.Kind == "aiqum" {
					wantUser = "umadmin" // the demo's Unified Manager user
				}
				if !ok || (it.Reachable && it.Error == "") != healthy || it.TLSVerify != c.wantVerify || it.Username != wantUser {
					t.Errorf("target %+v, want working %v, tls_verify %v, user admin", it, healthy, c.wantVerify)
				}
			}
			for _, s := range c.secrets {
				if strings.Contains(stderr, s) {
					t.Errorf("the server's stderr holds a password given as a setting:\n%s", stderr)
				}
				if bytes.Contains(listed, []byte(s)) || strings.Contains(text, s) {
					t.Errorf("list_targets holds a password: %s", listed)
				}
			}
			if !strings.Contains(stderr, "serving MCP on stdio") {
				t.Errorf("stderr lacks the start-up log line (is it logging at all?):\n%s", stderr)
			}
		})
	}
}

// TestLaunchPerPlatform resolves the checked-in manifest as the mcpb
// loader does on each platform, with no settings given: the command must be
// the binary a full bundle carries for that platform (written with that
// platform's separators), and every variable must hold its setting's
// default, never a placeholder.
func TestLaunchPerPlatform(t *testing.T) {
	node, _ := requireMCPB(t)
	paths := map[string]string{"darwin": darwinBinary, "win32": windowsBinary, "linux": linuxLauncher}
	m := buildManifest(devVersion, allPlatforms)
	if len(m.Compatibility.Platforms) != len(paths) {
		t.Fatalf("platforms %v", m.Compatibility.Platforms)
	}
	for _, platform := range m.Compatibility.Platforms {
		t.Run(platform, func(t *testing.T) {
			ext, sep := "/Users/me/Claude/Extensions/recovery-mcp", "/"
			if platform == "win32" {
				ext, sep = `C:\Users\me\AppData\Roaming\Claude\Claude Extensions\recovery-mcp`, `\`
			}
			l := launchConfig(t, t.Context(), node, ".", map[string]any{}, "MCPB_PLATFORM="+platform, "MCPB_EXTENSION_PATH="+ext)
			if want := ext + sep + strings.ReplaceAll(paths[platform], "/", sep); l.Command != want {
				t.Errorf("command %q, want %q", l.Command, want)
			}
			if !slices.Equal(l.Args, []string{"serve"}) {
				t.Errorf("args %q", l.Args)
			}
			for _, s := range m.UserConfig {
				if want := fmt.Sprint(s.Default); l.Env[s.Env] != want {
					t.Errorf("%s=%q, want the default of %s, %q", s.Env, l.Env[s.Env], s.Key, want)
				}
			}
		})
	}
}

// bundleCase is one start of the bundle with some settings.
type bundleCase struct {
	name     string
	settings map[string]any
	extraEnv []string      // beside the host's environment
	tiers    []safety.Tier // the tiers tools/list must offer
	// wantTargets maps each target list_targets must show to whether it
	// works (reachable, no error).
	wantTargets map[string]bool
	wantVerify  bool
	secrets     []string // must appear nowhere
}

// launch is the command line and environment a host starts.
type launch struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
}

// launchConfig asks the mcpb loader (mcpb/mcpconfig.mjs) what a host
// launches for the unpacked bundle in dir with these settings.
func launchConfig(t *testing.T, ctx context.Context, node, dir string, settings map[string]any, env ...string) launch {
	t.Helper()
	in, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join("mcpb", "mcpconfig.mjs"), dir)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mcpconfig.mjs: %v\n%s", err, stderr.String())
	}
	var l launch
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatalf("mcpconfig.mjs: %v: %s", err, out)
	}
	for k, v := range l.Env {
		if strings.Contains(v, "${") {
			t.Fatalf("env %s=%q still holds a placeholder", k, v)
		}
	}
	return l
}

// binary is the executable the launch ends in: on Linux the launcher
// script picks recovery-mcp-<arch> beside it.
func (l launch) binary(t *testing.T, dir string) string {
	t.Helper()
	if !strings.HasPrefix(l.Command, dir) {
		t.Fatalf("command %q is outside the bundle %s", l.Command, dir)
	}
	if runtime.GOOS == "linux" {
		return l.Command + "-" + runtime.GOARCH
	}
	return l.Command
}

// session starts the server as launched, with the inherited environment
// minus our own variables plus extra, initializes, lists the tools and
// calls list_targets. It returns stderr, the tool names, and list_targets'
// structured content and text.
func (l launch) session(t *testing.T, ctx context.Context, extra []string) (stderrLog string, tools []string, structured []byte, text string) {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "NUTANIX_") && !strings.HasPrefix(k, "ONTAP_") && !strings.HasPrefix(k, "RECOVERY_MCP_") && k != "SSL_CERT_FILE" {
			env = append(env, kv)
		}
	}
	for k, v := range l.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, extra...)
	stderr := &lockedBuffer{}
	tr := transport.NewStdioWithOptions(l.Command, nil, l.Args, transport.WithCommandFunc(
		func(ctx context.Context, command string, _ []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env = env
			cmd.Stderr = stderr
			return cmd, nil
		}))
	c := client.NewClient(tr)
	sctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := c.Start(sctx); err != nil {
		t.Fatalf("start %s: %v", l.Command, err)
	}
	defer func() { _ = c.Close() }()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bundle-test", Version: "1"}
	ir, err := c.Initialize(sctx, init)
	if err != nil {
		t.Fatalf("initialize: %v\nstderr:\n%s", err, stderr.String())
	}
	if ir.ServerInfo.Version != "v"+testVersion {
		t.Errorf("server version %q, want v%s", ir.ServerInfo.Version, testVersion)
	}
	req := mcp.ListToolsRequest{}
	for {
		lr, err := c.ListTools(sctx, req)
		if err != nil {
			t.Fatalf("tools/list: %v\nstderr:\n%s", err, stderr.String())
		}
		for _, tl := range lr.Tools {
			tools = append(tools, tl.Name)
		}
		if lr.NextCursor == "" {
			break
		}
		req.Params.Cursor = lr.NextCursor
	}
	slices.Sort(tools)
	call := mcp.CallToolRequest{}
	call.Params.Name = "list_targets"
	cr, err := c.CallTool(sctx, call)
	if err != nil || cr.IsError {
		t.Fatalf("list_targets: %v %+v\nstderr:\n%s", err, cr, stderr.String())
	}
	structured, err = json.Marshal(cr.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, content := range cr.Content {
		if tc, ok := content.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	_ = c.Close()
	return stderr.String(), tools, structured, b.String()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archivedBinary returns the server binary inside a release archive.
func archivedBinary(t *testing.T, archive string, p Platform) []byte {
	t.Helper()
	if strings.HasSuffix(archive, ".zip") {
		zr, err := zip.OpenReader(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if filepath.Base(f.Name) == p.exe() {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
		t.Fatalf("%s holds no %s", archive, p.exe())
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s holds no %s: %v", archive, p.exe(), err)
		}
		if filepath.Base(h.Name) == p.exe() {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
