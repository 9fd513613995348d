package analysis_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// reportEstate serves the demo estate (seed 1, as `serve --demo`) with a
// controlled clock: the server's clock is the estate's simulated one,
// which stands still until a poll moves it, and runs are numbered in
// order. It then makes a few changes and drills, one after the other, so
// that the simulated time they take is the same on every run.
func reportEstate(t *testing.T) *testenv.Env {
	t.Helper()
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int64
	e := testenv.StartEstate(t, est, func(o *server.Options) {
		o.Now = est.Clock.Now
		o.RunIDs = func() string { return fmt.Sprintf("run_%04d", runs.Add(1)) }
	})
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"workflow_start", map[string]any{"kind": "recovery_testing", "params": map[string]any{"target": "ontap-prod", "volume": "vol_ora_ledger_data"}}},
		{"ontap_create_snapshot", map[string]any{"target": "ontap-prod", "volume": "vol_fin_share", "name": "audit_2026q4", "comment": "before the quarter close"}},
		{"workflow_start", map[string]any{"kind": "recovery_testing", "params": map[string]any{"target": "ontap-prod", "volume": "vol_fin_share", "type": "file", "sample": 3}}},
		{"workflow_start", map[string]any{"kind": "scheduled_backup", "params": map[string]any{"target": "ontap-prod", "volume": "vol_sql_payroll_data"}}},
	} {
		m := e.OK(c.tool, c.args)
		if s, ok := m["status"]; ok && s != "succeeded" {
			t.Fatalf("%s %v: %v", c.tool, c.args, m)
		}
	}
	// A change that failed is audited too.
	e.Err("ontap_create_snapshot", map[string]any{"target": "ontap-prod", "volume": "vol_no_such"})
	return e
}

func buildReport(t *testing.T, e *testenv.Env, framework, period string) analysis.ComplianceResult {
	t.Helper()
	r, err := analysis.BuildReport(context.Background(), e.Server.Env, analysis.ComplianceArgs{Framework: framework, Period: period})
	if err != nil {
		t.Fatalf("%s report: %v", framework, err)
	}
	return r
}

func render(t *testing.T, r analysis.ComplianceResult, format string) string {
	t.Helper()
	b, _, err := analysis.RenderReport(r, format, "")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSOXReportGolden: the SOX report of the demo estate after a few
// changes and drills is the golden file, byte for byte, and the tool gives
// the same report. UPDATE_REPORTS=1 rewrites the golden file.
func TestSOXReportGolden(t *testing.T) {
	e := reportEstate(t)
	rep := buildReport(t, e, "sox", "90d")
	b, files, err := analysis.RenderReport(rep, analysis.ReportMarkdownFormat, "sox-demo")
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	path := filepath.Join("..", "..", "testdata", "reports", "sox-demo.md")
	if os.Getenv("UPDATE_REPORTS") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run UPDATE_REPORTS=1 go test ./tools/analysis -run SOXReportGolden and review the file", err)
	}
	if got != string(want) {
		t.Errorf("the SOX report differs from %s; if intended, run UPDATE_REPORTS=1 go test ./tools/analysis -run SOXReportGolden\ngot:\n%s", path, got)
	}
	// The demo's report has substance: controls judged over in-scope
	// entities, two drills that passed, the changes made above.
	for _, s := range []string{"run_0001 | recovery_testing (volume) | ontap-prod:svm_db:vol_ora_ledger_data", "recovery_testing (file)",
		"| passed |", "ontap_create_snapshot", "audit_2026q4", "| error |", "| scheduled_backup | succeeded | 1 |"} {
		if !strings.Contains(got, s) {
			t.Errorf("the SOX report lacks %q", s)
		}
	}
	if regexp.MustCompile(`over 0 in-scope`).MatchString(got) {
		t.Error("no entity in SOX scope")
	}

	// Charts: PNG files beside the Markdown report, linked from it, and
	// the same charts embedded in the HTML page.
	if len(files) == 0 {
		t.Error("no chart drawn")
	}
	html := render(t, rep, analysis.ReportHTMLFormat)
	for _, f := range files {
		if !strings.Contains(got, "]("+f.Name+")") || !strings.HasPrefix(string(f.Data), "\x89PNG") {
			t.Errorf("chart %s is not a PNG linked from the report", f.Name)
		}
		if !strings.Contains(html, `src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(f.Data)+`"`) {
			t.Errorf("chart %s is not embedded in the HTML report", f.Name)
		}
	}
	if n := strings.Count(html, `src="data:image/png;base64,`); n != len(files) {
		t.Errorf("%d charts embedded in the HTML report, want %d", n, len(files))
	}

	res := e.Call("compliance_report", map[string]any{"framework": "sox", "period": "90d", "format": "markdown"})
	if res.IsError || testenv.Text(res) != analysis.ReportMarkdown(rep) {
		t.Errorf("compliance_report with a period gives another report:\n%s", testenv.Text(res))
	}
	m := testenv.Structured(t, res)
	if d, _ := m["drills"].([]any); len(d) != 2 {
		t.Errorf("structured drills %v", m["drills"])
	}
	if mt, _ := m["metrics"].(map[string]any); mt == nil || len(mt["metrics"].([]any)) == 0 {
		t.Errorf("structured metrics %v", m["metrics"])
	}
}

