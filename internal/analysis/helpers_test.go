package analysis

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	gb = int64(1) << 30
	hr = time.Hour
	dy = 24 * time.Hour
)

func d(x time.Duration) inventory.Duration { return inventory.Duration(x) }

// healthyEstate is a small estate with no problems: a Nutanix VM and an
// ONTAP volume, both protected hourly with 24 local copies, replicas on a
// second site, a locked weekly copy, a recent verification, steady change
// rates and flat capacity. Every Health check must find nothing in it.
func healthyEstate() *inventory.Estate {
	e := &inventory.Estate{
		AsOf: now,
		Targets: []inventory.Target{
			{Name: "pc-prod", Kind: inventory.KindNutanix, Site: "site-a", Reachable: true},
			{Name: "pc-dr", Kind: inventory.KindNutanix, Site: "site-b", Reachable: true},
			{Name: "ontap-prod", Kind: inventory.KindOntap, Site: "site-a", Reachable: true},
			{Name: "ontap-dr", Kind: inventory.KindOntap, Site: "site-b", Reachable: true},
		},
		Policies: []inventory.Policy{
			{Name: "gold", RPO: d(hr), Schedule: d(hr), RetentionCount: 24, RemoteCopy: true, RemoteTarget: "pc-dr"},
			{Name: "hourly", Target: "ontap-prod", RPO: d(hr), Schedule: d(hr), RetentionCount: 24, RemoteCopy: true, RemoteTarget: "ontap-dr"},
		},
		Entities: []inventory.Entity{
			{Kind: inventory.EntityVM, ID: "vm-db01", Name: "db01", Target: "pc-prod", Cluster: "c1", Policy: "gold",
				SizeBytes: 200 * gb, UsedBytes: 150 * gb, Tags: []string{"database"}},
			{Kind: inventory.EntityVolume, ID: "vol-1", Name: "vol1", Target: "ontap-prod", SVM: "svm1", Policy: "hourly",
				SizeBytes: 1000 * gb, UsedBytes: 500 * gb, SnapshotReserveBytes: 100 * gb, SnapshotReserveUsedBytes: 40 * gb},
			{Kind: inventory.EntityVolume, ID: "vol-1-dst", Name: "vol1_dst", Target: "ontap-dr", SVM: "svm_dr", ReplicaOf: "vol-1",
				SizeBytes: 1000 * gb, UsedBytes: 500 * gb},
		},
		Replications: []inventory.Replication{{
			ID: "rel-1", SourceEntityID: "vol-1", SourceTarget: "ontap-prod", SourcePath: "svm1:vol1",
			DestinationTarget: "ontap-dr", DestinationEntityID: "vol-1-dst", DestinationPath: "svm_dr:vol1_dst",
			State: "snapmirrored", Healthy: true, Lag: d(40 * time.Minute), Schedule: d(hr),
		}},
	}
	addCopies(e, "vm-db01", "db01", inventory.EntityVM, "pc-prod", "c1", "", "", "pc-dr", "c2", "", "")
	addCopies(e, "vol-1", "vol1", inventory.EntityVolume, "ontap-prod", "", "svm1", "", "ontap-dr", "", "svm_dr", "vol1_dst")
	for _, id := range []string{"vm-db01", "vol-1"} {
		target := "pc-prod"
		if id == "vol-1" {
			target = "ontap-prod"
		}
		for k := range 24 {
			start := now.Add(-time.Duration(k)*hr - 10*time.Minute)
			e.Operations = append(e.Operations, inventory.Operation{ID: fmt.Sprintf("%s-snap-%02d", id, k), Kind: inventory.OpSnapshot,
				EntityID: id, Target: target, Start: start, End: start.Add(time.Minute), Status: inventory.OpSucceeded})
		}
		e.Operations = append(e.Operations, inventory.Operation{ID: id + "-verify", Kind: inventory.OpVerify, EntityID: id, Target: target,
			Start: now.Add(-10 * dy), End: now.Add(-10*dy + 20*time.Minute), Status: inventory.OpSucceeded})
		for k := range 20 {
			e.ChangeRates = append(e.ChangeRates, inventory.ChangeSample{EntityID: id, Time: now.Add(-time.Duration(19-k) * dy),
				Period: d(dy), Bytes: 20*gb + int64(k%3)*gb})
		}
	}
	for k := range 30 {
		e.Capacity = append(e.Capacity, inventory.CapacitySample{EntityID: "vol-1", Time: now.Add(-time.Duration(29-k) * dy),
			UsedBytes: 500 * gb, SizeBytes: 1000 * gb, SnapshotReserveUsedBytes: 40 * gb, SnapshotReserveBytes: 100 * gb})
	}
	return e
}

