package ops

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
)

// Isolating a restored VM.
//
// A VM restored from a recovery point keeps the source's NICs: the same
// subnets (a replica restored on the DR site gets that site's mapped
// networks) and, for a guest with static addresses, the same IP addresses.
// Powered on as is, a drill's copy could answer on production addresses.
// IsolateVM therefore runs between the restore and the power-on: every NIC
// is moved to an isolated subnet (kept connected, so the copy can still be
// tested on that network) or, when the operator configured none, has its
// link disconnected (isConnected false) on the subnet it has. The restore
// API of dataprotection v4.3+ can override a NIC's subnet
// (VmRestoreNicConfigSpecification) but cannot disconnect one, and needs
// the recovery point's NIC ids; the vmm NIC update works on every v4
// version and does both, on a VM that is still off.

// ResolveSubnet finds the subnet ref names (an ext_id or a name) for a VM
// on cluster: a name several clusters use resolves to the one on cluster.
func ResolveSubnet(ctx context.Context, cl *nutanix.Client, target, ref, cluster string) (*nutanix.Subnet, error) {
	if uuidRE.MatchString(ref) {
		s, err := cl.GetSubnet(ctx, ref)
		if err == nil {
			return s, nil
		}
		if !nutanix.IsNotFound(err) {
			return nil, NutanixError(err, target, "subnet "+ref)
		}
	}
	all, err := cl.ListAllSubnets(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", ref)})
	if err != nil {
		return nil, NutanixError(err, target, "look up subnet "+ref)
	}
	var mine []nutanix.Subnet
	for _, s := range all {
		if s.ClusterReference == "" || s.ClusterReference == cluster {
			mine = append(mine, s)
		}
	}
	switch {
	case len(mine) == 1:
		return &mine[0], nil
	case len(all) == 0:
		return nil, fail(KindNotFound, nil, "Create an isolated subnet on "+target+" or fix workflows.drills.isolated_subnet.", "no subnet named %q on %s", ref, target)
	case len(mine) == 0:
		return nil, fail(KindPrecheck, nil, "Create a subnet of that name on the cluster the drill restores to, or name one by ext_id.", "subnet %q on %s is not on cluster %s, where the VM was restored", ref, target, cluster)
	}
	ids := make([]string, len(mine))
	for i, s := range mine {
		ids[i] = s.ExtID
	}
	return nil, fail(KindConflict, nil, "Name the subnet by ext_id in workflows.drills.isolated_subnet.", "%d subnets are named %q on %s: %s", len(mine), ref, target, strings.Join(ids, ", "))
}

// NICIsolation is what IsolateVM did to one NIC: the drill's evidence.
type NICIsolation struct {
	NIC        string `json:"nic"`
	MAC        string `json:"mac,omitempty"`
	FromSubnet string `json:"from_subnet,omitempty"`
	ToSubnet   string `json:"to_subnet,omitempty"`
	Connected  bool   `json:"connected"`
	// Action is moved (to the isolated subnet), disconnected, or
	// already (an earlier attempt of the step had done it).
	Action string `json:"action"`
	Task   string `json:"task,omitempty"`
}

// Isolation says how to isolate a VM: SubnetRef (a name or ext_id) moves
// every NIC there; empty disconnects every NIC.
type Isolation struct {
	SubnetRef string
}

// Describe is the isolation in words, for plans.
func (i Isolation) Describe() string {
	if i.SubnetRef == "" {
		return "disconnect every NIC (no workflows.drills.isolated_subnet configured for this Prism Central)"
	}
	return "move every NIC to the isolated subnet " + i.SubnetRef
}

// IsolateVM isolates every NIC of the VM (see the section comment) and
// checks the result by reading the NICs again; it refuses a powered-on VM.
// Each NIC's update carries a request id derived from requestID and the
// NIC, and a NIC already isolated is left alone, so a re-run after a crash
// neither repeats nor skips an update.
func IsolateVM(ctx context.Context, cl *nutanix.Client, target, vmExtID string, how Isolation, requestID string, p Progress) ([]NICIsolation, error) {
	vm, err := cl.GetVM(ctx, vmExtID)
	if err != nil {
		return nil, NutanixError(err, target, "vm "+vmExtID)
	}
	if vm.PowerState == "ON" {
		return nil, fail(KindPrecheck, nil, "Power it off and run the drill again; never power a drill's copy on before its NICs are isolated.", "vm %s is already powered on: it was not isolated before boot", vm.Name)
	}
	want := nutanix.NICChange{Connected: false}
	if how.SubnetRef != "" {
		s, err := ResolveSubnet(ctx, cl, target, how.SubnetRef, vm.ClusterExtID())
		if err != nil {
			return nil, err
		}
		want = nutanix.NICChange{SubnetExtID: s.ExtID, Connected: true}
	}
	nics, err := cl.ListVMNICs(ctx, vmExtID)
	if err != nil {
		return nil, NutanixError(err, target, "list nics of vm "+vm.Name)
	}
	isolated := func(n *nutanix.NIC) bool {
		return n.Connected == want.Connected && (want.SubnetExtID == "" || n.SubnetExtID == want.SubnetExtID)
	}
	out := make([]NICIsolation, 0, len(nics))
	for _, n := range nics {
		nic, err := cl.GetVMNIC(ctx, vmExtID, n.ExtID)
		if err != nil {
			return out, NutanixError(err, target, "nic "+n.ExtID+" of vm "+vm.Name)
		}
		r := NICIsolation{NIC: nic.ExtID, MAC: nic.MACAddress, FromSubnet: nic.SubnetExtID, ToSubnet: nic.SubnetExtID, Connected: nic.Connected, Action: "already"}
		if !isolated(nic) {
			ref, err := cl.UpdateVMNIC(ctx, vmExtID, nic, want, nutanix.Mutation{RequestID: SubRequestID(requestID, nic.ExtID)})
			if err != nil {
				return out, NutanixError(err, target, "isolate nic "+nic.ExtID+" of vm "+vm.Name)
			}
			if _, err := WaitTask(ctx, cl, target, "isolate nic "+nic.ExtID+" of vm "+vm.Name, ref.ExtID, p); err != nil {
				return out, err
			}
			r.Task, r.Action = ref.ExtID, "disconnected"
			if want.SubnetExtID != "" {
				r.Action, r.ToSubnet = "moved", want.SubnetExtID
			}
			r.Connected = want.Connected
		}
		p.say("nic %s (%s): %s", nic.ExtID, nic.MACAddress, r.Action)
		out = append(out, r)
	}
	// Read back: power-on follows only if every NIC is isolated now.
	after, err := cl.ListVMNICs(ctx, vmExtID)
	if err != nil {
		return out, NutanixError(err, target, "list nics of vm "+vm.Name)
	}
	for i := range after {
		if !isolated(&after[i]) {
			return out, fail(KindBackend, nil, "Check the NIC in Prism Central; the drill does not power the VM on.", "nic %s of vm %s is still on subnet %s (connected %v) after isolation", after[i].ExtID, vm.Name, after[i].SubnetExtID, after[i].Connected)
		}
	}
	if len(after) != len(nics) {
		return out, fail(KindBackend, nil, "Run the drill again.", "vm %s had %d nics, now %d: it changed while it was isolated", vm.Name, len(nics), len(after))
	}
	return out, nil
}

// SubRequestID derives a stable NTNX-Request-Id (a UUID) for one part of a
// step whose journalled request id is requestID ("" gives "": a new id per
// call).
func SubRequestID(requestID, part string) string {
	if requestID == "" {
		return ""
	}
	b := sha256.Sum256([]byte(requestID + "|" + part))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
