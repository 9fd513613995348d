package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Success metrics: the numbers backup teams are judged on, over a period,
// for the whole estate, one target, one business tier or one entity.
//
//	Metrics(MetricsInput) -> MetricsReport
//
// Every Metric carries its Source (what it was computed from: how many
// tasks, jobs, workflow runs, drills, recovery points, volumes or
// controls, and example ids) and, when it cannot be computed, a nil Value
// and Missing saying what is missing ("no drill in the period"); a number
// is never invented. The engine is pure: workflow runs come in as
// RunRecords (the tool layer reads them from the workflow journal), the
// estate as collected, and "now" is Period.To.

// Metric ids, stable: the dashboard and the compliance report key on them.
const (
	MetricBackupSuccess    = "backup_success_rate"
	MetricRPOMet           = "rpo_met"
	MetricDrillRTOMet      = "drill_rto_met"
	MetricMTTR             = "mttr"
	MetricRecoveryTests    = "recovery_test_success_rate"
	MetricEfficiency       = "storage_efficiency"
	MetricSnapshotOverhead = "snapshot_overhead"
	// MetricCompliancePrefix + framework ("compliance_sox", ...).
	MetricCompliancePrefix = "compliance_"
)

// Workflow kinds the metrics read (internal/workflow's definitions).
const (
	RunScheduledBackup  = "scheduled_backup"
	RunDisasterRecovery = "disaster_recovery"
	RunRecoveryTesting  = "recovery_testing"
	RunDataRecovery     = "data_recovery"
)

// Period is the window [From, To) a report covers; To is the report's "now".
type Period struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Label string    `json:"label"`
}

// LastDays is the period of the days before to, labelled "last N days".
func LastDays(to time.Time, days int) Period {
	to = to.UTC()
	return Period{From: to.AddDate(0, 0, -days), To: to, Label: fmt.Sprintf("last %d days", days)}
}

// Between is the period [from, to), labelled by its dates.
func Between(from, to time.Time) Period {
	from, to = from.UTC(), to.UTC()
	return Period{From: from, To: to, Label: from.Format("2006-01-02") + " to " + to.Format("2006-01-02")}
}

func (p Period) has(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// MetricsScope narrows a report; all empty is the whole estate. Target
// and Entity (name or id) match case-insensitively; Tier is the business
// tier of Rules.Tiers.
type MetricsScope struct {
	Target string `json:"target,omitempty"`
	Tier   int    `json:"tier,omitempty"`
	Entity string `json:"entity,omitempty"`
}

func (s MetricsScope) estateWide() bool { return s == MetricsScope{} }

// RunRecord is a workflow run as the metrics read it.
type RunRecord struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Type is the disaster_recovery type (planned, unplanned, test), the
	// recovery_testing type (volume, file) or the data_recovery option.
	Type   string `json:"type,omitempty"`
	Status string `json:"status"`
	DryRun bool   `json:"dry_run,omitempty"`
	// Target and Entity (volume "svm:name" or name, VM name) the run acted on.
	Target  string    `json:"target,omitempty"`
	Entity  string    `json:"entity,omitempty"`
	Created time.Time `json:"created"`
	// Ended is when the run finished (zero while it runs).
	Ended time.Time `json:"ended,omitzero"`
	// Measured by drills and failovers (0: not reported).
	RTOSeconds       float64 `json:"rto_s,omitempty"`
	RTOTargetSeconds float64 `json:"rto_target_s,omitempty"`
	// Passed is a recovery test's verdict (nil: the run gives none).
	Passed *bool `json:"passed,omitempty"`
	// Tested names the entities the run restored and verified (a passed
	// drill's volume or VM, each passed entity of a full-DR drill, a test
	// failover's volume): restore-test evidence for compliance.
	Tested []string `json:"tested,omitempty"`
}

func (r *RunRecord) when() time.Time { return cmp.Or(r.Ended, r.Created) }

// MetricTargets are the objectives rates are held to.
type MetricTargets struct {
	// BackupSuccessPercent: Druva's "Backup Success Rate" rule takes a
	// minimum %; 98 is [assumption].
	BackupSuccessPercent float64 `json:"backup_success_percent"`
	// RecoveryTestPercent: every recovery test should pass. [assumption] 100.
	RecoveryTestPercent float64 `json:"recovery_test_percent"`
}

// DefaultMetricTargets returns the shipped objectives.
func DefaultMetricTargets() MetricTargets {
	return MetricTargets{BackupSuccessPercent: 98, RecoveryTestPercent: 100}
}

