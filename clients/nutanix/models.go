package nutanix

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Reference is an {extId} reference.
type Reference struct {
	ExtID string `json:"extId,omitempty"`
}

// LocationReference is where a recovery point lives (a cluster).
type LocationReference struct {
	LocationExtID string `json:"locationExtId,omitempty"`
}

// DisasterRecoveryLocation is a site: a Prism Central and clusters.
type DisasterRecoveryLocation struct {
	ClusterExtIDs      []string `json:"clusterExtIds,omitempty"`
	DomainManagerExtID string   `json:"domainManagerExtId,omitempty"`
}

// DiskRecoveryPoint is one captured disk.
type DiskRecoveryPoint struct {
	DiskExtID              string `json:"diskExtId,omitempty"`
	DiskRecoveryPointExtID string `json:"diskRecoveryPointExtId,omitempty"`
}

// RecoveryPoint is dataprotection.v4.config.RecoveryPoint.
type RecoveryPoint struct {
	ExtID                     string                     `json:"extId,omitempty"`
	Name                      string                     `json:"name,omitempty"`
	CreationTime              time.Time                  `json:"creationTime,omitzero"`
	ExpirationTime            time.Time                  `json:"expirationTime,omitzero"`
	Status                    string                     `json:"status,omitempty"`
	RecoveryPointType         string                     `json:"recoveryPointType,omitempty"`
	LocationAgnosticID        string                     `json:"locationAgnosticId,omitempty"`
	LocationReferences        []LocationReference        `json:"locationReferences,omitempty"`
	OwnerExtID                string                     `json:"ownerExtId,omitempty"`
	IsSecure                  bool                       `json:"isSecure,omitempty"`
	SourceLocation            *DisasterRecoveryLocation  `json:"sourceLocation,omitempty"`
	TotalExclusiveUsageBytes  int64                      `json:"totalExclusiveUsageBytes,omitempty"`
	VMRecoveryPoints          []VMRecoveryPoint          `json:"vmRecoveryPoints,omitempty"`
	VolumeGroupRecoveryPoints []VolumeGroupRecoveryPoint `json:"volumeGroupRecoveryPoints,omitempty"`
	// ETag is the entity tag read with the recovery point (single GETs
	// only); pass it as Mutation.IfMatch.
	ETag string `json:"-"`
}

// ClusterExtIDs returns the clusters the recovery point is located on.
func (rp *RecoveryPoint) ClusterExtIDs() []string {
	out := make([]string, 0, len(rp.LocationReferences))
	for _, l := range rp.LocationReferences {
		out = append(out, l.LocationExtID)
	}
	return out
}

// Expires reports whether the recovery point has an expiration time.
func (rp *RecoveryPoint) Expires() bool { return !rp.ExpirationTime.IsZero() }

// VMRecoveryPoint is dataprotection.v4.config.VmRecoveryPoint.
type VMRecoveryPoint struct {
	ExtID                    string              `json:"extId,omitempty"`
	VMExtID                  string              `json:"vmExtId,omitempty"`
	Name                     string              `json:"name,omitempty"`
	CreationTime             time.Time           `json:"creationTime,omitzero"`
	ExpirationTime           time.Time           `json:"expirationTime,omitzero"`
	Status                   string              `json:"status,omitempty"`
	RecoveryPointType        string              `json:"recoveryPointType,omitempty"`
	LocationAgnosticID       string              `json:"locationAgnosticId,omitempty"`
	ConsistencyGroupExtID    string              `json:"consistencyGroupExtId,omitempty"`
	VMCategories             []string            `json:"vmCategories,omitempty"`
	DiskRecoveryPoints       []DiskRecoveryPoint `json:"diskRecoveryPoints,omitempty"`
	HypervisorType           string              `json:"hypervisorType,omitempty"`
	TotalExclusiveUsageBytes int64               `json:"totalExclusiveUsageBytes,omitempty"`
	ETag                     string              `json:"-"`
}

