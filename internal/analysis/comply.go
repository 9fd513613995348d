package analysis

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Frameworks Comply knows.
const (
	FrameworkSOX   = "sox"
	FrameworkHIPAA = "hipaa"
	FrameworkGDPR  = "gdpr"
	Framework32110 = "3-2-1-1-0"
)

// Frameworks lists them.
var Frameworks = []string{FrameworkSOX, FrameworkHIPAA, FrameworkGDPR, Framework32110}

// Control statuses.
const (
	StatusPass    = "pass"
	StatusFail    = "fail"
	StatusUnknown = "unknown"
)

// ControlResult is one control's verdict.
type ControlResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Reference cites the rule or control the check implements.
	Reference string `json:"reference"`
	// Status is pass, fail or unknown; unknown when the estate lacks the data
	// (never pass without evidence).
	Status   string   `json:"status"`
	Evidence Evidence `json:"evidence"`
	// Affected lists failing (else unknown) entities, at most
	// Compliance.MaxAffected; AffectedCount counts them all.
	Affected      []EntityRef `json:"affected"`
	AffectedCount int         `json:"affected_count"`
	Remediation   string      `json:"remediation"`
}

// ComplianceSummary counts controls by status.
type ComplianceSummary struct {
	Pass    int `json:"pass"`
	Fail    int `json:"fail"`
	Unknown int `json:"unknown"`
	Total   int `json:"total"`
}

// ComplianceReport is the result of Comply.
type ComplianceReport struct {
	Framework         string            `json:"framework"`
	AsOf              time.Time         `json:"as_of"`
	Partial           bool              `json:"partial"`
	IncompleteTargets []string          `json:"incomplete_targets,omitempty"`
	ScopeTags         []string          `json:"scope_tags"`
	InScope           int               `json:"in_scope"`
	Summary           ComplianceSummary `json:"summary"`
	Controls          []ControlResult   `json:"controls"`
	Error             string            `json:"error,omitempty"`
}

type verdict int

const (
	vPass verdict = iota
	vFail
	vUnknown
)

// Comply evaluates a framework's controls (reference section 4 and the AWS
// Backup Audit Manager controls) over the in-scope entities: those carrying
// one of the framework's scope tags (all non-replica, non-excluded entities
// when the list is empty). Framework is sox, hipaa, gdpr or 3-2-1-1-0
// (also 32110, 3_2_1_1_0).
//
// A control fails when any in-scope entity fails it, is unknown when none
// fails but some lack the data, and passes only when every in-scope entity
// shows evidence. With no in-scope entity, or on a partial estate, nothing
// passes: such controls are unknown. Restore-test evidence is a succeeded
// drill/verify/restore/clone operation, a verified or scan-clean recovery
// point, an audit record of a restore, clone, revert or drill tool with
// outcome ok naming the entity, or (ComplyWithRuns) a succeeded recovery
// test run that restored and verified it; its absence is a failure only when the
// operation history or the audit log reaches back over the whole period,
// else unknown.
func Comply(e *inventory.Estate, audit []inventory.AuditRecord, framework string, r Rules) ComplianceReport {
	return ComplyWithRuns(e, audit, nil, framework, r)
}

