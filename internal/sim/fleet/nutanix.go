package fleet

import (
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"
)

// PrismCentral is one simulated Prism Central and everything it manages.
//
// All fields are plain data so that an estate generator or a scenario file
// can build a Prism Central directly. Hold Mu while reading or changing a
// Prism Central that a simulator is serving. The Nutanix simulator
// (internal/sim/nutanix) turns this model into the v4 wire format; nothing
// here knows about envelopes, $objectType or ETags.
type PrismCentral struct {
	Mu   sync.Mutex
	Name string
	// Site is the site its target is configured with ("": from the name).
	Site     string
	ExtID    string
	Username string
	Password string
	// APIKeys are accepted in the X-ntnx-api-key header, besides basic auth.
	APIKeys []string
	// Version is the Prism Central software version, e.g. "pc.2024.3".
	Version string
	// Address is the Prism Central's external IP address or FQDN.
	Address string
	// Remote names the paired Prism Central (availability zone) of the same
	// estate, "" when unpaired. Replication targets must be paired.
	Remote string

	Clusters           []*NutanixCluster
	VMs                []*NutanixVM
	VolumeGroups       []*NutanixVolumeGroup
	RecoveryPoints     []*NutanixRecoveryPoint
	ProtectionPolicies []*NutanixProtectionPolicy
	// Subnets are the networks VM NICs attach to (networking v4 subnets).
	Subnets []*NutanixSubnet
	Tasks   []*NutanixTask

	// TaskFaults are consumed, in order, by the next tasks whose operation
	// matches: they make a task fail or never finish. See NutanixTaskFault.
	TaskFaults []NutanixTaskFault

	// Seq is the counter from which the simulator derives new ext ids (see
	// NewNutanixID). It only grows; keep it when saving an estate.
	Seq uint64
}

// NutanixCluster is a Prism Element cluster registered to a Prism Central.
type NutanixCluster struct {
	ExtID string
	Name  string
	// Version is the AOS version, e.g. "6.8.1".
	Version string
	// Hypervisor is "AHV" or "ESX".
	Hypervisor string
	Nodes      int
	// Address is the cluster's virtual IP.
	Address string
	// Unavailable marks a cluster Prism Central cannot reach.
	Unavailable bool
}

// NutanixDisk is a virtual disk of a VM or a volume group.
type NutanixDisk struct {
	ExtID     string
	SizeBytes int64
	// BusType is "SCSI", "IDE", "SATA" or "PCI" (VM disks only).
	BusType string
	Index   int
	// ContainerExtID is the storage container holding the disk.
	ContainerExtID string
}

// NutanixSubnet is a VLAN subnet of a Prism Central.
type NutanixSubnet struct {
	ExtID        string
	Name         string
	VlanID       int
	ClusterExtID string
}

// NutanixNIC is a virtual NIC of a VM.
type NutanixNIC struct {
	ExtID string
	MAC   string
	// SubnetExtID is the subnet the NIC attaches to.
	SubnetExtID string
	// Connected is false for a NIC whose link is down (isConnected).
	Connected bool
}

// NutanixNICUpdate replaces the NIC of VMExtID with the same ext id.
type NutanixNICUpdate struct {
	VMExtID string
	NIC     NutanixNIC
}

// NutanixVM is an AHV virtual machine.
type NutanixVM struct {
	ExtID        string
	Name         string
	Description  string
	ClusterExtID string
	HostExtID    string
	// PowerState is "ON", "OFF" or "PAUSED".
	PowerState        string
	NumSockets        int
	NumCoresPerSocket int
	MemoryBytes       int64
	Disks             []NutanixDisk
	NICs              []NutanixNIC
	// Categories are "key/value" category names, e.g. "Environment/Production".
	Categories []string
	// ProtectionPolicyExtID is the protection policy protecting the VM, ""
	// for an unprotected VM.
	ProtectionPolicyExtID string
	// Writes models the VM's disk writes, served by the VM stats API
	// (nil: the VM writes nothing).
	Writes     *NutanixWriteModel
	CreateTime time.Time
	UpdateTime time.Time
	// GenerationUUID changes whenever the VM's configuration is replaced
	// (a revert).
	GenerationUUID string
	// RestoredFrom is the VM recovery point a restored VM was created from.
	RestoredFrom string
	// RevertedFrom is the VM recovery point the VM was last reverted to.
	RevertedFrom string
}