var statusRe = regexp.MustCompile(`(?m)^### (\S+) .*: (pass|fail|unknown)$`)

// TestReportEveryFramework: each framework's report renders in both
// formats, lists every control with its evidence, and the HTML page is
// self-contained.
func TestReportEveryFramework(t *testing.T) {
	e := reportEstate(t)
	for _, fw := range eng.Frameworks {
		t.Run(fw, func(t *testing.T) {
			r := buildReport(t, e, fw, "30d")
			if len(r.Controls) == 0 {
				t.Fatal("no controls")
			}
			md := render(t, r, analysis.ReportMarkdownFormat)
			html := render(t, r, analysis.ReportHTMLFormat)
			sections := map[string]string{}
			for _, m := range statusRe.FindAllStringSubmatch(md, -1) {
				sections[m[1]] = m[2]
			}
			for _, c := range r.Controls {
				if len(c.Evidence) == 0 {
					t.Errorf("control %s has no evidence", c.ID)
				}
				if sections[c.ID] != c.Status {
					t.Errorf("Markdown: control %s shows %q, want %q", c.ID, sections[c.ID], c.Status)
				}
				_, after, ok := strings.Cut(md, "### "+c.ID+" ")
				if !ok || !strings.Contains(strings.SplitN(after, "\n### ", 2)[0], "\n- ") {
					t.Errorf("Markdown: control %s lists no evidence", c.ID)
				}
				if !strings.Contains(html, `<section class="control" id="`+c.ID+`">`) {
					t.Errorf("HTML: no section for control %s", c.ID)
				}
			}
			for _, s := range []string{"## Recovery drills", "## Workflow runs", "## Change audit", "run_0002"} {
				if !strings.Contains(md, s) {
					t.Errorf("Markdown lacks %q", s)
				}
			}
			for _, bad := range []string{"<script", "<link", "src=\"http", "href=\"http", "url(http", "@import"} {
				if strings.Contains(html, bad) {
					t.Errorf("HTML is not self-contained: it has %q", bad)
				}
			}
			if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.HasSuffix(html, "</html>\n") {
				t.Error("HTML is not one whole page")
			}
		})
	}
}

// TestReportChangeAudit: the change audit lists the period's changes,
// newest first, and nothing older; no secret reaches the report.
func TestReportChangeAudit(t *testing.T) {
	e := reportEstate(t)
	now := e.Server.Env.Now()
	audit := e.Server.Env.Audit
	for _, r := range []safety.Record{
		{Time: now.Add(-100 * 24 * time.Hour), Phase: safety.PhaseOutcome, Tool: "ontap_delete_snapshot", Tier: safety.Destructive, Target: "ontap-prod",
			Outcome: safety.OutcomeOK, Args: map[string]any{"volume": "vol_old", "snapshot": "before_period"}},
		{Time: now.Add(-time.Hour), Phase: safety.PhaseOutcome, Tool: "ontap_restore_volume", Tier: safety.Destructive, Target: "ontap-prod", Principal: "alice",
			Outcome: safety.OutcomeOK, Args: map[string]any{"volume": "vol_fin_share", "password": "hunter2-secret", "auth": map[string]any{"api_key": "AKIA-secret-key"}}},
		{Time: now.Add(-2 * time.Hour), Phase: safety.PhaseIntent, Tool: "ontap_restore_volume", Tier: safety.Destructive, Target: "ontap-prod",
			Args: map[string]any{"volume": "intent_only"}},
		{Time: now.Add(-3 * time.Hour), Tool: "list_targets", Tier: safety.Read, Outcome: safety.OutcomeOK, Args: map[string]any{"read": "not_a_change"}},
	} {
		if err := audit.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		period      string
		want, unwan []string
		complete    bool
	}{
		{"90d", []string{"ontap_restore_volume", "alice", "vol_fin_share", "audit_2026q4", "vol_no_such"}, []string{"before_period", "intent_only", "not_a_change"}, true},
		{"120d", []string{"before_period", "ontap_restore_volume"}, []string{"intent_only", "not_a_change"}, false},
		{"30m", []string{"vol_no_such"}, []string{"alice", "before_period"}, true},
	}
	for _, c := range cases {
		t.Run(c.period, func(t *testing.T) {
			r := buildReport(t, e, "gdpr", c.period)
			if r.Period.ChangesTotal != len(r.Changes) || len(r.Changes) == 0 {
				t.Errorf("%d changes of %d", len(r.Changes), r.Period.ChangesTotal)
			}
			for i := 1; i < len(r.Changes); i++ {
				if r.Changes[i].Time.After(r.Changes[i-1].Time) {
					t.Errorf("change %d is newer than change %d", i, i-1)
				}
			}
			for _, ch := range r.Changes {
				if ch.Time.Before(r.Period.From) || ch.Tier == string(safety.Read) {
					t.Errorf("change %+v outside the period or a read", ch)
				}
			}
			for _, f := range []string{analysis.ReportMarkdownFormat, analysis.ReportHTMLFormat} {
				out := render(t, r, f)
				audited := out[strings.Index(out, "Change audit"):]
				for _, s := range c.want {
					if !strings.Contains(audited, s) {
						t.Errorf("%s: the change audit lacks %q", f, s)
					}
				}
				for _, s := range c.unwan {
					if strings.Contains(audited, s) {
						t.Errorf("%s: the change audit lists %q", f, s)
					}
				}
				secrets := []string{"hunter2-secret", "AKIA-secret-key"}
				for _, tg := range e.Demo.Config.Targets {
					secrets = append(secrets, tg.Password.Reveal())
				}
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("%s: the report holds the secret %q", f, s)
					}
				}
			}
			if r.Period.AuditComplete != c.complete {
				t.Errorf("audit complete %v, want %v (oldest record %s, period from %s)", r.Period.AuditComplete, c.complete, r.Period.AuditSince, r.Period.From)
			}
		})
	}
}

