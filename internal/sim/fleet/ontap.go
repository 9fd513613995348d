package fleet

import (
	"crypto/sha1"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// OntapCluster is one simulated ONTAP cluster and everything it holds.
//
// The fields are plain data so that an estate generator or a scenario file can
// build a cluster directly; the ONTAP simulator (internal/sim/ontap) reads and
// changes them under Mu and owns the wire format. Names refer to other objects
// of the same cluster (a volume's SVM, snapshot policy, aggregate); a
// SnapMirror relationship lives on its destination cluster, as on ONTAP, and
// names its source cluster.
//
// Times are simulated (see Clock). A job or transfer that has not finished
// has an empty State; the simulator derives queued/running from the clock and
// settles it (applies its effect and sets State) once the clock passes its
// EndTime.
type OntapCluster struct {
	Mu   sync.Mutex
	Name string
	// Site is the site its target is configured with ("": from the name).
	Site     string
	UUID     string
	Username string
	Password string

	Version      OntapVersion
	Location     string
	Contact      string
	Timezone     string
	DNSDomains   []string
	NTPServers   []string
	ManagementIP string

	Nodes              []*OntapNode
	Aggregates         []*OntapAggregate
	SVMs               []*OntapSVM
	Volumes            []*OntapVolume
	Schedules          []*OntapSchedule
	SnapshotPolicies   []*OntapSnapshotPolicy
	SnapmirrorPolicies []*OntapSnapmirrorPolicy
	// Relationships whose destination is on this cluster.
	Relationships []*OntapRelationship
	Jobs          []*OntapJob
	// Events is the EMS log, oldest first, with increasing Index.
	Events []*OntapEvent
	// Faults are pending injected failures, consumed in order.
	Faults []*OntapFault

	// Seq numbers the objects created at run time (see NewUUID).
	Seq uint64
	// LastEventIndex is the index of the newest EMS event.
	LastEventIndex int64
}

// OntapVersion is the ONTAP release a cluster or node runs.
type OntapVersion struct {
	Full       string
	Generation int
	Major      int
	Minor      int
}

// OntapNode is one node (controller) of a cluster.
type OntapNode struct {
	Name         string
	UUID         string
	Model        string
	SerialNumber string
	SystemID     string
	Location     string
	// State is one of up, booting, down, taken_over, waiting_for_giveback,
	// degraded, unknown.
	State string
	// BootTime is when the node last booted (uptime is computed from it).
	BootTime time.Time
	// HAPartner is the name of the HA partner node, if any.
	HAPartner string
}

// OntapAggregate is a local tier that hosts volumes.
type OntapAggregate struct {
	Name string
	UUID string
	Node string
	Size int64
}

// OntapSVM is a storage VM.
type OntapSVM struct {
	Name string
	UUID string
	// State is running, stopped, starting, stopping, initializing or deleting.
	State string
	// Subtype is default, dp_destination, sync_source, sync_destination.
	Subtype string
}

// OntapVolume is a FlexVol volume (or FlexClone) with its active file
// system and its snapshots.
type OntapVolume struct {
	UUID string
	Name string
	SVM  string // SVM name
	// Type is rw or dp (SnapMirror destination).
	Type string
	// Style is flexvol (FlexGroups are not simulated).
	Style string
	// State is online, offline, restricted, error or mixed.
	State        string
	Aggregate    string
	CreateTime   time.Time
	Comment      string
	JunctionPath string
	MSID         int64

	// Size is the provisioned size in bytes, snapshot reserve included.
	Size int64
	// Used is the space used by the active file system, in bytes.
	Used int64
	// SnapshotReservePercent is the share of Size set aside for snapshots.
	SnapshotReservePercent int
	// SnapshotPolicy is a snapshot policy name ("none" for no policy).
	SnapshotPolicy           string
	SnapshotDirectoryAccess  bool
	SnapshotAutodeleteEnable bool

	// Root is the active file system: a directory whose Name is "".
	Root *OntapFile
	// Snapshots, oldest first.
	Snapshots []*OntapSnapshot

	// CloneParentVolume and CloneParentSnapshot are set on a FlexClone: the
	// UUID of the parent volume and the name of the parent snapshot.
	CloneParentVolume   string
	CloneParentSnapshot string
}

// OntapFile is a file or directory in a volume or snapshot tree.
type OntapFile struct {
	Name string
	// Type is file, directory or symlink.
	Type         string
	Size         int64
	Inode        int64
	OwnerID      int64
	GroupID      int64
	Permissions  int64 // octal digits as ONTAP shows them, e.g. 644
	ModifiedTime time.Time
	CreationTime time.Time
	Target       string // symlink target
	Children     []*OntapFile
}

// OntapSnapshot is a snapshot of a volume. Files is the volume's file tree
// as it was when the snapshot was taken; it is never changed afterwards
// (trees may be shared between snapshots and volumes; the simulator copies a
// tree before changing it).
type OntapSnapshot struct {
	UUID            string
	Name            string
	Comment         string
	SnapmirrorLabel string
	CreateTime      time.Time
	// ExpiryTime, when set, forbids deletion until it has passed.
	ExpiryTime time.Time
	// Size is the space the snapshot holds (blocks no longer in the active
	// file system); the sum over a volume is space.snapshot.used.
	Size int64
	// LogicalSize is the active file system's used size when it was taken.
	LogicalSize int64
	// State is valid, invalid, partial, unknown or pre_conversion.
	State string
	// Owners are fixed owners (the simulator adds volume_clone and
	// snapmirror owners as it finds them).
	Owners []string
	Files  *OntapFile
}

// OntapSchedule is a cluster job schedule (cron or interval).
type OntapSchedule struct {
	UUID string
	Name string
	// Type is cron or interval.
	Type     string
	Cron     OntapCron
	Interval time.Duration
	// SVM is empty for a cluster-scoped schedule.
	SVM string
}

// OntapCron is a cron specification; an empty list means "every".
type OntapCron struct {
	Minutes  []int
	Hours    []int
	Days     []int
	Months   []int
	Weekdays []int
}

// OntapSnapshotPolicy is a snapshot policy with its schedules.
type OntapSnapshotPolicy struct {
	UUID    string
	Name    string
	Comment string
	Enabled bool
	// SVM is empty for a cluster-scoped policy.
	SVM    string
	Copies []OntapSnapshotPolicyCopy
}

// OntapSnapshotPolicyCopy is one schedule of a snapshot policy.
type OntapSnapshotPolicyCopy struct {
	Schedule        string // schedule name
	Count           int
	Prefix          string
	SnapmirrorLabel string
	// RetentionPeriod is an ISO-8601 duration such as "P30D", or "".
	RetentionPeriod string
}

// OntapSnapmirrorPolicy is a SnapMirror policy.
type OntapSnapmirrorPolicy struct {
	UUID    string
	Name    string
	Comment string
	// Type is async, sync or continuous.
	Type string
	// SyncType is set for sync policies.
	SyncType                   string
	SVM                        string
	TransferSchedule           string
	Throttle                   int64
	NetworkCompression         bool
	CopyAllSourceSnapshots     bool
	CopyLatestSourceSnapshot   bool
	CreateSnapshotOnSource     bool
	IdentityPreservation       string
	RPO                        int64
	Retention                  []OntapSnapmirrorRetention
	SyncCommonSnapshotSchedule string
}

// OntapSnapmirrorRetention is one retention rule of a SnapMirror policy.
type OntapSnapmirrorRetention struct {
	Label            string
	Count            int
	Prefix           string
	Period           string
	Preserve         bool
	Warn             int
	CreationSchedule string
}

// OntapRelationship is a SnapMirror relationship, held by the destination
// cluster. Paths are "svm:volume".
type OntapRelationship struct {
	UUID            string
	SourceCluster   string // cluster name; the estate resolves it
	SourcePath      string
	DestinationPath string
	Policy          string // SnapMirror policy name (on this cluster)
	// State is uninitialized, snapmirrored, paused or broken_off.
	State            string
	Healthy          bool
	UnhealthyReasons []OntapUnhealthyReason
	TransferSchedule string
	Throttle         int64
	// ExportedSnapshot is the newest snapshot transferred to the destination
	// and ExportedSnapshotTime its creation time (lag_time counts from it).
	ExportedSnapshot     string
	ExportedSnapshotTime time.Time
	// LastTransferType is initialize, update, resync or restore.
	LastTransferType      string
	TotalTransferBytes    int64
	TotalTransferDuration time.Duration
	// Transfers, oldest first; the last one is the current or last transfer.
	Transfers []*OntapTransfer
}

// OntapUnhealthyReason explains why a relationship is unhealthy.
type OntapUnhealthyReason struct {
	Code      string
	Message   string
	Arguments []string
}

// OntapTransfer is one SnapMirror transfer. While State is empty the
// transfer is queued (before StartTime) or transferring (until EndTime).
type OntapTransfer struct {
	UUID string
	// Type is initialize, update, resync or restore.
	Type string
	// Snapshot is the snapshot being transferred.
	Snapshot string
	// SourceSnapshot is the snapshot the caller asked for, if any.
	SourceSnapshot string
	QueueTime      time.Time
	StartTime      time.Time
	EndTime        time.Time
	// Bytes is the amount the transfer moves (all of it on success).
	Bytes    int64
	Throttle int64
	// State is "" while pending, then success, failed, aborted or
	// hard_aborted.
	State            string
	BytesTransferred int64
	ErrorCode        int64
	ErrorMessage     string
	// Stuck transfers never finish on their own.
	Stuck bool
}

// OntapJob is an asynchronous ONTAP job. Op and Args describe the change the
// job makes when it succeeds, in the simulator's terms; they are plain data
// so that a scenario can hold pending jobs.
type OntapJob struct {
	UUID        string
	Description string
	SVM         string
	Node        string
	QueueTime   time.Time
	StartTime   time.Time
	EndTime     time.Time
	// State is "" while pending, then success or failure.
	State   string
	Code    int64
	Message string
	// Stuck jobs never finish on their own.
	Stuck bool
	// FailCode and FailMessage, when FailCode is not zero, make the job fail
	// when it ends (injected).
	FailCode    int64
	FailMessage string
	Op          string
	Args        map[string]string
}

// OntapEvent is one EMS event.
type OntapEvent struct {
	Index int64
	Time  time.Time
	Node  string
	Name  string
	// Severity is emergency, alert, error, notice, informational or debug.
	Severity   string
	Source     string
	LogMessage string
	Parameters []OntapEventParameter
}

// OntapEventParameter is one named value of an EMS event.
type OntapEventParameter struct {
	Name  string
	Value string
}

// OntapFault is an injected failure waiting for the next matching job or
// transfer.
type OntapFault struct {
	// Kind is "job" or "transfer".
	Kind string
	// Match, when set, restricts the fault to jobs whose Op or Description
	// contains it, or to transfers whose relationship destination path or
	// UUID contains it.
	Match string
	// Count is how many jobs or transfers it still affects (at least 1).
	Count int
	// Stuck makes them never finish; otherwise they fail with Code and
	// Message.
	Stuck   bool
	Code    int64
	Message string
}

// OntapUUID derives a stable UUID from its parts, shaped like the time-based
// UUIDs ONTAP hands out (version nibble 1).
func OntapUUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = (b[6] & 0x0f) | 0x10
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewUUID returns the next run-time UUID of the cluster (callers hold Mu).
func (c *OntapCluster) NewUUID() string {
	c.Seq++
	return OntapUUID(c.UUID, "seq", fmt.Sprint(c.Seq))
}

// SVM returns the SVM with that name, or nil.
func (c *OntapCluster) SVM(name string) *OntapSVM {
	for _, s := range c.SVMs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Volume returns the volume with that UUID, or nil.
func (c *OntapCluster) Volume(uuid string) *OntapVolume {
	for _, v := range c.Volumes {
		if v.UUID == uuid {
			return v
		}
	}
	return nil
}

// VolumeByName returns the volume with that SVM and name, or nil.
func (c *OntapCluster) VolumeByName(svm, name string) *OntapVolume {
	for _, v := range c.Volumes {
		if v.SVM == svm && v.Name == name {
			return v
		}
	}
	return nil
}

// VolumeByPath returns the volume of an "svm:volume" path, or nil.
func (c *OntapCluster) VolumeByPath(path string) *OntapVolume {
	svm, name, ok := strings.Cut(path, ":")
	if !ok {
		return nil
	}
	return c.VolumeByName(svm, name)
}

// SnapshotPolicy returns the snapshot policy with that name, or nil.
func (c *OntapCluster) SnapshotPolicy(name string) *OntapSnapshotPolicy {
	for _, p := range c.SnapshotPolicies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Schedule returns the schedule with that name, or nil.
func (c *OntapCluster) Schedule(name string) *OntapSchedule {
	for _, s := range c.Schedules {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SnapmirrorPolicy returns the SnapMirror policy with that name, or nil.
func (c *OntapCluster) SnapmirrorPolicy(name string) *OntapSnapmirrorPolicy {
	for _, p := range c.SnapmirrorPolicies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Relationship returns the relationship with that UUID, or nil.
func (c *OntapCluster) Relationship(uuid string) *OntapRelationship {
	for _, r := range c.Relationships {
		if r.UUID == uuid {
			return r
		}
	}
	return nil
}

// AddEvent appends an EMS event with the next index (callers hold Mu).
func (c *OntapCluster) AddEvent(ev *OntapEvent) {
	c.LastEventIndex++
	ev.Index = c.LastEventIndex
	if ev.Node == "" && len(c.Nodes) > 0 {
		ev.Node = c.Nodes[0].Name
	}
	c.Events = append(c.Events, ev)
}

// Snapshot returns the snapshot of v with that name, or nil.
func (v *OntapVolume) Snapshot(name string) *OntapSnapshot {
	for _, s := range v.Snapshots {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SnapshotByUUID returns the snapshot of v with that UUID, or nil.
func (v *OntapVolume) SnapshotByUUID(uuid string) *OntapSnapshot {
	for _, s := range v.Snapshots {
		if s.UUID == uuid {
			return s
		}
	}
	return nil
}

// Path is the volume's "svm:volume" SnapMirror path.
func (v *OntapVolume) Path() string { return v.SVM + ":" + v.Name }

// Copy returns a deep copy of the tree rooted at f.
func (f *OntapFile) Copy() *OntapFile {
	if f == nil {
		return nil
	}
	c := *f
	if f.Children != nil {
		c.Children = make([]*OntapFile, len(f.Children))
		for i, ch := range f.Children {
			c.Children[i] = ch.Copy()
		}
	}
	return &c
}

// Lookup returns the file at a slash-separated path below f ("" or "/" is f
// itself), or nil.
func (f *OntapFile) Lookup(path string) *OntapFile {
	cur := f
	for _, part := range strings.Split(path, "/") {
		if part == "" || part == "." {
			continue
		}
		if cur == nil || cur.Type != "directory" {
			return nil
		}
		var next *OntapFile
		for _, ch := range cur.Children {
			if ch.Name == part {
				next = ch
				break
			}
		}
		cur = next
	}
	return cur
}

// TotalSize is the sum of the sizes of the files below f.
func (f *OntapFile) TotalSize() int64 {
	if f == nil {
		return 0
	}
	if f.Type != "directory" {
		return f.Size
	}
	var n int64
	for _, ch := range f.Children {
		n += ch.TotalSize()
	}
	return n
}

const (
	gib = int64(1) << 30
	tib = int64(1) << 40
)

// SmallOntap appends a small, realistic pair of ONTAP clusters to the estate:
// "ontap-prod" (SVM svm_prod, eight volumes with small file trees plus a
// FlexClone of one of them, the usual snapshot policies and schedules, a few
// days of snapshots; vol_archive has no protection and vol_logs overflows its
// snapshot reserve) and "ontap-dr" (SVM svm_dr, SnapMirror destinations of six
// prod volumes: four healthy and current, vol_eng_src's whose updates have
// failed for hours, vol_hr's quiesced for two days). Both clusters log a few EMS
// events. Credentials are admin / Netapp1!prod and admin / Netapp1!dr.
// Everything is derived from e.Clock.Now(), so two calls at the same time
// build identical clusters.
func SmallOntap(e *Estate) {
	now := e.Clock.Now()
	prod := newSmallCluster("ontap-prod", "svm_prod", "Netapp1!prod", "DC1 Building A, row 3", now)
	dr := newSmallCluster("ontap-dr", "svm_dr", "Netapp1!dr", "DC2 Building C, row 1", now)

	type volSpec struct {
		name    string
		size    int64
		usedPct int
		reserve int
		policy  string
		tree    string
		mirror  string // SnapMirror policy on dr, "" for none
		changeP int    // daily change rate in tenths of a percent
	}
	specs := []volSpec{
		{"vol_finance", 200 * gib, 58, 5, "default", "finance", "MirrorAllSnapshots", 8},
		{"vol_hr", 50 * gib, 41, 5, "default", "hr", "MirrorAllSnapshots", 5},
		{"vol_home", 500 * gib, 66, 10, "default", "home", "MirrorAndVault", 6},
		{"vol_eng_src", 1 * tib, 47, 5, "default", "eng", "MirrorAllSnapshots", 10},
		{"vol_db_oracle", 300 * gib, 72, 20, "gold-4h", "oracle", "MirrorAndVault", 15},
		{"vol_vmware_ds01", 2 * tib, 63, 5, "default", "vmware", "Asynchronous", 8},
		{"vol_logs", 100 * gib, 81, 5, "default-1weekly", "logs", "", 40},
	}

	policySnaps := map[string][]plannedSnapshot{}
	for i, sp := range specs {
		v := &OntapVolume{
			UUID:                    OntapUUID(prod.UUID, "volume", sp.name),
			Name:                    sp.name,
			SVM:                     "svm_prod",
			Type:                    "rw",
			Style:                   "flexvol",
			State:                   "online",
			Aggregate:               prod.Aggregates[i%2].Name,
			CreateTime:              now.Add(-time.Duration(400-i*23) * 24 * time.Hour).Truncate(time.Second),
			JunctionPath:            "/" + strings.TrimPrefix(sp.name, "vol_"),
			MSID:                    2157000000 + int64(i)*1013,
			Size:                    sp.size,
			SnapshotReservePercent:  sp.reserve,
			SnapshotPolicy:          sp.policy,
			SnapshotDirectoryAccess: true,
		}
		v.Used = v.Size * int64(100-sp.reserve) / 100 * int64(sp.usedPct) / 100
		rng := rand.New(rand.NewPCG(uint64(i)+1, 0x5eed))
		planned, ok := policySnaps[sp.policy]
		if !ok {
			planned = plannedPolicySnapshots(prod, sp.policy, now)
			policySnaps[sp.policy] = planned
		}
		buildVolumeHistory(v, sp.tree, planned, sp.changeP, rng, now)
		prod.Volumes = append(prod.Volumes, v)
	}
	// vol_archive: no local snapshot policy and no mirror (unprotected).
	arch := &OntapVolume{
		UUID: OntapUUID(prod.UUID, "volume", "vol_archive"), Name: "vol_archive", SVM: "svm_prod",
		Type: "rw", Style: "flexvol", State: "online", Aggregate: prod.Aggregates[1].Name,
		CreateTime:   now.Add(-30 * 24 * time.Hour).Truncate(time.Second),
		JunctionPath: "/archive", MSID: 2157009999, Size: 800 * gib, SnapshotReservePercent: 0,
		SnapshotPolicy: "none", SnapshotDirectoryAccess: true,
	}
	arch.Root = makeTree("archive", now.Add(-20*24*time.Hour), 0)
	arch.Used = arch.Root.TotalSize() + 310*gib
	prod.Volumes = append(prod.Volumes, arch)

	// A FlexClone of vol_finance from its newest daily snapshot, kept for a
	// report run; it makes that snapshot busy.
	fin := prod.VolumeByName("svm_prod", "vol_finance")
	if base := newestWithPrefix(fin, "daily."); base != nil {
		cl := &OntapVolume{
			UUID: OntapUUID(prod.UUID, "volume", "vol_finance_clone_q2"), Name: "vol_finance_clone_q2",
			SVM: "svm_prod", Type: "rw", Style: "flexvol", State: "online", Aggregate: fin.Aggregate,
			CreateTime: base.CreateTime.Add(3 * time.Hour), Comment: "Q2 close report run",
			JunctionPath: "/finance_clone_q2", MSID: 2157008888, Size: fin.Size,
			Used: base.LogicalSize, SnapshotReservePercent: fin.SnapshotReservePercent,
			SnapshotPolicy: "none", SnapshotDirectoryAccess: true,
			Root: base.Files.Copy(), CloneParentVolume: fin.UUID, CloneParentSnapshot: base.Name,
		}
		prod.Volumes = append(prod.Volumes, cl)
	}

	// SnapMirror destinations on dr.
	for i, sp := range specs {
		if sp.mirror == "" {
			continue
		}
		src := prod.VolumeByName("svm_prod", sp.name)
		dst := &OntapVolume{
			UUID: OntapUUID(dr.UUID, "volume", sp.name+"_dr"), Name: sp.name + "_dr", SVM: "svm_dr",
			Type: "dp", Style: "flexvol", State: "online", Aggregate: dr.Aggregates[i%2].Name,
			CreateTime: src.CreateTime.Add(2 * time.Hour), MSID: 2163000000 + int64(i)*977,
			Size: src.Size + src.Size/10, SnapshotReservePercent: 0, SnapshotPolicy: "none",
			SnapshotDirectoryAccess: true,
		}
		rel := &OntapRelationship{
			UUID:             OntapUUID(dr.UUID, "relationship", dst.Name),
			SourceCluster:    prod.Name,
			SourcePath:       src.Path(),
			DestinationPath:  dst.Path(),
			Policy:           sp.mirror,
			State:            "snapmirrored",
			Healthy:          true,
			TransferSchedule: "hourly",
			LastTransferType: "update",
		}
		// Last successful update: the newest hourly firing before now, except
		// for the quiesced and failing ones.
		lastOK := PreviousFiring(dr.Schedule("hourly"), now)
		switch sp.name {
		case "vol_hr":
			lastOK = PreviousFiring(dr.Schedule("hourly"), now.Add(-50*time.Hour))
		case "vol_eng_src":
			lastOK = PreviousFiring(dr.Schedule("hourly"), now.Add(-7*time.Hour))
		}
		mirrorHistory(dr, src, dst, rel, lastOK, i)
		switch sp.name {
		case "vol_hr":
			rel.State = "paused"
		case "vol_eng_src":
			// Updates have failed since lastOK.
			for k := 1; k <= 6; k++ {
				at := PreviousFiring(dr.Schedule("hourly"), lastOK.Add(time.Duration(k)*time.Hour+time.Minute))
				t := &OntapTransfer{
					UUID: OntapUUID(dr.UUID, "transfer", rel.UUID, fmt.Sprint(k)), Type: "update",
					QueueTime: at, StartTime: at.Add(2 * time.Second), EndTime: at.Add(47 * time.Second),
					State: "failed", ErrorCode: 6619546,
					ErrorMessage: "Transfer failed. (Failed to get information about the source volume: volume busy)",
				}
				rel.Transfers = append(rel.Transfers, t)
				if k >= 5 {
					dr.AddEvent(&OntapEvent{
						Time: t.EndTime, Node: dr.Nodes[0].Name, Name: "smc.snapmir.update.fail",
						Severity: "error", Source: "sm_logger_main",
						LogMessage: fmt.Sprintf("smc.snapmir.update.fail: Snapmirror update from source volume '%s' to destination volume(s) '%s' failed with error '%s'. Relationship UUID '%s'.", rel.SourcePath, rel.DestinationPath, t.ErrorMessage, rel.UUID),
						Parameters: []OntapEventParameter{
							{"relationship_id", rel.UUID}, {"srcpath", rel.SourcePath},
							{"dstpath", rel.DestinationPath}, {"error", t.ErrorMessage},
						},
					})
				}
			}
			rel.Healthy = false
			rel.UnhealthyReasons = []OntapUnhealthyReason{{
				Code: "6619546", Message: "Transfer failed. (Failed to get information about the source volume: volume busy)", Arguments: []string{},
			}}
		}
		dr.Volumes = append(dr.Volumes, dst)
		dr.Relationships = append(dr.Relationships, rel)
	}

	// A few EMS events of other kinds.
	logs := prod.VolumeByName("svm_prod", "vol_logs")
	skip := PreviousFiring(prod.Schedule("hourly"), now.Add(-30*time.Hour))
	prod.AddEvent(&OntapEvent{
		Time: skip, Node: prod.Nodes[0].Name, Name: "mgmtgwd.schedSnap.createFail", Severity: "error", Source: "mgwd",
		LogMessage: fmt.Sprintf("mgmtgwd.schedSnap.createFail: Skipping creation of scheduled Snapshot copy 'hourly.%s' on volume '%s' on vserver '%s' for schedule 'hourly' prefix 'hourly' (reason: snapshot reserve full).", skip.Format("2006-01-02_1504"), logs.Name, logs.SVM),
		Parameters: []OntapEventParameter{
			{"snapshotName", "hourly." + skip.Format("2006-01-02_1504")}, {"volumeName", logs.Name},
			{"vserverName", logs.SVM}, {"scheduleName", "hourly"}, {"prefixName", "hourly"},
			{"reason", "snapshot reserve full"},
		},
	})
	prod.AddEvent(&OntapEvent{
		Time: now.Add(-20 * time.Hour).Truncate(time.Second), Node: prod.Nodes[1].Name, Name: "wafl.vol.autoSize.done",
		Severity: "notice", Source: "wafl_exempt02",
		LogMessage: "wafl.vol.autoSize.done: Volume autosize: Automatic grow of volume 'vol_logs@vserver:svm_prod' by 5GB complete.",
		Parameters: []OntapEventParameter{
			{"vol", "vol_logs@vserver:svm_prod"}, {"app", ""}, {"volident", "@vserver:" + prod.SVMs[0].UUID},
			{"size", "5368709120"}, {"event_type", "grow"},
		},
	})
	sortEvents(prod)
	sortEvents(dr)

	e.OntapClusters = append(e.OntapClusters, prod, dr)
}

func sortEvents(c *OntapCluster) {
	sort.SliceStable(c.Events, func(i, j int) bool { return c.Events[i].Time.Before(c.Events[j].Time) })
	for i, ev := range c.Events {
		ev.Index = int64(i + 1)
	}
	c.LastEventIndex = int64(len(c.Events))
}

func newSmallCluster(name, svm, password, location string, now time.Time) *OntapCluster {
	c := &OntapCluster{
		Name:     name,
		UUID:     OntapUUID("cluster", name),
		Username: "admin",
		Password: password,
		Version: OntapVersion{
			Full:       "NetApp Release 9.14.1P4: Tue Apr 23 10:07:35 UTC 2024",
			Generation: 9, Major: 14, Minor: 1,
		},
		Location:     location,
		Contact:      "storage-oncall@example.com",
		Timezone:     "Etc/UTC",
		DNSDomains:   []string{"corp.example.com"},
		NTPServers:   []string{"ntp1.corp.example.com", "ntp2.corp.example.com"},
		ManagementIP: map[string]string{"ontap-prod": "10.10.1.20", "ontap-dr": "10.20.1.20"}[name],
	}
	for i := 1; i <= 2; i++ {
		n := fmt.Sprintf("%s-%02d", name, i)
		c.Nodes = append(c.Nodes, &OntapNode{
			Name: n, UUID: OntapUUID(c.UUID, "node", n), Model: "AFF-A400",
			SerialNumber: fmt.Sprintf("7%02d%09d", len(name), 123450+i*7+len(name)),
			SystemID:     fmt.Sprintf("0537%06d", 100+i+len(name)*10),
			Location:     location, State: "up",
			BootTime:  now.Add(-time.Duration(97+i) * 24 * time.Hour).Truncate(time.Second),
			HAPartner: fmt.Sprintf("%s-%02d", name, 3-i),
		})
		a := fmt.Sprintf("aggr%d_%s", i, strings.ReplaceAll(n, "-", "_"))
		c.Aggregates = append(c.Aggregates, &OntapAggregate{Name: a, UUID: OntapUUID(c.UUID, "aggr", a), Node: n, Size: 40 * tib})
	}
	c.SVMs = []*OntapSVM{{Name: svm, UUID: OntapUUID(c.UUID, "svm", svm), State: "running", Subtype: "default"}}
	addSchedule := func(s *OntapSchedule) {
		s.UUID = OntapUUID(c.UUID, "schedule", s.Name)
		c.Schedules = append(c.Schedules, s)
	}
	addSchedule(&OntapSchedule{Name: "5min", Type: "cron", Cron: OntapCron{Minutes: []int{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55}}})
	addSchedule(&OntapSchedule{Name: "8hour", Type: "cron", Cron: OntapCron{Minutes: []int{15}, Hours: []int{2, 10, 18}}})
	addSchedule(&OntapSchedule{Name: "4hour", Type: "cron", Cron: OntapCron{Minutes: []int{30}, Hours: []int{0, 4, 8, 12, 16, 20}}})
	addSchedule(&OntapSchedule{Name: "hourly", Type: "cron", Cron: OntapCron{Minutes: []int{5}}})
	addSchedule(&OntapSchedule{Name: "daily", Type: "cron", Cron: OntapCron{Minutes: []int{10}, Hours: []int{0}}})
	addSchedule(&OntapSchedule{Name: "weekly", Type: "cron", Cron: OntapCron{Minutes: []int{15}, Hours: []int{0}, Weekdays: []int{0}}})
	addSchedule(&OntapSchedule{Name: "monthly", Type: "cron", Cron: OntapCron{Minutes: []int{20}, Hours: []int{0}, Days: []int{1}}})
	addSchedule(&OntapSchedule{Name: "RepositoryBalanceMonitorJobSchedule", Type: "interval", Interval: 10 * time.Minute})

	addPolicy := func(p *OntapSnapshotPolicy) {
		p.UUID = OntapUUID(c.UUID, "snapshot-policy", p.Name)
		c.SnapshotPolicies = append(c.SnapshotPolicies, p)
	}
	addPolicy(&OntapSnapshotPolicy{Name: "default", Enabled: true, Comment: "Default policy with hourly, daily & weekly schedules.",
		Copies: []OntapSnapshotPolicyCopy{
			{Schedule: "hourly", Count: 6, Prefix: "hourly"},
			{Schedule: "daily", Count: 2, Prefix: "daily", SnapmirrorLabel: "daily"},
			{Schedule: "weekly", Count: 2, Prefix: "weekly", SnapmirrorLabel: "weekly"},
		}})
	addPolicy(&OntapSnapshotPolicy{Name: "default-1weekly", Enabled: true, Comment: "Default policy with 6 hourly, 2 daily & 1 weekly schedule.",
		Copies: []OntapSnapshotPolicyCopy{
			{Schedule: "hourly", Count: 6, Prefix: "hourly"},
			{Schedule: "daily", Count: 2, Prefix: "daily", SnapmirrorLabel: "daily"},
			{Schedule: "weekly", Count: 1, Prefix: "weekly", SnapmirrorLabel: "weekly"},
		}})
	addPolicy(&OntapSnapshotPolicy{Name: "none", Enabled: false, Comment: "Policy for no automatic snapshots."})
	addPolicy(&OntapSnapshotPolicy{Name: "gold-4h", Enabled: true, Comment: "Databases: 4-hourly for two days, 14 dailies kept 14 days.",
		Copies: []OntapSnapshotPolicyCopy{
			{Schedule: "4hour", Count: 12, Prefix: "4hour", SnapmirrorLabel: "4hour"},
			{Schedule: "daily", Count: 14, Prefix: "daily", SnapmirrorLabel: "daily", RetentionPeriod: "P14D"},
		}})

	addSM := func(p *OntapSnapmirrorPolicy) {
		p.UUID = OntapUUID(c.UUID, "snapmirror-policy", p.Name)
		if p.Type == "" {
			p.Type = "async"
		}
		c.SnapmirrorPolicies = append(c.SnapmirrorPolicies, p)
	}
	addSM(&OntapSnapmirrorPolicy{Name: "MirrorAllSnapshots", Comment: "Asynchronous SnapMirror policy for mirroring all snapshots and the latest active file system.",
		CopyAllSourceSnapshots: true, CreateSnapshotOnSource: true, NetworkCompression: false,
		Retention: []OntapSnapmirrorRetention{{Label: "sm_created", Count: 1}, {Label: "all_source_snapshots", Count: 1}}})
	addSM(&OntapSnapmirrorPolicy{Name: "MirrorAndVault", Comment: "A unified Asynchronous SnapMirror and SnapVault policy for mirroring the latest active file system and daily and weekly snapshots.",
		CreateSnapshotOnSource: true,
		Retention:              []OntapSnapmirrorRetention{{Label: "sm_created", Count: 1}, {Label: "daily", Count: 7}, {Label: "weekly", Count: 52}}})
	addSM(&OntapSnapmirrorPolicy{Name: "Asynchronous", Comment: "A unified Asynchronous SnapMirror and SnapVault policy for mirroring the latest active file system and daily and weekly snapshots with an hourly transfer schedule.",
		CreateSnapshotOnSource: true, TransferSchedule: "hourly",
		Retention: []OntapSnapmirrorRetention{{Label: "sm_created", Count: 1}, {Label: "daily", Count: 7}, {Label: "weekly", Count: 52}}})
	addSM(&OntapSnapmirrorPolicy{Name: "XDPDefault", Comment: "Vault policy with daily and weekly rules.",
		CreateSnapshotOnSource: false,
		Retention:              []OntapSnapmirrorRetention{{Label: "daily", Count: 7}, {Label: "weekly", Count: 52}}})
	addSM(&OntapSnapmirrorPolicy{Name: "Sync", Type: "sync", SyncType: "sync", Comment: "Policy for SnapMirror Synchronous for Business Continuity.",
		CreateSnapshotOnSource: false,
		Retention:              []OntapSnapmirrorRetention{{Label: "sm_created", Count: 2}}})
	return c
}

// plannedSnapshot is a snapshot a policy would have kept at some time.
type plannedSnapshot struct {
	at     time.Time
	prefix string
	label  string
	expiry string
}

// plannedPolicySnapshots lists the snapshots the policy keeps at now, oldest
// first (count newest firings of each schedule).
func plannedPolicySnapshots(c *OntapCluster, policy string, now time.Time) []plannedSnapshot {
	p := c.SnapshotPolicy(policy)
	if p == nil || !p.Enabled {
		return nil
	}
	var out []plannedSnapshot
	for _, cp := range p.Copies {
		s := c.Schedule(cp.Schedule)
		if s == nil {
			continue
		}
		t := now
		for k := 0; k < cp.Count; k++ {
			t = PreviousFiring(s, t)
			if t.IsZero() {
				break
			}
			out = append(out, plannedSnapshot{at: t, prefix: cp.Prefix, label: cp.SnapmirrorLabel, expiry: cp.RetentionPeriod})
			t = t.Add(-time.Second)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// PreviousFiring returns the last time at or before t (to the minute) when
// the schedule fires, looking back at most 62 days; zero if none.
func PreviousFiring(s *OntapSchedule, t time.Time) time.Time {
	if s == nil {
		return time.Time{}
	}
	t = t.UTC().Truncate(time.Minute)
	if s.Type == "interval" {
		if s.Interval <= 0 {
			return time.Time{}
		}
		return t.Truncate(s.Interval)
	}
	in := func(v int, list []int) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for i := 0; i < 62*24*60; i++ {
		if in(t.Minute(), s.Cron.Minutes) && in(t.Hour(), s.Cron.Hours) && in(t.Day(), s.Cron.Days) &&
			in(int(t.Month()), s.Cron.Months) && in(int(t.Weekday()), s.Cron.Weekdays) {
			return t
		}
		// Step a whole hour back when the hour cannot match.
		if !in(t.Hour(), s.Cron.Hours) || !in(t.Day(), s.Cron.Days) || !in(int(t.Weekday()), s.Cron.Weekdays) {
			t = t.Truncate(time.Hour).Add(-time.Minute)
			continue
		}
		t = t.Add(-time.Minute)
	}
	return time.Time{}
}

// buildVolumeHistory gives v a file tree that evolved over time and the
// planned snapshots with the tree as it was when each was taken.
func buildVolumeHistory(v *OntapVolume, kind string, planned []plannedSnapshot, changeTenths int, rng *rand.Rand, now time.Time) {
	var prev time.Time
	if len(planned) > 0 {
		prev = planned[0].at.Add(-24 * time.Hour)
	}
	for idx, ps := range planned {
		gen := idx + 1
		tree := makeTree(kind, ps.at, gen)
		elapsed := ps.at.Sub(prev).Hours()
		prev = ps.at
		// Blocks overwritten since the previous snapshot stay in this one;
		// over several days the same hot blocks are rewritten, so the held
		// space grows with the square root of the gap.
		rate := float64(changeTenths) / 1000 * (0.6 + 0.8*rng.Float64())
		days := elapsed / 24
		if days > 1 {
			days = math.Sqrt(days)
		}
		held := int64(float64(v.Used) * rate * days)
		held = held / 4096 * 4096
		if held < 4096*16 {
			held = 4096 * 16
		}
		s := &OntapSnapshot{
			UUID:            OntapUUID(v.UUID, "snapshot", ps.prefix, ps.at.Format(time.RFC3339)),
			Name:            ps.prefix + "." + ps.at.Format("2006-01-02_1504"),
			SnapmirrorLabel: ps.label,
			CreateTime:      ps.at,
			Size:            held,
			LogicalSize:     v.Used - int64(len(planned)-idx)*v.Used/2000,
			State:           "valid",
			Files:           tree,
		}
		if ps.expiry != "" {
			if d, ok := simpleISODays(ps.expiry); ok {
				s.ExpiryTime = ps.at.Add(d)
			}
		}
		v.Snapshots = append(v.Snapshots, s)
	}
	v.Root = makeTree(kind, now.Add(-17*time.Minute).Truncate(time.Second), liveGen+len(planned))
	if v.Used < v.Root.TotalSize() {
		v.Used = v.Root.TotalSize()
	}
}

// simpleISODays understands the "PnD" and "PnW" retention periods used here.
func simpleISODays(s string) (time.Duration, bool) {
	var n int
	if _, err := fmt.Sscanf(s, "P%dD", &n); err == nil {
		return time.Duration(n) * 24 * time.Hour, true
	}
	if _, err := fmt.Sscanf(s, "P%dW", &n); err == nil {
		return time.Duration(n) * 7 * 24 * time.Hour, true
	}
	return 0, false
}

func newestWithPrefix(v *OntapVolume, prefix string) *OntapSnapshot {
	for i := len(v.Snapshots) - 1; i >= 0; i-- {
		if strings.HasPrefix(v.Snapshots[i].Name, prefix) {
			return v.Snapshots[i]
		}
	}
	return nil
}

// mirrorHistory brings dst to the state of a successful update at lastOK:
// a snapmirror snapshot on the source, the source snapshots the policy keeps,
// and a short transfer history.
func mirrorHistory(dstC *OntapCluster, src, dst *OntapVolume, rel *OntapRelationship, lastOK time.Time, i int) {
	smName := fmt.Sprintf("snapmirror.%s_%d.%s", dstC.SVMs[0].UUID, dst.MSID, lastOK.Format("2006-01-02_150405"))
	var tree *OntapFile
	for _, s := range src.Snapshots {
		if !s.CreateTime.After(lastOK) {
			tree = s.Files
		}
	}
	if tree == nil {
		tree = src.Root
	}
	smSrc := &OntapSnapshot{
		UUID: OntapUUID(src.UUID, "snapshot", smName), Name: smName, CreateTime: lastOK,
		Size: 4096 * 64, LogicalSize: src.Used, State: "valid", Files: tree,
	}
	// Insert keeping creation order.
	src.Snapshots = insertSnapshot(src.Snapshots, smSrc)

	pol := dstC.SnapmirrorPolicy(rel.Policy)
	keepLabel := map[string]int{}
	all := pol != nil && pol.CopyAllSourceSnapshots
	if pol != nil {
		for _, r := range pol.Retention {
			keepLabel[r.Label] = r.Count
		}
	}
	for _, s := range src.Snapshots {
		if s.CreateTime.After(lastOK) {
			continue
		}
		if !all && s.Name != smName && keepLabel[s.SnapmirrorLabel] == 0 {
			continue
		}
		cp := *s
		cp.UUID = OntapUUID(dst.UUID, "snapshot", s.Name)
		cp.Owners = nil
		cp.ExpiryTime = time.Time{}
		dst.Snapshots = append(dst.Snapshots, &cp)
	}
	dst.Root = tree
	dst.Used = smSrc.LogicalSize
	rel.ExportedSnapshot = smName
	rel.ExportedSnapshotTime = lastOK

	// Transfer history: the initialize long ago and the last three updates.
	init := &OntapTransfer{
		UUID: OntapUUID(dstC.UUID, "transfer", rel.UUID, "init"), Type: "initialize",
		QueueTime: dst.CreateTime.Add(5 * time.Minute), StartTime: dst.CreateTime.Add(5*time.Minute + 3*time.Second),
		Bytes: src.Used * 9 / 10, State: "success",
	}
	init.BytesTransferred = init.Bytes
	init.EndTime = init.StartTime.Add(time.Duration(init.Bytes/(220<<20)) * time.Second)
	rel.Transfers = append(rel.Transfers, init)
	rel.TotalTransferBytes += init.Bytes
	rel.TotalTransferDuration += init.EndTime.Sub(init.StartTime)
	for k := 2; k >= 0; k-- {
		at := lastOK.Add(-time.Duration(k) * time.Hour)
		bytes := src.Used / int64(900+37*i+11*k) / 4096 * 4096
		t := &OntapTransfer{
			UUID: OntapUUID(dstC.UUID, "transfer", rel.UUID, at.Format(time.RFC3339)), Type: "update",
			Snapshot:  fmt.Sprintf("snapmirror.%s_%d.%s", dstC.SVMs[0].UUID, dst.MSID, at.Format("2006-01-02_150405")),
			QueueTime: at, StartTime: at.Add(2 * time.Second),
			Bytes: bytes, BytesTransferred: bytes, State: "success",
		}
		t.EndTime = t.StartTime.Add(time.Duration(5+bytes/(180<<20)) * time.Second)
		rel.Transfers = append(rel.Transfers, t)
		rel.TotalTransferBytes += bytes
		rel.TotalTransferDuration += t.EndTime.Sub(t.StartTime)
	}
}

func insertSnapshot(list []*OntapSnapshot, s *OntapSnapshot) []*OntapSnapshot {
	i := sort.Search(len(list), func(i int) bool { return list[i].CreateTime.After(s.CreateTime) })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = s
	return list
}

// liveGen marks the active file system's tree (later than every snapshot).
const liveGen = 1000

// makeTree builds a small, realistic file tree for a kind of volume as it
// looked at time at; gen (the how-many-th version) changes a few files so
// that trees of different snapshots differ. Deterministic.
func makeTree(kind string, at time.Time, gen int) *OntapFile {
	at = at.UTC().Truncate(time.Second)
	inode := int64(64)
	dir := func(name string, children ...*OntapFile) *OntapFile {
		inode++
		return &OntapFile{Name: name, Type: "directory", Size: 4096, Inode: inode, OwnerID: 0, GroupID: 1,
			Permissions: 755, ModifiedTime: at.Add(-time.Hour), CreationTime: at.Add(-400 * 24 * time.Hour), Children: children}
	}
	file := func(name string, size int64, age time.Duration) *OntapFile {
		inode++
		return &OntapFile{Name: name, Type: "file", Size: size, Inode: inode, OwnerID: 1001, GroupID: 1001,
			Permissions: 644, ModifiedTime: at.Add(-age), CreationTime: at.Add(-age - 90*24*time.Hour)}
	}
	grow := func(base int64) int64 { return base + int64(gen)*8192 }
	var root *OntapFile
	switch kind {
	case "finance":
		reports := dir("reports", file("q1_close.xlsx", 482304, 80*24*time.Hour), file("q2_close.xlsx", grow(391168), 2*time.Hour))
		if gen < liveGen {
			// Deleted from the active file system after the last snapshot.
			reports.Children = append(reports.Children, file("budget_2025.xlsx", 212992, 30*24*time.Hour))
		}
		root = dir("", reports,
			dir("ledger", file("gl_2024.db", grow(52428800), 20*time.Minute), file("ap_2024.db", 10485760, 3*time.Hour)),
			file("README.txt", 1840, 200*24*time.Hour))
	case "hr":
		root = dir("", dir("employees", file("roster.csv", grow(73728), 5*time.Hour), file("benefits.pdf", 1048576, 60*24*time.Hour)),
			dir("payroll", file("2025-05.csv", 24576, 12*24*time.Hour), file("2025-06.csv", grow(24576), 30*time.Minute)))
	case "home":
		root = dir("", dir("alice", file("notes.md", grow(9216), time.Hour), file("thesis.docx", 2097152, 9*24*time.Hour)),
			dir("bob", file("todo.txt", 512, 40*time.Minute), dir("photos", file("img_0001.jpg", 3145728, 100*24*time.Hour))))
	case "eng":
		root = dir("", dir("src", file("main.go", grow(18432), 15*time.Minute), file("go.mod", 1024, 40*24*time.Hour), dir("internal", file("store.go", grow(30720), 50*time.Minute))),
			dir("build", file("release.tar.gz", 104857600, 3*24*time.Hour)), file("Makefile", 4096, 20*24*time.Hour))
	case "oracle":
		root = dir("", dir("oradata", file("system01.dbf", 2147483648, 10*time.Minute), file("users01.dbf", grow(5368709120), 4*time.Minute)),
			dir("redo", file("redo01.log", 209715200, time.Minute), file("redo02.log", 209715200, 61*time.Minute)),
			dir("arch", file(fmt.Sprintf("arch_%05d.arc", 1000+gen), 104857600, 30*time.Minute)))
	case "vmware":
		root = dir("", dir("web01", file("web01.vmx", 3072, 4*24*time.Hour), file("web01-flat.vmdk", 42949672960, 3*time.Minute)),
			dir("db01", file("db01.vmx", 3200, 4*24*time.Hour), file("db01-flat.vmdk", grow(107374182400), 2*time.Minute)))
	case "logs":
		d := dir("app")
		for k := 0; k < 3; k++ {
			day := at.Add(-time.Duration(k) * 24 * time.Hour)
			d.Children = append(d.Children, file("app-"+day.Format("2006-01-02")+".log", grow(52428800), time.Duration(k)*24*time.Hour))
		}
		root = dir("", d, dir("audit", file("audit.log", grow(8388608), 10*time.Minute)))
	case "archive":
		root = dir("", dir("2023", file("contracts.zip", 5368709120, 300*24*time.Hour)), dir("2024", file("contracts.zip", 6442450944, 100*24*time.Hour)))
	default:
		root = dir("", file("README.txt", 100, time.Hour))
	}
	return root
}
