package analysis_test

import (
	"strings"
	"testing"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
)

// TestReportEscapesBackendText: names and messages come from the
// backends (anyone who may create a VM names it), so neither renderer may
// turn them into markup. Markdown viewers render raw HTML, so the Markdown
// report escapes it as the HTML report does; a newline in a name must not
// start a new block either.
func TestReportEscapesBackendText(t *testing.T) {
	const evil = "<img src=x onerror=alert(1)>"
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	passed := false
	r := analysis.ComplianceResult{
		ComplianceReport: eng.ComplianceReport{Framework: "sox", AsOf: now, IncompleteTargets: []string{"pc" + evil}, Partial: true,
			Controls: []eng.ControlResult{{ID: "SOX-1", Title: "t", Reference: "r", Status: eng.StatusFail, AffectedCount: 1,
				Evidence:    eng.Evidence{"note": "vm " + evil},
				Affected:    []eng.EntityRef{{Kind: "vm", Name: "vm" + evil, Target: "pc-1"}},
				Remediation: "fix\n# " + evil}}},
		Period: &analysis.ReportPeriod{Text: "30d", From: now.Add(-30 * 24 * time.Hour), To: now, AuditComplete: true},
		Drills: []analysis.DrillEvidence{{Run: "run_1", Kind: "recovery_testing", Type: "vm", Entity: "pc-1:" + evil, Status: "failed",
			Started: now, Passed: &passed, Evidence: "booted " + evil, Error: "boot " + evil}},
		Changes: []analysis.Change{{Time: now, Tool: "nutanix_protect", Tier: "write", Target: "pc" + evil, Principal: "eve" + evil,
			Outcome: "ok", TaskID: "task" + evil, Args: map[string]any{"vm": evil}}},
	}
	for _, f := range []string{analysis.ReportMarkdownFormat, analysis.ReportHTMLFormat} {
		out := render(t, r, f)
		if strings.Contains(out, "<img") {
			t.Errorf("%s: backend text became markup:\n%s", f, out)
		}
		if !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the escaped name is missing:\n%s", f, out)
		}
		if f == analysis.ReportMarkdownFormat && strings.Contains(out, "\n# ") {
			t.Errorf("markdown: a newline in backend text started a heading:\n%s", out)
		}
	}
}
