package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Suggestion kinds.
const (
	SuggestScheduleTooSparse   = "schedule_too_sparse"
	SuggestScheduleTooFrequent = "schedule_too_frequent"
	SuggestRetentionExcess     = "retention_excess"
	SuggestRetentionReduce     = "retention_reduce"
	SuggestMissingRemoteCopy   = "missing_remote_copy"
)

const maxSuggestionEntities = 20

// Effect quantifies a suggestion. Counts and bytes are totals over the
// affected entities at steady state.
type Effect struct {
	// BytesSaved is space freed; negative means more capacity is needed.
	BytesSaved int64 `json:"bytes_saved"`
	// SnapshotCountChange is the change in retained recovery points.
	SnapshotCountChange int64               `json:"snapshot_count_change"`
	WorstCaseRPOBefore  *inventory.Duration `json:"worst_case_rpo_before,omitempty"`
	WorstCaseRPOAfter   *inventory.Duration `json:"worst_case_rpo_after,omitempty"`
	// RPOImprovement is before minus after (negative: the RPO margin shrinks).
	RPOImprovement      *inventory.Duration `json:"rpo_improvement,omitempty"`
	RetentionSpanBefore *inventory.Duration `json:"retention_span_before,omitempty"`
	RetentionSpanAfter  *inventory.Duration `json:"retention_span_after,omitempty"`
	OffsiteCopiesAdded  int                 `json:"offsite_copies_added,omitempty"`
	Note                string              `json:"note,omitempty"`
}

// Suggestion is one schedule or retention change.
type Suggestion struct {
	Kind     string    `json:"kind"`
	Priority Severity  `json:"priority"`
	Policy   EntityRef `json:"policy"`
	Summary  string    `json:"summary"`
	// Entities affected (at most 20, sorted) and their count.
	Entities    []EntityRef `json:"entities"`
	EntityCount int         `json:"entity_count"`
	Current     Evidence    `json:"current"`
	Proposed    Evidence    `json:"proposed"`
	Effect      Effect      `json:"effect"`
	Evidence    Evidence    `json:"evidence"`
	Rationale   string      `json:"rationale"`
	NextTool    *ToolCall   `json:"next_tool,omitempty"`
}

// Optimize suggests schedule and retention changes per policy, sorted by
// priority, then policy (target, name), then kind:
//
//   - schedule_too_sparse (high): the schedule interval exceeds the RPO, so
//     the RPO cannot be met by design. Propose the largest standard interval
//     within the RPO (count-based retention scaled to keep the span).
//   - schedule_too_frequent (low; medium near the snapshot count limit): the
//     schedule is OverFrequentFactor× shorter than the RPO and the median
//     daily change is below LowChangeFraction of used space. Propose the
//     largest standard interval within half the RPO (one missed run of
//     slack), at least twice the current one.
//   - retention_excess (medium; high when a reserve is over its threshold):
//     copies kept past the policy's own retention span on volumes whose space
//     or snapshot reserve is over the nearly-full threshold.
//   - retention_reduce (same priorities): the policy keeps more than
//     Optimize.MinRetention on such volumes and no compliance scope tag
//     requires more; bytes saved are the sizes of the copies older than that.
//   - missing_remote_copy (medium; high for critical-tagged entities): the
//     policy has no remote copy and its entities no replica.
func Optimize(e *inventory.Estate, r Rules) []Suggestion {
	o := &optimizer{ix: e.Index(), r: &r, now: asOf(e)}
	for i := range e.Policies {
		p := &e.Policies[i]
		var ents []*inventory.Entity
		for _, en := range o.ix.PolicyEntities(p) {
			if en.ReplicaOf == "" {
				ents = append(ents, en)
			}
		}
		if len(ents) == 0 {
			continue
		}
		o.sparse(p, ents)
		o.frequent(p, ents)
		o.retention(p, ents)
		o.remote(p, ents)
	}
	slices.SortFunc(o.out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(a.Priority.Rank(), b.Priority.Rank()), compareRefs(a.Policy, b.Policy), cmp.Compare(a.Kind, b.Kind))
	})
	if o.out == nil {
		return []Suggestion{}
	}
	return o.out
}