// MetricsInput is what Metrics computes from.
type MetricsInput struct {
	Estate *inventory.Estate
	// Runs are workflow runs (any order; those outside the period or scope
	// are ignored). RunsNote says why runs are absent or incomplete ("no
	// workflow engine configured"); it is repeated where runs are a source.
	Runs     []RunRecord
	RunsNote string
	Audit    []inventory.AuditRecord
	Period   Period
	Scope    MetricsScope
	Rules    Rules
	Targets  MetricTargets
	// Frameworks to score (default: all of Frameworks).
	Frameworks []string
}

// Source says what a number was computed from.
type Source struct {
	// Counts by kind: tasks (Nutanix), jobs (ONTAP), workflow_runs, drills,
	// recovery_points, entities, volumes, controls, lag_samples.
	Counts map[string]int `json:"counts"`
	// IDs are up to MaxSourceIDs examples (task, job or run ids).
	IDs  []string `json:"ids,omitempty"`
	Note string   `json:"note,omitempty"`
}

// MaxSourceIDs bounds Source.IDs.
const MaxSourceIDs = 10

func (s *Source) add(kind, id string) {
	if s.Counts == nil {
		s.Counts = map[string]int{}
	}
	s.Counts[kind]++
	if id != "" && len(s.IDs) < MaxSourceIDs {
		s.IDs = append(s.IDs, id)
	}
}

// Metric is one number with its objective and provenance.
type Metric struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Unit: "%", "s" (seconds) or "x" (a ratio such as 2.5:1).
	Unit string `json:"unit"`
	// Value is nil when it cannot be computed; Missing then says why.
	Value  *float64 `json:"value"`
	Target *float64 `json:"target,omitempty"`
	// Met compares Value with Target (nil without both).
	Met     *bool  `json:"met,omitempty"`
	Source  Source `json:"source"`
	Missing string `json:"missing,omitempty"`
}

// Text renders the value with its unit ("97.5%", "1h2m", "2.31x"), or
// "n/a (why)".
func (m *Metric) Text() string {
	if m.Value == nil {
		return "n/a (" + m.Missing + ")"
	}
	return FormatValue(*m.Value, m.Unit)
}

// FormatValue renders v in unit u.
func FormatValue(v float64, u string) string {
	switch u {
	case "s":
		return inventory.Human(time.Duration(v * float64(time.Second)))
	case "x":
		return formatFloat(v, 2) + "x"
	case "%":
		return trimFloat(v) + "%"
	}
	return trimFloat(v) + " " + u
}

// WeekRate is the backup success rate of one week of the period.
type WeekRate struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Succeeded int       `json:"succeeded"`
	Failed    int       `json:"failed"`
	// Rate is nil for a week with no backup outcome.
	Rate *float64 `json:"rate"`
}

// EntityRPO is the achieved RPO of one protected entity: the longest
// interval without a usable recovery point from the newest one at or
// before the period start to the period end; when retention thins older
// copies, from the oldest one after ThinnedBefore.
type EntityRPO struct {
	Entity EntityRef `json:"entity"`
	Tier   int       `json:"tier"`
	// AchievedSeconds is nil when no usable recovery point exists.
	AchievedSeconds *float64 `json:"achieved_s"`
	TargetSeconds   float64  `json:"target_s"`
	Met             bool     `json:"met"`
	// CoveredFrom is where the measurement starts: the newest recovery
	// point at or before the period start, else the oldest after it (or
	// after ThinnedBefore).
	CoveredFrom time.Time `json:"covered_from,omitzero"`
	// ThinnedBefore is set when the policy's retention thins copies older
	// than it (retention count x shortest schedule): gaps before it are
	// by design and not measured.
	ThinnedBefore  time.Time `json:"thinned_before,omitzero"`
	RecoveryPoints int       `json:"recovery_points"`
	Missing        string    `json:"missing,omitempty"`
}

// TierRPO sums up achieved RPO per business tier.
type TierRPO struct {
	Tier     int `json:"tier"`
	Entities int `json:"entities"`
	Met      int `json:"met"`
	// Of the entities with an achieved RPO (seconds).
	MedianAchievedSeconds float64 `json:"median_achieved_s"`
	P95AchievedSeconds    float64 `json:"p95_achieved_s"`
	MedianTargetSeconds   float64 `json:"median_target_s"`
	// NoRecoveryPoint counts entities with none at all.
	NoRecoveryPoint int `json:"no_recovery_point,omitempty"`
}

