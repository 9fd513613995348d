package charts

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
)

// Chart names (NoData.Chart, and how tools name the charts they return).
const (
	ChartSuccessRate = "backup_success_per_week"
	ChartRPOByTier   = "rpo_by_tier"
	ChartDrillRTO    = "drill_rto"
	ChartLag         = "replication_lag"
	ChartForecast    = "capacity_forecast"
)

// PeriodText is a period's label with its dates: "last 30 days
// (2026-02-01 to 2026-03-01 UTC)".
func PeriodText(p analysis.Period) string {
	dates := p.From.UTC().Format("2006-01-02") + " to " + p.To.UTC().Format("2006-01-02") + " UTC"
	if p.Label == "" || strings.Contains(p.Label, p.From.UTC().Format("2006-01-02")) {
		return dates
	}
	return p.Label + " (" + dates + ")"
}

func render(s Spec, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return Render(s)
}

// SuccessRateSpec: backup success rate per week (bars, %), target line.
// It needs two weeks with outcomes (a trend).
func SuccessRateSpec(weeks []analysis.WeekRate, target float64, p analysis.Period) (Spec, error) {
	s := Spec{Kind: Bars, Title: "Backup success rate per week (%)", Period: PeriodText(p), XLabel: "week starting", YLabel: "succeeded / finished (%)", YMin: 0, YMax: 125}
	with := 0
	var y []float64
	for _, w := range weeks {
		label := w.Start.UTC().Format("Jan 02")
		if days := w.End.Sub(w.Start).Hours() / 24; !w.End.IsZero() && days < 6.99 {
			label += fmt.Sprintf(" (%sd)", trim(days))
		}
		if w.Rate == nil {
			y = append(y, math.NaN())
			label += "\n(none)"
		} else {
			y = append(y, *w.Rate)
			label += fmt.Sprintf("\n%d/%d", w.Succeeded, w.Succeeded+w.Failed)
			with++
		}
		s.Categories = append(s.Categories, label)
	}
	if with < 2 {
		return Spec{}, &NoData{ChartSuccessRate, fmt.Sprintf("%d of %d weeks had a backup outcome; a trend needs 2", with, len(weeks))}
	}
	s.Series = []Series{{Name: "success rate", Y: y}}
	if target > 0 {
		s.Refs = []Ref{{Name: fmt.Sprintf("target %g%%", target), Y: target}}
	}
	return s, nil
}

// SuccessRate renders SuccessRateSpec.
func SuccessRate(weeks []analysis.WeekRate, target float64, p analysis.Period) ([]byte, error) {
	return render(SuccessRateSpec(weeks, target, p))
}

// RPOByTierSpec: median and p95 achieved RPO per business tier beside the
// tier's median target (grouped bars). It needs one tier with a measured
// RPO.
func RPOByTierSpec(tiers []analysis.TierRPO, p analysis.Period) (Spec, error) {
	var measured []analysis.TierRPO
	top := 0.0
	for _, t := range tiers {
		if t.Entities > t.NoRecoveryPoint {
			measured = append(measured, t)
			top = max(top, t.P95AchievedSeconds, t.MedianTargetSeconds)
		}
	}
	if len(measured) == 0 {
		return Spec{}, &NoData{ChartRPOByTier, "no protected entity in the scope has a recovery point to measure"}
	}
	unit, per := DurationUnit(top)
	s := Spec{Kind: Bars, Title: "RPO achieved vs target per tier (" + unit + ")", Period: PeriodText(p), XLabel: "business tier (entities meeting RPO)", YLabel: "longest gap between recovery points (" + unit + ")"}
	med, p95, tgt := Series{Name: "median achieved"}, Series{Name: "p95 achieved"}, Series{Name: "target (median)"}
	for _, t := range measured {
		label := fmt.Sprintf("tier %d\n%d/%d met", t.Tier, t.Met, t.Entities)
		if t.NoRecoveryPoint > 0 {
			label += fmt.Sprintf(", %d none", t.NoRecoveryPoint)
		}
		s.Categories = append(s.Categories, label)
		med.Y = append(med.Y, t.MedianAchievedSeconds/per)
		p95.Y = append(p95.Y, t.P95AchievedSeconds/per)
		tgt.Y = append(tgt.Y, t.MedianTargetSeconds/per)
	}
	s.Series = []Series{med, p95, tgt}
	return s, nil
}

// RPOByTier renders RPOByTierSpec.
func RPOByTier(tiers []analysis.TierRPO, p analysis.Period) ([]byte, error) {
	return render(RPOByTierSpec(tiers, p))
}

