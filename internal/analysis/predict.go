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

// Prediction kinds.
const (
	PredictCapacityFull      = "capacity_full"
	PredictReserveFull       = "snapshot_reserve_full"
	PredictReplicationBreach = "replication_rpo_breach"
	PredictReplicationSpiral = "replication_throughput"
	PredictChangeRateAnomaly = "change_rate_anomaly"
	PredictFailureRisk       = "failure_risk"
)

// Prediction is one forward-looking assessment.
type Prediction struct {
	Kind     string    `json:"kind"`
	Severity Severity  `json:"severity"`
	Entity   EntityRef `json:"entity"`
	Summary  string    `json:"summary"`
	// Probability of the event within Horizon, when the model gives one.
	Probability *float64 `json:"probability,omitempty"`
	// Confidence in the model (0-1): R² of a fit, history weight, anomaly
	// strength; see the kind's documentation on Predict.
	Confidence *float64 `json:"confidence,omitempty"`
	// Horizon is the time until the predicted event, or the window the
	// probability covers.
	Horizon *inventory.Duration `json:"horizon,omitempty"`
	// PredictedTime is when the event is expected, when the fit is good
	// enough to say.
	PredictedTime  time.Time `json:"predicted_time,omitzero"`
	Evidence       Evidence  `json:"evidence"`
	Recommendation string    `json:"recommendation"`
	NextTool       *ToolCall `json:"next_tool,omitempty"`
}

// Predict returns the actionable predictions for the estate as of e.AsOf,
// sorted by severity, then predicted time (soonest first), entity and kind.
//
//   - capacity_full / snapshot_reserve_full: least-squares lines over daily
//     minima (removing the weekly saw-tooth) in look-back windows ending now
//     (14/30/60/90 days); the window with the best R² wins (Chamness). A date
//     is given only when R² ≥ Rules.Capacity.MinR2 and the slope is positive;
//     days = (threshold − used now) / slope, threshold = Volume.FullPercent
//     (100 % once past it, and for the reserve). Probability is the chance of
//     reaching the threshold within 30 days under Brownian motion with drift
//     fitted to the daily increments (Kumar & Chamness); it raises a
//     prediction even when the line fits poorly. Confidence is R². A nearly
//     full volume with no reliable trend gets a low prediction that says why.
//   - replication_rpo_breach: the peak lag per schedule interval (≥ 1h) over
//     the lag history window, fitted against time; breach time =
//     (RPO − fitted lag now) / slope, when R² ≥ LagTrend.MinR2.
//   - replication_throughput: the median transfer rate is below
//     LagTrend.ThroughputMargin × what the median transfer size needs per
//     interval: lag will spiral.
//   - change_rate_anomaly: modified z-score M = 0.6745(x − median)/MAD over the
//     previous BaselineWindow samples (MeanAD fallback, MAD floor), |M| > 3.5,
//     plus guard rules (> 5× or < 50 % of the median), only when the change
//     differs from the median by MinAbsoluteBytes and MinRelativeChange of the
//     entity. Spikes are high, critical with a second signal (ARP/ransomware
//     event or anti-ransomware snapshot nearby); shrinks are medium; with a
//     provisional baseline one level lower. Confidence: 0.5 provisional, 0.8
//     active, 0.95 corroborated.
//   - failure_risk: p(next run fails) from operations of FailureRisk.Kinds in
//     the window: a Beta-Binomial posterior mean (f+1)/(n+20) after a
//     success; after a failure the larger of that and the posterior of
//     P(fail | previous failed) with a Laplace prior, from the entity's own
//     transitions. Reported when p ≥ AlertProbability or the last run failed;
//     a streak ≥ Operations.StreakHigh is high. Confidence n/(n+20).
func Predict(e *inventory.Estate, r Rules) []Prediction {
	p := &predictor{e: e, ix: e.Index(), r: &r, now: asOf(e)}
	for i := range e.Entities {
		en := &e.Entities[i]
		if p.ix.Entity(en.ID) != en {
			continue
		}
		p.entity(en)
	}
	for i := range e.Replications {
		p.replication(&e.Replications[i])
	}
	p.aiqumCapacity()
	return p.sorted()
}

// PredictEntity returns every assessment for one entity (by id or name),
// including quiet ones (severity info) that say why nothing is predicted,
// and those of the replications it is the source of.
func PredictEntity(e *inventory.Estate, ref string, r Rules) ([]Prediction, error) {
	ix := e.Index()
	cands := ix.Resolve(ref)
	switch len(cands) {
	case 0:
		return nil, fmt.Errorf("no entity %q in the estate", ref)
	case 1:
	default:
		var names []string
		for _, c := range cands {
			names = append(names, fmt.Sprintf("%s %s (%s, id %s)", c.Kind, c.Name, c.Target, c.ID))
		}
		return nil, fmt.Errorf("%q is ambiguous: %s", ref, strings.Join(names, "; "))
	}
	p := &predictor{e: e, ix: ix, r: &r, now: asOf(e), quiet: true}
	p.entity(cands[0])
	for _, rel := range ix.Replications(cands[0].ID) {
		p.replication(rel)
	}
	return p.sorted(), nil
}

type predictor struct {
	e     *inventory.Estate
	ix    *inventory.Index
	r     *Rules
	now   time.Time
	quiet bool
	out   []Prediction
}

func (p *predictor) add(pr Prediction) {
	if pr.Evidence == nil {
		pr.Evidence = Evidence{}
	}
	citeAIQUMPrediction(p.e, &pr)
	p.out = append(p.out, pr)
}

