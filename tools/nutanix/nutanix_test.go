package nutanix_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

const pc = "pc-prod"

func TestDiscoveryTools(t *testing.T) {
	e := testenv.Start(t)
	cases := []struct {
		tool  string
		args  map[string]any
		count int
		check func(t *testing.T, items []map[string]any)
	}{
		{"nutanix_list_clusters", map[string]any{"target": pc}, 2, nil},
		{"nutanix_list_vms", map[string]any{"target": pc}, 10, func(t *testing.T, items []map[string]any) {
			for _, vm := range items {
				if vm["recovery_points"].(float64) > 0 && vm["newest_recovery_point_age"] == nil {
					t.Errorf("protected VM without newest age: %v", vm)
				}
			}
		}},
		{"nutanix_list_vms", map[string]any{"target": pc, "unprotected": true}, 3, func(t *testing.T, items []map[string]any) {
			for _, vm := range items {
				if vm["recovery_points"].(float64) != 0 {
					t.Errorf("protected VM listed as unprotected: %v", vm)
				}
			}
		}},
		{"nutanix_list_volume_groups", map[string]any{"target": pc}, 2, nil},
		{"nutanix_list_protection_policies", map[string]any{"target": pc}, 1, func(t *testing.T, items []map[string]any) {
			if rpo := items[0]["rpo"].(map[string]any); rpo["seconds"].(float64) != 4*3600 {
				t.Errorf("rpo %v", rpo)
			}
			if len(items[0]["remote_locations"].([]any)) == 0 {
				t.Errorf("policy without remote location: %v", items[0])
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.tool, func(t *testing.T) {
			m := e.OK(c.tool, c.args)
			items := testenv.Items(t, m)
			if len(items) != c.count || int(m["total"].(float64)) != c.count {
				t.Fatalf("%d items, total %v; want %d", len(items), m["total"], c.count)
			}
			if c.check != nil {
				c.check(t, items)
			}
		})
	}
}

func TestListRecoveryPointsFilters(t *testing.T) {
	e := testenv.Start(t)
	all := e.OK("nutanix_list_recovery_points", map[string]any{"target": pc, "limit": 500})
	total := int(all["total"].(float64))
	if total == 0 {
		t.Fatal("no recovery points in the small estate")
	}
	items := testenv.Items(t, all)
	for i := 1; i < len(items); i++ {
		if items[i-1]["creation_time"].(string) < items[i]["creation_time"].(string) {
			t.Fatal("not newest first")
		}
	}
	page := e.OK("nutanix_list_recovery_points", map[string]any{"target": pc, "limit": 5})
	if len(testenv.Items(t, page)) != 5 || page["next_page"].(float64) != 1 || int(page["total"].(float64)) != total {
		t.Fatalf("paging: %v", page)
	}
	byVM := testenv.Items(t, e.OK("nutanix_list_recovery_points", map[string]any{"target": pc, "vm": "app-01", "limit": 500}))
	if len(byVM) == 0 || len(byVM) >= total {
		t.Fatalf("vm filter kept %d of %d", len(byVM), total)
	}
	expiring := testenv.Items(t, e.OK("nutanix_list_recovery_points", map[string]any{"target": pc, "expiring_before": "1d"}))
	deadline := fleet.DefaultNow.Add(24 * time.Hour).Format(time.RFC3339)
	for _, rp := range expiring {
		if exp, _ := rp["expiration_time"].(string); exp == "" || exp >= deadline {
			t.Errorf("expiring_before kept %v", rp["expiration_time"])
		}
	}
	if len(expiring) == 0 || len(expiring) >= total {
		t.Errorf("expiring_before kept %d of %d", len(expiring), total)
	}
	for _, bad := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"target": pc, "created_after": "yesterday"}, "created_after"},
		{map[string]any{"target": pc, "vm": "no-such-vm"}, `no vm named "no-such-vm"`},
		{map[string]any{"target": pc, "limit": 900}, "above the maximum 500"},
		{map[string]any{"target": "nope"}, "unknown nutanix target"},
		{map[string]any{}, "2 nutanix targets are configured"},
		{map[string]any{"target": pc, "filter": "name eq 'x' or"}, "HTTP 400"},
	} {
		if msg := e.Err("nutanix_list_recovery_points", bad.args); !strings.Contains(msg, bad.want) {
			t.Errorf("%v: %q lacks %q", bad.args, msg, bad.want)
		}
	}
}

