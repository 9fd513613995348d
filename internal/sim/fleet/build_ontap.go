package fleet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

type ontapState struct {
	spec    *OntapClusterSpec
	c       *OntapCluster
	planned map[string][]plannedSnapshot
	models  map[*OntapVolume]*volModel
	msid    int64
}

// volModel is how a volume's data changes.
type volModel struct {
	rate       float64 // daily change, fraction of used
	files      string
	spikeAt    time.Time // zero: no spike
	spikeBy    float64
	rng        *rand.Rand
	generation int
	// reserveUsed scales the snapshots to fill this percentage of the
	// reserve (0: fit the reserve to the snapshots).
	reserveUsed float64
}

// changed is the data changed in (from, to] as a share of the used space:
// the daily rate pro rata, multiplied by the spike factor after the spike.
func (m *volModel) changed(from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	days := func(a, b time.Time) float64 { return b.Sub(a).Hours() / 24 }
	if m.spikeAt.IsZero() || !to.After(m.spikeAt) {
		return m.rate * days(from, to)
	}
	if !from.Before(m.spikeAt) {
		return m.rate * m.spikeBy * days(from, to)
	}
	return m.rate * (days(from, m.spikeAt) + m.spikeBy*days(m.spikeAt, to))
}

func (m *volModel) encrypted(at time.Time) bool { return !m.spikeAt.IsZero() && at.After(m.spikeAt) }

var treeKinds = []string{"home", "share", "finance", "hr", "project", "eng", "oracle", "sql", "vmware", "logs", "archive", "generic"}

// reserveSteps are the snapshot reserve percentages the build picks from.
var reserveSteps = []int{5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80}

func (b *builder) ontapLayout() error {
	now := b.now
	for i, cs := range b.s.OntapClusters {
		if cs.Name == "" || b.otBy[cs.Name] != nil {
			return b.errAt(cs.src, "name", "ONTAP cluster name %q is empty or repeated", cs.Name)
		}
		svms := cs.SVMs
		if len(svms) == 0 {
			svms = []string{"svm0"}
		}
		suffix := cs.Name[strings.LastIndex(cs.Name, "-")+1:]
		c := newSmallCluster(cs.Name, svms[0], or(cs.Password, "Netapp1!"+suffix), or(cs.Location, "DC"+fmt.Sprint(i+1)), now)
		c.Username = or(cs.Username, "admin")
		c.Site = cs.Site
		if cs.ManagementIP != "" {
			c.ManagementIP = cs.ManagementIP
		} else if c.ManagementIP == "" {
			c.ManagementIP = fmt.Sprintf("10.%d.1.20", 40+i)
		}
		for _, a := range c.Aggregates {
			a.Size = 120 * tib
		}
		for _, n := range svms[1:] {
			if n == "" || c.SVM(n) != nil {
				return b.errAt(cs.src, "svms", "SVM name %q is empty or repeated", n)
			}
			c.SVMs = append(c.SVMs, &OntapSVM{Name: n, UUID: OntapUUID(c.UUID, "svm", n), State: "running", Subtype: "default"})
		}
		for j := range cs.SnapshotPolicies {
			ps := &cs.SnapshotPolicies[j]
			if ps.Name == "" || c.SnapshotPolicy(ps.Name) != nil {
				return b.errAt(ps.src, "name", "snapshot policy name %q is empty or already exists", ps.Name)
			}
			p := &OntapSnapshotPolicy{UUID: OntapUUID(c.UUID, "snapshot-policy", ps.Name), Name: ps.Name, Comment: ps.Comment, Enabled: true}
			if len(ps.Copies) == 0 || len(ps.Copies) > 5 {
				return b.errAt(ps.src, "copies", "a snapshot policy has 1 to 5 schedules, got %d", len(ps.Copies))
			}
			for _, cp := range ps.Copies {
				if c.Schedule(cp.Schedule) == nil {
					return b.errAt(cp.src, "schedule", "no schedule %q (have 5min, 8hour, 4hour, hourly, daily, weekly, monthly)", cp.Schedule)
				}
				if cp.Count < 1 || cp.Count > 1023 {
					return b.errAt(cp.src, "count", "want 1 to 1023, got %d", cp.Count)
				}
				if cp.RetentionPeriod != "" {
					if _, ok := simpleISODays(cp.RetentionPeriod); !ok {
						return b.errAt(cp.src, "retention_period", "want an ISO-8601 period in days or weeks such as P14D, got %q", cp.RetentionPeriod)
					}
				}
				p.Copies = append(p.Copies, OntapSnapshotPolicyCopy{Schedule: cp.Schedule, Count: cp.Count, Prefix: or(cp.Prefix, cp.Schedule),
					SnapmirrorLabel: cp.SnapmirrorLabel, RetentionPeriod: cp.RetentionPeriod})
			}
			c.SnapshotPolicies = append(c.SnapshotPolicies, p)
		}
		st := &ontapState{spec: cs, c: c, planned: map[string][]plannedSnapshot{}, models: map[*OntapVolume]*volModel{}, msid: 2157000000 + int64(i)*6000000}
		b.ot = append(b.ot, st)
		b.otBy[cs.Name] = st
		b.e.OntapClusters = append(b.e.OntapClusters, c)
		for j := range cs.Volumes {
			if err := b.volume(st, &cs.Volumes[j], j); err != nil {
				return err
			}
		}
		for j := range cs.Snapshots {
			if err := b.manualSnapshot(st, &cs.Snapshots[j]); err != nil {
				return err
			}
		}
		for _, v := range c.Volumes {
			b.fitReserve(st, v)
		}
	}
	return nil
}