// NutanixVolumeGroup is a volume group.
type NutanixVolumeGroup struct {
	ExtID        string
	Name         string
	Description  string
	ClusterExtID string
	// SharingStatus is "SHARED" or "NOT_SHARED".
	SharingStatus string
	// UsageType is "USER", "INTERNAL", "TEMPORARY" or "BACKUP_TARGET".
	UsageType             string
	Disks                 []NutanixDisk
	ProtectionPolicyExtID string
	// Categories are "key/value" category names; a protection policy
	// protects the volume groups that carry one of its categories.
	Categories []string
	CreateTime time.Time
	// RestoredFrom is the volume group recovery point a restored volume group
	// was created from.
	RestoredFrom string
}

// NutanixRecoveryPoint is a top-level (composite) recovery point.
type NutanixRecoveryPoint struct {
	ExtID        string
	Name         string
	CreationTime time.Time
	// ExpirationTime is when the recovery point is garbage collected; zero
	// means it never expires.
	ExpirationTime time.Time
	// Type is "CRASH_CONSISTENT" or "APPLICATION_CONSISTENT".
	Type               string
	LocationAgnosticID string
	// ClusterExtIDs are the clusters holding the recovery point (its
	// location references).
	ClusterExtIDs []string
	OwnerExtID    string
	IsSecure      bool
	// SourceDomainManagerExtID and SourceClusterExtIDs say where the
	// recovery point was taken; for a replica they name the source site.
	SourceDomainManagerExtID string
	SourceClusterExtIDs      []string
	// ProtectionPolicyExtID is the policy whose schedule took the recovery
	// point, "" for a manual one.
	ProtectionPolicyExtID    string
	TotalExclusiveUsageBytes int64
	VMRecoveryPoints         []NutanixVMRecoveryPoint
	VGRecoveryPoints         []NutanixVGRecoveryPoint
}

// NutanixDiskRecoveryPoint is one disk captured by a VM or volume group
// recovery point.
type NutanixDiskRecoveryPoint struct {
	DiskExtID              string
	DiskRecoveryPointExtID string
}

// NutanixVMRecoveryPoint is the part of a recovery point that captures one VM.
type NutanixVMRecoveryPoint struct {
	ExtID   string
	VMExtID string
	// LocationAgnosticID is shared by the copies of this VM recovery point
	// on every site ("" derives it from ExtID, for estates built before it
	// was stored).
	LocationAgnosticID       string
	ConsistencyGroupExtID    string
	TotalExclusiveUsageBytes int64
	Disks                    []NutanixDiskRecoveryPoint
	// VSS holds the application-consistent (VSS) properties asked for at
	// create; nil for crash-consistent captures.
	VSS *NutanixVSSProperties
	// VM is the VM as it was when captured: restore and revert use it.
	VM NutanixVM
}

// NutanixVSSProperties are dataprotection.v4.common.VssProperties.
type NutanixVSSProperties struct {
	BackupType             string // FULL_BACKUP or COPY_BACKUP
	ShouldIncludeWriters   bool
	Writers                []string
	ShouldStoreVSSMetadata bool
}

// LocationAgnostic returns the id shared by every site's copy of a member
// recovery point with this ext id and stored id.
func LocationAgnostic(extID, stored string) string {
	if stored != "" {
		return stored
	}
	return NewNutanixID(extID, "location-agnostic")
}

// NutanixVGRecoveryPoint is the part of a recovery point that captures one
// volume group.
type NutanixVGRecoveryPoint struct {
	ExtID            string
	VolumeGroupExtID string
	// LocationAgnosticID: as for NutanixVMRecoveryPoint.
	LocationAgnosticID       string
	ConsistencyGroupExtID    string
	TotalExclusiveUsageBytes int64
	Disks                    []NutanixDiskRecoveryPoint
	// VolumeGroup is the volume group as it was when captured.
	VolumeGroup NutanixVolumeGroup
}

// NutanixProtectionPolicy is a protection policy with one local schedule
// and, optionally, replication to the paired Prism Central.
type NutanixProtectionPolicy struct {
	ExtID       string
	Name        string
	Description string
	// RPOSeconds is the recovery point objective of the schedule.
	RPOSeconds int
	// RecoveryPointType is "CRASH_CONSISTENT" or "APPLICATION_CONSISTENT".
	RecoveryPointType string
	// LocalRetention and RemoteRetention are linear retention counts.
	LocalRetention  int
	RemoteRetention int
	// LocalClusterExtIDs are the protected clusters (empty means all).
	LocalClusterExtIDs []string
	// RemotePrismCentral names the Prism Central replicated to ("" for a
	// local-only policy) and RemoteClusterExtID its target cluster.
	RemotePrismCentral string
	RemoteClusterExtID string
	// Categories are the "key/value" categories whose members it protects.
	Categories []string
}

