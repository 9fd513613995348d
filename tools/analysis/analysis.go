// Package analysis is the analysis toolset: backup health, unprotected
// entities, failure prediction, recovery recommendations, policy
// optimization and compliance reports. Each tool collects the estate in
// scope (every configured target, concurrently, cached for 30 seconds and
// invalidated by any write), runs the pure engine of internal/analysis over
// it and returns its findings: each with severity, the numbers it rests on,
// a recommendation and the exact next tool call. format=markdown renders the
// text content as a report for people; the structured content is the same.
package analysis

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/charts"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Toolset is this toolset's name.
const Toolset = "analysis"

// Tools returns the toolset.
func Tools() []kit.Tool {
	return []kit.Tool{backupHealth(), findUnprotected(), predictFailures(), recommendRecovery(), optimizePolicy(), complianceReport(), getMetrics(), showDashboard()}
}

// Scope selects what to analyse.
type Scope struct {
	Target   string   `json:"target,omitempty" jsonschema_description:"Target name."`
	Site     string   `json:"site,omitempty" jsonschema_description:"Site name."`
	Entities []string `json:"entities,omitempty" jsonschema_description:"Entity names."`
	Format   string   `json:"format,omitempty" jsonschema:"enum=structured,enum=markdown" jsonschema_description:"markdown: a report as text."`
}

// Estate collects the estate in scope; failures name the scope.
func Estate(ctx context.Context, env *kit.Env, target, site string) (*inventory.Estate, error) {
	s := collect.Scope{Site: site}
	if target != "" {
		s.Targets = []string{target}
	}
	e, err := env.Collector.Collect(ctx, s)
	if err != nil {
		return nil, kit.Fail(kit.KindInvalidArgs, err, "Check target and site with list_targets.")
	}
	return e, nil
}

func inScope(names []string, ref eng.EntityRef) bool {
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if strings.EqualFold(n, ref.Name) || n == ref.ID {
			return true
		}
	}
	return false
}

// maxItems bounds long lists (findings, predictions) in one result; the
// engines sort most severe first, so the cut keeps what matters.
const maxItems = 100

func cut[T any](items []T, limit int) ([]T, bool) {
	if limit <= 0 || limit > maxItems {
		limit = maxItems
	}
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}

// ---- backup_health

// HealthArgs scope a health report.
type HealthArgs struct {
	Scope
	MinSeverity string `json:"min_severity,omitempty" jsonschema:"enum=critical,enum=high,enum=medium,enum=low" jsonschema_description:"Hide findings below this."`
	Limit       int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=100" jsonschema_description:"Findings to return (default 50)."`
}

// HealthResult is the health report.
type HealthResult struct {
	eng.HealthReport
	Returned  int    `json:"returned"`
	Truncated bool   `json:"truncated"`
	Note      string `json:"note,omitempty"`
	md        bool
}

// Len and TruncateTo let the tool kit cut findings to the response budget.
func (r *HealthResult) Len() int { return len(r.Findings) }

// TruncateTo keeps the n most severe findings.
func (r *HealthResult) TruncateTo(n int, why string) {
	if n < len(r.Findings) {
		r.Findings, r.Returned, r.Truncated = r.Findings[:n], n, true
	}
	if why != "" {
		r.Note = why
	}
}

// Summary leads the text result.
func (r HealthResult) Summary() string {
	return fmt.Sprintf("backup health score %d/100: %d critical, %d high, %d medium, %d low findings over %d entities%s",
		r.Score, r.Counts.Critical, r.Counts.High, r.Counts.Medium, r.Counts.Low, r.EntitiesEvaluated, partialNote(r.Partial, r.IncompleteTargets))
}

// Text renders the Markdown report when asked for.
func (r HealthResult) Text() string {
	if !r.md {
		return ""
	}
	return HealthMarkdown(r.HealthReport, r.Findings, r.Truncated)
}

func partialNote(partial bool, targets []string) string {
	if !partial {
		return ""
	}
	return " (PARTIAL: " + strings.Join(targets, ", ") + " not fully collected)"
}

