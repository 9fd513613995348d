package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

func setCapacity(e *inventory.Estate, id string, n int, used func(i int) int64, reserveUsed func(i int) int64) {
	e.Capacity = slices.DeleteFunc(e.Capacity, func(c inventory.CapacitySample) bool { return c.EntityID == id })
	for i := range n {
		e.Capacity = append(e.Capacity, inventory.CapacitySample{EntityID: id, Time: now.Add(-time.Duration(n-1-i) * dy),
			UsedBytes: used(i), SizeBytes: 1000 * gb, SnapshotReserveUsedBytes: reserveUsed(i), SnapshotReserveBytes: 100 * gb})
	}
	en := entity(e, id)
	en.UsedBytes, en.SnapshotReserveUsedBytes = used(n-1), reserveUsed(n-1)
}

func setChange(e *inventory.Estate, id string, keep int, last int64) {
	var kept []inventory.ChangeSample
	for _, c := range e.ChangeRates {
		if c.EntityID != id {
			kept = append(kept, c)
		}
	}
	var mine []inventory.ChangeSample
	for _, c := range e.ChangeRates {
		if c.EntityID == id {
			mine = append(mine, c)
		}
	}
	mine = mine[len(mine)-keep:]
	if last >= 0 {
		mine[len(mine)-1].Bytes = last
	}
	e.ChangeRates = append(kept, mine...)
}

