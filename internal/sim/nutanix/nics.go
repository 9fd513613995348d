package nutanix

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// NICs and subnets.
//
// A VM's NICs are served inside the VM (nics) and as the vmm sub-resource
// /ahv/config/vms/{vmExtId}/nics[/{extId}] (ListNicsByVmId, GetNicById,
// UpdateNicById). A NIC carries both the deprecated backingInfo
// (EmulatedNic) and networkInfo (NicNetworkInfo) and, from path version
// v4.2, the nicBackingInfo (VirtualEthernetNic) and nicNetworkInfo
// (VirtualEthernetNicNetworkInfo) oneOfs that the v4.2 SDK reads; on update
// the new objects take precedence over the deprecated ones, as the SDK
// documents. A NIC's ETag is a hash of the NIC; its update needs it in
// If-Match (412 when stale) and answers a task, like every vmm mutation.
// Subnets are served read-only by the networking namespace
// (/networking/{v}/config/subnets), enough to resolve a name.

const nicUpdateTime = 4 * time.Second

// newNICObjects reports whether the path version has the v4.2 NIC oneOfs.
func (rc *reqCtx) newNICObjects() bool {
	n, err := strconv.Atoi(strings.TrimPrefix(rc.fv, "v4.r"))
	return err == nil && n >= 2
}

func (rc *reqCtx) renderNIC(n fleet.NutanixNIC) obj {
	backing := func(t string) obj {
		return rc.typed(t, obj{"isConnected": n.Connected, "macAddress": n.MAC, "model": "VIRTIO", "numQueues": 1})
	}
	network := func(t string) obj {
		o := obj{"nicType": "NORMAL_NIC", "vlanMode": "ACCESS", "shouldAllowUnknownMacs": false}
		if n.SubnetExtID != "" {
			o["subnet"] = rc.typed("vmm.v4.ahv.config.SubnetReference", obj{"extId": n.SubnetExtID})
		}
		return rc.typed(t, o)
	}
	o := obj{
		"extId":       n.ExtID,
		"backingInfo": backing("vmm.v4.ahv.config.EmulatedNic"),
		"networkInfo": network("vmm.v4.ahv.config.NicNetworkInfo"),
	}
	if rc.newNICObjects() {
		o["$nicBackingInfoItemDiscriminator"] = "vmm.v4.ahv.config.VirtualEthernetNic"
		o["nicBackingInfo"] = backing("vmm.v4.ahv.config.VirtualEthernetNic")
		o["$nicNetworkInfoItemDiscriminator"] = "vmm.v4.ahv.config.VirtualEthernetNicNetworkInfo"
		o["nicNetworkInfo"] = network("vmm.v4.ahv.config.VirtualEthernetNicNetworkInfo")
	}
	return rc.typed("vmm.v4.ahv.config.Nic", o)
}

func (rc *reqCtx) renderNICs(vm *fleet.NutanixVM) []any {
	out := make([]any, len(vm.NICs))
	for i, n := range vm.NICs {
		out[i] = rc.renderNIC(n)
	}
	return out
}

// vmNIC finds a NIC of a VM (hold pc.Mu); it answers 404 and returns nil.
func (rc *reqCtx) vmNIC(pc *fleet.PrismCentral, vmID, id string) (*fleet.NutanixVM, *fleet.NutanixNIC) {
	vm := pc.VMByExtID(vmID)
	if vm == nil {
		rc.notFound("VM", vmID)
		return nil, nil
	}
	for i := range vm.NICs {
		if vm.NICs[i].ExtID == id {
			return vm, &vm.NICs[i]
		}
	}
	rc.notFound("NIC", id)
	return nil, nil
}