// TestRecoveryPointLifecycle runs the nine seed operations the Ansible v2
// modules cover, in the order a playbook would.
func TestRecoveryPointLifecycle(t *testing.T) {
	e := testenv.Start(t)

	rp := e.OK("nutanix_create_recovery_point", map[string]any{
		"target": pc, "name": "pre-upgrade", "vms": []any{"app-01"}, "volume_groups": []any{"oracle-asm-vg"},
		"expiration_time": "2d", "recovery_point_type": "APPLICATION_CONSISTENT",
	})
	id := rp["ext_id"].(string)
	if id == "" || rp["recovery_point_type"] != "APPLICATION_CONSISTENT" || rp["task"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Fatalf("create: %v", rp)
	}

	got := e.OK("nutanix_get_recovery_point", map[string]any{"target": pc, "ext_id": id})
	vmrps := got["vm_recovery_points"].([]any)
	vgrps := got["volume_group_recovery_points"].([]any)
	if len(vmrps) != 1 || len(vgrps) != 1 || vmrps[0].(map[string]any)["vm_name"] != "app-01" {
		t.Fatalf("get: %v", got)
	}
	vmrp := vmrps[0].(map[string]any)["ext_id"].(string)

	detail := e.OK("nutanix_get_vm_recovery_point", map[string]any{"target": pc, "recovery_point_ext_id": id, "vm_recovery_point_ext_id": vmrp})
	if detail["vm_name"] != "app-01" || len(detail["disk_recovery_point_ext_ids"].([]any)) == 0 {
		t.Fatalf("vm recovery point: %v", detail)
	}

	// Extending is a plain write; shortening asks first.
	ext := e.OK("nutanix_update_recovery_point", map[string]any{"target": pc, "ext_id": id, "expiration_time": "30d"})
	if ext["confirmation_required"] == true || !strings.HasPrefix(ext["expiration_time"].(string), "2026-12-20") {
		t.Fatalf("extend: %v", ext)
	}
	preview, short := e.Confirmed("nutanix_update_recovery_point", map[string]any{"target": pc, "ext_id": id, "expiration_time": "1d"})
	if preview["preview"].(map[string]any)["current_expiration"] == "" || !strings.HasPrefix(short["expiration_time"].(string), "2026-11-21") {
		t.Fatalf("shorten: %v %v", preview, short)
	}

	restored := e.OK("nutanix_restore_recovery_point", map[string]any{"target": pc, "ext_id": id, "cluster": "prod-ahv-01"})
	if len(restored["created_vm_ext_ids"].([]any)) != 1 || len(restored["created_volume_group_ext_ids"].([]any)) != 1 {
		t.Fatalf("restore: %v", restored)
	}
	// The restored clone keeps the name, so the name is now ambiguous.
	if msg := e.Err("nutanix_list_recovery_points", map[string]any{"target": pc, "vm": "app-01"}); !strings.Contains(msg, `2 vms are named "app-01"`) {
		t.Errorf("ambiguous name: %s", msg)
	}

	repl := e.OK("nutanix_replicate_recovery_point", map[string]any{"target": pc, "ext_id": id, "pc": "pc-dr"})
	if repl["task"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Fatalf("replicate: %v", repl)
	}
	onDR := testenv.Items(t, e.OK("nutanix_list_recovery_points", map[string]any{"target": "pc-dr", "name": "pre-upgrade"}))
	if len(onDR) != 1 {
		t.Fatalf("replica on pc-dr: %v", onDR)
	}

	vmID := detail["vm_ext_id"].(string)
	revPreview, rev := e.Confirmed("nutanix_revert_vm", map[string]any{"target": pc, "vm": vmID, "vm_recovery_point_ext_id": vmrp})
	if !strings.Contains(revPreview["message"].(string), "revert VM app-01") || rev["task"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Fatalf("revert: %v %v", revPreview, rev)
	}
	if msg := e.Err("nutanix_revert_vm", map[string]any{"target": pc, "vm": vmID, "vm_recovery_point_ext_id": "00000000-0000-0000-0000-000000000000"}); !strings.Contains(msg, "is not one of VM app-01's recovery points") {
		t.Errorf("revert to a foreign recovery point: %s", msg)
	}

	task := e.OK("nutanix_get_task", map[string]any{"target": pc, "ext_id": rev["task"].(map[string]any)["ext_id"]})
	if task["status"] != "SUCCEEDED" || task["progress_percent"].(float64) != 100 {
		t.Fatalf("task: %v", task)
	}

	delPreview, del := e.Confirmed("nutanix_delete_recovery_point", map[string]any{"target": pc, "ext_id": id})
	if delPreview["preview"].(map[string]any)["name"] != "pre-upgrade" || del["deleted"] != true {
		t.Fatalf("delete: %v %v", delPreview, del)
	}
	if msg := e.Err("nutanix_get_recovery_point", map[string]any{"target": pc, "ext_id": id}); !strings.Contains(msg, "HTTP 404") || !strings.Contains(msg, "nutanix_list_") {
		t.Errorf("get deleted: %s", msg)
	}
}