// ComplyWithRuns is Comply with the server's workflow runs as restore-test
// evidence too: a succeeded, non-dry recovery test (or test failover)
// counts for every entity it names in Tested, at the time it ended.
func ComplyWithRuns(e *inventory.Estate, audit []inventory.AuditRecord, runs []RunRecord, framework string, r Rules) ComplianceReport {
	c := &complier{ix: e.Index(), r: &r, now: asOf(e), audit: audit, runs: runs, partial: e.Partial()}
	fw := normalizeFramework(framework)
	rep := ComplianceReport{Framework: fw, AsOf: c.now, Partial: c.partial, IncompleteTargets: e.IncompleteTargets(), Controls: []ControlResult{}}
	var scope []string
	switch fw {
	case FrameworkSOX:
		scope = r.Compliance.SOX.ScopeTags
	case FrameworkHIPAA:
		scope = r.Compliance.HIPAA.ScopeTags
	case FrameworkGDPR:
		scope = r.Compliance.GDPR.ScopeTags
	case Framework32110:
		scope = r.Compliance.Rule32110ScopeTags
	default:
		rep.Error = fmt.Sprintf("unknown framework %q; use one of %s", framework, strings.Join(Frameworks, ", "))
		return rep
	}
	rep.ScopeTags = tagsOrEmpty(scope)
	for i := range e.Entities {
		en := &e.Entities[i]
		if c.ix.Entity(en.ID) != en || en.ReplicaOf != "" || en.Excluded {
			continue
		}
		if len(scope) == 0 || en.HasAnyTag(scope) || (fw != Framework32110 && r.Tiers.InScope(en, string(fw))) {
			c.scope = append(c.scope, en)
		}
	}
	rep.InScope = len(c.scope)
	c.indexAudit()
	switch fw {
	case FrameworkSOX:
		c.sox()
	case FrameworkHIPAA:
		c.hipaa()
	case FrameworkGDPR:
		c.gdpr()
	case Framework32110:
		c.rule32110()
	}
	for _, ctl := range c.out {
		switch ctl.Status {
		case StatusPass:
			rep.Summary.Pass++
		case StatusFail:
			rep.Summary.Fail++
		default:
			rep.Summary.Unknown++
		}
		rep.Summary.Total++
	}
	rep.Controls = c.out
	if rep.Controls == nil {
		rep.Controls = []ControlResult{}
	}
	return rep
}

func normalizeFramework(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "32110", "3_2_1_1_0", "rule_3_2_1_1_0", "3-2-1-1-0":
		return Framework32110
	}
	return s
}

type complier struct {
	ix      *inventory.Index
	r       *Rules
	now     time.Time
	audit   []inventory.AuditRecord
	runs    []RunRecord
	partial bool
	scope   []*inventory.Entity
	out     []ControlResult

	auditRestore map[string]time.Time // entity name or id -> latest ok restore-like call
	auditOldest  time.Time
	copies       map[*inventory.Entity]copyEval
}

func (c *complier) indexAudit() {
	c.auditRestore = map[string]time.Time{}
	for _, a := range c.audit {
		if a.Time.After(c.now) {
			continue
		}
		if c.auditOldest.IsZero() || a.Time.Before(c.auditOldest) {
			c.auditOldest = a.Time
		}
		if a.Outcome != "ok" || a.Entity == "" || !isRestoreTool(a.Tool) {
			continue
		}
		if a.Time.After(c.auditRestore[a.Entity]) {
			c.auditRestore[a.Entity] = a.Time
		}
	}
	for i := range c.runs {
		r := &c.runs[i]
		at := r.Ended
		if r.Status != "succeeded" || r.DryRun || at.IsZero() || at.After(c.now) {
			continue
		}
		for _, name := range r.Tested {
			if at.After(c.auditRestore[name]) {
				c.auditRestore[name] = at
			}
		}
	}
}

