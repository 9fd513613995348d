package analysis

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// genEstate builds a realistic estate from a fixed seed: nVM VMs on two
// Prism Centrals (24 hourly local recovery points and 6 replicas each),
// nVol volumes on two ONTAP clusters (20 local snapshots, 5 replicas, 30
// daily capacity samples, a SnapMirror relationship with lag history and
// transfers), 14 daily change samples and 10 operations per entity, with a
// few percent of unprotected entities, failures, lagging relationships,
// filling volumes and change-rate spikes.
func genEstate(nVM, nVol int, seed int64) *inventory.Estate {
	rng := rand.New(rand.NewSource(seed))
	e := &inventory.Estate{AsOf: now}
	for _, t := range []inventory.Target{
		{Name: "pc-a", Kind: inventory.KindNutanix, Site: "site-a", Reachable: true},
		{Name: "pc-b", Kind: inventory.KindNutanix, Site: "site-b", Reachable: true},
		{Name: "ontap-a", Kind: inventory.KindOntap, Site: "site-a", Reachable: true},
		{Name: "ontap-b", Kind: inventory.KindOntap, Site: "site-b", Reachable: true},
	} {
		e.Targets = append(e.Targets, t)
	}
	e.Policies = []inventory.Policy{
		{Name: "gold", RPO: d(hr), Schedule: d(hr), RetentionCount: 24, RemoteCopy: true, AppConsistent: true},
		{Name: "silver", RPO: d(4 * hr), Schedule: d(hr), RetentionCount: 24, RemoteCopy: true},
		{Name: "bronze", RPO: d(24 * hr), Schedule: d(hr), Retention: d(7 * dy)},
		{Name: "hourly", Target: "ontap-a", RPO: d(hr), Schedule: d(hr), RetentionCount: 20, RemoteCopy: true},
		{Name: "hourly", Target: "ontap-b", RPO: d(2 * hr), Schedule: d(hr), RetentionCount: 20, RemoteCopy: true},
	}
	pols := []string{"gold", "silver", "bronze"}
	tags := [][]string{nil, {"database"}, {"production"}, {"sox"}, {"hipaa", "tier1"}, {"gdpr"}}
	ops := func(id, target string, failP float64) {
		for k := range 10 {
			start := now.Add(-time.Duration(k)*6*hr - time.Duration(rng.Intn(600))*time.Second)
			st, msg := inventory.OpSucceeded, ""
			if rng.Float64() < failP {
				st, msg = inventory.OpFailed, "snapshot failed: quiesce timeout"
			}
			kind := inventory.OpSnapshot
			if k == 9 {
				kind = inventory.OpVerify
			}
			e.Operations = append(e.Operations, inventory.Operation{ID: fmt.Sprintf("%s-op-%d", id, k), Kind: kind, EntityID: id, Target: target,
				Start: start, End: start.Add(time.Duration(30+rng.Intn(300)) * time.Second), Status: st, Error: msg, Bytes: int64(rng.Intn(50)) * gb})
		}
	}
	changes := func(id string, base int64, spike bool) {
		for k := range 14 {
			b := base + int64(rng.NormFloat64()*float64(base)/10)
			if spike && k == 13 {
				b = base * 20
			}
			e.ChangeRates = append(e.ChangeRates, inventory.ChangeSample{EntityID: id, Time: now.Add(-time.Duration(13-k) * dy), Period: d(dy), Bytes: max(b, 0)})
		}
	}
	copies := func(id, name string, kind inventory.EntityKind, target, cluster, svm, drTarget, drSVM, drVol string, local, replicas int, stale bool) {
		lag := 10 * time.Minute
		if stale {
			lag = time.Duration(2+rng.Intn(5)) * hr
		}
		for k := range local {
			c := now.Add(-time.Duration(k)*hr - lag)
			rp := inventory.RecoveryPoint{ID: fmt.Sprintf("%s-rp-%d", id, k), MemberID: fmt.Sprintf("%s-m-%d", id, k), Name: "hourly." + c.Format("2006-01-02_1504"),
				EntityID: id, EntityKind: kind, EntityName: name, Location: inventory.LocationLocal, Target: target, Cluster: cluster, SVM: svm,
				Created: c, Expires: c.Add(time.Duration(local) * hr), Consistency: inventory.CrashConsistent, SizeBytes: int64(rng.Intn(4)+1) * gb,
				Status: inventory.StatusComplete, Locked: k == local-1}
			if k%6 == 0 {
				rp.Consistency = inventory.ApplicationConsistent
			}
			e.RecoveryPoints = append(e.RecoveryPoints, rp)
		}
		for k := range replicas {
			c := now.Add(-time.Duration(k)*hr - lag)
			e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: fmt.Sprintf("%s-rep-%d", id, k), MemberID: fmt.Sprintf("%s-repm-%d", id, k),
				Name: "hourly." + c.Format("2006-01-02_1504"), EntityID: id, EntityKind: kind, EntityName: name, Location: inventory.LocationReplica,
				Target: drTarget, SVM: drSVM, Volume: drVol, Created: c, Expires: c.Add(time.Duration(local) * hr),
				Consistency: inventory.CrashConsistent, SizeBytes: gb, Status: inventory.StatusComplete})
		}
	}
	for i := range nVM {
		id, name := fmt.Sprintf("vm-%05d", i), fmt.Sprintf("vm%05d", i)
		target, dr, cluster := "pc-a", "pc-b", "c-a"
		if i%2 == 1 {
			target, dr, cluster = "pc-b", "pc-a", "c-b"
		}
		pol := pols[rng.Intn(len(pols))]
		if rng.Float64() < 0.02 {
			pol = ""
		}
		used := int64(20+rng.Intn(400)) * gb
		e.Entities = append(e.Entities, inventory.Entity{Kind: inventory.EntityVM, ID: id, Name: name, Target: target, Cluster: cluster,
			Policy: pol, SizeBytes: used * 2, UsedBytes: used, Tags: tags[rng.Intn(len(tags))]})
		copies(id, name, inventory.EntityVM, target, cluster, "", dr, "", "", 24, 6, rng.Float64() < 0.02)
		ops(id, target, 0.03)
		changes(id, used/30, rng.Float64() < 0.01)
	}
	for i := range nVol {
		id, name := fmt.Sprintf("vol-%05d", i), fmt.Sprintf("vol%05d", i)
		target, dr := "ontap-a", "ontap-b"
		if i%2 == 1 {
			target, dr = "ontap-b", "ontap-a"
		}
		size := int64(500+rng.Intn(4500)) * gb
		start := 0.4 + rng.Float64()*0.4
		growth := rng.Float64() * 0.004 // of size per day
		if rng.Float64() < 0.7 {
			growth = 0
		}
		var used int64
		for k := range 30 {
			used = int64((start + growth*float64(k) + rng.NormFloat64()*0.002) * float64(size))
			e.Capacity = append(e.Capacity, inventory.CapacitySample{EntityID: id, Time: now.Add(-time.Duration(29-k) * dy),
				UsedBytes: used, SizeBytes: size, SnapshotReserveBytes: size / 20, SnapshotReserveUsedBytes: size / 20 * int64(30+k) / 100})
		}
		e.Entities = append(e.Entities, inventory.Entity{Kind: inventory.EntityVolume, ID: id, Name: name, Target: target, SVM: "svm1",
			Policy: "hourly", SizeBytes: size, UsedBytes: used, SnapshotReserveBytes: size / 20, SnapshotReserveUsedBytes: size / 20 * 59 / 100})
		copies(id, name, inventory.EntityVolume, target, "", "svm1", dr, "svm_dr", name+"_dst", 20, 5, false)
		ops(id, target, 0.03)
		changes(id, used/50, rng.Float64() < 0.01)
		rel := inventory.Replication{ID: "rel-" + id, SourceEntityID: id, SourceTarget: target, SourcePath: "svm1:" + name,
			DestinationTarget: dr, DestinationPath: "svm_dr:" + name + "_dst", State: "snapmirrored", Healthy: true,
			Lag: d(time.Duration(10+rng.Intn(50)) * time.Minute), Schedule: d(hr)}
		slope := 0.0
		if rng.Float64() < 0.03 {
			slope = 90 // seconds of lag per hour
			rel.Healthy, rel.UnhealthyReason = false, "Scheduled update was delayed"
		}
		for k := range 48 {
			rel.LagHistory = append(rel.LagHistory, inventory.LagSample{Time: now.Add(-time.Duration(47-k) * hr),
				Lag: d(time.Duration(1800+slope*float64(k)+float64(rng.Intn(600))) * time.Second)})
		}
		for k := range 5 {
			end := now.Add(-time.Duration(k) * hr)
			rel.Transfers = append(rel.Transfers, inventory.Transfer{Start: end.Add(-time.Duration(60+rng.Intn(900)) * time.Second), End: end, Bytes: int64(1+rng.Intn(20)) * gb})
		}
		rel.LastTransfer = rel.Transfers[0]
		e.Replications = append(e.Replications, rel)
	}
	return e
}

