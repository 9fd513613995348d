package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Scenario is what happened.
type Scenario string

// Scenarios.
const (
	ScenarioCorruption         Scenario = "corruption"          // whole VM/volume bad, site OK
	ScenarioAccidentalDeletion Scenario = "accidental_deletion" // the entity, or data in it, was deleted
	ScenarioRansomware         Scenario = "ransomware"          // suspected encryption: find a clean point, keep evidence
	ScenarioSiteFailure        Scenario = "site_failure"        // the entity's site or array is lost
	ScenarioFileLoss           Scenario = "file_loss"           // a few files lost or corrupted
)

// Scenarios lists the valid scenarios.
var Scenarios = []Scenario{ScenarioCorruption, ScenarioAccidentalDeletion, ScenarioRansomware, ScenarioSiteFailure, ScenarioFileLoss}

// Method is how to recover.
type Method string

// Methods.
const (
	MethodVMRevert           Method = "vm_revert"           // Nutanix VM revert in place (destructive)
	MethodRestoreAsClone     Method = "restore_as_clone"    // Nutanix restore as a new VM / volume group
	MethodFileRestore        Method = "file_restore"        // ONTAP single-file SnapRestore to a new path
	MethodSnapRestore        Method = "snaprestore"         // ONTAP volume SnapRestore in place (destructive)
	MethodSnapmirrorFailover Method = "snapmirror_failover" // ONTAP SnapMirror break at the destination (destructive)
	MethodVolumeClone        Method = "volume_clone"        // ONTAP FlexClone from a snapshot
)

// Step tiers (as the safety model names them).
const (
	TierRead        = "read"
	TierWrite       = "write"
	TierDestructive = "destructive"
)

// RecoveryPointRef describes a recovery point in a recommendation.
type RecoveryPointRef struct {
	ID          string                `json:"id"`
	MemberID    string                `json:"member_id,omitempty"`
	Name        string                `json:"name"`
	Created     time.Time             `json:"created"`
	Expires     time.Time             `json:"expires,omitzero"`
	Location    inventory.Location    `json:"location"`
	Target      string                `json:"target"`
	Site        string                `json:"site,omitempty"`
	Cluster     string                `json:"cluster,omitempty"`
	SVM         string                `json:"svm,omitempty"`
	Volume      string                `json:"volume,omitempty"`
	Consistency inventory.Consistency `json:"consistency"`
	Locked      bool                  `json:"locked"`
	Flags       []string              `json:"flags,omitempty"`
	SizeBytes   int64                 `json:"size_bytes"`
}

func rpRef(ix *inventory.Index, rp *inventory.RecoveryPoint, now time.Time) RecoveryPointRef {
	return RecoveryPointRef{ID: rp.ID, MemberID: rp.MemberID, Name: rp.Name, Created: rp.Created.UTC(), Expires: rp.Expires.UTC(),
		Location: rp.Location, Target: rp.Target, Site: siteOf(ix, rp.Site, rp.Target), Cluster: rp.Cluster, SVM: rp.SVM,
		Volume: rp.Volume, Consistency: rp.Consistency, Locked: rp.LockedAt(now), Flags: rp.Flags, SizeBytes: rp.SizeBytes}
}

// Step is one MCP tool call of a recovery option.
type Step struct {
	Order       int            `json:"order"`
	Tool        string         `json:"tool"`
	Arguments   map[string]any `json:"arguments"`
	Tier        string         `json:"tier"`
	Destructive bool           `json:"destructive"`
	Description string         `json:"description"`
	// NeedsInput names arguments the caller must fill in (their values are
	// placeholders in angle brackets).
	NeedsInput []string `json:"needs_input,omitempty"`
}

// RTOBreakdown is RTO = decide + provision + data + verify [3.3].
type RTOBreakdown struct {
	Decide    inventory.Duration `json:"decide"`
	Provision inventory.Duration `json:"provision"`
	Data      inventory.Duration `json:"data"`
	Verify    inventory.Duration `json:"verify"`
	// Basis says where the data time comes from.
	Basis       string             `json:"basis"`
	Target      inventory.Duration `json:"target"`
	MeetsTarget bool               `json:"meets_target"`
}

// RecoveryOption is one ranked way to recover.
type RecoveryOption struct {
	Rank          int                `json:"rank"`
	RecoveryPoint RecoveryPointRef   `json:"recovery_point"`
	Method        Method             `json:"method"`
	RTO           inventory.Duration `json:"rto"`
	RTOBreakdown  RTOBreakdown       `json:"rto_breakdown"`
	// DataLoss is incident time minus recovery point time.
	DataLoss    inventory.Duration `json:"data_loss"`
	Destructive bool               `json:"destructive"`
	Risks       []string           `json:"risks"`
	Steps       []Step             `json:"steps"`
	Rationale   string             `json:"rationale"`
}

// ExcludedPoint is a recovery point before the incident that was not offered.
type ExcludedPoint struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Created  time.Time          `json:"created"`
	Location inventory.Location `json:"location"`
	Target   string             `json:"target"`
	Reason   string             `json:"reason"`
}

// Recommendation is the result of Recommend.
type Recommendation struct {
	Entity EntityRef `json:"entity"`
	// EntityExists is false when the entity is known only from its recovery
	// points (deleted, or not collected).
	EntityExists bool      `json:"entity_exists"`
	Scenario     Scenario  `json:"scenario"`
	IncidentTime time.Time `json:"incident_time"`
	AsOf         time.Time `json:"as_of"`
	// CleanCutoff: recovery points after it (at or after it when it comes
	// from an event or the dwell margin) are held back (ransomware).
	CleanCutoff  time.Time `json:"clean_cutoff,omitzero"`
	CutoffReason string    `json:"cutoff_reason,omitempty"`
	// CutoffConfidence: high (a clear boundary between a normal and an
	// anomalous delta), medium (the change began inside a delta, short
	// baseline, or only an event), low (no evidence: dwell margin only).
	CutoffConfidence string `json:"cutoff_confidence,omitempty"`
	// OnsetUncertaintySeconds: an attack that began this long before the
	// cut-off would not show in the deltas (see the warning); 0 when unknown.
	OnsetUncertaintySeconds int64 `json:"onset_uncertainty_seconds,omitempty"`
	// NextOlder is the next older clean candidate after the recommended
	// point, to fall back to if inspection finds the first one infected.
	NextOlder *RecoveryPointRef `json:"next_older,omitempty"`
	Options   []RecoveryOption  `json:"options"`
	// Excluded lists up to 20 points before the incident that were not
	// offered (point-specific reasons first, then newest); ExcludedCount and
	// ExcludedReasons count them all.
	Excluded        []ExcludedPoint `json:"excluded,omitempty"`
	ExcludedCount   int             `json:"excluded_count"`
	ExcludedReasons map[string]int  `json:"excluded_reasons,omitempty"`
	Warnings        []string        `json:"warnings,omitempty"`
	// Error is set when no recommendation can be made (unknown scenario,
	// unknown or ambiguous entity); Candidates lists matches when ambiguous.
	Error      string      `json:"error,omitempty"`
	Candidates []EntityRef `json:"candidates,omitempty"`
}

