package ontap

import (
	"fmt"
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
// trailing T ("P2DT", as in ONTAP's query examples) is accepted.
func ParseISODuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("ontap: invalid ISO-8601 duration %q", s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return 0, bad
	}
	var total float64
	inTime, num, units := false, "", 0
	for _, r := range s[1:] {
		switch {
		case r == 'T':
			if inTime || num != "" {
				return 0, bad
			}
			inTime = true
		case r >= '0' && r <= '9', r == '.', r == ',':
			if r == ',' {
				r = '.'
			}
			num += string(r)
		default:
			if num == "" {
				return 0, bad
			}
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad
			}
			num = ""
			var unit float64
			switch {
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
			total += n * unit
			units++
		}
	}
	if num != "" || (units == 0 && !inTime) {
		return 0, bad
	}
	d := time.Duration(total * float64(time.Second))
	if neg {
		d = -d
	}
	return d, nil
}

// FormatISODuration writes d as ONTAP does: days, hours, minutes and whole
// seconds ("P1DT2H3M4S", "PT45S", "PT0S").
func FormatISODuration(d time.Duration) ISODuration {
	var b strings.Builder
	if d < 0 {
		b.WriteString("-")
		d = -d
	}
	secs := int64(d / time.Second)
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