func (p *predictor) sorted() []Prediction {
	slices.SortFunc(p.out, func(a, b Prediction) int {
		return cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), compareTimeZeroLast(a.PredictedTime, b.PredictedTime),
			compareRefs(a.Entity, b.Entity), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Summary, b.Summary))
	})
	if p.out == nil {
		return []Prediction{}
	}
	return p.out
}

func compareTimeZeroLast(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func (p *predictor) entity(en *inventory.Entity) {
	if en.Kind == inventory.EntityVolume {
		p.capacity(en)
	}
	p.anomalies(en)
	p.failureRisk(en)
}

// ---- capacity runway ----

type point struct {
	t time.Time
	v float64
}

// dailyMinima keeps the lowest value per UTC day, at that sample's time.
func dailyMinima(pts []point) []point {
	var out []point
	var day time.Time
	for _, pt := range pts {
		d := pt.t.UTC().Truncate(24 * time.Hour)
		if len(out) > 0 && d.Equal(day) {
			if pt.v < out[len(out)-1].v {
				out[len(out)-1] = pt
			}
			continue
		}
		day = d
		out = append(out, pt)
	}
	return out
}

type runway struct {
	n, window  int
	fit        fit // x in days relative to now, y in bytes
	dated      bool
	days       float64
	reason     string
	hasP       bool
	p7, p30    float64
	mu, sigma  float64 // per day
	headroom   float64
	threshold  float64
	current    float64
	thresholdP float64
}

func computeRunway(pts []point, current, capacity, thresholdFrac float64, now time.Time, cr *CapacityRules) runway {
	rw := runway{current: current, threshold: thresholdFrac * capacity, thresholdP: thresholdFrac * 100}
	rw.headroom = rw.threshold - current
	daily := dailyMinima(pts)
	var best []point
	bestR2 := -1.0
	for _, w := range cr.WindowsDays {
		from := now.Add(-time.Duration(w) * 24 * time.Hour)
		i, _ := slices.BinarySearchFunc(daily, from, func(p point, t time.Time) int { return p.t.Compare(t) })
		sel := daily[i:]
		if len(sel) < max(cr.MinSamples, 3) {
			continue
		}
		xs, ys := make([]float64, len(sel)), make([]float64, len(sel))
		for k, pt := range sel {
			xs[k] = pt.t.Sub(now).Hours() / 24
			ys[k] = pt.v
		}
		f := linearFit(xs, ys)
		if f.r2 > bestR2 {
			bestR2, best, rw.fit, rw.window = f.r2, sel, f, w
		}
	}
	if best == nil {
		rw.n = len(daily)
		rw.reason = fmt.Sprintf("only %d daily samples in the last %d days; a trend needs %d", len(daily), slices.Max(append([]int{0}, cr.WindowsDays...)), max(cr.MinSamples, 3))
		return rw
	}
	rw.n = len(best)
	// Brownian motion with drift over the chosen window's daily increments.
	span := best[len(best)-1].t.Sub(best[0].t).Hours() / 24
	if span > 0 && len(best) >= 3 {
		rw.mu = (best[len(best)-1].v - best[0].v) / span
		var ss float64
		for k := 1; k < len(best); k++ {
			dt := best[k].t.Sub(best[k-1].t).Hours() / 24
			if dt <= 0 {
				continue
			}
			d := best[k].v - best[k-1].v - rw.mu*dt
			ss += d * d / dt
		}
		rw.sigma = math.Sqrt(ss / float64(len(best)-2))
		rw.hasP = true
		rw.p7 = hitProbability(rw.mu, rw.sigma, rw.headroom, 7)
		rw.p30 = hitProbability(rw.mu, rw.sigma, rw.headroom, 30)
	}
	switch {
	case rw.fit.slope <= 0:
		rw.reason = fmt.Sprintf("usage is flat or shrinking over the best %d-day window (slope %s/day)", rw.window, gib(int64(rw.fit.slope)))
	case rw.fit.r2 < cr.MinR2:
		rw.reason = fmt.Sprintf("best fit (%d-day window) has R² %s, below %s: usage does not follow a straight line (steps, saw-tooth or noise)", rw.window, trimR2(rw.fit.r2), trimR2(cr.MinR2))
	default:
		rw.dated = true
		rw.days = rw.headroom / rw.fit.slope
	}
	return rw
}

func trimR2(v float64) string { return formatFloat(v, 2) }

func (rw runway) evidence() Evidence {
	ev := Evidence{"samples": rw.n, "window_days": rw.window, "current_bytes": int64(rw.current), "threshold_bytes": int64(rw.threshold)}
	ev.num("threshold_percent", rw.thresholdP)
	if rw.window > 0 {
		ev.num("slope_bytes_per_day", rw.fit.slope).num("r2", rw.fit.r2)
	}
	if rw.dated {
		ev.num("days_to_threshold", rw.days)
	}
	if rw.hasP {
		ev.num("p_full_7d", rw.p7).num("p_full_30d", rw.p30).num("drift_bytes_per_day", rw.mu).num("volatility_bytes_per_sqrt_day", rw.sigma)
	}
	if rw.reason != "" {
		ev["fit_note"] = rw.reason
	}
	return ev
}

func (p *predictor) capacity(en *inventory.Entity) {
	used, size, resUsed, resSize := currentCapacity(p.ix, en)
	samples := p.ix.Capacity(en.ID)
	v := p.r.Volume
	if size > 0 && used < size {
		pts := make([]point, 0, len(samples))
		for _, s := range samples {
			if s.SizeBytes > 0 || s.UsedBytes > 0 {
				pts = append(pts, point{s.Time, float64(s.UsedBytes)})
			}
		}
		frac := v.FullPercent / 100
		if float64(used) >= frac*float64(size) {
			frac = 1
		}
		rw := computeRunway(pts, float64(used), float64(size), frac, p.now, &p.r.Capacity)
		p.runwayPrediction(en, PredictCapacityFull, rw, v.DaysUntilFull, float64(used)/float64(size)*100 >= v.NearlyFullPercent,
			fmt.Sprintf("Volume %s", en.Name),
			fmt.Sprintf("Grow volume %s or enable autogrow before %%s, or free space by shortening snapshot retention.", en.Name),
			listVolumeCall(en))
	}
	if resSize > 0 && resUsed < resSize {
		pts := make([]point, 0, len(samples))
		for _, s := range samples {
			if s.SnapshotReserveBytes > 0 {
				pts = append(pts, point{s.Time, float64(s.SnapshotReserveUsedBytes)})
			}
		}
		rw := computeRunway(pts, float64(resUsed), float64(resSize), 1, p.now, &p.r.Capacity)
		p.runwayPrediction(en, PredictReserveFull, rw, v.ReserveDaysUntilFull, float64(resUsed)/float64(resSize)*100 >= v.NearlyFullPercent,
			fmt.Sprintf("Snapshot reserve of %s", en.Name),
			fmt.Sprintf("Shorten snapshot retention on %s or enlarge its snapshot reserve before %%s, or snapshots will spill into the active file system.", en.Name),
			listRecoveryPointsCall(p.ix, en))
	}
}

func (p *predictor) runwayPrediction(en *inventory.Entity, kind string, rw runway, errorDays float64, nearlyFull bool, subject, recFmt string, next *ToolCall) {
	cr := p.r.Capacity
	ev := rw.evidence()
	var prob *float64
	if rw.hasP {
		prob = fptr(rw.p30)
	}
	target := pct(rw.thresholdP)
	if rw.dated && rw.days <= cr.HorizonDays {
		at := p.now.Add(time.Duration(rw.days * float64(24*time.Hour)))
		sev := Low
		switch {
		case rw.days <= errorDays:
			sev = High
		case rw.days <= 30:
			sev = Medium
		}
		p.add(Prediction{Kind: kind, Severity: sev, Entity: refOf(en),
			Summary: fmt.Sprintf("%s reaches %s in about %s days (%s), growing %s/day (R² %s over %d days).",
				subject, target, trimFloat(rw.days), at.Format("2006-01-02"), gib(int64(rw.fit.slope)), trimR2(rw.fit.r2), rw.window),
			Probability: prob, Confidence: fptr(rw.fit.r2), Horizon: dptr(at.Sub(p.now)), PredictedTime: at,
			Evidence: ev, Recommendation: fmt.Sprintf(recFmt, at.Format("2006-01-02")), NextTool: next})
		return
	}
	if rw.hasP && (rw.p30 > cr.P30 || rw.p7 > cr.P7) {
		sev := Medium
		if rw.p7 > cr.P30 {
			sev = High
		}
		why := rw.reason
		if rw.dated {
			why = fmt.Sprintf("the trend line reaches it only in %s days", trimFloat(rw.days))
		}
		p.add(Prediction{Kind: kind, Severity: sev, Entity: refOf(en),
			Summary: fmt.Sprintf("%s may reach %s within 30 days (probability %s, %s within 7 days); no date: %s.",
				subject, target, pct(rw.p30*100), pct(rw.p7*100), why),
			Probability: prob, Confidence: fptr(rw.fit.r2), Horizon: dptr(30 * 24 * time.Hour),
			Evidence: ev, Recommendation: fmt.Sprintf(recFmt, "the next 30 days"), NextTool: next})
		return
	}
	if !nearlyFull && !p.quiet {
		return
	}
	sev := Low
	if !nearlyFull {
		sev = Info
	}
	var sum string
	switch {
	case rw.dated:
		sum = fmt.Sprintf("%s reaches %s only in about %s days at the current trend (R² %s), beyond the %s-day horizon.", subject, target, trimFloat(rw.days), trimR2(rw.fit.r2), trimFloat(cr.HorizonDays))
	default:
		sum = fmt.Sprintf("%s: no reliable trend to %s: %s.", subject, target, rw.reason)
	}
	var conf *float64
	if rw.window > 0 {
		conf = fptr(rw.fit.r2)
	}
	rec := "No action needed on this forecast; keep collecting capacity samples."
	if nearlyFull {
		rec = fmt.Sprintf("%s is already above %s used; plan space now rather than wait for a trend.", subject, pct(p.r.Volume.NearlyFullPercent))
	}
	p.add(Prediction{Kind: kind, Severity: sev, Entity: refOf(en), Summary: sum, Probability: prob, Confidence: conf,
		Evidence: ev, Recommendation: rec, NextTool: next})
}

// ---- change-rate anomalies ----

type anomaly struct {
	sample      *inventory.ChangeSample
	index       int
	direction   string // spike | shrink
	rule        string // robust_z | spike_guard | shrink_guard
	z           float64
	hasZ        bool
	rate        float64 // bytes per day over the delta
	median      float64 // baseline median, bytes per day
	spread      float64 // baseline spread (MAD, floored), bytes per day
	baseline    int
	provisional bool
	// onset is where the anomalous change most likely began: the start of
	// this delta, or of an earlier delta whose rate was already elevated
	// (the attack began inside it). onsetIndex is that delta's index.
	onset      time.Time
	onsetIndex int
	// elevated counts the deltas before this one judged part of the onset.
	elevated int
	// hidden is the longest attack before onset that the delta ending at
	// onset could hide below the onset guard at this spike's rate: the
	// point taken at onset is clean unless the attack began that close
	// before it.
	hidden time.Duration
}

// hiddenOnset bounds how long before an.onset an attack at the spike's rate
// could have run without lifting the delta that ends there above the onset
// guard: (guard rate − median) × that delta's length / (spike rate − median).
func hiddenOnset(samples []*inventory.ChangeSample, an anomaly, a *AnomalyRules) time.Duration {
	j := an.onsetIndex - 1
	if j < 0 || an.rate <= an.median {
		return 0
	}
	guard := a.OnsetRatio * an.median
	if an.spread > 0 {
		guard = min(guard, an.median+a.OnsetZ*an.spread/a.MADScale)
	}
	if guard <= an.median {
		return 0
	}
	frac := (guard - an.median) / (an.rate - an.median)
	return time.Duration(frac * float64(samples[j].Period.D())).Round(time.Second)
}

// perDay is a change sample's rate in bytes per day (0 when the period is
// unknown).
func perDay(s *inventory.ChangeSample) float64 {
	if s.Period <= 0 {
		return 0
	}
	return float64(s.Bytes) * float64(24*time.Hour) / float64(s.Period.D())
}

// judge compares the rate x of samples[i] against a baseline of rates.
func judge(samples []*inventory.ChangeSample, i int, base []float64, used int64, a *AnomalyRules) (anomaly, bool) {
	n := len(base)
	if n < a.ProvisionalHistory {
		return anomaly{}, false
	}
	x := perDay(samples[i])
	med := median(base)
	dev := x - med
	// The excess (or shortfall) must matter: at least MinAbsoluteBytes and
	// MinRelativeChange of the entity's data per day.
	if math.Abs(dev) < float64(a.MinAbsoluteBytes) || (used > 0 && math.Abs(dev) < a.MinRelativeChange*float64(used)) {
		return anomaly{}, false
	}
	an := anomaly{sample: samples[i], index: i, rate: x, median: med, baseline: n, provisional: n < a.MinHistory}
	switch {
	case med > 0 && x > a.SpikeMultiple*med, med <= 0 && x > 0:
		an.direction, an.rule = "spike", "spike_guard"
	case med > 0 && x < a.ShrinkFraction*med:
		an.direction, an.rule = "shrink", "shrink_guard"
	}
	medAD, meanAD := mad(base, med)
	floor := a.MADFloorFraction * med
	switch {
	case medAD > 0:
		an.spread = max(medAD, floor)
		an.z, an.hasZ = a.MADScale*dev/an.spread, true
	case meanAD > 0:
		an.spread = max(meanAD, floor)
		an.z, an.hasZ = dev/(a.MeanADScale*an.spread), true
	case floor > 0:
		an.spread = floor
		an.z, an.hasZ = a.MADScale*dev/floor, true
	}
	if !an.provisional {
		farEnough := med > 0 && (x >= a.ZMinRatio*med || x*a.ZMinRatio <= med)
		if an.rule == "" && an.hasZ && math.Abs(an.z) > a.ZThreshold && farEnough {
			an.rule = "robust_z"
			an.direction = "spike"
			if an.z < 0 {
				an.direction = "shrink"
			}
		}
	}
	return an, an.rule != ""
}

// elevatedRate reports whether rate x is above the normal range of a
// baseline (median med, spread): the onset guard. It is deliberately looser
// than the anomaly rules: it never raises a finding, it only moves a clean
// cut-off earlier, so a snapshot taken after an attack began inside a delta
// is not trusted just because that delta was diluted by normal change.
func elevatedRate(x, med, spread float64, a *AnomalyRules) bool {
	if med <= 0 {
		return x > 0
	}
	if x >= a.OnsetRatio*med {
		return true
	}
	return spread > 0 && a.MADScale*(x-med)/spread > a.OnsetZ
}

// scanAnomalies judges every change sample of an entity (oldest first)
// against a baseline of the BaselineWindow deltas before it, as rates per
// day so deltas of different lengths (hourly, daily, weekly snapshots)
// compare. Anomalous deltas stay out of the baseline, so a sustained attack
// keeps being flagged, until BaselineWindow of them in a row show that the
// level really moved. For each spike the onset walks back over preceding
// deltas that are already elevated.
func scanAnomalies(samples []*inventory.ChangeSample, used int64, a *AnomalyRules) []anomaly {
	var out []anomaly
	base := make([]float64, 0, a.BaselineWindow+1)
	run := 0 // consecutive anomalies
	for i, s := range samples {
		if s.Period <= 0 {
			continue
		}
		x := perDay(s)
		an, ok := judge(samples, i, base, used, a)
		if ok {
			an.onset, an.onsetIndex = s.Start(), i
			if an.direction == "spike" {
				for j := i - 1; j >= 0 && an.elevated < a.BaselineWindow; j-- {
					pj := samples[j]
					if pj.Period <= 0 || !elevatedRate(perDay(pj), an.median, an.spread, a) {
						break
					}
					// An earlier flagged spike is its own onset: stop there.
					if len(out) > 0 && out[len(out)-1].index == j {
						break
					}
					an.onset, an.onsetIndex = pj.Start(), j
					an.elevated++
				}
			}
			if an.direction == "spike" {
				an.hidden = hiddenOnset(samples, an, a)
			}
			out = append(out, an)
			run++
			if run <= a.BaselineWindow {
				continue // keep the anomaly out of the baseline
			}
		} else {
			run = 0
		}
		base = append(base, x)
		if len(base) > a.BaselineWindow {
			base = base[1:]
		}
	}
	return out
}

func entityUsed(ix *inventory.Index, en *inventory.Entity) int64 {
	used, _, _, _ := currentCapacity(ix, en)
	return used
}

// anomaliesBetween returns the anomalous samples with Time in (from, to],
// oldest first.
func anomaliesBetween(ix *inventory.Index, en *inventory.Entity, r *Rules, from, to time.Time) []anomaly {
	samples := ix.ChangeRates(en.ID)
	if len(samples) == 0 {
		return nil
	}
	// Each signal (snapshot/recovery point deltas, bytes written) is its
	// own series with its own baseline.
	bySource := map[string][]*inventory.ChangeSample{}
	var sources []string
	for _, s := range samples {
		if bySource[s.Source] == nil {
			sources = append(sources, s.Source)
		}
		bySource[s.Source] = append(bySource[s.Source], s)
	}
	slices.Sort(sources)
	var out []anomaly
	used := entityUsed(ix, en)
	for _, src := range sources {
		for _, a := range scanAnomalies(bySource[src], used, &r.Anomaly) {
			if a.sample.Time.After(from) && !a.sample.Time.After(to) {
				out = append(out, a)
			}
		}
	}
	if len(sources) > 1 {
		slices.SortStableFunc(out, func(a, b anomaly) int { return a.sample.Time.Compare(b.sample.Time) })
	}
	return out
}

// latestAnomaly returns the newest anomaly in (from, to]; spikesOnly skips
// shrinks.
func latestAnomaly(ix *inventory.Index, en *inventory.Entity, r *Rules, to, from time.Time, spikesOnly bool) (anomaly, bool) {
	l := anomaliesBetween(ix, en, r, from, to)
	for i := len(l) - 1; i >= 0; i-- {
		if !spikesOnly || l[i].direction == "spike" {
			return l[i], true
		}
	}
	return anomaly{}, false
}

func isRansomwareEvent(ev *inventory.Event, markers []string) bool {
	name := strings.ToLower(ev.Name)
	for _, m := range markers {
		if m != "" && strings.Contains(name, strings.ToLower(m)) {
			return true
		}
	}
	return false
}

// corroboration finds a second ransomware signal during the anomalous
// period start..end or within the corroboration window of it: an ARP or
// ransomware event on the entity, or an anti-ransomware snapshot.
func corroboration(ix *inventory.Index, en *inventory.Entity, r *Rules, start, end time.Time) string {
	w := r.Anomaly.CorroborationWindow.D()
	from, to := start.Add(-w), end.Add(w)
	for _, ev := range ix.Events(en.ID) {
		if !ev.Time.Before(from) && !ev.Time.After(to) && isRansomwareEvent(ev, r.Anomaly.RansomwareEventMarkers) {
			return "event " + ev.Name + " at " + ts(ev.Time)
		}
	}
	for _, rp := range ix.RecoveryPointsBetween(en.ID, from, to.Add(time.Nanosecond)) {
		if rp.HasFlag(inventory.FlagAntiRansomware) {
			return "anti-ransomware snapshot " + rp.Name + " at " + ts(rp.Created)
		}
	}
	return ""
}

// judgedAnomaly is the most severe recent anomaly of an entity, with the
// counts and the onset of the first spike.
type judgedAnomaly struct {
	a               anomaly
	sev             Severity
	second          string
	n               int
	spikes, shrinks int
	firstSpike      *anomaly
}

// entityAnomaly judges the anomalies of en in (from, to]: spikes are high,
// critical with a second ransomware signal; shrinks medium; one level lower
// on a provisional baseline. It returns the most severe one (the first
// on ties: where the change began).
func entityAnomaly(ix *inventory.Index, en *inventory.Entity, r *Rules, from, to time.Time) (judgedAnomaly, bool) {
	l := anomaliesBetween(ix, en, r, from, to)
	if len(l) == 0 {
		return judgedAnomaly{}, false
	}
	var best *judgedAnomaly
	j := judgedAnomaly{n: len(l)}
	for i := range l {
		a := l[i]
		sev, second := Medium, ""
		if a.direction == "spike" {
			j.spikes++
			if j.firstSpike == nil {
				j.firstSpike = &l[i]
			}
			sev = High
			if second = corroboration(ix, en, r, a.onset, a.sample.Time); second != "" {
				sev = Critical
			}
		} else {
			j.shrinks++
		}
		if a.provisional {
			sev = sev.lower()
		}
		// The most severe; among equals the first, where the change began.
		if best == nil || sev.Rank() < best.sev.Rank() {
			best = &judgedAnomaly{a: a, sev: sev, second: second}
		}
	}
	j.a, j.sev, j.second = best.a, best.sev, best.second
	return j, true
}

func (j judgedAnomaly) evidence() Evidence {
	a := j.a
	ev := Evidence{"sample_bytes": a.sample.Bytes, "baseline_samples": a.baseline, "rule": a.rule,
		"direction": a.direction, "provisional": a.provisional, "anomalous_samples": j.n,
		"spikes": j.spikes, "shrinks": j.shrinks}
	ev.time("sample_time", a.sample.Time).time("sample_start", a.sample.Start()).
		num("rate_bytes_per_day", a.rate).num("median_bytes_per_day", a.median)
	if a.median > 0 {
		ev.num("ratio_to_median", a.rate/a.median)
	}
	if a.hasZ {
		ev.num("robust_z", a.z).num("spread_bytes_per_day", a.spread)
	}
	if f := j.firstSpike; f != nil {
		ev.time("first_spike", f.sample.Time).time("onset", f.onset)
		ev["onset_deltas_elevated"] = f.elevated
	}
	if j.second != "" {
		ev["second_signal"] = j.second
	}
	return ev
}

func (j judgedAnomaly) confidence() float64 {
	switch {
	case j.second != "":
		return 0.95
	case j.a.provisional:
		return 0.5
	}
	return 0.8
}

// describe returns the summary and recommendation of an anomaly.
func (j judgedAnomaly) describe(en *inventory.Entity) (string, string) {
	a := j.a
	ratio := ""
	if a.median > 0 {
		ratio = fmt.Sprintf(" (%s its usual rate of %s/day)", times(a.rate/a.median), gib(int64(a.median)))
	}
	period := fmt.Sprintf("between %s and %s", ts(a.sample.Start()), ts(a.sample.Time))
	if a.direction == "spike" {
		sum := fmt.Sprintf("%s changed %s %s%s: a ransomware-like churn signal.", en.Name, gib(a.sample.Bytes), period, ratio)
		if j.second != "" {
			sum = fmt.Sprintf("%s changed %s %s%s, together with %s: likely ransomware.", en.Name, gib(a.sample.Bytes), period, ratio, j.second)
		}
		onset := a.onset
		if j.firstSpike != nil {
			onset = j.firstSpike.onset
		}
		rec := fmt.Sprintf("Check %s for encryption or mass file changes now; protect the recovery points taken at or before %s (lock or extend them) and plan a clean recovery.", en.Name, ts(onset))
		return sum, rec
	}
	return fmt.Sprintf("%s changed only %s %s%s: data may be missing or excluded from protection.", en.Name, gib(a.sample.Bytes), period, ratio),
		fmt.Sprintf("Check that the workload on %s is running and that nothing was removed or excluded from its protection.", en.Name)
}

func anomalyNextTool(ix *inventory.Index, en *inventory.Entity, j judgedAnomaly, now time.Time) *ToolCall {
	if j.a.direction != "spike" {
		return listRecoveryPointsCall(ix, en)
	}
	if vendorOf(ix, en) == inventory.KindOntap && j.second == "" {
		return eventsCall(ix, en)
	}
	return recommendCall(en, ScenarioRansomware, now)
}

// noChangeData says what is known when an entity has no change samples.
func noChangeData(en *inventory.Entity) string {
	return fmt.Sprintf("No change data for %s %s: neither its snapshots or recovery points nor its I/O statistics give a change rate, so ransomware-like churn cannot be judged on it.", kindWord(en.Kind), en.Name)
}

func (p *predictor) anomalies(en *inventory.Entity) {
	r := p.r
	from := p.now.Add(-r.Anomaly.RecentWindow.D())
	j, ok := entityAnomaly(p.ix, en, r, from, p.now)
	if !ok {
		if p.quiet {
			n := len(p.ix.ChangeRates(en.ID))
			sum := fmt.Sprintf("No change-rate anomaly on %s in the last %s (%d samples).", en.Name, r.Anomaly.RecentWindow.Human(), n)
			switch {
			case n == 0:
				sum = noChangeData(en)
			case n < r.Anomaly.ProvisionalHistory+1:
				sum = fmt.Sprintf("Change rate of %s cannot be judged: %d samples, need more than %d.", en.Name, n, r.Anomaly.ProvisionalHistory)
			}
			p.add(Prediction{Kind: PredictChangeRateAnomaly, Severity: Info, Entity: refOf(en), Summary: sum,
				Evidence: Evidence{"samples": n}, Recommendation: "No action needed."})
		}
		return
	}
	sum, rec := j.describe(en)
	p.add(Prediction{Kind: PredictChangeRateAnomaly, Severity: j.sev, Entity: refOf(en), Summary: sum,
		Confidence: fptr(j.confidence()), Evidence: j.evidence(), Recommendation: rec, NextTool: anomalyNextTool(p.ix, en, j, p.now)})
}

// ---- failure risk ----

func (p *predictor) failureRisk(en *inventory.Entity) {
	fr := p.r.FailureRisk
	from := p.now.Add(-fr.Window.D())
	var n, f, streak, afterFail, failAfterFail int
	prevFailed := false
	var lastFail *inventory.Operation
	var when []time.Time
	for _, op := range p.ix.Operations(en.ID) {
		if op.Status == inventory.OpRunning || !slices.Contains(fr.Kinds, op.Kind) {
			continue
		}
		w := op.When()
		if !w.After(from) || w.After(p.now) {
			continue
		}
		failed := op.Status == inventory.OpFailed
		if n > 0 && prevFailed {
			afterFail++
			if failed {
				failAfterFail++
			}
		}
		n++
		when = append(when, w)
		if failed {
			f++
			streak++
			lastFail = op
		} else {
			streak = 0
		}
		prevFailed = failed
	}
	if n == 0 {
		if p.quiet {
			p.add(Prediction{Kind: PredictFailureRisk, Severity: Info, Entity: refOf(en),
				Summary:  fmt.Sprintf("No %s operations on %s in the last %s to judge failure risk from.", strings.Join(fr.Kinds, "/"), en.Name, fr.Window.Human()),
				Evidence: Evidence{"operations": 0}, Recommendation: "No action needed."})
		}
		return
	}
	pBase := (float64(f) + fr.PriorAlpha) / (float64(n) + fr.PriorAlpha + fr.PriorBeta)
	prob, model := pBase, "beta_binomial"
	var pFF float64
	if streak > 0 {
		pFF = (float64(failAfterFail) + fr.StreakPriorWeight*pBase) / (float64(afterFail) + fr.StreakPriorWeight)
		if pFF > prob {
			prob, model = pFF, "after_failure"
		}
	}
	alert := prob >= fr.AlertProbability || streak > 0
	if !alert && !p.quiet {
		return
	}
	sev := Info
	switch {
	case streak >= p.r.Operations.StreakHigh:
		sev = High
	case prob >= 0.5:
		sev = Medium
	case alert:
		sev = Low
	}
	var horizon time.Duration
	if pol := p.ix.PolicyFor(en); pol != nil && pol.Schedule > 0 {
		horizon = pol.Schedule.D()
	} else if len(when) >= 2 {
		gaps := make([]float64, 0, len(when)-1)
		for k := 1; k < len(when); k++ {
			gaps = append(gaps, when[k].Sub(when[k-1]).Seconds())
		}
		horizon = time.Duration(median(gaps) * float64(time.Second))
	}
	ev := Evidence{"operations": n, "failures": f, "streak": streak, "model": model, "kinds": fr.Kinds}
	lo, hi := wilson(f, n, 1.96)
	ev.num("failure_rate", float64(f)/float64(n)).num("p_beta_binomial", pBase).dur("window", fr.Window.D()).
		num("failure_rate_wilson95_low", lo).num("failure_rate_wilson95_high", hi)
	if streak > 0 {
		ev.num("p_after_failure", pFF)
		ev["failures_followed_by_failure"] = failAfterFail
		ev["failures_followed_by_any"] = afterFail
	}
	if lastFail != nil {
		ev["last_failure_id"] = lastFail.ID
		ev["last_error"] = lastFail.Error
		ev.time("last_failure", lastFail.When())
	}
	sum := fmt.Sprintf("Next protection run of %s fails with probability %s (%d of %d failed in %s", en.Name, pct(prob*100), f, n, fr.Window.Human())
	if streak > 0 {
		sum += fmt.Sprintf("; last %d failed", streak)
	}
	sum += ")."
	rec := "No action needed."
	var next *ToolCall
	switch {
	case streak > 0 && lastFail != nil:
		rec = fmt.Sprintf("Fix the cause of the last failure (%s) before the next run, then take a recovery point of %s.", firstLine(cmp.Or(lastFail.Error, "see the task/job")), en.Name)
		next = operationCall(p.ix, lastFail, en.Kind.Vendor())
	case alert:
		rec = fmt.Sprintf("%s fails often; review the errors of its recent runs for a common cause (configuration, capacity, quiescing).", en.Name)
		next = listRecoveryPointsCall(p.ix, en)
	}
	var hz *inventory.Duration
	if horizon > 0 {
		hz = dptr(horizon)
	}
	p.add(Prediction{Kind: PredictFailureRisk, Severity: sev, Entity: refOf(en), Summary: sum,
		Probability: fptr(prob), Confidence: fptr(float64(n) / (float64(n) + fr.PriorAlpha + fr.PriorBeta)), Horizon: hz,
		Evidence: ev, Recommendation: rec, NextTool: next})
}

// ---- replication ----

func (p *predictor) replication(rel *inventory.Replication) {
	if rel.Broken() {
		return
	}
	ref := EntityRef{Kind: RefReplication, ID: rel.ID, Name: cmp.Or(rel.SourcePath, rel.DestinationPath, rel.ID), Target: rel.DestinationTarget}
	src := p.ix.Entity(rel.SourceEntityID)
	if src != nil {
		ref = refOf(src)
	}
	// The breach level: the stated RPO, else the AIQUM lag error level of
	// the relationship's own schedule.
	rpo, _ := replicationRPO(p.ix, rel, src)
	if rpo <= 0 && rel.Schedule > 0 {
		rpo = time.Duration(float64(rel.Schedule) * p.r.Replication.LagErrorRatio)
	}
	p.lagTrend(rel, ref, rpo)
	p.throughput(rel, ref)
}

func (p *predictor) lagTrend(rel *inventory.Replication, ref EntityRef, rpo time.Duration) {
	lt := p.r.LagTrend
	if rpo <= 0 || len(rel.LagHistory) == 0 {
		return
	}
	from := p.now.Add(-lt.Window.D())
	hist := make([]inventory.LagSample, 0, len(rel.LagHistory))
	for _, s := range rel.LagHistory {
		if s.Time.After(from) && !s.Time.After(p.now) {
			hist = append(hist, s)
		}
	}
	slices.SortStableFunc(hist, func(a, b inventory.LagSample) int { return a.Time.Compare(b.Time) })
	bucket := max(rel.Schedule.D(), time.Hour)
	var peaks []inventory.LagSample
	var cur int64 = -1
	for _, s := range hist {
		b := int64(s.Time.Sub(from) / bucket)
		if b != cur {
			peaks = append(peaks, s)
			cur = b
		} else if s.Lag > peaks[len(peaks)-1].Lag {
			peaks[len(peaks)-1] = s
		}
	}
	ev := Evidence{"relationship_id": rel.ID, "buckets": len(peaks), "destination_target": rel.DestinationTarget}
	ev.dur("rpo", rpo).dur("bucket", bucket).dur("lag", rel.Lag.D())
	if len(peaks) < max(lt.MinSamples, 3) {
		if p.quiet {
			p.add(Prediction{Kind: PredictReplicationBreach, Severity: Info, Entity: ref,
				Summary:  fmt.Sprintf("Lag trend of %s to %s cannot be judged: %d peak samples in %s, need %d.", ref.Name, rel.DestinationTarget, len(peaks), lt.Window.Human(), lt.MinSamples),
				Evidence: ev, Recommendation: "No action needed."})
		}
		return
	}
	xs, ys := make([]float64, len(peaks)), make([]float64, len(peaks))
	for i, s := range peaks {
		xs[i] = s.Time.Sub(p.now).Hours()
		ys[i] = s.Lag.Seconds()
	}
	f := linearFit(xs, ys)
	lagNow := f.at(0)
	ev.num("slope_seconds_per_hour", f.slope).num("r2", f.r2).num("fitted_lag_now_seconds", lagNow)
	quietNote := func(why string) {
		if p.quiet {
			p.add(Prediction{Kind: PredictReplicationBreach, Severity: Info, Entity: ref, Confidence: fptr(f.r2),
				Summary:  fmt.Sprintf("No RPO breach predicted for replication of %s to %s: %s.", ref.Name, rel.DestinationTarget, why),
				Evidence: ev, Recommendation: "No action needed."})
		}
	}
	switch {
	case lagNow >= rpo.Seconds() || rel.Lag.D() > rpo:
		quietNote("the lag is already beyond the RPO (see the health check)")
		return
	case f.slope <= 0:
		quietNote("peak lag is not growing")
		return
	case f.r2 < lt.MinR2:
		quietNote(fmt.Sprintf("peak lag trend has R² %s, below %s", trimR2(f.r2), trimR2(lt.MinR2)))
		return
	}
	hours := (rpo.Seconds() - lagNow) / f.slope
	in := time.Duration(hours * float64(time.Hour))
	if in > lt.Horizon.D() {
		quietNote(fmt.Sprintf("at the current trend the RPO is reached only in %s", inventory.Human(in)))
		return
	}
	at := p.now.Add(in)
	sev := Medium
	if in <= 24*time.Hour {
		sev = High
	}
	var next *ToolCall
	if replicationVendor(p.ix, rel) == inventory.KindOntap {
		next = snapmirrorCall(ToolOntapListSnapmirror, rel)
	} else {
		next = replicationFixCall(p.ix, rel)
	}
	p.add(Prediction{Kind: PredictReplicationBreach, Severity: sev, Entity: ref,
		Summary: fmt.Sprintf("Replication lag of %s to %s grows %s per hour and breaks the %s RPO in about %s (%s).",
			ref.Name, rel.DestinationTarget, inventory.Human(time.Duration(f.slope*float64(time.Second))), inventory.Human(rpo), inventory.Human(in), ts(at)),
		Confidence: fptr(f.r2), Horizon: dptr(in), PredictedTime: at, Evidence: ev,
		Recommendation: fmt.Sprintf("Check the network throughput and transfer sizes of the relationship of %s; raise its throttle or move its schedule before the lag passes the RPO.", ref.Name),
		NextTool:       next})
}

func (p *predictor) throughput(rel *inventory.Replication, ref EntityRef) {
	lt := p.r.LagTrend
	if rel.Schedule <= 0 {
		return
	}
	from := p.now.Add(-lt.Window.D())
	var sizes, rates []float64
	for i := range rel.Transfers {
		t := &rel.Transfers[i]
		d := t.Elapsed()
		if t.Failed || t.Error != "" || t.Bytes <= 0 || d <= 0 || !t.End.After(from) || t.End.After(p.now) {
			continue
		}
		sizes = append(sizes, float64(t.Bytes))
		rates = append(rates, float64(t.Bytes)/d.Seconds())
	}
	if len(rates) < max(lt.MinTransfers, 1) || rel.Schedule.Seconds() <= 0 {
		return
	}
	need := median(sizes) / rel.Schedule.Seconds()
	got := median(rates)
	ev := Evidence{"relationship_id": rel.ID, "transfers": len(rates), "destination_target": rel.DestinationTarget}
	ev.num("median_transfer_bytes", median(sizes)).num("required_bytes_per_second", need).
		num("median_bytes_per_second", got).num("margin", lt.ThroughputMargin).dur("schedule_interval", rel.Schedule.D())
	if got >= lt.ThroughputMargin*need {
		return
	}
	busy := need / got // fraction of the interval a median transfer takes
	ev.num("interval_fraction_busy", busy)
	sev := Medium
	if busy >= 1 {
		sev = High
	}
	p.add(Prediction{Kind: PredictReplicationSpiral, Severity: sev, Entity: ref,
		Summary: fmt.Sprintf("Transfers of %s to %s take %s of the %s interval (median %s at %s/s): replication cannot keep up and lag will spiral.",
			ref.Name, rel.DestinationTarget, pct(busy*100), rel.Schedule.Human(), gib(int64(median(sizes))), gib(int64(got))),
		Confidence: fptr(math.Min(1, float64(len(rates))/10)), Horizon: dptr(rel.Schedule.D()), Evidence: ev,
		Recommendation: fmt.Sprintf("Give the relationship of %s more bandwidth (throttle, network) or lengthen its schedule to fit the change rate.", ref.Name),
		NextTool:       replicationFixCall(p.ix, rel)})
}