// NutanixEntityRef names an entity a task touched.
type NutanixEntityRef struct {
	ExtID string
	Name  string
	// Rel is the entity's kind as Prism names it, e.g.
	// "dataprotection:config:recovery-point" or "vmm:ahv:config:vm".
	Rel string
}

// NutanixKV is a task completion detail.
type NutanixKV struct {
	Name  string
	Value string
}

// NutanixTask is an asynchronous Prism Central task. Its state follows from
// the clock: it is QUEUED from CreatedTime for QueueTime, then RUNNING, and
// SUCCEEDED (or FAILED when ErrorMessage is set) at CreatedTime+Duration,
// unless Stuck. When it succeeds the simulator applies Outcome to the
// estate once and sets Applied.
type NutanixTask struct {
	ExtID       string
	Operation   string
	Description string
	// RequestID and RequestKey ("METHOD /path") identify the request that
	// created the task: the same NTNX-Request-Id on the same request replays
	// the task instead of starting another.
	RequestID   string
	RequestKey  string
	CreatedTime time.Time
	QueueTime   time.Duration
	Duration    time.Duration
	// Stuck tasks never finish.
	Stuck bool
	// ErrorMessage makes the task end FAILED with this message and
	// ErrorCode; the outcome is then not applied.
	ErrorMessage  string
	ErrorCode     string
	ClusterExtIDs []string
	OwnerName     string
	// EntitiesAffected are shown from the start; CreatedEntities and
	// CompletionDetails only once the task has succeeded.
	EntitiesAffected  []NutanixEntityRef
	CreatedEntities   []NutanixEntityRef
	CompletionDetails []NutanixKV
	Applied           bool
	Outcome           NutanixTaskOutcome
}

// CompletedTime is when the task ends (succeeds or fails), if not stuck.
func (t *NutanixTask) CompletedTime() time.Time { return t.CreatedTime.Add(t.Duration) }

// NutanixTaskOutcome is what a task does to the estate when it succeeds.
type NutanixTaskOutcome struct {
	// AddRecoveryPoint is added to the Prism Central named
	// TargetPrismCentral ("" for the task's own): create and replicate.
	AddRecoveryPoint   *NutanixRecoveryPoint
	TargetPrismCentral string
	// AddLocation adds a cluster to an existing recovery point's location
	// references (replication to another cluster of the same Prism Central).
	AddLocationRecoveryPointExtID string
	AddLocationClusterExtID       string
	// SetExpirationRecoveryPointExtID gets ExpirationTime.
	SetExpirationRecoveryPointExtID string
	ExpirationTime                  time.Time
	// DeleteRecoveryPointExtID is removed.
	DeleteRecoveryPointExtID string
	// AddVMs and AddVolumeGroups are created (restore).
	AddVMs          []NutanixVM
	AddVolumeGroups []NutanixVolumeGroup
	// RevertVM replaces the VM with the same ext id (revert).
	RevertVM *NutanixVM
	// UpdateVolumeGroup replaces the volume group with the same ext id
	// (category association).
	UpdateVolumeGroup *NutanixVolumeGroup
	// PowerOnVMExtID is powered on; DeleteVMExtID is removed.
	PowerOnVMExtID string
	DeleteVMExtID  string
	// UpdateNIC replaces one NIC of a VM (vmm UpdateNicById).
	UpdateNIC *NutanixNICUpdate
}

// NutanixTaskFault makes the next Count tasks of Operation ("" for any
// operation) fail with Message, or never finish when Stuck.
type NutanixTaskFault struct {
	Operation string
	Count     int
	Message   string
	Stuck     bool
}

// Nutanix task operations, as Prism names them in Task.operation. The
// names of restore, replicate and revert are the ones real tasks carry;
// the others are not documented and follow the SDK's method names.
const (
	OpCreateRecoveryPoint    = "CreateRecoveryPoint"
	OpDeleteRecoveryPoint    = "DeleteRecoveryPoint"
	OpSetRecoveryPointExpiry = "SetRecoveryPointExpirationTime"
	OpRestoreRecoveryPoint   = "RestoreRecoveryPoint"
	OpReplicateRecoveryPoint = "EntitySnapshotReplicate"
	OpRevertVM               = "RevertVm"
	OpDeleteVM               = "DeleteVm"
	OpPowerOnVM              = "PowerOnVm"
	OpUpdateNIC              = "UpdateNic"
)

