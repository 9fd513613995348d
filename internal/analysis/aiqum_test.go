package analysis

import (
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

func aiqumEvent(key, name, sev, area, rtype, entity, rel string) inventory.AIQUMEvent {
	return inventory.AIQUMEvent{Key: key, Target: "aiqum", Name: name, Severity: sev, State: "new", Area: area,
		ResourceType: rtype, ResourceName: "svm1:vol1", Cluster: "ontap-prod", EntityID: entity, ReplicationID: rel, Time: now.Add(-time.Hour)}
}

func citedKeys(ev Evidence) []string {
	list, _ := ev["aiqum_events"].([]map[string]string)
	var out []string
	for _, x := range list {
		out = append(out, x["key"])
	}
	return out
}

func findingOf(rep HealthReport, check string) *Finding {
	for i := range rep.Findings {
		if rep.Findings[i].Check == check {
			return &rep.Findings[i]
		}
	}
	return nil
}

func TestAIQUMEventsCorroborateHealthFindings(t *testing.T) {
	cases := []struct {
		name      string
		events    []inventory.AIQUMEvent
		check     string
		severity  Severity
		cited     []string
		aiqumOnly int // findings of check aiqum_event
	}{
		{"lag without AIQUM", nil, CheckReplicationLag, Medium, nil, 0},
		{"lag warning cited", []inventory.AIQUMEvent{aiqumEvent("ev-w", "Mirror Replication Lag Warning", "warning", "protection", "snap_mirror", "vol-1", "rel-1")},
			CheckReplicationLag, Medium, []string{"ev-w"}, 0},
		{"lag error raises to high", []inventory.AIQUMEvent{aiqumEvent("ev-e", "SnapMirror Relationship Lag Error", "error", "protection", "snap_mirror", "vol-1", "rel-1")},
			CheckReplicationLag, High, []string{"ev-e"}, 0},
		{"resolved event ignored", []inventory.AIQUMEvent{func() inventory.AIQUMEvent {
			x := aiqumEvent("ev-r", "Mirror Replication Lag Error", "error", "protection", "snap_mirror", "vol-1", "rel-1")
			x.State = "resolved"
			return x
		}()}, CheckReplicationLag, Medium, nil, 0},
		{"uncited ransomware becomes its own finding", []inventory.AIQUMEvent{aiqumEvent("ev-x", "Ransomware Activity Seen", "critical", "security", "volume", "vol-1", "")},
			CheckAIQUMEvent, Critical, []string{"ev-x"}, 1},
		{"event of another relationship is not cited", []inventory.AIQUMEvent{aiqumEvent("ev-o", "Mirror Replication Lag Error", "error", "protection", "snap_mirror", "", "rel-other")},
			CheckReplicationLag, Medium, nil, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := healthyEstate()
			e.Policies[1].RPO = d(4 * hr) // lag judged against the schedule only
			e.Replications[0].Lag = d(2 * hr)
			e.AIQUMEvents = c.events
			rep := Health(e, DefaultRules())
			f := findingOf(rep, c.check)
			if f == nil {
				t.Fatalf("no %s finding: %v", c.check, findingBriefs(rep.Findings))
			}
			if f.Severity != c.severity {
				t.Errorf("severity %s, want %s (%s)", f.Severity, c.severity, f.Summary)
			}
			if got := citedKeys(f.Evidence); len(got) != len(c.cited) || (len(got) > 0 && got[0] != c.cited[0]) {
				t.Errorf("cited %v, want %v", got, c.cited)
			}
			n := 0
			for _, x := range rep.Findings {
				if x.Check == CheckAIQUMEvent {
					n++
				}
			}
			if n != c.aiqumOnly {
				t.Errorf("%d aiqum_event findings, want %d", n, c.aiqumOnly)
			}
		})
	}
}

func TestAIQUMEventsFeedPredictions(t *testing.T) {
	t.Run("days until full gives a capacity prediction", func(t *testing.T) {
		e := healthyEstate()
		e.AIQUMEvents = []inventory.AIQUMEvent{aiqumEvent("ev-d", "Volume Days Until Full", "error", "capacity", "volume", "vol-1", "")}
		var got *Prediction
		for _, p := range Predict(e, DefaultRules()) {
			if p.Kind == PredictCapacityFull && p.Entity.ID == "vol-1" {
				got = &p
			}
		}
		if got == nil || got.Severity != High || len(citedKeys(got.Evidence)) != 1 || citedKeys(got.Evidence)[0] != "ev-d" {
			t.Fatalf("prediction %+v", got)
		}
		e.AIQUMEvents = nil
		for _, p := range Predict(e, DefaultRules()) {
			if p.Kind == PredictCapacityFull && p.Entity.ID == "vol-1" {
				t.Fatalf("without the event the flat volume has a capacity prediction: %+v", p)
			}
		}
	})
	t.Run("anti-ransomware corroborates a change spike", func(t *testing.T) {
		e := healthyEstate()
		e.ChangeRates = append(e.ChangeRates, inventory.ChangeSample{EntityID: "vol-1", Time: now, Period: d(dy), Bytes: 400 * gb})
		spike := func() *Prediction {
			for _, p := range Predict(e, DefaultRules()) {
				if p.Kind == PredictChangeRateAnomaly && p.Entity.ID == "vol-1" {
					return &p
				}
			}
			return nil
		}
		before := spike()
		if before == nil || before.Severity != High {
			t.Fatalf("spike without a second signal: %+v", before)
		}
		e.AIQUMEvents = []inventory.AIQUMEvent{aiqumEvent("ev-a", "Ransomware Activity Seen", "critical", "security", "volume", "vol-1", "")}
		after := spike()
		if after == nil || after.Severity != Critical || *after.Confidence != 0.95 || citedKeys(after.Evidence)[0] != "ev-a" || after.Evidence["second_signal"] == nil {
			t.Fatalf("corroborated spike: %+v", after)
		}
		// In backup_health the active spike is the finding and cites the
		// event: one root cause, not a second aiqum_event finding.
		rep := Health(e, DefaultRules())
		if f := findingOf(rep, CheckChangeAnomaly); f == nil || f.Severity != Critical || citedKeys(f.Evidence)[0] != "ev-a" || findingOf(rep, CheckAIQUMEvent) != nil {
			t.Errorf("health: %v", findingBriefs(rep.Findings))
		}
	})
}
