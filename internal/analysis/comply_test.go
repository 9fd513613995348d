package analysis

import (
	"slices"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

func statuses(rep ComplianceReport) map[string]string {
	m := map[string]string{}
	for _, c := range rep.Controls {
		m[c.ID] = c.Status
	}
	return m
}

func tag(e *inventory.Estate, id string, tags ...string) {
	en := entity(e, id)
	en.Tags = append(en.Tags, tags...)
}

func TestComply(t *testing.T) {
	for _, tc := range []struct {
		name      string
		framework string
		mutate    func(e *inventory.Estate) []inventory.AuditRecord
		want      map[string]string
		summary   ComplianceSummary
		check     func(t *testing.T, rep ComplianceReport)
	}{
		{"sox", "SOX", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "sox")
			tag(e, "vol-1", "financial")
			return nil
		}, map[string]string{
			"sox.protected": "pass", "sox.recent_recovery_point": "pass", "sox.retention_7_years": "fail",
			"sox.immutable_copy": "pass", "sox.restore_tested_quarterly": "pass",
		}, ComplianceSummary{Pass: 4, Fail: 1, Total: 5}, func(t *testing.T, rep ComplianceReport) {
			c := rep.Controls[2]
			if c.AffectedCount != 2 || len(c.Affected) != 2 || c.Evidence["failing"] != 2 || c.Evidence["required_retention_seconds"] != float64(2555*86400) {
				t.Errorf("retention control = %+v", c)
			}
		}},
		{"sox with a 7-year locked copy", "sox", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "sox")
			for i := range e.RecoveryPoints {
				if e.RecoveryPoints[i].ID == "vm-db01-weekly" {
					e.RecoveryPoints[i].Expires = e.RecoveryPoints[i].Created.Add(2555 * dy)
				}
			}
			return nil
		}, map[string]string{
			"sox.protected": "pass", "sox.recent_recovery_point": "pass", "sox.retention_7_years": "pass",
			"sox.immutable_copy": "pass", "sox.restore_tested_quarterly": "pass",
		}, ComplianceSummary{Pass: 5, Total: 5}, nil},
		{"sox nothing in scope", "sox", func(*inventory.Estate) []inventory.AuditRecord { return nil }, map[string]string{
			"sox.protected": "unknown", "sox.recent_recovery_point": "unknown", "sox.retention_7_years": "unknown",
			"sox.immutable_copy": "unknown", "sox.restore_tested_quarterly": "unknown",
		}, ComplianceSummary{Unknown: 5, Total: 5}, nil},
		{"sox partial estate", "sox", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "sox")
			e.Targets[1].Reachable = false
			return nil
		}, map[string]string{
			"sox.protected": "unknown", "sox.recent_recovery_point": "unknown", "sox.retention_7_years": "fail",
			"sox.immutable_copy": "unknown", "sox.restore_tested_quarterly": "unknown",
		}, ComplianceSummary{Fail: 1, Unknown: 4, Total: 5}, nil},
		{"restore test only in the audit log, history too short", "sox", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "sox")
			tag(e, "vol-1", "sox")
			e.Operations = slices.DeleteFunc(e.Operations, func(op inventory.Operation) bool { return op.Kind == inventory.OpVerify })
			return []inventory.AuditRecord{{Time: now.Add(-20 * dy), Tool: "ontap_restore_file", Tier: "write", Target: "ontap-prod", Outcome: "ok", Entity: "vol1"}}
		}, map[string]string{
			"sox.protected": "pass", "sox.recent_recovery_point": "pass", "sox.retention_7_years": "fail",
			"sox.immutable_copy": "pass", "sox.restore_tested_quarterly": "unknown",
		}, ComplianceSummary{Pass: 3, Fail: 1, Unknown: 1, Total: 5}, func(t *testing.T, rep ComplianceReport) {
			c := rep.Controls[4]
			if c.AffectedCount != 1 || c.Affected[0].Name != "db01" {
				t.Errorf("affected = %v", c.Affected)
			}
		}},
		{"restore test missing, audit log covers the quarter", "sox", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "sox")
			tag(e, "vol-1", "sox")
			e.Operations = slices.DeleteFunc(e.Operations, func(op inventory.Operation) bool { return op.Kind == inventory.OpVerify })
			return []inventory.AuditRecord{
				{Time: now.Add(-100 * dy), Tool: "nutanix_list_vms", Tier: "read", Outcome: "ok"},
				{Time: now.Add(-20 * dy), Tool: "ontap_restore_file", Tier: "write", Target: "ontap-prod", Outcome: "ok", Entity: "vol1"},
			}
		}, map[string]string{
			"sox.protected": "pass", "sox.recent_recovery_point": "pass", "sox.retention_7_years": "fail",
			"sox.immutable_copy": "pass", "sox.restore_tested_quarterly": "fail",
		}, ComplianceSummary{Pass: 3, Fail: 2, Total: 5}, nil},
		{"hipaa", "hipaa", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "ephi")
			return nil
		}, map[string]string{
			"hipaa.164.308(a)(7)(ii)(A)": "pass", "hipaa.164.308(a)(7)(ii)(B)": "pass", "hipaa.164.308(a)(7)(ii)(C)": "unknown",
			"hipaa.164.308(a)(7)(ii)(D)": "pass", "hipaa.164.308(a)(7)(ii)(E)": "fail", "hipaa.164.312(a)(2)(iv)": "unknown",
			"hipaa.164.312(b)": "unknown",
		}, ComplianceSummary{Pass: 3, Fail: 1, Unknown: 3, Total: 7}, nil},
		{"hipaa fully evidenced", "hipaa", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "ephi", "tier1")
			yes := true
			entity(e, "vm-db01").Encrypted = &yes
			return []inventory.AuditRecord{{Time: now.Add(-dy), Tool: "nutanix_create_recovery_point", Tier: "write", Outcome: "ok"}}
		}, map[string]string{
			"hipaa.164.308(a)(7)(ii)(A)": "pass", "hipaa.164.308(a)(7)(ii)(B)": "pass", "hipaa.164.308(a)(7)(ii)(C)": "unknown",
			"hipaa.164.308(a)(7)(ii)(D)": "pass", "hipaa.164.308(a)(7)(ii)(E)": "pass", "hipaa.164.312(a)(2)(iv)": "pass",
			"hipaa.164.312(b)": "pass",
		}, ComplianceSummary{Pass: 6, Unknown: 1, Total: 7}, nil},
		{"gdpr", "gdpr", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "pii")
			return nil
		}, map[string]string{
			"gdpr.art32_1c": "unknown", "gdpr.art32_1d": "pass", "gdpr.art17_residual_age": "pass", "gdpr.art33_detection": "pass",
		}, ComplianceSummary{Pass: 3, Unknown: 1, Total: 4}, nil},
		{"gdpr with restore timings and a copy that never expires", "gdpr", func(e *inventory.Estate) []inventory.AuditRecord {
			tag(e, "vm-db01", "pii")
			e.Operations = append(e.Operations, inventory.Operation{ID: "r1", Kind: inventory.OpRestore, EntityID: "vm-db01", Target: "pc-prod",
				Start: now.Add(-5 * dy), End: now.Add(-5*dy + 20*time.Minute), Status: inventory.OpSucceeded})
			for i := range e.RecoveryPoints {
				if e.RecoveryPoints[i].ID == "vm-db01-weekly" {
					e.RecoveryPoints[i].Expires = time.Time{}
				}
			}
			return nil
		}, map[string]string{
			"gdpr.art32_1c": "pass", "gdpr.art32_1d": "pass", "gdpr.art17_residual_age": "fail", "gdpr.art33_detection": "pass",
		}, ComplianceSummary{Pass: 3, Fail: 1, Total: 4}, nil},
		{"3-2-1-1-0", "3-2-1-1-0", func(*inventory.Estate) []inventory.AuditRecord { return nil }, map[string]string{
			"3-2-1-1-0.copies": "pass", "3-2-1-1-0.media": "pass", "3-2-1-1-0.offsite": "pass", "3-2-1-1-0.immutable": "pass", "3-2-1-1-0.zero_errors": "pass",
		}, ComplianceSummary{Pass: 5, Total: 5}, func(t *testing.T, rep ComplianceReport) {
			if rep.InScope != 2 {
				t.Errorf("in scope = %d, want 2 (the replica volume is not in scope)", rep.InScope)
			}
		}},
		{"3-2-1-1-0 failures", "32110", func(e *inventory.Estate) []inventory.AuditRecord {
			dropRecoveryPointsAt(e, "vm-db01", inventory.LocationReplica, time.Time{})
			failOps(e, "vol-1", 1, "x")
			return nil
		}, map[string]string{
			"3-2-1-1-0.copies": "fail", "3-2-1-1-0.media": "fail", "3-2-1-1-0.offsite": "fail", "3-2-1-1-0.immutable": "pass", "3-2-1-1-0.zero_errors": "fail",
		}, ComplianceSummary{Pass: 1, Fail: 4, Total: 5}, func(t *testing.T, rep ComplianceReport) {
			if a := rep.Controls[4].Affected; len(a) != 1 || a[0].Name != "vol1" {
				t.Errorf("zero_errors affected = %v", a)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := healthyEstate()
			audit := tc.mutate(e)
			rep := Comply(e, audit, tc.framework, DefaultRules())
			if rep.Error != "" {
				t.Fatal(rep.Error)
			}
			got := statuses(rep)
			for id, want := range tc.want {
				if got[id] != want {
					t.Errorf("%s = %q, want %q", id, got[id], want)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("controls = %v", got)
			}
			if rep.Summary != tc.summary {
				t.Errorf("summary = %+v, want %+v", rep.Summary, tc.summary)
			}
			for _, c := range rep.Controls {
				if c.Remediation == "" || c.Reference == "" || c.Title == "" {
					t.Errorf("%s incomplete", c.ID)
				}
				if c.Status == StatusFail && c.AffectedCount == 0 && c.ID != "hipaa.164.312(b)" {
					t.Errorf("%s fails without affected entities", c.ID)
				}
			}
			if tc.check != nil {
				tc.check(t, rep)
			}
		})
	}
}

