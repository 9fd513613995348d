package nutanix_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

func TestSubnets(t *testing.T) {
	en := newEnv(t, nil)
	ctx := context.Background()
	all, err := en.c.ListAllSubnets(ctx, nutanix.ListOptions{})
	if err != nil || len(all) < 3 {
		t.Fatalf("ListAllSubnets: %v, %+v", err, all)
	}
	got, err := en.c.ListAllSubnets(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", fleet.IsolatedSubnetName)})
	if err != nil || len(got) != 2 || got[0].Name != fleet.IsolatedSubnetName || got[0].SubnetType != "VLAN" || got[0].NetworkID == 0 || got[0].ClusterReference == got[1].ClusterReference {
		t.Fatalf("filtered: %v, %+v", err, got)
	}
	one, err := en.c.GetSubnet(ctx, got[0].ExtID)
	if err != nil || *one != got[0] {
		t.Fatalf("GetSubnet: %v, %+v", err, one)
	}
	if _, err := en.c.GetSubnet(ctx, "00000000-0000-4000-8000-000000000000"); !nutanix.IsNotFound(err) {
		t.Fatalf("unknown subnet: %v", err)
	}
}

func TestUpdateVMNIC(t *testing.T) {
	ctx := context.Background()
	isolated := func(en *env, cluster string) string {
		s, err := en.c.ListAllSubnets(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", fleet.IsolatedSubnetName)})
		if err != nil {
			t.Fatalf("isolated subnet: %v", err)
		}
		for _, x := range s {
			if x.ClusterReference == cluster {
				return x.ExtID
			}
		}
		t.Fatalf("no isolated subnet on cluster %s", cluster)
		return ""
	}
	tests := []struct {
		name string
		// change builds the change from the isolated subnet and the NIC.
		change     func(iso string, n *nutanix.NIC) nutanix.NICChange
		ifMatch    string
		wantSubnet func(iso string, n *nutanix.NIC) string
		wantConn   bool
		wantErr    func(error) bool
		taskFails  string
	}{
		{name: "disconnect in place",
			change:     func(_ string, _ *nutanix.NIC) nutanix.NICChange { return nutanix.NICChange{Connected: false} },
			wantSubnet: func(_ string, n *nutanix.NIC) string { return n.SubnetExtID }, wantConn: false},
		{name: "move to the isolated subnet, connected",
			change: func(iso string, _ *nutanix.NIC) nutanix.NICChange {
				return nutanix.NICChange{SubnetExtID: iso, Connected: true}
			},
			wantSubnet: func(iso string, _ *nutanix.NIC) string { return iso }, wantConn: true},
		{name: "move and disconnect",
			change:     func(iso string, _ *nutanix.NIC) nutanix.NICChange { return nutanix.NICChange{SubnetExtID: iso} },
			wantSubnet: func(iso string, _ *nutanix.NIC) string { return iso }, wantConn: false},
		{name: "stale ETag",
			change:  func(iso string, _ *nutanix.NIC) nutanix.NICChange { return nutanix.NICChange{SubnetExtID: iso} },
			ifMatch: "stale", wantErr: nutanix.IsPreconditionFailed},
		{name: "subnet the Prism Central lacks",
			change: func(_ string, _ *nutanix.NIC) nutanix.NICChange {
				return nutanix.NICChange{SubnetExtID: "00000000-0000-4000-8000-000000000001", Connected: true}
			},
			taskFails: "was not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en := newEnv(t, nil)
			vm := en.vm(t, "web-01")
			if len(vm.NICs) != 1 || vm.NICs[0].ExtID == "" || !vm.NICs[0].Connected || vm.NICs[0].SubnetExtID == "" {
				t.Fatalf("VM NICs = %+v", vm.NICs)
			}
			nics, err := en.c.ListVMNICs(ctx, vm.ExtID)
			if err != nil || len(nics) != 1 || nics[0].ExtID != vm.NICs[0].ExtID || nics[0].MACAddress == "" {
				t.Fatalf("ListVMNICs: %v, %+v", err, nics)
			}
			nic, err := en.c.GetVMNIC(ctx, vm.ExtID, nics[0].ExtID)
			if err != nil || nic.ETag == "" {
				t.Fatalf("GetVMNIC: %v, %+v", err, nic)
			}
			iso := isolated(en, vm.ClusterExtID())
			ref, err := en.c.UpdateVMNIC(ctx, vm.ExtID, nic, tt.change(iso, nic), nutanix.Mutation{IfMatch: tt.ifMatch})
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("UpdateVMNIC: err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("UpdateVMNIC: %v", err)
			}
			_, err = en.c.WaitTask(ctx, ref.ExtID, nil)
			if tt.taskFails != "" {
				var te *nutanix.TaskError
				if !errors.As(err, &te) || !strings.Contains(err.Error(), tt.taskFails) {
					t.Fatalf("task: err = %v, want a failed task saying %q", err, tt.taskFails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			after, err := en.c.GetVMNIC(ctx, vm.ExtID, nic.ExtID)
			if err != nil {
				t.Fatal(err)
			}
			if after.SubnetExtID != tt.wantSubnet(iso, nic) || after.Connected != tt.wantConn || after.MACAddress != nic.MACAddress || after.ETag == nic.ETag {
				t.Fatalf("after: %+v, want subnet %s connected %v", after, tt.wantSubnet(iso, nic), tt.wantConn)
			}
		})
	}
}
