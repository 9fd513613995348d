package core_test

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func TestListTargets(t *testing.T) {
	e := testenv.Start(t)
	m := e.OK("list_targets", map[string]any{})
	items := testenv.Items(t, m)
	if len(items) != 4 || m["reachable"].(float64) != 4 {
		t.Fatalf("targets: %v", m)
	}
	for _, it := range items {
		if it["reachable"] != true || it["api_version"] == "" || it["tls_verify"] != true {
			t.Errorf("target %v", it)
		}
	}
	only := testenv.Items(t, e.OK("list_targets", map[string]any{"kind": "ontap", "probe": false}))
	if len(only) != 2 || only[0]["reachable"] != false {
		t.Errorf("kind filter without probe: %v", only)
	}
	// A target that rejects the credentials is reachable but reported.
	e.Faults(fault.Rule{Path: "/api/cluster", ErrorRate: 1, Status: 401})
	for _, it := range testenv.Items(t, e.OK("list_targets", map[string]any{"kind": "ontap"})) {
		if it["error"] == nil || it["error"] == "" {
			t.Errorf("401 not reported: %v", it)
		}
	}
}
