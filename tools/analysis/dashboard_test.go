package analysis_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
)

// TestShowDashboard: over the simulated estate with a run waiting for
// approval and a finished drill, show_dashboard reports backup_health's
// score and counts, the waiting run with its step, the runs by status, and
// the same as Markdown for clients without MCP Apps.
func TestShowDashboard(t *testing.T) {
	e := testenv.Start(t)
	waiting := e.OK("workflow_start", map[string]any{"kind": "disaster_recovery",
		"params": map[string]any{"target": "ontap-prod", "volume": "vol_finance", "type": "planned"}})
	drill := e.OK("workflow_start", map[string]any{"kind": "recovery_testing", "params": map[string]any{"target": "ontap-prod", "volume": "vol_hr"}})
	if waiting["status"] != "waiting_approval" || drill["status"] != "succeeded" {
		t.Fatalf("setup: run %v, drill %v", waiting["status"], drill["status"])
	}
	want := e.OK("backup_health", map[string]any{})

	res := e.Call("show_dashboard", map[string]any{})
	d := testenv.Structured(t, res)
	h := d["health"].(map[string]any)
	if h["score"] != want["score"] || h["entities_evaluated"] != want["entities_evaluated"] {
		t.Errorf("health %v/%v, backup_health %v/%v", h["score"], h["entities_evaluated"], want["score"], want["entities_evaluated"])
	}
	wc, hc := want["counts"].(map[string]any), h["counts"].(map[string]any)
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if hc[sev] != wc[sev] {
			t.Errorf("%s: dashboard %v, backup_health %v", sev, hc[sev], wc[sev])
		}
	}
	top := h["top_findings"].([]any)
	if first := want["findings"].([]any)[0].(map[string]any); len(top) == 0 || top[0].(map[string]any)["summary"] != first["summary"] {
		t.Errorf("top finding %v, backup_health's first %v", top, first["summary"])
	}
	runs := d["runs"].(map[string]any)
	by := runs["by_status"].(map[string]any)
	if runs["available"] != true || by["waiting_approval"] != 1.0 || by["succeeded"] != 1.0 || runs["counted"] != 2.0 {
		t.Errorf("runs %v", runs)
	}
	ap := runs["approvals"].([]any)
	if len(ap) != 1 || ap[0].(map[string]any)["run_id"] != waiting["id"] || ap[0].(map[string]any)["step"] != "break" {
		t.Errorf("approvals %v, want run %v at step break", ap, waiting["id"])
	}

	// The metrics are get_metrics' numbers for the same 30 days.
	gm := e.OK("get_metrics", map[string]any{"period": "30d", "charts": false})["report"].(map[string]any)
	items := d["metrics"].(map[string]any)["items"].([]any)
	if want := gm["metrics"].([]any); len(items) != len(want) || len(items) == 0 {
		t.Fatalf("%d metrics, get_metrics has %d", len(items), len(want))
	}
	for i, it := range items {
		got, want := it.(map[string]any), gm["metrics"].([]any)[i].(map[string]any)
		if got["id"] != want["id"] || got["value"] != want["value"] || got["text"] == "" || got["source"] == nil {
			t.Errorf("metric %d: %v, get_metrics %v", i, got, want)
		}
	}
	var images int
	for _, c := range res.Content {
		if img, ok := c.(mcp.ImageContent); ok && img.MIMEType == "image/png" {
			images++
		}
	}
	included := 0
	for _, c := range d["metrics"].(map[string]any)["charts"].([]any) {
		if c.(map[string]any)["included"] == true {
			included++
		}
	}
	if images != included || images == 0 {
		t.Errorf("%d PNG images, %d charts noted as included", images, included)
	}

	md := testenv.Text(res)
	for _, s := range []string{"# Backup dashboard", "## Health: " + num(want["score"]) + "/100", "## Approvals waiting: 1",
		waiting["id"].(string), drill["id"].(string), "## Success metrics (last 30 days)", "Chart attached:", "| " + num(wc["critical"]) + " | " + num(wc["high"]) + " |"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

func num(v any) string { return fmt.Sprint(int(v.(float64))) }

// TestDashboardMarkdown: the fallback says what it cannot show rather than
// showing zeros.
func TestDashboardMarkdown(t *testing.T) {
	asOf := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	base := analysis.DashHealth{AsOf: asOf, Score: 71, EntitiesEvaluated: 40, Counts: eng.SeverityCounts{Critical: 2, High: 3, Medium: 4, Low: 5, Total: 14},
		Top: []analysis.DashFinding{{Severity: "critical", Check: "rpo_compliance", Entity: "db01", Target: "pc-a", Summary: "last recovery point 30h old"}}}
	for _, tc := range []struct {
		name      string
		d         analysis.DashboardResult
		want, not []string
	}{
		{"no engine", analysis.DashboardResult{Health: base, Runs: analysis.DashRuns{Note: "no workflow engine"}},
			[]string{"## Health: 71/100", "| 2 | 3 | 4 | 5 |", "db01 (pc-a)", "_no workflow engine._"}, []string{"Approvals waiting"}},
		{"partial with runs", analysis.DashboardResult{
			Health: func() analysis.DashHealth {
				h := base
				h.Partial, h.IncompleteTargets = true, []string{"ontap-dr"}
				return h
			}(),
			Runs: analysis.DashRuns{Available: true, Counted: 3, ByStatus: map[string]int{"failed": 1, "waiting_approval": 2},
				Approvals: []analysis.DashApproval{{RunID: "r1", Kind: "disaster_recovery", Step: "break", ApproverRole: "approver", TimeoutAt: "2026-11-01T13:00:00Z"}}}},
			[]string{"**Partial:** ontap-dr", "## Approvals waiting: 1", "| r1 | disaster_recovery | break | approver |", "## Workflow runs: 3", "- failed: 1\n- waiting_approval: 2"}, []string{"no workflow engine"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := analysis.DashboardMarkdown(tc.d)
			for _, s := range tc.want {
				if !strings.Contains(md, s) {
					t.Errorf("lacks %q:\n%s", s, md)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(md, s) {
					t.Errorf("has %q:\n%s", s, md)
				}
			}
		})
	}
}