// addCopies adds 24 hourly local copies (newest 10 minutes old, kept 24h),
// 6 hourly replicas on the DR target, and a locked weekly copy 4 days old.
func addCopies(e *inventory.Estate, id, name string, kind inventory.EntityKind, target, cluster, svm, _ string, drTarget, drCluster, drSVM, drVol string) {
	base := inventory.RecoveryPoint{EntityID: id, EntityKind: kind, EntityName: name, Status: inventory.StatusComplete,
		Consistency: inventory.CrashConsistent, SizeBytes: gb}
	for k := range 24 {
		rp := base
		rp.Created = now.Add(-time.Duration(k)*hr - 10*time.Minute)
		rp.Expires = rp.Created.Add(24 * hr)
		rp.ID, rp.Name = fmt.Sprintf("%s-rp-%02d", id, k), fmt.Sprintf("hourly.%s", rp.Created.Format("2006-01-02_1504"))
		if kind == inventory.EntityVM {
			rp.MemberID = fmt.Sprintf("%s-vmrp-%02d", id, k)
		}
		rp.Location, rp.Target, rp.Cluster, rp.SVM = inventory.LocationLocal, target, cluster, svm
		e.RecoveryPoints = append(e.RecoveryPoints, rp)
	}
	for k := range 6 {
		rp := base
		rp.Created = now.Add(-time.Duration(k)*hr - 10*time.Minute)
		rp.Expires = rp.Created.Add(24 * hr)
		rp.ID, rp.Name = fmt.Sprintf("%s-replica-%02d", id, k), fmt.Sprintf("hourly.%s", rp.Created.Format("2006-01-02_1504"))
		if kind == inventory.EntityVM {
			rp.MemberID = fmt.Sprintf("%s-replica-vmrp-%02d", id, k)
		}
		rp.Location, rp.Target, rp.Cluster, rp.SVM, rp.Volume = inventory.LocationReplica, drTarget, drCluster, drSVM, drVol
		e.RecoveryPoints = append(e.RecoveryPoints, rp)
	}
	rp := base
	rp.Created = now.Add(-4 * dy)
	rp.Expires = rp.Created.Add(30 * dy)
	rp.ID, rp.Name = id+"-weekly", "weekly."+rp.Created.Format("2006-01-02_1504")
	if kind == inventory.EntityVM {
		rp.MemberID = id + "-weekly-vmrp"
	}
	rp.Location, rp.Target, rp.Cluster, rp.SVM = inventory.LocationLocal, target, cluster, svm
	rp.Locked = true
	e.RecoveryPoints = append(e.RecoveryPoints, rp)
}

// dropRecoveryPoints removes the entity's copies created after cut.
func dropRecoveryPoints(e *inventory.Estate, id string, cut time.Time) {
	e.RecoveryPoints = slices.DeleteFunc(e.RecoveryPoints, func(rp inventory.RecoveryPoint) bool {
		return rp.EntityID == id && rp.Created.After(cut)
	})
}

func entity(e *inventory.Estate, id string) *inventory.Entity {
	for i := range e.Entities {
		if e.Entities[i].ID == id {
			return &e.Entities[i]
		}
	}
	panic("no entity " + id)
}

func policy(e *inventory.Estate, name string) *inventory.Policy {
	for i := range e.Policies {
		if e.Policies[i].Name == name {
			return &e.Policies[i]
		}
	}
	panic("no policy " + name)
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// brief is the comparable essence of a finding/prediction/suggestion.
type brief struct{ check, sev, name string }

func (b brief) String() string { return b.check + "/" + b.sev + "/" + b.name }

func findingBriefs(fs []Finding) []brief {
	out := []brief{}
	for _, f := range fs {
		out = append(out, brief{f.Check, string(f.Severity), f.Entity.Name})
	}
	return out
}

func predictionBriefs(ps []Prediction) []brief {
	out := []brief{}
	for _, p := range ps {
		out = append(out, brief{p.Kind, string(p.Severity), p.Entity.Name})
	}
	return out
}

func sameBriefs(t *testing.T, got, want []brief) {
	t.Helper()
	if want == nil {
		want = []brief{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
