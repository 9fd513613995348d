package inventory

import (
	"encoding/json"
	"testing"
	"time"
)

func TestHuman(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{500 * time.Millisecond, "500ms"},
		{45 * time.Second, "45s"},
		{90 * time.Second, "1m30s"},
		{3*time.Hour + 20*time.Minute, "3h20m"},
		{3*time.Hour + 20*time.Minute + 40*time.Second, "3h21m"},
		{time.Hour, "1h"},
		{50 * time.Hour, "2d2h"},
		{23*time.Hour + 59*time.Minute + 50*time.Second, "1d"},
		{-2 * time.Hour, "-2h"},
		{2555 * 24 * time.Hour, "2555d"},
	} {
		if got := Human(tc.d); got != tc.want {
			t.Errorf("Human(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"90d", 90 * 24 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"1h30m", 90 * time.Minute, false},
		{"500ms", 500 * time.Millisecond, false},
		{"-2h", -2 * time.Hour, false},
		{"3600", time.Hour, false},
		{"1.5", 1500 * time.Millisecond, false},
		{"P30D", 30 * 24 * time.Hour, false},
		{"PT1H30M", 90 * time.Minute, false},
		{"P1DT2H", 26 * time.Hour, false},
		{"P1Y", 365 * 24 * time.Hour, false},
		{"PT0.5S", 500 * time.Millisecond, false},
		{"", 0, true},
		{"P", 0, true},
		{"PT1D", 0, true},
		{"1x", 0, true},
		{"h", 0, true},
		{"10", 10 * time.Second, false},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{"0x10", 0, true},
		{"1e300", 0, true},
		{"1e3", 1000 * time.Second, false},
		{"106751d", 106751 * 24 * time.Hour, false},
		{"106752d", 0, true},
		{"P300Y", 0, true},
	} {
		got, err := ParseDuration(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseDuration(%q) err = %v, want err %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && got.D() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, got.D(), tc.want)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	d := Duration(3*time.Hour + 20*time.Minute)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"seconds":12000,"human":"3h20m"}` {
		t.Fatalf("got %s", b)
	}
	for _, in := range []string{`{"seconds":12000,"human":"x"}`, `12000`, `"3h20m"`, `"PT3H20M"`} {
		var got Duration
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got != d {
			t.Errorf("%s: got %v", in, got.D())
		}
	}
	var bad Duration
	if err := json.Unmarshal([]byte(`"soon"`), &bad); err == nil {
		t.Error("want error for \"soon\"")
	}
	txt, _ := Days(2).MarshalText()
	if string(txt) != "2d" {
		t.Errorf("text = %s", txt)
	}
}