// RPOBucket counts entities by achieved/target ratio (Label "≤0.5x",
// "0.5-1x", "1-1.5x", "1.5-2x", ">2x", "none").
type RPOBucket struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// DrillPoint is one measured recovery test or test failover.
type DrillPoint struct {
	RunID  string    `json:"run_id"`
	Kind   string    `json:"kind"`
	Type   string    `json:"type,omitempty"`
	Entity string    `json:"entity,omitempty"`
	At     time.Time `json:"at"`
	// RTOTargetSeconds is 0 when the run states none (test failovers).
	RTOSeconds       float64 `json:"rto_s"`
	RTOTargetSeconds float64 `json:"rto_target_s,omitempty"`
	Passed           bool    `json:"passed"`
}

// LagSeries is one replication relationship's daily peak lag.
type LagSeries struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// RPOSeconds is the lag objective (relationship or policy RPO, else the
	// schedule interval; 0 unknown).
	RPOSeconds float64    `json:"rpo_s,omitempty"`
	Points     []LagPoint `json:"points"`
}

// LagPoint is the largest lag sampled on the day starting at Time.
type LagPoint struct {
	Time       time.Time `json:"time"`
	LagSeconds float64   `json:"lag_s"`
}

// MetricsReport is the result of Metrics.
type MetricsReport struct {
	AsOf              time.Time    `json:"as_of"`
	Period            Period       `json:"period"`
	Scope             MetricsScope `json:"scope"`
	Partial           bool         `json:"partial"`
	IncompleteTargets []string     `json:"incomplete_targets,omitempty"`
	// Metrics in a fixed order: backup success, RPO met, drill RTO met,
	// MTTR, recovery tests, storage efficiency, snapshot overhead, then one
	// compliance score per framework.
	Metrics []Metric `json:"metrics"`
	// Weekly backup success, oldest first.
	Weekly []WeekRate `json:"weekly"`
	// RPOEntities: the worst MaxRPOEntities by achieved/target ratio
	// (entities with no recovery point first); RPOEntitiesTotal counts all.
	RPOEntities      []EntityRPO  `json:"rpo_entities"`
	RPOEntitiesTotal int          `json:"rpo_entities_total"`
	RPOTiers         []TierRPO    `json:"rpo_tiers"`
	RPODistribution  []RPOBucket  `json:"rpo_distribution"`
	Drills           []DrillPoint `json:"drills"`
	// Lag: the MaxLagSeries relationships with the highest peak lag/RPO.
	Lag   []LagSeries `json:"lag"`
	Error string      `json:"error,omitempty"`
}

// Limits on the report's lists: a full report stays under 36 KB of JSON,
// inside a tool result's 40 KB (TestMetricsReportSize).
const (
	MaxRPOEntities = 30
	MaxLagSeries   = 3
	MaxDrills      = 30
)

// Metric returns the metric with id, or nil.
func (r *MetricsReport) Metric(id string) *Metric {
	for i := range r.Metrics {
		if r.Metrics[i].ID == id {
			return &r.Metrics[i]
		}
	}
	return nil
}

// Metrics computes the success metrics of in.Scope over in.Period.
func Metrics(in MetricsInput) MetricsReport {
	e := in.Estate
	rep := MetricsReport{AsOf: asOf(e), Period: in.Period, Scope: in.Scope, Partial: e.Partial(), IncompleteTargets: e.IncompleteTargets(),
		Metrics: []Metric{}, Weekly: []WeekRate{}, RPOEntities: []EntityRPO{}, RPOTiers: []TierRPO{}, RPODistribution: []RPOBucket{}, Drills: []DrillPoint{}, Lag: []LagSeries{}}
	if in.Period.To.IsZero() {
		in.Period = LastDays(rep.AsOf, 30)
		rep.Period = in.Period
	}
	if !in.Period.From.Before(in.Period.To) {
		rep.Error = "the period is empty: from must be before to"
		return rep
	}
	if in.Targets == (MetricTargets{}) {
		in.Targets = DefaultMetricTargets()
	}
	m := &metricsRun{in: in, ix: e.Index(), rep: &rep}
	if err := m.resolveScope(); err != "" {
		rep.Error = err
		return rep
	}
	m.backupSuccess()
	m.rpo()
	m.drills()
	m.mttr()
	m.recoveryTests()
	m.efficiency()
	m.compliance()
	m.lag()
	for i := range rep.Metrics {
		if rep.Metrics[i].Source.Counts == nil {
			rep.Metrics[i].Source.Counts = map[string]int{} // "counts": {} rather than null
		}
	}
	return rep
}

