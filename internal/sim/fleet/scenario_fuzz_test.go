package fleet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// FuzzParseScenario: a scenario file is outside input (--scenario). Any
// bytes either load or give a ScenarioError that says where and what; a
// scenario that loads yields its options, and a small one that generates
// nothing builds (or refuses with a ScenarioError).
func FuzzParseScenario(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(samples, "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no sample scenarios: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "---\n", "generate: false", "generate: false\nnow: 2026-11-20T09:00:00Z\nseed: -1",
		"generate: {enabled: false, history_days: 7}\nprism_centrals: [{name: pc, clusters: [{name: c1}], vms: [{name: v, created: -2d}]}]",
		"generate: false\nontap_clusters: [{name: o, svms: [s], volumes: [{name: v, svm: s, size_gib: 1}]}]",
		"generate: false\nevents: [{kind: task, target: pc, at: -1e300h}]", "faults: [{latency: 106752d}]",
		"a: &a [*a]", "x: *y", "prism_centrals: &p [*p]", "seed: 1\nseed: 2", "generate: [1]", "\t", "{",
		"now: now", "generate: {vms: 99999999999999999999}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data, "fuzz.yaml")
		if err != nil {
			checkFuzzScenarioError(t, data, err)
			return
		}
		o, on := sc.Options()
		if on || len(data) > 2048 || o.HistoryDays > 30 {
			return // building a generated estate takes seconds, not fuzzing time
		}
		est, err := sc.Build()
		if err != nil {
			checkFuzzScenarioError(t, data, err)
			return
		}
		if est == nil {
			t.Fatalf("%q: Build returned neither an estate nor an error", data)
		}
	})
}

func checkFuzzScenarioError(t *testing.T, data []byte, err error) {
	t.Helper()
	var se *ScenarioError
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %T %v is not a ScenarioError", data, err, err)
	}
	if strings.TrimSpace(se.Msg) == "" || se.Line < 0 || se.File != "fuzz.yaml" {
		t.Fatalf("%q: error without a message or place: %+v", data, se)
	}
	if lines := strings.Count(string(data), "\n") + 1; se.Line > lines+1 {
		t.Fatalf("%q: error at line %d of %d: %v", data, se.Line, lines, err)
	}
}

// FuzzScenarioDuration: scenario durations and times keep their sign and
// refuse what does not fit a time.Duration (a float out of range used to
// wrap a "+3000000d" offset into the past).
func FuzzScenarioDuration(f *testing.F) {
	for _, s := range []string{"90s", "4h", "7d", "2w", "-26h", "+2h", "1.5h", "1h30m", "0", "-0", "500ms", "1µs", "106751d",
		"106752d", "1e300h", "99999999999999999999w", "h", "", "-", "3", "now", "2026-11-19T22:00:00Z", "2026-11-19"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil {
			in := strings.TrimSpace(s)
			if strings.HasPrefix(in, "-") && d > 0 || !strings.HasPrefix(in, "-") && d < 0 {
				t.Fatalf("ParseDuration(%q) = %v: sign lost", s, d)
			}
		}
		var ts TimeSpec
		if ts.UnmarshalYAML(scalar(s)) == nil && ts.Relative {
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			at := ts.Resolve(now, time.Time{})
			in := strings.TrimSpace(s)
			if strings.HasPrefix(in, "-") && at.After(now) || strings.HasPrefix(in, "+") && at.Before(now) {
				t.Fatalf("time %q resolves to %v, on the wrong side of %v", s, at, now)
			}
		}
	})
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: 1}
}

// TestScenarioAliasExpansion: a few kilobytes of nested YAML aliases
// describe 8 million values; loading stops with an error instead of
// building them.
func TestScenarioAliasExpansion(t *testing.T) {
	const n = 200
	ints := strings.Repeat("1,", n-1) + "1"
	vms := "&vm {name: v, disks_gib: [" + ints + "]}" + strings.Repeat(", *vm", n-1)
	doc := "generate: false\nprism_centrals:\n  - &pc {name: pc, vms: [" + vms + "]}\n" + strings.Repeat("  - *pc\n", n-1)
	if len(doc) > 20000 {
		t.Fatalf("the document is %d bytes", len(doc))
	}
	_, err := ParseScenario([]byte(doc), "bomb.yaml")
	var se *ScenarioError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "expands to more than") {
		t.Fatalf("got %v, want the expansion refused", err)
	}
}
