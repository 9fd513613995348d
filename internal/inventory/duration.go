package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that renders for people and machines alike:
// JSON {"seconds": 12000, "human": "3h20m"}; text "3h20m". It parses from JSON
// as that object, a number of seconds or a duration string, and from text
// (YAML) with ParseDuration.
type Duration time.Duration

// Common durations.
const (
	Day  = Duration(24 * time.Hour)
	Week = 7 * Day
)

// Days returns n days (saturated to the representable range, see Seconds).
func Days(n float64) Duration { return saturate(n * float64(Day)) }

// Seconds returns n seconds. Out-of-range values saturate at the longest
// representable duration (about 292 years) and NaN gives 0: converting such
// a float to an integer is undefined in Go and gave a negative duration.
func Seconds(n float64) Duration { return saturate(n * float64(time.Second)) }

// maxNanos is 2^63 as a float64: float64(math.MaxInt64) rounds up to it, so
// any float64 nanosecond count >= maxNanos (or <= -maxNanos) does not fit.
const maxNanos = float64(1 << 63)

func saturate(ns float64) Duration {
	switch {
	case math.IsNaN(ns):
		return 0
	case ns >= maxNanos:
		return Duration(math.MaxInt64)
	case ns <= -maxNanos:
		return Duration(math.MinInt64)
	}
	return Duration(ns)
}

// fromNanos converts a parsed nanosecond count, refusing what does not fit
// instead of wrapping or saturating silently.
func fromNanos(ns float64) (Duration, error) {
	if math.IsNaN(ns) || math.IsInf(ns, 0) || ns >= maxNanos || ns <= -maxNanos {
		return 0, errors.New("out of range (at most about 292 years)")
	}
	return Duration(ns), nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Seconds returns the duration in seconds.
func (d Duration) Seconds() float64 { return time.Duration(d).Seconds() }

// Days returns the duration in days.
func (d Duration) Days() float64 { return float64(d) / float64(Day) }

// String returns the human form (see Human).
func (d Duration) String() string { return d.Human() }

// Human returns a short form with the two most significant units, rounded:
// "3h20m", "2d4h", "45s", "0s". Weeks are shown as days.
func (d Duration) Human() string { return Human(time.Duration(d)) }

// Human formats d as Duration.Human does.
func Human(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	sign := ""
	if d < 0 {
		sign = "-"
		if d == math.MinInt64 {
			d = math.MaxInt64
		} else {
			d = -d
		}
	}
	if d < time.Second {
		// Rounded like the larger units (and like MarshalJSON's seconds),
		// so the text and JSON forms of one duration read back alike.
		switch ms := (d + time.Millisecond/2) / time.Millisecond; {
		case ms == 0:
			return "0s"
		case ms == 1000:
			return sign + "1s"
		default:
			return sign + strconv.FormatInt(int64(ms), 10) + "ms"
		}
	}
	type unit struct {
		d    time.Duration
		name string
	}
	units := []unit{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.d {
			continue
		}
		if i+1 < len(units) {
			next := units[i+1]
			if d <= math.MaxInt64-next.d/2 {
				d += next.d / 2 // round to the second unit (unless that overflows)
			}
			d = d / next.d * next.d
			if i > 0 && d >= units[i-1].d {
				return sign + Human(d) // rounding carried into the larger unit
			}
			major := d / u.d
			minor := (d % u.d) / next.d
			if minor == 0 {
				return sign + strconv.FormatInt(int64(major), 10) + u.name
			}
			return sign + strconv.FormatInt(int64(major), 10) + u.name + strconv.FormatInt(int64(minor), 10) + next.name
		}
		// Seconds alone: rounded too (59.6s is 1m).
		if d <= math.MaxInt64-u.d/2 {
			d += u.d / 2
		}
		if d >= units[i-1].d {
			return sign + Human(d/u.d*u.d)
		}
		return sign + strconv.FormatInt(int64(d/u.d), 10) + u.name
	}
	return sign + "0s"
}

type durationJSON struct {
	Seconds float64 `json:"seconds"`
	Human   string  `json:"human"`
}

// MarshalJSON renders {"seconds": n, "human": "..."}; seconds are whole
// unless the duration is shorter than a minute.
func (d Duration) MarshalJSON() ([]byte, error) {
	s := d.Seconds()
	if math.Abs(s) >= 60 {
		if r := math.Round(s); math.Abs(r)*float64(time.Second) < maxNanos {
			s = r
		} else {
			s = math.Trunc(s) // rounding up would leave the range UnmarshalJSON accepts
		}
	} else {
		s = math.Round(s*1000) / 1000
	}
	// The human form is that of the seconds written, not of d: rounding d
	// to seconds and then to minutes can differ from rounding it to minutes
	// once (8009.7 s is 2h13m, 8010 s is 2h14m), and the JSON must read back
	// and render as itself.
	return json.Marshal(durationJSON{Seconds: s, Human: Duration(time.Duration(math.Round(s * float64(time.Second)))).Human()})
}

// UnmarshalJSON accepts {"seconds": n}, a number of seconds, or a string
// ParseDuration understands.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '{':
		var v durationJSON
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		x, err := fromNanos(v.Seconds * float64(time.Second))
		if err != nil {
			return fmt.Errorf("duration: %v seconds: %w", v.Seconds, err)
		}
		*d = x
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return d.UnmarshalText([]byte(s))
	default:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		x, err := fromNanos(f * float64(time.Second))
		if err != nil {
			return fmt.Errorf("duration: %s seconds: %w", b, err)
		}
		*d = x
		return nil
	}
}