type metricsRun struct {
	in  MetricsInput
	ix  *inventory.Index
	rep *MetricsReport
	// entities in scope (nil map: estate-wide, every entity)
	ents map[string]*inventory.Entity
}

func (m *metricsRun) resolveScope() string {
	s := m.in.Scope
	if s.estateWide() {
		return ""
	}
	if s.Target != "" && m.ix.Target(s.Target) == nil {
		found := false
		for _, t := range m.in.Estate.Targets {
			if strings.EqualFold(t.Name, s.Target) {
				m.in.Scope.Target, found = t.Name, true
			}
		}
		if !found {
			return fmt.Sprintf("no target %q in the estate", s.Target)
		}
	}
	m.ents = map[string]*inventory.Entity{}
	for i := range m.in.Estate.Entities {
		en := &m.in.Estate.Entities[i]
		if m.ix.Entity(en.ID) != en {
			continue
		}
		if m.in.Scope.Target != "" && en.Target != m.in.Scope.Target {
			continue
		}
		if s.Tier != 0 {
			if t, _ := m.in.Rules.Tiers.Classify(en); t != s.Tier {
				continue
			}
		}
		if s.Entity != "" && !strings.EqualFold(en.Name, s.Entity) && en.ID != s.Entity && !strings.EqualFold(en.SVM+":"+en.Name, s.Entity) {
			continue
		}
		m.ents[en.ID] = en
	}
	if s.Entity != "" && len(m.ents) == 0 {
		return fmt.Sprintf("no entity %q in the scope", s.Entity)
	}
	return ""
}

func (m *metricsRun) entityIn(id string) bool {
	if m.ents == nil {
		return true
	}
	_, ok := m.ents[id]
	return ok
}

// opIn: an operation is in scope when its entity is, or (target-level
// operations) when the scope is the estate or its target.
func (m *metricsRun) opIn(op *inventory.Operation) bool {
	if m.ents == nil {
		return true
	}
	if op.EntityID != "" {
		return m.entityIn(op.EntityID)
	}
	s := m.in.Scope
	return s.Tier == 0 && s.Entity == "" && op.Target == s.Target
}

func (m *metricsRun) runIn(r *RunRecord) bool {
	if r.DryRun || !m.in.Period.has(r.when()) {
		return false
	}
	if m.ents == nil {
		return true
	}
	s := m.in.Scope
	if s.Tier == 0 && s.Entity == "" {
		return strings.EqualFold(r.Target, s.Target)
	}
	for _, en := range m.ents {
		if r.Target != "" && !strings.EqualFold(r.Target, en.Target) {
			continue
		}
		if strings.EqualFold(r.Entity, en.Name) || r.Entity == en.ID || strings.EqualFold(r.Entity, en.SVM+":"+en.Name) {
			return true
		}
	}
	return false
}

// opSource is "tasks" for Nutanix, "jobs" for ONTAP.
func (m *metricsRun) opSource(op *inventory.Operation) string {
	if m.ix.Vendor(op.Target, inventory.KindOntap) == inventory.KindNutanix {
		return "tasks"
	}
	return "jobs"
}

func (m *metricsRun) runsNote(s *Source) {
	if m.in.RunsNote != "" {
		s.Note = strings.TrimPrefix(s.Note+"; workflow runs: "+m.in.RunsNote, "; ")
	}
}

func percentMetric(id, title string, ok, total int, target float64, src Source, missing string) Metric {
	mt := Metric{ID: id, Title: title, Unit: "%", Source: src, Target: fptr(target)}
	if total == 0 {
		mt.Missing = missing
		return mt
	}
	v := round4(100 * float64(ok) / float64(total))
	mt.Value = &v
	met := v >= target
	mt.Met = &met
	return mt
}

func isBackupOp(op *inventory.Operation) bool {
	return op.Kind == inventory.OpSnapshot || op.Kind == inventory.OpReplication
}