func TestPredict(t *testing.T) {
	flat := func(int) int64 { return 40 * gb }
	for _, tc := range []struct {
		name   string
		mutate func(e *inventory.Estate)
		want   []brief
		check  func(t *testing.T, ps []Prediction)
	}{
		{"healthy", func(*inventory.Estate) {}, nil, nil},
		{"capacity linear growth", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 30, func(i int) int64 { return (700 + 5*int64(i)) * gb }, flat)
		}, []brief{{PredictCapacityFull, "high", "vol1"}}, func(t *testing.T, ps []Prediction) {
			p := ps[0]
			if p.Evidence["days_to_threshold"] != 11.0 || p.Evidence["r2"] != 1.0 || p.Evidence["window_days"] != 14 {
				t.Errorf("evidence = %v", p.Evidence)
			}
			if !p.PredictedTime.Equal(now.Add(11 * dy)) {
				t.Errorf("predicted %v", p.PredictedTime)
			}
			if *p.Probability != 1 || *p.Confidence != 1 || p.Horizon.D() != 11*dy {
				t.Errorf("probability %v confidence %v horizon %v", *p.Probability, *p.Confidence, p.Horizon.D())
			}
		}},
		{"capacity slow growth is low", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 30, func(i int) int64 { return (500 + 2*int64(i)) * gb }, flat)
		}, []brief{{PredictCapacityFull, "low", "vol1"}}, nil},
		{"capacity beyond horizon", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 30, func(i int) int64 { return 500*gb + int64(i)*gb/10 }, flat)
		}, nil, nil},
		{"nearly full without trend", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 30, func(i int) int64 { return (848 + 4*int64(i%2)) * gb }, flat)
		}, []brief{{PredictCapacityFull, "low", "vol1"}}, func(t *testing.T, ps []Prediction) {
			if note, _ := ps[0].Evidence["fit_note"].(string); !strings.Contains(note, "R²") || !ps[0].PredictedTime.IsZero() {
				t.Errorf("want a poor-fit note and no date, got %v", ps[0].Evidence)
			}
		}},
		{"nearly full with too few samples", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 5, func(i int) int64 { return (840 + 10*int64(i)) * gb }, flat)
		}, []brief{{PredictCapacityFull, "low", "vol1"}}, func(t *testing.T, ps []Prediction) {
			if note, _ := ps[0].Evidence["fit_note"].(string); !strings.Contains(note, "only 5 daily samples") {
				t.Errorf("fit_note = %q", note)
			}
		}},
		{"noisy volume may fill", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 30, func(i int) int64 { return (840 + 20*int64(i%2)) * gb }, flat)
		}, []brief{{PredictCapacityFull, "medium", "vol1"}}, func(t *testing.T, ps []Prediction) {
			if *ps[0].Probability <= 0.5 || !ps[0].PredictedTime.IsZero() {
				t.Errorf("probability %v, predicted %v", *ps[0].Probability, ps[0].PredictedTime)
			}
		}},
		{"snapshot reserve filling", func(e *inventory.Estate) {
			setCapacity(e, "vol-1", 20, func(int) int64 { return 500 * gb }, func(i int) int64 { return (50 + 2*int64(i)) * gb })
		}, []brief{{PredictReserveFull, "high", "vol1"}}, func(t *testing.T, ps []Prediction) {
			if ps[0].Evidence["days_to_threshold"] != 6.0 {
				t.Errorf("evidence = %v", ps[0].Evidence)
			}
		}},
		{"lag trend breaches rpo", func(e *inventory.Estate) {
			rel := &e.Replications[0]
			rel.RPO, rel.Lag = d(3*hr), d(6420*time.Second)
			for k := range 48 {
				rel.LagHistory = append(rel.LagHistory, inventory.LagSample{Time: now.Add(-time.Duration(47-k) * hr), Lag: d(time.Duration(3600+60*k) * time.Second)})
			}
		}, []brief{{PredictReplicationBreach, "medium", "vol1"}}, func(t *testing.T, ps []Prediction) {
			p := ps[0]
			if !p.PredictedTime.Equal(now.Add(73*hr)) || p.Evidence["slope_seconds_per_hour"] != 60.0 {
				t.Errorf("predicted %v evidence %v", p.PredictedTime, p.Evidence)
			}
		}},
		{"saw-tooth lag is fine", func(e *inventory.Estate) {
			rel := &e.Replications[0]
			for k := range 96 {
				rel.LagHistory = append(rel.LagHistory, inventory.LagSample{Time: now.Add(-time.Duration(95-k) * 15 * time.Minute), Lag: d(time.Duration(k%4+1) * 15 * time.Minute)})
			}
		}, nil, nil},
		{"throughput cannot keep up", func(e *inventory.Estate) {
			for k := range 5 {
				end := now.Add(-time.Duration(k) * hr)
				e.Replications[0].Transfers = append(e.Replications[0].Transfers, inventory.Transfer{Start: end.Add(-55 * time.Minute), End: end, Bytes: 50 * gb})
			}
		}, []brief{{PredictReplicationSpiral, "medium", "vol1"}}, func(t *testing.T, ps []Prediction) {
			if ps[0].Evidence["interval_fraction_busy"] != 0.9167 {
				t.Errorf("evidence = %v", ps[0].Evidence)
			}
		}},
		{"throughput fine", func(e *inventory.Estate) {
			for k := range 5 {
				end := now.Add(-time.Duration(k) * hr)
				e.Replications[0].Transfers = append(e.Replications[0].Transfers, inventory.Transfer{Start: end.Add(-10 * time.Minute), End: end, Bytes: 50 * gb})
			}
		}, nil, nil},
		{"change spike", func(e *inventory.Estate) { setChange(e, "vm-db01", 20, 200*gb) },
			[]brief{{PredictChangeRateAnomaly, "high", "db01"}}, func(t *testing.T, ps []Prediction) {
				if ps[0].Evidence["rule"] != "spike_guard" || ps[0].Evidence["baseline_samples"] != 10 || *ps[0].Confidence != 0.8 {
					t.Errorf("evidence = %v", ps[0].Evidence)
				}
				if ps[0].NextTool.Tool != ToolRecommendRecovery {
					t.Errorf("next tool %s", ps[0].NextTool.Tool)
				}
			}},
		{"change spike by z-score only", func(e *inventory.Estate) { setChange(e, "vm-db01", 20, 50*gb) },
			[]brief{{PredictChangeRateAnomaly, "high", "db01"}}, func(t *testing.T, ps []Prediction) {
				if ps[0].Evidence["rule"] != "robust_z" {
					t.Errorf("evidence = %v", ps[0].Evidence)
				}
			}},
		{"change spike with ransomware event", func(e *inventory.Estate) {
			setChange(e, "vm-db01", 20, 200*gb)
			e.Events = append(e.Events, inventory.Event{Time: now.Add(-2 * hr), Severity: "alert", Name: "arw.volume.state", EntityID: "vm-db01", Target: "pc-prod"})
		}, []brief{{PredictChangeRateAnomaly, "critical", "db01"}}, nil},
		{"provisional spike", func(e *inventory.Estate) { setChange(e, "vm-db01", 6, 200*gb) },
			[]brief{{PredictChangeRateAnomaly, "medium", "db01"}}, nil},
		{"too little history", func(e *inventory.Estate) { setChange(e, "vm-db01", 3, 200*gb) }, nil, nil},
		{"change shrink", func(e *inventory.Estate) { setChange(e, "vm-db01", 20, 2*gb) },
			[]brief{{PredictChangeRateAnomaly, "medium", "db01"}}, nil},
		{"normal variation", func(e *inventory.Estate) { setChange(e, "vm-db01", 20, 24*gb) }, nil, nil},
		{"growth under the z ratio is not ransomware", func(e *inventory.Estate) { setChange(e, "vm-db01", 20, 36*gb) }, nil, nil},
		{"small absolute change", func(e *inventory.Estate) {
			for i := range e.ChangeRates {
				e.ChangeRates[i].Bytes /= 200 // ~100 MiB a day
			}
			setChange(e, "vm-db01", 20, 900<<20)
		}, nil, nil},
		{"failure streak", func(e *inventory.Estate) { failOps(e, "vm-db01", 3, "quiesce failed") },
			[]brief{{PredictFailureRisk, "high", "db01"}}, func(t *testing.T, ps []Prediction) {
				p := ps[0]
				if *p.Probability != 0.2424 || p.Evidence["model"] != "after_failure" || p.Evidence["p_beta_binomial"] != 0.0909 || p.Horizon.D() != hr {
					t.Errorf("probability %v evidence %v", *p.Probability, p.Evidence)
				}
			}},
		{"frequent failures", func(e *inventory.Estate) {
			for i := range e.Operations {
				op := &e.Operations[i]
				var k int
				if op.EntityID == "vm-db01" && op.Kind == inventory.OpSnapshot {
					fmt.Sscanf(op.ID[strings.LastIndex(op.ID, "-")+1:], "%d", &k)
					if k%2 == 1 {
						op.Status = inventory.OpFailed
					}
				}
			}
		}, []brief{{PredictFailureRisk, "low", "db01"}}, func(t *testing.T, ps []Prediction) {
			if *ps[0].Probability != 0.2955 { // (12+1)/(24+20)
				t.Errorf("probability %v", *ps[0].Probability)
			}
		}},
		{"one old failure", func(e *inventory.Estate) {
			for i := range e.Operations {
				if e.Operations[i].ID == "vm-db01-snap-10" {
					e.Operations[i].Status = inventory.OpFailed
				}
			}
		}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := healthyEstate()
			tc.mutate(e)
			ps := Predict(e, DefaultRules())
			sameBriefs(t, predictionBriefs(ps), tc.want)
			if tc.check != nil && len(ps) > 0 && !t.Failed() {
				tc.check(t, ps)
			}
			for _, p := range ps {
				if p.Summary == "" || p.Recommendation == "" {
					t.Errorf("%s lacks summary or recommendation", p.Kind)
				}
			}
		})
	}
}

