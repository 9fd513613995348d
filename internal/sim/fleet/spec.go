package fleet

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// This file holds the estate description that both the generator and
// scenario files produce: plain, YAML-tagged specs of Prism Centrals, ONTAP
// clusters, events and faults. Build (build.go, build_ontap.go) turns a
// description into an Estate with its history. See scenario.go for the
// file format.

// Duration is a length of time in a scenario file: Go syntax ("90m", "4h",
// "1h30m", "200ms") plus days and weeks ("7d", "2w", "1d12h").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d in Go syntax.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML parses a duration with units.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("want a positive duration, got %q", n.Value)
	}
	*d = Duration(v)
	return nil
}

// ParseDuration parses Go duration syntax extended with "d" (24 hours) and
// "w" (7 days) units, e.g. "90d", "1d12h", "-3h". A bare number is refused:
// the unit is required.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	str := in
	neg := false
	switch {
	case strings.HasPrefix(str, "-"):
		neg, str = true, str[1:]
	case strings.HasPrefix(str, "+"):
		str = str[1:]
	}
	if str == "" {
		return 0, fmt.Errorf("want a duration such as 30s, 4h or 7d, got %q", in)
	}
	if str == "0" {
		return 0, nil
	}
	var total time.Duration
	for str != "" {
		i := 0
		for i < len(str) && (str[i] == '.' || (str[i] >= '0' && str[i] <= '9')) {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("want a duration such as 30s, 4h or 7d, got %q", in)
		}
		num, err := strconv.ParseFloat(str[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as 30s, 4h or 7d, got %q", in)
		}
		str = str[i:]
		j := 0
		for j < len(str) && (str[j] < '0' || str[j] > '9') && str[j] != '.' {
			j++
		}
		var unit time.Duration
		switch str[:j] {
		case "w":
			unit = 7 * 24 * time.Hour
		case "d":
			unit = 24 * time.Hour
		case "h":
			unit = time.Hour
		case "m":
			unit = time.Minute
		case "s":
			unit = time.Second
		case "ms":
			unit = time.Millisecond
		case "us", "µs":
			unit = time.Microsecond
		case "ns":
			unit = time.Nanosecond
		default:
			return 0, fmt.Errorf("want a duration such as 30s, 4h or 7d (units w, d, h, m, s, ms), got %q", in)
		}
		str = str[j:]
		// A float beyond the int64 range does not convert (it wrapped to a
		// negative duration), and the sum must not overflow either.
		part := num * float64(unit)
		if part >= 1<<63 || time.Duration(part) > math.MaxInt64-total {
			return 0, fmt.Errorf("duration %q is out of range (at most about 292 years)", in)
		}
		total += time.Duration(part)
	}
	if neg {
		total = -total
	}
	return total, nil
}

// TimeSpec is a moment in a scenario file: an RFC 3339 time
// ("2026-11-19T22:00:00Z"), "now", or an offset from the scenario's now
// ("-26h", "-3d", "+2h").
type TimeSpec struct {
	// At is an absolute time; Offset is used when Relative.
	At       time.Time
	Offset   time.Duration
	Relative bool
}

// Ago is the time d before now.
func Ago(d time.Duration) TimeSpec { return TimeSpec{Offset: -d, Relative: true} }

// AtTime is an absolute time.
func AtTime(t time.Time) TimeSpec { return TimeSpec{At: t.UTC()} }

// IsZero reports whether the spec is unset.
func (t TimeSpec) IsZero() bool { return !t.Relative && t.At.IsZero() }

// Resolve returns the time, relative to now, or def when unset.
func (t TimeSpec) Resolve(now, def time.Time) time.Time {
	switch {
	case t.Relative:
		return now.Add(t.Offset).UTC()
	case t.At.IsZero():
		return def
	}
	return t.At.UTC()
}

