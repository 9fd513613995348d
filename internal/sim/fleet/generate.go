package fleet

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"
)

// GenerateOptions size and seed a generated estate. The zero value of a
// field means its default; Conditions nil means DefaultConditions().
type GenerateOptions struct {
	// Seed drives every random choice: the same seed (and options) gives a
	// byte-identical estate.
	Seed int64
	// Now is the simulated present (default DefaultNow).
	Now time.Time
	// VMs and VolumeGroups on pc-prod (defaults 200 and 20), Volumes on
	// ontap-prod (default 120).
	VMs          int
	VolumeGroups int
	Volumes      int
	// HistoryDays of schedules are replayed (default 90); recovery points
	// and snapshots older than their retention are gone. TaskHistoryDays
	// of Prism Central tasks are kept (default 30).
	HistoryDays     int
	TaskHistoryDays int
	// ProdClusters and DRClusters are the Nutanix clusters of pc-prod
	// (default 3) and pc-dr (default 2).
	ProdClusters int
	DRClusters   int
	// SuccessRate is the mean share of scheduled runs (recovery points,
	// snapshots, transfers) that succeed (default 0.97).
	SuccessRate float64
	Conditions  *Conditions
}

// Generation defaults.
const (
	DefaultVMs             = 200
	DefaultVolumeGroups    = 20
	DefaultVolumes         = 120
	DefaultHistoryDays     = 90
	DefaultTaskHistoryDays = 30
	DefaultSuccessRate     = 0.97
)

func (o GenerateOptions) withDefaults() GenerateOptions {
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.VMs, DefaultVMs)
	def(&o.VolumeGroups, DefaultVolumeGroups)
	def(&o.Volumes, DefaultVolumes)
	def(&o.HistoryDays, DefaultHistoryDays)
	def(&o.TaskHistoryDays, DefaultTaskHistoryDays)
	def(&o.ProdClusters, 3)
	def(&o.DRClusters, 2)
	if o.SuccessRate == 0 {
		o.SuccessRate = DefaultSuccessRate
	}
	if o.Conditions == nil {
		c := DefaultConditions()
		o.Conditions = &c
	}
	return o
}

// check returns the scenario key of the first bad option with the error.
func (o GenerateOptions) check() (string, error) {
	switch {
	case o.VMs < 20 || o.VMs > 5000:
		return "vms", fmt.Errorf("vms %d: want 20 to 5000", o.VMs)
	case o.VolumeGroups < 0 || o.VolumeGroups > 500:
		return "volume_groups", fmt.Errorf("volume_groups %d: want 0 to 500", o.VolumeGroups)
	case o.Volumes < 10 || o.Volumes > 2000:
		return "volumes", fmt.Errorf("volumes %d: want 10 to 2000", o.Volumes)
	case o.HistoryDays < 7 || o.HistoryDays > 400:
		return "history_days", fmt.Errorf("history_days %d: want 7 to 400", o.HistoryDays)
	case o.TaskHistoryDays < 1 || o.TaskHistoryDays > o.HistoryDays:
		return "task_history_days", fmt.Errorf("task_history_days %d: want 1 to history_days (%d)", o.TaskHistoryDays, o.HistoryDays)
	case o.ProdClusters < 1 || o.ProdClusters > 8:
		return "prod_clusters", fmt.Errorf("prod_clusters %d: want 1 to 8", o.ProdClusters)
	case o.DRClusters < 1 || o.DRClusters > 8:
		return "dr_clusters", fmt.Errorf("dr_clusters %d: want 1 to 8", o.DRClusters)
	case o.SuccessRate < 0.5 || o.SuccessRate > 1:
		return "success_rate", fmt.Errorf("success_rate %v: want 0.5 to 1", o.SuccessRate)
	}
	if key, err := o.Conditions.check(); err != nil {
		return "conditions." + key, err
	}
	return "", nil
}

// Generate builds a realistic estate from opts: the Prism Centrals "pc-prod"
// (opts.ProdClusters clusters, about 200 VMs by role, 20 volume groups,
// gold/silver/bronze protection policies, recovery points as the
// schedules produced them over the history with retention applied, failed
// and skipped runs, the task history) and "pc-dr" (its own clusters and
// infrastructure VMs, the replicas), paired for replication; and the ONTAP
// clusters "ontap-prod" (three SVMs, about 120 volumes with small file
// trees, snapshots per policy schedule sized by daily change rates, EMS
// events) and "ontap-dr" (SnapMirror destinations with transfer history).
// The conditions of opts.Conditions are planted and listed in
// Estate.Planted. Everything follows from opts: no wall clock, no global
// random source, no map iteration.
func Generate(opts GenerateOptions) (*Estate, error) {
	opts = opts.withDefaults()
	if _, err := opts.check(); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	return build(generateSpec(opts))
}