type optimizer struct {
	ix  *inventory.Index
	r   *Rules
	now time.Time
	out []Suggestion
}

func policyRef(p *inventory.Policy) EntityRef {
	return EntityRef{Kind: RefPolicy, Name: p.Name, Target: p.Target}
}

func refsOf(ents []*inventory.Entity) []EntityRef {
	refs := make([]EntityRef, 0, len(ents))
	for _, en := range ents {
		refs = append(refs, refOf(en))
	}
	return boundRefs(refs, maxSuggestionEntities)
}

// largestStandard returns the largest standard interval ≤ limit, or limit
// when none is.
func (o *optimizer) largestStandard(limit time.Duration) time.Duration {
	best := time.Duration(0)
	for _, d := range o.r.Optimize.StandardIntervals {
		if d.D() <= limit && d.D() > best {
			best = d.D()
		}
	}
	if best == 0 {
		return limit
	}
	return best
}

// steadyCount is how many scheduled copies a policy keeps per entity at an
// interval, and the count that keeps the same span at another interval.
func steadyCount(p *inventory.Policy, interval time.Duration) int64 {
	switch {
	case p.RetentionCount > 0:
		return int64(p.RetentionCount)
	case p.Retention > 0 && interval > 0:
		return int64(p.Retention.D() / interval)
	}
	return 0
}

func policyCurrent(p *inventory.Policy) Evidence {
	ev := Evidence{"retention_count": p.RetentionCount, "remote_copy": p.RemoteCopy}
	if p.Schedule > 0 {
		ev.dur("schedule_interval", p.Schedule.D())
	}
	if p.RPO > 0 {
		ev.dur("rpo", p.RPO.D())
	}
	if p.Retention > 0 {
		ev.dur("retention", p.Retention.D())
	}
	return ev
}

func (o *optimizer) policyCall(p *inventory.Policy, ents []*inventory.Entity, policy string) *ToolCall {
	en := ents[0]
	if vendorOf(o.ix, en) != inventory.KindOntap {
		return nil // Nutanix protection policies are edited in Prism Central
	}
	return call(ToolOntapSetVolumeSnapshotPolicy, withArg(volumeArgs(en.Name, en.SVM, en.Target), "policy", policy))
}

func (o *optimizer) sparse(p *inventory.Policy, ents []*inventory.Entity) {
	interval, rpo := p.Schedule.D(), p.RPO.D()
	if interval <= 0 || rpo <= 0 || interval <= rpo {
		return
	}
	next := o.largestStandard(rpo)
	n := int64(len(ents))
	eff := Effect{WorstCaseRPOBefore: dptr(interval), WorstCaseRPOAfter: dptr(next), RPOImprovement: dptr(interval - next)}
	proposed := Evidence{}
	proposed.dur("schedule_interval", next)
	if p.RetentionCount > 0 {
		keep := int64(math.Ceil(float64(p.RetentionCount) * float64(interval) / float64(next)))
		proposed["retention_count"] = keep
		eff.SnapshotCountChange = n * (keep - int64(p.RetentionCount))
		eff.RetentionSpanBefore, eff.RetentionSpanAfter = dptr(time.Duration(p.RetentionCount)*interval), dptr(time.Duration(keep)*next)
		eff.Note = "retention count scaled to keep the same span; snapshot space stays roughly the same, as the same changes are split across more snapshots"
	} else {
		eff.SnapshotCountChange = n * (steadyCount(p, next) - steadyCount(p, interval))
		eff.Note = "snapshot space stays roughly the same: the same changes are split across more snapshots"
	}
	o.out = append(o.out, Suggestion{Kind: SuggestScheduleTooSparse, Priority: High, Policy: policyRef(p),
		Summary: fmt.Sprintf("Policy %s takes a recovery point every %s but promises an RPO of %s; schedule it every %s.",
			p.Name, inventory.Human(interval), inventory.Human(rpo), inventory.Human(next)),
		Entities: refsOf(ents), EntityCount: len(ents), Current: policyCurrent(p), Proposed: proposed, Effect: eff,
		Evidence:  Evidence{"entities": len(ents)},
		Rationale: fmt.Sprintf("Between scheduled runs the newest copy can be up to %s old, so the %s RPO is breached every cycle.", inventory.Human(interval), inventory.Human(rpo)),
		NextTool:  o.policyCall(p, ents, fmt.Sprintf("<snapshot policy with a %s schedule>", inventory.Human(next)))})
}