func backupHealth() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "backup_health", Title: "Backup health report", Toolset: Toolset, Tier: safety.Read,
		Description: "Backup health across targets (RPO, lag, failures, expiry, capacity, 3-2-1-1-0): findings with evidence and the next tool call, and a 0-100 score.",
	}, func(ctx context.Context, c *kit.Call, a HealthArgs) (HealthResult, error) {
		e, err := Estate(ctx, c.Env, a.Target, a.Site)
		if err != nil {
			return HealthResult{}, err
		}
		rep := health(e, c.Env.Rules)
		min := eng.Severity(a.MinSeverity)
		var kept []eng.Finding
		for _, f := range rep.Findings {
			if (min == "" || f.Severity.Rank() <= min.Rank()) && inScope(a.Entities, f.Entity) {
				kept = append(kept, f)
			}
		}
		limit := a.Limit
		if limit == 0 {
			limit = 50
		}
		res := HealthResult{HealthReport: rep, md: a.Format == "markdown"}
		res.Findings, res.Truncated = cut(kept, limit)
		res.Returned = len(res.Findings)
		if res.Truncated {
			res.Note = fmt.Sprintf("%d of %d findings shown, most severe first; narrow with target, site, entities or min_severity", res.Returned, len(kept))
		}
		if res.Findings == nil {
			res.Findings = []eng.Finding{}
		}
		return res, nil
	})
}

// ---- find_unprotected

// UnprotectedArgs scope the search.
type UnprotectedArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Target name."`
	Site   string `json:"site,omitempty" jsonschema_description:"Site name."`
	Kind   string `json:"kind,omitempty" jsonschema:"enum=vm,enum=volume_group,enum=volume" jsonschema_description:"Only this kind."`
}

// Unprotected is an entity without protection.
type Unprotected struct {
	eng.EntityRef
	Reason         string        `json:"reason"`
	Severity       string        `json:"severity"`
	SizeBytes      int64         `json:"size_bytes,omitempty"`
	Recommendation string        `json:"recommendation"`
	NextTool       *eng.ToolCall `json:"next_tool,omitempty"`
}

// UnprotectedList lists unprotected entities.
type UnprotectedList struct {
	kit.List[Unprotected]
	Partial bool `json:"partial"`
}

// Summary leads the text result.
func (l UnprotectedList) Summary() string {
	return fmt.Sprintf("%d unprotected entities%s", l.Total, partialNote(l.Partial, nil))
}

func findUnprotected() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "find_unprotected", Title: "Find unprotected VMs and volumes", Toolset: Toolset, Tier: safety.Read,
		Description: "List VMs, volume groups and volumes with no protection policy or no recovery point, largest first, with the call that protects each.",
	}, func(ctx context.Context, c *kit.Call, a UnprotectedArgs) (UnprotectedList, error) {
		e, err := Estate(ctx, c.Env, a.Target, a.Site)
		if err != nil {
			return UnprotectedList{}, err
		}
		rep := health(e, c.Env.Rules)
		ix := e.Index()
		var items []Unprotected
		for _, f := range rep.Findings {
			if f.Check != "unprotected" || (a.Kind != "" && f.Entity.Kind != a.Kind) {
				continue
			}
			u := Unprotected{EntityRef: f.Entity, Reason: f.Summary, Severity: string(f.Severity), Recommendation: f.Recommendation, NextTool: f.NextTool}
			if ent := ix.Entity(f.Entity.ID); ent != nil {
				u.SizeBytes = ent.SizeBytes
			}
			items = append(items, u)
		}
		sortBySize(items)
		shown, _ := cut(items, maxItems)
		out := UnprotectedList{List: kit.NewList(shown, len(items), 0, maxItems), Partial: rep.Partial}
		return out, nil
	})
}

// sortBySize puts the largest first (most data at risk), then by name.
func sortBySize(items []Unprotected) {
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].SizeBytes != items[j].SizeBytes {
			return items[i].SizeBytes > items[j].SizeBytes
		}
		return items[i].Name < items[j].Name
	})
}

// ---- predict_backup_failures

