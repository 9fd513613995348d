package analysis

// Compliance reports for auditors: compliance_report with a period, and
// `recovery-mcp report compliance`, share BuildReport and its renderers.
//
// Design decisions:
//   - One report value. The structured result of compliance_report is the
//     report: the framework's controls (status, evidence, affected,
//     remediation) plus, when a period is given, the drills, a tally of
//     the workflow runs and the change audit of that period. The CLI writes
//     the same value as Markdown or self-contained HTML (inline CSS, no
//     script, no external asset), so the chat and the auditor see one thing.
//   - Two clocks, both named in the report. Controls are judged at the
//     estate's time (the simulated clock in --demo); runs and audit records
//     carry the server's time, so the period of runs and changes is counted
//     back from the server's clock. In production both are the wall clock.
//   - Changes are the audit records of non-read calls, one per call (its
//     outcome or reconciliation) plus the workflow engine's own records
//     (approvals, destructive steps). Arguments are redacted again when the
//     report is built, whatever the audit writer did. The report says how
//     far back the audit trail the server holds reaches: changes before it
//     are not claimed to be absent.
//   - Metrics: with a period, the report carries the success metrics of
//     GatherMetrics over the same length of time (on the estate's clock,
//     as get_metrics). Charts are drawn by RenderReport only: the HTML
//     page embeds them as data: URIs; Markdown written to a file links PNG
//     files written beside it (<stem>.<chart>.png: data: URIs are dropped
//     by many Markdown viewers, GitHub among them). The tool's result
//     carries no image (four charts would pass the response budget);
//     get_metrics returns them.
//   - Escaping: names and messages come from the backends (anyone who may
//     create a VM names it), so both renderers treat them as text: the
//     HTML page through html/template, the Markdown through md (<, > and
//     & as entities, | and line breaks folded), since Markdown viewers
//     render raw HTML.
//   - Size: the tool's result stays under kit.MaxResultBytes by cutting
//     the oldest changes first and saying so (with how to narrow: a shorter
//     period, a target). The CLI writes the whole report to a file.
//   - Determinism: everything is ordered (controls as the engine gives
//     them, drills and changes newest first with ties broken by id), and
//     every time comes from the server's clocks, so a controlled clock and
//     run ids (server.Options.Now, RunIDs) reproduce a report byte for byte.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// DefaultReportPeriod is the period of `report compliance` without --period.
const DefaultReportPeriod = "90d"

// reportRPOEntities is how many entities missing their RPO a report names.
const reportRPOEntities = 10

// ReportPeriod bounds the runs and changes of a report.
type ReportPeriod struct {
	Text string `json:"text"`
	// From and To are on the server's clock (runs and audit records).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// AuditSince is the oldest audit record the server holds; when it is
	// after From, earlier changes are not in the report (AuditComplete
	// false).
	AuditSince    time.Time  `json:"audit_since,omitzero"`
	AuditComplete bool       `json:"audit_complete"`
	ChangesTotal  int        `json:"changes_total"`
	ChangesListed int        `json:"changes_listed"`
	Runs          []RunTally `json:"runs"`
	// Missing says what the report could not read (no workflow engine).
	Missing []string `json:"missing,omitempty"`
}

// RunTally counts the period's workflow runs of one kind and status.
type RunTally struct {
	Kind   string `json:"kind"`
	Status string `json:"status"`
	Count  int    `json:"count"`
}

// DrillEvidence is one recovery drill of the period and what it proved.
type DrillEvidence struct {
	Run        string    `json:"run"`
	Kind       string    `json:"kind"`
	Type       string    `json:"type"`
	Entity     string    `json:"entity"`
	Status     string    `json:"status"`
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended,omitzero"`
	Principal  string    `json:"principal,omitempty"`
	RTOS       *float64  `json:"rto_s,omitempty"`
	RTOTargetS int64     `json:"rto_target_s,omitempty"`
	RPOS       *int64    `json:"rpo_s,omitempty"`
	RPOTargetS int64     `json:"rpo_target_s,omitempty"`
	Passed     *bool     `json:"passed,omitempty"`
	// Evidence says what the drill verified, in words.
	Evidence string `json:"evidence"`
	Error    string `json:"error,omitempty"`
}

// Change is one audited change of the period.
type Change struct {
	Time      time.Time      `json:"time"`
	Tool      string         `json:"tool"`
	Tier      string         `json:"tier"`
	Target    string         `json:"target,omitempty"`
	Principal string         `json:"principal,omitempty"`
	Client    string         `json:"client,omitempty"`
	Outcome   string         `json:"outcome"`
	TaskID    string         `json:"task_id,omitempty"`
	Args      map[string]any `json:"arguments,omitempty"`
}

