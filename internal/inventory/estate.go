package inventory

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TargetKind is the kind of a configured target.
type TargetKind string

// Target kinds.
const (
	KindNutanix TargetKind = "nutanix" // a Prism Central
	KindOntap   TargetKind = "ontap"   // an ONTAP cluster
	KindAIQUM   TargetKind = "aiqum"   // an Active IQ Unified Manager server
)

// EntityKind is the kind of a protected entity.
type EntityKind string

// Entity kinds.
const (
	EntityVM          EntityKind = "vm"           // Nutanix VM
	EntityVolumeGroup EntityKind = "volume_group" // Nutanix volume group
	EntityVolume      EntityKind = "volume"       // ONTAP volume
)

// Vendor returns the target kind an entity of this kind lives on.
func (k EntityKind) Vendor() TargetKind {
	if k == EntityVolume {
		return KindOntap
	}
	return KindNutanix
}

// Consistency of a recovery point.
type Consistency string

// Consistencies.
const (
	CrashConsistent       Consistency = "crash"
	ApplicationConsistent Consistency = "application"
)

// Location of a recovery point relative to the entity it protects.
type Location string

// Locations.
const (
	LocationLocal   Location = "local"   // on the entity's own cluster/volume
	LocationReplica Location = "replica" // on another target, availability zone or SnapMirror destination
)

// Recovery point statuses. Collectors map Nutanix COMPLETE and ONTAP valid
// to StatusComplete; anything else that cannot be restored from is another
// value (ONTAP invalid/partial, a Nutanix recovery point still being created).
const (
	StatusComplete = "complete"
	StatusPending  = "pending"
	StatusPartial  = "partial"
	StatusInvalid  = "invalid"
)

// Recovery point flags.
const (
	FlagAntiRansomware = "anti_ransomware" // ONTAP ARP Anti_ransomware_backup snapshot
	FlagVerified       = "verified"        // restore-tested or scanned clean
	FlagScanClean      = "scan_clean"      // malware scan passed
	FlagScanInfected   = "scan_infected"   // malware scan failed: never restore from it
)

// Media a copy sits on, for 3-2-1-1-0 counting. Empty means the storage of
// the target that holds it.
const (
	MediaObject = "object" // object store / cloud tier (FabricPool, S3)
	MediaTape   = "tape"
)

// OpStatus is the outcome of a task or job.
type OpStatus string

// Operation statuses. Collectors map Nutanix SUCCEEDED/FAILED/CANCELED/
// RUNNING/QUEUED and ONTAP success/failure/running/queued/paused onto these
// (cancelled counts as failed).
const (
	OpSucceeded OpStatus = "succeeded"
	OpFailed    OpStatus = "failed"
	OpRunning   OpStatus = "running"
)

// Operation kinds.
const (
	OpSnapshot    = "snapshot"     // create a recovery point or snapshot (scheduled or on demand)
	OpReplication = "replication"  // replicate a recovery point, SnapMirror transfer
	OpRestore     = "restore"      // restore as new VM/VG (copy or clone)
	OpRevert      = "revert"       // in-place revert: VM revert, volume SnapRestore
	OpClone       = "clone"        // FlexClone or clone from a recovery point
	OpFileRestore = "file_restore" // single file restore
	OpFailover    = "failover"     // SnapMirror break, recovery plan failover
	OpDrill       = "drill"        // recovery test / drill
	OpVerify      = "verify"       // verification or malware scan of a copy
	OpDelete      = "delete"
	OpOther       = "other"
)

// Estate is everything known about the backup and recovery estate as of
// AsOf. See the package documentation for the conventions.
type Estate struct {
	AsOf           time.Time        `json:"as_of"`
	Targets        []Target         `json:"targets"`
	Entities       []Entity         `json:"entities"`
	RecoveryPoints []RecoveryPoint  `json:"recovery_points"`
	Replications   []Replication    `json:"replications"`
	Policies       []Policy         `json:"policies"`
	Operations     []Operation      `json:"operations"`
	Events         []Event          `json:"events"`
	Capacity       []CapacitySample `json:"capacity"`
	ChangeRates    []ChangeSample   `json:"change_rates"`
	// HistoryError says why stored history (capacity and lag samples of
	// earlier collections) could not be recorded or read; predictions then
	// rest on what the arrays report alone.
	HistoryError string `json:"history_error,omitempty"`
	// AIQUMEvents are open AIQUM events about the estate (aiqum.go).
	AIQUMEvents []AIQUMEvent `json:"aiqum_events,omitempty"`

	idx atomic.Pointer[Index]
	// derived memoizes what pure engines compute from this estate (Memo).
	derived sync.Map
}

