package ontap

import (
	"encoding/json"
	"strconv"
	"time"
)

// The models carry ONTAP's wire names (json tags) for the fields
// recovery-mcp uses. A field the request did not ask for (see the fields
// lists and ListOptions.Fields) decodes as its zero value; pointers mark
// fields whose absence must not read as false or zero.

// NameUUID is ONTAP's usual reference to another object.
type NameUUID struct {
	Name string `json:"name,omitempty"`
	UUID string `json:"uuid,omitempty"`
}

// Href is a HAL link.
type Href struct {
	Href string `json:"href"`
}

// Links are the HAL links of an object or collection.
type Links struct {
	Self *Href `json:"self,omitempty"`
	Next *Href `json:"next,omitempty"`
}

// Version is an ONTAP release.
type Version struct {
	Full       string `json:"full,omitempty"`
	Generation int    `json:"generation,omitempty"`
	Major      int    `json:"major,omitempty"`
	Minor      int    `json:"minor,omitempty"`
}

// Cluster is GET /cluster.
type Cluster struct {
	Name       string   `json:"name"`
	UUID       string   `json:"uuid"`
	Location   string   `json:"location,omitempty"`
	Contact    string   `json:"contact,omitempty"`
	Version    Version  `json:"version"`
	DNSDomains []string `json:"dns_domains,omitempty"`
	NTPServers []string `json:"ntp_servers,omitempty"`
	Timezone   *struct {
		Name string `json:"name"`
	} `json:"timezone,omitempty"`
}

// Node is a cluster node.
type Node struct {
	UUID         string  `json:"uuid"`
	Name         string  `json:"name"`
	Model        string  `json:"model,omitempty"`
	SerialNumber string  `json:"serial_number,omitempty"`
	SystemID     string  `json:"system_id,omitempty"`
	Location     string  `json:"location,omitempty"`
	State        string  `json:"state,omitempty"` // up, booting, down, taken_over, waiting_for_giveback, degraded, unknown
	Membership   string  `json:"membership,omitempty"`
	Uptime       int64   `json:"uptime,omitempty"` // seconds
	Version      Version `json:"version"`
	HA           *struct {
		Enabled  bool       `json:"enabled"`
		Partners []NameUUID `json:"partners,omitempty"`
	} `json:"ha,omitempty"`
}

// SVM is a storage VM.
type SVM struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	State   string `json:"state,omitempty"`
	Subtype string `json:"subtype,omitempty"`
}

// Volume is a FlexVol (or FlexClone) volume.
type Volume struct {
	UUID                           string            `json:"uuid"`
	Name                           string            `json:"name"`
	SVM                            NameUUID          `json:"svm"`
	Type                           string            `json:"type,omitempty"`  // rw, dp, ls
	Style                          string            `json:"style,omitempty"` // flexvol, flexgroup, flexgroup_constituent
	State                          string            `json:"state,omitempty"` // online, offline, restricted, error, mixed
	CreateTime                     time.Time         `json:"create_time,omitzero"`
	Comment                        string            `json:"comment,omitempty"`
	Size                           int64             `json:"size,omitempty"`
	Aggregates                     []NameUUID        `json:"aggregates,omitempty"`
	NAS                            *VolumeNAS        `json:"nas,omitempty"`
	SnapshotPolicy                 *NameUUID         `json:"snapshot_policy,omitempty"`
	SnapshotCount                  *int              `json:"snapshot_count,omitempty"`
	SnapshotDirectoryAccessEnabled *bool             `json:"snapshot_directory_access_enabled,omitempty"`
	Space                          *VolumeSpace      `json:"space,omitempty"`
	Clone                          *VolumeClone      `json:"clone,omitempty"`
	SnapMirror                     *VolumeSnapMirror `json:"snapmirror,omitempty"`
}

// VolumeNAS is a volume's NAS settings.
type VolumeNAS struct {
	Path          string `json:"path,omitempty"`
	SecurityStyle string `json:"security_style,omitempty"`
}

