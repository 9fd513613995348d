package analysis_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
)

// expectation is a scenario's expected findings file (<name>.expect.yaml
// beside <name>.yaml in testdata/scenarios/analysis; README.md there
// describes the format).
type expectation struct {
	Description string `yaml:"description"`
	// Healthy: no critical, high or medium finding anywhere.
	Healthy  bool `yaml:"healthy"`
	Findings []struct {
		Entity   string `yaml:"entity"`
		Check    string `yaml:"check"`
		Severity string `yaml:"severity"` // one severity, or several joined by "|"
	} `yaml:"findings"`
	// MustNotFlag: no critical or high finding on these entities.
	MustNotFlag []string `yaml:"must_not_flag"`
	Recovery    []struct {
		Entity   string         `yaml:"entity"`
		Scenario string         `yaml:"scenario"`
		Incident fleet.TimeSpec `yaml:"incident"` // default now
		// Onset of the planted change: the point must be the newest one
		// taken at or before it (ransomware).
		Onset fleet.TimeSpec `yaml:"onset"`
	} `yaml:"recovery"`
	Predictions []struct {
		Entity  string         `yaml:"entity"`
		Kind    string         `yaml:"kind"`
		MinLead fleet.Duration `yaml:"min_lead"`
	} `yaml:"predictions"`
	NoPredictions []struct {
		Entity string `yaml:"entity"`
		Kind   string `yaml:"kind"`
	} `yaml:"no_predictions"`
	Compliance []struct {
		Framework string `yaml:"framework"`
		Control   string `yaml:"control"`
		Status    string `yaml:"status"`
	} `yaml:"compliance"`
}

// score accumulates the suite's figures.
type score struct {
	planted, found         int
	falseUrgent            int
	incidents, rightPoints int
	afterOnset             int
	predictions, onTime    int
	minLead                time.Duration
	falsePredictions       int
	controls, rightControl int
}

// TestAnalysisAcceptanceSuite builds every scenario under
// testdata/scenarios/analysis, serves it from the simulators, collects it
// over HTTP as the server does, runs the engines, and scores them against
// the scenario's expected findings: recall of planted problems at the
// right severity, false critical/high findings on healthy entities, the
// recovery point of each incident (never one taken after the onset), and
// the lead time of predictions. Every figure must be perfect.
func TestAnalysisAcceptanceSuite(t *testing.T) {
	files, err := filepath.Glob("../../testdata/scenarios/analysis/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".expect.yaml") {
			scenarios = append(scenarios, f)
		}
	}
	defer func() {
		if len(scenarios) < 15 {
			t.Errorf("%d scenarios, want at least 15", len(scenarios))
		}
	}()
	var total score
	total.minLead = time.Duration(1<<63 - 1)
	for _, path := range scenarios {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			s := runScenario(t, path)
			total.planted += s.planted
			total.found += s.found
			total.falseUrgent += s.falseUrgent
			total.incidents += s.incidents
			total.rightPoints += s.rightPoints
			total.afterOnset += s.afterOnset
			total.predictions += s.predictions
			total.onTime += s.onTime
			total.falsePredictions += s.falsePredictions
			total.controls += s.controls
			total.rightControl += s.rightControl
			total.minLead = min(total.minLead, s.minLead)
		})
	}
	lead := "n/a"
	if total.predictions > 0 {
		lead = inventory.Human(total.minLead)
	}
	t.Logf("suite: %d scenarios; recall %d/%d planted problems at the right severity; %d false critical/high; recovery points %d/%d right, %d after onset; predictions %d/%d on time (shortest lead %s), %d on flat series; compliance %d/%d",
		len(scenarios), total.found, total.planted, total.falseUrgent, total.rightPoints, total.incidents, total.afterOnset,
		total.onTime, total.predictions, lead, total.falsePredictions, total.rightControl, total.controls)
}

