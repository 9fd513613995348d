package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
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