// Len and TruncateTo let the tool kit cut the change list (oldest first)
// to the response budget.
func (r *ComplianceResult) Len() int { return len(r.Changes) }

// TruncateTo keeps the n newest changes.
func (r *ComplianceResult) TruncateTo(n int, why string) {
	if n < len(r.Changes) {
		r.Changes = r.Changes[:n]
		if r.Period != nil {
			r.Period.ChangesListed = n
		}
	}
	if why != "" {
		r.Note = why + " (changes: a shorter period or a target narrows them)"
	}
}

// BuildReport evaluates the framework over the estate in scope and, when
// a.Period is set, adds the period's drills, workflow runs and changes.
func BuildReport(ctx context.Context, env *kit.Env, a ComplianceArgs) (ComplianceResult, error) {
	period, err := reportPeriod(a.Period)
	if err != nil {
		return ComplianceResult{}, err
	}
	e, err := Estate(ctx, env, a.Target, a.Site)
	if err != nil {
		return ComplianceResult{}, err
	}
	// The run list is read once: drills and test failovers the server ran
	// are restore-test evidence, and the period's runs, drills and metrics
	// come from it too.
	list, err := ReadRuns(ctx, env)
	if err != nil {
		return ComplianceResult{}, kit.Fail(kit.KindBackend, err, "The workflow state file could not be read; see the server log.")
	}
	tests, _ := Runs(env, list, eng.Period{})
	rep := eng.ComplyWithRuns(e, AuditRecords(env), tests, a.Framework, env.Rules)
	if rep.Error != "" {
		return ComplianceResult{}, kit.InvalidArgs(rep.Error)
	}
	out := ComplianceResult{ComplianceReport: rep, md: a.Format == "markdown"}
	if period == 0 {
		return out, nil
	}
	to := env.Now().UTC()
	p := &ReportPeriod{Text: a.Period, From: to.Add(-period), To: to, Runs: []RunTally{}}
	out.Period = p
	out.Changes = changes(env.Audit, p, a.Target)
	out.Drills, p.Runs = runs(list, p, a.Target)
	if env.Workflows == nil {
		p.Missing = append(p.Missing, "workflow runs and drills: no workflow engine is configured")
	}
	if a.Site != "" {
		p.Missing = append(p.Missing, "site "+a.Site+" narrows the controls only: metrics, drills, runs and changes cover every site")
	}
	// The success metrics of the same length of time, on the estate's
	// clock as get_metrics computes them (runs shifted onto it).
	end := env.Clock().UTC()
	mp := eng.Period{From: end.Add(-period), To: end, Label: "last " + a.Period}
	m, err := metricsOf(ctx, env, eng.MetricsScope{Target: a.Target}, mp, list)
	if err != nil {
		return ComplianceResult{}, err
	}
	// The report names the entities missing their RPO worst first
	// (RPOEntitiesTotal still counts them all); get_metrics lists more.
	missed := m.RPOEntities[:0:0]
	for _, x := range m.RPOEntities {
		if !x.Met && len(missed) < reportRPOEntities {
			missed = append(missed, x)
		}
	}
	m.RPOEntities = missed
	out.Metrics = &m
	return out, nil
}

// Validate checks the framework and the period before anything is
// collected (the compliance engine is the one judge of framework names).
func (a *ComplianceArgs) Validate() error {
	if _, err := reportPeriod(a.Period); err != nil {
		return err
	}
	if rep := eng.Comply(&inventory.Estate{}, nil, a.Framework, eng.Rules{}); rep.Error != "" {
		return kit.InvalidArgs(rep.Error)
	}
	return nil
}

func reportPeriod(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := inventory.ParseDuration(s)
	if err != nil || d.D() <= 0 {
		return 0, kit.InvalidArgs(fmt.Sprintf("period %q: want a duration such as 7d, 30d or 90d", s))
	}
	return d.D(), nil
}