// estateSpec is a whole estate description: what Generate lays out and a
// scenario adds to, before build replays the history.
type estateSpec struct {
	Seed            int64
	Now             time.Time
	HistoryDays     int
	TaskHistoryDays int
	SuccessRate     float64

	PrismCentrals []*PrismCentralSpec
	OntapClusters []*OntapClusterSpec
	Events        []EventSpec
	TaskFaults    []TaskFaultSpec
	JobFaults     []JobFaultSpec
	Planted       []PlantedCondition
	// Aiqum lists the AIQUM servers; nil gives the default one (aiqum.go).
	Aiqum []AiqumSpec

	// where locates a scenario key for error messages (nil: generated).
	where func(path string) (line int, ok bool)
	file  string
	// src maps spec elements to their scenario key path.
	src map[any]string
}

// rngFor returns a random source for one purpose, derived from the seed and
// the parts (so adding an entity does not change the others' histories).
func rngFor(seed int64, parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// gen lays out a generated estate.
type gen struct {
	o    GenerateOptions
	c    Conditions
	rng  *rand.Rand
	es   *estateSpec
	used map[string]bool
}

func generateSpec(o GenerateOptions) *estateSpec {
	g := &gen{
		o:    o,
		c:    *o.Conditions,
		rng:  rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed0f1ee7)),
		used: map[string]bool{},
		es: &estateSpec{
			Seed: o.Seed, Now: o.Now, HistoryDays: o.HistoryDays,
			TaskHistoryDays: o.TaskHistoryDays, SuccessRate: o.SuccessRate,
		},
	}
	g.nutanix()
	g.ontap()
	return g.es
}