// VolumeGroupRecoveryPoint is dataprotection.v4.config.VolumeGroupRecoveryPoint.
type VolumeGroupRecoveryPoint struct {
	ExtID                    string              `json:"extId,omitempty"`
	VolumeGroupExtID         string              `json:"volumeGroupExtId,omitempty"`
	ConsistencyGroupExtID    string              `json:"consistencyGroupExtId,omitempty"`
	LocationAgnosticID       string              `json:"locationAgnosticId,omitempty"`
	VolumeGroupCategories    []string            `json:"volumeGroupCategories,omitempty"`
	DiskRecoveryPoints       []DiskRecoveryPoint `json:"diskRecoveryPoints,omitempty"`
	TotalExclusiveUsageBytes int64               `json:"totalExclusiveUsageBytes,omitempty"`
}

// EntityReference is an entity a task touched.
type EntityReference struct {
	ExtID string `json:"extId,omitempty"`
	Name  string `json:"name,omitempty"`
	Rel   string `json:"rel,omitempty"`
}

// KVPair is a task completion detail. Value is a string, number, boolean,
// list or map as Prism sent it.
type KVPair struct {
	Name  string `json:"name"`
	Value any    `json:"value,omitempty"`
}

// String renders Value: lists are joined with commas.
func (kv KVPair) String() string {
	switch v := kv.Value.(type) {
	case nil:
		return ""
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ",")
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".")
	}
	b, _ := json.Marshal(kv.Value)
	return string(b)
}

// Task is prism.v4.config.Task.
type Task struct {
	ExtID                    string            `json:"extId,omitempty"`
	Operation                string            `json:"operation,omitempty"`
	OperationDescription     string            `json:"operationDescription,omitempty"`
	Status                   string            `json:"status,omitempty"`
	ProgressPercentage       int               `json:"progressPercentage,omitempty"`
	CreatedTime              time.Time         `json:"createdTime,omitzero"`
	StartedTime              time.Time         `json:"startedTime,omitzero"`
	CompletedTime            time.Time         `json:"completedTime,omitzero"`
	LastUpdatedTime          time.Time         `json:"lastUpdatedTime,omitzero"`
	EntitiesAffected         []EntityReference `json:"entitiesAffected,omitempty"`
	CompletionDetails        []KVPair          `json:"completionDetails,omitempty"`
	ErrorMessages            []AppMessage      `json:"errorMessages,omitempty"`
	Warnings                 []AppMessage      `json:"warnings,omitempty"`
	LegacyErrorMessage       string            `json:"legacyErrorMessage,omitempty"`
	ClusterExtIDs            []string          `json:"clusterExtIds,omitempty"`
	OwnedBy                  *EntityReference  `json:"ownedBy,omitempty"`
	ParentTask               *EntityReference  `json:"parentTask,omitempty"`
	SubTasks                 []EntityReference `json:"subTasks,omitempty"`
	IsCancelable             bool              `json:"isCancelable,omitempty"`
	IsBackgroundTask         bool              `json:"isBackgroundTask,omitempty"`
	NumberOfEntitiesAffected int               `json:"numberOfEntitiesAffected,omitempty"`
}

// Task statuses.
const (
	TaskQueued    = "QUEUED"
	TaskRunning   = "RUNNING"
	TaskCanceling = "CANCELING"
	TaskSucceeded = "SUCCEEDED"
	TaskFailed    = "FAILED"
	TaskCanceled  = "CANCELED"
	TaskSuspended = "SUSPENDED"
)

// Done reports whether the task has ended (SUCCEEDED, FAILED or CANCELED).
func (t *Task) Done() bool {
	return t.Status == TaskSucceeded || t.Status == TaskFailed || t.Status == TaskCanceled
}

// CompletionDetail returns the named completion detail as a string.
func (t *Task) CompletionDetail(name string) (string, bool) {
	for _, kv := range t.CompletionDetails {
		if kv.Name == name {
			return kv.String(), true
		}
	}
	return "", false
}