// UnmarshalYAML parses a time or an offset from now.
func (t *TimeSpec) UnmarshalYAML(n *yaml.Node) error {
	v := strings.TrimSpace(n.Value)
	if v == "now" {
		*t = TimeSpec{Relative: true}
		return nil
	}
	if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
		d, err := ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want an RFC 3339 time, \"now\" or an offset such as -3h or -2d, got %q", v)
		}
		*t = TimeSpec{Offset: d, Relative: true}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if at, err := time.Parse(layout, v); err == nil {
			*t = TimeSpec{At: at.UTC()}
			return nil
		}
	}
	return fmt.Errorf("want an RFC 3339 time, \"now\" or an offset such as -3h or -2d, got %q", v)
}

// specPos records where a spec element came from in a scenario file (its
// key path, e.g. "prism_centrals[0].vms[2]"); empty for generated ones.
type specPos struct{ src string }

func (p *specPos) setSrc(s string) { p.src = s }

// --- Nutanix ---

// PrismCentralSpec describes a Prism Central. In a scenario that also
// generates an estate, a Prism Central with the name of a generated one
// extends it: its settings override, its entities are added.
type PrismCentralSpec struct {
	specPos

	Name     string   `yaml:"name"`
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	APIKeys  []string `yaml:"api_keys"`
	Version  string   `yaml:"version"`
	Address  string   `yaml:"address"`
	// Remote is the paired Prism Central (replication target).
	Remote string `yaml:"remote"`
	// Site is the site the Prism Central's targets are configured with
	// (default: "production" for a name ending in prod, "dr" for one ending
	// in dr, else none).
	Site string `yaml:"site"`

	Clusters           []NutanixClusterSpec   `yaml:"clusters"`
	ProtectionPolicies []ProtectionPolicySpec `yaml:"protection_policies"`
	VMs                []VMSpec               `yaml:"vms"`
	VolumeGroups       []VolumeGroupSpec      `yaml:"volume_groups"`
	RecoveryPoints     []RecoveryPointSpec    `yaml:"recovery_points"`
}

// NutanixClusterSpec describes a Prism Element cluster.
type NutanixClusterSpec struct {
	specPos

	Name        string `yaml:"name"`
	Nodes       int    `yaml:"nodes"`
	Version     string `yaml:"version"`
	Hypervisor  string `yaml:"hypervisor"`
	Address     string `yaml:"address"`
	Unavailable bool   `yaml:"unavailable"`
}

// ProtectionPolicySpec describes a protection policy: one local schedule
// every RPO, optionally replicated to the paired Prism Central. Its members
// are the VMs and volume groups naming it as their policy; the build
// replays its schedule over the history window.
type ProtectionPolicySpec struct {
	specPos

	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// RPO is the schedule interval (and the recovery point objective).
	RPO Duration `yaml:"rpo"`
	// Offset places the runs: at the epoch (Sunday 2024-01-07 00:00 UTC)
	// plus Offset plus a multiple of RPO. Default 0 below a day, 22h above.
	Offset *Duration `yaml:"offset"`
	// Consistency is "crash" (default) or "application".
	Consistency     string `yaml:"consistency"`
	LocalRetention  int    `yaml:"local_retention"`
	RemoteRetention int    `yaml:"remote_retention"`
	// RetentionPeriod, when set, keeps each local recovery point this long
	// (roll-up retention) instead of local_retention runs.
	RetentionPeriod Duration `yaml:"retention_period"`
	// Remote is the Prism Central replicated to ("" for local only) and
	// RemoteCluster the cluster there (default its first).
	Remote        string   `yaml:"remote"`
	RemoteCluster string   `yaml:"remote_cluster"`
	Clusters      []string `yaml:"clusters"`
	Categories    []string `yaml:"categories"`
	// SuccessRate is the share of runs that succeed (default: the
	// generate section's success_rate).
	SuccessRate float64 `yaml:"success_rate"`
	// RemoteFailLastRuns makes the replication of the last N runs fail
	// while the local runs succeed: the replicas lag, independent of the
	// local schedule (needs remote).
	RemoteFailLastRuns int `yaml:"remote_fail_last_runs"`
}

