package collect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestHistoryAcrossCollections: each collection stores its live capacity
// and lag readings, and later collections (here: a collector started
// afresh on the same store, as after a restart) see them as history.
func TestHistoryAcrossCollections(t *testing.T) {
	ctx := context.Background()
	e := testenv.Start(t)
	db, err := store.Open(ctx, t.TempDir()+"/state.db", store.HistoryMigrations...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for day := range 3 {
		at := clock.Add(time.Duration(day) * 24 * time.Hour)
		c := collect.New(e.Server.Env.Targets, func() time.Time { return at })
		c.History = db
		est, err := c.Collect(ctx, collect.Scope{})
		if err != nil || est.HistoryError != "" {
			t.Fatalf("day %d: %v %s", day, err, est.HistoryError)
		}
		if day < 2 {
			continue
		}
		// The live readings of the two earlier collections are there.
		for _, en := range est.Entities {
			if en.Kind != "volume" || en.ReplicaOf != "" {
				continue
			}
			n := 0
			for _, s := range est.Capacity {
				if s.EntityID == en.ID && (s.Time.Equal(clock) || s.Time.Equal(clock.Add(24*time.Hour))) {
					n++
				}
			}
			if n != 2 {
				t.Errorf("volume %s: %d stored readings from earlier collections, want 2", en.Name, n)
			}
		}
		lagged := 0
		for _, r := range est.Replications {
			if len(r.LagHistory) >= 2 {
				lagged++
			}
		}
		if lagged == 0 {
			t.Errorf("no replication got its lag history back")
		}
	}
}

// TestTaskHistoryCapMarksPartial: with a cap below the window's task count,
// the newest tasks are kept, the target is marked partial and says from
// when history is complete.
func TestTaskHistoryCapMarksPartial(t *testing.T) {
	sc, err := fleet.LoadScenario("../../../testdata/scenarios/analysis/04-rpo-breach.yaml")
	if err != nil {
		t.Fatal(err)
	}
	est, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.StartEstate(t, est)
	full := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	all, err := full.Collect(context.Background(), collect.Scope{Targets: []string{"pc-prod"}})
	if err != nil || all.Partial() {
		t.Fatalf("uncapped: %v %v", err, all.IncompleteTargets())
	}
	var newest time.Time
	n := 0
	for _, op := range all.Operations {
		if !strings.Contains(op.ID, "/") { // one row per task
			n++
		}
		if op.Start.After(newest) {
			newest = op.Start
		}
	}
	if n < 10 {
		t.Fatalf("only %d tasks in the small estate", n)
	}
	capped := collect.New(e.Server.Env.Targets, e.Server.Env.Clock)
	capped.MaxTasks = n / 2
	got, err := capped.Collect(context.Background(), collect.Scope{Targets: []string{"pc-prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Partial() || !strings.Contains(got.Targets[0].Error, "task history capped") {
		t.Errorf("capped history not marked partial: %+v", got.Targets)
	}
	var gotNewest time.Time
	for _, op := range got.Operations {
		if op.Start.After(gotNewest) {
			gotNewest = op.Start
		}
	}
	if !gotNewest.Equal(newest) {
		t.Errorf("newest task %s, want %s: the cap must drop the oldest", gotNewest, newest)
	}
}

// TestVMWriteStats: the collector reads each VM's daily bytes written from
// the VM stats API as an I/O change series, and the simulator's planted
// spike shows in it.
func TestVMWriteStats(t *testing.T) {
	sc, err := fleet.LoadScenario("../../../testdata/scenarios/analysis/19-nutanix-io-only.yaml")
	if err != nil {
		t.Fatal(err)
	}
	est, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.StartEstate(t, est)
	got, err := collect.New(e.Server.Env.Targets, e.Server.Env.Clock).Collect(context.Background(), collect.Scope{})
	if err != nil || got.Partial() || len(got.Targets[0].Notes) != 0 {
		t.Fatalf("collect: %v %+v", err, got.Targets)
	}
	ids := map[string]string{}
	for _, en := range got.Entities {
		ids[en.ID] = en.Name
	}
	series := map[string][]int64{}
	for _, c := range got.ChangeRates {
		if c.Source != inventory.ChangeSourceIO || c.Period.D() != 24*time.Hour {
			t.Fatalf("unexpected sample %+v", c)
		}
		series[ids[c.EntityID]] = append(series[ids[c.EntityID]], c.Bytes)
	}
	quiet, spiked := series["kiosk-02"], series["kiosk-01"]
	if len(quiet) != 30 || len(spiked) != 30 {
		t.Fatalf("daily samples: %d and %d, want 30 each", len(quiet), len(spiked))
	}
	if last, before := spiked[len(spiked)-1], spiked[len(spiked)-5]; last < 10*before {
		t.Errorf("spike not in the series: %d after, %d before", last, before)
	}
}