// dailyChangeFraction is the entity's mean daily change over the last 30
// days as a fraction of its used space (ok false without data).
func (o *optimizer) dailyChangeFraction(en *inventory.Entity) (float64, bool) {
	used := entityUsed(o.ix, en)
	if used <= 0 {
		return 0, false
	}
	from := o.now.Add(-30 * 24 * time.Hour)
	var sum float64
	var first, last time.Time
	n := 0
	for _, s := range o.ix.ChangeRates(en.ID) {
		if !s.Time.After(from) || s.Time.After(o.now) {
			continue
		}
		sum += float64(s.Bytes)
		start := s.Start()
		if first.IsZero() || start.Before(first) {
			first = start
		}
		last = s.Time
		n++
	}
	if n < 2 {
		return 0, false
	}
	days := last.Sub(first).Hours() / 24
	if days <= 0 {
		return 0, false
	}
	return sum / days / float64(used), true
}

func (o *optimizer) frequent(p *inventory.Policy, ents []*inventory.Entity) {
	interval, rpo := p.Schedule.D(), p.RPO.D()
	if interval <= 0 || rpo <= 0 || float64(interval)*o.r.Optimize.OverFrequentFactor > float64(rpo) {
		return
	}
	var fracs []float64
	for _, en := range ents {
		if f, ok := o.dailyChangeFraction(en); ok {
			fracs = append(fracs, f)
		}
	}
	if len(fracs) == 0 {
		return
	}
	med := median(fracs)
	if med >= o.r.Optimize.LowChangeFraction {
		return
	}
	next := o.largestStandard(rpo / 2)
	if next < 2*interval {
		return
	}
	n := int64(len(ents))
	eff := Effect{WorstCaseRPOBefore: dptr(interval), WorstCaseRPOAfter: dptr(next), RPOImprovement: dptr(interval - next)}
	proposed := Evidence{}
	proposed.dur("schedule_interval", next)
	if p.RetentionCount > 0 {
		keep := max(1, int64(math.Ceil(float64(p.RetentionCount)*float64(interval)/float64(next))))
		proposed["retention_count"] = keep
		eff.SnapshotCountChange = n * (keep - int64(p.RetentionCount))
		eff.RetentionSpanBefore, eff.RetentionSpanAfter = dptr(time.Duration(p.RetentionCount)*interval), dptr(time.Duration(keep)*next)
	} else {
		eff.SnapshotCountChange = n * (steadyCount(p, next) - steadyCount(p, interval))
	}
	eff.Note = fmt.Sprintf("space roughly unchanged (the changes are small); %d fewer snapshot operations per day across %d entities, and more headroom under the snapshot count limit",
		int64(float64(n)*(24*float64(time.Hour)/float64(interval)-24*float64(time.Hour)/float64(next))), n)
	prio := Low
	for _, en := range ents {
		if len(o.ix.RecoveryPoints(en.ID)) >= o.r.Volume.SnapshotCountWarning*8/10 {
			prio = Medium
			break
		}
	}
	ev := Evidence{"entities": len(ents), "entities_with_change_data": len(fracs)}
	ev.num("median_daily_change_fraction", med).num("low_change_fraction", o.r.Optimize.LowChangeFraction)
	o.out = append(o.out, Suggestion{Kind: SuggestScheduleTooFrequent, Priority: prio, Policy: policyRef(p),
		Summary: fmt.Sprintf("Policy %s snapshots every %s for an RPO of %s while its entities change only %s of their data a day; every %s still meets the RPO.",
			p.Name, inventory.Human(interval), inventory.Human(rpo), pct(med*100), inventory.Human(next)),
		Entities: refsOf(ents), EntityCount: len(ents), Current: policyCurrent(p), Proposed: proposed, Effect: eff, Evidence: ev,
		Rationale: fmt.Sprintf("With a low change rate most of these snapshots are nearly empty; a %s schedule keeps a full missed run of slack within the RPO.", inventory.Human(next)),
		NextTool:  o.policyCall(p, ents, fmt.Sprintf("<snapshot policy with a %s schedule>", inventory.Human(next)))})
}

