package analysis

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
)

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func call(tc *eng.ToolCall) string {
	if tc == nil {
		return ""
	}
	b, _ := json.Marshal(tc.Arguments)
	return fmt.Sprintf("`%s %s`", tc.Tool, b)
}

func entity(r eng.EntityRef) string {
	if r.Target != "" {
		return fmt.Sprintf("%s %s (%s)", r.Kind, r.Name, r.Target)
	}
	return r.Kind + " " + r.Name
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

// HealthMarkdown renders a health report for people.
func HealthMarkdown(r eng.HealthReport, findings []eng.Finding, truncated bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Backup health: %d/100\n\nAs of %s. %d entities evaluated. Findings: %d critical, %d high, %d medium, %d low.\n",
		r.Score, ts(r.AsOf), r.EntitiesEvaluated, r.Counts.Critical, r.Counts.High, r.Counts.Medium, r.Counts.Low)
	if r.Partial {
		fmt.Fprintf(&b, "\n**Partial:** %s could not be collected completely; results for them are missing.\n", strings.Join(r.IncompleteTargets, ", "))
	}
	if len(findings) > 0 {
		b.WriteString("\n| severity | check | entity | finding | next step |\n|---|---|---|---|---|\n")
		for _, f := range findings {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s %s |\n", f.Severity, f.Check, cell(entity(f.Entity)), cell(f.Summary), cell(f.Recommendation), call(f.NextTool))
		}
	} else {
		b.WriteString("\nNo findings.\n")
	}
	if truncated {
		b.WriteString("\nOnly the most severe findings are listed; narrow the scope for the rest.\n")
	}
	b.WriteString("\n| check | evaluated | findings |\n|---|---|---|\n")
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "| %s | %d | %d |\n", c.Name, c.Evaluated, c.Findings)
	}
	return b.String()
}

// PredictionsMarkdown renders predictions.
func PredictionsMarkdown(ps []eng.Prediction, total int, asOf time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Backup failure predictions\n\nAs of %s: %d predictions.\n\n| severity | kind | entity | prediction | when | recommendation |\n|---|---|---|---|---|---|\n", ts(asOf), total)
	for _, p := range ps {
		when := ts(p.PredictedTime)
		if p.Probability != nil {
			when += fmt.Sprintf(" (p=%.2f)", *p.Probability)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s %s |\n", p.Severity, p.Kind, cell(entity(p.Entity)), cell(p.Summary), when, cell(p.Recommendation), call(p.NextTool))
	}
	return b.String()
}

// RecommendationMarkdown renders a recovery recommendation.
func RecommendationMarkdown(r eng.Recommendation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Recovery of %s (%s)\n\nIncident: %s. As of %s.\n", entity(r.Entity), r.Scenario, ts(r.IncidentTime), ts(r.AsOf))
	if !r.CleanCutoff.IsZero() {
		fmt.Fprintf(&b, "\nRecovery points from %s on are not trusted: %s\n", ts(r.CleanCutoff), r.CutoffReason)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "\n> %s\n", w)
	}
	for _, o := range r.Options {
		fmt.Fprintf(&b, "\n## Option %d: %s from %s\n\nRecovery point %s (%s, %s). RTO about %s; data loss %s.", o.Rank, o.Method, ts(o.RecoveryPoint.Created),
			o.RecoveryPoint.Name, o.RecoveryPoint.ID, o.RecoveryPoint.Location, o.RTO.Human(), o.DataLoss.Human())
		if o.Destructive {
			b.WriteString(" **Destructive: overwrites current data.**")
		}
		fmt.Fprintf(&b, "\n\n%s\n\n", o.Rationale)
		for _, s := range o.Steps {
			args, _ := json.Marshal(s.Arguments)
			flag := ""
			if s.Destructive {
				flag = " (destructive: confirm first)"
			}
			fmt.Fprintf(&b, "%d. `%s %s`%s: %s\n", s.Order, s.Tool, args, flag, s.Description)
		}
		for _, risk := range o.Risks {
			fmt.Fprintf(&b, "- risk: %s\n", risk)
		}
	}
	if len(r.Options) == 0 {
		b.WriteString("\nNo usable recovery point was found before the incident.\n")
	}
	return b.String()
}

// SuggestionsMarkdown renders optimization suggestions.
func SuggestionsMarkdown(ss []eng.Suggestion, asOf time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Backup policy suggestions\n\nAs of %s.\n\n| priority | policy | suggestion | effect | entities |\n|---|---|---|---|---|\n", ts(asOf))
	for _, s := range ss {
		eff, _ := json.Marshal(s.Effect)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", s.Priority, cell(entity(s.Policy)), cell(s.Summary), cell(string(eff)), s.EntityCount)
	}
	return b.String()
}

// ComplianceMarkdown renders a compliance report.
func ComplianceMarkdown(r eng.ComplianceReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s backup compliance\n\nAs of %s: %d pass, %d fail, %d unknown (%d entities in scope).\n", strings.ToUpper(r.Framework), ts(r.AsOf),
		r.Summary.Pass, r.Summary.Fail, r.Summary.Unknown, r.InScope)
	if r.Partial {
		fmt.Fprintf(&b, "\n**Partial:** %s not fully collected; passes there are reported unknown.\n", strings.Join(r.IncompleteTargets, ", "))
	}
	b.WriteString("\n| control | status | evidence | affected | remediation |\n|---|---|---|---|---|\n")
	for _, c := range r.Controls {
		keys := make([]string, 0, len(c.Evidence))
		for k := range c.Evidence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var ev []string
		for _, k := range keys {
			ev = append(ev, fmt.Sprintf("%s=%v", k, c.Evidence[k]))
		}
		fmt.Fprintf(&b, "| %s %s | **%s** | %s | %d | %s |\n", c.ID, cell(c.Title), c.Status, cell(strings.Join(ev, ", ")), c.AffectedCount, cell(c.Remediation))
	}
	return b.String()
}
