package charts

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
)

var (
	to     = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	period = analysis.LastDays(to, 30)
)

func f(v float64) *float64 { return &v }

// decode checks the PNG decodes at 800x450 and returns its size in bytes.
func decode(t *testing.T, b []byte) int {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if r := img.Bounds(); r.Dx() != Width || r.Dy() != Height {
		t.Fatalf("size %dx%d, want %dx%d", r.Dx(), r.Dy(), Width, Height)
	}
	return len(b)
}

func TestSpecs(t *testing.T) {
	weeks := []analysis.WeekRate{
		{Start: to.AddDate(0, 0, -14), Succeeded: 9, Failed: 1, Rate: f(90)},
		{Start: to.AddDate(0, 0, -7), Succeeded: 10, Rate: f(100)},
	}
	tiers := []analysis.TierRPO{{Tier: 1, Entities: 2, Met: 1, MedianAchievedSeconds: 3600, P95AchievedSeconds: 7200, MedianTargetSeconds: 3600},
		{Tier: 3, Entities: 1, NoRecoveryPoint: 1}}
	drills := []analysis.DrillPoint{{RunID: "a", Entity: "svm1:vol1", At: to.AddDate(0, 0, -3), RTOSeconds: 90, RTOTargetSeconds: 1800, Passed: true},
		{RunID: "b", Entity: "svm1:vol2", At: to.AddDate(0, 0, -1), RTOSeconds: 400, RTOTargetSeconds: 300}}
	lag := []analysis.LagSeries{{Name: "svm1:vol1 -> svm2:vol1_dst", RPOSeconds: 3600,
		Points: []analysis.LagPoint{{Time: to.AddDate(0, 0, -2), LagSeconds: 1800}, {Time: to.AddDate(0, 0, -1), LagSeconds: 5400}}}}
	tests := []struct {
		name   string
		spec   func() (Spec, error)
		title  string
		kind   Kind
		series int
		refs   int
		// the unit in the title
		unit string
	}{
		{"success", func() (Spec, error) { return SuccessRateSpec(weeks, 98, period) }, "Backup success rate per week", Bars, 1, 1, "(%)"},
		{"rpo", func() (Spec, error) { return RPOByTierSpec(tiers, period) }, "RPO achieved vs target per tier", Bars, 3, 0, "(hours)"},
		{"drill", func() (Spec, error) { return DrillRTOSpec(drills, period) }, "Drill RTO vs target", Bars, 2, 0, "(minutes)"},
		{"lag", func() (Spec, error) { return LagSpec(lag, period) }, "Replication lag", Lines, 1, 1, "(minutes)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.spec()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.Title, tc.title) || !strings.Contains(s.Title, tc.unit) {
				t.Errorf("title %q, want %q with %s", s.Title, tc.title, tc.unit)
			}
			if s.Period != "last 30 days (2026-01-30 to 2026-03-01 UTC)" {
				t.Errorf("period %q", s.Period)
			}
			if s.Kind != tc.kind || len(s.Series) != tc.series || len(s.Refs) != tc.refs || s.YLabel == "" || s.XLabel == "" {
				t.Errorf("spec %+v", s)
			}
			b, err := Render(s)
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b)
		})
	}
	// a partial week says how many days it covers
	s, _ := SuccessRateSpec([]analysis.WeekRate{{Start: to.AddDate(0, 0, -9), End: to.AddDate(0, 0, -7), Rate: f(50), Succeeded: 1, Failed: 1},
		{Start: to.AddDate(0, 0, -7), End: to, Rate: f(100), Succeeded: 3}}, 98, period)
	if s.Categories[0] != "Feb 20 (2d)\n1/2" || s.Categories[1] != "Feb 22\n3/3" || s.Series[0].Y[0] != 50 {
		t.Errorf("weeks %q %v", s.Categories, s.Series[0].Y)
	}
	// values in the chosen units
	s, _ = RPOByTierSpec(tiers, period)
	if len(s.Categories) != 1 || s.Series[0].Y[0] != 1 || s.Series[1].Y[0] != 2 || s.Series[2].Y[0] != 1 || !strings.Contains(s.Categories[0], "1/2 met") {
		t.Errorf("rpo spec %+v", s)
	}
	s, _ = DrillRTOSpec(drills, period)
	if s.Series[0].Y[0] != 1.5 || s.Series[1].Y[1] != 5 || !strings.Contains(s.Categories[1], "FAIL") || !strings.Contains(s.Categories[0], "vol1") {
		t.Errorf("drill spec %+v", s)
	}
	s, _ = LagSpec(lag, period)
	if s.Series[0].Y[1] != 90 || s.Refs[0].Y != 60 || s.Refs[0].Name != "RPO 1h" {
		t.Errorf("lag spec %+v", s)
	}
}