var (
	bigOnce   sync.Once
	bigEstate *inventory.Estate
)

// big is the benchmark estate: 5,000 VMs, 2,000 volumes, 200,000 recovery
// points. Built once per test binary.
func big(b *testing.B) *inventory.Estate {
	bigOnce.Do(func() {
		bigEstate = genEstate(5000, 2000, 1)
		bigEstate.Index()
	})
	if n := len(bigEstate.RecoveryPoints); n != 200000 {
		b.Fatalf("estate has %d recovery points, want 200000", n)
	}
	return bigEstate
}

func BenchmarkIndex(b *testing.B) {
	e := big(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.Reindex()
		e.Index()
	}
}

func BenchmarkHealth(b *testing.B) {
	e, r := big(b), DefaultRules()
	e.Index()
	b.ReportAllocs()
	b.ResetTimer()
	var rep HealthReport
	for b.Loop() {
		rep = Health(e, r)
	}
	b.ReportMetric(float64(len(rep.Findings)), "findings")
}

func BenchmarkPredict(b *testing.B) {
	e, r := big(b), DefaultRules()
	e.Index()
	b.ReportAllocs()
	b.ResetTimer()
	var ps []Prediction
	for b.Loop() {
		ps = Predict(e, r)
	}
	b.ReportMetric(float64(len(ps)), "predictions")
}

