package workflow_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// isolatedSubnetOf is the ext_id of the drill-isolated subnet on the
// cluster of pc named cluster.
func isolatedSubnetOf(t *testing.T, est *fleet.Estate, pc, cluster string) string {
	t.Helper()
	p := est.PrismCentralByName(pc)
	p.Mu.Lock()
	defer p.Mu.Unlock()
	for _, c := range p.Clusters {
		if c.Name != cluster {
			continue
		}
		for _, s := range p.Subnets {
			if s.Name == fleet.IsolatedSubnetName && s.ClusterExtID == c.ExtID {
				return s.ExtID
			}
		}
	}
	t.Fatalf("no %s on %s/%s", fleet.IsolatedSubnetName, pc, cluster)
	return ""
}

// checkIsolatedBeforeBoot checks, in the simulators' request log, that
// every NIC update of a VM on pc came before that VM's power-on, and
// counts the VMs isolated and powered on.
func checkIsolatedBeforeBoot(t *testing.T, log []string, pc string) (isolated, booted int) {
	t.Helper()
	nicPUT := map[string]int{}  // vm ext id -> position of its last NIC update
	powerOn := map[string]int{} // vm ext id -> position of its power-on
	for i, l := range log {
		if !strings.HasPrefix(l, pc+" ") {
			continue
		}
		f := strings.Fields(l)
		path := strings.Split(f[2], "/")
		// /api/vmm/{v}/ahv/config/vms/{vm}/...
		if len(path) < 8 || path[2] != "vmm" || path[6] != "vms" {
			continue
		}
		vm := path[7]
		switch {
		case f[1] == "PUT" && len(path) == 10 && path[8] == "nics":
			nicPUT[vm] = i
		case f[1] == "POST" && strings.HasSuffix(f[2], "/$actions/power-on"):
			if _, dup := powerOn[vm]; !dup {
				powerOn[vm] = i
			}
		}
	}
	for vm, at := range powerOn {
		last, ok := nicPUT[vm]
		if !ok {
			t.Errorf("vm %s was powered on (request %d) without a NIC update before", vm, at)
			continue
		}
		if last > at {
			t.Errorf("vm %s: NIC update at request %d after its power-on at %d", vm, last, at)
		}
	}
	return len(nicPUT), len(powerOn)
}

// TestVMDrillIsolatesBeforePowerOn: the VM drill moves the clone's NICs to
// the configured isolated subnet (or disconnects them when none is
// configured) before it powers the clone on, records it per NIC, and does
// not power on a clone it could not isolate.
func TestVMDrillIsolatesBeforePowerOn(t *testing.T) {
	cases := []struct {
		name      string
		subnets   map[string]string
		mode      string // "" when the drill must fail
		action    string
		connected bool
		plan      string
	}{
		{"no subnet configured: disconnect", nil, "disconnected", "disconnected", false, "disconnect every NIC"},
		{"isolated subnet by name", map[string]string{"pc-dr": fleet.IsolatedSubnetName}, "isolated subnet " + fleet.IsolatedSubnetName, "moved", true, "move every NIC to the isolated subnet drill-isolated"},
		{"the * entry", map[string]string{"pc-prod": "prod-ahv-01-vm-net", "*": fleet.IsolatedSubnetName}, "isolated subnet " + fleet.IsolatedSubnetName, "moved", true, "drill-isolated"},
		{"unknown subnet: no power-on", map[string]string{"pc-dr": "no-such-net"}, "", "", false, "no-such-net"},
	}
	const params = `{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"}`
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, cnt, est := startSims(t)
			e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
				o.Activities.Drills = config.Drills{IsolatedSubnet: c.subnets}
			})
			defer e.Close()
			ctx := context.Background()
			plan, err := e.Start(ctx, workflow.StartRequest{Kind: "recovery_testing", Principal: "alice", DryRun: true, Params: json.RawMessage(params)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range plan.Plan {
				names = append(names, s.Name)
				if s.Name == "isolate" && !strings.Contains(s.Action, c.plan) {
					t.Errorf("plan's isolate step %q does not mention %q", s.Action, c.plan)
				}
			}
			if got := strings.Join(names, ","); !strings.Contains(got, "restore,isolate,boot") {
				t.Errorf("plan steps %s", got)
			}
			r, err := e.Start(ctx, workflow.StartRequest{Kind: "recovery_testing", Principal: "alice", Params: json.RawMessage(params)})
			if err != nil {
				t.Fatal(err)
			}
			r = await(t, e, r.ID)
			isolated, booted := checkIsolatedBeforeBoot(t, cnt.changes(), "pc-dr")
			if c.mode == "" {
				if r.Status != workflow.StatusFailed || !strings.Contains(r.Error, "no-such-net") || !strings.Contains(r.Error, "not powered on") {
					t.Fatalf("run %s: %q, want a failure naming the subnet", r.Status, r.Error)
				}
				if booted != 0 || isolated != 0 {
					t.Errorf("%d NIC updates and %d power-ons for a clone that could not be isolated", isolated, booted)
				}
				if n := cnt.matching("pc-dr DELETE /api/vmm/"); n != 1 {
					t.Errorf("%d clone deletes, want 1", n)
				}
				return
			}
			if r.Status != workflow.StatusSucceeded {
				t.Fatalf("run %s: %s", r.Status, r.Error)
			}
			if isolated != 1 || booted != 1 {
				t.Errorf("%d VMs isolated, %d powered on, want 1 and 1", isolated, booted)
			}
			var res workflow.VMDrillResult
			mustJSON(t, r.Result, &res)
			if res.Isolation.Mode != c.mode || len(res.Isolation.NICs) != 1 || !res.Passed {
				t.Fatalf("isolation %+v (passed %v)", res.Isolation, res.Passed)
			}
			n := res.Isolation.NICs[0]
			if n.Action != c.action || n.Connected != c.connected || n.Task == "" || n.MAC == "" || n.FromSubnet == "" {
				t.Errorf("nic evidence %+v", n)
			}
			if c.action == "moved" && n.ToSubnet != isolatedSubnetOf(t, est, "pc-dr", "dr-ahv-01") {
				t.Errorf("moved to %s, not the isolated subnet of the clone's cluster", n.ToSubnet)
			}
			if c.action == "disconnected" && n.ToSubnet != n.FromSubnet {
				t.Errorf("a disconnect moved the NIC: %+v", n)
			}
		})
	}
}