const maxExcludedListed = 20

// Recommend ranks ways to recover an entity (id or name; a deleted entity
// is found by the id or name its recovery points carry) from an incident at
// incidentTime (zero: e.AsOf) in a scenario.
//
// Candidates are usable, unexpired copies created before the incident. For
// ransomware, points at or after a clean cut-off are held back: the start of
// the first anomalous change-rate sample (spike) or the first ransomware
// event within Recovery.AnomalyLookback before the incident; with no such
// evidence, the incident minus Recovery.RansomwareDwell (relaxed, with a
// risk, when that leaves nothing). Anti-ransomware snapshots after the
// cut-off stay, ranked below clean points. For site_failure only copies on
// another site (or target) count; for a deleted ONTAP volume only replicas.
//
// Ranking: clean before held-back; then, among points within
// Recovery.PreferenceWindow of the newest clean one, the scenario's
// preferences (ransomware: locked, anti-ransomware, application-consistent,
// local; others: application-consistent, local); then newest. The best
// point gets its methods in scenario order (e.g. corruption on a VM: revert,
// then restore as clone), then fallback points their first method, up to
// Recovery.MaxOptions. RTO = decide + provision + data + verify, the data
// time from observed operation durations (p90) for snapshot-based methods,
// or size / observed throughput (p10) for copies that must move, with
// Recovery.FallbackThroughput when the estate has no observations.
func Recommend(e *inventory.Estate, entityRef string, incidentTime time.Time, scenario Scenario, r Rules) Recommendation {
	ix := e.Index()
	now := asOf(e)
	if incidentTime.IsZero() {
		incidentTime = now
	}
	rec := Recommendation{Scenario: scenario, IncidentTime: incidentTime.UTC(), AsOf: now, Options: []RecoveryOption{}}
	if !slices.Contains(Scenarios, scenario) {
		var names []string
		for _, s := range Scenarios {
			names = append(names, string(s))
		}
		rec.Error = fmt.Sprintf("unknown scenario %q; use one of %s", scenario, strings.Join(names, ", "))
		return rec
	}
	en, exists, cands := resolveForRecovery(ix, entityRef)
	if en == nil {
		if len(cands) > 1 {
			rec.Error = fmt.Sprintf("%q matches %d entities; name one by id or name it with its target", entityRef, len(cands))
			rec.Candidates = cands
		} else {
			rec.Error = fmt.Sprintf("no entity or recovery point of an entity %q in the estate", entityRef)
		}
		return rec
	}
	rec.Entity, rec.EntityExists = refOf(en), exists
	rc := &recoveryCtx{ix: ix, r: &r, now: now, en: en, exists: exists, scenario: scenario, incident: incidentTime.UTC(),
		vendor: vendorOf(ix, en), site: siteOf(ix, en.Site, en.Target)}
	if e.Partial() {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("The estate is partial (%s not collected): copies on those targets are not considered.", strings.Join(e.IncompleteTargets(), ", ")))
	}
	rc.cutoff(&rec)
	cands2 := rc.candidates(&rec)
	rc.listExcluded(&rec)
	if len(cands2) == 0 {
		rec.Warnings = append(rec.Warnings, rc.noCandidateWarning())
		return rec
	}
	rc.rank(cands2)
	rec.Options = rc.options(cands2)
	if len(rec.Options) > 0 {
		best := rec.Options[0].RecoveryPoint.Created
		for _, c := range cands2 {
			if c.risky == "" && c.rp.Created.Before(best) {
				ref := rpRef(ix, c.rp, now)
				rec.NextOlder = &ref
				break
			}
		}
	}
	return rec
}

func resolveForRecovery(ix *inventory.Index, ref string) (*inventory.Entity, bool, []EntityRef) {
	switch l := ix.Resolve(ref); len(l) {
	case 1:
		return l[0], true, nil
	case 0:
	default:
		var refs []EntityRef
		for _, en := range l {
			refs = append(refs, refOf(en))
		}
		return nil, false, boundRefs(refs, -1)
	}
	ids := ix.ResolveOrphan(ref)
	if len(ids) != 1 {
		var refs []EntityRef
		for _, id := range ids {
			refs = append(refs, orphanRef(ix, id))
		}
		return nil, false, boundRefs(refs, -1)
	}
	rps := ix.RecoveryPoints(ids[0])
	pseudo := &inventory.Entity{ID: ids[0]}
	for _, rp := range rps { // prefer the local copy's view of where it lived
		if pseudo.Name == "" || rp.Location == inventory.LocationLocal {
			pseudo.Name = cmp.Or(rp.EntityName, pseudo.Name, ids[0])
			pseudo.Kind = cmp.Or(rp.EntityKind, pseudo.Kind)
			if pseudo.Target == "" || rp.Location == inventory.LocationLocal {
				pseudo.Target, pseudo.Site, pseudo.Cluster, pseudo.SVM = rp.Target, rp.Site, rp.Cluster, rp.SVM
			}
		}
		if rp.LogicalBytes > pseudo.UsedBytes {
			pseudo.UsedBytes = rp.LogicalBytes
		}
	}
	if pseudo.Kind == "" {
		pseudo.Kind = inventory.EntityVM
		if ix.Vendor(pseudo.Target, "") == inventory.KindOntap {
			pseudo.Kind = inventory.EntityVolume
		}
	}
	return pseudo, false, nil
}

func orphanRef(ix *inventory.Index, id string) EntityRef {
	ref := EntityRef{ID: id, Name: id}
	if l := ix.RecoveryPoints(id); len(l) > 0 {
		ref.Kind, ref.Name, ref.Target = string(l[0].EntityKind), cmp.Or(l[0].EntityName, id), l[0].Target
	}
	return ref
}