// backupSuccess: snapshot and replication tasks and jobs, and
// scheduled_backup runs, that finished in the period. Cancelled or
// rejected runs are not outcomes of a backup and are left out.
func (m *metricsRun) backupSuccess() {
	p := m.in.Period
	var src Source
	weeks := weekBuckets(p)
	count := func(t time.Time, ok bool) {
		for i := range weeks {
			if !t.Before(weeks[i].Start) && t.Before(weeks[i].End) {
				if ok {
					weeks[i].Succeeded++
				} else {
					weeks[i].Failed++
				}
			}
		}
	}
	ok, total := 0, 0
	for i := range m.in.Estate.Operations {
		op := &m.in.Estate.Operations[i]
		if !isBackupOp(op) || op.Status == inventory.OpRunning || !p.has(op.When()) || !m.opIn(op) {
			continue
		}
		src.add(m.opSource(op), op.ID)
		total++
		if op.Status == inventory.OpSucceeded {
			ok++
		}
		count(op.When(), op.Status == inventory.OpSucceeded)
	}
	for i := range m.in.Runs {
		r := &m.in.Runs[i]
		if r.Kind != RunScheduledBackup || !m.runIn(r) || (r.Status != "succeeded" && r.Status != "failed") {
			continue
		}
		src.add("workflow_runs", r.ID)
		total++
		if r.Status == "succeeded" {
			ok++
		}
		count(r.when(), r.Status == "succeeded")
	}
	src.Note = "succeeded / finished snapshot and replication tasks, jobs and scheduled_backup runs"
	m.runsNote(&src)
	m.rep.Metrics = append(m.rep.Metrics, percentMetric(MetricBackupSuccess, "Backup success rate", ok, total,
		m.in.Targets.BackupSuccessPercent, src, "no backup task, job or run finished in the period"))
	for i := range weeks {
		if n := weeks[i].Succeeded + weeks[i].Failed; n > 0 {
			weeks[i].Rate = fptr(100 * float64(weeks[i].Succeeded) / float64(n))
		}
	}
	m.rep.Weekly = weeks
}

// weekBuckets cuts the period into weeks ending at To (the oldest may be
// shorter), oldest first.
func weekBuckets(p Period) []WeekRate {
	var out []WeekRate
	for end := p.To; end.After(p.From); end = end.AddDate(0, 0, -7) {
		start := end.AddDate(0, 0, -7)
		if start.Before(p.From) {
			start = p.From
		}
		out = append(out, WeekRate{Start: start, End: end})
	}
	slices.Reverse(out)
	return out
}