func runScenario(t *testing.T, path string) score {
	s := score{minLead: time.Duration(1<<63 - 1)}
	raw, err := os.ReadFile(strings.TrimSuffix(path, ".yaml") + ".expect.yaml")
	if err != nil {
		t.Fatalf("expected findings file: %v", err)
	}
	var want expectation
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("expected findings file: %v", err)
	}
	sc, err := fleet.LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	est, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	env := testenv.StartEstate(t, est)
	ctx := context.Background()
	e, err := analysis.Estate(ctx, env.Server.Env, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Partial() {
		t.Errorf("estate collected only in part: %v", e.IncompleteTargets())
	}
	rules := env.Server.Env.Rules
	now := e.AsOf
	rep := eng.Health(e, rules)

	// Recall: every planted problem, at its severity (as a finding, or a
	// signal folded into the finding of the same entity).
	for _, w := range want.Findings {
		s.planted++
		sevs := strings.Split(w.Severity, "|")
		ok := false
		for _, f := range rep.Findings {
			if f.Entity.Name != w.Entity {
				continue
			}
			if f.Check == w.Check && slices.Contains(sevs, string(f.Severity)) {
				ok = true
			}
			for _, c := range f.Contributing {
				ok = ok || (c.Check == w.Check && slices.Contains(sevs, string(c.Severity)))
			}
		}
		if ok {
			s.found++
		} else {
			t.Errorf("planted %s on %s (%s) not found; findings on it: %s", w.Check, w.Entity, w.Severity, findingsOn(rep, w.Entity))
		}
	}
	// False alarms.
	for _, f := range rep.Findings {
		urgent := f.Severity == eng.Critical || f.Severity == eng.High
		switch {
		case want.Healthy && (urgent || f.Severity == eng.Medium):
			s.falseUrgent++
			t.Errorf("healthy estate: %s %s on %s: %s", f.Severity, f.Check, f.Entity.Name, f.Summary)
		case urgent && slices.Contains(want.MustNotFlag, f.Entity.Name):
			s.falseUrgent++
			t.Errorf("healthy %s flagged %s (%s): %s", f.Entity.Name, f.Severity, f.Check, f.Summary)
		}
	}
	// Recovery points.
	for _, w := range want.Recovery {
		s.incidents++
		incident := w.Incident.Resolve(now, now)
		rec := eng.Recommend(e, w.Entity, incident, eng.Scenario(w.Scenario), rules)
		if rec.Error != "" || len(rec.Options) == 0 {
			t.Errorf("%s %s: no recommendation: %s %v", w.Entity, w.Scenario, rec.Error, rec.Warnings)
			continue
		}
		got := rec.Options[0].RecoveryPoint
		limit := incident
		if !w.Onset.IsZero() {
			limit = w.Onset.Resolve(now, now)
		}
		best := newestBefore(e, rec.Entity.ID, limit, w.Scenario)
		switch {
		case got.Created.After(limit):
			s.afterOnset++
			t.Errorf("%s %s: recommended %s (%s), taken after %s; cut-off %s: %s", w.Entity, w.Scenario, got.Name, got.Created.Format(time.RFC3339), limit.Format(time.RFC3339), rec.CleanCutoff.Format(time.RFC3339), rec.CutoffReason)
		case best == nil || !got.Created.Equal(best.Created):
			t.Errorf("%s %s: recommended %s (%s), the newest point before %s is %v; cut-off %s: %s", w.Entity, w.Scenario, got.Name, got.Created.Format(time.RFC3339), limit.Format(time.RFC3339), describe(best), rec.CleanCutoff.Format(time.RFC3339), rec.CutoffReason)
		default:
			s.rightPoints++
		}
	}
	// Predictions.
	preds := eng.Predict(e, rules)
	for _, w := range want.Predictions {
		s.predictions++
		var hit *eng.Prediction
		for i, p := range preds {
			if p.Entity.Name == w.Entity && p.Kind == w.Kind {
				hit = &preds[i]
			}
		}
		switch {
		case hit == nil:
			t.Errorf("no %s prediction for %s", w.Kind, w.Entity)
		case hit.PredictedTime.IsZero():
			t.Errorf("%s prediction for %s has no date: %s", w.Kind, w.Entity, hit.Summary)
		default:
			lead := hit.PredictedTime.Sub(now)
			s.minLead = min(s.minLead, lead)
			if lead < w.MinLead.D() {
				t.Errorf("%s of %s predicted %s ahead, want at least %s", w.Kind, w.Entity, inventory.Human(lead), w.MinLead.D())
			} else {
				s.onTime++
			}
		}
	}
	for _, w := range want.NoPredictions {
		for _, p := range preds {
			if p.Entity.Name == w.Entity && p.Kind == w.Kind {
				s.falsePredictions++
				t.Errorf("%s predicted for %s, which has no trend: %s", w.Kind, w.Entity, p.Summary)
			}
		}
	}
	for _, w := range want.Compliance {
		s.controls++
		cr := eng.Comply(e, nil, w.Framework, rules)
		found := false
		for _, c := range cr.Controls {
			if c.ID == w.Control {
				found = true
				if string(c.Status) == w.Status {
					s.rightControl++
				} else {
					t.Errorf("%s %s: %s, want %s (%v)", w.Framework, w.Control, c.Status, w.Status, c.Evidence)
				}
			}
		}
		if !found {
			t.Errorf("%s has no control %s", w.Framework, w.Control)
		}
	}
	return s
}

// newestBefore is the newest usable copy of the entity at or before t
// that the scenario allows (for a site failure, one on another target).
func newestBefore(e *inventory.Estate, id string, t time.Time, scenario string) *inventory.RecoveryPoint {
	var best *inventory.RecoveryPoint
	en := e.Index().Entity(id)
	for _, rp := range e.Index().RecoveryPoints(id) {
		if !rp.Usable() || rp.ExpiredAt(e.AsOf) || rp.Created.After(t) {
			continue
		}
		if scenario == "site_failure" && en != nil && rp.Target == en.Target {
			continue // lost with the site
		}
		if best == nil || rp.Created.After(best.Created) {
			best = rp
		}
	}
	return best
}

func describe(rp *inventory.RecoveryPoint) string {
	if rp == nil {
		return "none"
	}
	return fmt.Sprintf("%s (%s)", rp.Name, rp.Created.Format(time.RFC3339))
}

func findingsOn(rep eng.HealthReport, name string) string {
	var l []string
	for _, f := range rep.Findings {
		if f.Entity.Name == name {
			l = append(l, fmt.Sprintf("%s/%s", f.Check, f.Severity))
			for _, c := range f.Contributing {
				l = append(l, fmt.Sprintf("(%s/%s)", c.Check, c.Severity))
			}
		}
	}
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
