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

// Health check names.
const (
	CheckTargetUnreachable    = "target_unreachable"
	CheckUnprotected          = "unprotected"
	CheckPolicyNotFound       = "policy_not_found"
	CheckRPO                  = "rpo_compliance"
	CheckReplicationLag       = "replication_lag"
	CheckReplicationUnhealthy = "replication_unhealthy"
	CheckRemoteCopy           = "remote_copy"
	CheckFailedOperations     = "failed_operations"
	CheckStuckOperations      = "stuck_operations"
	CheckExpiring             = "expiring_recovery_points"
	CheckVolumeCapacity       = "volume_capacity"
	CheckSnapshotReserve      = "snapshot_reserve"
	CheckSnapshotCount        = "snapshot_count"
	CheckAppConsistency       = "app_consistency"
	Check32110                = "rule_3_2_1_1_0"
	CheckChangeAnomaly        = "change_anomaly"
)

var checkDescriptions = []struct{ name, desc string }{
	{CheckChangeAnomaly, "active change-rate anomalies (ransomware-like churn, or change that stopped), per snapshot/recovery-point delta"},
	{CheckTargetUnreachable, "targets that could not be collected completely (the estate is partial)"},
	{CheckUnprotected, "entities with no protection policy and no replication"},
	{CheckPolicyNotFound, "entities naming a policy the estate does not hold"},
	{CheckRPO, "age of the newest usable recovery point against the policy RPO"},
	{CheckReplicationLag, "replication lag against the schedule (150 %/250 %) and the RPO"},
	{CheckReplicationUnhealthy, "unhealthy, broken-off or uninitialised replication relationships"},
	{CheckRemoteCopy, "policies that require a remote copy the entity does not have or that is stale"},
	{CheckFailedOperations, "tasks and jobs whose latest run failed, and failure streaks"},
	{CheckStuckOperations, "tasks and jobs running far longer than expected"},
	{CheckExpiring, "newest recovery point expiring soon with no newer copy due"},
	{CheckVolumeCapacity, "volume space used (80 %/90 %)"},
	{CheckSnapshotReserve, "snapshot reserve used (90 %)"},
	{CheckSnapshotCount, "snapshots per volume (1000; ONTAP maximum 1023)"},
	{CheckAppConsistency, "application-consistent recovery points where the policy requires them"},
	{Check32110, "3-2-1-1-0: copies, media, offsite, immutable, zero errors with verification"},
	{CheckAIQUMEvent, "open AIQUM events (warning or worse) that no other finding cites"},
}

// Finding is one problem Health found.
type Finding struct {
	Check    string    `json:"check"`
	Severity Severity  `json:"severity"`
	Entity   EntityRef `json:"entity"`
	// Summary says what is wrong in one line.
	Summary        string   `json:"summary"`
	Evidence       Evidence `json:"evidence"`
	Recommendation string   `json:"recommendation"`
	// NextTool is the MCP tool call to make next, if any.
	NextTool *ToolCall `json:"next_tool,omitempty"`
	// Tier is the entity's business tier (1 most critical; 0 for targets
	// and estate-wide findings), from Rules.Tiers.
	Tier int `json:"tier,omitempty"`
	// ImpactBytes is the data at risk (the entity's used size; 0 unknown).
	ImpactBytes int64 `json:"impact_bytes,omitempty"`
	// Contributing are the other signals of the same root cause, folded
	// into this finding (e.g. failed runs and replication lag behind a
	// breached RPO).
	Contributing []Signal `json:"contributing,omitempty"`
}

// Signal is a check result folded into another finding.
type Signal struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
}

// CheckResult says what a check looked at.
type CheckResult struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Evaluated   int    `json:"evaluated"`
	Findings    int    `json:"findings"`
	// Contributing counts this check's signals folded into a finding of
	// another check on the same entity.
	Contributing int `json:"contributing,omitempty"`
}

// HealthReport is the result of Health.
type HealthReport struct {
	AsOf time.Time `json:"as_of"`
	// Score is 0-100; see ScoreBasis and Health.
	Score      int    `json:"score"`
	ScoreBasis string `json:"score_basis"`
	// Partial is true when some target was not collected completely; its
	// entities are missing from the analysis, not healthy.
	Partial           bool           `json:"partial"`
	IncompleteTargets []string       `json:"incomplete_targets,omitempty"`
	EntitiesEvaluated int            `json:"entities_evaluated"`
	Counts            SeverityCounts `json:"counts"`
	Checks            []CheckResult  `json:"checks"`
	Findings          []Finding      `json:"findings"`
}

type healthRun struct {
	e      *inventory.Estate
	ix     *inventory.Index
	r      *Rules
	now    time.Time
	f      []Finding
	checks map[string]*CheckResult
	copies []entityCopies // 3-2-1-1-0 per entity, reported estate-wide
}

type entityCopies struct {
	en   *inventory.Entity
	c    copyEval
	tier int
}

func (h *healthRun) evaluated(check string) { h.checks[check].Evaluated++ }

func (h *healthRun) add(f Finding) {
	if f.Evidence == nil {
		f.Evidence = Evidence{}
	}
	citeAIQUMFinding(h.e, &f)
	h.checks[f.Check].Findings++
	h.f = append(h.f, f)
}

// Health runs the named checks over the estate as of e.AsOf.
//
// Score = round(100 × (1 − D/N)), where N is the number of entities
// evaluated plus the number of targets, and D sums, per entity or target,
// min(1, Σ weight of its findings) with weights critical 1, high 0.4,
// medium 0.15, low 0.05 (Rules.Score). Any critical finding caps the score
// at 59, any high one at 89, so one broken database among thousands of
// healthy VMs still shows. Findings are sorted by severity, then entity
// (target, kind, name, id), then check.
func Health(e *inventory.Estate, r Rules) HealthReport {
	h := &healthRun{e: e, ix: e.Index(), r: &r, now: asOf(e), checks: map[string]*CheckResult{}}
	rep := HealthReport{AsOf: h.now, Partial: e.Partial(), IncompleteTargets: e.IncompleteTargets()}
	for _, c := range checkDescriptions {
		h.checks[c.name] = &CheckResult{Name: c.name, Description: c.desc}
	}

	for i := range e.Targets {
		h.checkTarget(&e.Targets[i])
	}
	for i := range e.Entities {
		en := &e.Entities[i]
		if h.ix.Entity(en.ID) != en {
			continue // duplicate id
		}
		rep.EntitiesEvaluated++
		h.checkEntity(en)
	}
	for i := range e.Replications {
		h.checkReplication(&e.Replications[i])
	}
	h.checkTargetOperations()
	h.aiqumEvents()
	h.estate32110()
	h.classify()
	h.group()

	slices.SortFunc(h.f, compareFindings)
	rep.Findings = h.f
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	for _, f := range h.f {
		rep.Counts.add(f.Severity)
	}
	for _, c := range checkDescriptions {
		rep.Checks = append(rep.Checks, *h.checks[c.name])
	}
	rep.Score, rep.ScoreBasis = score(h.f, rep.EntitiesEvaluated+len(e.Targets), r.Score)
	return rep
}

