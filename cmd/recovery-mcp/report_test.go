package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportComplianceCommand writes reports of the demo estate in both
// formats, picks the format from the flag or the extension, and refuses
// what it cannot do.
func TestReportComplianceCommand(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	// A run recorded in the state file (this process only records it;
	// a serving process would execute it) shows in the report.
	if out, err := run(t, "call", "workflow_start", "--demo", "--state-file", state, "--log-level", "error",
		"--args", `{"kind":"recovery_testing","wait_s":1,"params":{"target":"ontap-prod","volume":"vol_fin_share"}}`); err != nil {
		t.Fatalf("workflow_start: %v: %s", err, out)
	}
	cases := []struct {
		name   string
		args   []string
		file   string // written report, "" for standard output
		want   []string
		errors string
	}{
		{"html by extension", []string{"--framework", "sox", "--out", filepath.Join(dir, "sox.html")}, "sox.html",
			[]string{"<!DOCTYPE html>", "SOX backup compliance report", `id="sox.protected"`, "Recovery drills", `<img alt="Backup success rate per week (%)" src="data:image/png;base64,`}, ""},
		{"markdown to standard output, runs from the state file", []string{"--framework", "3-2-1-1-0", "--period", "30d", "--state-file", state, "--format", "md", "--out", "-"}, "",
			[]string{"# 3-2-1-1-0 backup compliance report", "Period 30d", "recovery_testing (volume) | ontap-prod:vol_fin_share | running", "## Change audit", "Charts: written beside"}, ""},
		{"markdown by extension, charts beside", []string{"--framework", "gdpr", "--out", filepath.Join(dir, "gdpr.md")}, "gdpr.md",
			[]string{"# GDPR backup compliance report", "## Success metrics", "](gdpr.backup_success_per_week.png)"}, ""},
		{"unknown framework", []string{"--framework", "pci", "--out", filepath.Join(dir, "x.md")}, "", nil, "unknown framework"},
		{"format unknown", []string{"--framework", "sox", "--out", filepath.Join(dir, "x.pdf")}, "", nil, "cannot tell the format"},
		{"bad period", []string{"--framework", "sox", "--period", "soon", "--out", filepath.Join(dir, "x.md")}, "", nil, "period"},
		{"no output", []string{"--framework", "sox"}, "", nil, "--out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"report", "compliance", "--demo", "--log-level", "error"}, c.args...)
			out, err := run(t, args...)
			if c.errors != "" {
				if err == nil || !strings.Contains(err.Error(), c.errors) {
					t.Fatalf("error %v, want %q", err, c.errors)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			got := out
			if c.file != "" {
				b, err := os.ReadFile(filepath.Join(dir, c.file))
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			for _, w := range c.want {
				if png, ok := strings.CutPrefix(w, "]("); ok {
					if b, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(png, ")"))); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
						t.Errorf("chart %s not written beside the report: %v", png, err)
					}
				}
				if !strings.Contains(got, w) {
					t.Errorf("report lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