// DrillRTOSpec: each drill's measured RTO beside its target (grouped
// bars), oldest first; the last MaxDrillBars drills.
func DrillRTOSpec(drills []analysis.DrillPoint, p analysis.Period) (Spec, error) {
	if len(drills) == 0 {
		return Spec{}, &NoData{ChartDrillRTO, "no drill in the period"}
	}
	if len(drills) > MaxDrillBars {
		drills = drills[len(drills)-MaxDrillBars:]
	}
	top := 0.0
	for _, d := range drills {
		top = max(top, d.RTOSeconds, d.RTOTargetSeconds)
	}
	unit, per := DurationUnit(top)
	s := Spec{Kind: Bars, Title: "Drill RTO vs target (" + unit + ")", Period: PeriodText(p), XLabel: "drill (date, entity)", YLabel: "recovery time (" + unit + ")"}
	rto, tgt := Series{Name: "measured RTO"}, Series{Name: "RTO target"}
	for _, d := range drills {
		ent := d.Entity
		if i := strings.LastIndexByte(ent, ':'); i >= 0 {
			ent = ent[i+1:]
		}
		if len(ent) > 14 {
			ent = ent[:13] + "…"
		}
		verdict := "pass"
		if !d.Passed {
			verdict = "FAIL"
		}
		s.Categories = append(s.Categories, d.At.UTC().Format("Jan 02")+"\n"+ent+"\n"+verdict)
		rto.Y = append(rto.Y, d.RTOSeconds/per)
		t := math.NaN()
		if d.RTOTargetSeconds > 0 {
			t = d.RTOTargetSeconds / per
		}
		tgt.Y = append(tgt.Y, t)
	}
	s.Series = []Series{rto, tgt}
	return s, nil
}

// MaxDrillBars bounds the drills one chart shows.
const MaxDrillBars = 12

// DrillRTO renders DrillRTOSpec.
func DrillRTO(drills []analysis.DrillPoint, p analysis.Period) ([]byte, error) {
	return render(DrillRTOSpec(drills, p))
}

// LagSpec: daily peak replication lag per relationship (lines), with each
// distinct objective as a target line.
func LagSpec(series []analysis.LagSeries, p analysis.Period) (Spec, error) {
	top := 0.0
	var kept []analysis.LagSeries
	for _, ls := range series {
		if len(ls.Points) >= 2 {
			kept = append(kept, ls)
			for _, pt := range ls.Points {
				top = max(top, pt.LagSeconds)
			}
		}
	}
	if len(kept) == 0 {
		return Spec{}, &NoData{ChartLag, "no relationship has lag samples on two days of the period (the history store fills on each collection)"}
	}
	unit, per := DurationUnit(top)
	s := Spec{Kind: Lines, Title: "Replication lag, daily peak (" + unit + ")", Period: PeriodText(p), XLabel: "day (UTC)", YLabel: "lag (" + unit + ")"}
	var objectives []float64
	for _, ls := range kept {
		se := Series{Name: ls.Name}
		for _, pt := range ls.Points {
			se.X = append(se.X, pt.Time)
			se.Y = append(se.Y, pt.LagSeconds/per)
		}
		s.Series = append(s.Series, se)
		if ls.RPOSeconds > 0 && !slices.Contains(objectives, ls.RPOSeconds) && ls.RPOSeconds <= 3*top {
			objectives = append(objectives, ls.RPOSeconds)
		}
	}
	slices.Sort(objectives)
	for _, o := range objectives[:min(len(objectives), 3)] {
		s.Refs = append(s.Refs, Ref{Name: "RPO " + analysis.FormatValue(o, "s"), Y: o / per})
	}
	return s, nil
}

// Lag renders LagSpec.
func Lag(series []analysis.LagSeries, p analysis.Period) ([]byte, error) {
	return render(LagSpec(series, p))
}

// ForecastSpec: a volume's used space (daily minima), the fitted trend
// carried to the horizon with its band, and the full threshold.
func ForecastSpec(f analysis.CapacityForecast) (Spec, error) {
	if len(f.History) < 2 || len(f.Trend) < 2 {
		reason := f.Reason
		if reason == "" {
			reason = "fewer than 2 daily samples"
		}
		return Spec{}, &NoData{ChartForecast, reason}
	}
	const gib = 1 << 30
	p := analysis.Period{From: f.History[0].Time, To: f.Trend[len(f.Trend)-1].Time, Label: ""}
	title := "Used space of " + f.Entity.Name + " (GiB): forecast"
	if f.DaysToThreshold != nil {
		title += fmt.Sprintf(", %s days to %g%%", trim(*f.DaysToThreshold), f.ThresholdPercent)
	} else {
		title += ", no date (" + f.Reason + ")"
		if len(title) > 110 {
			title = title[:109] + "…"
		}
	}
	s := Spec{Kind: Lines, Title: title, Period: PeriodText(p) + fmt.Sprintf(", fit over %d days, R² %s", f.WindowDays, trim(f.R2)), XLabel: "day (UTC)", YLabel: "used (GiB)"}
	var h, tr Series
	h.Name, tr.Name, tr.Dashed = "used (daily minimum)", "trend", true
	for _, pt := range f.History {
		h.X, h.Y = append(h.X, pt.Time), append(h.Y, pt.Bytes/gib)
	}
	for _, pt := range f.Trend {
		tr.X, tr.Y = append(tr.X, pt.Time), append(tr.Y, pt.Bytes/gib)
	}
	s.Series = []Series{h, tr}
	if len(f.Band) > 1 {
		b := &Band{Name: fmt.Sprintf("%g%% band", f.BandPercent)}
		for _, pt := range f.Band {
			b.X, b.Lo, b.Hi = append(b.X, pt.Time), append(b.Lo, pt.Lo/gib), append(b.Hi, pt.Hi/gib)
		}
		s.Band = b
	}
	s.Refs = []Ref{{Name: fmt.Sprintf("%g%% full", f.ThresholdPercent), Y: f.ThresholdBytes / gib}}
	return s, nil
}

// Forecast renders ForecastSpec.
func Forecast(f analysis.CapacityForecast) ([]byte, error) { return render(ForecastSpec(f)) }

func trim(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