// PredictArgs scope predictions.
type PredictArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Target name."`
	Site   string `json:"site,omitempty" jsonschema_description:"Site name."`
	Entity string `json:"entity,omitempty" jsonschema_description:"One VM, volume group or volume: all its assessments."`
	Format string `json:"format,omitempty" jsonschema:"enum=structured,enum=markdown" jsonschema_description:"markdown: a report as text."`
	Limit  int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=100" jsonschema_description:"Default 50."`
	Charts *bool  `json:"charts,omitempty" jsonschema_description:"false: no PNG charts."`
}

// PredictResult holds predictions.
type PredictResult struct {
	AsOf        time.Time        `json:"as_of"`
	Partial     bool             `json:"partial"`
	Predictions []eng.Prediction `json:"predictions"`
	Total       int              `json:"total"`
	Truncated   bool             `json:"truncated"`
	// Charts: the days-to-full forecast of the most urgent volume.
	Charts []ChartNote `json:"charts"`
	md     bool
	images []kit.Image
}

// Images are the PNG charts.
func (r *PredictResult) Images() []kit.Image { return r.images }

// Len and TruncateTo let the tool kit cut predictions to the response budget.
func (r *PredictResult) Len() int { return len(r.Predictions) }

// TruncateTo keeps the first n (most severe) predictions.
func (r *PredictResult) TruncateTo(n int, _ string) {
	if n < len(r.Predictions) {
		r.Predictions, r.Truncated = r.Predictions[:n], true
	}
}

// Summary leads the text result.
func (r PredictResult) Summary() string {
	n := map[eng.Severity]int{}
	for _, p := range r.Predictions {
		n[p.Severity]++
	}
	return fmt.Sprintf("%d predictions (%d critical, %d high)%s", r.Total, n[eng.Critical], n[eng.High], partialNote(r.Partial, nil))
}

// Text renders Markdown when asked for.
func (r PredictResult) Text() string {
	if !r.md {
		return ""
	}
	return PredictionsMarkdown(r.Predictions, r.Total, r.AsOf)
}

func predictFailures() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "predict_backup_failures", Title: "Predict backup failures", Toolset: Toolset, Tier: safety.Read,
		Description: "Forecast trouble: days until volumes or reserves fill, replication lag heading past RPO, ransomware-like change spikes, failure risk.",
	}, func(ctx context.Context, c *kit.Call, a PredictArgs) (PredictResult, error) {
		e, err := Estate(ctx, c.Env, a.Target, a.Site)
		if err != nil {
			return PredictResult{}, err
		}
		var ps []eng.Prediction
		if a.Entity != "" {
			if ps, err = eng.PredictEntity(e, a.Entity, c.Env.Rules); err != nil {
				return PredictResult{}, kit.Fail(kit.KindNotFound, err, "Use a name from nutanix_list_vms or ontap_list_volumes, or its id.")
			}
		} else {
			ps = e.Memo("predict", func() any { return eng.Predict(e, c.Env.Rules) }).([]eng.Prediction)
		}
		res := PredictResult{AsOf: e.AsOf, Partial: e.Partial(), Total: len(ps), md: a.Format == "markdown"}
		res.Predictions, res.Truncated = cut(ps, a.Limit)
		if res.Predictions == nil {
			res.Predictions = []eng.Prediction{}
		}
		if a.Charts == nil || *a.Charts {
			res.images, res.Charts = forecastChart(e, ps, c.Env.Rules)
		} else {
			res.Charts = chartsOff(charts.ChartForecast)
		}
		return res, nil
	})
}

// forecastChart draws the days-to-full forecast of the first volume with
// a capacity prediction (the most urgent, or the one entity asked about).
func forecastChart(e *inventory.Estate, ps []eng.Prediction, r eng.Rules) ([]kit.Image, []ChartNote) {
	var cs chartSet
	for _, p := range ps {
		if p.Kind != eng.PredictCapacityFull {
			continue
		}
		f, err := eng.ForecastCapacity(e, p.Entity.ID, r)
		if err != nil {
			cs.add(charts.ChartForecast, charts.Spec{}, err)
			return cs.images, cs.notes
		}
		s, err := charts.ForecastSpec(f)
		cs.add(charts.ChartForecast, s, err)
		return cs.images, cs.notes
	}
	cs.add(charts.ChartForecast, charts.Spec{}, &charts.NoData{Chart: charts.ChartForecast, Reason: "no volume has a days-to-full prediction"})
	return cs.images, cs.notes
}