// Target is a configured Prism Central or ONTAP cluster and how collecting
// from it went.
type Target struct {
	Name      string     `json:"name"`
	Kind      TargetKind `json:"kind"`
	Site      string     `json:"site,omitempty"`
	Reachable bool       `json:"reachable"`
	// Error says why collection failed or was incomplete; non-empty makes the
	// estate partial even when the target was reachable.
	Error       string    `json:"error,omitempty"`
	CollectedAt time.Time `json:"collected_at,omitzero"`
	// Notes say what optional data could not be read (I/O statistics of
	// some VMs, say) without making the estate partial.
	Notes []string `json:"notes,omitempty"`
}

// OK reports whether the target was collected completely.
func (t *Target) OK() bool { return t.Reachable && t.Error == "" }

// Entity is a VM, volume group or volume that can be protected.
type Entity struct {
	Kind EntityKind `json:"kind"`
	// ID is the Nutanix ext_id or ONTAP uuid.
	ID     string `json:"id"`
	Name   string `json:"name"`
	Target string `json:"target"`
	Site   string `json:"site,omitempty"`
	// Cluster is the Nutanix cluster name (VMs, volume groups) or the ONTAP
	// cluster; SVM is the ONTAP SVM (volumes).
	Cluster string `json:"cluster,omitempty"`
	SVM     string `json:"svm,omitempty"`

	SizeBytes int64 `json:"size_bytes"`
	UsedBytes int64 `json:"used_bytes"`
	// UsableBytes is the space the data can use (ONTAP afs_total: the size
	// less the snapshot reserve); 0 when unknown, then SizeBytes is used.
	UsableBytes int64 `json:"usable_bytes,omitempty"`
	// UsedPercent is the vendor-reported fullness (ONTAP space.percent_used);
	// 0 when not reported. Engines prefer it to their own arithmetic.
	UsedPercent float64 `json:"used_percent,omitempty"`
	// LogicalUsedBytes (before efficiency) and PhysicalUsedBytes (after), as
	// reported; 0 when unknown.
	LogicalUsedBytes  int64 `json:"logical_used_bytes,omitempty"`
	PhysicalUsedBytes int64 `json:"physical_used_bytes,omitempty"`
	// Current snapshot reserve of an ONTAP volume (0 when none/unknown).
	SnapshotReserveBytes     int64 `json:"snapshot_reserve_bytes,omitempty"`
	SnapshotReserveUsedBytes int64 `json:"snapshot_reserve_used_bytes,omitempty"`

	// Policy is the protection policy (Nutanix) or snapshot policy (ONTAP)
	// name; "" means unprotected. ONTAP's "none" policy is "".
	Policy string `json:"policy"`
	// Excluded marks an entity deliberately left unprotected (do-not-protect
	// tag, scratch volume); it is not reported as unprotected.
	Excluded bool `json:"excluded,omitempty"`
	// ReplicaOf is the source entity id when this entity is itself a
	// replication destination (an ONTAP DP volume); protection checks skip it.
	ReplicaOf string `json:"replica_of,omitempty"`

	// Tags are lower-case labels: Nutanix categories as "key:value" or
	// "value", ONTAP comments or volume tags, and derived ones like
	// "database", "production", "sox".
	Tags []string `json:"tags,omitempty"`
	// Encrypted is nil when the collector cannot tell.
	Encrypted *bool `json:"encrypted,omitempty"`
	// PowerState for VMs ("on", "off"); "" when not applicable.
	PowerState string `json:"power_state,omitempty"`
	// AntiRansomware is the ONTAP ARP state ("enabled", "dry_run"
	// (learning), "disabled", ...); "" when not applicable or unknown.
	AntiRansomware string    `json:"anti_ransomware,omitempty"`
	Created        time.Time `json:"created,omitzero"`
}

// HasTag reports whether the entity carries tag (case-insensitive). A tag
// "key:value" matches both "key:value" and "value".
func (e *Entity) HasTag(tag string) bool {
	for _, t := range e.Tags {
		if strings.EqualFold(t, tag) {
			return true
		}
		if i := strings.IndexByte(t, ':'); i >= 0 && strings.EqualFold(t[i+1:], tag) {
			return true
		}
	}
	return false
}

// HasAnyTag reports whether the entity carries any of tags.
func (e *Entity) HasAnyTag(tags []string) bool {
	for _, t := range tags {
		if e.HasTag(t) {
			return true
		}
	}
	return false
}

