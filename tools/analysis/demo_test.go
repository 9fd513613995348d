package analysis_test

import (
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestPlantedConditionsOnTheDemoEstate runs the analysis tools over the
// generated demo estate (seed 1) and checks that every planted condition is
// found with the right severity, evidence and a next step; that the
// ransomware-like volume's recovery picks the last clean snapshot before the
// spike; that each compliance framework gives evidence-backed results; and
// that nothing outside the planted conditions is flagged critical.
func TestPlantedConditionsOnTheDemoEstate(t *testing.T) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.StartEstate(t, est)
	type want struct {
		check, severity string // severity "" accepts any
	}
	expect := map[string]want{
		fleet.ConditionUnprotectedVM:       {"unprotected", ""},
		fleet.ConditionRPOBreach:           {"rpo_compliance", "critical"},
		fleet.ConditionFailingTaskStreak:   {"failed_operations", "high"},
		fleet.ConditionSnapmirrorLag:       {"replication_lag", "medium"},
		fleet.ConditionSnapshotReserveFull: {"snapshot_reserve", "high"},
		fleet.ConditionExpiringRP:          {"expiring_recovery_points", "critical"},
		fleet.ConditionRansomwareSpike:     {"change_anomaly", "critical"},
	}
	planted := map[string]bool{}
	for _, p := range est.Planted {
		name := p.Entity
		if _, after, ok := strings.Cut(name, ":"); ok {
			name = after
		}
		if p.Kind == fleet.ConditionSnapmirrorLag {
			name = fleet.PlantedLagVolume // the finding names the source volume
		}
		planted[name] = true
		w, ok := expect[p.Kind]
		if !ok {
			t.Errorf("no expectation for planted condition %s", p.Kind)
			continue
		}
		fs := findings(t, e.OK("backup_health", map[string]any{"entities": []any{name}, "limit": 100}))
		if !has(fs, w.check, name, w.severity) {
			var got []string
			for _, f := range fs {
				got = append(got, f["check"].(string)+"/"+f["severity"].(string))
			}
			t.Errorf("planted %s on %s: want %s (%s) with evidence and next_tool, got %v", p.Kind, name, w.check, w.severity, got)
		}
	}

	// The default page shows every critical and high finding, counts by
	// severity, and every unprotected VM.
	page := e.OK("backup_health", nil)
	counts := page["counts"].(map[string]any)
	urgent, shown := int(counts["critical"].(float64)+counts["high"].(float64)), 0
	onPage := map[string]bool{}
	for _, f := range findings(t, page) {
		if f["severity"] == "critical" || f["severity"] == "high" {
			shown++
		}
		if f["check"] == "unprotected" {
			onPage[f["entity"].(map[string]any)["name"].(string)] = true
		}
	}
	if urgent == 0 || shown != urgent {
		t.Errorf("default page shows %d of %d critical and high findings", shown, urgent)
	}
	for _, p := range est.Planted {
		if _, name, _ := strings.Cut(p.Entity, ":"); p.Kind == fleet.ConditionUnprotectedVM && !onPage[name] && !onPage[p.Entity] {
			t.Errorf("unprotected %s is not on the default page", p.Entity)
		}
	}

	// Nothing healthy is critical: every critical finding is a planted entity.
	for _, f := range findings(t, e.OK("backup_health", map[string]any{"min_severity": "critical", "limit": 100})) {
		if name := f["entity"].(map[string]any)["name"].(string); !planted[name] {
			t.Errorf("critical finding on %s, which is not planted: %v", name, f["summary"])
		}
	}

	// The ransomware-like spike is predicted, corroborated by the ARP event.
	preds := e.OK("predict_backup_failures", map[string]any{"entity": fleet.PlantedRansomwareVol})
	found := false
	for _, p := range preds["predictions"].([]any) {
		p := p.(map[string]any)
		found = found || (p["kind"] == "change_rate_anomaly" && p["severity"] == "critical")
	}
	if !found {
		t.Errorf("no critical change-rate anomaly for %s: %v", fleet.PlantedRansomwareVol, preds)
	}
	// Recovery picks the last snapshot before the spike, with a method and RTO.
	rec := e.OK("recommend_recovery", map[string]any{"entity": fleet.PlantedRansomwareVol, "scenario": "ransomware"})
	best := rec["options"].([]any)[0].(map[string]any)
	rp := best["recovery_point"].(map[string]any)
	spikeStart := fleet.DefaultNow.Add(-fleet.DefaultConditions().RansomwareSince.D())
	created := rp["created"].(string)
	if created >= spikeStart.Format("2006-01-02T15:04:05Z") || best["method"] == "" || best["rto"] == nil {
		t.Errorf("best option %v at %s; the spike began %s", best["method"], created, spikeStart)
	}
	vol := est.OntapClusterByName("ontap-prod").VolumeByName("svm_nas", fleet.PlantedRansomwareVol)
	var lastClean string
	for _, s := range vol.Snapshots {
		if s.CreateTime.Before(spikeStart) {
			lastClean = s.Name
		}
	}
	if rp["name"] != lastClean {
		t.Errorf("recommended %v, the last snapshot before the spike is %s", rp["name"], lastClean)
	}

	for _, fw := range []string{"sox", "hipaa", "gdpr", "3-2-1-1-0"} {
		rep := e.OK("compliance_report", map[string]any{"framework": fw})
		for _, c := range rep["controls"].([]any) {
			c := c.(map[string]any)
			if ev, _ := c["evidence"].(map[string]any); len(ev) == 0 {
				t.Errorf("%s control %v has no evidence", fw, c["id"])
			}
		}
	}
}
