package inventory

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzParseDuration: durations come from config files (analysis rules),
// ONTAP answers (ISO 8601) and JSON. Whatever the text, parsing never
// panics, never turns a positive input negative (a float that does not fit
// an int64 used to wrap), and what it yields survives its own text and JSON
// forms.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"90d", "1d12h", "2w", "1h30m", "500ms", "-2h", "+3h", "3600", "1.5", "P30D", "PT1H30M", "P1DT2H",
		"P1Y2M3W4DT5H6M7.5S", "PT0,5S", "-P1D", "106751d", "106752d", "1e300", "NaN", "Inf", "-Inf",
		"0x10", "1e999", "9223372036.854775807", "15250w", "P999999999Y", "1µs", "5us", "7ns", "",
		" 12h ", "1.2.3h", "P", "PT", "h", "1x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseDuration(%q): empty error", s)
			}
			return
		}
		trimmed := strings.TrimSpace(s)
		if strings.HasPrefix(trimmed, "-") {
			if d > 0 {
				t.Fatalf("ParseDuration(%q) = %v, positive for a negative input", s, d.D())
			}
		} else if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative for a positive input", s, d.D())
		}
		// Text: the human form parses back to itself (it is rounded, so
		// compare forms, not values).
		h := d.Human()
		d2, err := ParseDuration(h)
		if err != nil {
			t.Fatalf("ParseDuration(%q) = %v, whose human form %q does not parse: %v", s, d.D(), h, err)
		}
		if d2.Human() != h {
			t.Fatalf("ParseDuration(%q): human %q reads back as %q", s, h, d2.Human())
		}
		// JSON: {"seconds","human"} reads back to within the rounding of
		// seconds, and then renders identically.
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal %v: %v", d.D(), err)
		}
		var d3 Duration
		if err := json.Unmarshal(raw, &d3); err != nil {
			t.Fatalf("%s does not unmarshal: %v", raw, err)
		}
		if diff := d3 - d; diff > Duration(time.Second) || diff < -Duration(time.Second) {
			t.Fatalf("ParseDuration(%q) = %v: JSON %s reads back as %v", s, d.D(), raw, d3.D())
		}
		if raw3, _ := json.Marshal(d3); string(raw3) != string(raw) {
			t.Fatalf("ParseDuration(%q): JSON %s reads back and renders as %s", s, raw, raw3)
		}
	})
}

// FuzzDurationJSON: any JSON value either decodes into a duration of the
// right sign or is an error; nothing wraps around.
func FuzzDurationJSON(f *testing.F) {
	for _, s := range []string{
		`{"seconds":12000,"human":"3h20m"}`, `3600`, `-1.5`, `"90d"`, `"PT1H"`, `null`, `{"seconds":1e300}`,
		`1e300`, `-1e300`, `{"seconds":-9.3e9}`, `"1e300"`, `{}`, `[]`, `"`, `{"seconds":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Duration
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		var secs float64
		switch x := v.(type) {
		case float64:
			secs = x
		case map[string]any:
			secs, _ = x["seconds"].(float64)
		default:
			return
		}
		if (secs > 0 && d < 0) || (secs < 0 && d > 0) {
			t.Fatalf("%s decodes to %v", b, d.D())
		}
	})
}