// TestDRDrillIsolatesEveryVM: the full-DR drill isolates each restored VM
// before its power-on and reports it per entity.
func TestDRDrillIsolatesEveryVM(t *testing.T) {
	ts, cnt, est := startSims(t)
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
		o.Activities.Drills = config.Drills{IsolatedSubnet: map[string]string{"pc-dr": fleet.IsolatedSubnetName}}
	})
	defer e.Close()
	r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Principal: "alice",
		Params: json.RawMessage(`{"type":"dr","vms":["sql-prod-01","web-01"],"nutanix_target":"pc-prod","nutanix_dr_target":"pc-dr"}`)})
	if err != nil {
		t.Fatal(err)
	}
	r = await(t, e, r.ID)
	if r.Status != workflow.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	var res workflow.DRDrillResult
	mustJSON(t, r.Result, &res)
	iso := isolatedSubnetOf(t, est, "pc-dr", "dr-ahv-01")
	for _, en := range res.Entities {
		if en.Isolation == nil || len(en.Isolation.NICs) == 0 || en.Error != "" {
			t.Errorf("%s: isolation %+v, error %q", en.Entity, en.Isolation, en.Error)
			continue
		}
		for _, n := range en.Isolation.NICs {
			if n.Action != "moved" || n.ToSubnet != iso || !n.Connected {
				t.Errorf("%s: nic %+v", en.Entity, n)
			}
		}
	}
	if isolated, booted := checkIsolatedBeforeBoot(t, cnt.changes(), "pc-dr"); isolated != 2 || booted != 2 {
		t.Errorf("%d VMs isolated, %d powered on, want 2 and 2", isolated, booted)
	}
}

// TestVMTestFailoverIsolatesBeforePowerOn: a VM test failover boots a
// second copy of a VM that still runs in production; it is isolated first.
func TestVMTestFailoverIsolatesBeforePowerOn(t *testing.T) {
	ts, cnt, est := startSims(t)
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
		o.Activities.Drills = config.Drills{IsolatedSubnet: map[string]string{"*": fleet.IsolatedSubnetName}}
	})
	defer e.Close()
	r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "disaster_recovery", Principal: "alice",
		Params: json.RawMessage(`{"target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr","type":"test"}`)})
	if err != nil {
		t.Fatal(err)
	}
	r = await(t, e, r.ID)
	if r.Status != workflow.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	var res workflow.VMFailover
	mustJSON(t, r.Result, &res)
	if res.Isolation == nil || len(res.Isolation.NICs) != 1 || res.Isolation.NICs[0].Action != "moved" ||
		res.Isolation.NICs[0].ToSubnet != isolatedSubnetOf(t, est, "pc-dr", "dr-ahv-01") {
		t.Fatalf("isolation %+v", res.Isolation)
	}
	if isolated, booted := checkIsolatedBeforeBoot(t, cnt.changes(), "pc-dr"); isolated != 1 || booted != 1 {
		t.Errorf("%d VMs isolated, %d powered on, want 1 and 1", isolated, booted)
	}
}