const (
	nutanixIDNamespace        = "recovery-mcp/sim/nutanix"
	defaultNutanixPassword    = "Nutanix/4u!"
	smallNutanixRPOSeconds    = 4 * 3600
	smallNutanixLocalRetained = 18
)

// NewNutanixID derives a UUID-shaped ext id from seed and the parts, the
// same every time for the same input. Simulators pass the Prism Central's
// ExtID, a kind and a counter (PrismCentral.Seq), so ids never depend on the
// wall clock or a random source.
func NewNutanixID(seed string, parts ...any) string {
	h := sha256.New()
	fmt.Fprint(h, nutanixIDNamespace, "|", seed)
	for _, p := range parts {
		fmt.Fprint(h, "|", p)
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x40 // version 4 layout
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NextID returns a new ext id for kind and advances Seq. Hold Mu.
func (pc *PrismCentral) NextID(kind string) string {
	pc.Seq++
	return NewNutanixID(pc.ExtID, kind, pc.Seq)
}

// ClusterByExtID returns the cluster, or nil. Hold Mu.
func (pc *PrismCentral) ClusterByExtID(id string) *NutanixCluster {
	for _, c := range pc.Clusters {
		if c.ExtID == id {
			return c
		}
	}
	return nil
}

// VMByExtID returns the VM, or nil. Hold Mu.
func (pc *PrismCentral) VMByExtID(id string) *NutanixVM {
	for _, v := range pc.VMs {
		if v.ExtID == id {
			return v
		}
	}
	return nil
}

// VolumeGroupByExtID returns the volume group, or nil. Hold Mu.
func (pc *PrismCentral) VolumeGroupByExtID(id string) *NutanixVolumeGroup {
	for _, v := range pc.VolumeGroups {
		if v.ExtID == id {
			return v
		}
	}
	return nil
}

// SubnetByExtID returns the subnet, or nil. Hold Mu.
func (pc *PrismCentral) SubnetByExtID(id string) *NutanixSubnet {
	for _, s := range pc.Subnets {
		if s.ExtID == id {
			return s
		}
	}
	return nil
}

// ClusterSubnet returns the VM network of cluster c, named
// "<cluster>-vm-net", adding it (VLAN vlan) when pc has none yet. Hold Mu.
func (pc *PrismCentral) ClusterSubnet(c *NutanixCluster, vlan int) *NutanixSubnet {
	name := c.Name + "-vm-net"
	for _, s := range pc.Subnets {
		if s.Name == name {
			return s
		}
	}
	s := &NutanixSubnet{ExtID: NewNutanixID(c.ExtID, "subnet", name), Name: name, VlanID: vlan, ClusterExtID: c.ExtID}
	pc.Subnets = append(pc.Subnets, s)
	return s
}

// IsolatedSubnetName is the subnet every cluster of a generated Prism
// Central has for recovery drills: a VLAN with no route to production.
const IsolatedSubnetName = "drill-isolated"

// AddIsolatedSubnet adds an IsolatedSubnetName subnet on every cluster of
// pc that has none (VLAN subnets belong to a cluster). Hold Mu.
func (pc *PrismCentral) AddIsolatedSubnet() {
	for _, c := range pc.Clusters {
		if slices.ContainsFunc(pc.Subnets, func(s *NutanixSubnet) bool {
			return s.Name == IsolatedSubnetName && s.ClusterExtID == c.ExtID
		}) {
			continue
		}
		pc.Subnets = append(pc.Subnets, &NutanixSubnet{ExtID: NewNutanixID(c.ExtID, "subnet", IsolatedSubnetName), Name: IsolatedSubnetName, VlanID: 999, ClusterExtID: c.ExtID})
	}
}

// NewNutanixNIC is a connected NIC on subnet with an ext id and a MAC
// address derived from seed (a VM's ext id) and index.
func NewNutanixNIC(seed string, index int, subnet *NutanixSubnet) NutanixNIC {
	id := NewNutanixID(seed, "nic", index)
	h := sha256.Sum256([]byte(id))
	n := NutanixNIC{ExtID: id, MAC: fmt.Sprintf("50:6b:8d:%02x:%02x:%02x", h[0], h[1], h[2]), Connected: true}
	if subnet != nil {
		n.SubnetExtID = subnet.ExtID
	}
	return n
}

// RecoveryPointByExtID returns the recovery point, or nil. Hold Mu.
func (pc *PrismCentral) RecoveryPointByExtID(id string) *NutanixRecoveryPoint {
	for _, rp := range pc.RecoveryPoints {
		if rp.ExtID == id {
			return rp
		}
	}
	return nil
}

// ProtectionPolicyByExtID returns the protection policy, or nil. Hold Mu.
func (pc *PrismCentral) ProtectionPolicyByExtID(id string) *NutanixProtectionPolicy {
	for _, p := range pc.ProtectionPolicies {
		if p.ExtID == id {
			return p
		}
	}
	return nil
}

// TaskByExtID returns the task, or nil. Hold Mu.
func (pc *PrismCentral) TaskByExtID(id string) *NutanixTask {
	for _, t := range pc.Tasks {
		if t.ExtID == id {
			return t
		}
	}
	return nil
}

// SmallNutanix appends a small hand-built pair of Prism Centrals to e:
// "pc-prod" (two clusters, ten VMs, two volume groups, a protection policy
// replicating to pc-dr, and three days of four-hourly recovery points of the
// protected VMs) and "pc-dr" (one cluster, a standby VM and the replicas of
// the latest recovery points). Both accept admin / "Nutanix/4u!" and the
// API keys "prod-api-key" and "dr-api-key". e.Clock.Now() is "now".
func SmallNutanix(e *Estate) {
	now := e.Clock.Now()
	prod := &PrismCentral{
		Name:     "pc-prod",
		ExtID:    NewNutanixID("pc-prod", "domain-manager"),
		Username: "admin",
		Password: defaultNutanixPassword,
		APIKeys:  []string{"prod-api-key"},
		Version:  "pc.2024.3",
		Address:  "10.10.0.10",
		Remote:   "pc-dr",
	}
	dr := &PrismCentral{
		Name:     "pc-dr",
		ExtID:    NewNutanixID("pc-dr", "domain-manager"),
		Username: "admin",
		Password: defaultNutanixPassword,
		APIKeys:  []string{"dr-api-key"},
		Version:  "pc.2024.3",
		Address:  "10.20.0.10",
		Remote:   "pc-prod",
	}
	id := func(pc *PrismCentral, kind string) string { return pc.NextID(kind) }

	prodA := &NutanixCluster{ExtID: id(prod, "cluster"), Name: "prod-ahv-01", Version: "6.8.1", Hypervisor: "AHV", Nodes: 4, Address: "10.10.1.10"}
	prodB := &NutanixCluster{ExtID: id(prod, "cluster"), Name: "prod-ahv-02", Version: "6.8.1", Hypervisor: "AHV", Nodes: 3, Address: "10.10.2.10"}
	drA := &NutanixCluster{ExtID: id(dr, "cluster"), Name: "dr-ahv-01", Version: "6.8.1", Hypervisor: "AHV", Nodes: 3, Address: "10.20.1.10"}
	prod.Clusters = []*NutanixCluster{prodA, prodB}
	dr.Clusters = []*NutanixCluster{drA}

	policy := &NutanixProtectionPolicy{
		ExtID:              id(prod, "protection-policy"),
		Name:               "gold-4h-dr",
		Description:        "Every 4 hours, keep 18 locally and 6 on pc-dr",
		RPOSeconds:         smallNutanixRPOSeconds,
		RecoveryPointType:  "CRASH_CONSISTENT",
		LocalRetention:     smallNutanixLocalRetained,
		RemoteRetention:    6,
		LocalClusterExtIDs: []string{prodA.ExtID, prodB.ExtID},
		RemotePrismCentral: dr.Name,
		RemoteClusterExtID: drA.ExtID,
		Categories:         []string{"Protection/Gold"},
	}
	prod.ProtectionPolicies = []*NutanixProtectionPolicy{policy}

	type vmDef struct {
		name      string
		cluster   *NutanixCluster
		protected bool
		on        bool
		cpus      int
		memGiB    int64
		disksGiB  []int64
		env       string
	}
	defs := []vmDef{
		{"sql-prod-01", prodA, true, true, 8, 64, []int64{100, 500, 200}, "Production"},
		{"sql-prod-02", prodA, true, true, 8, 64, []int64{100, 500, 200}, "Production"},
		{"web-01", prodA, true, true, 2, 8, []int64{60}, "Production"},
		{"web-02", prodA, true, true, 2, 8, []int64{60}, "Production"},
		{"app-01", prodB, true, true, 4, 16, []int64{80, 120}, "Production"},
		{"app-02", prodB, true, true, 4, 16, []int64{80, 120}, "Production"},
		{"exchange-01", prodB, true, true, 8, 48, []int64{120, 1024}, "Production"},
		{"build-agent-01", prodB, false, true, 4, 16, []int64{200}, "Development"},
		{"test-vm-17", prodA, false, false, 2, 4, []int64{40}, "Test"},
		{"jumpbox", prodB, false, true, 2, 4, []int64{50}, "Management"},
	}
	created := now.Add(-120 * 24 * time.Hour)
	for i, d := range defs {
		vm := &NutanixVM{
			ExtID:             id(prod, "vm"),
			Name:              d.name,
			ClusterExtID:      d.cluster.ExtID,
			HostExtID:         NewNutanixID(d.cluster.ExtID, "host", i%d.cluster.Nodes),
			PowerState:        "OFF",
			NumSockets:        d.cpus,
			NumCoresPerSocket: 1,
			MemoryBytes:       d.memGiB << 30,
			Categories:        []string{"Environment/" + d.env},
			CreateTime:        created.Add(time.Duration(i) * 24 * time.Hour),
			UpdateTime:        created.Add(time.Duration(i)*24*time.Hour + time.Hour),
		}
		vm.GenerationUUID = NewNutanixID(vm.ExtID, "generation", 0)
		vm.NICs = []NutanixNIC{NewNutanixNIC(vm.ExtID, 0, prod.ClusterSubnet(d.cluster, 10+i%2))}
		if d.on {
			vm.PowerState = "ON"
		}
		if d.protected {
			vm.ProtectionPolicyExtID = policy.ExtID
			vm.Categories = append(vm.Categories, "Protection/Gold")
		}
		for j, gib := range d.disksGiB {
			vm.Disks = append(vm.Disks, NutanixDisk{
				ExtID: id(prod, "disk"), SizeBytes: gib << 30, BusType: "SCSI", Index: j,
				ContainerExtID: NewNutanixID(d.cluster.ExtID, "container", "default"),
			})
		}
		prod.VMs = append(prod.VMs, vm)
	}
	for i, name := range []string{"oracle-asm-vg", "file-share-vg"} {
		vg := &NutanixVolumeGroup{
			ExtID:         id(prod, "volume-group"),
			Name:          name,
			Description:   "iSCSI volume group for " + name[:len(name)-3],
			ClusterExtID:  prodA.ExtID,
			SharingStatus: "SHARED",
			UsageType:     "USER",
			CreateTime:    created.Add(time.Duration(i+3) * 24 * time.Hour),
		}
		if i == 0 {
			// A policy protects the volume groups of its categories.
			vg.ProtectionPolicyExtID = policy.ExtID
			vg.Categories = []string{"Protection/Gold"}
		}
		for j, gib := range []int64{256, 256} {
			vg.Disks = append(vg.Disks, NutanixDisk{
				ExtID: id(prod, "disk"), SizeBytes: gib << 30, Index: j,
				ContainerExtID: NewNutanixID(prodA.ExtID, "container", "default"),
			})
		}
		prod.VolumeGroups = append(prod.VolumeGroups, vg)
	}
	dr.VMs = []*NutanixVM{{
		ExtID: id(dr, "vm"), Name: "dr-witness", ClusterExtID: drA.ExtID,
		HostExtID: NewNutanixID(drA.ExtID, "host", 0), PowerState: "ON",
		NumSockets: 2, NumCoresPerSocket: 1, MemoryBytes: 4 << 30,
		Disks:      []NutanixDisk{{ExtID: id(dr, "disk"), SizeBytes: 40 << 30, BusType: "SCSI"}},
		Categories: []string{"Environment/Management"},
		CreateTime: created, UpdateTime: created,
	}}
	dr.VMs[0].GenerationUUID = NewNutanixID(dr.VMs[0].ExtID, "generation", 0)
	dr.VMs[0].NICs = []NutanixNIC{NewNutanixNIC(dr.VMs[0].ExtID, 0, dr.ClusterSubnet(drA, 20))}
	prod.AddIsolatedSubnet()
	dr.AddIsolatedSubnet()

	// Three days of four-hourly policy recovery points, one per protected
	// cluster and slot (like a consistency group per cluster); the older
	// ones expire after 72 hours, as LocalRetention implies.
	retention := time.Duration(smallNutanixLocalRetained*smallNutanixRPOSeconds) * time.Second
	first := now.Truncate(time.Duration(smallNutanixRPOSeconds) * time.Second).Add(-72 * time.Hour)
	for slot := first; !slot.After(now); slot = slot.Add(time.Duration(smallNutanixRPOSeconds) * time.Second) {
		expires := slot.Add(retention)
		if !expires.After(now) {
			continue // already garbage collected
		}
		for _, cl := range prod.Clusters {
			rp := &NutanixRecoveryPoint{
				ExtID:                    id(prod, "recovery-point"),
				Name:                     fmt.Sprintf("%s_%s_%s", policy.Name, cl.Name, slot.Format("2006-01-02_15-04")),
				CreationTime:             slot.Add(90 * time.Second),
				ExpirationTime:           expires,
				Type:                     "CRASH_CONSISTENT",
				ClusterExtIDs:            []string{cl.ExtID},
				OwnerExtID:               "00000000-0000-0000-0000-000000000000",
				SourceDomainManagerExtID: prod.ExtID,
				SourceClusterExtIDs:      []string{cl.ExtID},
				ProtectionPolicyExtID:    policy.ExtID,
			}
			rp.LocationAgnosticID = NewNutanixID(rp.ExtID, "location-agnostic")
			for _, vm := range prod.VMs {
				if vm.ProtectionPolicyExtID != policy.ExtID || vm.ClusterExtID != cl.ExtID {
					continue
				}
				vmrp := NutanixVMRecoveryPoint{ExtID: id(prod, "vm-recovery-point"), VMExtID: vm.ExtID, VM: CloneNutanixVM(*vm)}
				var total int64
				for _, d := range vm.Disks {
					vmrp.Disks = append(vmrp.Disks, NutanixDiskRecoveryPoint{DiskExtID: d.ExtID, DiskRecoveryPointExtID: id(prod, "disk-recovery-point")})
					total += d.SizeBytes
				}
				vmrp.TotalExclusiveUsageBytes = total / 50 // ~2 % daily change
				rp.TotalExclusiveUsageBytes += vmrp.TotalExclusiveUsageBytes
				rp.VMRecoveryPoints = append(rp.VMRecoveryPoints, vmrp)
			}
			for _, vg := range prod.VolumeGroups {
				if vg.ProtectionPolicyExtID != policy.ExtID || vg.ClusterExtID != cl.ExtID {
					continue
				}
				vgrp := NutanixVGRecoveryPoint{ExtID: id(prod, "vg-recovery-point"), VolumeGroupExtID: vg.ExtID, VolumeGroup: CloneNutanixVolumeGroup(*vg)}
				var total int64
				for _, d := range vg.Disks {
					vgrp.Disks = append(vgrp.Disks, NutanixDiskRecoveryPoint{DiskExtID: d.ExtID, DiskRecoveryPointExtID: id(prod, "disk-recovery-point")})
					total += d.SizeBytes
				}
				vgrp.TotalExclusiveUsageBytes = total / 40
				rp.TotalExclusiveUsageBytes += vgrp.TotalExclusiveUsageBytes
				rp.VGRecoveryPoints = append(rp.VGRecoveryPoints, vgrp)
			}
			if len(rp.VMRecoveryPoints)+len(rp.VGRecoveryPoints) == 0 {
				continue
			}
			prod.RecoveryPoints = append(prod.RecoveryPoints, rp)
			// The newest six are replicated to pc-dr.
			if now.Sub(slot) < time.Duration(policy.RemoteRetention*smallNutanixRPOSeconds)*time.Second {
				dr.RecoveryPoints = append(dr.RecoveryPoints, ReplicaOf(rp, dr, drA.ExtID))
			}
		}
	}
	e.PrismCentrals = append(e.PrismCentrals, prod, dr)
}

// ReplicaOf returns the copy of rp that replication creates on another
// site, located on clusterExtID and keeping rp's location agnostic id, name,
// times, source location and captured entities. New ext ids come from
// ids.NextID (hold ids.Mu): the target Prism Central, or the source when the
// replica is prepared there before the target is touched.
func ReplicaOf(rp *NutanixRecoveryPoint, ids *PrismCentral, clusterExtID string) *NutanixRecoveryPoint {
	target := ids
	r := CloneNutanixRecoveryPoint(*rp)
	r.ExtID = target.NextID("recovery-point")
	r.ClusterExtIDs = []string{clusterExtID}
	for i := range r.VMRecoveryPoints {
		v := &r.VMRecoveryPoints[i]
		v.LocationAgnosticID = LocationAgnostic(v.ExtID, v.LocationAgnosticID)
		r.VMRecoveryPoints[i].ExtID = target.NextID("vm-recovery-point")
		for j := range r.VMRecoveryPoints[i].Disks {
			r.VMRecoveryPoints[i].Disks[j].DiskRecoveryPointExtID = target.NextID("disk-recovery-point")
		}
	}
	for i := range r.VGRecoveryPoints {
		v := &r.VGRecoveryPoints[i]
		v.LocationAgnosticID = LocationAgnostic(v.ExtID, v.LocationAgnosticID)
		r.VGRecoveryPoints[i].ExtID = target.NextID("vg-recovery-point")
		for j := range r.VGRecoveryPoints[i].Disks {
			r.VGRecoveryPoints[i].Disks[j].DiskRecoveryPointExtID = target.NextID("disk-recovery-point")
		}
	}
	return &r
}

// NutanixWriteModel is a VM's write rate: BytesPerDay on average, times
// SpikeFactor from SpikeAt on, with deterministic noise of ±20 % per
// sample.
type NutanixWriteModel struct {
	BytesPerDay float64
	SpikeAt     time.Time
	SpikeFactor float64
}

// WrittenBetween is the bytes the model writes in [from, to), with noise
// keyed by the VM and the interval so the same query gives the same answer.
func (m *NutanixWriteModel) WrittenBetween(key string, from, to time.Time) float64 {
	if m == nil || !to.After(from) {
		return 0
	}
	perSec := m.BytesPerDay / 86400
	base := perSec * to.Sub(from).Seconds()
	if !m.SpikeAt.IsZero() && to.After(m.SpikeAt) && m.SpikeFactor > 0 {
		after := to.Sub(maxTime(from, m.SpikeAt)).Seconds()
		base += perSec * after * (m.SpikeFactor - 1)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%d", key, from.Unix(), to.Unix())
	noise := 0.8 + 0.4*float64(h.Sum64()%10000)/10000
	return base * noise
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// CloneNutanixVM returns a deep copy of vm (the write model is shared:
// it is read only).
func CloneNutanixVM(vm NutanixVM) NutanixVM {
	vm.Disks = append([]NutanixDisk(nil), vm.Disks...)
	vm.NICs = append([]NutanixNIC(nil), vm.NICs...)
	vm.Categories = append([]string(nil), vm.Categories...)
	return vm
}

// CloneNutanixVolumeGroup returns a deep copy of vg.
func CloneNutanixVolumeGroup(vg NutanixVolumeGroup) NutanixVolumeGroup {
	vg.Disks = append([]NutanixDisk(nil), vg.Disks...)
	vg.Categories = append([]string(nil), vg.Categories...)
	return vg
}

// CloneNutanixRecoveryPoint returns a deep copy of rp.
func CloneNutanixRecoveryPoint(rp NutanixRecoveryPoint) NutanixRecoveryPoint {
	rp.ClusterExtIDs = append([]string(nil), rp.ClusterExtIDs...)
	rp.SourceClusterExtIDs = append([]string(nil), rp.SourceClusterExtIDs...)
	vms := make([]NutanixVMRecoveryPoint, len(rp.VMRecoveryPoints))
	for i, v := range rp.VMRecoveryPoints {
		v.Disks = append([]NutanixDiskRecoveryPoint(nil), v.Disks...)
		if v.VSS != nil {
			vss := *v.VSS
			vss.Writers = append([]string(nil), vss.Writers...)
			v.VSS = &vss
		}
		v.VM = CloneNutanixVM(v.VM)
		vms[i] = v
	}
	rp.VMRecoveryPoints = vms
	vgs := make([]NutanixVGRecoveryPoint, len(rp.VGRecoveryPoints))
	for i, v := range rp.VGRecoveryPoints {
		v.Disks = append([]NutanixDiskRecoveryPoint(nil), v.Disks...)
		v.VolumeGroup = CloneNutanixVolumeGroup(v.VolumeGroup)
		vgs[i] = v
	}
	rp.VGRecoveryPoints = vgs
	return rp
}