// rpo measures each protected entity's achieved RPO.
func (m *metricsRun) rpo() {
	p := m.in.Period
	var all []EntityRPO
	var src Source
	for i := range m.in.Estate.Entities {
		en := &m.in.Estate.Entities[i]
		if m.ix.Entity(en.ID) != en || !m.entityIn(en.ID) || en.Excluded || en.ReplicaOf != "" {
			continue
		}
		pol := m.ix.PolicyFor(en)
		if !en.Protected() || pol == nil || pol.EffectiveRPO() <= 0 {
			src.add("unprotected_entities", "")
			continue
		}
		if !en.Created.IsZero() && p.To.Sub(en.Created) < pol.EffectiveRPO() {
			continue // not judged yet
		}
		tier, _ := m.in.Rules.Tiers.Classify(en)
		er := EntityRPO{Entity: refOf(en), Tier: tier, TargetSeconds: pol.EffectiveRPO().Seconds()}
		// Retention thins old copies by design (ONTAP keeps 6 hourly and 2
		// daily, say): gaps are measured only as far back as the policy
		// keeps every copy of its shortest schedule.
		from := p.From
		if span := time.Duration(pol.RetentionCount) * pol.Schedule.D(); span > 0 && p.To.Add(-span).After(from) {
			from = p.To.Add(-span)
			er.ThinnedBefore = from
		}
		var times []time.Time
		var anchor time.Time
		for _, rp := range m.ix.RecoveryPoints(en.ID) {
			if !rp.Usable() || !rp.Created.Before(p.To) {
				continue
			}
			if !rp.Created.After(from) {
				if rp.Created.After(anchor) {
					anchor = rp.Created
				}
				continue
			}
			times = append(times, rp.Created)
		}
		if !anchor.IsZero() && er.ThinnedBefore.IsZero() {
			times = append(times, anchor) // thinned: the copy before the window is older by design
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		times = slices.Compact(times)
		er.RecoveryPoints = len(times)
		src.add("entities", "")
		src.Counts["recovery_points"] += len(times)
		if len(times) == 0 {
			er.Missing = "no usable recovery point by the period end"
			all = append(all, er)
			continue
		}
		er.CoveredFrom = times[0]
		worst := time.Duration(0)
		times = append(times, p.To)
		for j := 1; j < len(times); j++ {
			worst = max(worst, times[j].Sub(times[j-1]))
		}
		v := worst.Seconds()
		er.AchievedSeconds = &v
		er.Met = v <= er.TargetSeconds
		all = append(all, er)
	}
	met := 0
	for _, er := range all {
		if er.Met {
			met++
		}
	}
	src.Note = "achieved RPO = longest gap between usable recovery points (local or replica) from the newest at or before the period start to the period end, or, when the policy's retention (count x shortest schedule) thins copies within the period, over what it keeps in full; target = policy RPO or schedule"
	m.rep.Metrics = append(m.rep.Metrics, percentMetric(MetricRPOMet, "Entities meeting their RPO", met, len(all), 100, src,
		"no protected entity in the scope"))
	ratio := func(er EntityRPO) float64 {
		if er.AchievedSeconds == nil {
			return math.Inf(1)
		}
		return *er.AchievedSeconds / er.TargetSeconds
	}
	slices.SortStableFunc(all, func(a, b EntityRPO) int {
		return cmp.Or(cmp.Compare(ratio(b), ratio(a)), compareRefs(a.Entity, b.Entity))
	})
	m.rep.RPOEntitiesTotal = len(all)
	m.rep.RPOEntities = all[:min(len(all), MaxRPOEntities)]
	m.rep.RPODistribution = rpoBuckets(all, ratio)
	m.rep.RPOTiers = rpoTiers(all)
}

func rpoBuckets(all []EntityRPO, ratio func(EntityRPO) float64) []RPOBucket {
	b := []RPOBucket{{Label: "≤0.5x"}, {Label: "0.5-1x"}, {Label: "1-1.5x"}, {Label: "1.5-2x"}, {Label: ">2x"}, {Label: "none"}}
	for _, er := range all {
		r := ratio(er)
		switch {
		case er.AchievedSeconds == nil:
			b[5].Count++
		case r <= 0.5:
			b[0].Count++
		case r <= 1:
			b[1].Count++
		case r <= 1.5:
			b[2].Count++
		case r <= 2:
			b[3].Count++
		default:
			b[4].Count++
		}
	}
	return b
}

func rpoTiers(all []EntityRPO) []TierRPO {
	byTier := map[int][]EntityRPO{}
	for _, er := range all {
		byTier[er.Tier] = append(byTier[er.Tier], er)
	}
	var out []TierRPO
	for tier, ers := range byTier {
		t := TierRPO{Tier: tier, Entities: len(ers)}
		var ach, tgt []float64
		for _, er := range ers {
			if er.Met {
				t.Met++
			}
			if er.AchievedSeconds == nil {
				t.NoRecoveryPoint++
				continue
			}
			ach = append(ach, *er.AchievedSeconds)
			tgt = append(tgt, er.TargetSeconds)
		}
		t.MedianAchievedSeconds = round4(median(ach))
		t.P95AchievedSeconds = round4(percentile(ach, 95))
		t.MedianTargetSeconds = round4(median(tgt))
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b TierRPO) int { return cmp.Compare(a.Tier, b.Tier) })
	if out == nil {
		out = []TierRPO{}
	}
	return out
}

// drills: recovery_testing runs and test failovers that measured an RTO.
func (m *metricsRun) drills() {
	var src Source
	var pts []DrillPoint
	met, judged := 0, 0
	for i := range m.in.Runs {
		r := &m.in.Runs[i]
		isTest := r.Kind == RunRecoveryTesting || (r.Kind == RunDisasterRecovery && r.Type == "test")
		if !isTest || r.Status != "succeeded" || r.RTOSeconds <= 0 || !m.runIn(r) {
			continue
		}
		d := DrillPoint{RunID: r.ID, Kind: r.Kind, Type: r.Type, Entity: r.Entity, At: r.when(), RTOSeconds: round4(r.RTOSeconds), RTOTargetSeconds: r.RTOTargetSeconds, Passed: r.Passed == nil || *r.Passed}
		pts = append(pts, d)
		src.add("drills", r.ID)
		if d.RTOTargetSeconds > 0 {
			judged++
			if d.RTOSeconds <= d.RTOTargetSeconds {
				met++
			}
		}
	}
	src.Note = "measured RTO of succeeded recovery_testing runs and test failovers, each against its own target"
	m.runsNote(&src)
	missing := "no drill in the period"
	if len(pts) > 0 {
		missing = "no drill in the period states an RTO target"
	}
	m.rep.Metrics = append(m.rep.Metrics, percentMetric(MetricDrillRTOMet, "Drills within RTO target", met, judged, 100, src, missing))
	slices.SortFunc(pts, func(a, b DrillPoint) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.RunID, b.RunID)) })
	if len(pts) > MaxDrills {
		pts = pts[len(pts)-MaxDrills:]
	}
	if pts != nil {
		m.rep.Drills = pts
	}
}

