package fleet

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The default estate is generated once for the tests that only read it.
var (
	defOnce sync.Once
	defEst  *Estate
	defSum  [32]byte
	defErr  error
)

func defaultEstate(t *testing.T) (*Estate, [32]byte) {
	t.Helper()
	defOnce.Do(func() {
		defEst, defErr = Generate(GenerateOptions{Seed: 1})
		if defErr == nil {
			defSum = jsonSum(t, defEst)
		}
	})
	if defErr != nil {
		t.Fatal(defErr)
	}
	return defEst, defSum
}

func jsonSum(t *testing.T, e *Estate) [32]byte {
	t.Helper()
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(e); err != nil {
		t.Fatal(err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// smallOpts is a reduced estate for tests that generate several.
func smallOpts(seed int64, c Conditions) GenerateOptions {
	return GenerateOptions{Seed: seed, VMs: 60, VolumeGroups: 6, Volumes: 30, HistoryDays: 45, TaskHistoryDays: 20, Conditions: &c}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	_, sum := defaultEstate(t)
	again, err := Generate(GenerateOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if jsonSum(t, again) != sum {
		t.Fatal("the same seed gave a different estate")
	}
	a, err := Generate(smallOpts(5, DefaultConditions()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(smallOpts(5, DefaultConditions()))
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("the same seed gave different JSON")
	}
	c, err := Generate(smallOpts(6, DefaultConditions()))
	if err != nil {
		t.Fatal(err)
	}
	jc, _ := json.Marshal(c)
	if bytes.Equal(ja, jc) {
		t.Fatal("different seeds gave the same estate")
	}
	// Names differ too, not just ids.
	if vmNames(a, "pc-prod") == vmNames(c, "pc-prod") {
		t.Error("different seeds gave the same VM names")
	}
}

func vmNames(e *Estate, pc string) string {
	var n []string
	for _, v := range e.PrismCentralByName(pc).VMs {
		n = append(n, v.Name)
	}
	return strings.Join(n, ",")
}

func TestGenerateRealistic(t *testing.T) {
	e, _ := defaultEstate(t)
	now := e.Clock.Now()
	if !now.Equal(DefaultNow) || e.Seed != 1 {
		t.Fatalf("now %s seed %d", now, e.Seed)
	}
	prod, dr := e.PrismCentralByName("pc-prod"), e.PrismCentralByName("pc-dr")
	if prod == nil || dr == nil || prod.Remote != "pc-dr" || dr.Remote != "pc-prod" {
		t.Fatal("want paired pc-prod and pc-dr")
	}
	if len(prod.Clusters) != 3 || len(dr.Clusters) != 2 || len(prod.VMs) != 200 || len(prod.VolumeGroups) != 20 {
		t.Fatalf("pc-prod: %d clusters, %d VMs, %d VGs; pc-dr %d clusters", len(prod.Clusters), len(prod.VMs), len(prod.VolumeGroups), len(dr.Clusters))
	}
	roles := map[string]int{}
	for _, v := range prod.VMs {
		roles[strings.SplitN(v.Name, "-", 2)[0]]++
		if v.NumSockets < 1 || v.MemoryBytes < 1<<30 || len(v.Disks) == 0 || v.GenerationUUID == "" || v.HostExtID == "" {
			t.Fatalf("VM %s incomplete: %+v", v.Name, v)
		}
	}
	for _, r := range []string{"db", "app", "web", "k8s", "build", "test"} {
		if roles[r] < 3 {
			t.Errorf("only %d %s- VMs (roles %v)", roles[r], r, roles)
		}
	}

	// Recovery points: at most 30 entities, not expired, of known VMs,
	// spanning the history of the weekly policy.
	oldest := now
	ids := map[string]bool{}
	for _, rp := range prod.RecoveryPoints {
		n := len(rp.VMRecoveryPoints) + len(rp.VGRecoveryPoints)
		if n == 0 || n > 30 {
			t.Fatalf("recovery point %s holds %d entities", rp.Name, n)
		}
		if !rp.ExpirationTime.After(now) || rp.CreationTime.After(now) {
			t.Fatalf("recovery point %s: created %s, expires %s", rp.Name, rp.CreationTime, rp.ExpirationTime)
		}
		for _, v := range rp.VMRecoveryPoints {
			if prod.VMByExtID(v.VMExtID) == nil || v.TotalExclusiveUsageBytes <= 0 {
				t.Fatalf("recovery point %s: VM %s unknown or empty", rp.Name, v.VMExtID)
			}
		}
		if rp.CreationTime.Before(oldest) {
			oldest = rp.CreationTime
		}
		if ids[rp.ExtID] {
			t.Fatalf("ext id %s repeated", rp.ExtID)
		}
		ids[rp.ExtID] = true
	}
	if span := now.Sub(oldest); span < 84*24*time.Hour || span > 92*24*time.Hour {
		t.Errorf("recovery points span %s, want about 90 days", span)
	}
	if len(prod.RecoveryPoints) < 200 || len(prod.RecoveryPoints) > 1000 {
		t.Errorf("%d recovery points on pc-prod", len(prod.RecoveryPoints))
	}
	// Replicas on pc-dr name their source.
	replicas := 0
	for _, rp := range dr.RecoveryPoints {
		if rp.SourceDomainManagerExtID == prod.ExtID {
			replicas++
			if dr.ClusterByExtID(rp.ClusterExtIDs[0]) == nil {
				t.Fatalf("replica %s is not on a pc-dr cluster", rp.Name)
			}
		}
	}
	if replicas < 50 {
		t.Errorf("%d replicas on pc-dr", replicas)
	}

	// Task history: 30 days, a realistic success rate of scheduled runs.
	var ok, failed int
	first := now
	for _, tk := range prod.Tasks {
		if tk.CreatedTime.Before(first) {
			first = tk.CreatedTime
		}
		if tk.Operation != OpCreateRecoveryPoint || tk.OwnerName != "system" {
			continue
		}
		if tk.ErrorMessage != "" {
			failed++
		} else {
			ok++
		}
		if !tk.Applied || tk.CompletedTime().After(now) {
			t.Fatalf("task %s unsettled", tk.ExtID)
		}
	}
	rate := float64(ok) / float64(ok+failed)
	t.Logf("pc-prod: %d recovery points, %d tasks, scheduled success rate %.3f (%d failed)", len(prod.RecoveryPoints), len(prod.Tasks), rate, failed)
	if rate < 0.94 || rate > 0.995 || failed < 5 {
		t.Errorf("scheduled success rate %.3f (%d failed), want about 0.97", rate, failed)
	}
	if d := now.Sub(first); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("task history spans %s", d)
	}
	if !slices.IsSortedFunc(prod.Tasks, func(a, b *NutanixTask) int { return a.CreatedTime.Compare(b.CreatedTime) }) {
		t.Error("tasks are not in time order")
	}

	// ONTAP.
	op, od := e.OntapClusterByName("ontap-prod"), e.OntapClusterByName("ontap-dr")
	if op == nil || od == nil || len(op.SVMs) != 3 {
		t.Fatal("want ontap-prod with 3 SVMs and ontap-dr")
	}
	if len(op.Volumes) != 120 {
		t.Fatalf("ontap-prod has %d volumes", len(op.Volumes))
	}
	oldest = now
	snaps := 0
	for _, v := range op.Volumes {
		if v.Root == nil || v.Root.TotalSize() == 0 || v.Used <= 0 || v.Size <= v.Used {
			t.Fatalf("volume %s: bad space or tree", v.Name)
		}
		snaps += len(v.Snapshots)
		for i, s := range v.Snapshots {
			if s.Files == nil || s.Size <= 0 || s.CreateTime.After(now) || (i > 0 && s.CreateTime.Before(v.Snapshots[i-1].CreateTime)) {
				t.Fatalf("volume %s snapshot %s bad or out of order", v.Name, s.Name)
			}
			if s.CreateTime.Before(oldest) {
				oldest = s.CreateTime
			}
		}
	}
	if span := now.Sub(oldest); span < 84*24*time.Hour {
		t.Errorf("snapshots span %s, want about 90 days", span)
	}
	if len(od.Relationships) < 50 {
		t.Errorf("%d SnapMirror relationships", len(od.Relationships))
	}
	for _, r := range od.Relationships {
		src := op.VolumeByPath(r.SourcePath)
		dst := od.VolumeByPath(r.DestinationPath)
		if r.SourceCluster != "ontap-prod" || src == nil || dst == nil || dst.Type != "dp" {
			t.Fatalf("relationship %s -> %s: bad ends", r.SourcePath, r.DestinationPath)
		}
		if src.Snapshot(r.ExportedSnapshot) == nil || dst.Snapshot(r.ExportedSnapshot) == nil {
			t.Fatalf("relationship %s: exported snapshot %s missing on a side", r.DestinationPath, r.ExportedSnapshot)
		}
		if len(r.Transfers) < 2 || len(r.Transfers) > 50 || r.Transfers[0].Type != "initialize" {
			t.Fatalf("relationship %s: %d transfers", r.DestinationPath, len(r.Transfers))
		}
		for _, tr := range r.Transfers {
			if tr.State == "" || tr.EndTime.After(now) {
				t.Fatalf("relationship %s: unfinished transfer", r.DestinationPath)
			}
		}
	}
	var ems []string
	for i, ev := range od.Events {
		if ev.Index != int64(i+1) || (i > 0 && ev.Time.Before(od.Events[i-1].Time)) {
			t.Fatal("EMS events out of order")
		}
		ems = append(ems, ev.Name)
	}
	if !slices.Contains(ems, "smc.snapmir.update.fail") {
		t.Error("no SnapMirror failure events on ontap-dr")
	}
	t.Logf("ontap-prod: %d volumes, %d snapshots; ontap-dr: %d relationships, %d events", len(op.Volumes), snaps, len(od.Relationships), len(od.Events))
}

// --- condition detectors, independent of the generator ---

type found map[string][]string

func detect(e *Estate) found {
	now := e.Clock.Now()
	f := found{}
	prod := e.PrismCentralByName("pc-prod")
	newest := map[string]*NutanixRecoveryPoint{}
	for _, rp := range prod.RecoveryPoints {
		for _, v := range rp.VMRecoveryPoints {
			if n := newest[v.VMExtID]; n == nil || rp.CreationTime.After(n.CreationTime) {
				newest[v.VMExtID] = rp
			}
		}
	}
	for _, vm := range prod.VMs {
		if vm.ProtectionPolicyExtID == "" {
			f[ConditionUnprotectedVM] = append(f[ConditionUnprotectedVM], vm.Name)
			continue
		}
		p := prod.ProtectionPolicyByExtID(vm.ProtectionPolicyExtID)
		rpo := time.Duration(p.RPOSeconds) * time.Second
		n := newest[vm.ExtID]
		if n == nil || now.Sub(n.CreationTime) > rpo+rpo/10 {
			f[ConditionRPOBreach] = append(f[ConditionRPOBreach], vm.Name)
		}
		if n != nil && n.ExpirationTime.Sub(now) < 24*time.Hour {
			f[ConditionExpiringRP] = append(f[ConditionExpiringRP], vm.Name)
		}
	}
	// Trailing failures of create-recovery-point tasks per entity.
	streak := map[string]int{}
	for _, tk := range prod.Tasks {
		if tk.Operation != OpCreateRecoveryPoint {
			continue
		}
		for _, en := range tk.EntitiesAffected {
			if tk.ErrorMessage != "" {
				streak[en.Name]++
			} else {
				streak[en.Name] = 0
			}
		}
	}
	for _, vm := range prod.VMs {
		if streak[vm.Name] >= 3 {
			f[ConditionFailingTaskStreak] = append(f[ConditionFailingTaskStreak], vm.Name)
		}
	}
	for _, c := range e.OntapClusters {
		for _, r := range c.Relationships {
			if now.Sub(r.ExportedSnapshotTime) >= 90*time.Minute*scheduleHours(c, r.TransferSchedule) {
				f[ConditionSnapmirrorLag] = append(f[ConditionSnapmirrorLag], r.DestinationPath)
			}
		}
		for _, v := range c.Volumes {
			var sum int64
			for _, s := range v.Snapshots {
				sum += s.Size
			}
			if reserve := v.Size * int64(v.SnapshotReservePercent) / 100; reserve > 0 && float64(sum) > 0.9*float64(reserve) {
				f[ConditionSnapshotReserveFull] = append(f[ConditionSnapshotReserveFull], v.Path())
			}
			// Change per hour of each snapshot (it holds the change since
			// the previous one): the last two days against the history.
			// A SnapMirror destination holds the same snapshots: one entity.
			if v.Type != "rw" {
				continue
			}
			var old []float64
			recent := 0.0
			for i := 1; i < len(v.Snapshots); i++ {
				s, p := v.Snapshots[i], v.Snapshots[i-1]
				h := s.CreateTime.Sub(p.CreateTime).Hours()
				if h < 0.5 {
					continue
				}
				switch r := float64(s.Size) / h; {
				case s.CreateTime.After(now.Add(-48 * time.Hour)):
					recent = max(recent, r)
				case s.CreateTime.Before(now.Add(-72 * time.Hour)):
					old = append(old, r)
				}
			}
			if len(old) >= 5 {
				slices.Sort(old)
				if recent > 5*old[len(old)/2] {
					f[ConditionRansomwareSpike] = append(f[ConditionRansomwareSpike], v.Path())
				}
			}
		}
	}
	return f
}

func scheduleHours(c *OntapCluster, name string) time.Duration {
	return time.Duration(scheduleInterval(c.Schedule(name), DefaultNow) / time.Hour)
}

func planted(e *Estate) found {
	f := found{}
	for _, p := range e.Planted {
		f[p.Kind] = append(f[p.Kind], p.Entity)
	}
	return f
}

var allKinds = []string{ConditionUnprotectedVM, ConditionRPOBreach, ConditionFailingTaskStreak, ConditionSnapmirrorLag,
	ConditionSnapshotReserveFull, ConditionRansomwareSpike, ConditionExpiringRP}

// checkConditions compares what the detectors find with what is planted:
// every planted condition is there, nothing else is.
func checkConditions(t *testing.T, e *Estate, on map[string]bool) {
	t.Helper()
	got, want := detect(e), planted(e)
	for _, k := range allKinds {
		w := want[k]
		if k == ConditionFailingTaskStreak && on[ConditionRPOBreach] {
			// The RPO breach is made of failed runs: a streak of its own.
			w = append(slices.Clone(w), PlantedRPOBreachVM)
		}
		if on[k] != (len(want[k]) > 0) {
			t.Errorf("%s: switched %v but planted %v", k, on[k], want[k])
		}
		g := slices.Clone(got[k])
		slices.Sort(g)
		w = slices.Clone(w)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("%s: found %v, want %v", k, g, w)
		}
	}
}

func TestPlantedConditionsDefault(t *testing.T) {
	e, _ := defaultEstate(t)
	on := map[string]bool{}
	for _, k := range allKinds {
		on[k] = true
	}
	checkConditions(t, e, on)
	want := map[string]string{
		ConditionRPOBreach: PlantedRPOBreachVM, ConditionFailingTaskStreak: PlantedStreakVM, ConditionExpiringRP: PlantedExpiringVM,
		ConditionSnapmirrorLag: "svm_db_dr:vol_erp_db_dr", ConditionSnapshotReserveFull: "svm_nas:vol_logs_erp",
		ConditionRansomwareSpike: "svm_nas:vol_fin_share",
	}
	p := planted(e)
	for k, v := range want {
		if len(p[k]) != 1 || p[k][0] != v {
			t.Errorf("planted %s: %v, want %s", k, p[k], v)
		}
	}
	if len(p[ConditionUnprotectedVM]) != 10 || !slices.Contains(p[ConditionUnprotectedVM], "web-shop-new-01") {
		t.Errorf("unprotected: %v", p[ConditionUnprotectedVM])
	}
	// The ransomware volume keeps clean snapshots before the spike and
	// encrypted files after it.
	vol := e.OntapClusterByName("ontap-prod").VolumeByName("svm_nas", PlantedRansomwareVol)
	since := DefaultNow.Add(-30 * time.Hour)
	var clean, dirty int
	for _, s := range vol.Snapshots {
		locked := s.Files.Lookup("README_RESTORE_FILES.txt") != nil
		if s.CreateTime.After(since) != locked {
			t.Fatalf("snapshot %s at %s: encrypted %v", s.Name, s.CreateTime, locked)
		}
		if locked {
			dirty++
		} else {
			clean++
		}
	}
	if clean < 30 || dirty < 5 || vol.Root.Lookup("README_RESTORE_FILES.txt") == nil {
		t.Errorf("vol_fin_share: %d clean, %d encrypted snapshots", clean, dirty)
	}
	// The lag spiral: recent transfers take longer and longer.
	var rel *OntapRelationship
	for _, r := range e.OntapClusterByName("ontap-dr").Relationships {
		if r.DestinationPath == "svm_db_dr:vol_erp_db_dr" {
			rel = r
		}
	}
	n := len(rel.Transfers)
	last, before := rel.Transfers[n-1], rel.Transfers[n-2]
	if d1, d0 := last.EndTime.Sub(last.StartTime), before.EndTime.Sub(before.StartTime); d1 <= d0 || d1 < time.Hour {
		t.Errorf("lag spiral: last transfers took %s then %s", d0, d1)
	}
	if ratio := float64(DefaultNow.Sub(rel.ExportedSnapshotTime)) / float64(time.Hour); ratio < 1.5 || ratio >= 2.5 {
		t.Errorf("lag ratio %.2f, want 1.5-2.5", ratio)
	}
}

func TestPlantedConditionsSwitchable(t *testing.T) {
	set := func(c *Conditions, k string, v bool) {
		switch k {
		case ConditionUnprotectedVM:
			c.UnprotectedVMs = v
		case ConditionRPOBreach:
			c.RPOBreach = v
		case ConditionFailingTaskStreak:
			c.FailingTaskStreak = v
		case ConditionSnapmirrorLag:
			c.SnapmirrorLag = v
		case ConditionSnapshotReserveFull:
			c.SnapshotReserveFull = v
		case ConditionRansomwareSpike:
			c.RansomwareSpike = v
		case ConditionExpiringRP:
			c.ExpiringRecoveryPoints = v
		}
	}
	for i, subset := range [][]string{
		nil,
		{ConditionUnprotectedVM, ConditionFailingTaskStreak, ConditionSnapshotReserveFull, ConditionExpiringRP},
		{ConditionRPOBreach, ConditionSnapmirrorLag, ConditionRansomwareSpike},
	} {
		t.Run(fmt.Sprint(subset), func(t *testing.T) {
			c := NoConditions()
			on := map[string]bool{}
			for _, k := range subset {
				set(&c, k, true)
				on[k] = true
			}
			e, err := Generate(smallOpts(int64(11+i), c))
			if err != nil {
				t.Fatal(err)
			}
			checkConditions(t, e, on)
			// The named entities exist whether or not their condition is on.
			prod := e.PrismCentralByName("pc-prod")
			for _, n := range []string{PlantedRPOBreachVM, PlantedStreakVM, PlantedExpiringVM, "web-shop-new-01"} {
				if !slices.ContainsFunc(prod.VMs, func(v *NutanixVM) bool { return v.Name == n }) {
					t.Errorf("VM %s missing", n)
				}
			}
			if len(prod.VMs) != 60 || len(e.OntapClusterByName("ontap-prod").Volumes) != 30 {
				t.Errorf("%d VMs, %d volumes", len(prod.VMs), len(e.OntapClusterByName("ontap-prod").Volumes))
			}
		})
	}
}

func TestGenerateOptionsChecked(t *testing.T) {
	for _, o := range []GenerateOptions{
		{VMs: 5}, {Volumes: 3}, {HistoryDays: 3}, {HistoryDays: 20, TaskHistoryDays: 30}, {SuccessRate: 0.2}, {ProdClusters: 20},
		{Conditions: &Conditions{}},
	} {
		if _, err := Generate(o); err == nil {
			t.Errorf("Generate(%+v) accepted", o)
		}
	}
}

// TestPlantedConditionsAcrossSeeds: the conditions are exact whatever the
// seed and the time of day (schedules fire at different distances from now).
func TestPlantedConditionsAcrossSeeds(t *testing.T) {
	t.Parallel()
	all := map[string]bool{}
	for _, k := range allKinds {
		all[k] = true
	}
	nows := []time.Time{time.Date(2026, 11, 22, 22, 3, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 7, 0, 0, time.UTC)}
	for seed := int64(21); seed <= 23; seed++ {
		for _, now := range nows {
			for _, c := range []Conditions{DefaultConditions(), NoConditions()} {
				o := smallOpts(seed, c)
				o.Now = now
				e, err := Generate(o)
				if err != nil {
					t.Fatal(err)
				}
				on := all
				if !c.RPOBreach {
					on = nil
				}
				checkConditions(t, e, on)
			}
		}
	}
}