func (b *builder) volume(st *ontapState, vs *VolumeSpec, idx int) error {
	c, now := st.c, b.now
	svm := or(vs.SVM, c.SVMs[0].Name)
	if c.SVM(svm) == nil {
		return b.errAt(vs.src, "svm", "cluster %s has no SVM %q", c.Name, svm)
	}
	if vs.Name == "" || c.VolumeByName(svm, vs.Name) != nil {
		return b.errAt(vs.src, "name", "volume name %q is empty or repeated in SVM %s", vs.Name, svm)
	}
	policy := or(vs.SnapshotPolicy, "default")
	if c.SnapshotPolicy(policy) == nil {
		return b.errAt(vs.src, "snapshot_policy", "cluster %s has no snapshot policy %q", c.Name, policy)
	}
	size := vs.SizeGiB
	if size == 0 {
		size = 100
	}
	if size < 1 || size > 300*1024 {
		return b.errAt(vs.src, "size_gib", "want 1 to 307200 GiB, got %d", vs.SizeGiB)
	}
	used := vs.UsedPercent
	if used == 0 {
		used = 50
	}
	if used < 0 || used > 100 {
		return b.errAt(vs.src, "used_percent", "want 0 to 100, got %v", vs.UsedPercent)
	}
	rate := pctOr(vs.ChangeRatePercent, 2)
	if rate < 0 || rate > 100 {
		return b.errAt(vs.src, "change_rate_percent", "want 0 to 100, got %v", vs.ChangeRatePercent)
	}
	files := or(vs.Files, "generic")
	if !slices.Contains(treeKinds, files) {
		return b.errAt(vs.src, "files", "want one of %s, got %q", strings.Join(treeKinds, ", "), vs.Files)
	}
	if r := vs.SnapshotReservePercent; r != nil && (*r < 0 || *r > 90) {
		return b.errAt(vs.src, "snapshot_reserve_percent", "want 0 to 90, got %d", *r)
	}
	if vs.ReserveUsedPercent < 0 || vs.ReserveUsedPercent > 500 {
		return b.errAt(vs.src, "reserve_used_percent", "want 0 to 500, got %v", vs.ReserveUsedPercent)
	}
	created := vs.Created.Resolve(now, now.Add(-time.Duration(400-idx%200)*24*time.Hour)).Truncate(time.Second)
	if created.After(now) {
		return b.errAt(vs.src, "created", "%s is after now (%s)", created.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	st.msid += 1013
	v := &OntapVolume{
		UUID: OntapUUID(c.UUID, "volume", svm, vs.Name), Name: vs.Name, SVM: svm, Type: "rw", Style: "flexvol", State: "online",
		Aggregate: c.Aggregates[idx%len(c.Aggregates)].Name, CreateTime: created, Comment: vs.Comment,
		JunctionPath: "/" + strings.TrimPrefix(vs.Name, "vol_"), MSID: st.msid, Size: size * gib,
		SnapshotPolicy: policy, SnapshotDirectoryAccess: true,
	}
	v.Used = int64(float64(v.Size)*used/100*0.92) / 4096 * 4096
	m := &volModel{rate: rate / 100, files: files, rng: rngFor(b.s.Seed, c.Name, "volume", svm, vs.Name)}
	if vs.Spike != nil {
		if vs.Spike.Factor < 1 || vs.Spike.Factor > 1000 {
			return b.errAt(vs.Spike.src, "factor", "want 1 to 1000, got %v", vs.Spike.Factor)
		}
		if vs.Spike.Since.IsZero() {
			return b.errAt(vs.Spike.src, "since", "a spike needs its start")
		}
		m.spikeAt = vs.Spike.Since.Resolve(now, now)
		m.spikeBy = vs.Spike.Factor
	}
	st.models[v] = m
	drift := 0.0005 + 0.0015*m.rng.Float64() // used grows 0.05-0.2 % a day
	var trend *UsageTrendSpec
	if t := vs.UsageTrend; t != nil {
		if t.GrowthPercentPerDay < -10 || t.GrowthPercentPerDay > 10 || t.NoisePercent < 0 || t.NoisePercent > 20 {
			return b.errAt(t.src, "growth_percent_per_day", "want growth -10 to 10 and noise 0 to 20 percent of the size per day")
		}
		trend = t
	}
	// logicalAt is the used space at a past time.
	logicalAt := func(at time.Time) int64 {
		age := now.Sub(at).Hours() / 24
		if trend == nil {
			return int64(float64(v.Used)*(1-drift*age)) / 4096 * 4096
		}
		x := float64(v.Used) - trend.GrowthPercentPerDay/100*float64(v.Size)*age + trend.NoisePercent/100*float64(v.Size)*(2*m.rng.Float64()-1)
		return max(int64(x), 4096*16) / 4096 * 4096
	}
	planned, ok := st.planned[policy]
	if !ok {
		planned = plannedPolicySnapshots(c, policy, now)
		st.planned[policy] = planned
	}
	// The newest firing of each prefix always succeeds; others fail rarely.
	newest := map[string]time.Time{}
	for _, ps := range planned {
		newest[ps.prefix] = ps.at
	}
	failP := (1 - b.s.SuccessRate) / 10
	// A snapshot holds the data changed since the previous snapshot (as
	// the simulator's own snapshots do, and as collectors read sizes: the
	// change over the period since the previous one).
	var prev time.Time
	for _, ps := range planned {
		if !ps.at.After(created.Add(time.Hour)) {
			continue
		}
		if prev.IsZero() {
			prev = ps.at.Add(-scheduleGap(c, policy, ps.prefix, ps.at))
		}
		u := m.rng.Float64()
		noise := 0.75 + 0.5*m.rng.Float64()
		if u < failP && !ps.at.Equal(newest[ps.prefix]) {
			name := ps.prefix + "." + ps.at.Format("2006-01-02_1504")
			c.AddEvent(&OntapEvent{
				Time: ps.at, Name: "mgmtgwd.schedSnap.createFail", Severity: "error", Source: "mgwd",
				LogMessage: fmt.Sprintf("mgmtgwd.schedSnap.createFail: Skipping creation of scheduled Snapshot copy '%s' on volume '%s' on vserver '%s' for schedule '%s' prefix '%s' (reason: snapshot operation already in progress).", name, v.Name, v.SVM, ps.prefix, ps.prefix),
				Parameters: []OntapEventParameter{{"snapshotName", name}, {"volumeName", v.Name}, {"vserverName", v.SVM}, {"scheduleName", ps.prefix}, {"prefixName", ps.prefix}, {"reason", "snapshot operation already in progress"}},
			})
			continue
		}
		held := float64(v.Used) * m.changed(prev, ps.at) * noise
		prev = ps.at
		h := max(int64(held)/4096*4096, 4096*16)
		m.generation++
		s := &OntapSnapshot{
			UUID: OntapUUID(v.UUID, "snapshot", ps.prefix, ps.at.Format(time.RFC3339)),
			Name: ps.prefix + "." + ps.at.Format("2006-01-02_1504"), SnapmirrorLabel: ps.label,
			CreateTime: ps.at, Size: h, State: "valid",
			LogicalSize: logicalAt(ps.at),
			Files:       volumeTree(files, ps.at, m.generation, m.encrypted(ps.at)),
		}
		if ps.expiry != "" {
			if d, ok := simpleISODays(ps.expiry); ok {
				s.ExpiryTime = ps.at.Add(d)
			}
		}
		v.Snapshots = append(v.Snapshots, s)
	}
	v.Root = volumeTree(files, now.Add(-17*time.Minute), liveGen+m.generation, m.encrypted(now))
	if v.Used < v.Root.TotalSize() {
		v.Used = v.Root.TotalSize()
	}
	if r := vs.SnapshotReservePercent; r != nil {
		v.SnapshotReservePercent = *r
	} else {
		v.SnapshotReservePercent = -1 // fitted after manual snapshots
	}
	if vs.ReserveUsedPercent > 0 {
		if v.SnapshotReservePercent < 0 {
			v.SnapshotReservePercent = 5
		}
		m.reserveUsed = vs.ReserveUsedPercent
	}
	c.Volumes = append(c.Volumes, v)
	return nil
}

// fitReserve picks a snapshot reserve that holds the snapshots with room
// to spare, or scales the snapshots to fill a given share of it, and keeps
// the active file system below 80 % full.
func (b *builder) fitReserve(st *ontapState, v *OntapVolume) {
	m := st.models[v]
	var sum int64
	for _, s := range v.Snapshots {
		sum += s.Size
	}
	switch {
	case m != nil && m.reserveUsed > 0:
		reserve := v.Size * int64(v.SnapshotReservePercent) / 100
		target := float64(reserve) * m.reserveUsed / 100
		if sum > 0 {
			f := target / float64(sum)
			var acc int64
			for i, s := range v.Snapshots {
				if i == len(v.Snapshots)-1 {
					s.Size = max(int64(target)-acc, 4096) / 4096 * 4096
				} else {
					s.Size = max(int64(float64(s.Size)*f)/4096*4096, 4096)
				}
				acc += s.Size
			}
		}
	case v.SnapshotReservePercent < 0:
		v.SnapshotReservePercent = reserveSteps[len(reserveSteps)-1]
		for _, r := range reserveSteps {
			if float64(sum) <= 0.75*float64(v.Size*int64(r)/100) {
				v.SnapshotReservePercent = r
				break
			}
		}
	}
	afs := v.Size * int64(100-v.SnapshotReservePercent) / 100
	if limit := afs * 3 / 4; v.Used > limit { // below AIQUM "nearly full" (80 %) with room
		f := float64(limit) / float64(v.Used)
		v.Used = limit / 4096 * 4096
		for _, s := range v.Snapshots {
			s.LogicalSize = int64(float64(s.LogicalSize)*f) / 4096 * 4096
		}
	}
}

func (b *builder) manualSnapshot(st *ontapState, ss *SnapshotSpec) error {
	c, now := st.c, b.now
	svm := or(ss.SVM, c.SVMs[0].Name)
	v := c.VolumeByName(svm, ss.Volume)
	if v == nil {
		return b.errAt(ss.src, "volume", "cluster %s has no volume %s:%s", c.Name, svm, ss.Volume)
	}
	if ss.Created.IsZero() {
		return b.errAt(ss.src, "created", "a snapshot needs its creation time")
	}
	at := ss.Created.Resolve(now, now).Truncate(time.Second)
	if at.After(now) || at.Before(v.CreateTime) {
		return b.errAt(ss.src, "created", "%s is not between the volume's creation and now", at.Format(time.RFC3339))
	}
	name := or(ss.Name, "manual."+at.Format("2006-01-02_1504"))
	if v.Snapshot(name) != nil {
		return b.errAt(ss.src, "name", "volume %s already has a snapshot %q", v.Name, name)
	}
	if ss.SizeMiB < 0 {
		return b.errAt(ss.src, "size_mib", "want a positive size, got %d", ss.SizeMiB)
	}
	m := st.models[v]
	size := ss.SizeMiB << 20
	if size == 0 {
		// The change since the snapshot before it; the one after it then
		// holds only the change since this one.
		var prev, next *OntapSnapshot
		for _, x := range v.Snapshots {
			if !x.CreateTime.After(at) {
				prev = x
			} else if next == nil {
				next = x
			}
		}
		from := at.Add(-12 * time.Hour)
		if prev != nil {
			from = prev.CreateTime
		}
		size = max(int64(float64(v.Used)*m.changed(from, at))/4096*4096, 4096*16)
		if next != nil && prev != nil {
			if whole := m.changed(prev.CreateTime, next.CreateTime); whole > 0 {
				next.Size = max(int64(float64(next.Size)*m.changed(at, next.CreateTime)/whole)/4096*4096, 4096*16)
			}
		}
	}
	m.generation++
	s := &OntapSnapshot{
		UUID: OntapUUID(v.UUID, "snapshot", name), Name: name, Comment: ss.Comment, SnapmirrorLabel: ss.SnapmirrorLabel,
		CreateTime: at, Size: size, LogicalSize: v.Used, State: or(ss.State, "valid"),
		Files: volumeTree(m.files, at, m.generation, m.encrypted(at)),
	}
	if !slices.Contains([]string{"valid", "invalid", "partial"}, s.State) {
		return b.errAt(ss.src, "state", "want valid, invalid or partial, got %q", ss.State)
	}
	s.ExpiryTime = ss.Expires.Resolve(now, time.Time{})
	v.Snapshots = insertSnapshot(v.Snapshots, s)
	return nil
}

// scheduleGap is the interval of the schedule of a policy's prefix.
func scheduleGap(c *OntapCluster, policy, prefix string, at time.Time) time.Duration {
	if p := c.SnapshotPolicy(policy); p != nil {
		for _, cp := range p.Copies {
			if cp.Prefix == prefix {
				if s := c.Schedule(cp.Schedule); s != nil {
					return scheduleInterval(s, at)
				}
			}
		}
	}
	return 24 * time.Hour
}

// scheduleInterval is the gap between a schedule's last two firings.
func scheduleInterval(s *OntapSchedule, now time.Time) time.Duration {
	a := PreviousFiring(s, now)
	p := PreviousFiring(s, a.Add(-time.Minute))
	if a.IsZero() || p.IsZero() {
		return 24 * time.Hour
	}
	return a.Sub(p)
}

const maxTransfers = 40

func (b *builder) ontapRelationships() error {
	for _, st := range b.ot {
		for i := range st.spec.Relationships {
			if err := b.relationship(st, &st.spec.Relationships[i], i); err != nil {
				return err
			}
		}
	}
	return nil
}

type xfer struct {
	at, end time.Time
	bytes   int64
	failed  bool
	msg     string
}

func (b *builder) relationship(st *ontapState, rs *RelationshipSpec, idx int) error {
	c, now := st.c, b.now
	parts := strings.Split(rs.Source, ":")
	srcC := st
	switch len(parts) {
	case 2:
	case 3:
		if srcC = b.otBy[parts[0]]; srcC == nil {
			return b.errAt(rs.src, "source", "no ONTAP cluster is named %q", parts[0])
		}
		parts = parts[1:]
	default:
		return b.errAt(rs.src, "source", "want cluster:svm:volume or svm:volume, got %q", rs.Source)
	}
	src := srcC.c.VolumeByName(parts[0], parts[1])
	if src == nil {
		return b.errAt(rs.src, "source", "cluster %s has no volume %s:%s", srcC.c.Name, parts[0], parts[1])
	}
	if src.Type != "rw" {
		return b.errAt(rs.src, "source", "volume %s is not read-write", rs.Source)
	}
	dstSVM, dstName := src.SVM+"_dr", src.Name+"_dr"
	if c.SVM(dstSVM) == nil {
		dstSVM = c.SVMs[0].Name
	}
	if rs.Destination != "" {
		d := strings.Split(rs.Destination, ":")
		if len(d) != 2 || d[0] == "" || d[1] == "" {
			return b.errAt(rs.src, "destination", "want svm:volume, got %q", rs.Destination)
		}
		dstSVM, dstName = d[0], d[1]
		if c.SVM(dstSVM) == nil {
			return b.errAt(rs.src, "destination", "cluster %s has no SVM %q", c.Name, dstSVM)
		}
	}
	if c.VolumeByName(dstSVM, dstName) != nil {
		return b.errAt(rs.src, "destination", "volume %s:%s already exists on %s", dstSVM, dstName, c.Name)
	}
	policy := or(rs.Policy, "MirrorAllSnapshots")
	pol := c.SnapmirrorPolicy(policy)
	if pol == nil || pol.Type != "async" {
		return b.errAt(rs.src, "policy", "want an asynchronous SnapMirror policy of %s (MirrorAllSnapshots, MirrorAndVault, Asynchronous, XDPDefault), got %q", c.Name, rs.Policy)
	}
	sched := c.Schedule(or(rs.Schedule, "hourly"))
	if sched == nil {
		return b.errAt(rs.src, "schedule", "no schedule %q (have 5min, 8hour, 4hour, hourly, daily, weekly, monthly)", rs.Schedule)
	}
	state := or(rs.State, "snapmirrored")
	if !slices.Contains([]string{"snapmirrored", "paused", "broken_off", "uninitialized"}, state) {
		return b.errAt(rs.src, "state", "want snapmirrored, paused, broken_off or uninitialized, got %q", rs.State)
	}
	if rs.TransferRateMiB < 0 || rs.Throttle < 0 {
		return b.errAt(rs.src, "transfer_rate_mib", "rates must not be negative")
	}
	interval := scheduleInterval(sched, now)
	if rs.Lag != 0 && (rs.Lag.D() < interval || rs.Lag.D() > 20*interval) {
		return b.errAt(rs.src, "lag", "want 1 to 20 times the %s schedule (%s), got %s", sched.Name, interval, rs.Lag)
	}
	for _, r := range c.Relationships {
		if r.SourceCluster == srcC.c.Name && r.SourcePath == src.Path() {
			return b.errAt(rs.src, "source", "volume %s already has a relationship on %s", rs.Source, c.Name)
		}
	}
	st.msid += 977
	dst := &OntapVolume{
		UUID: OntapUUID(c.UUID, "volume", dstSVM, dstName), Name: dstName, SVM: dstSVM, Type: "dp", Style: "flexvol", State: "online",
		Aggregate: c.Aggregates[idx%len(c.Aggregates)].Name, CreateTime: src.CreateTime.Add(2 * time.Hour), MSID: st.msid,
		Size: src.Size + src.Size/10, SnapshotPolicy: "none", SnapshotDirectoryAccess: true,
	}
	if dst.CreateTime.After(now) {
		dst.CreateTime = now
	}
	rel := &OntapRelationship{
		UUID: OntapUUID(c.UUID, "relationship", dst.Path()), SourceCluster: srcC.c.Name, SourcePath: src.Path(),
		DestinationPath: dst.Path(), Policy: policy, State: state, Healthy: true, TransferSchedule: sched.Name,
		Throttle: rs.Throttle, LastTransferType: "update",
	}
	c.Volumes = append(c.Volumes, dst)
	c.Relationships = append(c.Relationships, rel)
	if state == "uninitialized" {
		dst.Root = &OntapFile{Name: "", Type: "directory", Size: 4096, Inode: 64, Permissions: 755, ModifiedTime: dst.CreateTime, CreationTime: dst.CreateTime}
		rel.LastTransferType = ""
		return nil
	}
	m := srcC.models[src]
	rng := rngFor(b.s.Seed, c.Name, "snapmirror", dst.Path())
	rate := rs.TransferRateMiB
	if rate == 0 {
		rate = 200
	}
	rateB := rate * (1 << 20)
	if rs.Throttle > 0 {
		rateB = float64(rs.Throttle) * 1024
	}
	firstOK := dst.CreateTime.Add(time.Hour)
	// Firings, newest first, before now (leaving time for the last to end).
	var firings []time.Time
	for t := PreviousFiring(sched, now.Add(-10*time.Minute)); !t.IsZero() && t.After(firstOK) && len(firings) < maxTransfers; t = PreviousFiring(sched, t.Add(-time.Minute)) {
		firings = append(firings, t)
	}
	slices.Reverse(firings)
	if len(firings) == 0 {
		firings = []time.Time{firstOK}
	}
	changed := func(from, to time.Time) int64 {
		x := float64(src.Used) * m.changed(from, to) * (0.8 + 0.4*rng.Float64())
		return max(int64(x)/4096*4096, 1<<20)
	}
	var xs []xfer
	failP := (1 - b.s.SuccessRate) / 2
	if lag := rs.Lag.D(); lag > 0 {
		xs = b.lagSpiral(firings, interval, lag, rateB, changed, rng)
	} else {
		prevOK := firings[0].Add(-interval)
		for i, f := range firings {
			x := xfer{at: f, bytes: changed(prevOK, f)}
			d := 4*time.Second + time.Duration(float64(x.bytes)/(rateB*(0.8+0.4*rng.Float64()))*float64(time.Second))
			if rng.Float64() < failP && i < len(firings)-2 {
				x.failed = true
				x.msg = transferErrors[rng.IntN(len(transferErrors))]
				d /= 3
			} else {
				prevOK = f
			}
			x.end = f.Add(2*time.Second + d).Truncate(time.Second)
			xs = append(xs, x)
		}
	}
	var lastOK time.Time
	for _, x := range xs {
		if !x.failed {
			lastOK = x.at
		}
	}
	if lastOK.IsZero() {
		lastOK = firstOK
	}
	prefix := fmt.Sprintf("snapmirror.%s_%d.", c.SVM(dstSVM).UUID, dst.MSID)
	// Initialize, long ago.
	init := &OntapTransfer{
		UUID: OntapUUID(c.UUID, "transfer", rel.UUID, "init"), Type: "initialize",
		QueueTime: dst.CreateTime.Add(5 * time.Minute), StartTime: dst.CreateTime.Add(5*time.Minute + 3*time.Second),
		Bytes: src.Used * 9 / 10, State: "success",
	}
	init.BytesTransferred = init.Bytes
	init.EndTime = init.StartTime.Add(time.Duration(float64(init.Bytes)/rateB) * time.Second)
	rel.Transfers = append(rel.Transfers, init)
	rel.TotalTransferBytes += init.Bytes
	rel.TotalTransferDuration += init.EndTime.Sub(init.StartTime)
	node := c.Nodes[0].Name
	for _, x := range xs {
		t := &OntapTransfer{
			UUID: OntapUUID(c.UUID, "transfer", rel.UUID, x.at.Format(time.RFC3339)), Type: "update",
			Snapshot:  prefix + x.at.Format("2006-01-02_150405"),
			QueueTime: x.at, StartTime: x.at.Add(2 * time.Second), EndTime: x.end, Bytes: x.bytes, Throttle: rs.Throttle,
		}
		if x.failed {
			t.State, t.ErrorCode, t.ErrorMessage = "failed", 6619546, x.msg
			t.BytesTransferred = x.bytes / 3 / 4096 * 4096
			c.AddEvent(transferFailEvent(rel, t, node))
		} else {
			t.State, t.BytesTransferred = "success", x.bytes
			rel.TotalTransferBytes += x.bytes
			rel.TotalTransferDuration += t.EndTime.Sub(t.StartTime)
		}
		rel.Transfers = append(rel.Transfers, t)
	}
	if n := len(rel.Transfers); n > 0 && rel.Transfers[n-1].State == "failed" {
		last := rel.Transfers[n-1]
		rel.Healthy = false
		rel.UnhealthyReasons = []OntapUnhealthyReason{{Code: fmt.Sprint(last.ErrorCode), Message: last.ErrorMessage, Arguments: []string{}}}
	}
	// The exported snapshot on both sides, and the destination's image.
	var tree *OntapFile
	logical := src.Used
	var prevSnap time.Time
	for _, s := range src.Snapshots {
		if !s.CreateTime.After(lastOK) {
			tree, logical, prevSnap = s.Files, s.LogicalSize, s.CreateTime
		}
	}
	if tree == nil {
		tree = src.Root
	}
	if prevSnap.IsZero() {
		prevSnap = lastOK.Add(-interval)
	}
	// Bytes per unit of modelled change, as the policy snapshots were sized
	// (their volume's used space may have been refitted since), so the
	// exported snapshot is sized like its neighbours.
	perChange := float64(src.Used)
	var ratios []float64
	for i := 1; i < len(src.Snapshots); i++ {
		if ch := m.changed(src.Snapshots[i-1].CreateTime, src.Snapshots[i].CreateTime); ch > 0 {
			ratios = append(ratios, float64(src.Snapshots[i].Size)/ch)
		}
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		perChange = ratios[len(ratios)/2]
	}
	smName := prefix + lastOK.Format("2006-01-02_150405")
	sm := &OntapSnapshot{
		UUID: OntapUUID(src.UUID, "snapshot", smName), Name: smName, CreateTime: lastOK,
		Size:        max(int64(perChange*m.changed(prevSnap, lastOK))/4096*4096, 4096*64),
		LogicalSize: logical, State: "valid", Files: tree,
	}
	src.Snapshots = insertSnapshot(src.Snapshots, sm)
	// The snapshot after it now holds only the change since the exported
	// one, not since prevSnap: keep the model "a snapshot holds the change
	// since the previous one" true for every consecutive pair.
	for _, s := range src.Snapshots {
		if s.CreateTime.After(lastOK) {
			if whole := m.changed(prevSnap, s.CreateTime); whole > 0 {
				s.Size = max(int64(float64(s.Size)*m.changed(lastOK, s.CreateTime)/whole)/4096*4096, 4096*16)
			}
			break
		}
	}
	all := pol.CopyAllSourceSnapshots
	keep := map[string]int{}
	for _, r := range pol.Retention {
		keep[r.Label] = r.Count
	}
	for _, s := range src.Snapshots {
		if s.CreateTime.After(lastOK) || (strings.HasPrefix(s.Name, "snapmirror.") && s != sm) {
			continue
		}
		if !all && s != sm && keep[s.SnapmirrorLabel] == 0 {
			continue
		}
		cp := *s
		cp.UUID = OntapUUID(dst.UUID, "snapshot", s.Name)
		cp.Owners = nil
		cp.ExpiryTime = time.Time{}
		dst.Snapshots = append(dst.Snapshots, &cp)
	}
	if !all {
		for _, r := range pol.Retention {
			if r.Label == "sm_created" || r.Label == "all_source_snapshots" {
				continue
			}
			var l []*OntapSnapshot
			for _, s := range dst.Snapshots {
				if s.SnapmirrorLabel == r.Label {
					l = append(l, s)
				}
			}
			for i := 0; i < len(l)-r.Count; i++ {
				dst.Snapshots = slices.DeleteFunc(dst.Snapshots, func(x *OntapSnapshot) bool { return x == l[i] })
			}
		}
	}
	dst.Root = tree
	dst.Used = logical
	rel.ExportedSnapshot = smName
	rel.ExportedSnapshotTime = lastOK
	if state == "broken_off" {
		dst.Type = "rw"
	}
	return nil
}

var transferErrors = []string{
	"Transfer failed. (Failed to get information about the source volume: volume busy)",
	"Transfer failed. (Network connection to the source cluster was reset)",
	"Transfer failed. (Source snapshot was deleted during the transfer)",
}

// lagSpiral shapes the last transfers so that each takes longer than the
// one before (a throughput drop), scheduled updates are skipped while one
// runs, and the exported snapshot is about lag old now.
func (b *builder) lagSpiral(firings []time.Time, interval, lag time.Duration, rateB float64, changed func(from, to time.Time) int64, rng *rand.Rand) []xfer {
	now := b.now
	// The exported snapshot: the newest firing at least this old.
	minAge := max(lag-interval/2, interval+interval/5)
	star := -1
	for i := len(firings) - 1; i >= 0; i-- {
		if now.Sub(firings[i]) >= minAge {
			star = i
			break
		}
	}
	if star < 0 {
		star = 0
	}
	age := now.Sub(firings[star])
	dStar := age - min(10*time.Minute, max((age-interval)/2, time.Minute))
	// Walk back: transfer j ends just before j+1 starts.
	starts, durs := []time.Time{firings[star]}, []time.Duration{dStar}
	for len(starts) < 8 {
		d := durs[0] * 100 / 135
		if d < interval/4 {
			break
		}
		want := starts[0].Add(-d)
		k := -1
		for i := len(firings) - 1; i >= 0; i-- {
			if !firings[i].After(want) {
				k = i
				break
			}
		}
		if k < 0 {
			break
		}
		starts = append([]time.Time{firings[k]}, starts...)
		durs = append([]time.Duration{d}, durs...)
	}
	var xs []xfer
	spiralStart := starts[0]
	prevOK := firings[0].Add(-interval)
	for i, f := range firings {
		if !f.Before(spiralStart) {
			break
		}
		x := xfer{at: f, bytes: changed(prevOK, f)}
		d := 4*time.Second + time.Duration(float64(x.bytes)/(rateB*(0.8+0.4*rng.Float64()))*float64(time.Second))
		if i > 0 && i%17 == 0 {
			x.failed, x.msg = true, transferErrors[1]
			d /= 3
		} else {
			prevOK = f
		}
		x.end = f.Add(2*time.Second + d).Truncate(time.Second)
		xs = append(xs, x)
	}
	failAt := -1
	if len(starts) >= 5 {
		failAt = len(starts) - 4
	}
	for i, f := range starts {
		x := xfer{at: f, bytes: changed(prevOK, f), end: f.Add(2*time.Second + durs[i]).Truncate(time.Second)}
		if i == failAt {
			x.failed = true
			x.msg = "Transfer failed. (Transfer aborted: the network throughput to the destination dropped below the minimum)"
		} else {
			prevOK = f
		}
		xs = append(xs, x)
	}
	return xs
}

func transferFailEvent(rel *OntapRelationship, t *OntapTransfer, node string) *OntapEvent {
	return &OntapEvent{
		Time: t.EndTime, Node: node, Name: "smc.snapmir.update.fail", Severity: "error", Source: "sm_logger_main",
		LogMessage: fmt.Sprintf("smc.snapmir.update.fail: Snapmirror update from source volume '%s' to destination volume(s) '%s' failed with error '%s'. Relationship UUID '%s'.", rel.SourcePath, rel.DestinationPath, t.ErrorMessage, rel.UUID),
		Parameters: []OntapEventParameter{{"relationship_id", rel.UUID}, {"srcpath", rel.SourcePath}, {"dstpath", rel.DestinationPath}, {"error", t.ErrorMessage}},
	}
}

// ontapEvent places an explicit EMS event or transfer.
func (b *builder) ontapEvent(ev *EventSpec, st *ontapState) error {
	c, now := st.c, b.now
	if ev.At.IsZero() {
		return b.errAt(ev.src, "at", "an event needs its time")
	}
	at := ev.At.Resolve(now, now).Truncate(time.Second)
	if at.After(now) {
		return b.errAt(ev.src, "at", "%s is after now (%s)", at.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	node := or(ev.Node, c.Nodes[0].Name)
	if strings.ToLower(ev.Kind) == "ems" {
		if ev.Name == "" {
			return b.errAt(ev.src, "name", "an EMS event needs its name, e.g. smc.snapmir.update.fail")
		}
		sev := strings.ToLower(or(ev.Severity, "error"))
		if !slices.Contains([]string{"emergency", "alert", "error", "notice", "informational", "debug"}, sev) {
			return b.errAt(ev.src, "severity", "want emergency, alert, error, notice, informational or debug, got %q", ev.Severity)
		}
		keys := make([]string, 0, len(ev.Parameters))
		for k := range ev.Parameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e := &OntapEvent{Time: at, Node: node, Name: ev.Name, Severity: sev, Source: "scenario", LogMessage: or(ev.Message, ev.Name)}
		for _, k := range keys {
			e.Parameters = append(e.Parameters, OntapEventParameter{k, ev.Parameters[k]})
		}
		c.AddEvent(e)
		return nil
	}
	var rel *OntapRelationship
	for _, r := range c.Relationships {
		if r.DestinationPath == ev.Relationship || r.UUID == ev.Relationship {
			rel = r
		}
	}
	if rel == nil {
		return b.errAt(ev.src, "relationship", "cluster %s holds no relationship with destination %q", c.Name, ev.Relationship)
	}
	dur := ev.Duration.D()
	if dur == 0 {
		dur = 3 * time.Minute
	}
	t := &OntapTransfer{
		UUID: OntapUUID(c.UUID, "transfer", rel.UUID, "event", at.Format(time.RFC3339)), Type: "update",
		QueueTime: at, StartTime: at.Add(2 * time.Second), EndTime: at.Add(2*time.Second + dur), Bytes: 256 << 20,
	}
	if t.EndTime.After(now) {
		t.EndTime = now
	}
	switch strings.ToLower(or(ev.Status, "failed")) {
	case "failed":
		t.State, t.ErrorCode, t.ErrorMessage = "failed", 6619546, or(ev.Error, "Transfer failed.")
		t.BytesTransferred = t.Bytes / 3 / 4096 * 4096
		c.AddEvent(transferFailEvent(rel, t, node))
	case "success", "succeeded":
		t.State, t.BytesTransferred = "success", t.Bytes
	default:
		return b.errAt(ev.src, "status", "want failed or success, got %q", ev.Status)
	}
	i := sort.Search(len(rel.Transfers), func(i int) bool { return rel.Transfers[i].QueueTime.After(at) })
	rel.Transfers = slices.Insert(rel.Transfers, i, t)
	if n := len(rel.Transfers); n > 50 {
		rel.Transfers = rel.Transfers[n-50:]
	}
	if rel.Transfers[len(rel.Transfers)-1] == t && t.State == "failed" {
		rel.Healthy = false
		rel.UnhealthyReasons = []OntapUnhealthyReason{{Code: fmt.Sprint(t.ErrorCode), Message: t.ErrorMessage, Arguments: []string{}}}
	}
	return nil
}

// volumeTree is the file tree of a volume of a kind at a time; gen varies
// it between snapshots; encrypted renames every file *.locked and adds a
// ransom note, as ransomware leaves a share.
func volumeTree(kind string, at time.Time, gen int, encrypted bool) *OntapFile {
	var root *OntapFile
	switch kind {
	case "finance", "hr", "home", "eng", "oracle", "vmware", "logs", "archive":
		root = makeTree(kind, at, gen)
	default:
		root = extraTree(kind, at, gen)
	}
	if encrypted {
		encryptTree(root, at)
	}
	return root
}

func extraTree(kind string, at time.Time, gen int) *OntapFile {
	at = at.UTC().Truncate(time.Second)
	inode := int64(64)
	dir := func(name string, children ...*OntapFile) *OntapFile {
		inode++
		return &OntapFile{Name: name, Type: "directory", Size: 4096, Inode: inode, GroupID: 1, Permissions: 755,
			ModifiedTime: at.Add(-time.Hour), CreationTime: at.Add(-400 * 24 * time.Hour), Children: children}
	}
	file := func(name string, size int64, age time.Duration) *OntapFile {
		inode++
		return &OntapFile{Name: name, Type: "file", Size: size, Inode: inode, OwnerID: 1001, GroupID: 1001, Permissions: 644,
			ModifiedTime: at.Add(-age), CreationTime: at.Add(-age - 90*24*time.Hour)}
	}
	grow := func(base int64) int64 { return base + int64(gen)*8192 }
	switch kind {
	case "share":
		return dir("", dir("policies", file("handbook.pdf", 2359296, 60*24*time.Hour), file("travel.docx", 98304, 30*24*time.Hour)),
			dir("team", file("minutes.docx", grow(45056), 3*time.Hour), file("roadmap.pptx", 5242880, 6*24*time.Hour)),
			file("README.txt", 1024, 300*24*time.Hour))
	case "project":
		return dir("", dir("docs", file("design.md", grow(24576), 2*time.Hour), file("plan.xlsx", 131072, 4*24*time.Hour)),
			dir("data", file("input.csv", grow(10485760), 40*time.Minute)))
	case "sql":
		return dir("", dir("data", file("app.mdf", grow(21474836480), 5*time.Minute), file("app_2.ndf", 10737418240, 20*time.Minute)),
			dir("log", file("app_log.ldf", grow(2147483648), time.Minute)))
	}
	return dir("", file("README.txt", 100, time.Hour), dir("data", file("data.bin", grow(1048576), 30*time.Minute)))
}

func encryptTree(f *OntapFile, at time.Time) {
	var walk func(d *OntapFile)
	walk = func(d *OntapFile) {
		for _, ch := range d.Children {
			if ch.Type == "directory" {
				walk(ch)
				continue
			}
			ch.Name += ".locked"
			ch.Size = (ch.Size+4095)/4096*4096 + 512
			ch.ModifiedTime = at.Add(-time.Duration(ch.Inode%50) * time.Minute).Truncate(time.Second)
		}
	}
	walk(f)
	f.Children = append(f.Children, &OntapFile{Name: "README_RESTORE_FILES.txt", Type: "file", Size: 2210, Inode: maxInode(f) + 1,
		OwnerID: 1001, GroupID: 1001, Permissions: 644, ModifiedTime: at.Add(-time.Hour), CreationTime: at.Add(-time.Hour)})
}

func maxInode(f *OntapFile) int64 {
	n := f.Inode
	for _, c := range f.Children {
		n = max(n, maxInode(c))
	}
	return n
}