// ---- recommend_recovery

// RecommendArgs describe the incident.
type RecommendArgs struct {
	Entity       string `json:"entity" jsonschema:"required,minLength=1" jsonschema_description:"VM, volume group or volume name or id."`
	IncidentTime string `json:"incident_time,omitempty" jsonschema_description:"When it happened: time or age (e.g. 6h); default now."`
	Scenario     string `json:"scenario" jsonschema:"required,enum=corruption,enum=accidental_deletion,enum=ransomware,enum=site_failure,enum=file_loss" jsonschema_description:"What happened."`
	Target       string `json:"target,omitempty" jsonschema_description:"Target name."`
	Format       string `json:"format,omitempty" jsonschema:"enum=structured,enum=markdown" jsonschema_description:"markdown: a report as text."`
}

// RecommendResult is the recommendation.
type RecommendResult struct {
	eng.Recommendation
	md bool
}

// Summary leads the text result.
func (r RecommendResult) Summary() string {
	if len(r.Options) == 0 {
		return "no recovery option for " + r.Entity.Name
	}
	o := r.Options[0]
	return fmt.Sprintf("best option for %s (%s): %s from %s, RTO about %s, data loss %s", r.Entity.Name, r.Scenario,
		o.Method, o.RecoveryPoint.Created.Format(time.RFC3339), o.RTO.Human(), o.DataLoss.Human())
}

// Text renders Markdown when asked for.
func (r RecommendResult) Text() string {
	if !r.md {
		return ""
	}
	return RecommendationMarkdown(r.Recommendation)
}

func recommendRecovery() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "recommend_recovery", Title: "Recommend a recovery", Toolset: Toolset, Tier: safety.Read,
		Description: "Rank recovery options for an entity after an incident: the clean recovery point, method, RTO, data loss and the exact tool calls.",
	}, func(ctx context.Context, c *kit.Call, a RecommendArgs) (RecommendResult, error) {
		e, err := Estate(ctx, c.Env, a.Target, "")
		if err != nil {
			return RecommendResult{}, err
		}
		incident := e.AsOf
		if a.IncidentTime != "" {
			if incident, err = kit.ParseTime("incident_time", a.IncidentTime, e.AsOf, false); err != nil {
				return RecommendResult{}, err
			}
		}
		rec := eng.Recommend(e, a.Entity, incident, eng.Scenario(a.Scenario), c.Env.Rules)
		if rec.Error != "" {
			var names []string
			for _, cand := range rec.Candidates {
				names = append(names, fmt.Sprintf("%s (%s %s on %s)", cand.Name, cand.Kind, cand.ID, cand.Target))
			}
			hint := "Pass the entity's id or a target to narrow it."
			if len(names) > 0 {
				hint = "Candidates: " + strings.Join(names, "; ") + ". " + hint
			}
			return RecommendResult{}, &kit.Error{Kind: kit.KindInvalidArgs, Msg: rec.Error, Hint: hint}
		}
		return RecommendResult{Recommendation: rec, md: a.Format == "markdown"}, nil
	})
}

// ---- optimize_backup_policy

// OptimizeArgs scope the suggestions.
type OptimizeArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Target name."`
	Site   string `json:"site,omitempty" jsonschema_description:"Site name."`
	Format string `json:"format,omitempty" jsonschema:"enum=structured,enum=markdown" jsonschema_description:"markdown: a report as text."`
}

// OptimizeResult holds suggestions.
type OptimizeResult struct {
	AsOf        time.Time        `json:"as_of"`
	Partial     bool             `json:"partial"`
	Suggestions []eng.Suggestion `json:"suggestions"`
	md          bool
}

// Summary leads the text result.
func (r OptimizeResult) Summary() string {
	return fmt.Sprintf("%d policy suggestions%s", len(r.Suggestions), partialNote(r.Partial, nil))
}

// Text renders Markdown when asked for.
func (r OptimizeResult) Text() string {
	if !r.md {
		return ""
	}
	return SuggestionsMarkdown(r.Suggestions, r.AsOf)
}

