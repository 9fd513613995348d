package config_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	. "github.com/recovery-mcp/recovery-mcp/internal/config"
	vaiqum "github.com/recovery-mcp/recovery-mcp/internal/vendors/aiqum"
	vnutanix "github.com/recovery-mcp/recovery-mcp/internal/vendors/nutanix"
	vontap "github.com/recovery-mcp/recovery-mcp/internal/vendors/ontap"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadValid(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("file-secret\n"), 0o600)
	p := writeFile(t, `
targets:
  - name: pc-prod
    kind: nutanix
    host: pc.example.com
    username: admin
    password_env: PC_PASS
    site: production
  - name: ontap-prod
    kind: ONTAP
    host: cluster1.example.com
    username: admin
    password_file: `+pwFile+`
    timeout: 30s
    max_concurrency: 8
  - name: ontap-dr
    kind: ontap
    host: cluster2.example.com
    username: admin
    credentials_command: ["echo", "cmd-secret"]
  - name: um
    kind: AIQUM
    host: um.example.com
    username: umadmin
    password_env: UM_PASS
safety:
  confirm_destructive: false
  write_parallelism: 2
http:
  allowed_origins: ["https://chat.example.com"]
  max_body_bytes: 1048576
  read_timeout: 5s
`)
	cfg, err := Load(context.Background(), p, env(map[string]string{"PC_PASS": "env-secret", "UM_PASS": "um-secret"}), kinds())
	if err != nil {
		t.Fatal(err)
	}
	pc, o1, o2 := cfg.Target("pc-prod"), cfg.Target("ontap-prod"), cfg.Target("ontap-dr")
	checks := []struct {
		name      string
		got, want any
	}{
		{"nutanix default port", pc.Port, 9440},
		{"nutanix default api version", pc.APIVersion, "v4.0"},
		{"password from env", pc.Password.Reveal(), "env-secret"},
		{"kind lower-cased", o1.Kind, KindONTAP},
		{"ontap default port", o1.Port, 443},
		{"password from file, newline trimmed", o1.Password.Reveal(), "file-secret"},
		{"timeout", o1.Timeout.D().String(), "30s"},
		{"http body limit", cfg.HTTP.MaxBodyBytes, int64(1 << 20)},
		{"http read timeout", cfg.HTTP.ReadTimeout.D().String(), "5s"},
		{"max concurrency", o1.MaxConcurrency, 8},
		{"password from command", o2.Password.Reveal(), "cmd-secret"},
		{"default timeout", o2.Timeout.D().String(), "1m0s"},
		{"confirm off", cfg.Safety.ConfirmEnabled(), false},
		{"write parallelism", cfg.Safety.WriteParallelism, 2},
		{"endpoint", pc.Endpoint(), "https://pc.example.com:9440"},
		{"insecure default false", pc.InsecureSkipVerify, false},
		{"aiqum kind lower-cased", cfg.Target("um").Kind, KindAIQUM},
		{"aiqum default port", cfg.Target("um").Endpoint(), "https://um.example.com:443"},
		{"aiqum password from env", cfg.Target("um").Password.Reveal(), "um-secret"},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadErrorsNameFileKeyAndProblem(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{"unknown key with line", "targets:\n  - name: a\n    kind: ontap\n    hots: x\n", nil, []string{":4:", "hots", "unknown key"}},
		{"bad kind", "targets:\n  - {name: a, kind: netapp, host: h}\n", nil, []string{"targets[0].kind", `"netapp"`, "nutanix, ontap or aiqum"}},
		{"missing host", "targets:\n  - {name: a, kind: ontap}\n", nil, []string{"targets[0].host", "required"}},
		{"duplicate name", "targets:\n  - {name: a, kind: ontap, host: h}\n  - {name: a, kind: ontap, host: h2}\n", nil, []string{"targets[1].name", "another target"}},
		{"bad port", "targets:\n  - {name: a, kind: ontap, host: h, port: 70000}\n", nil, []string{"targets[0].port", "70000"}},
		{"inline password refused", "targets:\n  - {name: a, kind: ontap, host: h, password: hunter2}\n", nil, []string{"targets[0].password", "password_env"}},
		{"bad api version", "targets:\n  - {name: a, kind: nutanix, host: h, api_version: v3}\n", nil, []string{"targets[0].api_version", "v4.0"}},
		{"missing env var", "targets:\n  - {name: a, kind: ontap, host: h, password_env: NOPE}\n", nil, []string{"targets[0].password_env", "NOPE is not set"}},
		{"two password sources", "targets:\n  - {name: a, kind: ontap, host: h, password_env: X, password_file: /y}\n", nil, []string{"only one"}},
		{"failing command hides output", "targets:\n  - {name: a, kind: ontap, host: h, credentials_command: [sh, -c, 'echo leaked-secret; exit 3']}\n", nil, []string{"credentials_command", "exit status 3"}},
		{"bad duration", "targets:\n  - {name: a, kind: ontap, host: h, timeout: soon}\n", nil, []string{":2:", "duration"}},
		{"api_version on aiqum", "targets:\n  - {name: a, kind: aiqum, host: h, api_version: v4.0}\n", nil, []string{"targets[0].api_version", "nutanix targets only"}},
		{"bad origin", "http:\n  allowed_origins: [chat.example.com]\n", nil, []string{"http.allowed_origins[0]"}},
		{"negative body limit", "http:\n  max_body_bytes: -1\n", nil, []string{"http.max_body_bytes"}},
		{"negative client limit", "http:\n  max_requests_per_client: -2\n", nil, []string{"http.max_requests_per_client"}},
		{"zero parallelism takes the default", "safety:\n  write_parallelism: 0\n  confirm_destructive: true\n", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, c.yaml)
			_, err := Load(context.Background(), p, env(c.env), kinds())
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, p) {
				t.Errorf("error %q does not name the file", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, secret := range []string{"hunter2", "leaked-secret"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q leaks a secret", msg)
				}
			}
		})
	}
}