type recoveryCtx struct {
	ix       *inventory.Index
	r        *Rules
	now      time.Time
	en       *inventory.Entity
	exists   bool
	scenario Scenario
	incident time.Time
	vendor   inventory.TargetKind
	site     string

	cut      time.Time
	cutDwell bool // cut-off from the dwell margin only (no evidence)
	// cutInclusive: a point taken exactly at the cut-off is clean (the
	// cut-off is the snapshot that opens the first anomalous delta).
	cutInclusive bool
	excluded     []excludedPoint

	memoDur  map[[2]string]durationObs // (kind, target) -> observed duration
	memoRate map[[2]string]rateObs     // (from, to) -> observed throughput
}

type durationObs struct {
	d     inventory.Duration
	basis string
}

type rateObs struct {
	rate  float64
	basis string
}

type candidate struct {
	rp       *inventory.RecoveryPoint
	risky    string // why it is held back but still offered
	inWindow bool
	prefs    []bool
}

func (rc *recoveryCtx) cutoff(rec *Recommendation) {
	if rc.scenario != ScenarioRansomware {
		return
	}
	r := rc.r
	from := rc.incident.Add(-r.Recovery.AnomalyLookback.D())
	var cut time.Time
	var why string
	conf := ""
	// The recovery points' own deltas place the onset between two points,
	// which is what the cut-off needs; bytes written (daily I/O statistics)
	// set it only when the points show no spike (no sizes, or none taken).
	var firsts []anomaly
	seen := map[string]bool{}
	for _, a := range anomaliesBetween(rc.ix, rc.en, r, from, rc.incident) {
		if a.direction == "spike" && !seen[a.sample.Source] {
			seen[a.sample.Source] = true
			firsts = append(firsts, a)
		}
	}
	slices.SortStableFunc(firsts, func(a, b anomaly) int {
		return cmp.Compare(a.sample.Source, b.sample.Source) // "" (deltas) first
	})
	for _, a := range firsts {
		// The change began at the start of the first anomalous delta (or
		// of the elevated deltas just before it): the snapshot that opens
		// it is the newest that predates the change.
		cut, rc.cutInclusive = a.onset, true
		why = fmt.Sprintf("first anomalous change delta before the incident: %s between %s and %s", gib(a.sample.Bytes), ts(a.sample.Start()), ts(a.sample.Time))
		if a.median > 0 {
			why += fmt.Sprintf(" (%s the usual rate)", times(a.rate/a.median))
		}
		rec.OnsetUncertaintySeconds = int64(a.hidden / time.Second)
		if a.hidden > 0 {
			rec.Warnings = append(rec.Warnings, fmt.Sprintf("Snapshot sizes cannot rule out an attack that began up to %s before %s (it would hide in normal change at this spike's rate); if a clone of the recommended point shows encrypted files, use the next older point.", inventory.Human(a.hidden), ts(a.onset)))
		}
		switch {
		case a.elevated > 0:
			why += fmt.Sprintf("; the %d delta(s) before it were already above normal, so the change began inside them, at or after %s", a.elevated, ts(a.onset))
			conf = "medium"
		case a.provisional:
			why += fmt.Sprintf("; the delta before it was normal, but the baseline is short (%d deltas)", a.baseline)
			conf = "medium"
		default:
			why += "; the delta before it was normal"
			conf = "high"
		}
		break
	}
	for _, ev := range rc.ix.Events(rc.en.ID) {
		if ev.Time.Before(from) || ev.Time.After(rc.incident) || !isRansomwareEvent(ev, r.Anomaly.RansomwareEventMarkers) {
			continue
		}
		if cut.IsZero() || ev.Time.Before(cut) {
			cut, rc.cutInclusive = ev.Time, false
			why = fmt.Sprintf("ransomware event %s at %s (no earlier change anomaly; the attack may have begun before the event)", ev.Name, ts(ev.Time))
			conf = "medium"
		}
		break
	}
	if cut.IsZero() {
		cut = rc.incident.Add(-r.Recovery.RansomwareDwell.D())
		why = fmt.Sprintf("no change-rate anomaly or ransomware event in the %s before the incident; holding back the %s dwell margin", r.Recovery.AnomalyLookback.Human(), r.Recovery.RansomwareDwell.Human())
		if len(rc.ix.ChangeRates(rc.en.ID)) == 0 {
			why += "; " + strings.TrimSuffix(noChangeData(rc.en), ".")
		}
		rc.cutDwell = true
		conf = "low"
	}
	rc.cut = cut
	rec.CleanCutoff, rec.CutoffReason, rec.CutoffConfidence = cut.UTC(), why, conf
}

// afterCut reports whether a point is held back by the clean cut-off.
func (rc *recoveryCtx) afterCut(rp *inventory.RecoveryPoint) bool {
	if rc.cut.IsZero() {
		return false
	}
	if rc.cutInclusive {
		return rp.Created.After(rc.cut)
	}
	return !rp.Created.Before(rc.cut)
}

// exclude records a point not offered. individual marks reasons specific to
// the point (status, infection), listed before the bulk ones (cut-off,
// site) when the list is cut.
func (rc *recoveryCtx) exclude(rec *Recommendation, rp *inventory.RecoveryPoint, reason string, individual bool) {
	rec.ExcludedCount++
	if rec.ExcludedReasons == nil {
		rec.ExcludedReasons = map[string]int{}
	}
	rec.ExcludedReasons[reason]++
	rc.excluded = append(rc.excluded, excludedPoint{ExcludedPoint{ID: rp.ID, Name: rp.Name, Created: rp.Created.UTC(), Location: rp.Location, Target: rp.Target, Reason: reason}, individual})
}

type excludedPoint struct {
	ExcludedPoint
	individual bool
}

// listExcluded keeps the individual exclusions first, then the newest.
func (rc *recoveryCtx) listExcluded(rec *Recommendation) {
	slices.SortStableFunc(rc.excluded, func(a, b excludedPoint) int {
		if a.individual != b.individual {
			if a.individual {
				return -1
			}
			return 1
		}
		return 0
	})
	for i, x := range rc.excluded {
		if i == maxExcludedListed {
			break
		}
		rec.Excluded = append(rec.Excluded, x.ExcludedPoint)
	}
}