func (g *gen) intn(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

func (g *gen) between(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

func pick[T any](g *gen, list []T) T { return list[g.rng.IntN(len(list))] }

// round to 2 decimals, so specs print tidily.
func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// --- Nutanix layout ---

type vmRole struct {
	key     string
	weight  int
	pattern string // %s app, %02d counter
	apps    []string
	cpus    []int
	memGiB  []int64
	disks   [][2]int64 // GiB ranges, first is the system disk
	change  [2]float64 // daily change %
}

var vmRoles = []vmRole{
	{"db", 12, "db-%s-%02d", []string{"erp", "crm", "billing", "hr", "payroll", "portal", "shop", "ledger", "inventory", "analytics", "auth", "search"},
		[]int{8, 12, 16}, []int64{64, 128, 256}, [][2]int64{{100, 100}, {500, 2000}, {100, 300}}, [2]float64{5, 12}},
	{"app", 22, "app-%s-%02d", []string{"erp", "crm", "billing", "hr", "payroll", "portal", "shop", "ledger", "inventory", "reports", "auth", "search", "pricing", "orders"},
		[]int{4, 8}, []int64{16, 32}, [][2]int64{{80, 80}, {100, 400}}, [2]float64{2, 5}},
	{"web", 12, "web-%s-%02d", []string{"shop", "portal", "www", "docs", "status", "partners", "careers"},
		[]int{2, 4}, []int64{8, 16}, [][2]int64{{60, 60}}, [2]float64{1, 3}},
	{"api", 6, "api-%s-%02d", []string{"gateway", "orders", "payments", "catalog"},
		[]int{4}, []int64{8, 16}, [][2]int64{{60, 60}, {50, 100}}, [2]float64{1, 3}},
	{"file", 4, "file-%s-%02d", []string{"finance", "hr", "eng", "legal", "sales"},
		[]int{4}, []int64{16}, [][2]int64{{100, 100}, {1024, 4096}}, [2]float64{1, 3}},
	{"build", 6, "build-%s-%02d", []string{"agent", "runner", "cache"},
		[]int{8}, []int64{32}, [][2]int64{{200, 500}}, [2]float64{10, 20}},
	{"k8s", 12, "k8s-%s-%02d", []string{"prod-worker", "prod-master", "stg-worker", "ci-worker"},
		[]int{8}, []int64{32, 64}, [][2]int64{{120, 120}, {100, 300}}, [2]float64{3, 6}},
	{"mq", 5, "mq-%s-%02d", []string{"kafka", "rabbit", "redis"},
		[]int{4, 8}, []int64{16, 32}, [][2]int64{{80, 80}, {100, 200}}, [2]float64{4, 8}},
	{"infra", 8, "%s-%02d", []string{"ad-dc", "dns", "mon-prom", "log-elk", "jump", "mail", "pki", "backup-proxy"},
		[]int{2, 4}, []int64{8, 16}, [][2]int64{{80, 80}, {50, 500}}, [2]float64{1, 3}},
	{"test", 7, "test-%s-%02d", []string{"qa", "perf", "uat", "selenium"},
		[]int{2, 4}, []int64{4, 8}, [][2]int64{{60, 60}, {20, 100}}, [2]float64{2, 5}},
	{"dev", 6, "dev-%s-%02d", []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"},
		[]int{2, 4}, []int64{8, 16}, [][2]int64{{60, 60}, {50, 150}}, [2]float64{2, 5}},
}

func roleByKey(k string) vmRole {
	for _, r := range vmRoles {
		if r.key == k {
			return r
		}
	}
	return vmRoles[0]
}

const (
	policyGold    = "gold-4h-dr"
	policySilver  = "silver-daily-dr"
	policyBronze  = "bronze-weekly"
	policyDRInfra = "dr-infra-daily"
)

var policyCategory = map[string]string{
	policyGold: "Protection/Gold", policySilver: "Protection/Silver", policyBronze: "Protection/Bronze",
	PlantedExpiringPolicy: "Protection/Archive", policyDRInfra: "Protection/DR-Infra",
}

// uniqueName fills pattern with app and the first free counter.
func (g *gen) uniqueName(pattern, app string) string {
	for i := 1; ; i++ {
		var n string
		if app == "" {
			n = fmt.Sprintf(pattern, i)
		} else {
			n = fmt.Sprintf(pattern, app, i)
		}
		if !g.used[n] {
			g.used[n] = true
			return n
		}
	}
}

func (g *gen) nutanix() {
	o, now := g.o, g.o.Now
	prod := &PrismCentralSpec{
		Name: "pc-prod", Username: "admin", Password: defaultNutanixPassword, APIKeys: []string{"prod-api-key"},
		Version: "pc.2024.3", Address: "10.10.0.10", Remote: "pc-dr",
	}
	dr := &PrismCentralSpec{
		Name: "pc-dr", Username: "admin", Password: defaultNutanixPassword, APIKeys: []string{"dr-api-key"},
		Version: "pc.2024.3", Address: "10.20.0.10", Remote: "pc-prod",
	}
	prodNodes := []int{6, 4, 4, 3, 3, 3, 3, 3}
	for i := 0; i < o.ProdClusters; i++ {
		prod.Clusters = append(prod.Clusters, NutanixClusterSpec{
			Name: fmt.Sprintf("prod-ahv-%02d", i+1), Nodes: prodNodes[i], Version: "6.8.1", Hypervisor: "AHV",
			Address: fmt.Sprintf("10.10.%d.10", i+1),
		})
	}
	for i := 0; i < o.DRClusters; i++ {
		dr.Clusters = append(dr.Clusters, NutanixClusterSpec{
			Name: fmt.Sprintf("dr-ahv-%02d", i+1), Nodes: []int{4, 3}[min(i, 1)], Version: "6.8.1", Hypervisor: "AHV",
			Address: fmt.Sprintf("10.20.%d.10", i+1),
		})
	}
	drSilver := dr.Clusters[len(dr.Clusters)-1].Name
	off22 := Duration(22 * time.Hour)
	prod.ProtectionPolicies = []ProtectionPolicySpec{
		{Name: policyGold, Description: "Databases: every 4 hours, application-consistent; keep 42 locally (7 days) and 18 on pc-dr (3 days)",
			RPO: Duration(4 * time.Hour), Consistency: "application", LocalRetention: 42, RemoteRetention: 18,
			Remote: "pc-dr", RemoteCluster: dr.Clusters[0].Name, Categories: []string{policyCategory[policyGold]}},
		{Name: policySilver, Description: "Production: daily at 22:00 UTC; keep 30 locally and 7 on pc-dr",
			RPO: Duration(24 * time.Hour), Offset: &off22, Consistency: "crash", LocalRetention: 30, RemoteRetention: 7,
			Remote: "pc-dr", RemoteCluster: drSilver, Categories: []string{policyCategory[policySilver]}},
		{Name: policyBronze, Description: "Non-production: weekly on Sunday 22:00 UTC; keep 13 (about 90 days), local only",
			RPO: Duration(7 * 24 * time.Hour), Offset: &off22, Consistency: "crash", LocalRetention: 13,
			Categories: []string{policyCategory[policyBronze]}},
	}
	if g.c.ExpiringRecoveryPoints {
		// One run every 30 days, each recovery point kept 29 days: the
		// newest expires ExpiringIn from now, a day before the next run (a
		// retention shorter than the interval leaves a window with no copy).
		period, keep := 30*24*time.Hour, 29*24*time.Hour
		last := now.Add(g.c.ExpiringIn.D()).Add(-keep).Truncate(time.Minute)
		off := Duration((last.Sub(scheduleEpoch)%period + period) % period)
		prod.ProtectionPolicies = append(prod.ProtectionPolicies, ProtectionPolicySpec{
			Name: PlantedExpiringPolicy, Description: "Archive VMs: every 30 days, each recovery point kept 29 days",
			RPO: Duration(period), Offset: &off, Consistency: "crash", LocalRetention: 1, RetentionPeriod: Duration(keep),
			Categories: []string{policyCategory[PlantedExpiringPolicy]},
		})
		g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionExpiringRP, Target: "pc-prod", Entity: PlantedExpiringVM,
			Detail: fmt.Sprintf("policy %s runs every 30 days and keeps each recovery point 29 days: the only one expires at %s (in about %s), a day before the next run at %s",
				PlantedExpiringPolicy, last.Add(time.Second).Add(keep).Format(time.RFC3339), g.c.ExpiringIn, last.Add(period).Format(time.RFC3339))})
	}

	// Planted VMs first, so random names avoid theirs.
	type planted struct {
		name, role, app, env string
		created              time.Duration // ago; 0: random
	}
	plantedVMs := []planted{
		{PlantedRPOBreachVM, "db", "erp", "Production", 0},
		{PlantedStreakVM, "app", "billing", "Production", 0},
		{PlantedExpiringVM, "infra", "erp-archive", "Production", 0},
		{"web-shop-new-01", "web", "shop", "Production", 3 * 24 * time.Hour},
		{"web-shop-new-02", "web", "shop", "Production", 5 * 24 * time.Hour},
		{"test-scratch-01", "test", "scratch", "Test", 0},
		{"test-scratch-02", "test", "scratch", "Test", 0},
		{"test-scratch-03", "test", "scratch", "Test", 0},
		{"build-tmp-01", "build", "tmp", "Development", 0},
	}
	for _, p := range plantedVMs {
		g.used[p.name] = true
	}
	var vms []VMSpec
	for _, p := range plantedVMs {
		vm := g.vm(roleByKey(p.role), p.name, p.app, p.env)
		if p.created > 0 {
			vm.Created = AtTime(now.Add(-p.created).Truncate(time.Minute))
		}
		switch p.name {
		case PlantedRPOBreachVM:
			vm.OwnRecoveryPoint = true
			vm.Description = "ERP production database (Oracle 19c)"
			if g.c.RPOBreach {
				vm.FailLastRuns = g.c.RPOBreachFailedRuns
			}
		case PlantedExpiringVM:
			vm.Description = "ERP archive, read-only, kept for audit"
			if g.c.ExpiringRecoveryPoints {
				g.setPolicy(&vm, PlantedExpiringPolicy)
			} else {
				g.setPolicy(&vm, policyBronze)
			}
		}
		vms = append(vms, vm)
	}
	// Random VMs by role weight.
	total := 0
	for _, r := range vmRoles {
		total += r.weight
	}
	for len(vms) < o.VMs {
		x := g.rng.IntN(total)
		var role vmRole
		for _, r := range vmRoles {
			if x < r.weight {
				role = r
				break
			}
			x -= r.weight
		}
		app := pick(g, role.apps)
		env := "Production"
		switch role.key {
		case "db":
			env = pickWeighted(g, []string{"Production", "Staging", "Development"}, []int{65, 20, 15})
		case "app", "web", "api", "mq", "file":
			env = pickWeighted(g, []string{"Production", "Staging"}, []int{85, 15})
		case "k8s":
			env = map[string]string{"prod-worker": "Production", "prod-master": "Production", "stg-worker": "Staging", "ci-worker": "Development"}[app]
		case "build", "dev":
			env = "Development"
		case "test":
			env = "Test"
		}
		pattern, nameApp := role.pattern, app
		if role.key == "db" {
			pattern = "db-%s-%02d"
			nameApp = app + "-" + map[string]string{"Production": "prod", "Staging": "stg", "Development": "dev"}[env]
		}
		name := g.uniqueName(pattern, nameApp)
		vm := g.vm(role, name, app, env)
		if g.rng.Float64() < 0.08 {
			// Burst growth: a VM created within the history window (more
			// than a week ago, so that even a weekly policy has run since).
			vm.Created = AtTime(now.Add(-time.Duration(g.intn(8, max(8, min(60, o.HistoryDays)))) * 24 * time.Hour).Add(-time.Duration(g.intn(0, 1439)) * time.Minute))
		}
		vms = append(vms, vm)
	}
	// Unprotected VMs.
	if g.c.UnprotectedVMs {
		var cands []int
		for i := range vms {
			if slices.Contains(plantedUnprotectedVMs, vms[i].Name) {
				vms[i].Policy = ""
				vms[i].Categories = withoutProtection(vms[i].Categories)
				g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionUnprotectedVM, Target: "pc-prod", Entity: vms[i].Name,
					Detail: "no protection policy and no recovery point"})
				continue
			}
			if i >= len(plantedVMs) && (categoryValue(vms[i].Categories, "Environment") == "Test" || categoryValue(vms[i].Categories, "Environment") == "Development") {
				cands = append(cands, i)
			}
		}
		g.rng.Shuffle(len(cands), func(a, b int) { cands[a], cands[b] = cands[b], cands[a] })
		extra := cands[:min(len(cands), g.c.UnprotectedCount-len(plantedUnprotectedVMs))]
		slices.Sort(extra)
		for _, i := range extra {
			vms[i].Policy = ""
			vms[i].Categories = withoutProtection(vms[i].Categories)
			g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionUnprotectedVM, Target: "pc-prod", Entity: vms[i].Name,
				Detail: "no protection policy and no recovery point"})
		}
	}
	prod.VMs = vms

	// Volume groups: data and log groups of databases, then shared ones.
	var dbs []VMSpec
	for _, v := range vms {
		if len(v.Name) > 3 && v.Name[:3] == "db-" && v.Policy == policyGold {
			dbs = append(dbs, v)
		}
	}
	for len(prod.VolumeGroups) < o.VolumeGroups {
		i := len(prod.VolumeGroups)
		var vg VolumeGroupSpec
		if i < 2*len(dbs) && i < o.VolumeGroups*3/4 {
			db := dbs[i/2]
			kind := []string{"data", "logs"}[i%2]
			base := db.Name[3:]
			vg = VolumeGroupSpec{Name: g.uniqueName("vg-%s-%02d", base+"-"+kind), Cluster: db.Cluster, Policy: policyGold,
				Description: "iSCSI " + kind + " disks of " + db.Name}
			n := g.intn(2, 4)
			for k := 0; k < n; k++ {
				vg.DisksGiB = append(vg.DisksGiB, int64(g.intn(1, 4))*256)
			}
			vg.ChangeRatePercent = round2(g.between(4, 10))
		} else {
			kind := pick(g, []string{"file-cluster", "exch-db", "k8s-pv", "sql-fci"})
			vg = VolumeGroupSpec{Name: g.uniqueName("vg-%s-%02d", kind), Cluster: pick(g, prod.Clusters).Name, Policy: policySilver,
				Description: "iSCSI volume group for " + kind}
			n := g.intn(1, 3)
			for k := 0; k < n; k++ {
				vg.DisksGiB = append(vg.DisksGiB, int64(g.intn(1, 8))*128)
			}
			vg.ChangeRatePercent = round2(g.between(2, 5))
		}
		vg.UsedPercent = round2(g.between(40, 80))
		vg.Created = AtTime(now.Add(-time.Duration(g.intn(120, 900)) * 24 * time.Hour).Truncate(time.Minute))
		prod.VolumeGroups = append(prod.VolumeGroups, vg)
	}

	// pc-dr: infrastructure VMs with a local daily policy.
	dr.ProtectionPolicies = []ProtectionPolicySpec{{
		Name: policyDRInfra, Description: "DR site infrastructure: daily at 23:00 UTC; keep 14, local only",
		RPO: Duration(24 * time.Hour), Offset: durationPtr(23 * time.Hour), Consistency: "crash", LocalRetention: 14,
		Categories: []string{policyCategory[policyDRInfra]},
	}}
	for i, n := range []string{"dr-ad-dc-01", "dr-dns-01", "dr-jump-01", "dr-mon-prom-01", "dr-witness-01"} {
		vm := VMSpec{Name: n, Cluster: dr.Clusters[i%len(dr.Clusters)].Name, Power: "on", CPUs: 2, MemoryGiB: 8,
			DisksGiB: []int64{80}, Categories: []string{"Environment/Management", "App/dr-infra"},
			Created: AtTime(now.Add(-time.Duration(300+i*17) * 24 * time.Hour).Truncate(time.Minute)), ChangeRatePercent: 1.5, UsedPercent: 45}
		vm.Policy = policyDRInfra
		vm.Categories = append(vm.Categories, policyCategory[policyDRInfra])
		dr.VMs = append(dr.VMs, vm)
	}
	g.es.PrismCentrals = []*PrismCentralSpec{prod, dr}

	if g.c.RPOBreach {
		g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionRPOBreach, Target: "pc-prod", Entity: PlantedRPOBreachVM,
			Detail: fmt.Sprintf("policy %s (RPO 4h): the last %d scheduled runs failed, so the newest recovery point is about %dh old",
				policyGold, g.c.RPOBreachFailedRuns, 4*g.c.RPOBreachFailedRuns+int(now.Sub(lastRun(4*time.Hour, 0, now)).Hours()))})
	}
	if g.c.FailingTaskStreak {
		g.streak(prod)
	}
}