// Protected reports whether the entity has a protection policy.
func (e *Entity) Protected() bool { return e.Policy != "" }

// RecoveryPoint is one copy of one entity at one point in time: a Nutanix
// recovery point member (VM or volume group recovery point) or an ONTAP
// snapshot, local or replicated.
type RecoveryPoint struct {
	// ID is the Nutanix recovery point ext_id or the ONTAP snapshot uuid.
	ID string `json:"id"`
	// MemberID is the Nutanix VM/volume group recovery point ext_id (needed to
	// revert a VM); empty for ONTAP.
	MemberID string `json:"member_id,omitempty"`
	Name     string `json:"name"`

	// The entity protected (denormalised so a recovery point of a deleted
	// entity still says what it was).
	EntityID   string     `json:"entity_id"`
	EntityKind EntityKind `json:"entity_kind,omitempty"`
	EntityName string     `json:"entity_name,omitempty"`

	// Where this copy lives. For a replica: the other target/site/cluster
	// and, for ONTAP, the destination SVM and volume holding the snapshot.
	Location Location `json:"location"`
	Target   string   `json:"target"`
	Site     string   `json:"site,omitempty"`
	Cluster  string   `json:"cluster,omitempty"`
	SVM      string   `json:"svm,omitempty"`
	Volume   string   `json:"volume,omitempty"`
	// Media is "" (the target's storage), MediaObject or MediaTape.
	Media string `json:"media,omitempty"`

	Created time.Time `json:"created"`
	// Expires is the expiration time; zero means none.
	Expires     time.Time   `json:"expires,omitzero"`
	Consistency Consistency `json:"consistency"`
	// SizeBytes is the space the copy holds on its own (ONTAP snapshot size,
	// Nutanix exclusive usage): roughly the change it captured.
	SizeBytes int64 `json:"size_bytes"`
	// LogicalBytes is the size of the data it restores (0 when unknown).
	LogicalBytes int64  `json:"logical_bytes,omitempty"`
	Status       string `json:"status"`
	// Locked marks a tamper-proof copy (ONTAP snapshot locking / SnapLock,
	// Nutanix secure snapshot) until LockExpires (zero: no known end).
	Locked      bool      `json:"locked,omitempty"`
	LockExpires time.Time `json:"lock_expires,omitzero"`
	Flags       []string  `json:"flags,omitempty"`
}

// Usable reports whether the copy can be restored from.
func (rp *RecoveryPoint) Usable() bool {
	return rp.Status == StatusComplete && !rp.HasFlag(FlagScanInfected)
}