// VolumeSpace is a volume's space accounting (bytes unless marked percent).
// The snapshot reserve is Snapshot.ReserveSize; snapshots beyond it spill
// into the active file system (SnapshotSpill).
type VolumeSpace struct {
	Size                      int64                `json:"size,omitempty"`
	Available                 int64                `json:"available,omitempty"`
	Used                      int64                `json:"used,omitempty"`
	PercentUsed               int64                `json:"percent_used,omitempty"`
	AvailablePercent          int64                `json:"available_percent,omitempty"`
	AFSTotal                  int64                `json:"afs_total,omitempty"`
	UsedByAFS                 int64                `json:"used_by_afs,omitempty"`
	SizeAvailableForSnapshots int64                `json:"size_available_for_snapshots,omitempty"`
	SnapshotSpill             int64                `json:"snapshot_spill,omitempty"`
	PhysicalUsed              int64                `json:"physical_used,omitempty"`
	Footprint                 int64                `json:"footprint,omitempty"`
	Snapshot                  *VolumeSnapshotSpace `json:"snapshot,omitempty"`
	LogicalSpace              *struct {
		Used            int64 `json:"used,omitempty"`
		Available       int64 `json:"available,omitempty"`
		UsedByAFS       int64 `json:"used_by_afs,omitempty"`
		UsedBySnapshots int64 `json:"used_by_snapshots,omitempty"`
		UsedPercent     int64 `json:"used_percent,omitempty"`
	} `json:"logical_space,omitempty"`
}

// VolumeSnapshotSpace is the snapshot reserve of a volume.
type VolumeSnapshotSpace struct {
	ReservePercent    int64 `json:"reserve_percent"`
	Used              int64 `json:"used"`
	ReserveSize       int64 `json:"reserve_size"`
	ReserveAvailable  int64 `json:"reserve_available"`
	SpaceUsedPercent  int64 `json:"space_used_percent"`
	AutodeleteEnabled bool  `json:"autodelete_enabled"`
}

// VolumeClone describes FlexClone parentage.
type VolumeClone struct {
	IsFlexclone          bool      `json:"is_flexclone"`
	HasFlexclone         bool      `json:"has_flexclone"`
	ParentVolume         *NameUUID `json:"parent_volume,omitempty"`
	ParentSnapshot       *NameUUID `json:"parent_snapshot,omitempty"`
	ParentSVM            *NameUUID `json:"parent_svm,omitempty"`
	SplitInitiated       bool      `json:"split_initiated,omitempty"`
	SplitCompletePercent int64     `json:"split_complete_percent,omitempty"`
}

// VolumeSnapMirror says whether a volume is a SnapMirror source.
type VolumeSnapMirror struct {
	IsProtected bool `json:"is_protected"`
}

// Snapshot is a volume snapshot.
type Snapshot struct {
	UUID            string    `json:"uuid"`
	Name            string    `json:"name"`
	Comment         string    `json:"comment,omitempty"`
	CreateTime      time.Time `json:"create_time,omitzero"`
	ExpiryTime      time.Time `json:"expiry_time,omitzero"`
	SnapmirrorLabel string    `json:"snapmirror_label,omitempty"`
	// Size is the space the snapshot holds.
	Size             int64     `json:"size,omitempty"`
	LogicalSize      int64     `json:"logical_size,omitempty"`
	ReclaimableSpace int64     `json:"reclaimable_space,omitempty"`
	State            string    `json:"state,omitempty"` // valid, invalid, partial, unknown, pre_conversion
	Owners           []string  `json:"owners,omitempty"`
	SVM              *NameUUID `json:"svm,omitempty"`
	Volume           *NameUUID `json:"volume,omitempty"`
	VersionUUID      string    `json:"version_uuid,omitempty"`
}

// SnapshotPolicy is a snapshot policy.
type SnapshotPolicy struct {
	UUID    string               `json:"uuid"`
	Name    string               `json:"name"`
	Comment string               `json:"comment,omitempty"`
	Enabled *bool                `json:"enabled,omitempty"`
	Scope   string               `json:"scope,omitempty"` // svm, cluster
	SVM     *NameUUID            `json:"svm,omitempty"`
	Copies  []SnapshotPolicyCopy `json:"copies,omitempty"`
}