// MarshalText renders the human form, which ParseDuration reads back (to the
// precision shown).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Human()), nil }

// UnmarshalText parses with ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration parses:
//   - Go durations extended with d (24h) and w (7d) units: "90d", "1d12h",
//     "1h30m", "500ms", "-2h";
//   - a plain number of seconds: "3600", "1.5";
//   - ISO 8601 durations as ONTAP reports them: "P30D", "PT1H30M", "P1DT2H",
//     "P2W"; years and months are taken as 365 and 30 days.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("duration: empty")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if err != nil || !isDecimal(s) {
			// "NaN", "Inf", hex floats and 1e999 parse as floats but are
			// not a number of seconds anyone means.
			return 0, fmt.Errorf("duration %q: want a number of seconds, a duration such as 90d or 1h30m, or ISO 8601 such as P30D", s)
		}
		d, err := fromNanos(f * float64(time.Second))
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		return d, nil
	}
	body, neg := s, false
	if body[0] == '-' || body[0] == '+' {
		neg = body[0] == '-'
		body = body[1:]
	}
	if body != "" && (body[0] == 'P' || body[0] == 'p') {
		d, err := parseISO(body[1:])
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		if neg {
			d = -d
		}
		return d, nil
	}
	d, err := parseUnits(body)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", s, err)
	}
	if neg {
		d = -d
	}
	return d, nil
}

func parseUnits(s string) (Duration, error) {
	if s == "" {
		return 0, errors.New("no value")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, errors.New("expected a number")
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, err
		}
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		var unit float64
		switch s[:j] {
		case "w":
			unit = float64(Week)
		case "d":
			unit = float64(Day)
		case "h":
			unit = float64(time.Hour)
		case "m":
			unit = float64(time.Minute)
		case "s":
			unit = float64(time.Second)
		case "ms":
			unit = float64(time.Millisecond)
		case "us", "µs":
			unit = float64(time.Microsecond)
		case "ns":
			unit = 1
		case "":
			return 0, errors.New("missing unit")
		default:
			return 0, fmt.Errorf("unknown unit %q", s[:j])
		}
		total += n * unit
		s = s[j:]
	}
	return fromNanos(total)
}

func parseISO(s string) (Duration, error) {
	if s == "" {
		return 0, errors.New("no value")
	}
	var total float64
	inTime := false
	for s != "" {
		if s[0] == 'T' || s[0] == 't' {
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, errors.New("malformed ISO 8601 duration")
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(s[:i], ",", "."), 64)
		if err != nil {
			return 0, err
		}
		var unit float64
		switch c := s[i] | 0x20; {
		case c == 'y' && !inTime:
			unit = 365 * float64(Day)
		case c == 'm' && !inTime:
			unit = 30 * float64(Day)
		case c == 'w' && !inTime:
			unit = float64(Week)
		case c == 'd' && !inTime:
			unit = float64(Day)
		case c == 'h' && inTime:
			unit = float64(time.Hour)
		case c == 'm' && inTime:
			unit = float64(time.Minute)
		case c == 's' && inTime:
			unit = float64(time.Second)
		default:
			return 0, fmt.Errorf("unexpected designator %q", s[i])
		}
		total += n * unit
		s = s[i+1:]
	}
	return fromNanos(total)
}

// isDecimal reports whether s is a plain decimal number: an optional sign,
// digits with at most one '.', and an optional exponent.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if hasExp {
		if exp != "" && (exp[0] == '-' || exp[0] == '+') {
			exp = exp[1:]
		}
		if exp == "" || strings.Trim(exp, "0123456789") != "" {
			return false
		}
	}
	digits := strings.Replace(mant, ".", "", 1)
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}