// compareFindings ranks by severity, then business tier (1 first; targets
// and estate-wide findings, tier 0, lead their severity since they touch
// many entities), then impact (more data at risk first), then entity and
// check for a stable order.
func compareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), cmp.Compare(a.Tier, b.Tier),
		cmp.Compare(b.ImpactBytes, a.ImpactBytes), compareRefs(a.Entity, b.Entity),
		cmp.Compare(a.Check, b.Check), cmp.Compare(a.Summary, b.Summary))
}

// rootCauseFamily are checks that, on one entity, are symptoms of one
// broken protection chain: the most severe becomes the finding, the others
// its contributing signals. Order breaks severity ties.
var rootCauseFamily = []string{CheckRPO, CheckReplicationUnhealthy, CheckReplicationLag, CheckRemoteCopy,
	CheckFailedOperations, CheckStuckOperations, CheckAppConsistency}

// classify sets tier and impact from the entity each finding is about.
func (h *healthRun) classify() {
	for i := range h.f {
		f := &h.f[i]
		if en := h.ix.Entity(f.Entity.ID); en != nil && f.Entity.Kind == string(en.Kind) {
			f.Tier, _ = h.r.Tiers.Classify(en)
			f.ImpactBytes = max(en.UsedBytes, 0)
		}
	}
}

// group folds each entity's root-cause family findings into one.
func (h *healthRun) group() {
	byRef := map[EntityRef][]int{}
	for i, f := range h.f {
		if slices.Contains(rootCauseFamily, f.Check) {
			byRef[f.Entity] = append(byRef[f.Entity], i)
		}
	}
	drop := map[int]bool{}
	for _, idx := range byRef {
		if len(idx) < 2 {
			continue
		}
		slices.SortFunc(idx, func(a, b int) int {
			return cmp.Or(cmp.Compare(h.f[a].Severity.Rank(), h.f[b].Severity.Rank()),
				cmp.Compare(slices.Index(rootCauseFamily, h.f[a].Check), slices.Index(rootCauseFamily, h.f[b].Check)),
				cmp.Compare(h.f[a].Summary, h.f[b].Summary))
		})
		p := &h.f[idx[0]]
		var also []string
		for _, j := range idx[1:] {
			o := h.f[j]
			p.Contributing = append(p.Contributing, Signal{Check: o.Check, Severity: o.Severity, Summary: o.Summary})
			also = append(also, o.Check)
			h.checks[o.Check].Findings--
			h.checks[o.Check].Contributing++
			drop[j] = true
		}
		p.Summary = strings.TrimSuffix(p.Summary, ".") + fmt.Sprintf(" (related: %s).", strings.Join(also, ", "))
	}
	if len(drop) == 0 {
		return
	}
	kept := h.f[:0]
	for i, f := range h.f {
		if !drop[i] {
			kept = append(kept, f)
		}
	}
	h.f = kept
}

func score(fs []Finding, items int, w ScoreRules) (int, string) {
	basis := fmt.Sprintf("100 × (1 − mean deduction over %d entities and targets); deduction per item = min(1, Σ finding weights: critical %g, high %g, medium %g, low %g); capped at %d with any critical and %d with any high finding",
		items, w.Critical, w.High, w.Medium, w.Low, w.CapCritical, w.CapHigh)
	if items <= 0 {
		items = 1
	}
	ded := map[EntityRef]float64{}
	var anyCrit, anyHigh bool
	for _, f := range fs {
		var x float64
		switch f.Severity {
		case Critical:
			x, anyCrit = w.Critical, true
		case High:
			x, anyHigh = w.High, true
		case Medium:
			x = w.Medium
		case Low:
			x = w.Low
		}
		ded[f.Entity] += x
	}
	var total float64
	for _, k := range sortedRefKeys(ded) {
		total += math.Min(1, ded[k])
	}
	s := int(math.Round(100 * (1 - total/float64(items))))
	s = max(0, min(100, s))
	if anyCrit {
		s = min(s, w.CapCritical)
	}
	if anyHigh {
		s = min(s, w.CapHigh)
	}
	return s, basis
}

func sortedRefKeys(m map[EntityRef]float64) []EntityRef {
	keys := make([]EntityRef, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareRefs)
	return keys
}

// asOf is the estate's AsOf or, when unset, the latest time in it (so
// results stay deterministic).
func asOf(e *inventory.Estate) time.Time {
	if !e.AsOf.IsZero() {
		return e.AsOf.UTC()
	}
	var t time.Time
	later := func(x time.Time) {
		if x.After(t) {
			t = x
		}
	}
	for i := range e.RecoveryPoints {
		later(e.RecoveryPoints[i].Created)
	}
	for i := range e.Operations {
		later(e.Operations[i].When())
	}
	for i := range e.Capacity {
		later(e.Capacity[i].Time)
	}
	for i := range e.ChangeRates {
		later(e.ChangeRates[i].Time)
	}
	return t.UTC()
}

func (h *healthRun) checkTarget(t *inventory.Target) {
	h.evaluated(CheckTargetUnreachable)
	if t.OK() {
		return
	}
	why := t.Error
	if why == "" {
		why = "unreachable"
	}
	sum := fmt.Sprintf("Target %s was not collected: %s; its entities are missing from this analysis.", t.Name, why)
	if t.Reachable {
		sum = fmt.Sprintf("Target %s was collected only in part: %s.", t.Name, why)
	}
	h.add(Finding{
		Check: CheckTargetUnreachable, Severity: High,
		Entity:         EntityRef{Kind: RefTarget, Name: t.Name, Target: t.Name},
		Summary:        sum,
		Evidence:       Evidence{"reachable": t.Reachable, "error": t.Error, "kind": string(t.Kind)},
		Recommendation: fmt.Sprintf("Check connectivity and credentials for %s, then rerun the analysis; until then treat its protection status as unknown.", t.Name),
		NextTool:       call(ToolListTargets, nil),
	})
}

