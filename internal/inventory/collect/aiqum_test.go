package collect_test

import (
	"context"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func TestCollectThroughAIQUMLinksItsEvents(t *testing.T) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1, Volumes: 30, VMs: 20, VolumeGroups: 2, HistoryDays: 20, TaskHistoryDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.StartEstate(t, est, testenv.ONTAPViaAIQUM())
	c := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	got, err := c.Collect(context.Background(), collect.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[inventory.TargetKind]int{}
	for _, tg := range got.Targets {
		kinds[tg.Kind]++
		if !tg.OK() {
			t.Errorf("target %s: %+v", tg.Name, tg)
		}
	}
	if kinds[inventory.KindOntap] != 2 || kinds[inventory.KindAIQUM] != 1 {
		t.Fatalf("targets %+v", got.Targets)
	}
	ents := map[string]*inventory.Entity{}
	for i := range got.Entities {
		ents[got.Entities[i].ID] = &got.Entities[i]
	}
	want := map[string]string{ // event name -> linked source volume
		"Mirror Replication Lag Warning":     fleet.PlantedLagVolume,
		"Volume Snapshot Reserve Space Full": fleet.PlantedReserveVolume,
		"Ransomware Activity Seen":           fleet.PlantedRansomwareVol,
	}
	if len(got.AIQUMEvents) != len(want) {
		t.Fatalf("AIQUM events %+v", got.AIQUMEvents)
	}
	for _, ev := range got.AIQUMEvents {
		en := ents[ev.EntityID]
		if en == nil || en.Name != want[ev.Name] || ev.Key == "" || ev.Target != "aiqum" || ev.Time.IsZero() {
			t.Errorf("event %s linked to %+v: %+v", ev.Name, en, ev)
		}
		if ev.ResourceType == "snap_mirror" && ev.ReplicationID == "" {
			t.Errorf("lag event not linked to its relationship: %+v", ev)
		}
	}
}