// HasFlag reports whether the recovery point carries flag.
func (rp *RecoveryPoint) HasFlag(flag string) bool {
	for _, f := range rp.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// LockedAt reports whether the copy is locked at t.
func (rp *RecoveryPoint) LockedAt(t time.Time) bool {
	return rp.Locked && (rp.LockExpires.IsZero() || rp.LockExpires.After(t))
}

// ExpiredAt reports whether the copy has expired at t.
func (rp *RecoveryPoint) ExpiredAt(t time.Time) bool {
	return !rp.Expires.IsZero() && !rp.Expires.After(t)
}

// Replication is a replication relationship: an ONTAP SnapMirror or
// SnapVault relationship, or (synthesised by the collector) a Nutanix
// protection policy's remote schedule for one entity.
type Replication struct {
	// ID is the SnapMirror relationship uuid (or a collector-made id).
	ID string `json:"id"`

	SourceEntityID      string `json:"source_entity_id"`
	SourceTarget        string `json:"source_target"`
	SourceSite          string `json:"source_site,omitempty"`
	SourcePath          string `json:"source_path,omitempty"` // "svm:volume"
	DestinationTarget   string `json:"destination_target"`
	DestinationSite     string `json:"destination_site,omitempty"`
	DestinationEntityID string `json:"destination_entity_id,omitempty"`
	DestinationPath     string `json:"destination_path,omitempty"` // "svm:volume" or cluster name
	Policy              string `json:"policy,omitempty"`

	// State is snapmirrored, broken_off, uninitialized, paused, in_sync,
	// out_of_sync (ONTAP vocabulary; Nutanix replications use snapmirrored
	// for "replicating").
	State           string `json:"state"`
	Healthy         bool   `json:"healthy"`
	UnhealthyReason string `json:"unhealthy_reason,omitempty"`
	// Lag is the age of the newest copy at the destination as of AsOf.
	Lag Duration `json:"lag"`
	// Schedule is the transfer interval (0: none or unknown).
	Schedule Duration `json:"schedule_interval"`
	// RPO overrides the source entity's policy RPO (0: use the policy's).
	RPO Duration `json:"rpo,omitempty"`

	LastTransfer Transfer `json:"last_transfer,omitzero"`
	// Transfers is recent transfer history, any order.
	Transfers []Transfer `json:"transfers,omitempty"`
	// LagHistory is sampled lag over time, any order.
	LagHistory []LagSample `json:"lag_history,omitempty"`
}

// Broken reports whether the relationship no longer replicates (broken off
// or never initialised).
func (r *Replication) Broken() bool {
	return r.State == "broken_off" || r.State == "uninitialized"
}

// Transfer is one replication transfer. ONTAP reports the last transfer's
// end time and duration without a start: set End and Duration.
type Transfer struct {
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Duration of the transfer; 0 means End-Start.
	Duration Duration `json:"duration,omitzero"`
	Bytes    int64    `json:"bytes"`
	Failed   bool     `json:"failed,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// Elapsed returns Duration, else End-Start (0 when unknown).
func (t *Transfer) Elapsed() time.Duration {
	if t.Duration > 0 {
		return t.Duration.D()
	}
	if t.Start.IsZero() || t.End.IsZero() || t.End.Before(t.Start) {
		return 0
	}
	return t.End.Sub(t.Start)
}

// LagSample is the replication lag observed at Time.
type LagSample struct {
	Time time.Time `json:"time"`
	Lag  Duration  `json:"lag"`
}

// Policy is a protection policy (Nutanix) or snapshot policy (ONTAP,
// combined with the SnapMirror policy that replicates its volumes).
type Policy struct {
	Name string `json:"name"`
	// Target scopes the name to one target (ONTAP policy names such as
	// "default" repeat across clusters); "" applies to every target.
	Target string `json:"target,omitempty"`
	// RPO is the recovery point objective; 0 falls back to Schedule.
	RPO Duration `json:"rpo"`
	// Schedule is the interval between scheduled recovery points (the
	// shortest schedule of an ONTAP policy).
	Schedule Duration `json:"schedule_interval"`
	// Retention: by count and/or by duration; 0 means not set.
	RetentionCount       int      `json:"retention_count,omitempty"`
	Retention            Duration `json:"retention,omitempty"`
	RemoteRetentionCount int      `json:"remote_retention_count,omitempty"`
	RemoteCopy           bool     `json:"remote_copy"`
	RemoteTarget         string   `json:"remote_target,omitempty"`
	AppConsistent        bool     `json:"app_consistent_required"`
	LockedSnapshots      bool     `json:"locked_snapshots"`
}

// EffectiveRPO is RPO, or Schedule when no RPO is set.
func (p *Policy) EffectiveRPO() time.Duration {
	if p.RPO > 0 {
		return p.RPO.D()
	}
	return p.Schedule.D()
}

// RetentionSpan is how far back the policy keeps recovery points: the
// longer of Retention and RetentionCount x Schedule (0 when unknown).
func (p *Policy) RetentionSpan() time.Duration {
	span := p.Retention.D()
	if c := time.Duration(p.RetentionCount) * p.Schedule.D(); c > span {
		span = c
	}
	return span
}

// Operation is one task (Nutanix) or job (ONTAP) outcome.
type Operation struct {
	// ID is the Nutanix task ext_id or the ONTAP job uuid.
	ID string `json:"id"`
	// Kind is one of the Op* kinds.
	Kind string `json:"kind"`
	// EntityID is "" for target-level operations.
	EntityID string    `json:"entity_id,omitempty"`
	Target   string    `json:"target"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"`
	Status   OpStatus  `json:"status"`
	Error    string    `json:"error,omitempty"`
	// Bytes moved (restores, transfers); 0 when unknown.
	Bytes int64 `json:"bytes,omitempty"`
	// Description is the vendor's operation name or description.
	Description string `json:"description,omitempty"`
}

// Duration returns End-Start (0 while running or when unknown).
func (o *Operation) Duration() time.Duration {
	if o.Start.IsZero() || o.End.IsZero() || o.End.Before(o.Start) {
		return 0
	}
	return o.End.Sub(o.Start)
}

// When returns End, or Start when End is unknown.
func (o *Operation) When() time.Time {
	if !o.End.IsZero() {
		return o.End
	}
	return o.Start
}

// Event is an alert or EMS event.
type Event struct {
	Time time.Time `json:"time"`
	// Severity is the vendor's severity, lower-case (emergency, alert, error,
	// warning, notice, informational; critical, warning, info).
	Severity string `json:"severity"`
	// Name is the message name (ONTAP EMS message name such as
	// "arw.volume.state", Nutanix alert type id such as "A110264").
	Name     string `json:"name"`
	Message  string `json:"message,omitempty"`
	EntityID string `json:"entity_id,omitempty"`
	Target   string `json:"target"`
}

// CapacitySample is a volume's space use at one time.
type CapacitySample struct {
	EntityID                 string    `json:"entity_id"`
	Time                     time.Time `json:"time"`
	UsedBytes                int64     `json:"used_bytes"`
	SizeBytes                int64     `json:"size_bytes"`
	SnapshotReserveUsedBytes int64     `json:"snapshot_reserve_used_bytes,omitempty"`
	SnapshotReserveBytes     int64     `json:"snapshot_reserve_bytes,omitempty"`
}

// ChangeSample is how much an entity changed over Period ending at Time:
// bytes written, or the size of the snapshot taken at Time (its delta from
// the previous one).
type ChangeSample struct {
	EntityID string    `json:"entity_id"`
	Time     time.Time `json:"time"`
	// Period the change covers, ending at Time (0: unknown, treated as an
	// instant).
	Period Duration `json:"period,omitempty"`
	Bytes  int64    `json:"bytes"`
	// Source is the signal: "" for snapshot or recovery point deltas,
	// ChangeSourceIO for bytes written (Nutanix VM I/O statistics). Each
	// source is judged on its own series.
	Source string `json:"source,omitempty"`
}

// ChangeSourceIO marks change samples that are bytes written by the entity
// (VM disk controller write bandwidth over the period).
const ChangeSourceIO = "io_stats"

// Start returns the start of the period the sample covers.
func (c *ChangeSample) Start() time.Time { return c.Time.Add(-c.Period.D()) }

// AuditRecord is one entry of the server's audit log, as the compliance
// engine reads it.
type AuditRecord struct {
	Time time.Time `json:"time"`
	Tool string    `json:"tool"`
	// Tier is read, write or destructive.
	Tier   string `json:"tier"`
	Target string `json:"target,omitempty"`
	// Outcome is ok, error, confirmation_required, cancelled or refused.
	Outcome string `json:"outcome"`
	// Entity is the VM/volume name or id the call acted on, when known.
	Entity string `json:"entity,omitempty"`
}

// Partial reports whether some target was not collected completely.
func (e *Estate) Partial() bool {
	for i := range e.Targets {
		if !e.Targets[i].OK() {
			return true
		}
	}
	return false
}

// IncompleteTargets returns the sorted names of targets not collected
// completely.
func (e *Estate) IncompleteTargets() []string {
	var out []string
	for i := range e.Targets {
		if !e.Targets[i].OK() {
			out = append(out, e.Targets[i].Name)
		}
	}
	sort.Strings(out)
	return out
}

// Normalize converts every time in the estate to UTC and lower-cases tags.
// Call it before Index.
func (e *Estate) Normalize() {
	utc := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	utc(&e.AsOf)
	for i := range e.Targets {
		utc(&e.Targets[i].CollectedAt)
	}
	for i := range e.Entities {
		utc(&e.Entities[i].Created)
		for j, t := range e.Entities[i].Tags {
			e.Entities[i].Tags[j] = strings.ToLower(t)
		}
	}
	for i := range e.RecoveryPoints {
		rp := &e.RecoveryPoints[i]
		utc(&rp.Created)
		utc(&rp.Expires)
		utc(&rp.LockExpires)
	}
	for i := range e.Replications {
		r := &e.Replications[i]
		utc(&r.LastTransfer.Start)
		utc(&r.LastTransfer.End)
		for j := range r.Transfers {
			utc(&r.Transfers[j].Start)
			utc(&r.Transfers[j].End)
		}
		for j := range r.LagHistory {
			utc(&r.LagHistory[j].Time)
		}
	}
	for i := range e.Operations {
		utc(&e.Operations[i].Start)
		utc(&e.Operations[i].End)
	}
	for i := range e.Events {
		utc(&e.Events[i].Time)
	}
	for i := range e.Capacity {
		utc(&e.Capacity[i].Time)
	}
	for i := range e.ChangeRates {
		utc(&e.ChangeRates[i].Time)
	}
	e.Reindex()
}