func durationPtr(d time.Duration) *Duration { x := Duration(d); return &x }

func pickWeighted(g *gen, vals []string, weights []int) string {
	t := 0
	for _, w := range weights {
		t += w
	}
	x := g.rng.IntN(t)
	for i, w := range weights {
		if x < w {
			return vals[i]
		}
		x -= w
	}
	return vals[len(vals)-1]
}

func categoryValue(cats []string, key string) string {
	for _, c := range cats {
		if len(c) > len(key) && c[:len(key)] == key && c[len(key)] == '/' {
			return c[len(key)+1:]
		}
	}
	return ""
}

func withoutProtection(cats []string) []string {
	return slices.DeleteFunc(slices.Clone(cats), func(c string) bool { return categoryValue([]string{c}, "Protection") != "" })
}

func (g *gen) setPolicy(vm *VMSpec, policy string) {
	vm.Policy = policy
	vm.Categories = append(withoutProtection(vm.Categories), policyCategory[policy])
}

// vm lays out one VM of a role.
func (g *gen) vm(role vmRole, name, app, env string) VMSpec {
	now := g.o.Now
	clusters := g.o.ProdClusters
	ci := g.rng.IntN(clusters)
	if role.key == "db" && g.rng.Float64() < 0.6 {
		ci = 0
	}
	vm := VMSpec{
		Name: name, Cluster: fmt.Sprintf("prod-ahv-%02d", ci+1), Power: "on",
		CPUs: pick(g, role.cpus), MemoryGiB: pick(g, role.memGiB),
		Categories:        []string{"Environment/" + env, "App/" + app},
		Created:           AtTime(now.Add(-time.Duration(g.intn(120, 1100))*24*time.Hour - time.Duration(g.intn(0, 1439))*time.Minute)),
		ChangeRatePercent: round2(g.between(role.change[0], role.change[1])),
		UsedPercent:       round2(g.between(35, 80)),
	}
	for _, d := range role.disks {
		gib := d[0]
		if d[1] > d[0] {
			gib = d[0] + int64(g.rng.IntN(int(d[1]-d[0])/10+1))*10
		}
		vm.DisksGiB = append(vm.DisksGiB, gib)
	}
	if (env == "Test" || env == "Development") && g.rng.Float64() < 0.2 {
		vm.Power = "off"
	}
	policy := policyBronze
	switch {
	case role.key == "db" && env == "Production":
		policy = policyGold
	case role.key == "db" && env == "Staging":
		policy = policySilver
	case role.key == "k8s" && app == "prod-master":
		policy = policySilver
	case role.key == "k8s":
		policy = policyBronze
	case env == "Production":
		policy = policySilver
	case env == "Staging" && role.key != "web":
		policy = policySilver
	}
	g.setPolicy(&vm, policy)
	return vm
}

