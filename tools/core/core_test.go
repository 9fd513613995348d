package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func TestListTargets(t *testing.T) {
	e := testenv.Start(t)
	m := e.OK("list_targets", map[string]any{})
	items := testenv.Items(t, m)
	if len(items) != 5 || m["reachable"].(float64) != 5 {
		t.Fatalf("targets: %v", m)
	}
	// The demo's AIQUM manages both clusters; the direct targets win.
	if aiq := items[4]; aiq["kind"] != "aiqum" || fmt.Sprint(aiq["clusters"]) != "[ontap-prod ontap-dr]" {
		t.Errorf("aiqum row %v", aiq)
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

func TestListRunningOperations(t *testing.T) {
	e := testenv.Start(t)
	if m := e.OK("list_running_operations", map[string]any{}); m["total"].(float64) != 0 {
		t.Fatalf("an idle estate has running operations: %v", m)
	}
	// A task that never finishes, started without waiting for it.
	prod := e.Demo.Estate.PrismCentralByName("pc-prod")
	prod.Mu.Lock()
	prod.TaskFaults = append(prod.TaskFaults, fleet.NutanixTaskFault{Operation: fleet.OpCreateRecoveryPoint, Count: 1, Stuck: true})
	prod.Mu.Unlock()
	rp := e.OK("nutanix_create_recovery_point", map[string]any{"target": "pc-prod", "vms": []any{"app-01"}, "wait": false})
	task := rp["task"].(map[string]any)["ext_id"].(string)

	m := e.OK("list_running_operations", map[string]any{"target": "pc-prod"})
	items := testenv.Items(t, m)
	if len(items) != 1 || items[0]["id"] != task || items[0]["kind"] != "task" || items[0]["follow_by"] != "nutanix_get_task ext_id="+task {
		t.Fatalf("running operations: %v", m)
	}
	if msg := e.Err("list_running_operations", map[string]any{"target": "nope"}); !strings.Contains(msg, "unknown target") {
		t.Errorf("unknown target: %s", msg)
	}
}

func TestListTargetsShowsTheClustersBehindAIQUM(t *testing.T) {
	e := testenv.Start(t, testenv.ONTAPViaAIQUM())
	items := testenv.Items(t, e.OK("list_targets", map[string]any{}))
	byName := map[string]map[string]any{}
	for _, it := range items {
		byName[it["name"].(string)] = it
	}
	aiq := byName["aiqum"]
	if aiq == nil || fmt.Sprint(aiq["clusters"]) != "[ontap-prod ontap-dr]" || aiq["reachable"] != true {
		t.Fatalf("aiqum row %v", aiq)
	}
	for _, name := range []string{"ontap-prod", "ontap-dr"} {
		it := byName[name]
		if it == nil || it["kind"] != "ontap" || it["via"] != "aiqum" || it["reachable"] != true || it["error"] != nil ||
			!strings.Contains(it["endpoint"].(string), "/api/gateways/") || !strings.Contains(it["api_version"].(string), "NetApp Release") {
			t.Errorf("%s: %v", name, it)
		}
	}
	if len(items) != 5 {
		t.Errorf("%d targets, want 2 Prism Centrals, the AIQUM and its 2 clusters", len(items))
	}
	// An AIQUM that rejects the credentials shows on its row.
	e.Faults(fault.Rule{Path: "/api/v2/management-server/system", ErrorRate: 1, Status: 401})
	for _, it := range testenv.Items(t, e.OK("list_targets", map[string]any{"kind": "aiqum"})) {
		if it["error"] == nil || it["error"] == "" {
			t.Errorf("401 not reported: %v", it)
		}
	}
}