// filling reports how full an entity's space and snapshot reserve are (in
// percent), and whether either passes the nearly-full threshold.
func (o *optimizer) filling(en *inventory.Entity) (spacePct, reservePct float64, filling bool) {
	used, size, resUsed, resSize := currentCapacity(o.ix, en)
	if size > 0 {
		spacePct = float64(used) / float64(size) * 100
	}
	if resSize > 0 {
		reservePct = float64(resUsed) / float64(resSize) * 100
	}
	return spacePct, reservePct, spacePct >= o.r.Volume.NearlyFullPercent || reservePct >= o.r.Volume.NearlyFullPercent
}

func (o *optimizer) complianceScoped(en *inventory.Entity) bool {
	c := o.r.Compliance
	return (len(c.SOX.ScopeTags) > 0 && en.HasAnyTag(c.SOX.ScopeTags)) ||
		(len(c.HIPAA.ScopeTags) > 0 && en.HasAnyTag(c.HIPAA.ScopeTags)) ||
		(len(c.GDPR.ScopeTags) > 0 && en.HasAnyTag(c.GDPR.ScopeTags))
}

func (o *optimizer) retention(p *inventory.Policy, ents []*inventory.Entity) {
	span := p.RetentionSpan()
	minRet := o.r.Optimize.MinRetention.D()
	type agg struct {
		ents  []*inventory.Entity
		bytes int64
		count int64
		full  bool
	}
	var excess, reduce agg
	for _, en := range ents {
		spacePct, resPct, filling := o.filling(en)
		if !filling {
			continue
		}
		full := spacePct >= o.r.Volume.FullPercent || resPct >= o.r.Volume.SnapshotReserveFullPercent
		var exB, exN, reB, reN int64
		for _, rp := range o.ix.RecoveryPoints(en.ID) {
			if rp.Location != inventory.LocationLocal || rp.LockedAt(o.now) || rp.ExpiredAt(o.now) || rp.Created.After(o.now) {
				continue
			}
			age := o.now.Sub(rp.Created)
			switch {
			case span > 0 && age > span+p.Schedule.D():
				exB += rp.SizeBytes
				exN++
			case span > minRet && !o.complianceScoped(en) && age > minRet:
				reB += rp.SizeBytes
				reN++
			}
		}
		if exN > 0 {
			excess.ents, excess.bytes, excess.count, excess.full = append(excess.ents, en), excess.bytes+exB, excess.count+exN, excess.full || full
		}
		if reN > 0 {
			reduce.ents, reduce.bytes, reduce.count, reduce.full = append(reduce.ents, en), reduce.bytes+reB, reduce.count+reN, reduce.full || full
		}
	}
	prio := func(full bool) Severity {
		if full {
			return High
		}
		return Medium
	}
	if len(excess.ents) > 0 {
		cur := policyCurrent(p)
		cur.dur("retention_span", span)
		o.out = append(o.out, Suggestion{Kind: SuggestRetentionExcess, Priority: prio(excess.full), Policy: policyRef(p),
			Summary: fmt.Sprintf("%d recovery points (%s) on %d filling volume(s) of policy %s are older than the policy keeps (%s); delete them or let them expire.",
				excess.count, gib(excess.bytes), len(excess.ents), p.Name, inventory.Human(span)),
			Entities: refsOf(excess.ents), EntityCount: len(excess.ents), Current: cur,
			Proposed:  Evidence{"action": "delete or expire copies older than the policy's retention span"},
			Effect:    Effect{BytesSaved: excess.bytes, SnapshotCountChange: -excess.count, Note: "bytes are the copies' own sizes; space actually freed can be smaller where blocks are shared"},
			Evidence:  Evidence{"copies_beyond_retention": excess.count, "bytes_beyond_retention": excess.bytes},
			Rationale: fmt.Sprintf("These copies are outside policy %s (manual, extended or orphaned) and hold space the volumes need.", p.Name),
			NextTool:  listRecoveryPointsCall(o.ix, excess.ents[0])})
	}
	if len(reduce.ents) > 0 {
		cur := policyCurrent(p)
		cur.dur("retention_span", span)
		proposed := Evidence{}
		proposed.dur("retention", minRet)
		if p.Schedule > 0 {
			proposed["retention_count"] = int64(math.Ceil(float64(minRet) / float64(p.Schedule.D())))
		}
		o.out = append(o.out, Suggestion{Kind: SuggestRetentionReduce, Priority: prio(reduce.full), Policy: policyRef(p),
			Summary: fmt.Sprintf("Policy %s keeps %s of recovery points on %d filling volume(s); keeping %s would free about %s (%d copies).",
				p.Name, inventory.Human(span), len(reduce.ents), inventory.Human(minRet), gib(reduce.bytes), reduce.count),
			Entities: refsOf(reduce.ents), EntityCount: len(reduce.ents), Current: cur, Proposed: proposed,
			Effect: Effect{BytesSaved: reduce.bytes, SnapshotCountChange: -reduce.count,
				RetentionSpanBefore: dptr(span), RetentionSpanAfter: dptr(minRet),
				Note: "bytes are the copies' own sizes; space actually freed can be smaller where blocks are shared"},
			Evidence:  Evidence{"copies_older_than_min_retention": reduce.count, "bytes_older_than_min_retention": reduce.bytes},
			Rationale: fmt.Sprintf("No compliance scope tag on these volumes asks for more than %s (the AWS Backup minimum-retention default), and their space is running out.", inventory.Human(minRet)),
			NextTool:  o.policyCall(p, reduce.ents, fmt.Sprintf("<snapshot policy keeping %s>", inventory.Human(minRet)))})
	}
}