func optimizePolicy() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "optimize_backup_policy", Title: "Optimize backup policies", Toolset: Toolset, Tier: safety.Read,
		Description: "Suggest schedule and retention changes from RPO needs, change rates and capacity, each with its effect.",
	}, func(ctx context.Context, c *kit.Call, a OptimizeArgs) (OptimizeResult, error) {
		e, err := Estate(ctx, c.Env, a.Target, a.Site)
		if err != nil {
			return OptimizeResult{}, err
		}
		s := eng.Optimize(e, c.Env.Rules)
		if s == nil {
			s = []eng.Suggestion{}
		}
		s, _ = cut(s, maxItems)
		return OptimizeResult{AsOf: e.AsOf, Partial: e.Partial(), Suggestions: s, md: a.Format == "markdown"}, nil
	})
}

// ---- compliance_report

// ComplianceArgs pick the framework.
type ComplianceArgs struct {
	Framework string `json:"framework" jsonschema:"required,enum=sox,enum=hipaa,enum=gdpr,enum=3-2-1-1-0" jsonschema_description:"Control set to evaluate."`
	Target    string `json:"target,omitempty" jsonschema_description:"Target name."`
	Site      string `json:"site,omitempty" jsonschema_description:"Site name."`
	Format    string `json:"format,omitempty" jsonschema:"enum=structured,enum=markdown" jsonschema_description:"markdown: a report as text."`
	Period    string `json:"period,omitempty" jsonschema_description:"e.g. 90d: add its metrics, drills, runs and change audit."`
}

// ComplianceResult is the report: the controls, and with a period its
// drills, runs and changes (see BuildReport).
type ComplianceResult struct {
	eng.ComplianceReport
	Period  *ReportPeriod      `json:"period,omitempty"`
	Drills  []DrillEvidence    `json:"drills,omitempty"`
	Changes []Change           `json:"changes,omitempty"`
	Metrics *eng.MetricsReport `json:"metrics,omitempty"`
	Note    string             `json:"note,omitempty"`
	md      bool
}

// Summary leads the text result.
func (r ComplianceResult) Summary() string {
	n := r.ComplianceReport.Summary
	return fmt.Sprintf("%s: %d pass, %d fail, %d unknown of %d controls%s", strings.ToUpper(r.Framework),
		n.Pass, n.Fail, n.Unknown, n.Total, partialNote(r.Partial, r.IncompleteTargets))
}

// Text renders Markdown when asked for.
func (r ComplianceResult) Text() string {
	if !r.md {
		return ""
	}
	if r.Period != nil {
		return ReportMarkdown(r)
	}
	return ComplianceMarkdown(r.ComplianceReport)
}

func complianceReport() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "compliance_report", Title: "Compliance report", Toolset: Toolset, Tier: safety.Read,
		Description: "Evaluate SOX, HIPAA, GDPR or 3-2-1-1-0 backup controls: pass, fail or unknown per control, with evidence and remediation.",
	}, func(ctx context.Context, c *kit.Call, a ComplianceArgs) (ComplianceResult, error) {
		return BuildReport(ctx, c.Env, a)
	})
}

// AuditRecords converts the server's recent audit trail for the engines.
func AuditRecords(env *kit.Env) []inventory.AuditRecord {
	if env.Audit == nil {
		return nil
	}
	recs := env.Audit.Recent(0)
	out := make([]inventory.AuditRecord, 0, len(recs))
	for _, r := range recs {
		if r.Phase != "" && r.Phase != safety.PhaseOutcome && r.Phase != safety.PhaseReconciled {
			continue // one record per call: its outcome (or reconciliation)
		}
		out = append(out, inventory.AuditRecord{Time: r.Time, Tool: r.Tool, Tier: string(r.Tier), Target: r.Target, Outcome: r.Outcome})
	}
	return out
}

// health is the estate's health report, computed once per collected estate
// (the engine is pure and the estate is not changed after collection): the
// analysis tools and resources share it until the next collection.
func health(e *inventory.Estate, r eng.Rules) eng.HealthReport {
	return e.Memo("health", func() any { return eng.Health(e, r) }).(eng.HealthReport)
}