func isRestoreTool(tool string) bool {
	t := strings.ToLower(tool)
	for _, w := range []string{"restore", "revert", "clone", "drill"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// entityCheck judges one entity: verdict plus a short reason when not pass.
type entityCheck func(en *inventory.Entity) (verdict, string)

// control evaluates a per-entity control.
func (c *complier) control(id, title, ref, remediation string, ev Evidence, check entityCheck) {
	res := ControlResult{ID: id, Title: title, Reference: ref, Remediation: remediation, Evidence: ev}
	if res.Evidence == nil {
		res.Evidence = Evidence{}
	}
	var failed, unknown []EntityRef
	reasons := map[string]int{}
	for _, en := range c.scope {
		v, why := check(en)
		switch v {
		case vFail:
			failed = append(failed, refOf(en))
		case vUnknown:
			unknown = append(unknown, refOf(en))
		}
		if v != vPass && why != "" {
			reasons[why]++
		}
	}
	res.Evidence["evaluated"] = len(c.scope)
	res.Evidence["failing"] = len(failed)
	res.Evidence["unknown"] = len(unknown)
	res.Evidence["passing"] = len(c.scope) - len(failed) - len(unknown)
	if len(reasons) > 0 {
		res.Evidence["reasons"] = reasons
	}
	switch {
	case len(failed) > 0:
		res.Status = StatusFail
		res.AffectedCount = len(failed)
		res.Affected = boundRefs(failed, c.r.Compliance.MaxAffected)
	case len(unknown) > 0:
		res.Status = StatusUnknown
		res.AffectedCount = len(unknown)
		res.Affected = boundRefs(unknown, c.r.Compliance.MaxAffected)
	case len(c.scope) == 0:
		res.Status = StatusUnknown
		res.Evidence["note"] = "no entity is in scope: tag in-scope entities, or clear the scope tags to apply the control to every entity"
	default:
		res.Status = StatusPass
	}
	c.finish(&res)
}

func (c *complier) finish(res *ControlResult) {
	if res.Status == StatusPass && c.partial {
		res.Status = StatusUnknown
		res.Evidence["note"] = "the estate is partial: entities on targets that were not collected cannot be judged"
	}
	if res.Affected == nil {
		res.Affected = []EntityRef{}
	}
	c.out = append(c.out, *res)
}

// ---- shared entity checks ----

func (c *complier) protected(en *inventory.Entity) (verdict, string) {
	if en.Policy != "" || len(c.ix.Replications(en.ID)) > 0 {
		return vPass, ""
	}
	return vFail, "no protection policy"
}

func (c *complier) recentRP(maxAge time.Duration) entityCheck {
	return func(en *inventory.Entity) (verdict, string) {
		rp := c.ix.NewestRecoveryPoint(en.ID, usableAt(c.now))
		if rp == nil {
			return vFail, "no usable recovery point"
		}
		if c.now.Sub(rp.Created) > maxAge {
			return vFail, "newest recovery point older than " + inventory.Human(maxAge)
		}
		return vPass, ""
	}
}

// lastRestoreTest returns the latest restore-test evidence for the entity.
func (c *complier) lastRestoreTest(en *inventory.Entity) time.Time {
	var t time.Time
	later := func(x time.Time) {
		if x.After(t) && !x.After(c.now) {
			t = x
		}
	}
	for _, op := range c.ix.Operations(en.ID) {
		if op.Status == inventory.OpSucceeded && slices.Contains(verificationKinds, op.Kind) {
			later(op.When())
		}
	}
	for _, rp := range c.ix.RecoveryPoints(en.ID) {
		if rp.HasFlag(inventory.FlagVerified) || rp.HasFlag(inventory.FlagScanClean) {
			later(rp.Created)
		}
	}
	// Runs name entities by target where they know it ("target:name",
	// "target:svm:name"), else as "svm:name" or the bare name.
	for _, k := range []string{en.Name, en.ID, en.SVM + ":" + en.Name, en.Target + ":" + en.Name, en.Target + ":" + en.SVM + ":" + en.Name} {
		later(c.auditRestore[k])
	}
	return t
}

// historyCovers reports whether operation history or the audit log reaches
// back over the period for the entity (so absence of evidence is evidence
// of absence).
func (c *complier) historyCovers(en *inventory.Entity, period time.Duration) bool {
	from := c.now.Add(-period)
	if !c.auditOldest.IsZero() && !c.auditOldest.After(from) {
		return true
	}
	ops := c.ix.TargetOperations(en.Target)
	return len(ops) > 0 && !ops[0].Start.After(from)
}

func (c *complier) restoreTested(maxAge time.Duration) entityCheck {
	return func(en *inventory.Entity) (verdict, string) {
		t := c.lastRestoreTest(en)
		if !t.IsZero() && c.now.Sub(t) <= maxAge {
			return vPass, ""
		}
		if !c.historyCovers(en, maxAge) {
			return vUnknown, "operation history and audit log do not cover the period"
		}
		if t.IsZero() {
			return vFail, "no restore test on record"
		}
		return vFail, "last restore test older than " + inventory.Human(maxAge)
	}
}

func (c *complier) copyEval(en *inventory.Entity) copyEval {
	if c.copies == nil {
		c.copies = map[*inventory.Entity]copyEval{}
	}
	if ce, ok := c.copies[en]; ok {
		return ce
	}
	ce := evalCopies(c.ix, en, c.r, c.now)
	c.copies[en] = ce
	return ce
}

func (c *complier) immutable(en *inventory.Entity) (verdict, string) {
	if c.copyEval(en).Immutable >= max(1, c.r.Copies.MinImmutable) {
		return vPass, ""
	}
	return vFail, "no locked copy"
}

func (c *complier) offsite(en *inventory.Entity) (verdict, string) {
	ce := c.copyEval(en)
	switch {
	case ce.Offsite >= max(1, c.r.Copies.MinOffsite):
		return vPass, ""
	case ce.SiteUnknown:
		return vUnknown, "copies on other systems with unknown site"
	}
	return vFail, "no copy on another site"
}

// ---- frameworks ----

func (c *complier) sox() {
	s := c.r.Compliance.SOX
	cm := c.r.Compliance
	c.control("sox.protected", "In-scope data is protected by a backup policy",
		"AWS BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
		"Assign a protection or snapshot policy to every in-scope entity.", nil, c.protected)
	ev := Evidence{}
	ev.dur("max_age", cm.LastRecoveryPointMaxAge.D())
	c.control("sox.recent_recovery_point", "A recovery point was created within the last day",
		"AWS BACKUP_LAST_RECOVERY_POINT_CREATED",
		"Fix the failing schedules and take recovery points of the affected entities.", ev, c.recentRP(cm.LastRecoveryPointMaxAge.D()))
	ev = Evidence{}
	ev.dur("required_retention", s.Retention.D())
	c.control("sox.retention_7_years", "Records are retained for 7 years",
		"17 CFR 210.2-06 (SEC rule under SOX §802)",
		fmt.Sprintf("Keep a long-term copy (e.g. a yearly or monthly vault) for %s, locked.", s.Retention.Human()), ev,
		func(en *inventory.Entity) (verdict, string) {
			for _, rp := range c.ix.RecoveryPoints(en.ID) {
				if !usableAt(c.now)(rp) {
					continue
				}
				if (!rp.Expires.IsZero() && rp.Expires.Sub(rp.Created) >= s.Retention.D()) || (rp.Expires.IsZero() && rp.LockedAt(c.now)) {
					return vPass, ""
				}
			}
			p := c.ix.PolicyFor(en)
			switch {
			case p == nil && en.Policy == "":
				return vFail, "no protection policy"
			case p == nil:
				return vUnknown, "policy not in the estate"
			case p.RetentionSpan() <= 0:
				return vUnknown, "policy retention unknown"
			case p.RetentionSpan() >= s.Retention.D():
				return vPass, ""
			}
			return vFail, "retention shorter than " + s.Retention.Human()
		})
	c.control("sox.immutable_copy", "An immutable (locked) copy exists",
		"AWS BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK; reference §4 (retention plus an immutable copy)",
		"Enable snapshot locking (ONTAP tamper-proof snapshots / SnapLock) or secure snapshots (Nutanix) for in-scope data.", nil, c.immutable)
	ev = Evidence{}
	ev.dur("max_age", s.RestoreTestMaxAge.D())
	c.control("sox.restore_tested_quarterly", "A recovery test succeeded within the quarter",
		"SOX ITGC choice (not statutory): restore evidence ≤ 92 days; reference §4",
		"Run and record a restore test (restore as clone and verify) for each affected entity this quarter.", ev, c.restoreTested(s.RestoreTestMaxAge.D()))
}

func (c *complier) hipaa() {
	h := c.r.Compliance.HIPAA
	cm := c.r.Compliance
	ev := Evidence{}
	ev.dur("max_age", cm.LastRecoveryPointMaxAge.D())
	c.control("hipaa.164.308(a)(7)(ii)(A)", "Data backup plan: retrievable exact copies of ePHI exist",
		"45 CFR 164.308(a)(7)(ii)(A) (required)",
		"Protect every ePHI entity with a policy and fix schedules that are not producing recovery points.", ev,
		func(en *inventory.Entity) (verdict, string) {
			if v, why := c.protected(en); v != vPass {
				return v, why
			}
			return c.recentRP(cm.LastRecoveryPointMaxAge.D())(en)
		})
	c.control("hipaa.164.308(a)(7)(ii)(B)", "Disaster recovery plan: a copy survives the loss of the site",
		"45 CFR 164.308(a)(7)(ii)(B) (required)",
		"Replicate ePHI to another site (SnapMirror, Nutanix remote availability zone).", nil, c.offsite)
	res := ControlResult{ID: "hipaa.164.308(a)(7)(ii)(C)", Title: "Emergency mode operation plan",
		Reference: "45 CFR 164.308(a)(7)(ii)(C) (required)", Status: StatusUnknown,
		Evidence:    Evidence{"note": "a documented procedure; not observable in the storage estate"},
		Remediation: "Document how critical processes continue in emergency mode and keep it with the DR plan."}
	c.finish(&res)
	ev = Evidence{}
	ev.dur("max_age", h.RestoreTestMaxAge.D())
	c.control("hipaa.164.308(a)(7)(ii)(D)", "Testing and revision: restores are tested",
		"45 CFR 164.308(a)(7)(ii)(D) (addressable)",
		"Run and record a restore test for each affected entity.", ev, c.restoreTested(h.RestoreTestMaxAge.D()))
	c.control("hipaa.164.308(a)(7)(ii)(E)", "Applications and data criticality analysis is recorded",
		"45 CFR 164.308(a)(7)(ii)(E) (addressable)",
		fmt.Sprintf("Tag each ePHI entity with its criticality (one of %s).", strings.Join(h.CriticalityTags, ", ")),
		Evidence{"criticality_tags": tagsOrEmpty(h.CriticalityTags)},
		func(en *inventory.Entity) (verdict, string) {
			if en.HasAnyTag(h.CriticalityTags) {
				return vPass, ""
			}
			return vFail, "no criticality tag"
		})
	c.control("hipaa.164.312(a)(2)(iv)", "ePHI at rest is encrypted",
		"45 CFR 164.312(a)(2)(iv) (addressable); cipher per your policy (e.g. AES-256)",
		"Enable volume or cluster encryption (NVE/NAE on ONTAP, data-at-rest encryption on Nutanix).", nil,
		func(en *inventory.Entity) (verdict, string) {
			switch {
			case en.Encrypted == nil:
				return vUnknown, "encryption state not reported"
			case *en.Encrypted:
				return vPass, ""
			}
			return vFail, "not encrypted"
		})
	// Audit controls: estate-wide, from the audit log.
	from := c.now.Add(-30 * 24 * time.Hour)
	n := 0
	for _, a := range c.audit {
		if a.Time.After(from) && !a.Time.After(c.now) {
			n++
		}
	}
	res = ControlResult{ID: "hipaa.164.312(b)", Title: "Audit controls record activity on backup systems",
		Reference: "45 CFR 164.312(b) (required)", Evidence: Evidence{"audit_records_last_30_days": n, "audit_records_total": len(c.audit)},
		Remediation: "Enable the server's audit log and keep it with your HIPAA records."}
	switch {
	case n > 0:
		res.Status = StatusPass
	case len(c.audit) > 0:
		res.Status = StatusFail
		res.Evidence["note"] = "audit records exist but none in the last 30 days"
	default:
		res.Status = StatusUnknown
		res.Evidence["note"] = "no audit records were supplied"
	}
	c.finish(&res)
}

func (c *complier) gdpr() {
	g := c.r.Compliance.GDPR
	cm := c.r.Compliance
	// Estate-wide restore timing, for entities with no restore of their own.
	var all []float64
	for _, t := range c.targets() {
		for _, op := range c.ix.TargetOperations(t) {
			if isRestoreKind(op.Kind) && op.Status == inventory.OpSucceeded && op.Duration() > 0 && !op.When().After(c.now) {
				all = append(all, op.Duration().Seconds())
			}
		}
	}
	ev := Evidence{"restores_observed": len(all)}
	ev.dur("max_restore_time", cm.MaxRestoreTime.D()).dur("max_recovery_point_age", cm.LastRecoveryPointMaxAge.D())
	if len(all) > 0 {
		ev.num("p90_restore_seconds", percentile(all, 90))
	}
	estateP90 := percentile(all, 90)
	c.control("gdpr.art32_1c", "Availability and access can be restored in a timely manner",
		"GDPR Art. 32(1)(c); AWS RESTORE_TIME_FOR_RESOURCES_MEET_TARGET (720 min)",
		"Keep recent recovery points and bring restore times within the target (snapshot-based restores, closer copies).", ev,
		func(en *inventory.Entity) (verdict, string) {
			if v, why := c.recentRP(cm.LastRecoveryPointMaxAge.D())(en); v != vPass {
				return v, why
			}
			var last *inventory.Operation
			for _, op := range c.ix.Operations(en.ID) {
				if isRestoreKind(op.Kind) && op.Status == inventory.OpSucceeded && op.Duration() > 0 && !op.When().After(c.now) {
					last = op
				}
			}
			switch {
			case last != nil && last.Duration() <= cm.MaxRestoreTime.D():
				return vPass, ""
			case last != nil:
				return vFail, "latest restore took longer than " + cm.MaxRestoreTime.Human()
			case len(all) == 0:
				return vUnknown, "no restore timings in the estate"
			case estateP90 <= cm.MaxRestoreTime.Seconds():
				return vPass, ""
			}
			return vFail, "estate p90 restore time above " + cm.MaxRestoreTime.Human()
		})
	ev = Evidence{}
	ev.dur("max_age", g.RestoreTestMaxAge.D())
	c.control("gdpr.art32_1d", "Effectiveness of the measures is regularly tested",
		"GDPR Art. 32(1)(d)",
		"Run and record a restore test for each affected entity.", ev, c.restoreTested(g.RestoreTestMaxAge.D()))
	var maxResidual time.Duration
	ev = Evidence{}
	ev.dur("max_residual_age", g.MaxResidualAge.D())
	c.control("gdpr.art17_residual_age", "Backup copies expire, bounding how long erased data survives",
		"GDPR Art. 17; ICO guidance on backups held \"beyond use\" until they expire",
		fmt.Sprintf("Set expirations so no copy of personal data outlives %s, and re-apply the erasure ledger after any restore.", g.MaxResidualAge.Human()), ev,
		func(en *inventory.Entity) (verdict, string) {
			for _, rp := range c.ix.RecoveryPoints(en.ID) {
				if rp.ExpiredAt(c.now) || rp.Created.After(c.now) {
					continue
				}
				if rp.Expires.IsZero() {
					return vFail, "a copy never expires"
				}
				age := rp.Expires.Sub(rp.Created)
				maxResidual = max(maxResidual, age)
				if age > g.MaxResidualAge.D() {
					return vFail, "a copy is kept longer than " + g.MaxResidualAge.Human()
				}
			}
			return vPass, ""
		})
	if last := &c.out[len(c.out)-1]; maxResidual > 0 {
		last.Evidence.dur("observed_max_residual_age", maxResidual)
	}
	anyMonitored := false
	for _, en := range c.scope {
		if len(c.ix.ChangeRates(en.ID)) > 0 {
			anyMonitored = true
			break
		}
	}
	ev = Evidence{"min_history": c.r.Anomaly.MinHistory}
	ev.dur("max_sample_age", g.DetectionMaxAge.D())
	c.control("gdpr.art33_detection", "Change monitoring can detect a breach within 72 hours",
		"GDPR Art. 33 (notification within 72 h)",
		"Collect change-rate (snapshot size) samples at least daily for in-scope entities so ransomware-like churn is detected in time.", ev,
		func(en *inventory.Entity) (verdict, string) {
			s := c.ix.ChangeRates(en.ID)
			if len(s) == 0 {
				if !anyMonitored {
					return vUnknown, "no change-rate data in the estate"
				}
				return vFail, "no change-rate samples"
			}
			if len(s) < c.r.Anomaly.MinHistory {
				return vFail, "change history shorter than the detection baseline"
			}
			if c.now.Sub(s[len(s)-1].Time) > g.DetectionMaxAge.D() {
				return vFail, "newest change sample older than " + g.DetectionMaxAge.Human()
			}
			return vPass, ""
		})
}

func isRestoreKind(k string) bool {
	return k == inventory.OpRestore || k == inventory.OpRevert || k == inventory.OpClone || k == inventory.OpFileRestore
}

func (c *complier) targets() []string {
	e := c.ix.Estate()
	var names []string
	for i := range e.Targets {
		names = append(names, e.Targets[i].Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (c *complier) rule32110() {
	cr := c.r.Copies
	count := func(id, title, what string, need int, get func(copyEval) int, remediation string) {
		c.control(id, title, "3-2-1-1-0 rule (reference §3.4)", remediation, Evidence{"required": need},
			func(en *inventory.Entity) (verdict, string) {
				ce := c.copyEval(en)
				if get(ce) >= need {
					return vPass, ""
				}
				if what == "offsite" && ce.SiteUnknown {
					return vUnknown, "copies on other systems with unknown site"
				}
				return vFail, fmt.Sprintf("fewer than %d %s", need, what)
			})
	}
	count("3-2-1-1-0.copies", "At least 3 copies of the data", "copies", cr.MinCopies, func(ce copyEval) int { return ce.Copies },
		"Add local recovery points and a replica so each entity has three independent copies.")
	count("3-2-1-1-0.media", "Copies on at least 2 different media", "media", cr.MinMedia, func(ce copyEval) int { return ce.Media },
		"Keep a copy on another storage system or an object/cloud tier.")
	count("3-2-1-1-0.offsite", "At least 1 copy offsite", "offsite", cr.MinOffsite, func(ce copyEval) int { return ce.Offsite },
		"Replicate to another site (SnapMirror, Nutanix remote availability zone).")
	count("3-2-1-1-0.immutable", "At least 1 immutable or offline copy", "immutable", cr.MinImmutable, func(ce copyEval) int { return ce.Immutable },
		"Lock at least one copy (tamper-proof snapshots, SnapLock, Nutanix secure snapshots).")
	ev := Evidence{}
	ev.dur("verification_max_age", cr.VerificationMaxAge.D()).dur("failure_window", c.r.Operations.Window.D())
	c.control("3-2-1-1-0.zero_errors", "0 errors: recent verification, no failed runs, no open anomaly",
		"3-2-1-1-0 rule (reference §3.4)",
		"Clear failed protection runs, investigate open change-rate anomalies, and record a restore test.", ev,
		func(en *inventory.Entity) (verdict, string) {
			ce := c.copyEval(en)
			switch {
			case ce.FailedOps > 0:
				return vFail, "failed operations in the window"
			case !ce.OpenAnomaly.IsZero():
				return vFail, "open change-rate anomaly"
			case ce.Zero:
				return vPass, ""
			case !c.historyCovers(en, cr.VerificationMaxAge.D()):
				return vUnknown, "operation history and audit log do not cover the verification period"
			}
			return vFail, "no verification within " + cr.VerificationMaxAge.Human()
		})
}
