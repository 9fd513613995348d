// Package charts renders the PNG charts tools return beside their
// structured content: backup success rate per week, RPO achieved against
// target per tier, drill RTO against target, replication lag over time and
// the days-to-full capacity forecast with its band.
//
// Each chart is two steps: a pure XxxSpec function turns engine results
// (internal/analysis) into a Spec — title with units, the period, axes,
// series, targets — or a *NoData error saying why there is nothing worth
// drawing (no empty charts); Render draws a Spec as a PNG. Xxx does both.
//
// # Design decisions
//
//   - gonum.org/v1/plot (maintained, pure Go, served by the module proxy),
//     rendered by vgimg at 800x450 pixels: readable at chat width.
//   - Okabe–Ito palette, distinguishable with the common colour-vision
//     deficiencies; targets are dashed black lines, so they never depend
//     on colour.
//   - Every title names the quantity and its unit; the second title line
//     is the period (label and dates), so a chart pasted elsewhere still
//     says what it covers.
//   - Durations are drawn in the unit that suits their size (seconds,
//     minutes, hours or days) and the axis says which.
//   - Small: the drawing is mapped onto a fixed palette of about 50
//     colours (flat fills plus anti-aliasing steps) and PNG-encoded at the
//     default level: a 40-point chart is about 14 KB, well under the 60 KB
//     limit (tested), drawn in about 50 ms (BenchmarkRender; the best
//     compression level saved 7 % for 4x the time).
//   - A trend needs at least two points in time; a distribution at least
//     one measured value. Otherwise the chart is not drawn and NoData says
//     why, for the tool to put in its answer instead.
package charts

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of every chart, in pixels.
const (
	Width  = 800
	Height = 450
	dpi    = 96
)

// Palette is Okabe–Ito without black (kept for targets) and yellow (too
// light on white).
var Palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
}

// Kind of chart.
type Kind string

// Kinds.
const (
	Bars  Kind = "bars"  // categories on X, one bar per series per category
	Lines Kind = "lines" // time on X
)

// Spec is what a chart shows.
type Spec struct {
	Kind Kind `json:"kind"`
	// Title names the quantity and unit; Period is the second title line.
	Title  string `json:"title"`
	Period string `json:"period"`
	XLabel string `json:"x_label"`
	YLabel string `json:"y_label"`
	// Categories label the bars (Kind Bars).
	Categories []string `json:"categories,omitempty"`
	Series     []Series `json:"series"`
	// Band is a shaded range (a forecast's band; Kind Lines).
	Band *Band `json:"band,omitempty"`
	// Refs are horizontal target lines.
	Refs []Ref `json:"refs,omitempty"`
	// YMin/YMax fix the Y range when set (both 0: automatic from 0).
	YMin, YMax float64 `json:"-"`
}

// Points counts the data points drawn.
func (s Spec) Points() int {
	n := 0
	for _, se := range s.Series {
		n += len(se.Y)
	}
	return n
}

// Series is one named sequence: Y per category (Bars) or per X time
// (Lines). NaN is no value.
type Series struct {
	Name   string      `json:"name"`
	X      []time.Time `json:"x,omitempty"`
	Y      []float64   `json:"y"`
	Dashed bool        `json:"dashed,omitempty"`
}

// Band is a shaded range between Lo and Hi over X.
type Band struct {
	Name string      `json:"name"`
	X    []time.Time `json:"x"`
	Lo   []float64   `json:"lo"`
	Hi   []float64   `json:"hi"`
}

// Ref is a horizontal reference line (a target).
type Ref struct {
	Name string  `json:"name"`
	Y    float64 `json:"y"`
}

// NoData says why a chart was not drawn.
type NoData struct {
	Chart  string
	Reason string
}

func (e *NoData) Error() string { return e.Chart + ": no chart: " + e.Reason }

// Render draws s as an 800x450 PNG.
func Render(s Spec) ([]byte, error) {
	p := plot.New()
	p.Title.Text = s.Title
	if s.Period != "" {
		p.Title.Text += "\n" + s.Period
	}
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text, p.Y.Label.Text = s.XLabel, s.YLabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(8)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Add(plotter.NewGrid())
	switch s.Kind {
	case Bars:
		if err := bars(p, s); err != nil {
			return nil, fmt.Errorf("chart %q: %w", s.Title, err)
		}
	case Lines:
		if err := lines(p, s); err != nil {
			return nil, fmt.Errorf("chart %q: %w", s.Title, err)
		}
	default:
		return nil, fmt.Errorf("chart %q: unknown kind %q", s.Title, s.Kind)
	}
	if s.YMin != 0 || s.YMax != 0 {
		p.Y.Min, p.Y.Max = s.YMin, s.YMax
	} else {
		p.Y.Min = min(p.Y.Min, 0)
		// room above the data for the legend
		p.Y.Max = p.Y.Max + (p.Y.Max-p.Y.Min)*0.08*float64(legendLen(s)+1)
	}
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(Width)*vg.Inch/dpi, vg.Length(Height)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	p.Draw(vgdraw.New(c))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, paletted(c.Image())); err != nil {
		return nil, fmt.Errorf("chart %q: encode PNG: %w", s.Title, err)
	}
	return buf.Bytes(), nil
}

func legendLen(s Spec) int {
	n := len(s.Series) + len(s.Refs)
	if s.Band != nil {
		n++
	}
	return n
}