// mttr: mean time from the request to the recovery, over succeeded
// data_recovery runs and planned or unplanned failovers (approval waits
// included: they are part of the time to recover).
func (m *metricsRun) mttr() {
	var src Source
	var sum float64
	n, failed := 0, 0
	for i := range m.in.Runs {
		r := &m.in.Runs[i]
		if (r.Kind != RunDataRecovery && (r.Kind != RunDisasterRecovery || r.Type == "test")) || !m.runIn(r) {
			continue
		}
		if r.Status == "failed" {
			failed++
			continue
		}
		if r.Status != "succeeded" || r.Ended.IsZero() {
			continue
		}
		src.add("workflow_runs", r.ID)
		sum += r.Ended.Sub(r.Created).Seconds()
		n++
	}
	src.Note = "mean of (end - start) of succeeded data_recovery runs and planned/unplanned failovers"
	if failed > 0 {
		src.Note += fmt.Sprintf("; %d failed recoveries not counted", failed)
	}
	m.runsNote(&src)
	mt := Metric{ID: MetricMTTR, Title: "Mean time to recovery", Unit: "s", Source: src}
	if n == 0 {
		mt.Missing = "no recovery or failover finished in the period"
	} else {
		v := round4(sum / float64(n))
		mt.Value = &v
	}
	m.rep.Metrics = append(m.rep.Metrics, mt)
}

// recoveryTests: recovery_testing runs (their verdict), test failovers, and
// the targets' own drill and verification tasks or jobs.
func (m *metricsRun) recoveryTests() {
	var src Source
	ok, total := 0, 0
	for i := range m.in.Runs {
		r := &m.in.Runs[i]
		isTest := r.Kind == RunRecoveryTesting || (r.Kind == RunDisasterRecovery && r.Type == "test")
		if !isTest || !m.runIn(r) || (r.Status != "succeeded" && r.Status != "failed") {
			continue
		}
		src.add("workflow_runs", r.ID)
		total++
		if r.Status == "succeeded" && (r.Passed == nil || *r.Passed) {
			ok++
		}
	}
	for i := range m.in.Estate.Operations {
		op := &m.in.Estate.Operations[i]
		if (op.Kind != inventory.OpDrill && op.Kind != inventory.OpVerify) || op.Status == inventory.OpRunning || !m.in.Period.has(op.When()) || !m.opIn(op) {
			continue
		}
		src.add(m.opSource(op), op.ID)
		total++
		if op.Status == inventory.OpSucceeded {
			ok++
		}
	}
	src.Note = "passed / finished recovery tests: recovery_testing runs, test failovers, drill and verify tasks or jobs"
	m.runsNote(&src)
	m.rep.Metrics = append(m.rep.Metrics, percentMetric(MetricRecoveryTests, "Recovery test success rate", ok, total,
		m.in.Targets.RecoveryTestPercent, src, "no recovery test in the period"))
}

// efficiency: the arrays' own figures, as of the collection (the period
// does not apply: arrays keep no history of them).
func (m *metricsRun) efficiency() {
	var logical, physical, used, snap int64
	var effSrc, snapSrc Source
	nutanix := 0
	for i := range m.in.Estate.Entities {
		en := &m.in.Estate.Entities[i]
		if m.ix.Entity(en.ID) != en || !m.entityIn(en.ID) {
			continue
		}
		if en.Kind != inventory.EntityVolume {
			nutanix++
			continue
		}
		if en.LogicalUsedBytes > 0 && en.PhysicalUsedBytes > 0 {
			logical += en.LogicalUsedBytes
			physical += en.PhysicalUsedBytes
			effSrc.add("volumes", en.ID)
		}
		if en.UsedBytes > 0 {
			used += en.UsedBytes
			snap += en.SnapshotReserveUsedBytes
			snapSrc.add("volumes", en.ID)
		}
	}
	pcNote := ""
	if nutanix > 0 {
		pcNote = fmt.Sprintf("; %d Nutanix VMs/volume groups not counted: the collector reads no data-reduction figures from Prism Central", nutanix)
	}
	effSrc.Note = "ONTAP volumes: sum of logical used (space.logical_space.used) / sum of physical used (space.physical_used), as of collection" + pcNote
	eff := Metric{ID: MetricEfficiency, Title: "Storage efficiency (data reduction)", Unit: "x", Source: effSrc}
	if physical > 0 {
		v := round4(float64(logical) / float64(physical))
		eff.Value = &v
	} else {
		eff.Missing = "no ONTAP volume in the scope reports logical and physical used space"
	}
	snapSrc.Note = "ONTAP volumes: sum of snapshot space used (space.snapshot.used) / sum of used space, as of collection"
	so := Metric{ID: MetricSnapshotOverhead, Title: "Snapshot space overhead", Unit: "%", Source: snapSrc}
	if used > 0 {
		v := round4(100 * float64(snap) / float64(used))
		so.Value = &v
	} else {
		so.Missing = "no ONTAP volume in the scope reports used space"
	}
	m.rep.Metrics = append(m.rep.Metrics, eff, so)
}

