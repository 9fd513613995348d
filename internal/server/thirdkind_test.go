package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// This file adds a third storage kind, "vault" (an imaginary object-lock
// backup appliance), the way a new vendor is added: one value implementing
// vendors.Kind, with its own backend. Nothing outside this file knows it,
// and the test shows it validated by config, probed by list_targets, its
// running work listed by list_running_operations and collected into the
// inventory.

// vaultKind is the whole kind.
type vaultKind struct{}

func (vaultKind) Name() string      { return "vault" }
func (vaultKind) EnvPrefix() string { return "VAULT_" }

func (vaultKind) ApplyDefaults(t *config.Target) {
	if t.Port == 0 {
		t.Port = 8443
	}
}

// Validate: a vault belongs to a site (its own rule, unknown to config).
func (vaultKind) Validate(t config.Target) (string, string) {
	if t.Site == "" {
		return "site", "a vault target needs a site"
	}
	return "", ""
}

// vaultClient is the kind's API client: plain HTTP with basic auth.
type vaultClient struct {
	base     string
	user, pw string
	hc       *http.Client
}

func (c *vaultClient) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.user, c.pw)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (vaultKind) NewClient(t config.Target, o vendors.ClientOptions) (any, error) {
	return &vaultClient{base: t.Endpoint(), user: t.Username, pw: t.Password.Reveal(),
		hc: &http.Client{Timeout: t.Timeout.D(), Transport: &http.Transport{TLSClientConfig: o.TLS}}}, nil
}

func (vaultKind) ProbeRequest(ctx context.Context, t config.Target) (*http.Request, error) {
	return vendors.Request(ctx, t, "/api/about")
}

func (vaultKind) ProbeResult(_ config.Target, status int, body []byte) vendors.ProbeAnswer {
	if status >= 300 {
		return vendors.ProbeAnswer{}
	}
	var a struct{ Product, Version string }
	if err := json.Unmarshal(body, &a); err != nil {
		return vendors.ProbeAnswer{Error: "unreadable answer: " + err.Error()}
	}
	return vendors.ProbeAnswer{Product: a.Product, APIVersion: a.Version}
}

type vaultShelf struct {
	ID, Name string
	Size     int64
	Copies   []struct {
		ID, Name string
		Taken    time.Time
		Bytes    int64
	}
}

func (vaultKind) Collect(ctx context.Context, env vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	c, err := env.Client(t)
	if err != nil {
		return err
	}
	var shelves []vaultShelf
	if err := c.(*vaultClient).get(ctx, "/api/shelves", &shelves); err != nil {
		return fmt.Errorf("shelves: %w", err)
	}
	p.Target.Reachable = true
	for _, s := range shelves {
		p.Estate.Entities = append(p.Estate.Entities, inventory.Entity{Kind: inventory.EntityVolume, ID: s.ID, Name: s.Name,
			Target: t.Name, Site: t.Site, SizeBytes: s.Size, Policy: "vault-daily"})
		for _, cp := range s.Copies {
			p.Estate.RecoveryPoints = append(p.Estate.RecoveryPoints, inventory.RecoveryPoint{ID: cp.ID, Name: cp.Name,
				EntityID: s.ID, EntityKind: inventory.EntityVolume, EntityName: s.Name, Location: inventory.LocationLocal,
				Target: t.Name, Site: t.Site, Created: cp.Taken, SizeBytes: cp.Bytes, Status: inventory.StatusComplete,
				Consistency: inventory.CrashConsistent})
		}
	}
	return nil
}

// Running makes it a vendors.Runner.
func (vaultKind) Running(ctx context.Context, c any, _ config.Target) ([]vendors.Operation, error) {
	var jobs []struct{ ID, What, State string }
	if err := c.(*vaultClient).get(ctx, "/api/jobs?state=running", &jobs); err != nil {
		return nil, err
	}
	var out []vendors.Operation
	for _, j := range jobs {
		out = append(out, vendors.Operation{Kind: "job", ID: j.ID, Operation: j.What, State: j.State})
	}
	return out, nil
}

// vaultBackend is the appliance: its about, shelves and jobs, behind
// basic auth.
func vaultBackend(t *testing.T, taken time.Time) (host string, port int) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/about", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"product":"Vault Appliance","version":"3.1"}`)
	})
	mux.HandleFunc("GET /api/shelves", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `[{"id":"sh-1","name":"erp-archive","size":1000,"copies":[{"id":"c-1","name":"nightly","taken":%q,"bytes":10}]}]`,
			taken.Format(time.RFC3339))
	})
	mux.HandleFunc("GET /api/jobs", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `[{"id":"j-7","what":"seal shelf erp-archive","state":"running"}]`)
	})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "vault-pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	addr := s.Listener.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

