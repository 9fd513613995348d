package fleet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// build turns an estate description into an Estate: it lays out the
// entities, then replays the schedules over the history window (recovery
// points, tasks, replicas, snapshots, transfers, EMS events), then places
// the explicit events and faults.
func build(s *estateSpec) (*Estate, error) {
	b := &builder{
		s:        s,
		now:      s.Now,
		nxBy:     map[string]*pcState{},
		otBy:     map[string]*ontapState{},
		taskFrom: s.Now.Add(-time.Duration(s.TaskHistoryDays) * 24 * time.Hour),
		histFrom: s.Now.Add(-time.Duration(s.HistoryDays) * 24 * time.Hour),
	}
	b.e = &Estate{Clock: NewClock(s.Now), Seed: s.Seed, Planted: slices.Clone(s.Planted)}
	steps := []func() error{b.nutanixLayout, b.nutanixHistory, b.deleteVMs, b.ontapLayout, b.ontapRelationships, b.placeEvents, b.placeFaults, b.buildAiqums}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	b.finish()
	return b.e, nil
}

type builder struct {
	s        *estateSpec
	now      time.Time
	e        *Estate
	nx       []*pcState
	nxBy     map[string]*pcState
	ot       []*ontapState
	otBy     map[string]*ontapState
	taskFrom time.Time
	histFrom time.Time
}

// errAt reports a problem with a spec element (src is its key path in the
// scenario, "" when generated) and one of its keys.
func (b *builder) errAt(src, key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	path := src
	if key != "" {
		if path != "" {
			path += "."
		}
		path += key
	}
	if src == "" || b.s.where == nil {
		return fmt.Errorf("estate: %s: %s", path, msg)
	}
	line, ok := b.s.where(path)
	if !ok {
		line, _ = b.s.where(src)
	}
	return &ScenarioError{File: b.s.file, Line: line, Key: path, Msg: msg}
}

// --- Nutanix ---

const (
	relRecoveryPoint   = "dataprotection:config:recovery-point"
	relVMRecoveryPoint = "dataprotection:config:vm-recovery-point"
	relVGRecoveryPoint = "dataprotection:config:volume-group-recovery-point"
	relVM              = "vmm:ahv:config:vm"
	relVolumeGroup     = "volumes:config:volume-group"
	taskIDPrefix       = "ZXJnb24=:"
	zeroOwnerExtID     = "00000000-0000-0000-0000-000000000000"
)

type pcState struct {
	spec     *PrismCentralSpec
	pc       *PrismCentral
	clusters map[string]*NutanixCluster
	policies []*polState
	polBy    map[string]*polState
	members  []*member
	memberBy map[string]*member
}

type polState struct {
	spec          *ProtectionPolicySpec
	p             *NutanixProtectionPolicy
	rpo, offset   time.Duration
	keepLocal     time.Duration // how long a local recovery point lives
	successRate   float64
	remote        *pcState
	remoteCluster *NutanixCluster
}

// member is a VM or volume group a policy protects (or may protect).
type member struct {
	name     string
	vm       *NutanixVM
	vg       *NutanixVolumeGroup
	cluster  *NutanixCluster
	created  time.Time
	used     int64
	rate     float64
	own      bool
	failLast int
	policy   string
	rng      *rand.Rand
	// last is when the member was last captured (zero: never).
	last time.Time
	// spikeAt/spikeBy: a change-rate spike from spikeAt on.
	spikeAt time.Time
	spikeBy float64
}

// changed is the share of the member's data changed in (from, to]: the
// daily rate scaled to the interval (changeFactor), times the spike factor
// for the part after the spike began.
func (m *member) changed(from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	base := m.rate * changeFactor(to.Sub(from))
	if m.spikeAt.IsZero() || !to.After(m.spikeAt) {
		return base
	}
	if !from.Before(m.spikeAt) {
		return base * m.spikeBy
	}
	f := to.Sub(m.spikeAt).Seconds() / to.Sub(from).Seconds()
	return base * ((1 - f) + f*m.spikeBy)
}

// spike applies a scenario spike to a member.
func (b *builder) spike(m *member, sp *SpikeSpec) error {
	if sp == nil {
		return nil
	}
	if sp.Factor < 1 || sp.Factor > 1000 {
		return b.errAt(sp.src, "factor", "want 1 to 1000, got %v", sp.Factor)
	}
	if sp.Since.IsZero() {
		return b.errAt(sp.src, "since", "a spike needs its start")
	}
	m.spikeAt, m.spikeBy = sp.Since.Resolve(b.now, b.now), sp.Factor
	return nil
}

func (m *member) ref() NutanixEntityRef {
	if m.vm != nil {
		return NutanixEntityRef{ExtID: m.vm.ExtID, Name: m.name, Rel: relVM}
	}
	return NutanixEntityRef{ExtID: m.vg.ExtID, Name: m.name, Rel: relVolumeGroup}
}

func defaultPCAddress(i int, name string) string {
	switch name {
	case "pc-prod":
		return "10.10.0.10"
	case "pc-dr":
		return "10.20.0.10"
	}
	return fmt.Sprintf("10.%d.0.10", 30+i)
}

