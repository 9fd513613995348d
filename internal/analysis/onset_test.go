package analysis

import (
	"fmt"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// spikeEstate is one volume with snapshots every interval for days, each
// holding the change since the one before (a daily rate of 3 % of 1 TiB
// with ±20 % deterministic noise), and from onset on a change rate factor
// times higher; the delta that contains the onset holds both parts.
func spikeEstate(interval time.Duration, days int, onset time.Time, factor float64, arpEvent bool) (*inventory.Estate, []time.Time) {
	const used = int64(1) << 40
	e := &inventory.Estate{AsOf: now, Targets: []inventory.Target{{Name: "ontap-prod", Kind: inventory.KindOntap, Reachable: true}}}
	e.Entities = append(e.Entities, inventory.Entity{Kind: inventory.EntityVolume, ID: "vol-x", Name: "vol_x", Target: "ontap-prod",
		SVM: "svm1", SizeBytes: 2 * used, UsedBytes: used, Policy: "p"})
	e.Policies = append(e.Policies, inventory.Policy{Name: "p", Target: "ontap-prod", Schedule: inventory.Duration(interval), RetentionCount: 1000})
	perDay := 0.03 * float64(used)
	rate := func(a, b time.Time) float64 { // modelled change in (a, b]
		if !b.After(onset) {
			return perDay * b.Sub(a).Hours() / 24
		}
		if !a.Before(onset) {
			return factor * perDay * b.Sub(a).Hours() / 24
		}
		return perDay*onset.Sub(a).Hours()/24 + factor*perDay*b.Sub(onset).Hours()/24
	}
	first := now.Add(-time.Duration(days) * 24 * time.Hour).Truncate(interval)
	var times []time.Time
	prev := first
	for k := 0; ; k++ {
		t := first.Add(time.Duration(k) * interval)
		if t.After(now) {
			break
		}
		noise := 0.8 + 0.4*float64((k*7919)%101)/100
		size := int64(rate(prev, t) * noise)
		if k == 0 {
			size = int64(perDay * interval.Hours() / 24)
		}
		name := fmt.Sprintf("s.%s", t.Format("2006-01-02_1504"))
		e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: name, Name: name, EntityID: "vol-x", EntityKind: inventory.EntityVolume,
			EntityName: "vol_x", Location: inventory.LocationLocal, Target: "ontap-prod", SVM: "svm1", Volume: "vol_x", Created: t,
			Consistency: inventory.CrashConsistent, SizeBytes: size, Status: inventory.StatusComplete})
		if k > 0 {
			e.ChangeRates = append(e.ChangeRates, inventory.ChangeSample{EntityID: "vol-x", Time: t, Period: inventory.Duration(t.Sub(prev)), Bytes: size})
		}
		times = append(times, t)
		prev = t
	}
	if arpEvent {
		e.Events = append(e.Events, inventory.Event{Time: onset.Add(2 * time.Hour), Severity: "alert", Name: "callhome.arw.activity.seen", EntityID: "vol-x", Target: "ontap-prod"})
	}
	e.Normalize()
	return e, times
}

// TestCleanPointNeverAfterOnset plants spikes at many offsets within a
// snapshot interval, on hourly and daily schedules, and checks that the
// recommended point is never taken after the onset, that it is the newest
// one before it whenever the onset delta shows, and that backup_health
// reports the active anomaly (critical with an ARP event, high without).
func TestCleanPointNeverAfterOnset(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		days     int
		factor   float64
	}{
		{time.Hour, 10, 30},
		{24 * time.Hour, 40, 30},
		{24 * time.Hour, 40, 8},
		{4 * time.Hour, 20, 20},
	} {
		for _, frac := range []float64{0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98} {
			for _, arp := range []bool{false, true} {
				name := fmt.Sprintf("%s_x%g_offset%g_arp%v", tc.interval, tc.factor, frac, arp)
				t.Run(name, func(t *testing.T) {
					// Onset inside the interval that ends 3 intervals (at least 26h) before now.
					back := max(3*tc.interval, 26*time.Hour).Truncate(tc.interval)
					base := now.Truncate(tc.interval).Add(-back)
					onset := base.Add(time.Duration(frac * float64(tc.interval)))
					e, times := spikeEstate(tc.interval, tc.days, onset, tc.factor, arp)
					var lastClean time.Time
					for _, x := range times {
						if !x.After(onset) {
							lastClean = x
						}
					}
					rec := Recommend(e, "vol_x", time.Time{}, ScenarioRansomware, DefaultRules())
					if len(rec.Options) == 0 {
						t.Fatalf("no options: %+v", rec)
					}
					got := rec.Options[0].RecoveryPoint.Created
					if got.After(onset) && got.Sub(onset) > time.Duration(rec.OnsetUncertaintySeconds)*time.Second {
						t.Fatalf("recommended %s, taken after the onset %s beyond the stated uncertainty %ds (cut-off %s: %s)", got, onset, rec.OnsetUncertaintySeconds, rec.CleanCutoff, rec.CutoffReason)
					}
					// The newest clean point, or the one before it when the
					// onset delta was too diluted to tell from noise.
					if got.Before(lastClean.Add(-tc.interval)) {
						t.Errorf("recommended %s; the last clean point is %s (cut-off %s: %s)", got, lastClean, rec.CleanCutoff, rec.CutoffReason)
					}
					if rec.CutoffConfidence == "" || rec.CutoffConfidence == "low" {
						t.Errorf("confidence %q with a clear spike", rec.CutoffConfidence)
					}
					h := Health(e, DefaultRules())
					want := High
					if arp {
						want = Critical
					}
					found := false
					for _, f := range h.Findings {
						found = found || (f.Check == CheckChangeAnomaly && f.Severity == want)
					}
					if !found {
						t.Errorf("no %s %s finding: %+v", want, CheckChangeAnomaly, h.Counts)
					}
				})
			}
		}
	}
}

// TestNoAnomalyOnSteadyChange: the same estates without a spike raise no
// change finding, and the ransomware recommendation falls back to the
// dwell margin with low confidence.
func TestNoAnomalyOnSteadyChange(t *testing.T) {
	for _, iv := range []time.Duration{time.Hour, 4 * time.Hour, 24 * time.Hour} {
		e, _ := spikeEstate(iv, 30, now.Add(time.Hour), 30, false)
		for _, f := range Health(e, DefaultRules()).Findings {
			if f.Check == CheckChangeAnomaly {
				t.Errorf("%s: false anomaly: %s", iv, f.Summary)
			}
		}
		if rec := Recommend(e, "vol_x", time.Time{}, ScenarioRansomware, DefaultRules()); rec.CutoffConfidence != "low" {
			t.Errorf("%s: confidence %q without evidence", iv, rec.CutoffConfidence)
		}
	}
}
