package analysis

import (
	"math"
	"slices"
)

// median returns the median of xs (0 for none). xs is not changed.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mad returns the median absolute deviation from m, and the mean absolute
// deviation from m.
func mad(xs []float64, m float64) (medAD, meanAD float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	d := make([]float64, len(xs))
	var sum float64
	for i, x := range xs {
		d[i] = math.Abs(x - m)
		sum += d[i]
	}
	return median(d), sum / float64(len(xs))
}

// percentile returns the p-th percentile (0..100) of xs by linear
// interpolation between closest ranks. xs is not changed.
func percentile(xs []float64, p float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n == 1 {
		return s[0]
	}
	pos := p / 100 * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return s[n-1]
	}
	if lo < 0 {
		return s[0]
	}
	frac := pos - float64(lo)
	return s[lo] + frac*(s[lo+1]-s[lo])
}

// fit is an ordinary least-squares line y = intercept + slope·x.
type fit struct {
	n         int
	slope     float64
	intercept float64
	r2        float64
}

// linearFit fits y on x: b = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², R² = 1 − SSres/SStot.
// With no spread in x the slope is 0; with no spread in y R² is 0 (no trend
// to explain).
func linearFit(xs, ys []float64) fit {
	n := len(xs)
	if n == 0 || n != len(ys) {
		return fit{}
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	f := fit{n: n, intercept: my}
	if sxx == 0 {
		return f
	}
	f.slope = sxy / sxx
	f.intercept = my - f.slope*mx
	if syy > 0 {
		ssres := syy - f.slope*sxy
		f.r2 = 1 - ssres/syy
		if f.r2 < 0 {
			f.r2 = 0
		}
		if f.r2 > 1 {
			f.r2 = 1
		}
	}
	return f
}

func (f fit) at(x float64) float64 { return f.intercept + f.slope*x }

// normCDF is Φ(x).
func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// logNormCDF is log Φ(x), accurate far into the lower tail.
func logNormCDF(x float64) float64 {
	if x > -30 {
		return math.Log(normCDF(x))
	}
	// Mills ratio asymptote: Φ(x) ≈ φ(x)/|x| · (1 − 1/x² + 3/x⁴).
	return -x*x/2 - math.Log(-x) - 0.5*math.Log(2*math.Pi) + math.Log1p(-1/(x*x)+3/(x*x*x*x))
}

// hitProbability is the probability that Brownian motion with drift mu and
// volatility sigma (per unit time) rises by a within time t:
// Φ((μt−a)/(σ√t)) + e^{2μa/σ²}·Φ((−a−μt)/(σ√t)) (Kumar & Chamness). With
// no volatility it is 1 when the drift covers a within t, else 0.
func hitProbability(mu, sigma, a, t float64) float64 {
	if a <= 0 {
		return 1
	}
	if t <= 0 {
		return 0
	}
	if sigma <= 0 {
		if mu*t >= a {
			return 1
		}
		return 0
	}
	st := sigma * math.Sqrt(t)
	p1 := normCDF((mu*t - a) / st)
	lg := 2*mu*a/(sigma*sigma) + logNormCDF((-a-mu*t)/st)
	p2 := 0.0
	if lg > -745 {
		p2 = math.Exp(math.Min(lg, 0))
	}
	p := p1 + p2
	if p > 1 {
		p = 1
	}
	if p < 0 || math.IsNaN(p) {
		p = 0
	}
	return p
}

// wilson returns the Wilson score interval of f failures in n trials at
// z (1.96 for 95 %): how far a small sample's rate can be trusted.
func wilson(f, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	p := float64(f) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	mid := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	return max(0, mid-half), min(1, mid+half)
}