func TestPredictEntity(t *testing.T) {
	e := healthyEstate()
	ps, err := PredictEntity(e, "vol1", DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range ps {
		if p.Severity != Info {
			t.Errorf("healthy volume got %s %s: %s", p.Severity, p.Kind, p.Summary)
		}
		kinds = append(kinds, p.Kind)
	}
	slices.Sort(kinds)
	want := []string{PredictCapacityFull, PredictChangeRateAnomaly, PredictFailureRisk, PredictReserveFull}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	if _, err := PredictEntity(e, "nope", DefaultRules()); err == nil {
		t.Error("want error for unknown entity")
	}
	addVM(e, "vm-x", "VOL1", "")
	e.Reindex()
	if _, err := PredictEntity(e, "Vol1", DefaultRules()); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("want ambiguity error, got %v", err)
	}
}

func TestStats(t *testing.T) {
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
	medAD, meanAD := mad([]float64{1, 2, 3, 4, 100}, 3)
	if medAD != 1 || meanAD != 20.2 {
		t.Errorf("mad = %v %v", medAD, meanAD)
	}
	if p := percentile([]float64{10, 20, 30, 40, 50}, 10); p != 14 {
		t.Errorf("p10 = %v", p)
	}
	f := linearFit([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7})
	if f.slope != 2 || f.intercept != 1 || f.r2 != 1 {
		t.Errorf("fit = %+v", f)
	}
	if f := linearFit([]float64{0, 1, 2}, []float64{5, 5, 5}); f.slope != 0 || f.r2 != 0 {
		t.Errorf("flat fit = %+v", f)
	}
	// Driftless Brownian motion: P(hit a within t) = 2Φ(−a/(σ√t)).
	if p, want := hitProbability(0, 1, 1, 1), 2*normCDF(-1); math.Abs(p-want) > 1e-12 {
		t.Errorf("hit = %v, want %v", p, want)
	}
	if p := hitProbability(1e6, 1, 1e6, 30); p != 1 {
		t.Errorf("strong drift hit = %v", p)
	}
	if p := hitProbability(-1, 0.01, 100, 30); p != 0 || math.IsNaN(p) {
		t.Errorf("negative drift hit = %v", p)
	}
	if l := logNormCDF(-40); math.IsInf(l, 0) || l > -800 {
		t.Errorf("logNormCDF(-40) = %v", l)
	}
}