// streak plants on-demand create-recovery-point tasks that failed in a row
// after the VM's last scheduled (successful) run.
func (g *gen) streak(prod *PrismCentralSpec) {
	now, n := g.o.Now, g.c.StreakLength
	last := lastRun(24*time.Hour, 22*time.Hour, now)
	start, end := last.Add(10*time.Minute), now.Add(-10*time.Minute)
	if end.Sub(start) < time.Duration(n)*2*time.Minute {
		start, end = last.Add(time.Minute), now.Add(-time.Minute)
	}
	step := end.Sub(start) / time.Duration(n)
	cluster := ""
	for _, v := range prod.VMs {
		if v.Name == PlantedStreakVM {
			cluster = v.Cluster
		}
	}
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * step).Truncate(time.Second)
		g.es.Events = append(g.es.Events, EventSpec{
			Kind: "task", Target: "pc-prod", At: AtTime(at), Operation: OpCreateRecoveryPoint,
			Entities: []string{PlantedStreakVM}, Status: "failed", Owner: "svc-patching", Duration: Duration(2 * time.Minute),
			Error: fmt.Sprintf("Failed to create recovery point: the snapshot request for VM %s timed out on cluster %s (Stargate did not respond within 120 seconds).", PlantedStreakVM, cluster),
		})
	}
	g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionFailingTaskStreak, Target: "pc-prod", Entity: PlantedStreakVM,
		Detail: fmt.Sprintf("%d on-demand create-recovery-point tasks (owner svc-patching) failed in a row after the last scheduled run of %s", n, policySilver)})
}