// SnapshotPolicyCopy is one schedule of a snapshot policy.
type SnapshotPolicyCopy struct {
	Count           int      `json:"count"`
	Prefix          string   `json:"prefix,omitempty"`
	Schedule        NameUUID `json:"schedule"`
	SnapmirrorLabel string   `json:"snapmirror_label,omitempty"`
	// RetentionPeriod is an ISO-8601 duration ("P30D").
	RetentionPeriod ISODuration `json:"retention_period,omitempty"`
}

// Schedule is a cluster job schedule.
type Schedule struct {
	UUID string        `json:"uuid"`
	Name string        `json:"name"`
	Type string        `json:"type,omitempty"` // cron, interval
	Cron *ScheduleCron `json:"cron,omitempty"`
	// Interval is an ISO-8601 duration for interval schedules.
	Interval ISODuration `json:"interval,omitempty"`
	Scope    string      `json:"scope,omitempty"`
	SVM      *NameUUID   `json:"svm,omitempty"`
	Cluster  *NameUUID   `json:"cluster,omitempty"`
}

// ScheduleCron is a cron specification; an empty list means "every".
type ScheduleCron struct {
	Minutes  []int `json:"minutes,omitempty"`
	Hours    []int `json:"hours,omitempty"`
	Days     []int `json:"days,omitempty"`
	Months   []int `json:"months,omitempty"`
	Weekdays []int `json:"weekdays,omitempty"`
}

// SnapmirrorEndpoint is one side of a relationship.
type SnapmirrorEndpoint struct {
	Path    string    `json:"path"` // "svm:volume"
	SVM     *NameUUID `json:"svm,omitempty"`
	Cluster *NameUUID `json:"cluster,omitempty"`
}

// SnapmirrorPolicyRef is a relationship's policy.
type SnapmirrorPolicyRef struct {
	Name string `json:"name,omitempty"`
	UUID string `json:"uuid,omitempty"`
	Type string `json:"type,omitempty"` // async, sync, continuous
}

// UnhealthyReason explains an unhealthy relationship.
type UnhealthyReason struct {
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	Arguments []string `json:"arguments,omitempty"`
}

