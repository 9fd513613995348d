package ops_test

import (
	"context"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// restoredVM restores web-01's newest recovery point as name and returns
// the new VM, powered off as restores leave it.
func restoredVM(t *testing.T, cl *nutanix.Client, name string) *nutanix.VM {
	t.Helper()
	ctx := context.Background()
	src, err := ops.FindVM(ctx, cl, "pc-prod", "web-01")
	if err != nil || src == nil {
		t.Fatalf("web-01: %v", err)
	}
	rp, vrp, err := ops.NewestRecoveryPointOf(ctx, cl, "pc-prod", src.ExtID)
	if err != nil || vrp == nil {
		t.Fatalf("recovery point of web-01: %v", err)
	}
	id, _, err := ops.EnsureRestoredVM(ctx, cl, "pc-prod", rp.ExtID, vrp.ExtID, name, nutanix.NewRequestID(), nil)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := cl.GetVM(ctx, id)
	if err != nil || len(vm.NICs) == 0 || !vm.NICs[0].Connected {
		t.Fatalf("restored vm: %+v, %v", vm, err)
	}
	return vm
}

func TestIsolateVM(t *testing.T) {
	ctx := context.Background()
	isolatedOn := func(t *testing.T, cl *nutanix.Client, cluster string) string {
		all, err := cl.ListAllSubnets(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", fleet.IsolatedSubnetName)})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range all {
			if s.ClusterReference == cluster {
				return s.ExtID
			}
		}
		t.Fatalf("no %s on %s", fleet.IsolatedSubnetName, cluster)
		return ""
	}
	tests := []struct {
		name string
		// ref is the configured subnet: "" disconnects, "<iso>" stands for
		// the isolated subnet's ext_id on the VM's cluster.
		ref        string
		powerOn    bool
		wantKind   ops.Kind
		wantAction string
		wantConn   bool
	}{
		{name: "no subnet configured: disconnect", ref: "", wantAction: "disconnected", wantConn: false},
		{name: "subnet by name, on the VM's cluster", ref: fleet.IsolatedSubnetName, wantAction: "moved", wantConn: true},
		{name: "subnet by ext_id", ref: "<iso>", wantAction: "moved", wantConn: true},
		{name: "unknown subnet", ref: "no-such-net", wantKind: ops.KindNotFound},
		{name: "subnet of another cluster", ref: "prod-ahv-02-vm-net", wantKind: ops.KindPrecheck},
		{name: "already powered on", ref: "", powerOn: true, wantKind: ops.KindPrecheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := prismClient(t)
			vm := restoredVM(t, cl, "rmcp_t_vmdrill")
			ref := tt.ref
			iso := isolatedOn(t, cl, vm.ClusterExtID())
			if ref == "<iso>" {
				ref = iso
			}
			if tt.powerOn {
				if _, err := ops.PowerOnVM(ctx, cl, "pc-prod", vm.ExtID, nutanix.NewRequestID(), nil); err != nil {
					t.Fatal(err)
				}
			}
			key := nutanix.NewRequestID()
			got, err := ops.IsolateVM(ctx, cl, "pc-prod", vm.ExtID, ops.Isolation{SubnetRef: ref}, key, nil)
			if tt.wantKind != "" {
				if err == nil || ops.KindOf(err) != tt.wantKind {
					t.Fatalf("err = %v, want kind %s", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(vm.NICs) {
				t.Fatalf("evidence for %d nics, the vm has %d", len(got), len(vm.NICs))
			}
			for i, r := range got {
				if r.Action != tt.wantAction || r.Connected != tt.wantConn || r.Task == "" || r.NIC != vm.NICs[i].ExtID || r.FromSubnet != vm.NICs[i].SubnetExtID || r.MAC == "" {
					t.Errorf("nic %d: %+v", i, r)
				}
				if tt.wantAction == "moved" && r.ToSubnet != iso {
					t.Errorf("nic %d moved to %s, want %s", i, r.ToSubnet, iso)
				}
			}
			after, err := cl.GetVM(ctx, vm.ExtID)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range after.NICs {
				if n.Connected != tt.wantConn || (tt.wantAction == "moved" && n.SubnetExtID != iso) {
					t.Errorf("vm nic after isolation: %+v", n)
				}
			}
			// A re-run (a resumed step, same key) changes nothing.
			again, err := ops.IsolateVM(ctx, cl, "pc-prod", vm.ExtID, ops.Isolation{SubnetRef: ref}, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range again {
				if r.Action != "already" || r.Task != "" {
					t.Errorf("re-run acted: %+v", r)
				}
			}
		})
	}
}

func TestSubRequestID(t *testing.T) {
	a := ops.SubRequestID("4f1c1a4e-5d6b-4c1e-9a77-3c2b1d0e9f10", "nic-1")
	if a != ops.SubRequestID("4f1c1a4e-5d6b-4c1e-9a77-3c2b1d0e9f10", "nic-1") {
		t.Fatal("not stable")
	}
	for _, other := range []string{
		ops.SubRequestID("4f1c1a4e-5d6b-4c1e-9a77-3c2b1d0e9f10", "nic-2"),
		ops.SubRequestID("5f1c1a4e-5d6b-4c1e-9a77-3c2b1d0e9f10", "nic-1"),
	} {
		if other == a {
			t.Fatal("different parts share an id")
		}
	}
	if !ops.IsUUID(a) || a[14] != '4' {
		t.Fatalf("%q is not a v4-layout UUID", a)
	}
	if ops.SubRequestID("", "nic-1") != "" {
		t.Fatal("no journalled id must give none")
	}
}