// VMSpec describes an AHV VM.
type VMSpec struct {
	specPos

	Name        string `yaml:"name"`
	Cluster     string `yaml:"cluster"`
	Description string `yaml:"description"`
	// Power is "on" (default), "off" or "paused".
	Power      string   `yaml:"power"`
	CPUs       int      `yaml:"cpus"`
	MemoryGiB  int64    `yaml:"memory_gib"`
	DisksGiB   []int64  `yaml:"disks_gib"`
	Categories []string `yaml:"categories"`
	// Policy is the protection policy protecting the VM; "" leaves it
	// unprotected.
	Policy  string   `yaml:"policy"`
	Created TimeSpec `yaml:"created"`
	// ChangeRatePercent is the daily change rate of the VM's data (sizes
	// of its recovery points); UsedPercent the share of its disks in use.
	ChangeRatePercent float64 `yaml:"change_rate_percent"`
	UsedPercent       float64 `yaml:"used_percent"`
	// OwnRecoveryPoint puts the VM in a recovery point (consistency
	// group) of its own instead of sharing one per policy and cluster.
	OwnRecoveryPoint bool `yaml:"own_recovery_point"`
	// FailLastRuns makes the last N scheduled runs fail (implies
	// OwnRecoveryPoint).
	FailLastRuns int `yaml:"fail_last_runs"`
	// Spike is a ransomware-like change-rate spike: the recovery points
	// taken after Since hold Factor times the usual change (pro rata for
	// the one whose interval contains Since).
	Spike *SpikeSpec `yaml:"spike"`
	// Deleted removes the VM from the inventory at that time; its recovery
	// points taken before stay until they expire (a deleted VM to recover).
	Deleted TimeSpec `yaml:"deleted"`
}

// VolumeGroupSpec describes a volume group.
type VolumeGroupSpec struct {
	specPos

	Name              string   `yaml:"name"`
	Cluster           string   `yaml:"cluster"`
	Description       string   `yaml:"description"`
	DisksGiB          []int64  `yaml:"disks_gib"`
	Policy            string   `yaml:"policy"`
	Created           TimeSpec `yaml:"created"`
	Shared            *bool    `yaml:"shared"`
	ChangeRatePercent float64  `yaml:"change_rate_percent"`
	UsedPercent       float64  `yaml:"used_percent"`
	OwnRecoveryPoint  bool     `yaml:"own_recovery_point"`
	FailLastRuns      int      `yaml:"fail_last_runs"`
	// Spike is a ransomware-like change-rate spike (as on a VM).
	Spike *SpikeSpec `yaml:"spike"`
}

// RecoveryPointSpec describes a manual recovery point (not taken by a
// policy).
type RecoveryPointSpec struct {
	specPos

	Name         string   `yaml:"name"`
	VMs          []string `yaml:"vms"`
	VolumeGroups []string `yaml:"volume_groups"`
	Created      TimeSpec `yaml:"created"`
	// Expires is when it is garbage collected (unset: never).
	Expires     TimeSpec `yaml:"expires"`
	Consistency string   `yaml:"consistency"`
	// ReplicateTo names a paired Prism Central that holds a replica.
	ReplicateTo string `yaml:"replicate_to"`
}

// --- ONTAP ---

