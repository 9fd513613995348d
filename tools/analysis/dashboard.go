package analysis

// show_dashboard: the dashboard as an MCP App.
//
// Design decisions:
//   - One tool, two renderings of the same result. A host with the MCP Apps
//     extension (io.modelcontextprotocol/ui) sees _meta.ui.resourceUri on
//     the tool, loads the ui://recovery-mcp/dashboard page (package
//     resources) and hands it this result; the page draws it from the
//     structured content. Every other client gets the text content, which
//     is the same data as a Markdown report. The tool does not sniff the
//     client's capabilities: the answer is the same for everyone, so a
//     test of one is a test of both.
//   - The page refreshes by calling show_dashboard through the host
//     (tools/call), never by fetching anything itself: it has no network.
//   - The result holds the few numbers a person reads at a glance (score,
//     findings by severity, the most severe findings, the success metrics
//     of the last 30 days with their targets and sources, runs by status,
//     the runs waiting for approval) and says what it could not show (no
//     workflow engine, a metric without data) instead of showing zeros.
//   - Charts: the text fallback carries two PNG charts (backup success per
//     week, RPO achieved against target per tier) as image content, drawn
//     by the same code as get_metrics; the app draws its own from the
//     structured content. There is no charts argument: every argument is
//     paid for in tools/list, and get_metrics has one for whoever wants
//     the numbers without pictures.

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/charts"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// DashboardURI is the MCP App page that shows show_dashboard's result.
const DashboardURI = "ui://recovery-mcp/dashboard"

// How much of each list the dashboard shows.
const (
	dashFindings = 8
	dashRecent   = 10
)

// DashboardArgs take nothing: the dashboard covers every target.
type DashboardArgs struct{}

// DashboardResult is what the dashboard shows.
//
// Few top-level fields on purpose: tools/list carries their names for
// every conversation.
type DashboardResult struct {
	Health  DashHealth  `json:"health"`
	Metrics DashMetrics `json:"metrics"`
	Runs    DashRuns    `json:"runs"`
	images  []kit.Image
}

// Images are the PNG charts of the text fallback.
func (d *DashboardResult) Images() []kit.Image { return d.images }

// DashMetrics are the success metrics of the last 30 days (get_metrics'
// numbers, estate-wide).
type DashMetrics struct {
	Period string       `json:"period"`
	Items  []DashMetric `json:"items"`
	Charts []ChartNote  `json:"charts"`
}

// DashMetric is one metric in a line: its value formatted, or n/a and why.
type DashMetric struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Value      *float64 `json:"value"`
	Text       string   `json:"text"`
	TargetText string   `json:"target_text,omitempty"`
	Met        *bool    `json:"met,omitempty"`
	Source     string   `json:"source"`
}

// DashHealth is the health summary.
type DashHealth struct {
	AsOf              time.Time          `json:"as_of"`
	Score             int                `json:"score"`
	Counts            eng.SeverityCounts `json:"counts"`
	EntitiesEvaluated int                `json:"entities_evaluated"`
	Partial           bool               `json:"partial"`
	IncompleteTargets []string           `json:"incomplete_targets,omitempty"`
	// Top are the most severe findings, most severe first.
	Top []DashFinding `json:"top_findings"`
}

// DashFinding is one finding in a line.
type DashFinding struct {
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Entity   string `json:"entity"`
	Target   string `json:"target,omitempty"`
	Summary  string `json:"summary"`
}

