package kit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TimeArgHelp is the schema description fragment for time arguments.
const TimeArgHelp = "RFC 3339 time (2026-11-20T09:00:00Z), a date (2026-11-20), or a duration from now (36h, 7d, 2w)"

// ParseTime reads a time argument: RFC 3339, a date (midnight UTC), or a
// duration such as 36h, 7d or 2w counted from now, forward when future is
// true (expiration times) and backward otherwise (created_after). Models
// often do not know the current time; durations spare them the arithmetic.
//
// A time more than MaxHorizon ahead of now (an expiration of 99999d) is an
// error rather than a recovery point kept for centuries, and so is a
// duration longer than MaxHorizon either way.
func ParseTime(name, s string, now time.Time, future bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	if v, err := time.Parse(time.RFC3339, s); err == nil {
		t = v.UTC()
	} else if v, err := time.Parse("2006-01-02", s); err == nil {
		t = v.UTC()
	} else if d, ok := parseDuration(s); ok {
		if d > MaxHorizon {
			return time.Time{}, InvalidArgs(fmt.Sprintf("argument %s: %s is longer than %s; give at most 3650d", name, clip(s, 40), Human(MaxHorizon)))
		}
		if !future {
			d = -d
		}
		t = now.Add(d).UTC()
	} else {
		return time.Time{}, InvalidArgs(fmt.Sprintf("argument %s: %q is not a time; use an %s", name, clip(s, 40), TimeArgHelp))
	}
	if future && t.Sub(now) > MaxHorizon {
		return time.Time{}, InvalidArgs(fmt.Sprintf("argument %s: %s is more than 10 years ahead; give a time within 3650d of now", name, Time(t)))
	}
	return t, nil
}

// MaxHorizon bounds how far ahead a time argument may reach: 10 years,
// longer than any retention the vendors' policies offer.
const MaxHorizon = 3650 * 24 * time.Hour

func parseDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	unit := s[len(s)-1]
	if unit == 'd' || unit == 'w' {
		n, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false
		}
		if n > 1e5 { // beyond any horizon, and before float64 -> Duration overflows
			return math.MaxInt64, true
		}
		day := 24 * time.Hour
		if unit == 'w' {
			day *= 7
		}
		return time.Duration(n * float64(day)), true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// Time formats t as RFC 3339 UTC, "" for the zero time.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Duration is a span as seconds and a human form ("2d3h", "45m").
type Duration struct {
	Seconds int64  `json:"seconds"`
	Human   string `json:"human"`
}

// NewDuration describes d.
func NewDuration(d time.Duration) Duration {
	return Duration{Seconds: int64(d / time.Second), Human: Human(d)}
}

// Human renders d compactly in its two largest units.
func Human(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	units := []struct {
		n time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	var parts []string
	for _, u := range units {
		if d >= u.n || (u.s == "s" && len(parts) == 0) {
			parts = append(parts, fmt.Sprintf("%d%s", d/u.n, u.s))
			d %= u.n
		}
		if len(parts) == 2 {
			break
		}
	}
	out := strings.Join(parts, "")
	if neg {
		return "-" + out
	}
	return out
}