// --- ONTAP layout ---

type volFamily struct {
	key     string
	weight  int
	svm     string
	pattern string
	names   []string
	size    [2]int64 // GiB
	change  [2]float64
	policy  string
	mirror  string // SnapMirror policy, "" none, "half:" prefix for half of them
	sched   string
	files   string
}

var volFamilies = []volFamily{
	{"home", 10, "svm_nas", "vol_home_%s", []string{"eng", "sales", "finance", "hr", "legal", "marketing", "ops", "it", "support", "exec", "research", "design"},
		[2]int64{200, 800}, [2]float64{0.5, 1.5}, "default", "MirrorAndVault", "hourly", "home"},
	{"share", 12, "svm_nas", "vol_share_%s", []string{"eng", "sales", "hr", "legal", "marketing", "ops", "it", "support", "exec", "research", "design", "board"},
		[2]int64{500, 4096}, [2]float64{0.3, 1}, "file-30d", "MirrorAndVault", "hourly", "share"},
	{"proj", 13, "svm_nas", "vol_proj_%s", []string{"apollo", "hermes", "zeus", "atlas", "orion", "phoenix", "titan", "nova", "vega", "lyra", "draco", "cygnus", "aquila", "hydra", "pegasus", "perseus"},
		[2]int64{100, 1024}, [2]float64{1, 2.5}, "default", "half:MirrorAllSnapshots", "hourly", "project"},
	{"db", 25, "svm_db", "vol_%s", []string{"ora_crm_data", "ora_crm_redo", "ora_hr_data", "ora_hr_redo", "sql_billing_data", "sql_billing_log", "sql_portal_data", "sql_portal_log", "pg_shop_data", "pg_shop_wal", "ora_ledger_data", "ora_ledger_redo", "sql_payroll_data", "sql_payroll_log", "pg_auth_data", "pg_auth_wal", "ora_inventory_data", "ora_inventory_redo", "sql_reports_data", "pg_search_data", "pg_analytics_data", "pg_analytics_wal", "sql_orders_data", "sql_orders_log"},
		[2]int64{200, 2048}, [2]float64{2, 4}, "gold-4h", "MirrorAllSnapshots", "hourly", "sql"},
	{"vmw", 15, "svm_vmw", "vol_vmw_ds%s", nil, [2]int64{2048, 8192}, [2]float64{1, 2.5}, "default", "Asynchronous", "hourly", "vmware"},
	{"logs", 12, "svm_nas", "vol_logs_%s", []string{"web", "app", "audit", "k8s", "siem", "firewall", "proxy", "mail", "billing", "crm", "hr", "portal"},
		[2]int64{100, 500}, [2]float64{2, 5}, "default-1weekly", "", "", "logs"},
	{"archive", 5, "svm_nas", "vol_archive_%s", []string{"2019", "2020", "2021", "2022", "2023", "2024", "2025"},
		[2]int64{1024, 10240}, [2]float64{0.05, 0.2}, "archive-weekly", "XDPDefault", "daily", "archive"},
	{"eng", 8, "svm_nas", "vol_eng_%s", []string{"build", "src", "tools", "artifacts", "ci_cache", "mirror", "docs", "releases"},
		[2]int64{200, 2048}, [2]float64{1.5, 3}, "default", "half:MirrorAllSnapshots", "hourly", "eng"},
}