// DashRuns counts workflow runs.
type DashRuns struct {
	// Available is false when the server runs no workflow engine; Note
	// says so.
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`
	// Counted is how many runs were counted (the newest, up to 500).
	Counted  int            `json:"counted"`
	ByStatus map[string]int `json:"by_status"`
	Recent   []DashRun      `json:"recent"`
	// Approvals are the runs waiting for approval of a destructive step,
	// the soonest to time out first.
	Approvals []DashApproval `json:"approvals"`
}

// DashRun is one run in a line.
type DashRun struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Created  string `json:"created"`
	Progress string `json:"progress,omitempty"`
}

// DashApproval is a run waiting for approval of a destructive step.
type DashApproval struct {
	RunID        string `json:"run_id"`
	Kind         string `json:"kind"`
	Step         string `json:"step"`
	ApproverRole string `json:"approver_role"`
	TimeoutAt    string `json:"timeout_at"`
}

// Summary leads the text result.
func (d DashboardResult) Summary() string {
	c := d.Health.Counts
	return fmt.Sprintf("dashboard: health %d/100 (%d critical, %d high, %d medium, %d low), %d approvals waiting",
		d.Health.Score, c.Critical, c.High, c.Medium, c.Low, d.approvals())
}

func (d DashboardResult) approvals() int {
	return len(d.Runs.Approvals)
}

// Text is the Markdown fallback for clients without MCP Apps.
func (d DashboardResult) Text() string { return DashboardMarkdown(d) }

func showDashboard() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "show_dashboard", Title: "Dashboard", Toolset: Toolset, Tier: safety.Read, UI: DashboardURI,
		Description: "Health, findings, metrics, runs, approvals: app or Markdown.",
	}, func(ctx context.Context, c *kit.Call, _ DashboardArgs) (DashboardResult, error) {
		return Dashboard(ctx, c.Env)
	})
}

// Dashboard gathers the dashboard's data from the estate and the workflow
// engine.
func Dashboard(ctx context.Context, env *kit.Env) (DashboardResult, error) {
	e, err := Estate(ctx, env, "", "")
	if err != nil {
		return DashboardResult{}, err
	}
	rep := health(e, env.Rules)
	d := DashboardResult{
		Health: DashHealth{AsOf: rep.AsOf, Score: rep.Score, Counts: rep.Counts, EntitiesEvaluated: rep.EntitiesEvaluated,
			Partial: rep.Partial, IncompleteTargets: rep.IncompleteTargets, Top: []DashFinding{}},
	}
	for _, f := range rep.Findings[:min(dashFindings, len(rep.Findings))] { // most severe first
		d.Health.Top = append(d.Health.Top, DashFinding{Severity: string(f.Severity), Check: f.Check,
			Entity: f.Entity.Name, Target: f.Entity.Target, Summary: f.Summary})
	}
	runs, err := ReadRuns(ctx, env) // once: for the metrics and the run tables
	if err != nil {
		return DashboardResult{}, fmt.Errorf("dashboard: %w", err)
	}
	if d.Metrics, d.images, err = dashMetrics(ctx, env, runs); err != nil {
		return DashboardResult{}, err
	}
	d.Runs = DashRuns{ByStatus: map[string]int{}, Recent: []DashRun{}, Approvals: []DashApproval{}}
	if env.Workflows == nil {
		d.Runs.Note = "no workflow engine on this server (workflows.state_file): runs and approvals unknown"
		return d, nil
	}
	d.Runs.Available, d.Runs.Counted = true, len(runs)
	for i, r := range runs { // newest first
		d.Runs.ByStatus[string(r.Status)]++
		if i < dashRecent {
			d.Runs.Recent = append(d.Runs.Recent, DashRun{ID: r.ID, Kind: r.Kind, Status: string(r.Status),
				Created: r.Created.UTC().Format(time.RFC3339), Progress: r.Progress})
		}
		if r.Status == workflow.StatusWaiting && r.Waiting != nil {
			d.Runs.Approvals = append(d.Runs.Approvals, DashApproval{RunID: r.ID, Kind: r.Kind, Step: r.Waiting.Step,
				ApproverRole: r.Waiting.ApproverRole, TimeoutAt: r.Waiting.TimeoutAt.UTC().Format(time.RFC3339)})
		}
	}
	ap := d.Runs.Approvals
	sort.SliceStable(ap, func(i, j int) bool { return ap[i].TimeoutAt < ap[j].TimeoutAt })
	return d, nil
}

// dashMetrics gathers the last 30 days' metrics and the two charts of the
// fallback.
func dashMetrics(ctx context.Context, env *kit.Env, runs []workflow.Run) (DashMetrics, []kit.Image, error) {
	p, err := MetricsPeriod("30d", "", "", env.Clock())
	if err != nil {
		return DashMetrics{}, nil, err
	}
	rep, err := metricsOf(ctx, env, eng.MetricsScope{}, p, runs)
	if err != nil {
		return DashMetrics{}, nil, fmt.Errorf("dashboard: metrics: %w", err)
	}
	m := DashMetrics{Period: rep.Period.Label, Items: make([]DashMetric, 0, len(rep.Metrics))}
	for i := range rep.Metrics {
		x := &rep.Metrics[i]
		dm := DashMetric{ID: x.ID, Title: x.Title, Value: x.Value, Text: x.Text(), Met: x.Met, Source: sourceText(x.Source)}
		if x.Target != nil {
			dm.TargetText = eng.FormatValue(*x.Target, x.Unit)
		}
		m.Items = append(m.Items, dm)
	}
	var c chartSet
	target := 0.0
	if b := rep.Metric(eng.MetricBackupSuccess); b != nil && b.Target != nil {
		target = *b.Target
	}
	spec, err := charts.SuccessRateSpec(rep.Weekly, target, rep.Period)
	c.add(charts.ChartSuccessRate, spec, err)
	spec, err = charts.RPOByTierSpec(rep.RPOTiers, rep.Period)
	c.add(charts.ChartRPOByTier, spec, err)
	m.Charts = c.notes
	return m, c.images, nil
}

// DashboardMarkdown renders the dashboard for people, in the order the
// app shows it.
func DashboardMarkdown(d DashboardResult) string {
	var b strings.Builder
	c := d.Health.Counts
	fmt.Fprintf(&b, "# Backup dashboard\n\nAs of %s.\n\n## Health: %d/100\n\n%d entities evaluated.\n\n| critical | high | medium | low |\n|---|---|---|---|\n| %d | %d | %d | %d |\n",
		ts(d.Health.AsOf), d.Health.Score, d.Health.EntitiesEvaluated, c.Critical, c.High, c.Medium, c.Low)
	if len(d.Health.Top) > 0 {
		b.WriteString("\nMost severe findings:\n\n| severity | check | entity | finding |\n|---|---|---|---|\n")
		for _, f := range d.Health.Top {
			ent := f.Entity
			if f.Target != "" {
				ent += " (" + f.Target + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.Severity, f.Check, cell(ent), cell(f.Summary))
		}
	}
	if d.Health.Partial {
		fmt.Fprintf(&b, "\n**Partial:** %s not fully collected; their entities are missing, not healthy.\n", strings.Join(d.Health.IncompleteTargets, ", "))
	}
	if len(d.Metrics.Items) > 0 {
		fmt.Fprintf(&b, "\n## Success metrics (%s)\n\n| metric | value | target | met | source |\n|---|---|---|---|---|\n", d.Metrics.Period)
		for _, m := range d.Metrics.Items {
			met := "-"
			if m.Met != nil {
				met = map[bool]string{true: "yes", false: "**no**"}[*m.Met]
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", m.Title, cell(m.Text), cmp.Or(m.TargetText, "-"), met, cell(m.Source))
		}
		for _, c := range d.Metrics.Charts {
			if c.Included {
				fmt.Fprintf(&b, "\nChart attached: %s.\n", c.Title)
			}
		}
	}
	if !d.Runs.Available {
		fmt.Fprintf(&b, "\n## Workflow runs\n\n_%s._\n", d.Runs.Note)
	} else {
		fmt.Fprintf(&b, "\n## Approvals waiting: %d\n", len(d.Runs.Approvals))
		if len(d.Runs.Approvals) > 0 {
			b.WriteString("\n| run | kind | step | approver role | times out |\n|---|---|---|---|---|\n")
			for _, a := range d.Runs.Approvals {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", a.RunID, a.Kind, cell(a.Step), a.ApproverRole, a.TimeoutAt)
			}
		}
		fmt.Fprintf(&b, "\n## Workflow runs: %d\n\n", d.Runs.Counted)
		statuses := make([]string, 0, len(d.Runs.ByStatus))
		for s := range d.Runs.ByStatus {
			statuses = append(statuses, s)
		}
		sort.Strings(statuses)
		for _, s := range statuses {
			fmt.Fprintf(&b, "- %s: %d\n", s, d.Runs.ByStatus[s])
		}
		if len(d.Runs.Recent) > 0 {
			b.WriteString("\n| run | kind | status | created | progress |\n|---|---|---|---|---|\n")
			for _, r := range d.Runs.Recent {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.ID, r.Kind, r.Status, r.Created, cell(r.Progress))
			}
		}
	}
	return b.String()
}