func TestBackendFailures(t *testing.T) {
	e := testenv.Start(t)
	prod := e.Demo.Estate.PrismCentralByName(pc)

	// A task that fails says why.
	prod.Mu.Lock()
	prod.TaskFaults = append(prod.TaskFaults, fleet.NutanixTaskFault{Operation: fleet.OpCreateRecoveryPoint, Count: 1, Message: "insufficient space on container"})
	prod.Mu.Unlock()
	if msg := e.Err("nutanix_create_recovery_point", map[string]any{"target": pc, "vms": []any{"app-02"}}); !strings.Contains(msg, "insufficient space") {
		t.Errorf("failed task: %s", msg)
	}

	// 412 on the mutation: the entity changed since it was read.
	first := testenv.Items(t, e.OK("nutanix_list_recovery_points", map[string]any{"target": pc, "limit": 1}))[0]["ext_id"]
	e.Faults(fault.Rule{Method: "POST", Path: "/api/dataprotection/*", ErrorRate: 1, Status: 412})
	if msg := e.Err("nutanix_update_recovery_point", map[string]any{"target": pc, "ext_id": first, "expiration_time": "60d"}); !strings.Contains(msg, "HTTP 412") || !strings.Contains(msg, "changed since it was read") {
		t.Errorf("412: %s", msg)
	}
	e.Faults()

	// 503 after retries: busy.
	e.Faults(fault.Rule{Path: "/api/vmm/*", ErrorRate: 1, Status: 500})
	if msg := e.Err("nutanix_list_vms", map[string]any{"target": pc}); !strings.Contains(msg, "HTTP 500") {
		t.Errorf("500: %s", msg)
	}
	e.Faults()

	// A task that never finishes ends with the caller's deadline, saying how
	// to follow up.
	prod.Mu.Lock()
	prod.TaskFaults = append(prod.TaskFaults, fleet.NutanixTaskFault{Operation: fleet.OpCreateRecoveryPoint, Count: 1, Stuck: true})
	prod.Mu.Unlock()
	var handler func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error)
	for _, tool := range e.Server.Tools {
		if tool.Name == "nutanix_create_recovery_point" {
			handler = tool.Handler(e.Server.Env)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "nutanix_create_recovery_point"
	req.Params.Arguments = map[string]any{"target": pc, "vms": []any{"app-02"}}
	res, err := handler(ctx, req)
	if err != nil || !res.IsError || !strings.Contains(testenv.Text(res), "timed out") || !strings.Contains(testenv.Text(res), "get_task") {
		t.Errorf("stuck task: %v %s", err, testenv.Text(res))
	}
}

func TestProgressDuringLongOperations(t *testing.T) {
	e := testenv.Start(t)
	res, got := e.CallWithProgress("nutanix_create_recovery_point", map[string]any{"target": pc, "vms": []any{"app-02"}})
	if res.IsError {
		t.Fatalf("%s", testenv.Text(res))
	}
	if len(got) < 2 {
		t.Fatalf("progress notifications: %v", got)
	}
}