func (g *gen) ontap() {
	o, now := g.o, g.o.Now
	prod := &OntapClusterSpec{
		Name: "ontap-prod", Username: "admin", Password: "Netapp1!prod", Location: "DC1 Building A, row 3",
		ManagementIP: "10.10.1.20", SVMs: []string{"svm_nas", "svm_db", "svm_vmw"},
		SnapshotPolicies: []SnapshotPolicySpec{
			{Name: "file-30d", Comment: "File shares: 12 hourly, 30 daily and 13 weekly (about 90 days).", Copies: []SnapshotCopySpec{
				{Schedule: "hourly", Count: 12, Prefix: "hourly"},
				{Schedule: "daily", Count: 30, Prefix: "daily", SnapmirrorLabel: "daily"},
				{Schedule: "weekly", Count: 13, Prefix: "weekly", SnapmirrorLabel: "weekly"},
			}},
			{Name: "archive-weekly", Comment: "Archives: 7 daily and 13 weekly.", Copies: []SnapshotCopySpec{
				{Schedule: "daily", Count: 7, Prefix: "daily", SnapmirrorLabel: "daily"},
				{Schedule: "weekly", Count: 13, Prefix: "weekly", SnapmirrorLabel: "weekly"},
			}},
		},
	}
	dr := &OntapClusterSpec{
		Name: "ontap-dr", Username: "admin", Password: "Netapp1!dr", Location: "DC2 Building C, row 1",
		ManagementIP: "10.20.1.20", SVMs: []string{"svm_nas_dr", "svm_db_dr", "svm_vmw_dr"},
	}
	type plannedVol struct {
		spec   VolumeSpec
		mirror string
		sched  string
	}
	var vols []plannedVol
	// Planted volumes first.
	for _, p := range []struct{ fam, name string }{{"share", PlantedRansomwareVol}, {"db", PlantedLagVolume}, {"logs", PlantedReserveVolume}} {
		g.used[p.name] = true
		f := familyByKey(p.fam)
		v, mirror, sched := g.volume(f, p.name)
		switch p.name {
		case PlantedRansomwareVol:
			v.Files = "finance"
			v.ChangeRatePercent = 0.6
			v.SizeGiB = 2048
			v.UsedPercent = 30
			if g.c.RansomwareSpike {
				v.Spike = &SpikeSpec{Factor: g.c.RansomwareFactor, Since: Ago(g.c.RansomwareSince.D())}
			}
		case PlantedLagVolume:
			v.Files = "oracle"
		case PlantedReserveVolume:
			if g.c.SnapshotReserveFull {
				five := 5
				v.SnapshotReservePercent = &five
				v.ReserveUsedPercent = g.c.ReserveUsedPercent
			}
		}
		vols = append(vols, plannedVol{v, mirror, sched})
	}
	total := 0
	for _, f := range volFamilies {
		total += f.weight
	}
	for len(vols) < o.Volumes {
		x := g.rng.IntN(total)
		var f volFamily
		for _, ff := range volFamilies {
			if x < ff.weight {
				f = ff
				break
			}
			x -= ff.weight
		}
		var name string
		switch {
		case f.names == nil:
			name = g.uniqueName("vol_vmw_ds%02d", "")
		default:
			name = ""
			for _, n := range f.names {
				cand := fmt.Sprintf(f.pattern, n)
				if !g.used[cand] {
					name = cand
					break
				}
			}
			if name == "" {
				name = g.uniqueName(f.pattern+"_%02d", pick(g, f.names))
			}
			g.used[name] = true
		}
		v, mirror, sched := g.volume(f, name)
		vols = append(vols, plannedVol{v, mirror, sched})
	}
	for _, pv := range vols {
		prod.Volumes = append(prod.Volumes, pv.spec)
		if pv.mirror == "" {
			continue
		}
		rel := RelationshipSpec{
			Source:      "ontap-prod:" + pv.spec.SVM + ":" + pv.spec.Name,
			Destination: pv.spec.SVM + "_dr:" + pv.spec.Name + "_dr",
			Policy:      pv.mirror, Schedule: pv.sched,
			TransferRateMiB: round2(g.between(120, 320)),
		}
		if pv.spec.Name == PlantedLagVolume && g.c.SnapmirrorLag {
			rel.Lag = Duration(time.Duration(g.c.SnapmirrorLagRatio * float64(time.Hour)))
			g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionSnapmirrorLag, Target: "ontap-dr", Entity: "svm_db_dr:" + PlantedLagVolume + "_dr",
				Detail: fmt.Sprintf("source ontap-prod svm_db:%s, hourly schedule: each transfer slower than the last, lag about %.1fx the schedule", PlantedLagVolume, g.c.SnapmirrorLagRatio)})
		}
		dr.Relationships = append(dr.Relationships, rel)
	}
	if g.c.SnapshotReserveFull {
		g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionSnapshotReserveFull, Target: "ontap-prod", Entity: "svm_nas:" + PlantedReserveVolume,
			Detail: fmt.Sprintf("%.0f%% of its 5%% snapshot reserve used", g.c.ReserveUsedPercent)})
	}
	if g.c.RansomwareSpike {
		since := now.Add(-g.c.RansomwareSince.D())
		g.es.Planted = append(g.es.Planted, PlantedCondition{Kind: ConditionRansomwareSpike, Target: "ontap-prod", Entity: "svm_nas:" + PlantedRansomwareVol,
			Detail: fmt.Sprintf("change rate %.0fx from %s: newer snapshots are that much larger and hold *.locked files; older snapshots are clean", g.c.RansomwareFactor, since.Format(time.RFC3339))})
		g.es.Events = append(g.es.Events, EventSpec{
			Kind: "ems", Target: "ontap-prod", At: AtTime(since.Add(2*time.Hour + 17*time.Minute)), Name: "callhome.arw.activity.seen", Severity: "alert",
			Message:    fmt.Sprintf("callhome.arw.activity.seen: Anti-ransomware detected abnormal activity (high-entropy writes, file renames to .locked) on volume '%s' in Vserver 'svm_nas'.", PlantedRansomwareVol),
			Parameters: map[string]string{"volume_name": PlantedRansomwareVol, "vserver_name": "svm_nas", "suspect_extension": "locked"},
		})
	}
	g.es.OntapClusters = []*OntapClusterSpec{prod, dr}
}