// EntityExtIDs returns the ext ids of affected entities with relation rel
// (e.g. "vmm:ahv:config:vm").
func (t *Task) EntityExtIDs(rel string) []string {
	var out []string
	for _, e := range t.EntitiesAffected {
		if e.Rel == rel {
			out = append(out, e.ExtID)
		}
	}
	return out
}

func splitIDs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// RecoveryPointExtID is the recovery point a create (or the replica a
// replicate) made: completion detail recoveryPointExtId, else the first
// affected recovery point.
func (t *Task) RecoveryPointExtID() string {
	if v, ok := t.CompletionDetail("recoveryPointExtId"); ok && v != "" {
		return v
	}
	if ids := t.EntityExtIDs(RelRecoveryPoint); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// VMExtIDs are the VMs a restore created (completion detail vmExtIds).
func (t *Task) VMExtIDs() []string {
	v, _ := t.CompletionDetail("vmExtIds")
	return splitIDs(v)
}

// VolumeGroupExtIDs are the volume groups a restore created.
func (t *Task) VolumeGroupExtIDs() []string {
	v, _ := t.CompletionDetail("volumeGroupExtIds")
	return splitIDs(v)
}

// Relations of EntityReference.Rel.
const (
	RelRecoveryPoint   = "dataprotection:config:recovery-point"
	RelVMRecoveryPoint = "dataprotection:config:vm-recovery-point"
	RelVM              = "vmm:ahv:config:vm"
	RelVolumeGroup     = "volumes:config:volume-group"
)

// TaskProgress is reported while a task is polled.
type TaskProgress struct {
	TaskExtID string
	Operation string
	Status    string
	Percent   int
	// Message is a one-line human summary.
	Message string
}

// VMDisk is the VmDisk backing of a VM disk.
type VMDisk struct {
	DiskExtID        string     `json:"diskExtId,omitempty"`
	DiskSizeBytes    int64      `json:"diskSizeBytes,omitempty"`
	StorageContainer *Reference `json:"storageContainer,omitempty"`
}

// DiskAddress is a disk's bus and index.
type DiskAddress struct {
	BusType string `json:"busType,omitempty"`
	Index   int    `json:"index"`
}

// Disk is vmm.v4.ahv.config.Disk; BackingInfo is decoded when it is a
// VmDisk (volume group attachments leave it with a zero size).
type Disk struct {
	ExtID       string       `json:"extId,omitempty"`
	DiskAddress *DiskAddress `json:"diskAddress,omitempty"`
	BackingInfo *VMDisk      `json:"backingInfo,omitempty"`
}

// ProtectionPolicyState names the policy protecting a VM.
type ProtectionPolicyState struct {
	Policy *Reference `json:"policy,omitempty"`
}

// VM is vmm.v4.ahv.config.Vm (the fields recovery needs).
type VM struct {
	ExtID                 string                 `json:"extId,omitempty"`
	Name                  string                 `json:"name,omitempty"`
	Description           string                 `json:"description,omitempty"`
	Cluster               *Reference             `json:"cluster,omitempty"`
	Host                  *Reference             `json:"host,omitempty"`
	PowerState            string                 `json:"powerState,omitempty"`
	NumSockets            int                    `json:"numSockets,omitempty"`
	NumCoresPerSocket     int                    `json:"numCoresPerSocket,omitempty"`
	NumThreadsPerCore     int                    `json:"numThreadsPerCore,omitempty"`
	MemorySizeBytes       int64                  `json:"memorySizeBytes,omitempty"`
	Disks                 []Disk                 `json:"disks,omitempty"`
	NICs                  []NIC                  `json:"nics,omitempty"`
	Categories            []Reference            `json:"categories,omitempty"`
	ProtectionType        string                 `json:"protectionType,omitempty"`
	ProtectionPolicyState *ProtectionPolicyState `json:"protectionPolicyState,omitempty"`
	GenerationUUID        string                 `json:"generationUuid,omitempty"`
	CreateTime            time.Time              `json:"createTime,omitzero"`
	UpdateTime            time.Time              `json:"updateTime,omitzero"`
	// ETag is read with a single GET; pass it as Mutation.IfMatch to
	// RevertVM.
	ETag string `json:"-"`
}

// ClusterExtID returns the VM's cluster.
func (vm *VM) ClusterExtID() string {
	if vm.Cluster == nil {
		return ""
	}
	return vm.Cluster.ExtID
}

// ProtectionPolicyExtID returns the protecting policy, "" if none.
func (vm *VM) ProtectionPolicyExtID() string {
	if vm.ProtectionPolicyState == nil || vm.ProtectionPolicyState.Policy == nil {
		return ""
	}
	return vm.ProtectionPolicyState.Policy.ExtID
}

// DiskBytes is the total size of the VM's disks.
func (vm *VM) DiskBytes() int64 {
	var n int64
	for _, d := range vm.Disks {
		if d.BackingInfo != nil && d.BackingInfo.DiskSizeBytes > 0 {
			n += min(d.BackingInfo.DiskSizeBytes, math.MaxInt64-n) // saturate, never wrap negative
		}
	}
	return n
}

// VolumeGroup is volumes.v4.config.VolumeGroup.
type VolumeGroup struct {
	ExtID            string `json:"extId,omitempty"`
	Name             string `json:"name,omitempty"`
	Description      string `json:"description,omitempty"`
	ClusterReference string `json:"clusterReference,omitempty"`
	SharingStatus    string `json:"sharingStatus,omitempty"`
	UsageType        string `json:"usageType,omitempty"`
	CreatedBy        string `json:"createdBy,omitempty"`
	IsHidden         bool   `json:"isHidden,omitempty"`
	ETag             string `json:"-"`
}

// VolumeDisk is a disk of a volume group.
type VolumeDisk struct {
	ExtID              string `json:"extId,omitempty"`
	Index              int    `json:"index"`
	DiskSizeBytes      int64  `json:"diskSizeBytes,omitempty"`
	StorageContainerID string `json:"storageContainerId,omitempty"`
}

// IPAddress is common.v1.config.IPAddress.
type IPAddress struct {
	IPv4 *struct {
		Value string `json:"value"`
	} `json:"ipv4,omitempty"`
	IPv6 *struct {
		Value string `json:"value"`
	} `json:"ipv6,omitempty"`
}

// String returns the address.
func (a *IPAddress) String() string {
	switch {
	case a == nil:
		return ""
	case a.IPv4 != nil:
		return a.IPv4.Value
	case a.IPv6 != nil:
		return a.IPv6.Value
	}
	return ""
}

// Category is prism.v4.config.Category: a key/value label that VMs and
// volume groups carry and protection policies select by (categoryIds).
type Category struct {
	ExtID       string `json:"extId,omitempty"`
	Key         string `json:"key,omitempty"`
	Value       string `json:"value,omitempty"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	// DetailedAssociations (only with $expand=detailedAssociations) are
	// the entities and policies that carry or select the category.
	DetailedAssociations []CategoryAssociation `json:"detailedAssociations,omitempty"`
}

// CategoryAssociation is prism.v4.config.AssociationDetail.
type CategoryAssociation struct {
	// ResourceType is VM, VOLUMEGROUP, PROTECTION_RULE, ...
	ResourceType string `json:"resourceType,omitempty"`
	// ResourceGroup is ENTITY or POLICY.
	ResourceGroup string `json:"resourceGroup,omitempty"`
	ResourceID    string `json:"resourceId,omitempty"`
}

// Category resource types of a CategoryAssociation.
const (
	ResourceVM          = "VM"
	ResourceVolumeGroup = "VOLUMEGROUP"
)

// Cluster is clustermgmt.v4.config.Cluster (the fields recovery needs).
type Cluster struct {
	ExtID  string `json:"extId,omitempty"`
	Name   string `json:"name,omitempty"`
	Config *struct {
		BuildInfo *struct {
			Version string `json:"version,omitempty"`
		} `json:"buildInfo,omitempty"`
		ClusterFunction []string `json:"clusterFunction,omitempty"`
		HypervisorTypes []string `json:"hypervisorTypes,omitempty"`
		IsAvailable     *bool    `json:"isAvailable,omitempty"`
		Timezone        string   `json:"timezone,omitempty"`
	} `json:"config,omitempty"`
	Network *struct {
		ExternalAddress *IPAddress `json:"externalAddress,omitempty"`
		Fqdn            string     `json:"fqdn,omitempty"`
	} `json:"network,omitempty"`
	Nodes *struct {
		NumberOfNodes int `json:"numberOfNodes,omitempty"`
	} `json:"nodes,omitempty"`
	VMCount int    `json:"vmCount,omitempty"`
	ETag    string `json:"-"`
}

// IsPrismCentral reports whether the entry is the Prism Central itself
// (Prism Central lists itself among its clusters).
func (c *Cluster) IsPrismCentral() bool {
	if c.Config == nil {
		return false
	}
	for _, f := range c.Config.ClusterFunction {
		if f == "PRISM_CENTRAL" {
			return true
		}
	}
	return false
}

// Version returns the cluster's software version.
func (c *Cluster) Version() string {
	if c.Config == nil || c.Config.BuildInfo == nil {
		return ""
	}
	return c.Config.BuildInfo.Version
}

// Retention is a schedule's retention: linear (counts) or auto-rollup.
type Retention struct {
	// ObjectType is datapolicies.v4.config.LinearRetention or
	// ...AutoRollupRetention.
	ObjectType string `json:"$objectType,omitempty"`
	// Local and Remote are linear counts (LinearRetention).
	Local  int `json:"-"`
	Remote int `json:"-"`
	// LocalRollup and RemoteRollup are set for AutoRollupRetention.
	LocalRollup  *RollupRetention `json:"-"`
	RemoteRollup *RollupRetention `json:"-"`
}

// RollupRetention is "keep Frequency of SnapshotIntervalType".
type RollupRetention struct {
	SnapshotIntervalType string `json:"snapshotIntervalType,omitempty"`
	Frequency            int    `json:"frequency,omitempty"`
}

// UnmarshalJSON decodes either retention variant.
func (r *Retention) UnmarshalJSON(b []byte) error {
	var raw struct {
		ObjectType string          `json:"$objectType"`
		Local      json.RawMessage `json:"local"`
		Remote     json.RawMessage `json:"remote"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	r.ObjectType = raw.ObjectType
	decode := func(m json.RawMessage, n *int, roll **RollupRetention) {
		if len(m) == 0 {
			return
		}
		if json.Unmarshal(m, n) == nil {
			return
		}
		var rr RollupRetention
		if json.Unmarshal(m, &rr) == nil {
			*roll = &rr
		}
	}
	decode(raw.Local, &r.Local, &r.LocalRollup)
	decode(raw.Remote, &r.Remote, &r.RemoteRollup)
	return nil
}

// Schedule is a protection policy schedule.
type Schedule struct {
	RecoveryPointType                 string     `json:"recoveryPointType,omitempty"`
	RecoveryPointObjectiveTimeSeconds int        `json:"recoveryPointObjectiveTimeSeconds,omitempty"`
	Retention                         *Retention `json:"retention,omitempty"`
	StartTime                         string     `json:"startTime,omitempty"`
}

// ReplicationLocation is a site of a protection policy.
type ReplicationLocation struct {
	Label                  string `json:"label,omitempty"`
	DomainManagerExtID     string `json:"domainManagerExtId,omitempty"`
	IsPrimary              bool   `json:"isPrimary,omitempty"`
	ReplicationSubLocation *struct {
		ClusterExtIDs []string `json:"clusterExtIds,omitempty"`
	} `json:"replicationSubLocation,omitempty"`
}

// ClusterExtIDs returns the location's clusters.
func (l *ReplicationLocation) ClusterExtIDs() []string {
	if l.ReplicationSubLocation == nil {
		return nil
	}
	return l.ReplicationSubLocation.ClusterExtIDs
}

// ReplicationConfiguration links two locations with a schedule.
type ReplicationConfiguration struct {
	SourceLocationLabel string    `json:"sourceLocationLabel,omitempty"`
	RemoteLocationLabel string    `json:"remoteLocationLabel,omitempty"`
	Schedule            *Schedule `json:"schedule,omitempty"`
}

// ProtectionPolicy is datapolicies.v4.config.ProtectionPolicy.
type ProtectionPolicy struct {
	ExtID                     string                     `json:"extId,omitempty"`
	Name                      string                     `json:"name,omitempty"`
	Description               string                     `json:"description,omitempty"`
	OwnerExtID                string                     `json:"ownerExtId,omitempty"`
	CategoryIDs               []string                   `json:"categoryIds,omitempty"`
	IsApprovalPolicyNeeded    bool                       `json:"isApprovalPolicyNeeded,omitempty"`
	ReplicationLocations      []ReplicationLocation      `json:"replicationLocations,omitempty"`
	ReplicationConfigurations []ReplicationConfiguration `json:"replicationConfigurations,omitempty"`
	ETag                      string                     `json:"-"`
}

// RemoteLocations returns the non-primary locations: where the policy
// replicates to (a Prism Central ext id and its clusters), the usual
// targets of ReplicateRecoveryPoint.
func (p *ProtectionPolicy) RemoteLocations() []ReplicationLocation {
	var out []ReplicationLocation
	for _, l := range p.ReplicationLocations {
		if !l.IsPrimary {
			out = append(out, l)
		}
	}
	return out
}

// RPO returns the recovery point objective of the primary location's
// schedule (0 if none).
func (p *ProtectionPolicy) RPO() time.Duration {
	var primary string
	for _, l := range p.ReplicationLocations {
		if l.IsPrimary {
			primary = l.Label
		}
	}
	for _, c := range p.ReplicationConfigurations {
		if c.Schedule != nil && (primary == "" || c.SourceLocationLabel == primary) {
			// Bounded: a negative or absurd value from the wire must not
			// wrap into a negative (or tiny) RPO.
			secs := int64(c.Schedule.RecoveryPointObjectiveTimeSeconds)
			switch {
			case secs <= 0:
				return 0
			case secs > int64(math.MaxInt64/time.Second):
				return time.Duration(math.MaxInt64)
			}
			return time.Duration(secs) * time.Second
		}
	}
	return 0
}

// DomainManager is prism.v4.config.DomainManager (a Prism Central).
type DomainManager struct {
	ExtID  string `json:"extId,omitempty"`
	Config *struct {
		Name      string `json:"name,omitempty"`
		Size      string `json:"size,omitempty"`
		BuildInfo *struct {
			Version string `json:"version,omitempty"`
		} `json:"buildInfo,omitempty"`
	} `json:"config,omitempty"`
	Network *struct {
		ExternalAddress *IPAddress `json:"externalAddress,omitempty"`
		Fqdn            string     `json:"fqdn,omitempty"`
	} `json:"network,omitempty"`
	HostingClusterExtID            string   `json:"hostingClusterExtId,omitempty"`
	IsRegisteredWithHostingCluster bool     `json:"isRegisteredWithHostingCluster,omitempty"`
	NodeExtIDs                     []string `json:"nodeExtIds,omitempty"`
}

// Name returns the Prism Central's name.
func (d *DomainManager) Name() string {
	if d.Config == nil {
		return ""
	}
	return d.Config.Name
}