// OntapClusterSpec describes an ONTAP cluster. Every cluster has the
// standard schedules (5min, 8hour, 4hour, hourly, daily, weekly, monthly),
// snapshot policies (default, default-1weekly, none, gold-4h, plus those
// listed) and SnapMirror policies (MirrorAllSnapshots, MirrorAndVault,
// Asynchronous, XDPDefault, Sync). A cluster with the name of a generated
// one extends it.
type OntapClusterSpec struct {
	specPos

	Name         string `yaml:"name"`
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	Location     string `yaml:"location"`
	ManagementIP string `yaml:"management_ip"`
	// Site is the site the cluster's target is configured with (default as
	// for Prism Centrals: from a name ending in prod or dr).
	Site string `yaml:"site"`
	// SVMs are created in order; the first is the default SVM of volumes.
	SVMs             []string             `yaml:"svms"`
	SnapshotPolicies []SnapshotPolicySpec `yaml:"snapshot_policies"`
	Volumes          []VolumeSpec         `yaml:"volumes"`
	Snapshots        []SnapshotSpec       `yaml:"snapshots"`
	// Relationships are held by this cluster as their destination.
	Relationships []RelationshipSpec `yaml:"relationships"`
}

// SnapshotPolicySpec is a snapshot policy.
type SnapshotPolicySpec struct {
	specPos

	Name    string             `yaml:"name"`
	Comment string             `yaml:"comment"`
	Copies  []SnapshotCopySpec `yaml:"copies"`
}

// SnapshotCopySpec is one schedule of a snapshot policy.
type SnapshotCopySpec struct {
	specPos

	Schedule        string `yaml:"schedule"`
	Count           int    `yaml:"count"`
	Prefix          string `yaml:"prefix"`
	SnapmirrorLabel string `yaml:"snapmirror_label"`
	// RetentionPeriod is an ISO-8601 period such as "P14D".
	RetentionPeriod string `yaml:"retention_period"`
}

// VolumeSpec describes a read-write FlexVol volume. Its snapshots follow
// its snapshot policy's schedules over the history; each holds the data
// changed since the previous one at the daily change rate.
type VolumeSpec struct {
	specPos

	Name string `yaml:"name"`
	// SVM defaults to the cluster's first SVM.
	SVM         string   `yaml:"svm"`
	SizeGiB     int64    `yaml:"size_gib"`
	UsedPercent float64  `yaml:"used_percent"`
	Comment     string   `yaml:"comment"`
	Created     TimeSpec `yaml:"created"`
	// SnapshotPolicy defaults to "default"; "none" takes no snapshots.
	SnapshotPolicy string `yaml:"snapshot_policy"`
	// SnapshotReservePercent is chosen to fit the snapshots when unset.
	SnapshotReservePercent *int `yaml:"snapshot_reserve_percent"`
	// ReserveUsedPercent scales the snapshots to fill this share of the
	// reserve (a reserve filling up).
	ReserveUsedPercent float64 `yaml:"reserve_used_percent"`
	ChangeRatePercent  float64 `yaml:"change_rate_percent"`
	// Files is the kind of file tree: home, share, finance, hr, project,
	// eng, oracle, sql, vmware, logs, archive or generic (default).
	Files string `yaml:"files"`
	// Spike is a ransomware-like change-rate spike.
	Spike *SpikeSpec `yaml:"spike"`
	// UsageTrend shapes the volume's past used space (its snapshots'
	// logical sizes, which collectors read as capacity history): used_percent
	// is today's level, and it was growth_percent_per_day (of the size) lower
	// per day back, with noise_percent (of the size) of day-to-day noise.
	UsageTrend *UsageTrendSpec `yaml:"usage_trend"`
}

// UsageTrendSpec is a volume's usage history shape.
type UsageTrendSpec struct {
	specPos

	GrowthPercentPerDay float64 `yaml:"growth_percent_per_day"`
	NoisePercent        float64 `yaml:"noise_percent"`
}

// SpikeSpec multiplies a volume's change rate from Since on; the files
// changed since then are encrypted (renamed *.locked, with a ransom note).
type SpikeSpec struct {
	specPos

	Factor float64  `yaml:"factor"`
	Since  TimeSpec `yaml:"since"`
}