func (o *optimizer) remote(p *inventory.Policy, ents []*inventory.Entity) {
	if p.RemoteCopy {
		return
	}
	var missing []*inventory.Entity
	var bytes int64
	crit := false
	for _, en := range ents {
		if len(o.ix.Replications(en.ID)) > 0 {
			continue
		}
		if o.ix.NewestRecoveryPoint(en.ID, func(rp *inventory.RecoveryPoint) bool {
			return rp.Location == inventory.LocationReplica && usableAt(o.now)(rp)
		}) != nil {
			continue
		}
		missing = append(missing, en)
		bytes += max(en.UsedBytes, 0)
		crit = crit || criticalEntity(en, o.r)
	}
	if len(missing) == 0 {
		return
	}
	prio := Medium
	if crit {
		prio = High
	}
	var next *ToolCall
	if vendorOf(o.ix, missing[0]) == inventory.KindOntap {
		next = call(ToolOntapListSnapmirror, map[string]any{"target": missing[0].Target})
	}
	proposed := Evidence{"remote_copy": true}
	if p.Schedule > 0 {
		proposed.dur("replication_interval", p.Schedule.D())
	}
	o.out = append(o.out, Suggestion{Kind: SuggestMissingRemoteCopy, Priority: prio, Policy: policyRef(p),
		Summary:  fmt.Sprintf("Policy %s keeps copies only on the primary system; %d entities (%s used) have no offsite copy.", p.Name, len(missing), gib(bytes)),
		Entities: refsOf(missing), EntityCount: len(missing), Current: policyCurrent(p), Proposed: proposed,
		Effect: Effect{BytesSaved: -bytes, OffsiteCopiesAdded: len(missing),
			Note: "bytes are the baseline the remote site must hold (before data reduction); a site failure goes from unrecoverable to losing at most one replication interval"},
		Evidence:  Evidence{"entities_without_replica": len(missing), "critical_tagged": crit},
		Rationale: "Without a replica on another site, a site or array loss loses the data and every recovery point with it (3-2-1-1-0 needs one offsite copy).",
		NextTool:  next})
}
