package analysis

import (
	"context"
	"encoding/json"
	"errors"
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

// ---- get_metrics
//
// Design decisions:
//   - GatherMetrics is the one way to a MetricsReport (the tool, the
//     recovery://metrics resource, the dashboard and the compliance report
//     use it): the estate in scope from the collector, the workflow runs
//     from the engine's journal (the newest 500, the engine's list limit;
//     the report says when older runs of the period were not read), and the
//     audit trail for the compliance scores.
//   - Runs are stamped by the engine's clock (wall time); the estate is
//     judged by its own (the simulated clock in --demo). Run times are
//     shifted by Clock() - Now() onto the estate's clock, so one period
//     applies to both (the shift is 0 on a real estate).
//   - Charts are on by default and off with charts=false; each chart the
//     report could have drawn is listed in "charts" with included=false and
//     the reason when there was nothing to draw.

// MaxRuns is how many of the newest runs the metrics, the report and the
// dashboard read.
const MaxRuns = 500

// MetricsPeriod reads the period arguments: period (7d, 30d, 90d; default
// 30d) ending at to (default now), or from..to. Times are RFC 3339, dates
// or ages ("14d" is 14 days before now); to may be "now". The tool takes
// them as one argument, period "7d" or "from/to" (ISO 8601 interval style).
func MetricsPeriod(period, from, to string, now time.Time) (eng.Period, error) {
	end := now.UTC()
	var err error
	if to != "" && to != "now" {
		if end, err = kit.ParseTime("to", to, now, false); err != nil {
			return eng.Period{}, err
		}
	}
	if from != "" {
		start, err := kit.ParseTime("from", from, now, false)
		if err != nil {
			return eng.Period{}, err
		}
		if !start.Before(end) {
			return eng.Period{}, kit.InvalidArgs("argument from: must be before to (" + end.Format(time.RFC3339) + ")")
		}
		p := eng.Between(start, end)
		if to == "" || to == "now" {
			p.Label = "since " + start.Format("2006-01-02")
		}
		return p, nil
	}
	days := 30
	switch period {
	case "", "30d":
	case "7d":
		days = 7
	case "90d":
		days = 90
	default:
		return eng.Period{}, kit.InvalidArgs(fmt.Sprintf("argument period: %q: want 7d, 30d or 90d, or from and to", period))
	}
	p := eng.LastDays(end, days)
	if to != "" && to != "now" {
		p.Label = fmt.Sprintf("%d days to %s", days, end.Format("2006-01-02"))
	}
	return p, nil
}

// GatherMetrics computes the success metrics of scope over period.
func GatherMetrics(ctx context.Context, env *kit.Env, scope eng.MetricsScope, period eng.Period) (eng.MetricsReport, error) {
	list, err := ReadRuns(ctx, env)
	if err != nil {
		return eng.MetricsReport{}, err
	}
	return metricsOf(ctx, env, scope, period, list)
}

// metricsOf is GatherMetrics over runs already read (ReadRuns), so that
// a report or the dashboard reads the run list once per call.
func metricsOf(ctx context.Context, env *kit.Env, scope eng.MetricsScope, period eng.Period, list []workflow.Run) (eng.MetricsReport, error) {
	e, err := Estate(ctx, env, scope.Target, "")
	if err != nil {
		return eng.MetricsReport{}, err
	}
	in := eng.MetricsInput{Estate: e, Audit: AuditRecords(env), Period: period, Scope: scope, Rules: env.Rules, Targets: eng.DefaultMetricTargets()}
	in.Runs, in.RunsNote = Runs(env, list, period)
	rep := eng.Metrics(in)
	if rep.Error != "" {
		return rep, kit.InvalidArgs(rep.Error)
	}
	return rep, nil
}

// ReadRuns reads the newest MaxRuns workflow runs, newest first (nil
// when no workflow engine is configured).
func ReadRuns(ctx context.Context, env *kit.Env) ([]workflow.Run, error) {
	if env.Workflows == nil {
		return nil, nil
	}
	list, err := env.Workflows.List(ctx, workflow.Filter{Limit: MaxRuns})
	if err != nil {
		return nil, fmt.Errorf("read workflow runs: %w", err)
	}
	return list, nil
}

// Runs converts the runs read by ReadRuns for the metrics, on the
// estate's clock; note says why they are absent or incomplete.
func Runs(env *kit.Env, list []workflow.Run, period eng.Period) (runs []eng.RunRecord, note string) {
	if env.Workflows == nil {
		return nil, "no workflow engine configured"
	}
	var shift time.Duration
	if env.Clock != nil && env.Now != nil {
		shift = env.Clock().Sub(env.Now())
	}
	for i := range list {
		runs = append(runs, RunRecord(&list[i], shift))
	}
	if len(list) == MaxRuns && runs[len(runs)-1].Created.After(period.From) {
		note = fmt.Sprintf("only the newest %d runs were read; older runs of the period are not counted", MaxRuns)
	}
	return runs, note
}

// RunRecord converts a workflow run for the metrics engine, its times
// shifted by shift.
func RunRecord(r *workflow.Run, shift time.Duration) eng.RunRecord {
	var p struct {
		Target string `json:"target"`
		Volume string `json:"volume"`
		SVM    string `json:"svm"`
		VM     string `json:"vm"`
		Type   string `json:"type"`
		Option string `json:"option"`
	}
	_ = json.Unmarshal(r.Params, &p) // params were validated when the run started; a field missing stays ""
	var res struct {
		RTO         float64 `json:"rto_s"`
		MeasuredRTO float64 `json:"measured_rto_s"`
		RTOTarget   float64 `json:"rto_target_s"`
		Passed      *bool   `json:"passed"`
		Entities    []struct {
			Entity string `json:"entity"`
			Passed bool   `json:"passed"`
		} `json:"entities"` // a full-DR drill's entities
	}
	if len(r.Result) > 0 {
		_ = json.Unmarshal(r.Result, &res) // results of other kinds have none of these fields
	}
	out := eng.RunRecord{ID: r.ID, Kind: r.Kind, Type: p.Type, Status: string(r.Status), DryRun: r.DryRun, Target: p.Target,
		Created: r.Created.Add(shift).UTC(), RTOSeconds: res.RTO, RTOTargetSeconds: res.RTOTarget, Passed: res.Passed}
	if r.Kind == eng.RunDataRecovery {
		out.Type = p.Option
	}
	if res.MeasuredRTO > 0 {
		out.RTOSeconds = res.MeasuredRTO
	}
	switch {
	case p.VM != "":
		out.Entity = p.VM
	case p.SVM != "" && !strings.Contains(p.Volume, ":"):
		out.Entity = p.SVM + ":" + p.Volume
	default:
		out.Entity = p.Volume
	}
	if r.Status.Finished() {
		out.Ended = r.Updated.Add(shift).UTC()
	}
	switch {
	case r.Kind == eng.RunRecoveryTesting && len(res.Entities) > 0:
		for _, e := range res.Entities {
			if e.Passed && e.Entity != "" {
				out.Tested = append(out.Tested, e.Entity)
			}
		}
	case r.Kind == eng.RunRecoveryTesting && res.Passed != nil && *res.Passed && out.Entity != "",
		r.Kind == eng.RunDisasterRecovery && p.Type == "test" && r.Status == workflow.StatusSucceeded && out.Entity != "":
		// Qualified by the run's target where it names one, so that a
		// drill of db01 on one Prism Central does not vouch for a db01 on
		// another.
		out.Tested = []string{out.Entity}
		if p.Target != "" {
			out.Tested[0] = p.Target + ":" + out.Entity
		}
	}
	return out
}

// ChartNote says which chart a result carries, or why not.
type ChartNote struct {
	Name     string `json:"name"`
	Title    string `json:"title,omitempty"`
	Included bool   `json:"included"`
	Bytes    int    `json:"bytes,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// chartSet collects rendered charts and the notes about them.
type chartSet struct {
	notes  []ChartNote
	images []kit.Image
}

func (c *chartSet) add(name string, spec charts.Spec, err error) {
	if err == nil {
		var png []byte
		if png, err = charts.Render(spec); err == nil {
			c.images = append(c.images, kit.Image{MIMEType: "image/png", Data: png})
			c.notes = append(c.notes, ChartNote{Name: name, Title: spec.Title, Included: true, Bytes: len(png)})
			return
		}
	}
	reason := err.Error()
	var nd *charts.NoData
	if errors.As(err, &nd) {
		reason = nd.Reason
	}
	c.notes = append(c.notes, ChartNote{Name: name, Reason: reason})
}

func chartsOff(names ...string) []ChartNote {
	out := make([]ChartNote, len(names))
	for i, n := range names {
		out[i] = ChartNote{Name: n, Reason: "charts=false"}
	}
	return out
}

var metricCharts = []string{charts.ChartSuccessRate, charts.ChartRPOByTier, charts.ChartDrillRTO, charts.ChartLag}

// MetricCharts draws the report's charts (success per week, RPO per tier,
// drill RTO, replication lag): PNG images, and a note for each chart,
// drawn or not and why.
func MetricCharts(rep eng.MetricsReport) ([]kit.Image, []ChartNote) {
	var c chartSet
	target := 0.0
	if m := rep.Metric(eng.MetricBackupSuccess); m != nil && m.Target != nil {
		target = *m.Target
	}
	s, err := charts.SuccessRateSpec(rep.Weekly, target, rep.Period)
	c.add(charts.ChartSuccessRate, s, err)
	s, err = charts.RPOByTierSpec(rep.RPOTiers, rep.Period)
	c.add(charts.ChartRPOByTier, s, err)
	s, err = charts.DrillRTOSpec(rep.Drills, rep.Period)
	c.add(charts.ChartDrillRTO, s, err)
	s, err = charts.LagSpec(rep.Lag, rep.Period)
	c.add(charts.ChartLag, s, err)
	return c.images, c.notes
}

// MetricsArgs scope the metrics.
type MetricsArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Target name."`
	Tier   int    `json:"tier,omitempty" jsonschema:"minimum=1" jsonschema_description:"Business tier."`
	Entity string `json:"entity,omitempty" jsonschema_description:"VM, volume group or volume."`
	Period string `json:"period,omitempty" jsonschema_description:"7d, 30d (default), 90d or from/to (times or ages)."`
	Format string `json:"format,omitempty" jsonschema:"enum=structured,enum=markdown" jsonschema_description:"markdown: a report as text."`
	Charts *bool  `json:"charts,omitempty" jsonschema_description:"false: no PNG charts."`
}

// MetricsResult is the metrics report and its charts.
type MetricsResult struct {
	Report eng.MetricsReport `json:"report"`
	Charts []ChartNote       `json:"charts"`
	md     bool
	images []kit.Image
}

// Images are the PNG charts.
func (r *MetricsResult) Images() []kit.Image { return r.images }

// Summary leads the text result.
func (r MetricsResult) Summary() string { return MetricsSummary(r.Report) }

// Text renders Markdown when asked for.
func (r MetricsResult) Text() string {
	if !r.md {
		return ""
	}
	return MetricsMarkdown(r.Report, r.Charts)
}

// MetricsSummary is one line: every metric's value or "n/a".
func MetricsSummary(r eng.MetricsReport) string {
	var parts []string
	for i := range r.Metrics {
		m := &r.Metrics[i]
		v := "n/a"
		if m.Value != nil {
			v = eng.FormatValue(*m.Value, m.Unit)
		}
		parts = append(parts, strings.ToLower(m.Title)+" "+v)
	}
	return fmt.Sprintf("metrics of %s over %s: %s%s", scopeText(r.Scope), r.Period.Label, strings.Join(parts, "; "), partialNote(r.Partial, r.IncompleteTargets))
}

func scopeText(s eng.MetricsScope) string {
	var parts []string
	if s.Target != "" {
		parts = append(parts, "target "+s.Target)
	}
	if s.Tier != 0 {
		parts = append(parts, fmt.Sprintf("tier %d", s.Tier))
	}
	if s.Entity != "" {
		parts = append(parts, "entity "+s.Entity)
	}
	if len(parts) == 0 {
		return "the estate"
	}
	return strings.Join(parts, ", ")
}

func getMetrics() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "get_metrics", Title: "Success metrics", Toolset: Toolset, Tier: safety.Read,
		Description: "Backup success rate, RPO met, drill RTO, MTTR, test success, storage efficiency, compliance over a period, each with its source; PNG charts.",
	}, func(ctx context.Context, c *kit.Call, a MetricsArgs) (MetricsResult, error) {
		period, from, to := a.Period, "", ""
		if f, t, ok := strings.Cut(a.Period, "/"); ok {
			period, from, to = "", f, t
			if from == "" {
				return MetricsResult{}, kit.InvalidArgs("argument period: from/to needs a from")
			}
		}
		p, err := MetricsPeriod(period, from, to, c.Env.Clock())
		if err != nil {
			return MetricsResult{}, err
		}
		rep, err := GatherMetrics(ctx, c.Env, eng.MetricsScope{Target: a.Target, Tier: a.Tier, Entity: a.Entity}, p)
		if err != nil {
			return MetricsResult{}, err
		}
		res := MetricsResult{Report: rep, md: a.Format == "markdown"}
		if a.Charts == nil || *a.Charts {
			res.images, res.Charts = MetricCharts(rep)
		} else {
			res.Charts = chartsOff(metricCharts...)
		}
		return res, nil
	})
}

