package analysis_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func findings(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	raw, _ := m["findings"].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func has(fs []map[string]any, check, entity, severity string) bool {
	for _, f := range fs {
		e := f["entity"].(map[string]any)
		if f["check"] == check && e["name"] == entity && (severity == "" || f["severity"] == severity) {
			return f["next_tool"] != nil && f["evidence"] != nil && f["recommendation"] != ""
		}
	}
	return false
}

// TestBackupHealthOnSmallEstate checks the small estate's known problems
// are found with evidence and a next step, and nothing healthy is critical.
func TestBackupHealthOnSmallEstate(t *testing.T) {
	e := testenv.Start(t)
	m := e.OK("backup_health", map[string]any{"limit": 100})
	fs := findings(t, m)
	for _, want := range []struct{ check, entity, severity string }{
		{"replication_lag", "vol_eng_src", "critical"},
		{"replication_unhealthy", "vol_eng_src", ""},
		{"snapshot_reserve", "vol_logs", ""},
		{"unprotected", "vol_archive", ""},
		{"unprotected", "jumpbox", ""},
	} {
		if !has(fs, want.check, want.entity, want.severity) {
			t.Errorf("no %s finding for %s (%s)", want.check, want.entity, want.severity)
		}
	}
	for _, f := range fs {
		name := f["entity"].(map[string]any)["name"]
		if f["severity"] == "critical" && (name == "app-01" || name == "vol_home") {
			t.Errorf("healthy %v flagged critical: %v", name, f["summary"])
		}
	}
	if score := m["score"].(float64); score <= 0 || score >= 90 {
		t.Errorf("score %v for an estate with critical findings", score)
	}
	md := testenv.Text(e.Call("backup_health", map[string]any{"format": "markdown", "min_severity": "high"}))
	if !strings.HasPrefix(md, "# Backup health: ") || !strings.Contains(md, "| critical | replication_lag |") || strings.Contains(md, "| low |") {
		t.Errorf("markdown report:\n%s", md)
	}
	scoped := findings(t, e.OK("backup_health", map[string]any{"target": "pc-prod"}))
	for _, f := range scoped {
		if tgt := f["entity"].(map[string]any)["target"]; tgt != "pc-prod" && tgt != nil {
			t.Errorf("target scope leaked %v", tgt)
		}
	}
	if msg := e.Err("backup_health", map[string]any{"target": "nope"}); !strings.Contains(msg, "unknown target") {
		t.Errorf("bad target: %s", msg)
	}
}

func TestAnalysisTools(t *testing.T) {
	e := testenv.Start(t)
	un := testenv.Items(t, e.OK("find_unprotected", map[string]any{}))
	names := map[string]bool{}
	for _, u := range un {
		names[u["name"].(string)] = true
	}
	if !names["vol_archive"] || !names["jumpbox"] || names["app-01"] {
		t.Errorf("find_unprotected: %v", names)
	}
	vms := testenv.Items(t, e.OK("find_unprotected", map[string]any{"kind": "vm"}))
	for _, u := range vms {
		if u["kind"] != "vm" {
			t.Errorf("kind filter: %v", u)
		}
	}

	pred := e.OK("predict_backup_failures", map[string]any{})
	if _, ok := pred["predictions"].([]any); !ok {
		t.Fatalf("predictions: %v", pred)
	}
	one := e.OK("predict_backup_failures", map[string]any{"entity": "vol_logs"})
	if len(one["predictions"].([]any)) == 0 {
		t.Errorf("no assessment for vol_logs: %v", one)
	}
	if msg := e.Err("predict_backup_failures", map[string]any{"entity": "no-such"}); !strings.Contains(msg, "no-such") {
		t.Errorf("unknown entity: %s", msg)
	}

	rec := e.OK("recommend_recovery", map[string]any{"entity": "vol_finance", "scenario": "corruption", "incident_time": "2h"})
	opts := rec["options"].([]any)
	if len(opts) == 0 {
		t.Fatalf("no options: %v", rec)
	}
	first := opts[0].(map[string]any)
	if first["method"] == "" || first["rto"] == nil || len(first["steps"].([]any)) == 0 {
		t.Errorf("option: %v", first)
	}
	if msg := e.Err("recommend_recovery", map[string]any{"entity": "vol_finance", "scenario": "meteor"}); !strings.Contains(msg, "scenario") {
		t.Errorf("bad scenario: %s", msg)
	}

	opt := e.OK("optimize_backup_policy", map[string]any{})
	if _, ok := opt["suggestions"].([]any); !ok {
		t.Errorf("suggestions: %v", opt)
	}
	for _, fw := range []string{"sox", "hipaa", "gdpr", "3-2-1-1-0"} {
		rep := e.OK("compliance_report", map[string]any{"framework": fw})
		controls := rep["controls"].([]any)
		if len(controls) == 0 {
			t.Errorf("%s: no controls", fw)
		}
		for _, c := range controls {
			c := c.(map[string]any)
			if st := c["status"]; st != "pass" && st != "fail" && st != "unknown" || c["evidence"] == nil {
				t.Errorf("%s control %v: status %v", fw, c["id"], st)
			}
		}
		md := testenv.Text(e.Call("compliance_report", map[string]any{"framework": fw, "format": "markdown"}))
		if !strings.Contains(md, "backup compliance") {
			t.Errorf("%s markdown: %s", fw, md)
		}
	}
}

// TestNextToolCallsMatchTheTools checks every tool call the analysis
// proposes (next_tool, recovery steps) names a real tool with arguments it
// accepts, so an assistant can make the call as written.
func TestNextToolCallsMatchTheTools(t *testing.T) {
	e := testenv.Start(t)
	schemas := map[string]map[string]bool{}
	required := map[string][]string{}
	for _, tool := range server.Catalog() {
		var s struct {
			Properties map[string]any `json:"properties"`
			Required   []string       `json:"required"`
		}
		if err := json.Unmarshal(tool.InputSchema, &s); err != nil {
			t.Fatal(err)
		}
		props := map[string]bool{}
		for k := range s.Properties {
			props[k] = true
		}
		schemas[tool.Name] = props
		required[tool.Name] = s.Required
	}
	var calls []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if name, ok := x["tool"].(string); ok {
				if args, ok := x["arguments"].(map[string]any); ok {
					calls = append(calls, map[string]any{"tool": name, "arguments": args})
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(e.OK("backup_health", map[string]any{"limit": 100}))
	walk(e.OK("predict_backup_failures", map[string]any{"limit": 100}))
	walk(e.OK("optimize_backup_policy", map[string]any{}))
	walk(e.OK("find_unprotected", map[string]any{}))
	for _, sc := range []string{"corruption", "accidental_deletion", "ransomware", "site_failure", "file_loss"} {
		walk(e.OK("recommend_recovery", map[string]any{"entity": "vol_finance", "scenario": sc}))
		walk(e.OK("recommend_recovery", map[string]any{"entity": "app-01", "scenario": sc}))
	}
	if len(calls) < 10 {
		t.Fatalf("only %d tool calls proposed", len(calls))
	}
	for _, c := range calls {
		name := c["tool"].(string)
		props, ok := schemas[name]
		if !ok {
			t.Errorf("proposed tool %s does not exist", name)
			continue
		}
		for arg := range c["arguments"].(map[string]any) {
			if !props[arg] {
				t.Errorf("%s does not take argument %q (proposed %v)", name, arg, c["arguments"])
			}
		}
		for _, req := range required[name] {
			if _, ok := c["arguments"].(map[string]any)[req]; !ok {
				t.Errorf("%s proposed without its required argument %q: %v", name, req, c["arguments"])
			}
		}
	}
}