func usableAt(now time.Time) func(*inventory.RecoveryPoint) bool {
	return func(rp *inventory.RecoveryPoint) bool {
		return rp.Usable() && !rp.ExpiredAt(now) && !rp.Created.After(now)
	}
}

func (h *healthRun) checkEntity(en *inventory.Entity) {
	ix, r, now := h.ix, h.r, h.now
	newest := ix.NewestRecoveryPoint(en.ID, usableAt(now))
	var pol *inventory.Policy
	if en.ReplicaOf == "" {
		h.evaluated(CheckUnprotected)
		switch {
		case en.Policy == "" && !en.Excluded && len(ix.Replications(en.ID)) == 0:
			h.unprotected(en, newest)
		case en.Policy != "":
			h.evaluated(CheckPolicyNotFound)
			pol = ix.PolicyFor(en)
			if pol == nil {
				h.add(Finding{
					Check: CheckPolicyNotFound, Severity: Low, Entity: refOf(en),
					Summary:        fmt.Sprintf("%s names policy %q, which the estate does not hold; its RPO cannot be checked.", en.Name, en.Policy),
					Evidence:       Evidence{"policy": en.Policy},
					Recommendation: fmt.Sprintf("Check that policy %s still exists on %s and that the collector reads it.", en.Policy, en.Target),
					NextTool:       listEntityCall(ix, en),
				})
			}
		}
	}
	if pol != nil {
		h.rpo(en, pol, newest)
		if !h.beforeFirstRun(en, pol, 2) {
			h.remoteCopy(en, pol)
			h.appConsistency(en, pol, newest)
			if len(r.Copies.ScopeTags) == 0 || en.HasAnyTag(r.Copies.ScopeTags) {
				h.rule32110(en, pol)
			}
		}
	}
	h.expiring(en, pol, newest)
	h.changeAnomaly(en)
	h.operations(en)
	if en.Kind == inventory.EntityVolume {
		h.capacity(en)
		h.snapshotCount(en)
	}
}

// changeAnomaly reports an active change-rate anomaly: a spike (high,
// critical when an anti-ransomware event or snapshot corroborates it) or a
// shrink (medium), in the recent window.
func (h *healthRun) changeAnomaly(en *inventory.Entity) {
	if len(h.ix.ChangeRates(en.ID)) == 0 {
		return
	}
	h.evaluated(CheckChangeAnomaly)
	j, ok := entityAnomaly(h.ix, en, h.r, h.now.Add(-h.r.Anomaly.RecentWindow.D()), h.now)
	if !ok {
		return
	}
	sum, rec := j.describe(en)
	ev := j.evidence()
	ev.num("confidence", j.confidence())
	h.add(Finding{Check: CheckChangeAnomaly, Severity: j.sev, Entity: refOf(en), Summary: sum, Evidence: ev,
		Recommendation: rec, NextTool: anomalyNextTool(h.ix, en, j, h.now)})
}

// beforeFirstRun reports whether the entity is too new to be judged: it was
// created less than runs schedule intervals (with the RPO grace) ago, so its
// first scheduled recovery point (runs 1) or the replica of it (runs 2: the
// copy follows the local run) is not due yet.
func (h *healthRun) beforeFirstRun(en *inventory.Entity, pol *inventory.Policy, runs float64) bool {
	if en.Created.IsZero() || pol == nil {
		return false
	}
	iv := pol.Schedule.D()
	if iv <= 0 {
		iv = pol.EffectiveRPO()
	}
	if iv <= 0 {
		return false
	}
	return h.now.Sub(en.Created) < time.Duration(runs*float64(iv)*(1+h.r.RPO.Grace))
}

func (h *healthRun) unprotected(en *inventory.Entity, newest *inventory.RecoveryPoint) {
	sev := Medium
	if criticalEntity(en, h.r) {
		sev = High
	}
	ev := Evidence{"policy": "", "tags": tagsOrEmpty(en.Tags)}
	if newest != nil {
		ev.dur("newest_age", h.now.Sub(newest.Created))
		ev["newest_recovery_point_id"] = newest.ID
	}
	rec := fmt.Sprintf("Assign a protection policy to %s so it gets scheduled recovery points, or mark it excluded if it needs none.", en.Name)
	if en.Kind == inventory.EntityVolume {
		rec = fmt.Sprintf("Assign a snapshot policy to volume %s (and a SnapMirror relationship if it needs an offsite copy), or mark it excluded.", en.Name)
	}
	h.add(Finding{
		Check: CheckUnprotected, Severity: sev, Entity: refOf(en),
		Summary:        fmt.Sprintf("%s %s has no protection policy.", kindWord(en.Kind), en.Name),
		Evidence:       ev,
		Recommendation: rec,
		NextTool:       protectCall(h.ix, en),
	})
}

func kindWord(k inventory.EntityKind) string {
	switch k {
	case inventory.EntityVM:
		return "VM"
	case inventory.EntityVolumeGroup:
		return "Volume group"
	case inventory.EntityVolume:
		return "Volume"
	}
	return string(k)
}