// MetricsMarkdown renders the report for people: a table of the metrics
// with target and source, then the detail behind them.
func MetricsMarkdown(r eng.MetricsReport, notes []ChartNote) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Backup success metrics: %s\n\n%s, %s to %s. As of %s.%s\n\n", scopeText(r.Scope), r.Period.Label,
		ts(r.Period.From), ts(r.Period.To), ts(r.AsOf), partialNote(r.Partial, r.IncompleteTargets))
	b.WriteString("| Metric | Value | Target | Met | Source |\n|---|---|---|---|---|\n")
	for i := range r.Metrics {
		m := &r.Metrics[i]
		tgt, met := "-", "-"
		if m.Target != nil {
			tgt = eng.FormatValue(*m.Target, m.Unit)
		}
		if m.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*m.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", m.Title, cell(m.Text()), tgt, met, cell(sourceText(m.Source)))
	}
	if len(r.Weekly) > 0 {
		b.WriteString("\n## Backup success per week\n\n| Week from | Succeeded | Failed | Rate |\n|---|---|---|---|\n")
		for _, w := range r.Weekly {
			rate := "-"
			if w.Rate != nil {
				rate = eng.FormatValue(*w.Rate, "%")
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", w.Start.Format("2006-01-02"), w.Succeeded, w.Failed, rate)
		}
	}
	if len(r.RPOTiers) > 0 {
		b.WriteString("\n## RPO achieved per tier\n\n| Tier | Entities | Met | Median achieved | p95 achieved | Median target | No recovery point |\n|---|---|---|---|---|---|---|\n")
		for _, t := range r.RPOTiers {
			fmt.Fprintf(&b, "| %d | %d | %d | %s | %s | %s | %d |\n", t.Tier, t.Entities, t.Met, eng.FormatValue(t.MedianAchievedSeconds, "s"),
				eng.FormatValue(t.P95AchievedSeconds, "s"), eng.FormatValue(t.MedianTargetSeconds, "s"), t.NoRecoveryPoint)
		}
		var worst []eng.EntityRPO
		for _, e := range r.RPOEntities {
			if !e.Met && len(worst) < 10 {
				worst = append(worst, e)
			}
		}
		if len(worst) > 0 {
			b.WriteString("\nMissing their RPO (worst first):\n\n")
			for _, e := range worst {
				ach := e.Missing
				if e.AchievedSeconds != nil {
					ach = eng.FormatValue(*e.AchievedSeconds, "s")
				}
				fmt.Fprintf(&b, "- %s: %s against %s\n", entity(e.Entity), ach, eng.FormatValue(e.TargetSeconds, "s"))
			}
		}
	}
	if len(r.Drills) > 0 {
		b.WriteString("\n## Drills\n\n| Run | When | Entity | RTO | Target | Passed |\n|---|---|---|---|---|---|\n")
		for _, d := range r.Drills {
			tgt := "-"
			if d.RTOTargetSeconds > 0 {
				tgt = eng.FormatValue(d.RTOTargetSeconds, "s")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %v |\n", d.RunID, ts(d.At), cell(d.Entity), eng.FormatValue(d.RTOSeconds, "s"), tgt, d.Passed)
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n## Charts\n\n")
		for _, n := range notes {
			if n.Included {
				fmt.Fprintf(&b, "- %s: attached\n", n.Title)
			} else {
				fmt.Fprintf(&b, "- %s: not drawn (%s)\n", n.Name, n.Reason)
			}
		}
	}
	return b.String()
}

func sourceText(s eng.Source) string {
	var parts []string
	for _, k := range sortedCounts(s.Counts) {
		parts = append(parts, fmt.Sprintf("%d %s", s.Counts[k], strings.ReplaceAll(k, "_", " ")))
	}
	out := strings.Join(parts, ", ")
	if s.Note != "" {
		out += " (" + s.Note + ")"
	}
	return out
}

func sortedCounts(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
