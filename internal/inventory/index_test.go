package inventory

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func sampleEstate() *Estate {
	return &Estate{
		AsOf: t0,
		Targets: []Target{
			{Name: "pc-prod", Kind: KindNutanix, Site: "a", Reachable: true},
			{Name: "ontap-dr", Kind: KindOntap, Site: "b", Reachable: false, Error: "dial tcp: timeout"},
		},
		Entities: []Entity{
			{Kind: EntityVM, ID: "vm-2", Name: "db01", Target: "pc-prod", Policy: "gold", Tags: []string{"app:database"}},
			{Kind: EntityVM, ID: "vm-1", Name: "web01", Target: "pc-prod"},
			{Kind: EntityVolume, ID: "vol-1", Name: "DB01", Target: "ontap-dr", Policy: "default"},
			{Kind: EntityVM, ID: "vm-1", Name: "dup", Target: "pc-prod"},
		},
		Policies: []Policy{
			{Name: "gold", RPO: Duration(time.Hour)},
			{Name: "default", Target: "ontap-dr", Schedule: Duration(time.Hour), RetentionCount: 6},
			{Name: "default", Target: "other"},
		},
		RecoveryPoints: []RecoveryPoint{
			{ID: "rp-3", EntityID: "vm-2", Created: t0.Add(-1 * time.Hour), Status: StatusComplete},
			{ID: "rp-1", EntityID: "vm-2", Created: t0.Add(-3 * time.Hour), Status: StatusComplete},
			{ID: "rp-2", EntityID: "vm-2", Created: t0.Add(-2 * time.Hour), Status: StatusInvalid},
			{ID: "rp-9", EntityID: "gone", EntityName: "old01", Created: t0.Add(-5 * time.Hour), Status: StatusComplete},
		},
		Operations: []Operation{
			{ID: "t2", EntityID: "vm-2", Target: "pc-prod", Start: t0.Add(-time.Hour), Status: OpFailed},
			{ID: "t1", EntityID: "vm-2", Target: "pc-prod", Start: t0.Add(-2 * time.Hour), Status: OpSucceeded},
		},
	}
}

func TestIndex(t *testing.T) {
	e := sampleEstate()
	ix := e.Index()
	if ix != e.Index() {
		t.Fatal("index not cached")
	}
	if got := ix.DuplicateIDs; len(got) != 1 || got[0] != "vm-1" {
		t.Errorf("DuplicateIDs = %v", got)
	}
	if en := ix.Entity("vm-1"); en == nil || en.Name != "web01" {
		t.Errorf("Entity(vm-1) = %+v", en)
	}
	if l := ix.Resolve("db01"); len(l) != 1 || l[0].ID != "vm-2" {
		t.Errorf("Resolve(db01) = %v", l)
	}
	if l := ix.Resolve("Db01"); len(l) != 2 {
		t.Errorf("Resolve(Db01) = %d entities, want 2 (ambiguous)", len(l))
	}
	if p := ix.PolicyFor(ix.Entity("vol-1")); p == nil || p.Target != "ontap-dr" {
		t.Errorf("PolicyFor(vol-1) = %+v", p)
	}
	if p := ix.PolicyFor(ix.Entity("vm-2")); p == nil || p.Name != "gold" {
		t.Errorf("PolicyFor(vm-2) = %+v", p)
	}
	if l := ix.PolicyEntities(ix.Policy("", "gold")); len(l) != 1 {
		t.Errorf("PolicyEntities(gold) = %v", l)
	}
	rps := ix.RecoveryPoints("vm-2")
	if len(rps) != 3 || rps[0].ID != "rp-1" || rps[2].ID != "rp-3" {
		t.Errorf("RecoveryPoints order wrong: %v %v %v", rps[0].ID, rps[1].ID, rps[2].ID)
	}
	if l := ix.RecoveryPointsBetween("vm-2", t0.Add(-150*time.Minute), t0.Add(-time.Hour)); len(l) != 1 || l[0].ID != "rp-2" {
		t.Errorf("RecoveryPointsBetween = %v", l)
	}
	if rp := ix.NewestRecoveryPoint("vm-2", func(rp *RecoveryPoint) bool { return rp.Usable() }); rp == nil || rp.ID != "rp-3" {
		t.Errorf("NewestRecoveryPoint = %v", rp)
	}
	if ops := ix.Operations("vm-2"); ops[0].ID != "t1" {
		t.Errorf("Operations not sorted")
	}
	if got := ix.OrphanEntityIDs(); len(got) != 1 || got[0] != "gone" {
		t.Errorf("orphans = %v", got)
	}
	if got := ix.ResolveOrphan("old01"); len(got) != 1 || got[0] != "gone" {
		t.Errorf("ResolveOrphan = %v", got)
	}
	if !e.Partial() || e.IncompleteTargets()[0] != "ontap-dr" {
		t.Errorf("partial not reported")
	}
	if !ix.Entity("vm-2").HasTag("database") || ix.Entity("vm-2").HasTag("data") {
		t.Error("HasTag")
	}
}

func TestIndexConcurrent(t *testing.T) {
	e := sampleEstate()
	var wg sync.WaitGroup
	got := make([]*Index, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = e.Index() }()
	}
	wg.Wait()
	for _, ix := range got {
		if ix != got[0] {
			t.Fatal("different indexes returned")
		}
	}
}

func TestNormalizeAndJSON(t *testing.T) {
	loc := time.FixedZone("x", 3600)
	e := &Estate{AsOf: t0.In(loc), Entities: []Entity{{ID: "a", Tags: []string{"DataBase"}}}}
	e.Normalize()
	if e.AsOf.Location() != time.UTC || e.Entities[0].Tags[0] != "database" {
		t.Fatal("not normalized")
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back Estate
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.AsOf.Equal(t0) {
		t.Fatal("round trip")
	}
}

func TestMemoComputesOncePerEstate(t *testing.T) {
	e := &Estate{}
	calls := 0
	for range 3 {
		if got := e.Memo("k", func() any { calls++; return 42 }).(int); got != 42 {
			t.Fatalf("memo gave %d", got)
		}
	}
	if calls != 1 {
		t.Fatalf("computed %d times, want 1", calls)
	}
	e.Reindex()
	e.Memo("k", func() any { calls++; return 43 })
	if calls != 2 {
		t.Errorf("Reindex kept the memo")
	}
}