func familyByKey(k string) volFamily {
	for _, f := range volFamilies {
		if f.key == k {
			return f
		}
	}
	return volFamilies[0]
}

// volume lays out one volume of a family and its mirror settings.
func (g *gen) volume(f volFamily, name string) (VolumeSpec, string, string) {
	now := g.o.Now
	size := f.size[0] + int64(g.rng.IntN(int((f.size[1]-f.size[0])/64)+1))*64
	v := VolumeSpec{
		Name: name, SVM: f.svm, SizeGiB: size, UsedPercent: round2(g.between(40, 72)),
		Created:           AtTime(now.Add(-time.Duration(g.intn(150, 1200)) * 24 * time.Hour).Truncate(time.Minute)),
		SnapshotPolicy:    f.policy,
		ChangeRatePercent: round2(g.between(f.change[0], f.change[1])),
		Files:             f.files,
	}
	mirror := f.mirror
	if len(mirror) > 5 && mirror[:5] == "half:" {
		mirror = mirror[5:]
		if g.rng.IntN(2) == 0 {
			mirror = ""
		}
	}
	return v, mirror, f.sched
}

// --- schedules ---

// scheduleEpoch anchors Nutanix policy schedules: runs happen at the epoch
// plus the policy's offset plus a multiple of its RPO.
var scheduleEpoch = time.Date(2024, 1, 7, 0, 0, 0, 0, time.UTC)

// lastRun is the last run at or before t of a schedule every rpo with the
// offset.
func lastRun(rpo, offset time.Duration, t time.Time) time.Time {
	base := scheduleEpoch.Add(offset)
	d := t.Sub(base)
	k := d / rpo
	if d < 0 && d%rpo != 0 {
		k--
	}
	return base.Add(k * rpo)
}

// runsBetween lists the runs in (from, to], oldest first.
func runsBetween(rpo, offset time.Duration, from, to time.Time) []time.Time {
	var out []time.Time
	for t := lastRun(rpo, offset, to); t.After(from); t = t.Add(-rpo) {
		out = append(out, t)
	}
	slices.Reverse(out)
	return out
}