// compliance: the share of a framework's controls that pass (unknown
// counts against it: no pass without evidence), as of the collection.
func (m *metricsRun) compliance() {
	fws := m.in.Frameworks
	if len(fws) == 0 {
		fws = Frameworks
	}
	for _, fw := range fws {
		c := ComplyWithRuns(m.in.Estate, m.in.Audit, m.in.Runs, fw, m.in.Rules)
		var src Source
		src.Counts = map[string]int{"controls": c.Summary.Total, "pass": c.Summary.Pass, "fail": c.Summary.Fail, "unknown": c.Summary.Unknown, "entities": c.InScope}
		src.Note = "passing controls / all controls of compliance_report, as of collection"
		if !m.in.Scope.estateWide() && (m.in.Scope.Tier != 0 || m.in.Scope.Entity != "") {
			src.Note += "; the framework's own scope applies, not the tier or entity"
		}
		mt := Metric{ID: MetricCompliancePrefix + c.Framework, Title: "Compliance score " + strings.ToUpper(c.Framework), Unit: "%", Source: src, Target: fptr(100)}
		switch {
		case c.Error != "":
			mt.Missing = c.Error
		case c.InScope == 0:
			mt.Missing = "no entity in the framework's scope (tags " + strings.Join(c.ScopeTags, ", ") + ")"
		case c.Summary.Total == 0:
			mt.Missing = "no control evaluated"
		default:
			v := round4(100 * float64(c.Summary.Pass) / float64(c.Summary.Total))
			mt.Value = &v
			met := c.Summary.Pass == c.Summary.Total
			mt.Met = &met
		}
		m.rep.Metrics = append(m.rep.Metrics, mt)
	}
}

// lag: daily peak lag per relationship from the lag history (the store's
// samples), the MaxLagSeries highest against their objective.
func (m *metricsRun) lag() {
	type ranked struct {
		s     LagSeries
		score float64
	}
	var rs []ranked
	p := m.in.Period
	for i := range m.in.Estate.Replications {
		r := &m.in.Estate.Replications[i]
		if m.ents != nil && !m.entityIn(r.SourceEntityID) && !(m.in.Scope.Tier == 0 && m.in.Scope.Entity == "" &&
			(r.SourceTarget == m.in.Scope.Target || r.DestinationTarget == m.in.Scope.Target)) {
			continue
		}
		days := map[time.Time]float64{}
		for _, s := range r.LagHistory {
			if !p.has(s.Time) {
				continue
			}
			d := p.From.Add(s.Time.Sub(p.From).Truncate(24 * time.Hour))
			days[d] = max(days[d], s.Lag.D().Seconds())
		}
		if len(days) < 2 {
			continue
		}
		ls := LagSeries{ID: r.ID, Name: cmp.Or(r.SourcePath, r.SourceEntityID) + " -> " + cmp.Or(r.DestinationPath, r.DestinationTarget)}
		obj := r.RPO.D()
		if obj <= 0 {
			if en := m.ix.Entity(r.SourceEntityID); en != nil {
				if pol := m.ix.PolicyFor(en); pol != nil {
					obj = pol.RPO.D()
				}
			}
		}
		if obj <= 0 {
			obj = r.Schedule.D()
		}
		ls.RPOSeconds = obj.Seconds()
		peak := 0.0
		for d, v := range days {
			ls.Points = append(ls.Points, LagPoint{Time: d, LagSeconds: v})
			peak = max(peak, v)
		}
		slices.SortFunc(ls.Points, func(a, b LagPoint) int { return a.Time.Compare(b.Time) })
		score := peak
		if ls.RPOSeconds > 0 {
			score = peak / ls.RPOSeconds
		}
		rs = append(rs, ranked{ls, score})
	}
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.s.Name, b.s.Name)) })
	for i := 0; i < len(rs) && i < MaxLagSeries; i++ {
		m.rep.Lag = append(m.rep.Lag, rs[i].s)
	}
}