func tagsOrEmpty(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

// recentFailures counts failed operations of the entity in the window.
func (h *healthRun) recentFailures(en *inventory.Entity, kinds ...string) int {
	n := 0
	from := h.now.Add(-h.r.Operations.Window.D())
	for _, op := range h.ix.Operations(en.ID) {
		if op.Status == inventory.OpFailed && op.When().After(from) && (len(kinds) == 0 || slices.Contains(kinds, op.Kind)) {
			n++
		}
	}
	return n
}

func (h *healthRun) rpo(en *inventory.Entity, pol *inventory.Policy, newest *inventory.RecoveryPoint) {
	rpo := pol.EffectiveRPO()
	if rpo <= 0 {
		return
	}
	h.evaluated(CheckRPO)
	r := h.r
	limit := time.Duration(float64(rpo) * (1 + r.RPO.Grace))
	ev := Evidence{"policy": pol.Name}
	ev.dur("rpo", rpo)
	fails := h.recentFailures(en, inventory.OpSnapshot)
	ev["failed_snapshot_operations_in_window"] = fails
	why := ""
	if fails > 0 {
		why = fmt.Sprintf(" (%d failed snapshot operations in the last %s)", fails, r.Operations.Window.Human())
	}
	if newest == nil {
		if !en.Created.IsZero() && h.now.Sub(en.Created) < limit {
			return // new entity, first recovery point not due yet
		}
		h.add(Finding{
			Check: CheckRPO, Severity: Critical, Entity: refOf(en),
			Summary:        fmt.Sprintf("%s has no usable recovery point although policy %s requires one every %s%s.", en.Name, pol.Name, inventory.Human(rpo), why),
			Evidence:       ev,
			Recommendation: fmt.Sprintf("Take a recovery point of %s now, then find out why policy %s is not producing any.", en.Name, pol.Name),
			NextTool:       createRecoveryPointCall(h.ix, en),
		})
		return
	}
	age := h.now.Sub(newest.Created)
	ratio := age.Seconds() / rpo.Seconds()
	ev.dur("newest_age", age).num("ratio", ratio)
	ev["newest_recovery_point_id"] = newest.ID
	ev.time("newest_created", newest.Created)
	if age <= limit {
		return
	}
	sev := High
	if ratio > r.RPO.CriticalFactor {
		sev = Critical
	}
	h.add(Finding{
		Check: CheckRPO, Severity: sev, Entity: refOf(en),
		Summary: fmt.Sprintf("Newest recovery point of %s is %s old, %s the %s RPO of policy %s%s.",
			en.Name, inventory.Human(age), times(ratio), inventory.Human(rpo), pol.Name, why),
		Evidence:       ev,
		Recommendation: fmt.Sprintf("Take a recovery point of %s now and check why the %s schedule stopped producing them.", en.Name, pol.Name),
		NextTool:       createRecoveryPointCall(h.ix, en),
	})
}

func times(ratio float64) string { return trimFloat(ratio) + "×" }

func (h *healthRun) remoteCopy(en *inventory.Entity, pol *inventory.Policy) {
	if !pol.RemoteCopy {
		return
	}
	h.evaluated(CheckRemoteCopy)
	if len(h.ix.Replications(en.ID)) > 0 {
		return // the replication checks judge it
	}
	now := h.now
	replica := h.ix.NewestRecoveryPoint(en.ID, func(rp *inventory.RecoveryPoint) bool {
		return rp.Location == inventory.LocationReplica && usableAt(now)(rp)
	})
	ev := Evidence{"policy": pol.Name, "remote_target": pol.RemoteTarget}
	if replica == nil {
		h.add(Finding{
			Check: CheckRemoteCopy, Severity: High, Entity: refOf(en),
			Summary:        fmt.Sprintf("Policy %s requires a remote copy of %s, but there is no replica and no replication relationship.", pol.Name, en.Name),
			Evidence:       ev,
			Recommendation: fmt.Sprintf("Check the remote schedule of policy %s and the connection to %s; replicate a recovery point of %s now.", pol.Name, orUnknown(pol.RemoteTarget), en.Name),
			NextTool:       listRecoveryPointsCall(h.ix, en),
		})
		return
	}
	interval := pol.Schedule.D()
	if interval <= 0 {
		interval = pol.EffectiveRPO()
	}
	if interval <= 0 {
		return
	}
	age := now.Sub(replica.Created)
	ratio := age.Seconds() / interval.Seconds()
	ev.dur("replica_age", age).dur("schedule_interval", interval).num("ratio", ratio)
	ev["replica_recovery_point_id"] = replica.ID
	ev["replica_target"] = replica.Target
	sev := Severity("")
	switch {
	case ratio >= h.r.Replication.LagErrorRatio:
		sev = High
	case ratio >= h.r.Replication.LagWarningRatio:
		sev = Medium
	}
	if sev == "" {
		return
	}
	h.add(Finding{
		Check: CheckRemoteCopy, Severity: sev, Entity: refOf(en),
		Summary:        fmt.Sprintf("Newest replica of %s on %s is %s old, %s the %s schedule.", en.Name, replica.Target, inventory.Human(age), times(ratio), inventory.Human(interval)),
		Evidence:       ev,
		Recommendation: fmt.Sprintf("Check replication from %s to %s for policy %s and replicate a fresh recovery point of %s.", en.Target, replica.Target, pol.Name, en.Name),
		NextTool:       listRecoveryPointsCall(h.ix, en),
	})
}

func orUnknown(s string) string {
	if s == "" {
		return "the remote site"
	}
	return s
}

func (h *healthRun) appConsistency(en *inventory.Entity, pol *inventory.Policy, newest *inventory.RecoveryPoint) {
	if !pol.AppConsistent || newest == nil {
		return
	}
	h.evaluated(CheckAppConsistency)
	now := h.now
	app := h.ix.NewestRecoveryPoint(en.ID, func(rp *inventory.RecoveryPoint) bool {
		return rp.Consistency == inventory.ApplicationConsistent && usableAt(now)(rp)
	})
	rpo := pol.EffectiveRPO()
	ev := Evidence{"policy": pol.Name, "newest_consistency": string(newest.Consistency)}
	next := createRecoveryPointCall(h.ix, en)
	if next.Tool == ToolNutanixCreateRecoveryPoint {
		next.Arguments["recovery_point_type"] = "APPLICATION_CONSISTENT"
	}
	if app == nil {
		h.add(Finding{
			Check: CheckAppConsistency, Severity: High, Entity: refOf(en),
			Summary:        fmt.Sprintf("Policy %s requires application-consistent recovery points, but %s has none.", pol.Name, en.Name),
			Evidence:       ev,
			Recommendation: fmt.Sprintf("Check the guest tools / VSS quiescing on %s and take an application-consistent recovery point.", en.Name),
			NextTool:       next,
		})
		return
	}
	age := now.Sub(app.Created)
	ev.dur("newest_application_consistent_age", age)
	ev["newest_application_consistent_id"] = app.ID
	if rpo <= 0 || age <= time.Duration(float64(rpo)*(1+h.r.RPO.Grace)) {
		return
	}
	ev.dur("rpo", rpo)
	h.add(Finding{
		Check: CheckAppConsistency, Severity: Medium, Entity: refOf(en),
		Summary:        fmt.Sprintf("Newest application-consistent recovery point of %s is %s old (RPO %s); newer ones are crash-consistent only.", en.Name, inventory.Human(age), inventory.Human(rpo)),
		Evidence:       ev,
		Recommendation: fmt.Sprintf("Check application quiescing (guest tools, VSS) on %s; recent recovery points fell back to crash consistency.", en.Name),
		NextTool:       next,
	})
}

func (h *healthRun) expiring(en *inventory.Entity, pol *inventory.Policy, newest *inventory.RecoveryPoint) {
	if newest == nil {
		return
	}
	h.evaluated(CheckExpiring)
	now, win := h.now, h.r.Expiry.Window.D()
	if newest.Expires.IsZero() {
		return
	}
	// Copies that outlive the newest (older local ones, replicas) bridge
	// the time until the next run.
	survivors := 0
	for _, rp := range h.ix.RecoveryPoints(en.ID) {
		if rp != newest && usableAt(now)(rp) && (rp.Expires.IsZero() || rp.Expires.After(newest.Expires)) {
			survivors++
		}
	}
	horizon := now.Add(win)
	if pol != nil && pol.Schedule > 0 {
		nominal := newest.Created.Add(pol.Schedule.D())
		due := newest.Created.Add(time.Duration(float64(pol.Schedule) * (1 + h.r.RPO.Grace)))
		// A newer copy is due before the newest expires, with margin; or on
		// time and other copies bridge any delay (keep-1 with replicas).
		if due.After(now) && !due.After(newest.Expires) {
			return
		}
		if nominal.After(now) && !nominal.After(newest.Expires) && survivors > 0 {
			return
		}
		// The horizon reaches the next run when that is further out than
		// the window (a monthly schedule keeping one copy that expires in
		// five days leaves a gap the 48 h window would not see).
		if due.After(horizon) {
			horizon = due
		}
	}
	if newest.Expires.After(horizon) {
		return
	}
	sev := High
	if survivors == 0 && pol != nil {
		sev = Critical
	}
	left := newest.Expires.Sub(now)
	ev := Evidence{"newest_recovery_point_id": newest.ID, "recovery_points_outliving_it": survivors}
	ev.time("expires", newest.Expires).dur("expires_in", left).dur("window", win)
	var next *ToolCall
	var rec string
	switch {
	case pol == nil && vendorOf(h.ix, en) == inventory.KindNutanix:
		next = updateExpirationCall(newest, newest.Expires.Add(7*24*time.Hour))
		rec = fmt.Sprintf("Extend the expiration of recovery point %s or take a new one; %s has no schedule that would replace it.", newest.Name, en.Name)
	default:
		next = createRecoveryPointCall(h.ix, en)
		rec = fmt.Sprintf("Take a new recovery point of %s before %s and check why no newer one was created.", en.Name, ts(newest.Expires))
	}
	sum := fmt.Sprintf("Newest recovery point of %s expires in %s and no newer copy is due before then.", en.Name, inventory.Human(left))
	if survivors == 0 {
		sum = fmt.Sprintf("Newest recovery point of %s expires in %s; after that %s has no usable recovery point.", en.Name, inventory.Human(left), en.Name)
	}
	h.add(Finding{Check: CheckExpiring, Severity: sev, Entity: refOf(en), Summary: sum, Evidence: ev, Recommendation: rec, NextTool: next})
}

// operations reports failure streaks and stuck operations, per kind.
func (h *healthRun) operations(en *inventory.Entity) {
	ops := h.ix.Operations(en.ID)
	if len(ops) == 0 {
		return
	}
	h.operationGroups(refOf(en), en.Kind.Vendor(), ops, en)
}

func (h *healthRun) checkTargetOperations() {
	names := make([]string, 0, len(h.e.Targets))
	for i := range h.e.Targets {
		names = append(names, h.e.Targets[i].Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	for _, t := range names {
		var ops []*inventory.Operation
		for _, op := range h.ix.TargetOperations(t) {
			if op.EntityID == "" {
				ops = append(ops, op)
			}
		}
		if len(ops) > 0 {
			h.operationGroups(EntityRef{Kind: RefTarget, Name: t, Target: t}, h.ix.Vendor(t, inventory.KindNutanix), ops, nil)
		}
	}
}

func (h *healthRun) operationGroups(ref EntityRef, vendor inventory.TargetKind, ops []*inventory.Operation, en *inventory.Entity) {
	byKind := map[string][]*inventory.Operation{}
	for _, op := range ops {
		byKind[op.Kind] = append(byKind[op.Kind], op)
	}
	from := h.now.Add(-h.r.Operations.Window.D())
	name := ref.Name
	for _, kind := range sortedKeys(byKind) {
		group := byKind[kind] // sorted by start
		h.evaluated(CheckFailedOperations)
		var last *inventory.Operation
		streak, failsInWindow, inWindow := 0, 0, 0
		for _, op := range group {
			if op.Status == inventory.OpRunning {
				continue
			}
			if op.When().After(from) {
				inWindow++
				if op.Status == inventory.OpFailed {
					failsInWindow++
				}
			}
			last = op
			if op.Status == inventory.OpFailed {
				streak++
			} else {
				streak = 0
			}
		}
		if last != nil && streak > 0 && last.When().After(from) {
			sev := Medium
			if streak >= h.r.Operations.StreakHigh {
				sev = High
			}
			ev := Evidence{"kind": kind, "streak": streak, "failures_in_window": failsInWindow,
				"operations_in_window": inWindow, "last_operation_id": last.ID, "last_error": last.Error}
			ev.time("last_failed_at", last.When()).dur("window", h.r.Operations.Window.D())
			sum := fmt.Sprintf("Last %s operation on %s failed", kind, name)
			if streak > 1 {
				sum = fmt.Sprintf("Last %d %s operations on %s failed in a row", streak, kind, name)
			}
			if last.Error != "" {
				sum += ": " + firstLine(last.Error)
			}
			rec := fmt.Sprintf("Read the error of %s %s, fix the cause, and rerun the %s operation.", opWord(vendor, h.ix, last), last.ID, kind)
			if streak >= h.r.Operations.StreakHigh {
				rec = fmt.Sprintf("%d failures in a row point to a configuration problem, not bad luck: read the error of %s %s and fix the cause before the next run.", streak, opWord(vendor, h.ix, last), last.ID)
			}
			h.add(Finding{Check: CheckFailedOperations, Severity: sev, Entity: ref, Summary: sum + ".",
				Evidence: ev, Recommendation: rec, NextTool: operationCall(h.ix, last, vendor)})
		}
		h.evaluated(CheckStuckOperations)
		for _, op := range group {
			if op.Status != inventory.OpRunning || op.Start.IsZero() {
				continue
			}
			age := h.now.Sub(op.Start)
			if age <= h.r.Operations.StuckAfter.D() {
				continue
			}
			ev := Evidence{"kind": kind, "operation_id": op.ID, "description": op.Description}
			ev.time("started", op.Start).dur("running_for", age).dur("stuck_after", h.r.Operations.StuckAfter.D())
			h.add(Finding{Check: CheckStuckOperations, Severity: Medium, Entity: ref,
				Summary:        fmt.Sprintf("%s operation %s on %s has been running for %s.", kind, op.ID, name, inventory.Human(age)),
				Evidence:       ev,
				Recommendation: fmt.Sprintf("Check whether %s %s is progressing; cancel and rerun it if it is stuck.", opWord(vendor, h.ix, op), op.ID),
				NextTool:       operationCall(h.ix, op, vendor)})
			break // the oldest stuck one per kind is enough
		}
	}
}

func opWord(def inventory.TargetKind, ix *inventory.Index, op *inventory.Operation) string {
	if ix.Vendor(op.Target, def) == inventory.KindOntap {
		return "job"
	}
	return "task"
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimRight(s, ". ")
}

// currentCapacity returns the entity's space figures, from the entity or
// its newest capacity sample.
func currentCapacity(ix *inventory.Index, en *inventory.Entity) (used, size, resUsed, resSize int64) {
	used, size, resUsed, resSize = en.UsedBytes, cmp.Or(en.UsableBytes, en.SizeBytes), en.SnapshotReserveUsedBytes, en.SnapshotReserveBytes
	if s := ix.Capacity(en.ID); len(s) > 0 {
		last := s[len(s)-1]
		if size <= 0 {
			used, size = last.UsedBytes, last.SizeBytes
		}
		if resSize <= 0 {
			resUsed, resSize = last.SnapshotReserveUsedBytes, last.SnapshotReserveBytes
		}
	}
	return
}

func (h *healthRun) capacity(en *inventory.Entity) {
	v := h.r.Volume
	used, size, resUsed, resSize := currentCapacity(h.ix, en)
	if size > 0 {
		h.evaluated(CheckVolumeCapacity)
		p := float64(used) / float64(size) * 100
		if en.UsedPercent > 0 {
			p = en.UsedPercent // the array's own figure
		}
		sev := Severity("")
		switch {
		case p >= v.CriticalPercent:
			sev = Critical
		case p >= v.FullPercent:
			sev = High
		case p >= v.NearlyFullPercent:
			sev = Medium
		}
		if sev != "" {
			ev := Evidence{"used_bytes": used, "size_bytes": size}
			ev.num("used_percent", p).num("threshold_percent", thresholdFor(sev, v))
			h.add(Finding{Check: CheckVolumeCapacity, Severity: sev, Entity: refOf(en),
				Summary:        fmt.Sprintf("Volume %s is %s full (%s of %s).", en.Name, pct(p), gib(used), gib(size)),
				Evidence:       ev,
				Recommendation: fmt.Sprintf("Grow volume %s or enable autogrow, or free space (old snapshots, unneeded data) before it reaches 100%% and writes fail.", en.Name),
				NextTool:       listVolumeCall(en)})
		}
	}
	if resSize > 0 {
		h.evaluated(CheckSnapshotReserve)
		p := float64(resUsed) / float64(resSize) * 100
		if p >= v.SnapshotReserveFullPercent {
			ev := Evidence{"snapshot_reserve_used_bytes": resUsed, "snapshot_reserve_bytes": resSize}
			ev.num("used_percent", p).num("threshold_percent", v.SnapshotReserveFullPercent)
			sum := fmt.Sprintf("Snapshot reserve of %s is %s used.", en.Name, pct(p))
			if p > 100 {
				sum = fmt.Sprintf("Snapshots of %s overflow their reserve (%s) and consume active file system space.", en.Name, pct(p))
			}
			h.add(Finding{Check: CheckSnapshotReserve, Severity: High, Entity: refOf(en), Summary: sum, Evidence: ev,
				Recommendation: fmt.Sprintf("Review the snapshots of %s: shorten retention or delete ones no longer needed, or enlarge the snapshot reserve.", en.Name),
				NextTool:       listRecoveryPointsCall(h.ix, en)})
		}
	}
}

func thresholdFor(s Severity, v VolumeRules) float64 {
	switch s {
	case Critical:
		return v.CriticalPercent
	case High:
		return v.FullPercent
	}
	return v.NearlyFullPercent
}

func (h *healthRun) snapshotCount(en *inventory.Entity) {
	h.evaluated(CheckSnapshotCount)
	n := 0
	for _, rp := range h.ix.RecoveryPoints(en.ID) {
		if rp.Location == inventory.LocationLocal && !rp.ExpiredAt(h.now) {
			n++
		}
	}
	v := h.r.Volume
	if n < v.SnapshotCountWarning {
		return
	}
	sev := High
	sum := fmt.Sprintf("Volume %s holds %d snapshots (threshold %d, ONTAP maximum %d).", en.Name, n, v.SnapshotCountWarning, v.SnapshotCountMax)
	if n >= v.SnapshotCountMax {
		sev = Critical
		sum = fmt.Sprintf("Volume %s holds %d snapshots, the maximum: new snapshots (and SnapMirror updates) will fail.", en.Name, n)
	}
	h.add(Finding{Check: CheckSnapshotCount, Severity: sev, Entity: refOf(en), Summary: sum,
		Evidence:       Evidence{"snapshot_count": n, "threshold": v.SnapshotCountWarning, "maximum": v.SnapshotCountMax},
		Recommendation: fmt.Sprintf("Reduce the retention counts of the snapshot policy on %s or delete old snapshots.", en.Name),
		NextTool:       listRecoveryPointsCall(h.ix, en)})
}

func (h *healthRun) checkReplication(rel *inventory.Replication) {
	ix, r := h.ix, h.r
	ref := EntityRef{Kind: RefReplication, ID: rel.ID, Name: cmp.Or(rel.SourcePath, rel.DestinationPath, rel.ID), Target: rel.DestinationTarget}
	var src *inventory.Entity
	if src = ix.Entity(rel.SourceEntityID); src != nil {
		ref = refOf(src)
	}
	name := ref.Name
	lag := rel.Lag.D()
	ev := func() Evidence {
		e := Evidence{"relationship_id": rel.ID, "state": rel.State, "healthy": rel.Healthy,
			"destination_target": rel.DestinationTarget, "destination_path": rel.DestinationPath}
		e.dur("lag", lag)
		if rel.Schedule > 0 {
			e.dur("schedule_interval", rel.Schedule.D())
		}
		return e
	}

	if src != nil && h.beforeFirstRun(src, ix.PolicyFor(src), 2) {
		return // the first replica is not due yet
	}
	h.evaluated(CheckReplicationUnhealthy)
	if !rel.Healthy || rel.Broken() {
		sev := Medium
		reason := strings.ToLower(rel.UnhealthyReason + " " + rel.LastTransfer.Error)
		if rel.Broken() || strings.Contains(reason, "fail") {
			sev = High
		}
		e := ev()
		e["unhealthy_reason"] = rel.UnhealthyReason
		if rel.LastTransfer.Error != "" {
			e["last_transfer_error"] = rel.LastTransfer.Error
		}
		e.time("last_transfer_end", rel.LastTransfer.End)
		sum := fmt.Sprintf("Replication of %s to %s is unhealthy (%s)", name, rel.DestinationTarget, rel.State)
		if rel.UnhealthyReason != "" {
			sum += ": " + firstLine(rel.UnhealthyReason)
		}
		rec := fmt.Sprintf("Find the cause in the relationship's unhealthy reason and last transfer error, fix it, then update the relationship for %s.", name)
		switch rel.State {
		case "broken_off":
			rec = fmt.Sprintf("Resynchronise the relationship of %s once you have confirmed the destination holds no changes you need (resync overwrites them).", name)
		case "uninitialized":
			rec = fmt.Sprintf("Initialise the relationship of %s; until then %s has no replica.", name, name)
		}
		h.add(Finding{Check: CheckReplicationUnhealthy, Severity: sev, Entity: ref, Summary: sum + ".", Evidence: e,
			Recommendation: rec, NextTool: replicationFixCall(ix, rel)})
	}
	if rel.Broken() {
		return
	}

	h.evaluated(CheckReplicationLag)
	rpo, polName := replicationRPO(ix, rel, src)
	sev := Severity("")
	var parts []string
	e := ev()
	if rel.Schedule > 0 {
		ratio := lag.Seconds() / rel.Schedule.Seconds()
		e.num("schedule_ratio", ratio).num("warning_ratio", r.Replication.LagWarningRatio).
			num("error_ratio", r.Replication.LagErrorRatio).num("critical_ratio", r.Replication.LagCriticalRatio)
		switch {
		case ratio >= r.Replication.LagCriticalRatio:
			sev = Critical
			parts = append(parts, fmt.Sprintf("%s the %s schedule (critical level %s)", times(ratio), rel.Schedule.Human(), pctRatio(r.Replication.LagCriticalRatio)))
		case ratio >= r.Replication.LagErrorRatio:
			sev = High
			parts = append(parts, fmt.Sprintf("%s the %s schedule (error level %s)", times(ratio), rel.Schedule.Human(), pctRatio(r.Replication.LagErrorRatio)))
		case ratio >= r.Replication.LagWarningRatio:
			sev = Medium
			parts = append(parts, fmt.Sprintf("%s the %s schedule (warning level %s)", times(ratio), rel.Schedule.Human(), pctRatio(r.Replication.LagWarningRatio)))
		}
	}
	if rpo > 0 {
		ratio := lag.Seconds() / rpo.Seconds()
		e.dur("rpo", rpo).num("rpo_ratio", ratio)
		if polName != "" {
			e["policy"] = polName
		}
		if lag > time.Duration(float64(rpo)*(1+r.RPO.Grace)) {
			s := High
			if ratio > r.RPO.CriticalFactor {
				s = Critical
			}
			sev = maxSeverity(cmp.Or(sev, Low), s)
			parts = append(parts, fmt.Sprintf("beyond the %s RPO", inventory.Human(rpo)))
		}
	}
	if sev == "" {
		return
	}
	h.add(Finding{Check: CheckReplicationLag, Severity: sev, Entity: ref,
		Summary:        fmt.Sprintf("Replication lag of %s to %s is %s, %s.", name, rel.DestinationTarget, inventory.Human(lag), strings.Join(parts, " and ")),
		Evidence:       e,
		Recommendation: fmt.Sprintf("Update the relationship of %s now and check transfer throughput and the schedule; a replica this old is your data loss if the site fails.", name),
		NextTool:       replicationFixCall(ix, rel)})
}

func pctRatio(r float64) string { return pct(r * 100) }

// replicationRPO is the objective replication lag is held to besides the
// relationship's own schedule: the relationship's RPO, else an RPO the
// source's policy states explicitly. A policy's local snapshot interval is
// not an objective for a mirror or vault with its own schedule (an hourly
// mirror of a volume with 5-minute snapshots is healthy at 1h lag), so it
// is never used here.
func replicationRPO(ix *inventory.Index, rel *inventory.Replication, src *inventory.Entity) (time.Duration, string) {
	if rel.RPO > 0 {
		return rel.RPO.D(), ""
	}
	if src != nil {
		if p := ix.PolicyFor(src); p != nil && p.RPO > 0 {
			return p.RPO.D(), p.Name
		}
	}
	return 0, ""
}

// copyEval is one entity's 3-2-1-1-0 status.
type copyEval struct {
	Copies, Media, Offsite, Immutable int
	SiteUnknown                       bool
	FailedOps                         int
	LastVerified                      time.Time
	OpenAnomaly                       time.Time
	Zero                              bool
	Missing                           []string
}

var verificationKinds = []string{inventory.OpDrill, inventory.OpVerify, inventory.OpRestore, inventory.OpClone}

func evalCopies(ix *inventory.Index, en *inventory.Entity, r *Rules, now time.Time) copyEval {
	var c copyEval
	primarySite := siteOf(ix, en.Site, en.Target)
	mediaKey := func(m, target string) string {
		if m != "" {
			return m
		}
		if r.Copies.DistinctSystemIsMedia {
			return "system:" + target
		}
		return "primary"
	}
	locs := map[string]bool{}
	locked := map[string]bool{}
	media := map[string]bool{mediaKey("", en.Target): true}
	sites := map[string]bool{}
	ok := usableAt(now)
	for _, rp := range ix.RecoveryPoints(en.ID) {
		if !ok(rp) {
			continue
		}
		key := string(rp.Location) + "|" + rp.Target + "|" + rp.Volume + "|" + rp.Media
		locs[key] = true
		media[mediaKey(rp.Media, rp.Target)] = true
		if rp.LockedAt(now) {
			locked[key] = true
		}
		if s := siteOf(ix, rp.Site, rp.Target); s != "" && primarySite != "" {
			if s != primarySite {
				sites[s] = true
			}
		} else if rp.Target != en.Target || rp.Media != "" {
			c.SiteUnknown = true
		}
		if (rp.HasFlag(inventory.FlagVerified) || rp.HasFlag(inventory.FlagScanClean)) && rp.Created.After(c.LastVerified) {
			c.LastVerified = rp.Created
		}
	}
	c.Copies = 1 + len(locs)
	c.Media = len(media)
	c.Offsite = len(sites)
	c.Immutable = len(locked)
	from := now.Add(-r.Operations.Window.D())
	for _, op := range ix.Operations(en.ID) {
		if op.Status == inventory.OpFailed && op.When().After(from) && !op.When().After(now) {
			c.FailedOps++
		}
		if op.Status == inventory.OpSucceeded && slices.Contains(verificationKinds, op.Kind) && op.When().After(c.LastVerified) && !op.When().After(now) {
			c.LastVerified = op.When()
		}
	}
	if a, ok := latestAnomaly(ix, en, r, now, now.Add(-r.Anomaly.RecentWindow.D()), true); ok {
		c.OpenAnomaly = a.sample.Time
	}
	verified := !c.LastVerified.IsZero() && now.Sub(c.LastVerified) <= r.Copies.VerificationMaxAge.D()
	c.Zero = c.FailedOps == 0 && verified && c.OpenAnomaly.IsZero()
	if c.Copies < r.Copies.MinCopies {
		c.Missing = append(c.Missing, "copies")
	}
	if c.Media < r.Copies.MinMedia {
		c.Missing = append(c.Missing, "media")
	}
	if c.Offsite < r.Copies.MinOffsite {
		c.Missing = append(c.Missing, "offsite")
	}
	if c.Immutable < r.Copies.MinImmutable {
		c.Missing = append(c.Missing, "immutable")
	}
	if !c.Zero {
		c.Missing = append(c.Missing, "zero_errors")
	}
	return c
}

func (c copyEval) evidence(r *Rules) Evidence {
	ev := Evidence{
		"copies": c.Copies, "media": c.Media, "offsite_copies": c.Offsite, "immutable_copies": c.Immutable,
		"failed_operations_in_window": c.FailedOps, "missing": c.Missing,
		"required": fmt.Sprintf("%d-%d-%d-%d-0", r.Copies.MinCopies, r.Copies.MinMedia, r.Copies.MinOffsite, r.Copies.MinImmutable),
	}
	if c.SiteUnknown {
		ev["site_unknown"] = true
	}
	ev.time("last_verified", c.LastVerified).time("open_anomaly", c.OpenAnomaly)
	return ev
}

func (h *healthRun) rule32110(en *inventory.Entity, pol *inventory.Policy) {
	h.evaluated(Check32110)
	c := evalCopies(h.ix, en, h.r, h.now)
	tier, _ := h.r.Tiers.Classify(en)
	h.copies = append(h.copies, entityCopies{en: en, c: c, tier: tier})
	if pol.LockedSnapshots && slices.Contains(c.Missing, "immutable") {
		ev := c.evidence(h.r)
		ev["policy"] = pol.Name
		ev["policy_requires_locked_snapshots"] = true
		h.add(Finding{Check: Check32110, Severity: Medium, Entity: refOf(en),
			Summary:        fmt.Sprintf("Policy %s requires locked (tamper-proof) snapshots, but %s has no locked copy.", pol.Name, en.Name),
			Evidence:       ev,
			Recommendation: fmt.Sprintf("Enable snapshot locking for %s (SnapLock / tamper-proof snapshots, or Nutanix secure snapshots) and check that new copies are locked.", en.Name),
			NextTool:       listRecoveryPointsCall(h.ix, en)})
	}
}

// estate32110 reports 3-2-1-1-0 once for the estate: which legs are missing
// on how many entities, with the most critical examples. It is a posture
// gap, not a failure (low); a policy that requires a remote copy or locked
// snapshots the entity lacks is reported per entity by remote_copy and the
// replication checks.
func (h *healthRun) estate32110() {
	if len(h.copies) == 0 {
		return
	}
	legs := []string{"copies", "media", "offsite", "immutable", "zero_errors"}
	counts := map[string]int{}
	examples := map[string][]entityCopies{}
	failing := 0
	for _, ec := range h.copies {
		if len(ec.c.Missing) > 0 {
			failing++
		}
		for _, m := range ec.c.Missing {
			counts[m]++
			examples[m] = append(examples[m], ec)
		}
	}
	if failing == 0 {
		return
	}
	ev := Evidence{"evaluated": len(h.copies), "compliant": len(h.copies) - failing, "failing": failing,
		"required": fmt.Sprintf("%d-%d-%d-%d-0", h.r.Copies.MinCopies, h.r.Copies.MinMedia, h.r.Copies.MinOffsite, h.r.Copies.MinImmutable)}
	missing := map[string]int{}
	ex := map[string][]string{}
	var parts, todo []string
	for _, leg := range legs {
		n := counts[leg]
		if n == 0 {
			continue
		}
		missing[leg] = n
		l := examples[leg]
		slices.SortFunc(l, func(a, b entityCopies) int {
			return cmp.Or(cmp.Compare(a.tier, b.tier), cmp.Compare(b.en.UsedBytes, a.en.UsedBytes), cmp.Compare(a.en.Name, b.en.Name))
		})
		var names []string
		for _, x := range l[:min(5, len(l))] {
			names = append(names, x.en.Name)
		}
		ex[leg] = names
		parts = append(parts, fmt.Sprintf("%s on %d", legWord(leg), n))
		todo = append(todo, legAdvice(leg))
	}
	ev["missing"] = missing
	ev["examples"] = ex
	h.add(Finding{Check: Check32110, Severity: Low, Entity: EntityRef{Kind: RefEstate, Name: "estate"},
		Summary:        fmt.Sprintf("3-2-1-1-0: %d of %d protected entities miss a leg: %s.", failing, len(h.copies), strings.Join(parts, ", ")),
		Evidence:       ev,
		Recommendation: "Estate-wide: " + strings.Join(todo, "; ") + ". Start with tier 1 entities (the examples are ordered by tier, then size).",
		NextTool:       call(ToolComplianceReport, map[string]any{"framework": "3-2-1-1-0"}),
	})
}

func legWord(leg string) string {
	switch leg {
	case "copies":
		return "fewer than 3 copies"
	case "media":
		return "a single medium"
	case "offsite":
		return "no offsite copy"
	case "immutable":
		return "no immutable copy"
	}
	return "no recent verification (or errors)"
}

func legAdvice(leg string) string {
	switch leg {
	case "copies", "offsite":
		return "replicate to another site"
	case "media":
		return "keep a copy on another storage system or an object tier"
	case "immutable":
		return "lock (make tamper-proof) at least one copy"
	}
	return "clear failed runs and open anomalies and record restore tests"
}
