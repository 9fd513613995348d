package nutanix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
)

// NICs and subnets.
//
// A VM's NIC is changed with vmm UpdateNicById: PUT
// /api/vmm/{v}/ahv/config/vms/{vmExtId}/nics/{extId} with the whole NIC,
// If-Match: the NIC's own ETag (from GetNicById), answered with a task.
// The PUT replaces the NIC, so UpdateVMNIC edits the NIC exactly as it was
// read (every field the client does not model is sent back unchanged) and
// changes only the link state and the subnet, in both the deprecated
// backingInfo/networkInfo objects and the v4.2 nicBackingInfo/
// nicNetworkInfo oneOfs (the new objects win when both are present).
// A subnet move drops the NIC's ipv4Config: a static address of the old
// subnet must not follow the NIC onto another network.

const (
	nsNetworking = "networking"
	pathSubnets  = "config/subnets"
)

// NIC is a virtual NIC of a VM.
type NIC struct {
	ExtID      string
	MACAddress string
	// SubnetExtID is the subnet the NIC attaches to ("" when none).
	SubnetExtID string
	// Connected is the NIC's isConnected (true when absent, the API's
	// default).
	Connected bool
	// ETag is read with GetVMNIC; UpdateVMNIC sends it as If-Match.
	ETag string
	raw  map[string]any
}

// UnmarshalJSON keeps the NIC as read, for UpdateVMNIC.
func (n *NIC) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil {
		return err
	}
	*n = NIC{raw: raw, Connected: true}
	n.ExtID, _ = raw["extId"].(string)
	for _, k := range []string{"backingInfo", "nicBackingInfo"} { // the new object wins
		if o, ok := raw[k].(map[string]any); ok {
			if mac, ok := o["macAddress"].(string); ok {
				n.MACAddress = mac
			}
			if c, ok := o["isConnected"].(bool); ok {
				n.Connected = c
			}
		}
	}
	for _, k := range []string{"networkInfo", "nicNetworkInfo"} {
		if o, ok := raw[k].(map[string]any); ok {
			if s, ok := o["subnet"].(map[string]any); ok {
				if id, ok := s["extId"].(string); ok {
					n.SubnetExtID = id
				}
			}
		}
	}
	return nil
}

// MarshalJSON writes the NIC as read.
func (n NIC) MarshalJSON() ([]byte, error) {
	if n.raw == nil {
		return json.Marshal(map[string]any{"extId": n.ExtID})
	}
	return json.Marshal(n.raw)
}

// NICChange is what UpdateVMNIC sets on a NIC.
type NICChange struct {
	// SubnetExtID moves the NIC to that subnet ("" keeps its subnet).
	SubnetExtID string
	// Connected is the link state to set.
	Connected bool
}

// body is the NIC as read with ch applied.
func (n *NIC) body(ch NICChange) (map[string]any, error) {
	if n.raw == nil {
		return nil, errors.New("nutanix: the NIC was not read from Prism Central (GetVMNIC)")
	}
	out := maps.Clone(n.raw)
	delete(out, "$reserved")
	delete(out, "links")
	backing, network := 0, 0
	for _, k := range []string{"backingInfo", "nicBackingInfo"} {
		if o, ok := out[k].(map[string]any); ok {
			o = maps.Clone(o)
			o["isConnected"] = ch.Connected
			out[k] = o
			backing++
		}
	}
	if backing == 0 {
		out["backingInfo"] = map[string]any{"$objectType": "vmm.v4.ahv.config.EmulatedNic", "isConnected": ch.Connected}
	}
	if ch.SubnetExtID == "" || ch.SubnetExtID == n.SubnetExtID {
		return out, nil
	}
	subnet := map[string]any{"$objectType": "vmm.v4.ahv.config.SubnetReference", "extId": ch.SubnetExtID}
	for _, k := range []string{"networkInfo", "nicNetworkInfo"} {
		if o, ok := out[k].(map[string]any); ok {
			o = maps.Clone(o)
			o["subnet"] = subnet
			delete(o, "ipv4Config")
			delete(o, "ipv4Info")
			out[k] = o
			network++
		}
	}
	if network == 0 {
		out["networkInfo"] = map[string]any{"$objectType": "vmm.v4.ahv.config.NicNetworkInfo", "subnet": subnet}
	}
	return out, nil
}

func nicsPath(vmExtID string) string { return pathVMs + "/" + esc(vmExtID) + "/nics" }

// ListVMNICs returns the NICs of a VM (vmm ListNicsByVmId).
func (c *Client) ListVMNICs(ctx context.Context, vmExtID string) ([]NIC, error) {
	return listAll[NIC](ctx, c, nsVMM, nicsPath(vmExtID), ListOptions{})
}

// GetVMNIC returns one NIC of a VM with its ETag (vmm GetNicById).
func (c *Client) GetVMNIC(ctx context.Context, vmExtID, nicExtID string) (*NIC, error) {
	var n NIC
	etag, err := c.get(ctx, nsVMM, nicsPath(vmExtID)+"/"+esc(nicExtID), &n)
	if err != nil {
		return nil, err
	}
	n.ETag = etag
	return &n, nil
}

// UpdateVMNIC applies ch to nic, a NIC read with GetVMNIC (vmm
// UpdateNicById: the whole NIC, If-Match: m.IfMatch or nic.ETag). The
// answer is a task.
func (c *Client) UpdateVMNIC(ctx context.Context, vmExtID string, nic *NIC, ch NICChange, m Mutation) (TaskRef, error) {
	if nic == nil || nic.ExtID == "" {
		return TaskRef{}, errors.New("nutanix: UpdateVMNIC needs a NIC with an ext id")
	}
	body, err := nic.body(ch)
	if err != nil {
		return TaskRef{}, err
	}
	etag := m.IfMatch
	if etag == "" {
		etag = nic.ETag
	}
	if etag == "" {
		return TaskRef{}, fmt.Errorf("nutanix: NIC %s has no ETag: read it with GetVMNIC", nic.ExtID)
	}
	return c.mutate(ctx, request{method: http.MethodPut, ns: nsVMM, path: nicsPath(vmExtID) + "/" + esc(nic.ExtID), body: body, ifMatch: etag}, m)
}

// Subnet is a network of a Prism Central (networking.v4.config.Subnet).
type Subnet struct {
	ExtID      string `json:"extId,omitempty"`
	Name       string `json:"name,omitempty"`
	SubnetType string `json:"subnetType,omitempty"`
	// NetworkID is the VLAN id of a VLAN subnet.
	NetworkID int `json:"networkId,omitempty"`
	// ClusterReference is the cluster of a VLAN subnet.
	ClusterReference string `json:"clusterReference,omitempty"`
}

// ListAllSubnets returns every subnet matching o (networking ListSubnets).
func (c *Client) ListAllSubnets(ctx context.Context, o ListOptions) ([]Subnet, error) {
	return listAll[Subnet](ctx, c, nsNetworking, pathSubnets, o)
}

// GetSubnet returns one subnet (networking GetSubnetById).
func (c *Client) GetSubnet(ctx context.Context, extID string) (*Subnet, error) {
	var s Subnet
	if _, err := c.get(ctx, nsNetworking, pathSubnets+"/"+esc(extID), &s); err != nil {
		return nil, err
	}
	return &s, nil
}