// SnapshotSpec is a manual snapshot of a volume of the same cluster.
type SnapshotSpec struct {
	specPos

	Volume          string   `yaml:"volume"`
	SVM             string   `yaml:"svm"`
	Name            string   `yaml:"name"`
	Created         TimeSpec `yaml:"created"`
	SizeMiB         int64    `yaml:"size_mib"`
	Comment         string   `yaml:"comment"`
	SnapmirrorLabel string   `yaml:"snapmirror_label"`
	// Expires sets expiry_time (locked until then).
	Expires TimeSpec `yaml:"expires"`
	// State is valid (default), invalid or partial: a copy that cannot be
	// restored from.
	State string `yaml:"state"`
}

// RelationshipSpec is a SnapMirror relationship held by its destination
// cluster (the cluster it is listed under). The destination volume is
// created from the source.
type RelationshipSpec struct {
	specPos

	// Source is "cluster:svm:volume", or "svm:volume" on this cluster.
	Source string `yaml:"source"`
	// Destination is "svm:volume" on this cluster (default: the source
	// volume name with "_dr" in the SVM named like the source's with "_dr",
	// or the first SVM).
	Destination string `yaml:"destination"`
	// Policy is a SnapMirror policy (default MirrorAllSnapshots).
	Policy string `yaml:"policy"`
	// Schedule is the transfer schedule (default hourly).
	Schedule string `yaml:"schedule"`
	// State is snapmirrored (default), paused, broken_off or uninitialized.
	State string `yaml:"state"`
	// Lag, when set, shapes the recent transfers as a lag spiral (each
	// slower than the last, schedules skipped while one runs) so that the
	// exported snapshot is about this old now.
	Lag Duration `yaml:"lag"`
	// TransferRateMiB is the usual throughput in MiB/s.
	TransferRateMiB float64 `yaml:"transfer_rate_mib"`
	Throttle        int64   `yaml:"throttle"`
}

// --- events and faults ---

// EventSpec is a past event placed in the history: a Nutanix task (kind
// task), an ONTAP EMS event (kind ems) or a SnapMirror transfer (kind
// transfer).
type EventSpec struct {
	specPos

	Kind   string   `yaml:"kind"`
	Target string   `yaml:"target"`
	At     TimeSpec `yaml:"at"`
	// Task: Operation (default CreateRecoveryPoint), the VM and volume
	// group names it touched, Status (failed (default), succeeded or
	// running: never finishes), Error, Duration, Owner.
	Operation string   `yaml:"operation"`
	Entities  []string `yaml:"entities"`
	Status    string   `yaml:"status"`
	Error     string   `yaml:"error"`
	Duration  Duration `yaml:"duration"`
	Owner     string   `yaml:"owner"`
	// EMS: Name, Severity (default error), Message, Node, Parameters.
	Name       string            `yaml:"name"`
	Severity   string            `yaml:"severity"`
	Message    string            `yaml:"message"`
	Node       string            `yaml:"node"`
	Parameters map[string]string `yaml:"parameters"`
	// Transfer: the relationship's destination path "svm:volume"; Status
	// failed (default) or success; Error.
	Relationship string `yaml:"relationship"`
}

// TaskFaultSpec makes the next Count tasks of Operation ("" for any) on a
// Prism Central fail with Message, or never finish when Stuck.
type TaskFaultSpec struct {
	specPos

	Target    string `yaml:"target"`
	Operation string `yaml:"operation"`
	Count     int    `yaml:"count"`
	Message   string `yaml:"message"`
	Stuck     bool   `yaml:"stuck"`
}

// JobFaultSpec makes the next Count jobs (Kind job) or SnapMirror
// transfers (Kind transfer) of an ONTAP cluster fail with Code and Message
// or never finish when Stuck; Match restricts it to jobs whose operation or
// description, or transfers whose relationship, contains it.
type JobFaultSpec struct {
	specPos

	Target  string `yaml:"target"`
	Kind    string `yaml:"kind"`
	Match   string `yaml:"match"`
	Count   int    `yaml:"count"`
	Stuck   bool   `yaml:"stuck"`
	Code    int64  `yaml:"code"`
	Message string `yaml:"message"`
}