// changes lists the audit trail's non-read calls of the period, newest
// first, arguments redacted.
func changes(a *safety.Auditor, p *ReportPeriod, target string) []Change {
	out := []Change{}
	if a == nil {
		return out
	}
	recs := a.Recent(0)
	for _, r := range recs {
		if p.AuditSince.IsZero() || r.Time.Before(p.AuditSince) {
			p.AuditSince = r.Time.UTC()
		}
	}
	// The trail covers the period only when its oldest record is older
	// than the period's start: the server cannot know what happened before
	// the records it holds (a restart without an audit file, records
	// beyond the ones it keeps).
	p.AuditComplete = !p.AuditSince.IsZero() && !p.AuditSince.After(p.From)
	for _, r := range recs {
		if r.Tier == safety.Read || r.Time.Before(p.From) || r.Time.After(p.To) {
			continue
		}
		if r.Phase != "" && r.Phase != safety.PhaseOutcome && r.Phase != safety.PhaseReconciled {
			continue
		}
		if target != "" && r.Target != "" && !strings.EqualFold(r.Target, target) {
			continue
		}
		out = append(out, Change{Time: r.Time.UTC(), Tool: r.Tool, Tier: string(r.Tier), Target: r.Target, Principal: r.Principal,
			Client: r.Client, Outcome: r.Outcome, TaskID: r.TaskID, Args: safety.Redact(r.Args)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	p.ChangesTotal, p.ChangesListed = len(out), len(out)
	return out
}

// runs picks the period's workflow runs out of list: drills with their evidence, and
// a tally of every run by kind and status.
func runs(list []workflow.Run, p *ReportPeriod, target string) ([]DrillEvidence, []RunTally) {
	drills := []DrillEvidence{}
	tally := []RunTally{}
	if len(list) == MaxRuns {
		p.Missing = append(p.Missing, fmt.Sprintf("runs older than the newest %d are not counted", MaxRuns))
	}
	counts := map[[2]string]int{}
	for _, r := range list {
		if r.Created.Before(p.From) || r.Created.After(p.To) || r.DryRun {
			continue
		}
		var params struct {
			Target string `json:"target"`
			Volume string `json:"volume"`
			VM     string `json:"vm"`
			Type   string `json:"type"`
		}
		_ = json.Unmarshal(r.Params, &params) // runs of other kinds have other parameters
		if target != "" && params.Target != "" && !strings.EqualFold(params.Target, target) {
			continue
		}
		counts[[2]string{r.Kind, string(r.Status)}]++
		if d, ok := drill(r, params.Target, params.Volume, params.VM, params.Type); ok {
			drills = append(drills, d)
		}
	}
	for k, n := range counts {
		tally = append(tally, RunTally{Kind: k[0], Status: k[1], Count: n})
	}
	sort.Slice(tally, func(i, j int) bool {
		if tally[i].Kind != tally[j].Kind {
			return tally[i].Kind < tally[j].Kind
		}
		return tally[i].Status < tally[j].Status
	})
	sort.SliceStable(drills, func(i, j int) bool {
		if !drills[i].Started.Equal(drills[j].Started) {
			return drills[i].Started.After(drills[j].Started)
		}
		return drills[i].Run > drills[j].Run
	})
	return drills, tally
}

// drill turns a recovery_testing run, or a disaster_recovery test, into
// drill evidence.
func drill(r workflow.Run, target, volume, vm, typ string) (DrillEvidence, bool) {
	ent := volume
	if vm != "" {
		ent = vm
	}
	if target != "" {
		ent = target + ":" + ent
	}
	d := DrillEvidence{Run: r.ID, Kind: r.Kind, Type: typ, Entity: ent, Status: string(r.Status), Started: r.Created.UTC(), Principal: r.Principal, Error: r.Error}
	if r.Status.Finished() {
		d.Ended = r.Updated.UTC()
	}
	switch {
	case r.Kind == "recovery_testing":
		if d.Type == "" {
			d.Type = "volume"
		}
		var res workflow.DrillResult
		if len(r.Result) == 0 || json.Unmarshal(r.Result, &res) != nil {
			d.Evidence = "no result recorded"
			return d, true
		}
		if res.Volume != "" {
			d.Entity = res.Volume
		}
		d.RTOS, d.RTOTargetS, d.RPOS, d.RPOTargetS, d.Passed = &res.RTOS, res.RTOTargetS, &res.RPOS, res.RPOTargetS, &res.Passed
		match := 0
		for _, ev := range res.Evidence {
			if ev.Match {
				match++
			}
		}
		d.Evidence = fmt.Sprintf("clone %s of snapshot %s; %d of %d sampled files match the snapshot", res.Clone, res.Snapshot, match, len(res.Evidence))
		if res.CleanedUp {
			d.Evidence += "; clone deleted"
		} else {
			d.Evidence += "; clone NOT deleted"
		}
		return d, true
	case r.Kind == "disaster_recovery" && (typ == "" || typ == "test"):
		d.Type = "test"
		var res workflow.DRResult
		if len(r.Result) == 0 || json.Unmarshal(r.Result, &res) != nil {
			d.Evidence = "no result recorded"
			return d, true
		}
		d.RTOS = &res.RTOS
		passed := r.Status == workflow.StatusSucceeded
		d.Passed = &passed
		d.Evidence = fmt.Sprintf("test failover: %d actions (%s)", len(res.Actions), strings.Join(res.Actions, "; "))
		return d, true
	}
	return DrillEvidence{}, false
}
