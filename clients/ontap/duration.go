package ontap

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ISODuration is an ISO-8601 duration as ONTAP writes it (lag_time,
// total_duration, interval, retention periods): "PT8H35M42S", "P2DT3H",
// "P30D".
type ISODuration string

// Duration parses d (years count as 365 days, months as 30); "" is zero.
func (d ISODuration) Duration() (time.Duration, error) {
	if d == "" {
		return 0, nil
	}
	return ParseISODuration(string(d))
}

// ParseISODuration reads P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]; a bare
// trailing T ("P2DT", as in ONTAP's query examples) is accepted. A value
// beyond the range of time.Duration (about 292 years) is an error.
func ParseISODuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("ontap: invalid ISO-8601 duration %q", clipQuoted(s))
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return 0, bad
	}
	var total int64 // nanoseconds
	inTime, units := false, 0
	rest := s[1:]
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return 0, bad
			}
			inTime = true
			rest = rest[1:]
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.' || rest[i] == ',') {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, bad
		}
		var unit int64
		switch r := rest[i]; {
		case !inTime && r == 'Y':
			unit = 365 * 86400
		case !inTime && r == 'M':
			unit = 30 * 86400
		case !inTime && r == 'W':
			unit = 7 * 86400
		case !inTime && r == 'D':
			unit = 86400
		case inTime && r == 'H':
			unit = 3600
		case inTime && r == 'M':
			unit = 60
		case inTime && r == 'S':
			unit = 1
		default:
			return 0, bad
		}
		add, ok := scaled(strings.Replace(rest[:i], ",", ".", 1), unit*int64(time.Second))
		if !ok {
			return 0, bad
		}
		if total > math.MaxInt64-add {
			return 0, fmt.Errorf("ontap: ISO-8601 duration %q is out of range", clipQuoted(s))
		}
		total += add
		units++
		rest = rest[i+1:]
	}
	if units == 0 && !inTime {
		return 0, bad
	}
	d := time.Duration(total)
	if neg {
		d = -d
	}
	return d, nil
}

// scaled returns the decimal num ("12", "1.5", ".25") times unit, exactly
// for the whole part (a float would be off by hundreds of nanoseconds at
// ONTAP's lag times of years) and rounded for the fraction; false when num
// is malformed or the product overflows an int64.
func scaled(num string, unit int64) (int64, bool) {
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" && frac == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	var w int64
	if whole != "" {
		var err error
		if w, err = strconv.ParseInt(whole, 10, 64); err != nil || w > math.MaxInt64/unit {
			return 0, false
		}
	}
	out := w * unit
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return 0, false
		}
		part := int64(math.Round(f * float64(unit))) // 0 <= part <= unit
		if out > math.MaxInt64-part {
			return 0, false
		}
		out += part
	}
	return out, true
}

// clipQuoted shortens s for an error message.
func clipQuoted(s string) string {
	if len(s) > 64 {
		return clip(s, 64)
	}
	return s
}

// FormatISODuration writes d as ONTAP does: days, hours, minutes and whole
// seconds ("P1DT2H3M4S", "PT45S", "PT0S").
func FormatISODuration(d time.Duration) ISODuration {
	var b strings.Builder
	secs := int64(d / time.Second) // whole seconds, toward zero
	if secs < 0 {
		b.WriteString("-")
		secs = -secs // cannot overflow: |MinInt64 / 1e9| fits
	}
	days := secs / 86400
	secs %= 86400
	h, m, s := secs/3600, secs%3600/60, secs%60
	b.WriteString("P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h > 0 || m > 0 || s > 0 || days == 0 {
		b.WriteString("T")
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s > 0 || (h == 0 && m == 0) {
			fmt.Fprintf(&b, "%dS", s)
		}
	}
	return ISODuration(b.String())
}