func TestNoEmptyCharts(t *testing.T) {
	tests := []struct {
		name string
		err  func() error
	}{
		{"one week", func() error {
			_, err := SuccessRateSpec([]analysis.WeekRate{{Start: to, Rate: f(100), Succeeded: 1}, {Start: to}}, 98, period)
			return err
		}},
		{"no measured tier", func() error {
			_, err := RPOByTierSpec([]analysis.TierRPO{{Tier: 1, Entities: 1, NoRecoveryPoint: 1}}, period)
			return err
		}},
		{"no drill", func() error { _, err := DrillRTOSpec(nil, period); return err }},
		{"one lag day", func() error {
			_, err := LagSpec([]analysis.LagSeries{{Points: []analysis.LagPoint{{Time: to, LagSeconds: 1}}}}, period)
			return err
		}},
		{"no forecast trend", func() error {
			_, err := ForecastSpec(analysis.CapacityForecast{Reason: "only 2 daily samples"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			var nd *NoData
			if !errors.As(err, &nd) || nd.Reason == "" || nd.Chart == "" {
				t.Fatalf("want NoData with a reason, got %v", err)
			}
		})
	}
}

// A 40-point chart stays under 60 KB (a size limit, not a timing).
func TestFortyPointsUnder60KB(t *testing.T) {
	var a, b analysis.LagSeries
	a.Name, b.Name, a.RPOSeconds = "svm1:db -> svm2:db_dst", "svm1:logs -> svm2:logs_dst", 3600
	for i := range 20 {
		day := to.AddDate(0, 0, -20+i)
		a.Points = append(a.Points, analysis.LagPoint{Time: day, LagSeconds: 1800 + 900*math.Sin(float64(i))})
		b.Points = append(b.Points, analysis.LagPoint{Time: day, LagSeconds: 2400 + 60*float64(i)})
	}
	s, err := LagSpec([]analysis.LagSeries{a, b}, period)
	if err != nil {
		t.Fatal(err)
	}
	if s.Points() != 40 {
		t.Fatalf("%d points", s.Points())
	}
	png, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := decode(t, png); n >= 60_000 {
		t.Errorf("40-point chart is %d bytes, want < 60000", n)
	} else {
		t.Logf("40-point chart: %d bytes", n)
	}
	weeks := make([]analysis.WeekRate, 40)
	for i := range weeks {
		weeks[i] = analysis.WeekRate{Start: to.AddDate(0, 0, 7*(i-40)), Succeeded: 9, Failed: i % 3, Rate: f(100 * 9 / float64(9+i%3))}
	}
	png, err = SuccessRate(weeks, 98, analysis.LastDays(to, 280))
	if err != nil {
		t.Fatal(err)
	}
	if n := decode(t, png); n >= 60_000 {
		t.Errorf("40-bar chart is %d bytes, want < 60000", n)
	}
}

func TestForecastSpec(t *testing.T) {
	days := 12.5
	fc := analysis.CapacityForecast{Entity: analysis.EntityRef{Name: "vol1"}, ThresholdBytes: 90 << 30, ThresholdPercent: 90, WindowDays: 14, R2: 0.97,
		DaysToThreshold: &days, BandPercent: 80}
	for i := range 15 {
		fc.History = append(fc.History, analysis.ForecastPoint{Time: to.AddDate(0, 0, i-14), Bytes: float64(50+i) * (1 << 30)})
	}
	for i := range 30 {
		fc.Trend = append(fc.Trend, analysis.ForecastPoint{Time: to.AddDate(0, 0, i-14), Bytes: float64(50+i) * (1 << 30)})
	}
	for i := range 16 {
		fc.Band = append(fc.Band, analysis.BandPoint{Time: to.AddDate(0, 0, i), Lo: float64(64+i-i/2) * (1 << 30), Hi: float64(64+i+i/2) * (1 << 30)})
	}
	s, err := ForecastSpec(fc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Title, "vol1 (GiB)") || !strings.Contains(s.Title, "12.5 days to 90%") || s.Band == nil || len(s.Refs) != 1 || s.Refs[0].Y != 90 ||
		!strings.Contains(s.Period, "R² 0.97") || s.Series[0].Y[0] != 50 {
		t.Errorf("spec %+v", s)
	}
	b, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
}

// BenchmarkRender: one 40-point line chart, spec to PNG bytes.
func BenchmarkRender(b *testing.B) {
	var a analysis.LagSeries
	a.Name, a.RPOSeconds = "svm1:db -> svm2:db_dst", 3600
	for i := range 40 {
		a.Points = append(a.Points, analysis.LagPoint{Time: to.AddDate(0, 0, -40+i), LagSeconds: 1800 + 900*math.Sin(float64(i))})
	}
	s, err := LagSpec([]analysis.LagSeries{a}, period)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		png, err := Render(s)
		if err != nil {
			b.Fatal(err)
		}
		n = len(png)
	}
	b.ReportMetric(float64(n), "bytes")
}