// TestReportFormat: the format follows the flag, else the extension.
func TestReportFormat(t *testing.T) {
	for _, c := range []struct {
		flag, file, want string
		err              bool
	}{
		{"", "sox.html", analysis.ReportHTMLFormat, false},
		{"", "SOX.HTM", analysis.ReportHTMLFormat, false},
		{"", "q3.md", analysis.ReportMarkdownFormat, false},
		{"md", "report.html", analysis.ReportMarkdownFormat, false},
		{"html", "-", analysis.ReportHTMLFormat, false},
		{"", "report", "", true},
		{"", "-", "", true},
		{"pdf", "x.pdf", "", true},
	} {
		got, err := analysis.ReportFormat(c.flag, c.file)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ReportFormat(%q, %q) = %q, %v", c.flag, c.file, got, err)
		}
	}
}

// TestReportToolStaysWithinTheResultLimit: a period with more changes than
// fit in one result keeps the newest, says how many, and how to narrow.
func TestReportToolStaysWithinTheResultLimit(t *testing.T) {
	e := testenv.Start(t)
	now := e.Server.Env.Now()
	for i := range 200 {
		if err := e.Server.Env.Audit.Write(safety.Record{Time: now.Add(-time.Duration(200-i) * time.Minute), Phase: safety.PhaseOutcome,
			Tool: "ontap_create_snapshot", Tier: safety.Write, Target: "ontap-prod", Outcome: safety.OutcomeOK,
			Args: map[string]any{"volume": fmt.Sprintf("vol_%03d", i), "comment": strings.Repeat("change ticket text ", 20)}}); err != nil {
			t.Fatal(err)
		}
	}
	res := e.Call("compliance_report", map[string]any{"framework": "3-2-1-1-0", "period": "7d"})
	if res.IsError {
		t.Fatal(testenv.Text(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Period  analysis.ReportPeriod `json:"period"`
		Changes []analysis.Change     `json:"changes"`
		Note    string                `json:"note"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(raw) > kit.MaxResultBytes {
		t.Errorf("result of %d bytes, over %d", len(raw), kit.MaxResultBytes)
	}
	if m.Period.ChangesTotal != 200 || m.Period.ChangesListed != len(m.Changes) || len(m.Changes) >= 200 || len(m.Changes) == 0 {
		t.Errorf("%d changes listed (%d said), %d in all", len(m.Changes), m.Period.ChangesListed, m.Period.ChangesTotal)
	}
	if m.Changes[0].Args["volume"] != "vol_199" {
		t.Errorf("the newest change is not kept first: %v", m.Changes[0].Args)
	}
	if !strings.Contains(m.Note, "shorter period") {
		t.Errorf("note %q does not say how to narrow", m.Note)
	}
}

// BenchmarkSOXReport builds the SOX report of the demo estate (seed 1)
// with a 90-day period and renders it as HTML with its charts; the
// estate is collected once (the collector's cache), as for repeated
// reports of one server.
func BenchmarkSOXReport(b *testing.B) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	e := testenv.StartEstate(b, est)
	ctx := context.Background()
	var size int
	for b.Loop() {
		r, err := analysis.BuildReport(ctx, e.Server.Env, analysis.ComplianceArgs{Framework: "sox", Period: "90d"})
		if err != nil {
			b.Fatal(err)
		}
		out, _, err := analysis.RenderReport(r, analysis.ReportHTMLFormat, "")
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "html_bytes")
}