// listNICs serves GET /vmm/{v}/ahv/config/vms/{vmExtId}/nics.
func (rc *reqCtx) listNICs(vmID string) {
	rc.respType = "vmm.v4.ahv.config.ListNicsApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	vm := pc.VMByExtID(vmID)
	if vm == nil {
		pc.Mu.Unlock()
		rc.notFound("VM", vmID)
		return
	}
	items := make([]obj, len(vm.NICs))
	for i, n := range vm.NICs {
		items[i] = rc.renderNIC(n)
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

// getNIC serves GET /vmm/{v}/ahv/config/vms/{vmExtId}/nics/{extId}.
func (rc *reqCtx) getNIC(vmID, id string) {
	rc.respType = "vmm.v4.ahv.config.GetNicApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	_, n := rc.vmNIC(pc, vmID, id)
	if n == nil {
		pc.Mu.Unlock()
		return
	}
	data, etag := rc.renderNIC(*n), etagOf(n)
	pc.Mu.Unlock()
	rc.writeEntity(data, etag)
}

type nicBody struct {
	BackingInfo    *nicBacking `json:"backingInfo"`
	NetworkInfo    *nicNetwork `json:"networkInfo"`
	NICBackingInfo *nicBacking `json:"nicBackingInfo"`
	NICNetworkInfo *nicNetwork `json:"nicNetworkInfo"`
}

type nicBacking struct {
	IsConnected *bool  `json:"isConnected"`
	MacAddress  string `json:"macAddress"`
}

type nicNetwork struct {
	Subnet *struct {
		ExtID string `json:"extId"`
	} `json:"subnet"`
}

// updateNIC serves PUT /vmm/{v}/ahv/config/vms/{vmExtId}/nics/{extId}
// (UpdateNicById): the NIC as the caller wants it, If-Match with the NIC's
// ETag, a task. isConnected defaults to true; a subnet the Prism Central
// does not have fails the task (ENTITY_NOT_FOUND); the MAC address cannot
// change.
func (rc *reqCtx) updateNIC(vmID, id string) {
	rc.respType = "vmm.v4.ahv.config.UpdateNicApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body nicBody
	if !rc.decodeBody(&body, false) {
		return
	}
	backing, network := body.NICBackingInfo, body.NICNetworkInfo
	if backing == nil {
		backing = body.BackingInfo
	}
	if network == nil {
		network = body.NetworkInfo
	}
	if network == nil || network.Subnet == nil || !uuidRE.MatchString(network.Subnet.ExtID) {
		rc.badRequest("networkInfo.subnet.extId must be the UUID of a subnet.")
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	vm, n := rc.vmNIC(pc, vmID, id)
	if n == nil {
		return
	}
	if !rc.ifMatchOK(etagOf(n)) {
		return
	}
	next := *n
	next.SubnetExtID = network.Subnet.ExtID
	next.Connected = true
	if backing != nil {
		if backing.MacAddress != "" && !strings.EqualFold(backing.MacAddress, n.MAC) {
			rc.badRequest("The MAC address of NIC %s cannot be changed.", id)
			return
		}
		if backing.IsConnected != nil {
			next.Connected = *backing.IsConnected
		}
	}
	t := rc.newTask(pc, reqID, fleet.OpUpdateNIC, "Update NIC", nicUpdateTime)
	t.ClusterExtIDs = []string{vm.ClusterExtID}
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: vm.ExtID, Name: vm.Name, Rel: relVM}, {ExtID: n.ExtID, Rel: relNIC}}
	if pc.SubnetByExtID(next.SubnetExtID) == nil {
		(&taskFail{fmt.Sprintf("Failed to update NIC %s of VM %s: subnet %s was not found.", n.ExtID, vm.Name, next.SubnetExtID), "VMM-40401"}).apply(t)
	} else {
		t.Outcome.UpdateNIC = &fleet.NutanixNICUpdate{VMExtID: vm.ExtID, NIC: next}
	}
	rc.writeTaskRef(t)
}

const relNIC = "vmm:ahv:config:vm:nic"

func (rc *reqCtx) renderSubnet(s *fleet.NutanixSubnet) obj {
	return rc.typed("networking.v4.config.Subnet", obj{
		"extId":            s.ExtID,
		"name":             s.Name,
		"subnetType":       "VLAN",
		"networkId":        s.VlanID,
		"clusterReference": s.ClusterExtID,
	})
}

// listSubnets serves GET /networking/{v}/config/subnets.
func (rc *reqCtx) listSubnets() {
	rc.respType = "networking.v4.config.ListSubnetsApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	items := make([]obj, len(pc.Subnets))
	for i, s := range pc.Subnets {
		items[i] = rc.renderSubnet(s)
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

// getSubnet serves GET /networking/{v}/config/subnets/{extId}.
func (rc *reqCtx) getSubnet(id string) {
	rc.respType = "networking.v4.config.GetSubnetApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	s := pc.SubnetByExtID(id)
	if s == nil {
		pc.Mu.Unlock()
		rc.notFound("Subnet", id)
		return
	}
	data, etag := rc.renderSubnet(s), etagOf(s)
	pc.Mu.Unlock()
	rc.writeEntity(data, etag)
}

// restoredNICs gives a restored VM new NIC identities; a NIC whose subnet
// pc lacks (a restore from a replica on another Prism Central) goes to the
// VM network of the target cluster, as a recovery plan's network mapping
// would. Hold pc.Mu.
func restoredNICs(pc *fleet.PrismCentral, vm *fleet.NutanixVM, cluster string) {
	for i := range vm.NICs {
		old := vm.NICs[i]
		n := fleet.NewNutanixNIC(vm.ExtID, i, nil)
		n.SubnetExtID, n.Connected = old.SubnetExtID, old.Connected
		if pc.SubnetByExtID(n.SubnetExtID) == nil {
			n.SubnetExtID = ""
			if c := pc.ClusterByExtID(cluster); c != nil {
				n.SubnetExtID = pc.ClusterSubnet(c, 10).ExtID
			}
		}
		vm.NICs[i] = n
	}
}