func colour(i int) color.RGBA { return Palette[i%len(Palette)] }

func bars(p *plot.Plot, s Spec) error {
	n := len(s.Series)
	if n == 0 || len(s.Categories) == 0 {
		return fmt.Errorf("no series or categories")
	}
	// Bars share 70 % of each category's width.
	slot := vg.Length(float64(Width)*0.6/float64(len(s.Categories))) * vg.Inch / dpi
	w := slot / vg.Length(n)
	w = min(w, vg.Points(40))
	for i, se := range s.Series {
		vals := make(plotter.Values, len(s.Categories))
		for k := range vals {
			if k < len(se.Y) && !math.IsNaN(se.Y[k]) {
				vals[k] = se.Y[k]
			}
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		b.Color = colour(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(n-1)/2)
		p.Add(b)
		if n > 1 || se.Name != "" {
			p.Legend.Add(se.Name, b)
		}
	}
	p.NominalX(s.Categories...)
	p.X.Min, p.X.Max = -0.6, float64(len(s.Categories))-0.4
	return refs(p, s, -0.5, float64(len(s.Categories))-0.5)
}

func refs(p *plot.Plot, s Spec, x0, x1 float64) error {
	for i, r := range s.Refs {
		l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: r.Y}, {X: x1, Y: r.Y}})
		if err != nil {
			return err
		}
		l.Color = color.Black
		l.Width = vg.Points(1.5)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3 + float64(i)*2)}
		p.Add(l)
		p.Legend.Add(r.Name, l)
	}
	return nil
}

func unix(t time.Time) float64 { return float64(t.Unix()) }

func lines(p *plot.Plot, s Spec) error {
	var x0, x1 float64 = math.Inf(1), math.Inf(-1)
	span := func(ts []time.Time) {
		for _, t := range ts {
			x0, x1 = math.Min(x0, unix(t)), math.Max(x1, unix(t))
		}
	}
	if b := s.Band; b != nil && len(b.X) > 1 {
		span(b.X)
		pts := make(plotter.XYs, 0, 2*len(b.X))
		for i := range b.X {
			pts = append(pts, plotter.XY{X: unix(b.X[i]), Y: b.Lo[i]})
		}
		for i := len(b.X) - 1; i >= 0; i-- {
			pts = append(pts, plotter.XY{X: unix(b.X[i]), Y: b.Hi[i]})
		}
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return err
		}
		poly.Color = color.RGBA{0x56, 0xB4, 0xE9, 0x55} // sky blue, translucent
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(b.Name, poly)
	}
	for i, se := range s.Series {
		span(se.X)
		var pts plotter.XYs
		for k := range se.X {
			if k < len(se.Y) && !math.IsNaN(se.Y[k]) {
				pts = append(pts, plotter.XY{X: unix(se.X[k]), Y: se.Y[k]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color, sc.Color = colour(i), colour(i)
		l.Width = vg.Points(2)
		sc.Radius = vg.Points(2)
		if se.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			sc.Radius = 0
		}
		p.Add(l, sc)
		p.Legend.Add(se.Name, l)
	}
	if math.IsInf(x0, 0) {
		return fmt.Errorf("no points")
	}
	format := "Jan 02"
	if x1-x0 < 2*86400 {
		format = "Jan 02 15:04"
	}
	p.X.Tick.Marker = plot.TimeTicks{Format: format, Time: func(t float64) time.Time { return time.Unix(int64(t), 0).UTC() }}
	return refs(p, s, x0, x1)
}

// DurationUnit picks the unit to draw durations up to maxSeconds in:
// its name and how many seconds one unit is.
func DurationUnit(maxSeconds float64) (string, float64) {
	switch {
	case maxSeconds < 120:
		return "seconds", 1
	case maxSeconds < 2*3600:
		return "minutes", 60
	case maxSeconds < 3*86400:
		return "hours", 3600
	}
	return "days", 86400
}

// paletted maps the drawing onto a small fixed palette: white, and
// black, the grid grey, the band colour and every palette colour each
// blended with white in 8 steps (anti-aliased edges land on the nearest
// step). Flat colours then compress to a fraction of RGBA's bytes.
func paletted(img image.Image) image.Image {
	bases := []color.RGBA{{0, 0, 0, 0xFF}, {0xC0, 0xC0, 0xC0, 0xFF}, {0xC6, 0xE5, 0xF7, 0xFF}}
	bases = append(bases, Palette...)
	pal := color.Palette{color.White}
	for _, c := range bases {
		for k := 1; k <= 8; k++ {
			mix := func(v uint8) uint8 { return uint8((int(v)*k + 0xFF*(8-k)) / 8) }
			pal = append(pal, color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xFF})
		}
	}
	out := image.NewPaletted(img.Bounds(), pal)
	rgba, ok := img.(*image.RGBA)
	if !ok {
		draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
		return out
	}
	// A chart has few distinct colours: look each up once.
	cache := map[uint32]uint8{}
	b := rgba.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			o := rgba.PixOffset(x, y)
			px := rgba.Pix[o : o+4 : o+4]
			key := uint32(px[0])<<24 | uint32(px[1])<<16 | uint32(px[2])<<8 | uint32(px[3])
			i, ok := cache[key]
			if !ok {
				i = uint8(pal.Index(color.RGBA{px[0], px[1], px[2], px[3]}))
				cache[key] = i
			}
			out.Pix[out.PixOffset(x, y)] = i
		}
	}
	return out
}