func (b *builder) nutanixLayout() error {
	for i, ps := range b.s.PrismCentrals {
		if ps.Name == "" {
			return b.errAt(ps.src, "name", "a Prism Central needs a name")
		}
		if b.nxBy[ps.Name] != nil {
			return b.errAt(ps.src, "name", "Prism Central %q is defined twice", ps.Name)
		}
		pc := &PrismCentral{
			Name: ps.Name, ExtID: NewNutanixID(ps.Name, "domain-manager"),
			Username: or(ps.Username, "admin"), Password: or(ps.Password, defaultNutanixPassword),
			APIKeys: slices.Clone(ps.APIKeys), Version: or(ps.Version, "pc.2024.3"),
			Address: or(ps.Address, defaultPCAddress(i, ps.Name)), Remote: ps.Remote, Site: ps.Site,
		}
		st := &pcState{spec: ps, pc: pc, clusters: map[string]*NutanixCluster{}, polBy: map[string]*polState{}, memberBy: map[string]*member{}}
		if len(ps.Clusters) == 0 {
			return b.errAt(ps.src, "clusters", "Prism Central %s needs at least one cluster", ps.Name)
		}
		for j := range ps.Clusters {
			cs := &ps.Clusters[j]
			if cs.Name == "" || st.clusters[cs.Name] != nil {
				return b.errAt(cs.src, "name", "cluster name %q is empty or repeated", cs.Name)
			}
			hv := strings.ToUpper(or(cs.Hypervisor, "AHV"))
			if hv != "AHV" && hv != "ESX" {
				return b.errAt(cs.src, "hypervisor", "want AHV or ESX, got %q", cs.Hypervisor)
			}
			nodes := cs.Nodes
			if nodes == 0 {
				nodes = 3
			}
			if nodes < 1 || nodes > 64 {
				return b.errAt(cs.src, "nodes", "want 1 to 64 nodes, got %d", cs.Nodes)
			}
			oct := strings.Split(pc.Address, ".")
			addr := cs.Address
			if addr == "" && len(oct) == 4 {
				addr = fmt.Sprintf("%s.%s.%d.10", oct[0], oct[1], j+1)
			}
			c := &NutanixCluster{ExtID: pc.NextID("cluster"), Name: cs.Name, Version: or(cs.Version, "6.8.1"),
				Hypervisor: hv, Nodes: nodes, Address: addr, Unavailable: cs.Unavailable}
			pc.Clusters = append(pc.Clusters, c)
			st.clusters[cs.Name] = c
			pc.ClusterSubnet(c, 10+j)
		}
		pc.AddIsolatedSubnet()
		b.nx = append(b.nx, st)
		b.nxBy[ps.Name] = st
		b.e.PrismCentrals = append(b.e.PrismCentrals, pc)
	}
	for _, st := range b.nx {
		if r := st.spec.Remote; r != "" && (b.nxBy[r] == nil || r == st.spec.Name) {
			return b.errAt(st.spec.src, "remote", "no other Prism Central is named %q", r)
		}
		if err := b.policies(st); err != nil {
			return err
		}
		if err := b.entities(st); err != nil {
			return err
		}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func consistencyType(c string) (string, bool) {
	switch strings.ToLower(c) {
	case "", "crash", "crash_consistent":
		return "CRASH_CONSISTENT", true
	case "application", "app", "application_consistent":
		return "APPLICATION_CONSISTENT", true
	}
	return "", false
}

func (b *builder) policies(st *pcState) error {
	pc := st.pc
	for i := range st.spec.ProtectionPolicies {
		ps := &st.spec.ProtectionPolicies[i]
		if ps.Name == "" || st.polBy[ps.Name] != nil {
			return b.errAt(ps.src, "name", "protection policy name %q is empty or repeated", ps.Name)
		}
		rpo := ps.RPO.D()
		if rpo < 15*time.Minute || rpo > 400*24*time.Hour {
			return b.errAt(ps.src, "rpo", "want an RPO from 15m to 400d, got %s", rpo)
		}
		typ, ok := consistencyType(ps.Consistency)
		if !ok {
			return b.errAt(ps.src, "consistency", "want crash or application, got %q", ps.Consistency)
		}
		localRet, remoteRet := ps.LocalRetention, ps.RemoteRetention
		if localRet == 0 {
			localRet = 1
		}
		if localRet < 1 || localRet > 1000 {
			return b.errAt(ps.src, "local_retention", "want 1 to 1000, got %d", ps.LocalRetention)
		}
		if remoteRet < 0 || remoteRet > 1000 {
			return b.errAt(ps.src, "remote_retention", "want 0 to 1000, got %d", ps.RemoteRetention)
		}
		sr := ps.SuccessRate
		if sr == 0 {
			sr = b.s.SuccessRate
		}
		if sr < 0 || sr > 1 {
			return b.errAt(ps.src, "success_rate", "want a fraction from 0 to 1, got %v", ps.SuccessRate)
		}
		offset := time.Duration(0)
		if rpo >= 24*time.Hour {
			offset = 22 * time.Hour
		}
		if ps.Offset != nil {
			offset = ps.Offset.D()
		}
		p := &NutanixProtectionPolicy{
			ExtID: pc.NextID("protection-policy"), Name: ps.Name, Description: ps.Description,
			RPOSeconds: int(rpo / time.Second), RecoveryPointType: typ,
			LocalRetention: localRet, RemoteRetention: remoteRet,
			Categories: slices.Clone(ps.Categories),
		}
		if p.Description == "" {
			p.Description = fmt.Sprintf("Every %s, keep %d locally", rpo, localRet)
		}
		names := ps.Clusters
		if len(names) == 0 {
			for _, c := range pc.Clusters {
				names = append(names, c.Name)
			}
		}
		for _, n := range names {
			c := st.clusters[n]
			if c == nil {
				return b.errAt(ps.src, "clusters", "Prism Central %s has no cluster %q", pc.Name, n)
			}
			p.LocalClusterExtIDs = append(p.LocalClusterExtIDs, c.ExtID)
		}
		keep := time.Duration(localRet) * rpo
		if rp := ps.RetentionPeriod.D(); rp > 0 {
			if rp < time.Hour || rp > 3650*24*time.Hour {
				return b.errAt(ps.src, "retention_period", "want 1h to 3650d, got %s", rp)
			}
			keep = rp
		}
		pol := &polState{spec: ps, p: p, rpo: rpo, offset: offset, keepLocal: keep, successRate: sr}
		if ps.RemoteFailLastRuns < 0 || ps.RemoteFailLastRuns > 100 || (ps.RemoteFailLastRuns > 0 && ps.Remote == "") {
			return b.errAt(ps.src, "remote_fail_last_runs", "want 0 to 100, and a remote to replicate to")
		}
		if ps.Remote != "" {
			r := b.nxBy[ps.Remote]
			if r == nil || r == st {
				return b.errAt(ps.src, "remote", "no other Prism Central is named %q", ps.Remote)
			}
			if remoteRet == 0 {
				p.RemoteRetention = localRet
			}
			rc := r.pc.Clusters[0]
			if ps.RemoteCluster != "" {
				if rc = r.clusters[ps.RemoteCluster]; rc == nil {
					return b.errAt(ps.src, "remote_cluster", "Prism Central %s has no cluster %q", r.pc.Name, ps.RemoteCluster)
				}
			}
			pol.remote, pol.remoteCluster = r, rc
			p.RemotePrismCentral, p.RemoteClusterExtID = r.pc.Name, rc.ExtID
		} else if ps.RemoteCluster != "" || remoteRet != 0 {
			return b.errAt(ps.src, "remote", "remote_cluster and remote_retention need a remote Prism Central")
		}
		pc.ProtectionPolicies = append(pc.ProtectionPolicies, p)
		st.policies = append(st.policies, pol)
		st.polBy[ps.Name] = pol
	}
	return nil
}

func (b *builder) entities(st *pcState) error {
	pc, now := st.pc, b.now
	defCreated := now.Add(-400 * 24 * time.Hour)
	containers := func(c *NutanixCluster) string { return NewNutanixID(c.ExtID, "container", "default") }
	check := func(src, name, cluster, policy string, created time.Time, rate, used float64, disks []int64, failLast int) (*NutanixCluster, *polState, error) {
		if name == "" || st.memberBy[name] != nil {
			return nil, nil, b.errAt(src, "name", "VM or volume group name %q is empty or repeated on %s", name, pc.Name)
		}
		c := pc.Clusters[0]
		if cluster != "" {
			if c = st.clusters[cluster]; c == nil {
				return nil, nil, b.errAt(src, "cluster", "Prism Central %s has no cluster %q", pc.Name, cluster)
			}
		}
		var pol *polState
		if policy != "" {
			if pol = st.polBy[policy]; pol == nil {
				return nil, nil, b.errAt(src, "policy", "Prism Central %s has no protection policy %q", pc.Name, policy)
			}
		}
		if created.After(now) {
			return nil, nil, b.errAt(src, "created", "%s is after now (%s)", created.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		if rate < 0 || rate > 100 {
			return nil, nil, b.errAt(src, "change_rate_percent", "want 0 to 100, got %v", rate)
		}
		if used < 0 || used > 100 {
			return nil, nil, b.errAt(src, "used_percent", "want 0 to 100, got %v", used)
		}
		for _, d := range disks {
			if d <= 0 || d > 64*1024 {
				return nil, nil, b.errAt(src, "disks_gib", "want disk sizes from 1 to 65536 GiB, got %d", d)
			}
		}
		if failLast < 0 || failLast > 50 {
			return nil, nil, b.errAt(src, "fail_last_runs", "want 0 to 50, got %d", failLast)
		}
		return c, pol, nil
	}
	usedBytes := func(disks []NutanixDisk, pct float64) int64 {
		var t int64
		for _, d := range disks {
			t += d.SizeBytes
		}
		if pct == 0 {
			pct = 50
		}
		return int64(float64(t) * pct / 100)
	}
	for i := range st.spec.VMs {
		vs := &st.spec.VMs[i]
		created := vs.Created.Resolve(now, defCreated.Add(time.Duration(i)*time.Hour)).Truncate(time.Second)
		c, pol, err := check(vs.src, vs.Name, vs.Cluster, vs.Policy, created, vs.ChangeRatePercent, vs.UsedPercent, vs.DisksGiB, vs.FailLastRuns)
		if err != nil {
			return err
		}
		power := strings.ToUpper(or(vs.Power, "on"))
		if power != "ON" && power != "OFF" && power != "PAUSED" {
			return b.errAt(vs.src, "power", "want on, off or paused, got %q", vs.Power)
		}
		cpus, mem := vs.CPUs, vs.MemoryGiB
		if cpus == 0 {
			cpus = 2
		}
		if mem == 0 {
			mem = 4
		}
		if cpus < 1 || cpus > 256 {
			return b.errAt(vs.src, "cpus", "want 1 to 256, got %d", vs.CPUs)
		}
		if mem < 1 || mem > 8192 {
			return b.errAt(vs.src, "memory_gib", "want 1 to 8192, got %d", vs.MemoryGiB)
		}
		disks := vs.DisksGiB
		if len(disks) == 0 {
			disks = []int64{50}
		}
		vm := &NutanixVM{
			ExtID: pc.NextID("vm"), Name: vs.Name, Description: vs.Description, ClusterExtID: c.ExtID,
			HostExtID:  NewNutanixID(c.ExtID, "host", (i*7+len(vs.Name))%c.Nodes),
			PowerState: power, NumSockets: cpus, NumCoresPerSocket: 1, MemoryBytes: mem << 30,
			Categories: slices.Clone(vs.Categories), CreateTime: created, UpdateTime: created.Add(time.Hour),
		}
		vm.GenerationUUID = NewNutanixID(vm.ExtID, "generation", 0)
		vm.NICs = []NutanixNIC{NewNutanixNIC(vm.ExtID, 0, pc.ClusterSubnet(c, 10))}
		for j, gib := range disks {
			vm.Disks = append(vm.Disks, NutanixDisk{ExtID: pc.NextID("disk"), SizeBytes: gib << 30, BusType: "SCSI", Index: j, ContainerExtID: containers(c)})
		}
		if pol != nil {
			vm.ProtectionPolicyExtID = pol.p.ExtID
			for _, cat := range pol.p.Categories {
				if !slices.Contains(vm.Categories, cat) {
					vm.Categories = append(vm.Categories, cat)
				}
			}
		}
		pc.VMs = append(pc.VMs, vm)
		m := &member{name: vs.Name, vm: vm, cluster: c, created: created, used: usedBytes(vm.Disks, vs.UsedPercent),
			rate: pctOr(vs.ChangeRatePercent, 3) / 100, own: vs.OwnRecoveryPoint || vs.FailLastRuns > 0,
			failLast: vs.FailLastRuns, policy: vs.Policy, rng: rngFor(b.s.Seed, pc.Name, "vm-size", vs.Name)}
		if err := b.spike(m, vs.Spike); err != nil {
			return err
		}
		vm.Writes = &NutanixWriteModel{BytesPerDay: float64(m.used) * m.rate, SpikeAt: m.spikeAt, SpikeFactor: m.spikeBy}
		st.members = append(st.members, m)
		st.memberBy[vs.Name] = m
	}
	for i := range st.spec.VolumeGroups {
		gs := &st.spec.VolumeGroups[i]
		created := gs.Created.Resolve(now, defCreated.Add(time.Duration(i)*time.Hour)).Truncate(time.Second)
		c, pol, err := check(gs.src, gs.Name, gs.Cluster, gs.Policy, created, gs.ChangeRatePercent, gs.UsedPercent, gs.DisksGiB, gs.FailLastRuns)
		if err != nil {
			return err
		}
		disks := gs.DisksGiB
		if len(disks) == 0 {
			disks = []int64{256}
		}
		sharing := "SHARED"
		if gs.Shared != nil && !*gs.Shared {
			sharing = "NOT_SHARED"
		}
		vg := &NutanixVolumeGroup{
			ExtID: pc.NextID("volume-group"), Name: gs.Name, Description: gs.Description, ClusterExtID: c.ExtID,
			SharingStatus: sharing, UsageType: "USER", CreateTime: created,
		}
		for j, gib := range disks {
			vg.Disks = append(vg.Disks, NutanixDisk{ExtID: pc.NextID("disk"), SizeBytes: gib << 30, Index: j, ContainerExtID: containers(c)})
		}
		if pol != nil {
			vg.ProtectionPolicyExtID = pol.p.ExtID
			vg.Categories = slices.Clone(pol.p.Categories)
		}
		pc.VolumeGroups = append(pc.VolumeGroups, vg)
		m := &member{name: gs.Name, vg: vg, cluster: c, created: created, used: usedBytes(vg.Disks, gs.UsedPercent),
			rate: pctOr(gs.ChangeRatePercent, 4) / 100, own: gs.OwnRecoveryPoint || gs.FailLastRuns > 0,
			failLast: gs.FailLastRuns, policy: gs.Policy, rng: rngFor(b.s.Seed, pc.Name, "vg-size", gs.Name)}
		if err := b.spike(m, gs.Spike); err != nil {
			return err
		}
		st.members = append(st.members, m)
		st.memberBy[gs.Name] = m
	}
	return nil
}

func pctOr(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// changeFactor scales a daily change rate to an interval: linear up to a
// day, then with the square root (the same hot blocks are rewritten).
func changeFactor(d time.Duration) float64 {
	days := d.Hours() / 24
	if days > 1 {
		return math.Sqrt(days)
	}
	return days
}

const maxRPEntities = 30

func (b *builder) nutanixHistory() error {
	for _, st := range b.nx {
		for _, pol := range st.policies {
			b.policyHistory(st, pol)
		}
		for i := range st.spec.RecoveryPoints {
			if err := b.manualRecoveryPoint(st, &st.spec.RecoveryPoints[i]); err != nil {
				return err
			}
		}
		resizeChains(st)
	}
	return nil
}

// deleteVMs removes the VMs a scenario deletes, with the recovery points
// their policies would have taken after the deletion; earlier ones stay.
func (b *builder) deleteVMs() error {
	for _, st := range b.nx {
		for i := range st.spec.VMs {
			vs := &st.spec.VMs[i]
			if vs.Deleted.IsZero() {
				continue
			}
			at := vs.Deleted.Resolve(b.now, b.now)
			if at.After(b.now) {
				return b.errAt(vs.src, "deleted", "%s is after now", at.Format(time.RFC3339))
			}
			m := st.memberBy[vs.Name]
			if m == nil || m.vm == nil {
				continue
			}
			st.pc.VMs = slices.DeleteFunc(st.pc.VMs, func(v *NutanixVM) bool { return v == m.vm })
			for _, pc := range b.e.PrismCentrals {
				for _, rp := range pc.RecoveryPoints {
					if rp.CreationTime.After(at) {
						rp.VMRecoveryPoints = slices.DeleteFunc(rp.VMRecoveryPoints, func(v NutanixVMRecoveryPoint) bool { return v.VMExtID == m.vm.ExtID })
					}
				}
				pc.RecoveryPoints = slices.DeleteFunc(pc.RecoveryPoints, func(rp *NutanixRecoveryPoint) bool {
					return len(rp.VMRecoveryPoints) == 0 && len(rp.VGRecoveryPoints) == 0
				})
			}
		}
	}
	return nil
}

// resizeChains makes every member's local recovery points hold the change
// since the member's previous local one, whatever made them (schedules,
// manual points, failed runs in between): the exclusive usage a collector
// reads as the change over each delta. Noise is kept from the first sizing.
func resizeChains(st *pcState) {
	type slot struct {
		rp   *NutanixRecoveryPoint
		size *int64
	}
	chains := map[string][]slot{}
	for _, rp := range st.pc.RecoveryPoints {
		for i := range rp.VMRecoveryPoints {
			v := &rp.VMRecoveryPoints[i]
			chains[v.VMExtID] = append(chains[v.VMExtID], slot{rp, &v.TotalExclusiveUsageBytes})
		}
		for i := range rp.VGRecoveryPoints {
			v := &rp.VGRecoveryPoints[i]
			chains[v.VolumeGroupExtID] = append(chains[v.VolumeGroupExtID], slot{rp, &v.TotalExclusiveUsageBytes})
		}
	}
	for _, m := range st.members {
		id := ""
		switch {
		case m.vm != nil:
			id = m.vm.ExtID
		case m.vg != nil:
			id = m.vg.ExtID
		}
		l := chains[id]
		sort.SliceStable(l, func(a, b int) bool { return l[a].rp.CreationTime.Before(l[b].rp.CreationTime) })
		for k := 1; k < len(l); k++ {
			prev, cur := l[k-1].rp.CreationTime, l[k].rp.CreationTime
			gapChange := m.changed(prev, cur)
			if gapChange <= 0 {
				continue
			}
			// Keep the draw's noise: the first sizing was used·change(interval)·noise.
			noise := 0.7 + 0.6*m.rng.Float64()
			*l[k].size = max(int64(float64(m.used)*gapChange*noise)/4096*4096, 4096)
		}
	}
	for _, rp := range st.pc.RecoveryPoints {
		var total int64
		for _, v := range rp.VMRecoveryPoints {
			total += v.TotalExclusiveUsageBytes
		}
		for _, v := range rp.VGRecoveryPoints {
			total += v.TotalExclusiveUsageBytes
		}
		rp.TotalExclusiveUsageBytes = total
	}
}

type outcome int

const (
	runOK outcome = iota
	runFailed
	runSkipped
)

// failModel decides the outcome of a series of runs: failures are
// correlated (a failed run fails again with probability 1/2), never more
// than two in a row, and the last two runs succeed, unless forced.
type failModel struct {
	rng    *rand.Rand
	p      float64
	skip   float64
	consec int
}

const repeatFail = 0.5

func newFailModel(rng *rand.Rand, successRate float64) *failModel {
	f := 1 - successRate
	// Stationary failure share of the two-state chain is p/(p+1-q).
	p := f * (1 - repeatFail) / math.Max(1-f, 0.01)
	p *= 0.3 + 1.4*rng.Float64()
	return &failModel{rng: rng, p: p, skip: f / 10}
}

func (f *failModel) next(k, last, forced int) outcome {
	u, v := f.rng.Float64(), f.rng.Float64()
	switch {
	case forced > 0 && k > last-forced:
		f.consec++
		return runFailed
	case k >= last-1 || f.consec >= 2:
		f.consec = 0
		return runOK
	}
	p := f.p
	if f.consec > 0 {
		p = repeatFail
	}
	if u < p {
		f.consec++
		return runFailed
	}
	f.consec = 0
	if v < f.skip {
		return runSkipped
	}
	return runOK
}

var createErrors = []string{
	"Failed to create recovery point: timed out waiting for the consistency group snapshot to complete.",
	"Failed to create recovery point: storage container free space is below the reserved threshold.",
	"Failed to create recovery point: another snapshot operation on the same entities is in progress.",
	"Failed to create recovery point: Stargate did not respond within 120 seconds.",
}

var quiesceError = "Failed to create application-consistent recovery point: quiescing the guest failed (Nutanix Guest Tools not reachable)."

var replicateErrors = []string{
	"Replication to the remote availability zone failed: remote site unreachable (connection timed out).",
	"Replication to the remote availability zone failed: transfer aborted after the network link reset.",
}

func (b *builder) policyHistory(st *pcState, pol *polState) {
	var members []*member
	for _, m := range st.members {
		if m.policy == pol.spec.Name {
			members = append(members, m)
		}
	}
	if len(members) == 0 {
		return
	}
	sort.SliceStable(members, func(i, j int) bool { return members[i].name < members[j].name })
	window := time.Duration(b.s.HistoryDays) * 24 * time.Hour
	from := b.now.Add(-max(window, pol.rpo))
	runs := runsBetween(pol.rpo, pol.offset, from, b.now)
	last := len(runs) - 1
	models := map[string]*failModel{}
	model := func(key string) *failModel {
		if m := models[key]; m != nil {
			return m
		}
		m := newFailModel(rngFor(b.s.Seed, st.pc.Name, pol.p.Name, key), pol.successRate)
		models[key] = m
		return m
	}
	allowed := map[string]bool{}
	for _, id := range pol.p.LocalClusterExtIDs {
		allowed[id] = true
	}
	for k, t := range runs {
		for _, cl := range st.pc.Clusters {
			if !allowed[cl.ExtID] {
				continue
			}
			var shared []*member
			var chunks [][]*member
			for _, m := range members {
				if m.cluster != cl || m.created.After(t) {
					continue
				}
				if m.own {
					chunks = append(chunks, []*member{m})
				} else {
					shared = append(shared, m)
				}
			}
			for i := 0; i < len(shared); i += maxRPEntities {
				chunks = append(chunks, shared[i:min(i+maxRPEntities, len(shared))])
			}
			for ci, ch := range chunks {
				key := cl.Name + "/" + fmt.Sprint(ci)
				forced := 0
				if len(ch) == 1 && ch[0].own {
					key = "own/" + ch[0].name
					forced = ch[0].failLast
				}
				out := model(key).next(k, last, forced)
				var repl outcome = runOK
				if pol.remote != nil {
					repl = model("replicate/"+key).next(k, last, pol.spec.RemoteFailLastRuns)
					if repl == runSkipped {
						repl = runOK
					}
				}
				b.run(st, pol, cl, ch, t, out, repl, rpSuffix(ch, ci))
			}
		}
	}
}

func rpSuffix(ch []*member, ci int) string {
	if len(ch) == 1 && ch[0].own {
		return "_" + ch[0].name
	}
	if ci > 0 {
		return fmt.Sprintf("_%d", ci+1)
	}
	return ""
}

// run records one scheduled run of a chunk at t.
func (b *builder) run(st *pcState, pol *polState, cl *NutanixCluster, ch []*member, t time.Time, out, repl outcome, suffix string) {
	if out == runSkipped {
		return
	}
	pc, now := st.pc, b.now
	inTasks := !t.Before(b.taskFrom)
	created := t.Add(time.Second)
	keepLocal := created.Add(pol.keepLocal).After(now)
	keepRemote := pol.remote != nil && repl == runOK && created.Add(time.Duration(pol.p.RemoteRetention)*pol.rpo).After(now)
	createDur := 20*time.Second + time.Duration(len(ch))*6*time.Second
	var refs []NutanixEntityRef
	for _, m := range ch {
		refs = append(refs, m.ref())
	}
	if out == runFailed {
		if inTasks {
			r := ch[0].rng
			msg := createErrors[r.IntN(len(createErrors))]
			if pol.p.RecoveryPointType == "APPLICATION_CONSISTENT" && r.IntN(3) == 0 {
				msg = quiesceError
			}
			pc.Tasks = append(pc.Tasks, &NutanixTask{
				ExtID: taskIDPrefix + pc.NextID("task"), Operation: OpCreateRecoveryPoint, Description: "Create Recovery Point",
				CreatedTime: t, QueueTime: time.Second, Duration: createDur + time.Duration(r.IntN(90))*time.Second,
				ClusterExtIDs: []string{cl.ExtID}, OwnerName: "system", EntitiesAffected: refs,
				ErrorMessage: msg, ErrorCode: "DP-50001", Applied: true,
			})
		}
		return
	}
	// Sizes: the data changed since the member's previous recovery point
	// (one schedule interval, or more after failed runs).
	sizes := make([]int64, len(ch))
	var total int64
	for i, m := range ch {
		from := m.last
		if from.IsZero() {
			from = created.Add(-pol.rpo)
		}
		x := float64(m.used) * m.changed(from, created) * (0.7 + 0.6*m.rng.Float64())
		sizes[i] = int64(x) / 4096 * 4096
		total += sizes[i]
		m.last = created
	}
	name := fmt.Sprintf("%s_%s_%s%s", pol.p.Name, cl.Name, t.Format("2006-01-02_15-04"), suffix)
	var rp *NutanixRecoveryPoint
	if keepLocal || keepRemote {
		rp = &NutanixRecoveryPoint{
			ExtID: pc.NextID("recovery-point"), Name: name, CreationTime: created,
			ExpirationTime: created.Add(pol.keepLocal),
			Type:           pol.p.RecoveryPointType, ClusterExtIDs: []string{cl.ExtID}, OwnerExtID: zeroOwnerExtID,
			SourceDomainManagerExtID: pc.ExtID, SourceClusterExtIDs: []string{cl.ExtID},
			ProtectionPolicyExtID: pol.p.ExtID, TotalExclusiveUsageBytes: total,
		}
		rp.LocationAgnosticID = NewNutanixID(rp.ExtID, "location-agnostic")
		for i, m := range ch {
			b.capture(pc, rp, m, sizes[i])
		}
		if keepLocal {
			pc.RecoveryPoints = append(pc.RecoveryPoints, rp)
		}
	}
	if inTasks {
		task := &NutanixTask{
			ExtID: taskIDPrefix + pc.NextID("task"), Operation: OpCreateRecoveryPoint, Description: "Create Recovery Point",
			CreatedTime: t, QueueTime: time.Second, Duration: createDur, ClusterExtIDs: []string{cl.ExtID},
			OwnerName: "system", EntitiesAffected: refs, Applied: true,
		}
		rpID := ""
		if rp != nil {
			rpID = rp.ExtID
			task.CreatedEntities = append(task.CreatedEntities, NutanixEntityRef{ExtID: rp.ExtID, Name: name, Rel: relRecoveryPoint})
			for _, v := range rp.VMRecoveryPoints {
				task.CreatedEntities = append(task.CreatedEntities, NutanixEntityRef{ExtID: v.ExtID, Rel: relVMRecoveryPoint})
			}
			for _, v := range rp.VGRecoveryPoints {
				task.CreatedEntities = append(task.CreatedEntities, NutanixEntityRef{ExtID: v.ExtID, Rel: relVGRecoveryPoint})
			}
		} else {
			rpID = pc.NextID("recovery-point")
			task.CreatedEntities = []NutanixEntityRef{{ExtID: rpID, Name: name, Rel: relRecoveryPoint}}
		}
		task.CompletionDetails = []NutanixKV{{Name: "recoveryPointExtId", Value: rpID}}
		pc.Tasks = append(pc.Tasks, task)
		if pol.remote != nil {
			rt := &NutanixTask{
				ExtID: taskIDPrefix + pc.NextID("task"), Operation: OpReplicateRecoveryPoint, Description: "Replicate Recovery Point",
				CreatedTime: t.Add(createDur + 10*time.Second), QueueTime: time.Second,
				Duration:      30*time.Second + time.Duration(total/(150<<20))*time.Second,
				ClusterExtIDs: []string{cl.ExtID}, OwnerName: "system", Applied: true,
				EntitiesAffected: []NutanixEntityRef{{ExtID: rpID, Name: name, Rel: relRecoveryPoint}},
			}
			if repl == runFailed {
				rt.ErrorMessage = replicateErrors[ch[0].rng.IntN(len(replicateErrors))]
				rt.ErrorCode = "DP-50002"
				rt.Duration /= 3
			}
			pc.Tasks = append(pc.Tasks, rt)
			if repl == runOK && !keepRemote {
				rt.CompletionDetails = []NutanixKV{{Name: "recoveryPointExtId", Value: pol.remote.pc.NextID("recovery-point")}}
			}
			if keepRemote {
				replica := b.replicate(rp, pol)
				rt.CompletionDetails = []NutanixKV{{Name: "recoveryPointExtId", Value: replica.ExtID}}
			}
			return
		}
	}
	if keepRemote {
		b.replicate(rp, pol)
	}
}

func (b *builder) replicate(rp *NutanixRecoveryPoint, pol *polState) *NutanixRecoveryPoint {
	r := ReplicaOf(rp, pol.remote.pc, pol.remoteCluster.ExtID)
	r.ExpirationTime = rp.CreationTime.Add(time.Duration(pol.p.RemoteRetention) * pol.rpo)
	pol.remote.pc.RecoveryPoints = append(pol.remote.pc.RecoveryPoints, r)
	return r
}

// capture adds member m to rp with the given exclusive size.
func (b *builder) capture(pc *PrismCentral, rp *NutanixRecoveryPoint, m *member, size int64) {
	if m.vm != nil {
		v := NutanixVMRecoveryPoint{ExtID: pc.NextID("vm-recovery-point"), VMExtID: m.vm.ExtID, TotalExclusiveUsageBytes: size, VM: CloneNutanixVM(*m.vm)}
		for _, d := range m.vm.Disks {
			v.Disks = append(v.Disks, NutanixDiskRecoveryPoint{DiskExtID: d.ExtID, DiskRecoveryPointExtID: pc.NextID("disk-recovery-point")})
		}
		rp.VMRecoveryPoints = append(rp.VMRecoveryPoints, v)
		return
	}
	v := NutanixVGRecoveryPoint{ExtID: pc.NextID("vg-recovery-point"), VolumeGroupExtID: m.vg.ExtID, TotalExclusiveUsageBytes: size, VolumeGroup: CloneNutanixVolumeGroup(*m.vg)}
	for _, d := range m.vg.Disks {
		v.Disks = append(v.Disks, NutanixDiskRecoveryPoint{DiskExtID: d.ExtID, DiskRecoveryPointExtID: pc.NextID("disk-recovery-point")})
	}
	rp.VGRecoveryPoints = append(rp.VGRecoveryPoints, v)
}

func (b *builder) manualRecoveryPoint(st *pcState, rs *RecoveryPointSpec) error {
	pc, now := st.pc, b.now
	if rs.Created.IsZero() {
		return b.errAt(rs.src, "created", "a recovery point needs its creation time")
	}
	created := rs.Created.Resolve(now, now).Truncate(time.Second)
	if created.After(now) {
		return b.errAt(rs.src, "created", "%s is after now (%s)", created.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	expires := rs.Expires.Resolve(now, time.Time{})
	if !expires.IsZero() && !expires.After(created) {
		return b.errAt(rs.src, "expires", "expiry %s is not after creation %s", expires.Format(time.RFC3339), created.Format(time.RFC3339))
	}
	typ, ok := consistencyType(rs.Consistency)
	if !ok {
		return b.errAt(rs.src, "consistency", "want crash or application, got %q", rs.Consistency)
	}
	var ms []*member
	for _, n := range rs.VMs {
		m := st.memberBy[n]
		if m == nil || m.vm == nil {
			return b.errAt(rs.src, "vms", "Prism Central %s has no VM %q", pc.Name, n)
		}
		ms = append(ms, m)
	}
	for _, n := range rs.VolumeGroups {
		m := st.memberBy[n]
		if m == nil || m.vg == nil {
			return b.errAt(rs.src, "volume_groups", "Prism Central %s has no volume group %q", pc.Name, n)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 || len(ms) > maxRPEntities {
		return b.errAt(rs.src, "vms", "a recovery point holds 1 to %d VMs and volume groups, got %d", maxRPEntities, len(ms))
	}
	var replicaTo *pcState
	if rs.ReplicateTo != "" {
		if replicaTo = b.nxBy[rs.ReplicateTo]; replicaTo == nil || replicaTo == st {
			return b.errAt(rs.src, "replicate_to", "no other Prism Central is named %q", rs.ReplicateTo)
		}
	}
	name := rs.Name
	if name == "" {
		name = fmt.Sprintf("%s_manual_%s", ms[0].name, created.Format("2006-01-02_15-04"))
	}
	if expires.IsZero() || expires.After(now) {
		rp := &NutanixRecoveryPoint{
			ExtID: pc.NextID("recovery-point"), Name: name, CreationTime: created, ExpirationTime: expires,
			Type: typ, OwnerExtID: zeroOwnerExtID, SourceDomainManagerExtID: pc.ExtID,
		}
		rp.LocationAgnosticID = NewNutanixID(rp.ExtID, "location-agnostic")
		for _, m := range ms {
			if !slices.Contains(rp.ClusterExtIDs, m.cluster.ExtID) {
				rp.ClusterExtIDs = append(rp.ClusterExtIDs, m.cluster.ExtID)
			}
			size := int64(float64(m.used)*m.rate*0.5) / 4096 * 4096
			b.capture(pc, rp, m, size)
			rp.TotalExclusiveUsageBytes += size
		}
		rp.SourceClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
		pc.RecoveryPoints = append(pc.RecoveryPoints, rp)
		if replicaTo != nil {
			r := ReplicaOf(rp, replicaTo.pc, replicaTo.pc.Clusters[0].ExtID)
			replicaTo.pc.RecoveryPoints = append(replicaTo.pc.RecoveryPoints, r)
		}
	}
	return nil
}

// taskEvent places an explicit task.
func (b *builder) taskEvent(ev *EventSpec, st *pcState) error {
	pc, now := st.pc, b.now
	if ev.At.IsZero() {
		return b.errAt(ev.src, "at", "an event needs its time")
	}
	at := ev.At.Resolve(now, now).Truncate(time.Second)
	if at.After(now) {
		return b.errAt(ev.src, "at", "%s is after now (%s)", at.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	op := or(ev.Operation, OpCreateRecoveryPoint)
	known := []string{OpCreateRecoveryPoint, OpDeleteRecoveryPoint, OpSetRecoveryPointExpiry, OpRestoreRecoveryPoint, OpReplicateRecoveryPoint, OpRevertVM}
	if !slices.Contains(known, op) {
		return b.errAt(ev.src, "operation", "want one of %s, got %q", strings.Join(known, ", "), ev.Operation)
	}
	dur := ev.Duration.D()
	if dur == 0 {
		dur = 45 * time.Second
	}
	t := &NutanixTask{
		ExtID: taskIDPrefix + pc.NextID("task"), Operation: op, Description: taskDescription(op),
		CreatedTime: at, QueueTime: time.Second, Duration: dur, OwnerName: or(ev.Owner, "admin"), Applied: true,
	}
	for _, n := range ev.Entities {
		m := st.memberBy[n]
		if m == nil {
			return b.errAt(ev.src, "entities", "Prism Central %s has no VM or volume group %q", pc.Name, n)
		}
		t.EntitiesAffected = append(t.EntitiesAffected, m.ref())
		if !slices.Contains(t.ClusterExtIDs, m.cluster.ExtID) {
			t.ClusterExtIDs = append(t.ClusterExtIDs, m.cluster.ExtID)
		}
	}
	switch strings.ToLower(or(ev.Status, "failed")) {
	case "failed":
		t.ErrorMessage = or(ev.Error, "Operation failed.")
		t.ErrorCode = "DP-50001"
	case "succeeded":
	case "running":
		t.Stuck, t.Applied = true, false
	default:
		return b.errAt(ev.src, "status", "want failed, succeeded or running, got %q", ev.Status)
	}
	pc.Tasks = append(pc.Tasks, t)
	return nil
}

func taskDescription(op string) string {
	switch op {
	case OpCreateRecoveryPoint:
		return "Create Recovery Point"
	case OpDeleteRecoveryPoint:
		return "Delete Recovery Point"
	case OpSetRecoveryPointExpiry:
		return "Set Recovery Point Expiration Time"
	case OpRestoreRecoveryPoint:
		return "Restore Recovery Point"
	case OpReplicateRecoveryPoint:
		return "Replicate Recovery Point"
	case OpRevertVM:
		return "Revert VM"
	case OpPowerOnVM:
		return "Power On VM"
	case OpUpdateNIC:
		return "Update NIC"
	case OpDeleteVM:
		return "Delete VM"
	}
	return op
}

func (b *builder) placeEvents() error {
	for i := range b.s.Events {
		ev := &b.s.Events[i]
		switch strings.ToLower(ev.Kind) {
		case "task":
			st := b.nxBy[ev.Target]
			if st == nil {
				return b.errAt(ev.src, "target", "no Prism Central is named %q", ev.Target)
			}
			if err := b.taskEvent(ev, st); err != nil {
				return err
			}
		case "ems", "transfer":
			os := b.otBy[ev.Target]
			if os == nil {
				return b.errAt(ev.src, "target", "no ONTAP cluster is named %q", ev.Target)
			}
			if err := b.ontapEvent(ev, os); err != nil {
				return err
			}
		default:
			return b.errAt(ev.src, "kind", "want task, ems or transfer, got %q", ev.Kind)
		}
	}
	return nil
}

func (b *builder) placeFaults() error {
	for i := range b.s.TaskFaults {
		f := &b.s.TaskFaults[i]
		st := b.nxBy[f.Target]
		if st == nil {
			return b.errAt(f.src, "target", "no Prism Central is named %q", f.Target)
		}
		if f.Count < 0 {
			return b.errAt(f.src, "count", "want a positive count, got %d", f.Count)
		}
		known := []string{"", OpCreateRecoveryPoint, OpDeleteRecoveryPoint, OpSetRecoveryPointExpiry, OpRestoreRecoveryPoint, OpReplicateRecoveryPoint, OpRevertVM, OpPowerOnVM, OpDeleteVM, OpUpdateNIC}
		if !slices.Contains(known, f.Operation) {
			return b.errAt(f.src, "operation", "want one of %s (or empty for any), got %q", strings.Join(known[1:], ", "), f.Operation)
		}
		st.pc.TaskFaults = append(st.pc.TaskFaults, NutanixTaskFault{Operation: f.Operation, Count: max(f.Count, 1), Message: f.Message, Stuck: f.Stuck})
	}
	for i := range b.s.JobFaults {
		f := &b.s.JobFaults[i]
		os := b.otBy[f.Target]
		if os == nil {
			return b.errAt(f.src, "target", "no ONTAP cluster is named %q", f.Target)
		}
		kind := strings.ToLower(or(f.Kind, "job"))
		if kind != "job" && kind != "transfer" {
			return b.errAt(f.src, "kind", "want job or transfer, got %q", f.Kind)
		}
		if f.Count < 0 {
			return b.errAt(f.src, "count", "want a positive count, got %d", f.Count)
		}
		os.c.Faults = append(os.c.Faults, &OntapFault{Kind: kind, Match: f.Match, Count: max(f.Count, 1), Stuck: f.Stuck, Code: f.Code, Message: f.Message})
	}
	return nil
}

// finish orders what the simulators list: tasks and recovery points by
// time, EMS events by time with fresh indexes.
func (b *builder) finish() {
	for _, pc := range b.e.PrismCentrals {
		sort.SliceStable(pc.Tasks, func(i, j int) bool { return pc.Tasks[i].CreatedTime.Before(pc.Tasks[j].CreatedTime) })
		sort.SliceStable(pc.RecoveryPoints, func(i, j int) bool {
			return pc.RecoveryPoints[i].CreationTime.Before(pc.RecoveryPoints[j].CreationTime)
		})
	}
	for _, c := range b.e.OntapClusters {
		sortEvents(c)
	}
}