func TestComplyUnknownFramework(t *testing.T) {
	rep := Comply(healthyEstate(), nil, "pci", DefaultRules())
	if rep.Error == "" || len(rep.Controls) != 0 {
		t.Errorf("rep = %+v", rep)
	}
}

// TestComplyRestoreTestFromRuns: a succeeded, non-dry recovery test run of
// the server counts as restore-test evidence for the entities it tested
// (named "target:name" or "svm:name"), at the time it ended; anything
// else leaves the control failing.
func TestComplyRestoreTestFromRuns(t *testing.T) {
	yes := true
	drill := func(status string, ended time.Time, dry bool, tested ...string) RunRecord {
		return RunRecord{ID: "run_1", Kind: RunRecoveryTesting, Status: status, DryRun: dry, Created: ended.Add(-time.Minute), Ended: ended, Passed: &yes, Tested: tested}
	}
	for _, tc := range []struct {
		name string
		runs []RunRecord
		want string
	}{
		{"no runs", nil, "fail"},
		{"passed VM drill, target:name", []RunRecord{drill("succeeded", now.Add(-10*dy), false, "pc-prod:db01", "svm1:vol1")}, "pass"},
		{"passed drills by bare name and id", []RunRecord{drill("succeeded", now.Add(-10*dy), false, "db01"), drill("succeeded", now.Add(-5*dy), false, "vol-1")}, "pass"},
		{"one entity only", []RunRecord{drill("succeeded", now.Add(-10*dy), false, "pc-prod:db01")}, "fail"},
		{"failed run", []RunRecord{drill("failed", now.Add(-10*dy), false, "pc-prod:db01", "svm1:vol1")}, "fail"},
		{"dry run", []RunRecord{drill("succeeded", now.Add(-10*dy), true, "pc-prod:db01", "svm1:vol1")}, "fail"},
		{"older than the quarter", []RunRecord{drill("succeeded", now.Add(-200*dy), false, "pc-prod:db01", "svm1:vol1")}, "fail"},
		{"after the estate's time", []RunRecord{drill("succeeded", now.Add(dy), false, "pc-prod:db01", "svm1:vol1")}, "fail"},
		{"target-qualified volume", []RunRecord{drill("succeeded", now.Add(-10*dy), false, "pc-prod:db01", "ontap-prod:svm1:vol1")}, "pass"},
		{"another target's db01", []RunRecord{drill("succeeded", now.Add(-10*dy), false, "pc-dr:db01", "svm1:vol1")}, "fail"},
		{"another cluster's vol1", []RunRecord{drill("succeeded", now.Add(-10*dy), false, "pc-prod:db01", "ontap-dr:svm1:vol1")}, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := healthyEstate()
			tag(e, "vm-db01", "sox")
			tag(e, "vol-1", "sox")
			e.Operations = slices.DeleteFunc(e.Operations, func(op inventory.Operation) bool { return op.Kind == inventory.OpVerify })
			audit := []inventory.AuditRecord{{Time: now.Add(-100 * dy), Tool: "nutanix_list_vms", Tier: "read", Outcome: "ok"}}
			rep := ComplyWithRuns(e, audit, tc.runs, "sox", DefaultRules())
			if got := statuses(rep)["sox.restore_tested_quarterly"]; got != tc.want {
				t.Errorf("restore_tested_quarterly = %q, want %q", got, tc.want)
			}
		})
	}
}