func (rc *recoveryCtx) candidates(rec *Recommendation) []*candidate {
	var out, dwell []*candidate
	rps := rc.ix.RecoveryPointsBetween(rc.en.ID, time.Time{}, rc.incident)
	// Newest first, so the bounded excluded list shows the relevant ones.
	for i := len(rps) - 1; i >= 0; i-- {
		rp := rps[i]
		if rp.ExpiredAt(rc.now) {
			continue
		}
		if !rp.Usable() {
			reason := "status " + rp.Status
			if rp.HasFlag(inventory.FlagScanInfected) {
				reason = "malware scan found an infection"
			}
			rc.exclude(rec, rp, reason, true)
			continue
		}
		if t := rc.ix.Target(rp.Target); t != nil && !t.Reachable {
			rc.exclude(rec, rp, "its target "+rp.Target+" is unreachable", false)
			continue
		}
		if rc.scenario == ScenarioSiteFailure && !rc.offsite(rp) {
			rc.exclude(rec, rp, "on the failed site", false)
			continue
		}
		if !rc.exists && rc.vendor == inventory.KindOntap && rp.Location == inventory.LocationLocal {
			rc.exclude(rec, rp, "local snapshots are deleted with the volume", false)
			continue
		}
		c := &candidate{rp: rp}
		if rc.afterCut(rp) {
			switch {
			case rp.HasFlag(inventory.FlagAntiRansomware):
				c.risky = "taken by anti-ransomware protection after the suspicious activity began; may contain some encrypted files"
			case rc.cutDwell:
				c.risky = fmt.Sprintf("created within the %s dwell margin before the incident; dormant malware or early encryption cannot be ruled out", rc.r.Recovery.RansomwareDwell.Human())
				dwell = append(dwell, c)
				continue
			default:
				rc.exclude(rec, rp, "created at or after the clean cut-off ("+ts(rc.cut)+")", false)
				continue
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 && len(dwell) > 0 {
		rec.Warnings = append(rec.Warnings, "No copy predates the dwell margin; offering copies from inside it. Verify them on an isolated clone before use.")
		return dwell
	}
	for _, c := range dwell {
		rc.exclude(rec, c.rp, "created within the "+rc.r.Recovery.RansomwareDwell.Human()+" dwell margin before the incident", false)
	}
	return out
}

// offsite reports whether a copy survives the loss of the entity's site.
func (rc *recoveryCtx) offsite(rp *inventory.RecoveryPoint) bool {
	s := siteOf(rc.ix, rp.Site, rp.Target)
	if s != "" && rc.site != "" {
		return s != rc.site
	}
	return rp.Target != rc.en.Target
}

func (rc *recoveryCtx) noCandidateWarning() string {
	switch {
	case rc.scenario == ScenarioSiteFailure:
		return fmt.Sprintf("No usable copy of %s exists outside its site before %s: it cannot be recovered from a site failure.", rc.en.Name, ts(rc.incident))
	case !rc.cut.IsZero() && !rc.cutDwell:
		return fmt.Sprintf("No usable copy of %s predates the clean cut-off %s; every newer copy may be encrypted. Inspect a clone of the oldest one before deciding.", rc.en.Name, ts(rc.cut))
	}
	return fmt.Sprintf("No usable copy of %s was created before %s.", rc.en.Name, ts(rc.incident))
}

func (rc *recoveryCtx) rank(cs []*candidate) {
	var newest time.Time
	for _, c := range cs {
		if c.risky == "" && c.rp.Created.After(newest) {
			newest = c.rp.Created
		}
	}
	if newest.IsZero() {
		for _, c := range cs {
			if c.rp.Created.After(newest) {
				newest = c.rp.Created
			}
		}
	}
	edge := newest.Add(-rc.r.Recovery.PreferenceWindow.D())
	for _, c := range cs {
		rp := c.rp
		c.inWindow = !rp.Created.Before(edge)
		app := rp.Consistency == inventory.ApplicationConsistent
		local := rp.Location == inventory.LocationLocal
		switch rc.scenario {
		case ScenarioRansomware:
			// Every hour before the cut-off is data kept: the newest clean
			// point wins, preferences only order copies taken together.
			c.inWindow = false
			c.prefs = nil
		case ScenarioSiteFailure:
			c.prefs = []bool{app}
		default:
			c.prefs = []bool{app, local}
		}
	}
	b2i := func(b bool) int {
		if b {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(cs, func(a, b *candidate) int {
		if c := cmp.Compare(b2i(a.risky == ""), b2i(b.risky == "")); c != 0 {
			return c
		}
		if c := cmp.Compare(b2i(a.inWindow), b2i(b.inWindow)); c != 0 {
			return c
		}
		if a.inWindow {
			for i := range a.prefs {
				if c := cmp.Compare(b2i(a.prefs[i]), b2i(b.prefs[i])); c != 0 {
					return c
				}
			}
		}
		return cmp.Or(b.rp.Created.Compare(a.rp.Created), cmp.Compare(a.rp.Location, b.rp.Location),
			cmp.Compare(a.rp.Target, b.rp.Target), cmp.Compare(a.rp.ID, b.rp.ID), cmp.Compare(a.rp.MemberID, b.rp.MemberID))
	})
	if rc.scenario == ScenarioRansomware {
		// Distinct points in time first (the fallback is the next older
		// point), then further copies of the same points.
		seen := map[time.Time]bool{}
		var first, rest []*candidate
		for _, c := range cs {
			if seen[c.rp.Created] {
				rest = append(rest, c)
				continue
			}
			seen[c.rp.Created] = true
			first = append(first, c)
		}
		copy(cs, append(first, rest...))
	}
}

// methods returns the methods for a copy, in scenario preference order.
func (rc *recoveryCtx) methods(rp *inventory.RecoveryPoint) []Method {
	local := rp.Location == inventory.LocationLocal
	if rc.vendor != inventory.KindOntap {
		if rc.en.Kind != inventory.EntityVM || !rc.exists || !local {
			return []Method{MethodRestoreAsClone}
		}
		switch rc.scenario {
		case ScenarioCorruption:
			return []Method{MethodVMRevert, MethodRestoreAsClone}
		case ScenarioAccidentalDeletion, ScenarioRansomware:
			return []Method{MethodRestoreAsClone, MethodVMRevert}
		}
		return []Method{MethodRestoreAsClone}
	}
	if !local {
		var ms []Method
		if rc.scenario == ScenarioSiteFailure || !rc.exists {
			if rc.relationshipFor(rp) != nil {
				ms = append(ms, MethodSnapmirrorFailover)
			}
		}
		if !rc.exists && len(ms) > 0 {
			return []Method{MethodVolumeClone, MethodSnapmirrorFailover}
		}
		return append(ms, MethodVolumeClone)
	}
	switch rc.scenario {
	case ScenarioCorruption:
		return []Method{MethodSnapRestore, MethodVolumeClone}
	case ScenarioAccidentalDeletion, ScenarioRansomware:
		return []Method{MethodVolumeClone, MethodSnapRestore}
	case ScenarioFileLoss:
		return []Method{MethodFileRestore, MethodVolumeClone}
	}
	return []Method{MethodVolumeClone}
}

// relationshipFor finds the SnapMirror relationship whose destination holds rp.
func (rc *recoveryCtx) relationshipFor(rp *inventory.RecoveryPoint) *inventory.Replication {
	for _, rel := range rc.ix.Replications(rc.en.ID) {
		if rel.DestinationTarget != rp.Target || rel.State == "uninitialized" {
			continue
		}
		if rp.Volume == "" || rel.DestinationPath == "" || strings.HasSuffix(rel.DestinationPath, ":"+rp.Volume) || rel.DestinationPath == rp.Volume {
			return rel
		}
	}
	return nil
}

func (rc *recoveryCtx) options(cs []*candidate) []RecoveryOption {
	rcfg := rc.r.Recovery
	if n := max(rcfg.MaxRecoveryPoints, 1); len(cs) > n {
		cs = cs[:n]
	}
	type pick struct {
		c   *candidate
		m   Method
		alt bool // a second method for the same point
	}
	var picks []pick
	methods := make([][]Method, len(cs))
	for i, c := range cs {
		methods[i] = rc.methods(c.rp)
	}
	if len(methods[0]) > 0 {
		picks = append(picks, pick{cs[0], methods[0][0], false})
		if len(methods[0]) > 1 {
			picks = append(picks, pick{cs[0], methods[0][1], true})
		}
	}
	for i := 1; i < len(cs); i++ {
		picks = append(picks, pick{cs[i], methods[i][0], false})
	}
	for i := 1; i < len(cs); i++ {
		for _, m := range methods[i][1:] {
			picks = append(picks, pick{cs[i], m, true})
		}
	}
	for _, m := range methods[0][min(2, len(methods[0])):] {
		picks = append(picks, pick{cs[0], m, true})
	}
	if n := max(rcfg.MaxOptions, 1); len(picks) > n {
		picks = picks[:n]
	}
	out := make([]RecoveryOption, 0, len(picks))
	for i, p := range picks {
		o := rc.option(p.c, p.m)
		o.Rank = i + 1
		o.Rationale = rc.rationale(p.c, p.m, p.alt, cs, out)
		out = append(out, o)
	}
	return out
}

func (rc *recoveryCtx) option(c *candidate, m Method) RecoveryOption {
	rp := c.rp
	o := RecoveryOption{RecoveryPoint: rpRef(rc.ix, rp, rc.now), Method: m, DataLoss: inventory.Duration(rc.incident.Sub(rp.Created))}
	o.Steps = rc.steps(rp, m)
	for _, s := range o.Steps {
		o.Destructive = o.Destructive || s.Destructive
	}
	o.RTOBreakdown = rc.rto(rp, m)
	o.RTO = o.RTOBreakdown.Decide + o.RTOBreakdown.Provision + o.RTOBreakdown.Data + o.RTOBreakdown.Verify
	o.RTOBreakdown.MeetsTarget = o.RTO <= o.RTOBreakdown.Target
	o.Risks = rc.risks(c, m, o)
	return o
}

func (rc *recoveryCtx) cluster(rp *inventory.RecoveryPoint) string {
	if rp.Location == inventory.LocationLocal {
		return cmp.Or(rp.Cluster, rc.en.Cluster)
	}
	return rp.Cluster
}

func (rc *recoveryCtx) steps(rp *inventory.RecoveryPoint, m Method) []Step {
	en := rc.en
	var steps []Step
	add := func(tool string, args map[string]any, tier, desc string, needs ...string) {
		steps = append(steps, Step{Order: len(steps) + 1, Tool: tool, Arguments: args, Tier: tier,
			Destructive: tier == TierDestructive, Description: desc, NeedsInput: needs})
	}
	holderVol := cmp.Or(rp.Volume, en.Name)
	holderSVM := cmp.Or(rp.SVM, en.SVM)
	switch m {
	case MethodVMRevert:
		pre := createRecoveryPointCall(rc.ix, en)
		add(pre.Tool, pre.Arguments, TierWrite, fmt.Sprintf("Preserve the current state of %s first (evidence, and a way back if the revert is not what you wanted).", en.Name))
		args := map[string]any{"vm": en.Name, "vm_recovery_point_ext_id": cmp.Or(rp.MemberID, "<vm recovery point ext_id>"), "target": rp.Target}
		var needs []string
		if rp.MemberID == "" {
			needs = []string{"vm_recovery_point_ext_id"}
		}
		add(ToolNutanixRevertVM, args, TierDestructive, fmt.Sprintf("Revert %s in place to recovery point %s (%s).", en.Name, rp.Name, ts(rp.Created)), needs...)
	case MethodRestoreAsClone:
		if rp.Location == inventory.LocationReplica && rc.scenario != ScenarioSiteFailure {
			add(ToolNutanixReplicateRecoveryPoint, map[string]any{"ext_id": rp.ID, "target": rp.Target, "pc": en.Target},
				TierWrite, fmt.Sprintf("Copy recovery point %s from %s back to %s.", rp.Name, rp.Target, en.Target))
			add(ToolNutanixRestoreRecoveryPoint, map[string]any{"ext_id": "<ext_id of the replicated recovery point>", "cluster": en.Cluster, "target": en.Target},
				TierWrite, fmt.Sprintf("Restore %s from the replicated copy as a new %s on %s.", en.Name, kindNoun(en.Kind), cmp.Or(en.Cluster, en.Target)), "ext_id")
			break
		}
		desc := fmt.Sprintf("Restore %s from recovery point %s as a new %s on %s.", en.Name, rp.Name, kindNoun(en.Kind), cmp.Or(rc.cluster(rp), rp.Target))
		switch rc.scenario {
		case ScenarioRansomware:
			desc += " Attach it to an isolated network, check it is clean, and keep the original powered off as evidence."
		case ScenarioFileLoss:
			desc += " Copy the lost files out of it, then delete the clone."
		case ScenarioSiteFailure:
			desc += " It comes up at the recovery site; reconnect clients there."
		}
		add(ToolNutanixRestoreRecoveryPoint, map[string]any{"ext_id": rp.ID, "cluster": rc.cluster(rp), "target": rp.Target}, TierWrite, desc)
	case MethodFileRestore:
		args := withArg(volumeArgs(en.Name, en.SVM, rp.Target), "snapshot", rp.Name)
		args["path"] = "<path of the lost file, relative to the volume root>"
		args["restore_path"] = "<new path, e.g. the file name with .restored>"
		add(ToolOntapRestoreFile, args, TierWrite, fmt.Sprintf("Restore the lost files from snapshot %s to a new path; restoring over the original path would be destructive.", rp.Name), "path", "restore_path")
	case MethodSnapRestore:
		add(ToolOntapRestoreVolume, withArg(volumeArgs(en.Name, en.SVM, rp.Target), "snapshot", rp.Name), TierDestructive,
			fmt.Sprintf("Revert volume %s in place to snapshot %s (%s).", en.Name, rp.Name, ts(rp.Created)))
		for _, rel := range rc.ix.Replications(en.ID) {
			if rel.Broken() {
				continue
			}
			add(ToolOntapSnapmirrorUpdate, map[string]any{"relationship": rel.ID, "target": rel.DestinationTarget}, TierWrite,
				fmt.Sprintf("Update SnapMirror relationship %s to %s at once; if the update fails, the relationship needs a resync.", rel.ID, rel.DestinationTarget))
		}
	case MethodVolumeClone:
		cloneName := fmt.Sprintf("%s_clone_%s", holderVol, rp.Created.UTC().Format("20060102_1504"))
		args := withArg(volumeArgs(holderVol, holderSVM, rp.Target), "snapshot", rp.Name)
		args["clone_name"] = cloneName
		desc := fmt.Sprintf("Create FlexClone %s from snapshot %s on %s.", cloneName, rp.Name, rp.Target)
		switch rc.scenario {
		case ScenarioRansomware:
			desc += " Inspect it (or scan it) before you promote it or copy data back; the original volume stays as evidence."
		case ScenarioFileLoss, ScenarioAccidentalDeletion:
			desc += " Copy what you need back from it, then delete the clone (or split it to keep it)."
		default:
			desc += " Point clients at the clone, or split it to make it permanent."
		}
		add(ToolOntapCloneVolume, args, TierWrite, desc)
	case MethodSnapmirrorFailover:
		rel := rc.relationshipFor(rp)
		add(ToolOntapSnapmirrorBreak, map[string]any{"relationship": rel.ID, "target": rel.DestinationTarget}, TierDestructive,
			fmt.Sprintf("Break SnapMirror relationship %s so destination %s becomes writable.", rel.ID, cmp.Or(rel.DestinationPath, holderVol)))
		if newest := rc.newestReplicaOn(rp); newest != nil && newest != rp {
			add(ToolOntapRestoreVolume, withArg(volumeArgs(holderVol, holderSVM, rp.Target), "snapshot", rp.Name), TierDestructive,
				fmt.Sprintf("Revert the destination volume %s to snapshot %s (the newest transferred snapshot %s is later than the chosen point).", holderVol, rp.Name, newest.Name))
		}
	}
	return steps
}

// newestReplicaOn returns the newest usable copy before the incident held
// by the same destination volume as rp.
func (rc *recoveryCtx) newestReplicaOn(rp *inventory.RecoveryPoint) *inventory.RecoveryPoint {
	var best *inventory.RecoveryPoint
	for _, x := range rc.ix.RecoveryPointsBetween(rc.en.ID, time.Time{}, rc.incident) {
		if x.Location == rp.Location && x.Target == rp.Target && x.Volume == rp.Volume && x.Usable() {
			best = x
		}
	}
	return best
}

// methodOpKind maps a method to the operation kind whose history predicts
// its duration.
func methodOpKind(m Method) string {
	switch m {
	case MethodVMRevert, MethodSnapRestore:
		return inventory.OpRevert
	case MethodRestoreAsClone:
		return inventory.OpRestore
	case MethodFileRestore:
		return inventory.OpFileRestore
	case MethodVolumeClone:
		return inventory.OpClone
	case MethodSnapmirrorFailover:
		return inventory.OpFailover
	}
	return inventory.OpOther
}

func (rc *recoveryCtx) rto(rp *inventory.RecoveryPoint, m Method) RTOBreakdown {
	rcfg := rc.r.Recovery
	b := RTOBreakdown{Decide: rcfg.DecideTime, Provision: rcfg.ProvisionTime, Target: rcfg.TargetRTO}
	copyBased := m == MethodRestoreAsClone && rp.Location == inventory.LocationReplica && rc.scenario != ScenarioSiteFailure
	if copyBased {
		bytes := rc.en.UsedBytes
		if bytes <= 0 {
			bytes = max(rp.LogicalBytes, rc.en.SizeBytes)
		}
		rate, basis := rc.throughput(rp.Target, rc.en.Target)
		if bytes <= 0 {
			b.Data = rcfg.MetadataOpTime
			b.Basis = "size unknown: " + rcfg.MetadataOpTime.Human() + " assumed for the data phase; the copy adds transfer time " + basis
		} else {
			b.Data = inventory.Duration(float64(bytes) / rate * float64(time.Second))
			b.Basis = fmt.Sprintf("%s to move at %s/s (%s)", gib(bytes), gib(int64(rate)), basis)
		}
	} else {
		d, basis := rc.observedDuration(methodOpKind(m), rp.Target)
		b.Data, b.Basis = d, basis
	}
	b.Verify = inventory.Duration(max(float64(rcfg.VerifyMin), rcfg.VerifyFraction*float64(b.Data)))
	if rc.scenario == ScenarioRansomware && rcfg.ScanThroughput > 0 {
		if bytes := max(rc.en.UsedBytes, rp.LogicalBytes); bytes > 0 {
			scan := inventory.Duration(float64(bytes) / float64(rcfg.ScanThroughput) * float64(time.Second))
			if scan > b.Verify {
				b.Verify = scan
				b.Basis += fmt.Sprintf("; verification scans %s at %s/s before the data is trusted", gib(bytes), gib(rcfg.ScanThroughput))
			}
		}
	}
	if d, n := rc.drills(); n > 0 {
		// Measured drills of this entity are the best evidence of the whole
		// recovery's length: use them when they say it takes longer.
		if total := b.Decide + b.Provision + b.Data + b.Verify; d > total {
			b.Data += d - total
			b.Basis += fmt.Sprintf("; raised to the p%s of %d measured recovery drills of %s (%s)", trimFloat(rcfg.DurationPercentile), n, rc.en.Name, d.Human())
		}
	}
	return b
}

// drills returns the p-th percentile duration of the entity's succeeded
// recovery drills, and how many there were.
func (rc *recoveryCtx) drills() (inventory.Duration, int) {
	var ds []float64
	for _, op := range rc.ix.Operations(rc.en.ID) {
		if op.Kind == inventory.OpDrill && op.Status == inventory.OpSucceeded && op.Duration() > 0 && !op.When().After(rc.now) {
			ds = append(ds, op.Duration().Seconds())
		}
	}
	if len(ds) == 0 {
		return 0, 0
	}
	return inventory.Seconds(percentile(ds, rc.r.Recovery.DurationPercentile)), len(ds)
}

// observedDuration is the p90 duration of succeeded operations of a kind on
// the target, else across the estate, else the metadata-operation default.
func (rc *recoveryCtx) observedDuration(kind, target string) (inventory.Duration, string) {
	key := [2]string{kind, target}
	if o, ok := rc.memoDur[key]; ok {
		return o.d, o.basis
	}
	d, basis := rc.observeDuration(kind, target)
	if rc.memoDur == nil {
		rc.memoDur = map[[2]string]durationObs{}
	}
	rc.memoDur[key] = durationObs{d, basis}
	return d, basis
}

func (rc *recoveryCtx) observeDuration(kind, target string) (inventory.Duration, string) {
	rcfg := rc.r.Recovery
	collect := func(ops []*inventory.Operation) []float64 {
		var ds []float64
		for _, op := range ops {
			if op.Kind == kind && op.Status == inventory.OpSucceeded && op.Duration() > 0 && !op.When().After(rc.now) {
				ds = append(ds, op.Duration().Seconds())
			}
		}
		return ds
	}
	if ds := collect(rc.ix.TargetOperations(target)); len(ds) >= rcfg.MinObservations {
		d := percentile(ds, rcfg.DurationPercentile)
		return inventory.Seconds(d), fmt.Sprintf("p%s of %d observed %s operations on %s", trimFloat(rcfg.DurationPercentile), len(ds), kind, target)
	}
	var all []float64
	for _, t := range rc.allTargets() {
		all = append(all, collect(rc.ix.TargetOperations(t))...)
	}
	if len(all) >= rcfg.MinObservations {
		d := percentile(all, rcfg.DurationPercentile)
		return inventory.Seconds(d), fmt.Sprintf("p%s of %d observed %s operations across the estate", trimFloat(rcfg.DurationPercentile), len(all), kind)
	}
	return rcfg.MetadataOpTime, fmt.Sprintf("snapshot-based %s is a metadata operation; %s assumed (fewer than %d observed)", kind, rcfg.MetadataOpTime.Human(), rcfg.MinObservations)
}

func (rc *recoveryCtx) allTargets() []string {
	e := rc.ix.Estate()
	names := make([]string, 0, len(e.Targets))
	for i := range e.Targets {
		names = append(names, e.Targets[i].Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// throughput is the p10 rate (bytes/s) of observed restores, else
// replication transfers, between or on the two targets, else across the
// estate, else the fallback.
func (rc *recoveryCtx) throughput(from, to string) (float64, string) {
	key := [2]string{from, to}
	if o, ok := rc.memoRate[key]; ok {
		return o.rate, o.basis
	}
	rate, basis := rc.observeThroughput(from, to)
	if rc.memoRate == nil {
		rc.memoRate = map[[2]string]rateObs{}
	}
	rc.memoRate[key] = rateObs{rate, basis}
	return rate, basis
}

func (rc *recoveryCtx) observeThroughput(from, to string) (float64, string) {
	rcfg := rc.r.Recovery
	e := rc.ix.Estate()
	pick := func(kind string, targets []string) []float64 {
		var rs []float64
		for _, t := range targets {
			for _, op := range rc.ix.TargetOperations(t) {
				if op.Kind == kind && op.Status == inventory.OpSucceeded && op.Bytes > 0 && op.Duration() > 0 && !op.When().After(rc.now) {
					rs = append(rs, float64(op.Bytes)/op.Duration().Seconds())
				}
			}
		}
		return rs
	}
	transfers := func(match func(*inventory.Replication) bool) []float64 {
		var rs []float64
		for i := range e.Replications {
			rel := &e.Replications[i]
			if !match(rel) {
				continue
			}
			for j := range rel.Transfers {
				t := &rel.Transfers[j]
				if !t.Failed && t.Error == "" && t.Bytes > 0 && t.Elapsed() > 0 && !t.End.After(rc.now) {
					rs = append(rs, float64(t.Bytes)/t.Elapsed().Seconds())
				}
			}
		}
		return rs
	}
	pair := []string{from}
	if to != from {
		pair = append(pair, to)
	}
	rate := func(rs []float64, what string) (float64, string, bool) {
		if len(rs) < rcfg.MinObservations {
			return 0, "", false
		}
		v := percentile(rs, rcfg.ThroughputPercentile)
		if v <= 0 {
			return 0, "", false
		}
		return v, fmt.Sprintf("p%s of %d observed %s", trimFloat(rcfg.ThroughputPercentile), len(rs), what), true
	}
	if v, b, ok := rate(pick(inventory.OpRestore, pair), "restores on "+strings.Join(pair, " and ")); ok {
		return v, b
	}
	if v, b, ok := rate(append(pick(inventory.OpReplication, pair), transfers(func(rel *inventory.Replication) bool {
		return (rel.SourceTarget == to && rel.DestinationTarget == from) || (rel.SourceTarget == from && rel.DestinationTarget == to)
	})...), "replication transfers between "+strings.Join(pair, " and ")); ok {
		return v, b
	}
	all := rc.allTargets()
	if v, b, ok := rate(pick(inventory.OpRestore, all), "restores across the estate"); ok {
		return v, b
	}
	if v, b, ok := rate(append(pick(inventory.OpReplication, all), transfers(func(*inventory.Replication) bool { return true })...), "replication transfers across the estate"); ok {
		return v, b
	}
	fb := rcfg.FallbackThroughput
	if fb <= 0 {
		fb = DefaultRules().Recovery.FallbackThroughput
	}
	return float64(fb), fmt.Sprintf("no observed restores or transfers; fallback %s/s", gib(fb))
}

func (rc *recoveryCtx) risks(c *candidate, m Method, o RecoveryOption) []string {
	rp, en := c.rp, rc.en
	risks := []string{}
	loss := inventory.Human(rc.incident.Sub(rp.Created))
	switch m {
	case MethodVMRevert:
		risks = append(risks, fmt.Sprintf("Overwrites the current disks of %s: changes after %s (%s before the incident) are lost.", en.Name, ts(rp.Created), loss))
		if rc.scenario == ScenarioRansomware {
			risks = append(risks, "Reverting destroys forensic evidence on the VM unless the preserving recovery point is kept.")
		}
	case MethodSnapRestore:
		newer := 0
		for _, x := range rc.ix.RecoveryPoints(en.ID) {
			if x.Location == inventory.LocationLocal && x.Created.After(rp.Created) && !x.ExpiredAt(rc.now) {
				newer++
			}
		}
		risks = append(risks, fmt.Sprintf("Overwrites volume %s: changes after %s (%s before the incident) are lost, and the %d newer snapshots on it are deleted.", en.Name, ts(rp.Created), loss, newer))
		if n := len(rc.ix.Replications(en.ID)); n > 0 {
			risks = append(risks, fmt.Sprintf("%d SnapMirror relationship(s) of %s may lose their common snapshot and need a resync.", n, en.Name))
		}
	case MethodSnapmirrorFailover:
		risks = append(risks, fmt.Sprintf("Clients must be redirected to the destination on %s; changes after %s (%s) are lost.", rp.Target, ts(rp.Created), loss))
		risks = append(risks, "Returning to the original site later needs a resync, which overwrites one side.")
	default:
		risks = append(risks, fmt.Sprintf("The copy holds data as of %s (%s before the incident); later changes must be reconciled by hand.", ts(rp.Created), loss))
	}
	if rp.Consistency != inventory.ApplicationConsistent {
		risks = append(risks, "Crash-consistent: applications will run crash recovery; databases may need log replay.")
	}
	if c.risky != "" {
		risks = append(risks, "Held back: "+c.risky+".")
	}
	if rc.scenario == ScenarioRansomware && !rp.LockedAt(rc.now) {
		risks = append(risks, "Not locked: confirm the copy was not altered or tampered with before you rely on it.")
	}
	if rp.Location == inventory.LocationReplica && m == MethodRestoreAsClone && rc.scenario != ScenarioSiteFailure {
		risks = append(risks, fmt.Sprintf("The copy lives on %s: it must be replicated back first (%s of the RTO).", rp.Target, o.RTOBreakdown.Data.Human()))
	}
	if !rp.Expires.IsZero() && rp.Expires.Before(rc.now.Add(2*o.RTO.D()+time.Hour)) {
		risks = append(risks, fmt.Sprintf("Expires at %s: extend its expiration before you start.", ts(rp.Expires)))
	}
	if !o.RTOBreakdown.MeetsTarget {
		risks = append(risks, fmt.Sprintf("Estimated RTO %s exceeds the %s target.", o.RTO.Human(), o.RTOBreakdown.Target.Human()))
	}
	return risks
}

func (rc *recoveryCtx) rationale(c *candidate, m Method, alt bool, cs []*candidate, prev []RecoveryOption) string {
	rp := c.rp
	var attrs []string
	if rp.Consistency == inventory.ApplicationConsistent {
		attrs = append(attrs, "application-consistent")
	} else {
		attrs = append(attrs, "crash-consistent")
	}
	if rp.LockedAt(rc.now) {
		attrs = append(attrs, "locked")
	}
	if rp.HasFlag(inventory.FlagAntiRansomware) {
		attrs = append(attrs, "anti-ransomware snapshot")
	}
	if rp.Location == inventory.LocationLocal {
		attrs = append(attrs, "local copy")
	} else {
		attrs = append(attrs, "replica on "+rp.Target)
	}
	var why string
	pos := slices.Index(cs, c)
	switch {
	case alt:
		why = fmt.Sprintf("Same recovery point as option %d, by %s instead", firstRankOf(prev, rp), strings.ReplaceAll(string(m), "_", " "))
	case pos == 0:
		clean := "clean "
		if c.risky != "" {
			clean = "held-back "
		}
		why = fmt.Sprintf("Best %srecovery point before the incident", clean)
		newer := 0
		for _, o := range cs[1:] {
			if o.rp.Created.After(rp.Created) && o.inWindow && (o.risky == "") == (c.risky == "") {
				newer++
			}
		}
		if newer > 0 {
			why += fmt.Sprintf(", preferred over %d newer candidate(s) within the %s preference window", newer, rc.r.Recovery.PreferenceWindow.Human())
		}
	case c.risky != "" && cs[0].risky == "":
		why = "Held-back point (see risks), offered after the clean ones"
	case rp.Created.After(cs[0].rp.Created):
		why = "Newer point ranked below option 1's by the scenario's preferences"
	default:
		why = fmt.Sprintf("Fallback point, %s older than option 1's", inventory.Human(cs[0].rp.Created.Sub(rp.Created)))
	}
	var how string
	switch m {
	case MethodVMRevert:
		how = "in-place revert is the fastest way back but destructive; the current state is preserved first"
	case MethodRestoreAsClone:
		how = "restoring as a new VM is non-destructive and keeps the original for comparison or evidence"
	case MethodFileRestore:
		how = "single-file restore to a new path touches nothing else"
	case MethodSnapRestore:
		how = "volume SnapRestore is near-instant but destructive"
	case MethodVolumeClone:
		how = "a FlexClone is near-instant, space-efficient and leaves the original untouched"
	case MethodSnapmirrorFailover:
		how = "failing over to the SnapMirror destination is the only way to serve data while the site is down"
	}
	return fmt.Sprintf("%s (%s; created %s, data loss %s); %s.", why, strings.Join(attrs, ", "), ts(rp.Created), inventory.Human(rc.incident.Sub(rp.Created)), how)
}

func kindNoun(k inventory.EntityKind) string {
	switch k {
	case inventory.EntityVolumeGroup:
		return "volume group"
	case inventory.EntityVolume:
		return "volume"
	}
	return "VM"
}

func firstRankOf(prev []RecoveryOption, rp *inventory.RecoveryPoint) int {
	for _, o := range prev {
		if o.RecoveryPoint.ID == rp.ID && o.RecoveryPoint.MemberID == rp.MemberID && o.RecoveryPoint.Target == rp.Target {
			return o.Rank
		}
	}
	return 1
}