func BenchmarkRecommend(b *testing.B) {
	e, r := big(b), DefaultRules()
	e.Index()
	scenarios := Scenarios
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		en := &e.Entities[(i*7919)%len(e.Entities)]
		rec := Recommend(e, en.Name, time.Time{}, scenarios[i%len(scenarios)], r)
		if rec.Error != "" {
			b.Fatal(rec.Error)
		}
		i++
	}
}

func BenchmarkOptimize(b *testing.B) {
	e, r := big(b), DefaultRules()
	e.Index()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Optimize(e, r)
	}
}

func BenchmarkComply(b *testing.B) {
	e, r := big(b), DefaultRules()
	e.Index()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Comply(e, nil, Framework32110, r)
	}
}

// BenchmarkMetrics: every success metric over 30 days of the big estate,
// including the four compliance frameworks.
func BenchmarkMetrics(b *testing.B) {
	e, r := big(b), DefaultRules()
	e.Index()
	in := MetricsInput{Estate: e, Period: LastDays(asOf(e), 30), Rules: r}
	b.ReportAllocs()
	b.ResetTimer()
	var rep MetricsReport
	for b.Loop() {
		rep = Metrics(in)
	}
	if rep.Error != "" || rep.RPOEntitiesTotal == 0 {
		b.Fatalf("report: %q, %d entities", rep.Error, rep.RPOEntitiesTotal)
	}
	b.ReportMetric(float64(rep.RPOEntitiesTotal), "entities")
}
