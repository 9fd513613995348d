package analysis

import (
	"fmt"
	"math"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// CapacityForecast is the days-to-full forecast of one volume as Predict
// computes it (capacity_full), as series a chart can draw: the daily
// minima the fit used, the fitted line carried forward to the horizon, and
// a band around it from the Brownian-motion volatility of the daily
// increments (μ·t ± z·σ·√t about the line, z for BandPercent).
type CapacityForecast struct {
	Entity EntityRef `json:"entity"`
	AsOf   time.Time `json:"as_of"`
	// History: the daily minima of used space in the chosen window.
	History []ForecastPoint `json:"history"`
	// Trend: the fitted line from the window start to the horizon, daily.
	Trend []ForecastPoint `json:"trend"`
	// Band: from now to the horizon (empty when volatility is unknown).
	Band             []BandPoint `json:"band,omitempty"`
	BandPercent      float64     `json:"band_percent"`
	ThresholdBytes   float64     `json:"threshold_bytes"`
	ThresholdPercent float64     `json:"threshold_percent"`
	WindowDays       int         `json:"window_days"`
	R2               float64     `json:"r2"`
	// DaysToThreshold is set when the fit is good enough to give a date.
	DaysToThreshold *float64 `json:"days_to_threshold,omitempty"`
	// Reason says why there is no date (or no trend at all).
	Reason string `json:"reason,omitempty"`
}

// ForecastPoint is used bytes at a time.
type ForecastPoint struct {
	Time  time.Time `json:"time"`
	Bytes float64   `json:"bytes"`
}

// BandPoint is the band's range at a time.
type BandPoint struct {
	Time time.Time `json:"time"`
	Lo   float64   `json:"lo"`
	Hi   float64   `json:"hi"`
}

// forecastZ is the two-sided 80 % normal quantile.
const forecastZ, forecastBandPercent = 1.2816, 80

// ForecastCapacity forecasts the used space of volume ref (name or id).
func ForecastCapacity(e *inventory.Estate, ref string, r Rules) (CapacityForecast, error) {
	ix := e.Index()
	var en *inventory.Entity
	for _, c := range ix.Resolve(ref) {
		if c.Kind == inventory.EntityVolume {
			if en != nil {
				return CapacityForecast{}, fmt.Errorf("%q names more than one volume; use its id", ref)
			}
			en = c
		}
	}
	if en == nil {
		return CapacityForecast{}, fmt.Errorf("no volume %q", ref)
	}
	now := asOf(e)
	f := CapacityForecast{Entity: refOf(en), AsOf: now, BandPercent: forecastBandPercent}
	used, size, _, _ := currentCapacity(ix, en)
	if size <= 0 {
		f.Reason = "the volume's size is unknown"
		return f, nil
	}
	var pts []point
	for _, s := range ix.Capacity(en.ID) {
		if s.SizeBytes > 0 || s.UsedBytes > 0 {
			pts = append(pts, point{s.Time, float64(s.UsedBytes)})
		}
	}
	frac := r.Volume.FullPercent / 100
	if float64(used) >= frac*float64(size) {
		frac = 1
	}
	rw := computeRunway(pts, float64(used), float64(size), frac, now, &r.Capacity)
	f.ThresholdBytes, f.ThresholdPercent, f.Reason = rw.threshold, rw.thresholdP, rw.reason
	if rw.window == 0 {
		return f, nil
	}
	f.WindowDays, f.R2 = rw.window, round4(rw.fit.r2)
	from := now.Add(-time.Duration(rw.window) * 24 * time.Hour)
	for _, p := range dailyMinima(pts) {
		if !p.t.Before(from) && !p.t.After(now) {
			f.History = append(f.History, ForecastPoint{p.t, p.v})
		}
	}
	horizon := 30.0
	if rw.dated {
		days := round4(rw.days)
		f.DaysToThreshold = &days
		horizon = math.Min(math.Max(rw.days*1.25+1, 7), r.Capacity.HorizonDays)
	}
	start := -float64(rw.window)
	if len(f.History) > 0 {
		start = f.History[0].Time.Sub(now).Hours() / 24
	}
	at := func(x float64) time.Time { return now.Add(time.Duration(x * 24 * float64(time.Hour))) }
	for x := start; x < horizon; x++ {
		f.Trend = append(f.Trend, ForecastPoint{at(x), round4(rw.fit.at(x))})
	}
	f.Trend = append(f.Trend, ForecastPoint{at(horizon), round4(rw.fit.at(horizon))})
	if rw.hasP && rw.sigma > 0 {
		for x := 0.0; x <= horizon; x++ {
			half := forecastZ * rw.sigma * math.Sqrt(x)
			y := rw.fit.at(x)
			f.Band = append(f.Band, BandPoint{at(x), round4(math.Max(y-half, 0)), round4(y + half)})
		}
	}
	return f, nil
}