// UnmarshalJSON accepts a numeric code.
func (u *UnhealthyReason) UnmarshalJSON(b []byte) error {
	type alias UnhealthyReason
	aux := struct {
		*alias
		Code flexString `json:"code"`
	}{alias: (*alias)(u)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	u.Code = string(aux.Code)
	return nil
}

// RelationshipTransfer is the current or last transfer of a relationship.
type RelationshipTransfer struct {
	UUID             string      `json:"uuid,omitempty"` // only while active
	State            string      `json:"state,omitempty"`
	Type             string      `json:"type,omitempty"`
	BytesTransferred int64       `json:"bytes_transferred,omitempty"`
	EndTime          time.Time   `json:"end_time,omitzero"`
	LastUpdatedTime  time.Time   `json:"last_updated_time,omitzero"`
	TotalDuration    ISODuration `json:"total_duration,omitempty"`
}

// SnapmirrorRelationship is a SnapMirror relationship (as listed on its
// destination cluster).
type SnapmirrorRelationship struct {
	UUID             string                `json:"uuid"`
	Source           SnapmirrorEndpoint    `json:"source"`
	Destination      SnapmirrorEndpoint    `json:"destination"`
	Policy           *SnapmirrorPolicyRef  `json:"policy,omitempty"`
	State            string                `json:"state,omitempty"` // uninitialized, snapmirrored, paused, broken_off, in_sync, ...
	Healthy          *bool                 `json:"healthy,omitempty"`
	UnhealthyReason  []UnhealthyReason     `json:"unhealthy_reason,omitempty"`
	LagTime          ISODuration           `json:"lag_time,omitempty"`
	ExportedSnapshot string                `json:"exported_snapshot,omitempty"`
	LastTransferType string                `json:"last_transfer_type,omitempty"`
	Transfer         *RelationshipTransfer `json:"transfer,omitempty"`
	TransferSchedule *NameUUID             `json:"transfer_schedule,omitempty"`
	Throttle         int64                 `json:"throttle,omitempty"`
	GroupType        string                `json:"group_type,omitempty"`
	Restore          bool                  `json:"restore,omitempty"`

	TotalTransferBytes    int64       `json:"total_transfer_bytes,omitempty"`
	TotalTransferDuration ISODuration `json:"total_transfer_duration,omitempty"`
}

// TransferErrorInfo is why a transfer failed.
type TransferErrorInfo struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

// UnmarshalJSON accepts a string code.
func (e *TransferErrorInfo) UnmarshalJSON(b []byte) error {
	type alias TransferErrorInfo
	aux := struct {
		*alias
		Code flexInt `json:"code"`
	}{alias: (*alias)(e)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	e.Code = int64(aux.Code)
	return nil
}

// SnapmirrorTransfer is one transfer of a relationship.
type SnapmirrorTransfer struct {
	UUID             string             `json:"uuid"`
	State            string             `json:"state,omitempty"` // queued, transferring, success, failed, aborted, hard_aborted
	BytesTransferred int64              `json:"bytes_transferred,omitempty"`
	CheckpointSize   int64              `json:"checkpoint_size,omitempty"`
	EndTime          time.Time          `json:"end_time,omitzero"`
	LastUpdatedTime  time.Time          `json:"last_updated_time,omitzero"`
	TotalDuration    ISODuration        `json:"total_duration,omitempty"`
	Snapshot         string             `json:"snapshot,omitempty"`
	SourceSnapshot   string             `json:"source_snapshot,omitempty"`
	ErrorInfo        *TransferErrorInfo `json:"error_info,omitempty"`
	Throttle         int64              `json:"throttle,omitempty"`
	Relationship     *struct {
		UUID        string              `json:"uuid"`
		Restore     bool                `json:"restore,omitempty"`
		Destination *SnapmirrorEndpoint `json:"destination,omitempty"`
	} `json:"relationship,omitempty"`
}

// Finished reports a terminal transfer state.
func (t *SnapmirrorTransfer) Finished() bool {
	switch t.State {
	case "success", "failed", "aborted", "hard_aborted":
		return true
	}
	return false
}

// SnapmirrorPolicy is a SnapMirror policy.
type SnapmirrorPolicy struct {
	UUID                      string                `json:"uuid"`
	Name                      string                `json:"name"`
	Comment                   string                `json:"comment,omitempty"`
	Type                      string                `json:"type,omitempty"`      // async, sync, continuous
	SyncType                  string                `json:"sync_type,omitempty"` // sync, strict_sync, automated_failover, ...
	Scope                     string                `json:"scope,omitempty"`
	SVM                       *NameUUID             `json:"svm,omitempty"`
	TransferSchedule          *NameUUID             `json:"transfer_schedule,omitempty"`
	Throttle                  int64                 `json:"throttle,omitempty"`
	NetworkCompressionEnabled bool                  `json:"network_compression_enabled,omitempty"`
	CopyAllSourceSnapshots    bool                  `json:"copy_all_source_snapshots,omitempty"`
	CopyLatestSourceSnapshot  bool                  `json:"copy_latest_source_snapshot,omitempty"`
	CreateSnapshotOnSource    *bool                 `json:"create_snapshot_on_source,omitempty"`
	IdentityPreservation      string                `json:"identity_preservation,omitempty"`
	RPO                       int64                 `json:"rpo,omitempty"`
	Retention                 []SnapmirrorRetention `json:"retention,omitempty"`
}

// SnapmirrorRetention is a retention rule. ONTAP sends count as a string
// ("7"); it is decoded as a number.
type SnapmirrorRetention struct {
	Label            string      `json:"label"`
	Count            int64       `json:"count"`
	Prefix           string      `json:"prefix,omitempty"`
	Period           ISODuration `json:"period,omitempty"`
	Preserve         bool        `json:"preserve,omitempty"`
	Warn             int64       `json:"warn,omitempty"`
	CreationSchedule *NameUUID   `json:"creation_schedule,omitempty"`
}

// UnmarshalJSON accepts count as a string or a number.
func (r *SnapmirrorRetention) UnmarshalJSON(b []byte) error {
	type alias SnapmirrorRetention
	aux := struct {
		*alias
		Count flexInt `json:"count"`
	}{alias: (*alias)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.Count = int64(aux.Count)
	return nil
}

// MarshalJSON writes count as ONTAP's string.
func (r SnapmirrorRetention) MarshalJSON() ([]byte, error) {
	type alias SnapmirrorRetention
	return json.Marshal(struct {
		alias
		Count string `json:"count"`
	}{alias(r), strconv.FormatInt(r.Count, 10)})
}

// Job is an ONTAP asynchronous job.
type Job struct {
	UUID        string          `json:"uuid"`
	Description string          `json:"description,omitempty"`
	State       string          `json:"state,omitempty"` // queued, running, paused, success, failure
	Message     string          `json:"message,omitempty"`
	Code        int64           `json:"code,omitempty"`
	StartTime   time.Time       `json:"start_time,omitzero"`
	EndTime     time.Time       `json:"end_time,omitzero"`
	Error       *JobErrorDetail `json:"error,omitempty"`
	Node        *NameUUID       `json:"node,omitempty"`
	SVM         *NameUUID       `json:"svm,omitempty"`
	Links       *Links          `json:"_links,omitempty"`
}

// JobErrorDetail is the error object of a failed job.
type JobErrorDetail struct {
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Arguments []ErrorArgument `json:"arguments,omitempty"`
}

// UnmarshalJSON accepts a string code.
func (j *Job) UnmarshalJSON(b []byte) error {
	type alias Job
	aux := struct {
		*alias
		Code  flexInt `json:"code"`
		Error *struct {
			Code      flexString      `json:"code"`
			Message   string          `json:"message"`
			Arguments []ErrorArgument `json:"arguments"`
		} `json:"error"`
	}{alias: (*alias)(j)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	j.Code = int64(aux.Code)
	if aux.Error != nil {
		j.Error = &JobErrorDetail{Code: string(aux.Error.Code), Message: aux.Error.Message, Arguments: aux.Error.Arguments}
	}
	return nil
}

// Finished reports a terminal job state.
func (j *Job) Finished() bool { return j.State == "success" || j.State == "failure" }

// EMSEvent is one EMS event.
type EMSEvent struct {
	Index      int64          `json:"index"`
	Time       time.Time      `json:"time,omitzero"`
	Message    EMSMessage     `json:"message"`
	LogMessage string         `json:"log_message,omitempty"`
	Node       *NameUUID      `json:"node,omitempty"`
	Source     string         `json:"source,omitempty"`
	Parameters []EMSParameter `json:"parameters,omitempty"`
}

// EMSMessage names an EMS event and its severity (emergency, alert, error,
// notice, informational, debug).
type EMSMessage struct {
	Name     string `json:"name"`
	Severity string `json:"severity"`
}

// EMSParameter is a named value of an event.
type EMSParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Parameter returns the value of the named parameter, or "".
func (e *EMSEvent) Parameter(name string) string {
	for _, p := range e.Parameters {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// FileInfo is an entry of the files API.
type FileInfo struct {
	// Name is the entry; Path is the directory that was listed (or the
	// path itself for a single file), relative to the volume root.
	Name            string    `json:"name"`
	Path            string    `json:"path"`
	Type            string    `json:"type,omitempty"` // file, directory, symlink, ...
	Size            int64     `json:"size,omitempty"`
	BytesUsed       int64     `json:"bytes_used,omitempty"`
	ModifiedTime    time.Time `json:"modified_time,omitzero"`
	ChangedTime     time.Time `json:"changed_time,omitzero"`
	AccessedTime    time.Time `json:"accessed_time,omitzero"`
	CreationTime    time.Time `json:"creation_time,omitzero"`
	InodeNumber     int64     `json:"inode_number,omitempty"`
	OwnerID         int64     `json:"owner_id,omitempty"`
	GroupID         int64     `json:"group_id,omitempty"`
	UnixPermissions int64     `json:"unix_permissions,omitempty"`
	HardLinksCount  int64     `json:"hard_links_count,omitempty"`
	IsSnapshot      bool      `json:"is_snapshot,omitempty"`
	IsJunction      bool      `json:"is_junction,omitempty"`
	IsEmpty         *bool     `json:"is_empty,omitempty"`
	Target          string    `json:"target,omitempty"`
	Volume          *NameUUID `json:"volume,omitempty"`
}