func TestThirdStorageKindNeedsNoEditElsewhere(t *testing.T) {
	builtin, err := server.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := vendors.NewRegistry(append(builtin.Kinds(), vaultKind{})...)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	host, port := vaultBackend(t, now.Add(-2*time.Hour))
	getenv := func(k string) string { return map[string]string{"VAULT_PW": "vault-pw"}[k] }
	write := func(yaml string) string {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	target := func(extra string) string {
		return fmt.Sprintf("targets:\n  - name: vault-1\n    kind: vault\n    host: %s\n    port: %d\n    plain_http: true\n    username: admin\n    password_env: VAULT_PW\n%s", host, port, extra)
	}

	// Config: validated by the kind's own rule, and unknown to a server
	// without the kind.
	for _, c := range []struct {
		name    string
		yaml    string
		kinds   []config.Kind
		wantErr string
	}{
		{"the kind's rule", target(""), kinds.Config(), "targets[0].site: a vault target needs a site"},
		{"a server without the kind", target("    site: dr\n"), builtin.Config(), `targets[0].kind: "vault": want nutanix, ontap or aiqum`},
		{"valid", target("    site: dr\n"), kinds.Config(), ""},
	} {
		t.Run("config/"+c.name, func(t *testing.T) {
			_, err := config.Load(context.Background(), write(c.yaml), getenv, c.kinds)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("Load: %v, want %q", err, c.wantErr)
			}
		})
	}
	cfg, err := config.Load(context.Background(), write(target("    site: dr\n")), getenv, kinds.Config())
	if err != nil {
		t.Fatal(err)
	}
	// The quick environment configuration comes with the kind too (and
	// its rule applies there: an environment target has no site).
	_, err = config.Load(context.Background(), "", func(k string) string {
		return map[string]string{"VAULT_HOST": "vault.example:9000", "VAULT_USERNAME": "admin", "VAULT_PASSWORD": "x"}[k]
	}, kinds.Config())
	if err == nil || err.Error() != "config environment: targets[0].site: a vault target needs a site" {
		t.Fatalf("VAULT_HOST: %v", err)
	}

	// list_targets probes it, list_running_operations lists its job.
	s, err := server.New(server.Options{Config: cfg, Vendors: kinds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	cl, err := client.NewInProcessClient(s.MCP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	ctx := context.Background()
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "1"}
	if _, err := cl.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	call := func(name string) map[string]any {
		t.Helper()
		req := mcp.CallToolRequest{}
		req.Params.Name = name
		res, err := cl.CallTool(ctx, req)
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", name, err, res)
		}
		raw, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	list := call("list_targets")
	items, _ := list["items"].([]any)
	if len(items) != 1 || list["reachable"] != float64(1) {
		t.Fatalf("list_targets: %v", list)
	}
	it := items[0].(map[string]any)
	want := map[string]any{"name": "vault-1", "kind": "vault", "site": "dr", "reachable": true, "product": "Vault Appliance", "api_version": "3.1",
		"endpoint": fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(port)))}
	for k, v := range want {
		if it[k] != v {
			t.Errorf("list_targets %s = %v, want %v", k, it[k], v)
		}
	}
	if e, ok := it["error"]; ok {
		t.Errorf("list_targets error: %v", e)
	}
	running := call("list_running_operations")
	ops, _ := running["items"].([]any)
	if len(ops) != 1 || ops[0].(map[string]any)["id"] != "j-7" || ops[0].(map[string]any)["target"] != "vault-1" {
		t.Errorf("list_running_operations: %v", running)
	}

	// The inventory collects it.
	est, err := collect.New(targets.New(cfg.Targets, kinds, nil), func() time.Time { return now }).Collect(ctx, collect.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Targets) != 1 || !est.Targets[0].Reachable || est.Targets[0].Error != "" || est.Targets[0].Kind != "vault" {
		t.Fatalf("targets: %+v", est.Targets)
	}
	if len(est.Entities) != 1 || est.Entities[0].Name != "erp-archive" || est.Entities[0].Site != "dr" {
		t.Errorf("entities: %+v", est.Entities)
	}
	if len(est.RecoveryPoints) != 1 || est.RecoveryPoints[0].ID != "c-1" || !est.RecoveryPoints[0].Created.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("recovery points: %+v", est.RecoveryPoints)
	}
}