func TestEnvironmentQuickConfig(t *testing.T) {
	cfg, err := Load(context.Background(), "", env(map[string]string{
		"NUTANIX_HOST": "pc.local", "NUTANIX_PORT": "9441", "NUTANIX_USERNAME": "admin", "NUTANIX_PASSWORD": "npw", "NUTANIX_INSECURE": "true",
		"ONTAP_HOST": "c1.local", "ONTAP_USERNAME": "admin", "ONTAP_PASSWORD": "opw",
	}), kinds())
	if err != nil {
		t.Fatal(err)
	}
	n, o := cfg.Target("nutanix"), cfg.Target("ontap")
	if n == nil || o == nil {
		t.Fatalf("targets: %+v", cfg.Targets)
	}
	if n.Port != 9441 || !n.InsecureSkipVerify || n.Password.Reveal() != "npw" || n.Kind != KindNutanix {
		t.Errorf("nutanix target: %+v", n)
	}
	if o.Port != 443 || o.InsecureSkipVerify || o.Password.Reveal() != "opw" {
		t.Errorf("ontap target: %+v", o)
	}
	_, err = Load(context.Background(), "", env(map[string]string{"NUTANIX_HOST": "h", "NUTANIX_PORT": "x"}), kinds())
	if err == nil || !strings.Contains(err.Error(), "NUTANIX_PORT") {
		t.Errorf("bad port error: %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	tgt := Target{Name: "a", Password: NewSecret("s3cret-value"), APIKey: NewSecret("key-value")}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("target", "t", tgt, "pw", tgt.Password)
	js, _ := json.Marshal(tgt)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", tgt, tgt, tgt, tgt.Password), string(js), logBuf.String()} {
		if strings.Contains(out, "s3cret-value") || strings.Contains(out, "key-value") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if tgt.Password.Reveal() != "s3cret-value" {
		t.Error("Reveal lost the value")
	}
}

// TestExampleConfigParses keeps testdata/config.example.yaml (which the
// README points to) valid.
func TestExampleConfigParses(t *testing.T) {
	cfg, err := Parse(mustRead(t, "../../testdata/config.example.yaml"), "config.example.yaml")
	if cfg != nil {
		cfg.Kinds = kinds()
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg.ApplyDefaults()
	cfg.Targets[1].CAFile = "" // the example names a path that exists on the reader's machine only
	cfg.Targets[3].CAFile = ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Workflows.Drills.IsolatedSubnetOf("pc-prod"); got != "drill-isolated" {
		t.Errorf("workflows.drills.isolated_subnet of pc-prod = %q", got)
	}
	if len(cfg.Targets) != 4 || cfg.Targets[3].Kind != KindAIQUM || cfg.Safety.ConfirmTTL.D().String() != "5m0s" {
		t.Errorf("example: %+v", cfg)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAnalysisRulesFromConfig(t *testing.T) {
	p := writeFile(t, "analysis:\n  volume:\n    nearly_full_percent: 75\n")
	cfg, err := Load(context.Background(), p, env(nil), kinds())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Analysis.Volume.NearlyFullPercent != 75 {
		t.Errorf("override lost: %+v", cfg.Analysis.Volume)
	}
	if cfg.Analysis.Volume.FullPercent != 90 || cfg.Analysis.Volume.SnapshotReserveFullPercent != 90 {
		t.Errorf("defaults lost: %+v", cfg.Analysis.Volume)
	}
	p = writeFile(t, "analysis:\n  volume:\n    nearly_ful_percent: 75\n")
	if _, err := Load(context.Background(), p, env(nil), kinds()); err == nil || !strings.Contains(err.Error(), "nearly_ful_percent") {
		t.Errorf("unknown analysis key: %v", err)
	}
	// analysis.tiers replaces the default mapping; a bad pattern is refused.
	p = writeFile(t, "analysis:\n  tiers:\n    default_tier: 4\n    rules:\n      - {tier: 1, svms: [svm_fin*]}\n      - {scopes: [sox], categories: [\"costcenter:finance\"]}\n")
	cfg, err = Load(context.Background(), p, env(nil), kinds())
	if err != nil {
		t.Fatal(err)
	}
	if tr := cfg.Analysis.Tiers; tr.DefaultTier != 4 || len(tr.Rules) != 2 || tr.Rules[0].SVMs[0] != "svm_fin*" || tr.Rules[1].Scopes[0] != "sox" {
		t.Errorf("tiers = %+v", tr)
	}
	p = writeFile(t, "analysis:\n  tiers:\n    default_tier: 3\n    rules:\n      - {tier: 1, names: [\"db-[\"]}\n")
	if _, err := Load(context.Background(), p, env(nil), kinds()); err == nil || !strings.Contains(err.Error(), "tiers.rules[0]") {
		t.Errorf("bad tier pattern: %v", err)
	}
}

// TestEnvironmentQuickTargetForms covers what a settings dialog passes (the
// Claude Desktop bundle fills these variables from its form): hosts pasted
// with a port or a URL, and the verify-TLS switch in both spellings.
func TestEnvironmentQuickTargetForms(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		host     string
		port     int
		insecure bool
		wantErr  string
	}{
		{"bare host", map[string]string{"ONTAP_HOST": "c1.local"}, "c1.local", 443, false, ""},
		{"host:port", map[string]string{"NUTANIX_HOST": "pc.local:9441"}, "pc.local", 9441, false, ""},
		{"pasted URL", map[string]string{"NUTANIX_HOST": " https://pc.local:9440/ "}, "pc.local", 9440, false, ""},
		{"IPv6 with port", map[string]string{"ONTAP_HOST": "[fd00::1]:8443"}, "fd00::1", 8443, false, ""},
		{"IPv6 bracketed", map[string]string{"ONTAP_HOST": "[fd00::1]"}, "fd00::1", 443, false, ""},
		{"ONTAP_PORT", map[string]string{"ONTAP_HOST": "c1.local", "ONTAP_PORT": "8443"}, "c1.local", 8443, false, ""},
		{"same port twice", map[string]string{"NUTANIX_HOST": "pc:9441", "NUTANIX_PORT": "9441"}, "pc", 9441, false, ""},
		{"verify off", map[string]string{"ONTAP_HOST": "c1", "ONTAP_VERIFY_TLS": "false"}, "c1", 443, true, ""},
		{"verify on", map[string]string{"ONTAP_HOST": "c1", "ONTAP_VERIFY_TLS": "true"}, "c1", 443, false, ""},
		{"insecure", map[string]string{"ONTAP_HOST": "c1", "ONTAP_INSECURE": "1"}, "c1", 443, true, ""},
		{"insecure and verify off agree", map[string]string{"ONTAP_HOST": "c1", "ONTAP_INSECURE": "true", "ONTAP_VERIFY_TLS": "false"}, "c1", 443, true, ""},
		{"insecure contradicts verify", map[string]string{"ONTAP_HOST": "c1", "ONTAP_INSECURE": "true", "ONTAP_VERIFY_TLS": "true"}, "", 0, false, "ONTAP_VERIFY_TLS"},
		{"bad verify", map[string]string{"NUTANIX_HOST": "pc", "NUTANIX_VERIFY_TLS": "maybe"}, "", 0, false, "NUTANIX_VERIFY_TLS"},
		{"plain http URL", map[string]string{"NUTANIX_HOST": "http://pc:9440"}, "", 0, false, "NUTANIX_HOST"},
		{"URL with path", map[string]string{"ONTAP_HOST": "https://c1/api"}, "", 0, false, "ONTAP_HOST"},
		{"bad port in host", map[string]string{"ONTAP_HOST": "c1:https"}, "", 0, false, "ONTAP_HOST"},
		{"two different ports", map[string]string{"NUTANIX_HOST": "pc:9441", "NUTANIX_PORT": "9440"}, "", 0, false, "NUTANIX_PORT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.env["NUTANIX_PASSWORD"], c.env["ONTAP_PASSWORD"] = "pw", "pw"
			cfg, err := Load(context.Background(), "", env(c.env), kinds())
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Targets) != 1 {
				t.Fatalf("targets: %+v", cfg.Targets)
			}
			got := cfg.Targets[0]
			if got.Host != c.host || got.Port != c.port || got.InsecureSkipVerify != c.insecure {
				t.Errorf("host %q port %d insecure %v, want %q %d %v", got.Host, got.Port, got.InsecureSkipVerify, c.host, c.port, c.insecure)
			}
		})
	}
}

// kinds returns the built-in storage kinds, as serve passes them to Load.
func kinds() []Kind { return []Kind{vnutanix.Kind{}, vontap.Kind{}, vaiqum.Kind{}} }
