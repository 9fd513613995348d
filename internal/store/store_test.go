package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMigrationsPerFeature(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	a1 := Migration{Feature: "a", Version: 1, SQL: `CREATE TABLE a1 (x INTEGER)`}
	a2 := Migration{Feature: "a", Version: 2, SQL: `CREATE TABLE a2 (x INTEGER)`}
	b1 := Migration{Feature: "b", Version: 1, SQL: `CREATE TABLE b1 (x INTEGER)`}
	db, err := Open(ctx, path, a1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen with more: only the new steps run (a1 again would fail).
	db, err = Open(ctx, path, a2, b1, a1)
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]int{"a": 2, "b": 1, "c": 0} {
		if v, err := db.Version(ctx, f); err != nil || v != want {
			t.Errorf("version of %s = %d, %v; want %d", f, v, err, want)
		}
	}
	db.Close()

	for _, tc := range []struct {
		name string
		ms   []Migration
		want string
	}{
		{"gap", []Migration{a1, {Feature: "a", Version: 3, SQL: "SELECT 1"}}, "numbered 1, 2, 3"},
		{"ahead of the code", []Migration{a1}, "newer than this program knows"},
		{"bad sql rolls back", []Migration{a1, a2, {Feature: "a", Version: 3, SQL: "CREATE TABLE oops ("}}, "migrate a to 3"},
		{"no feature", []Migration{{Version: 1, SQL: "SELECT 1"}}, "want a feature name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(ctx, path, tc.ms...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Version(ctx, "a"); v != 2 {
		t.Errorf("a failed migration left version %d", v)
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, ":memory:", HistoryMigrations...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var caps []CapacityRow
	var lags []LagRow
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		caps = append(caps, CapacityRow{EntityID: "v1", Time: at, UsedBytes: int64(100 + i), SizeBytes: 1000, ReserveUsed: 5, ReserveSize: 50})
		lags = append(lags, LagRow{RelationshipID: "r1", Time: at, Lag: time.Duration(i) * time.Minute})
	}
	if err := db.RecordHistory(ctx, caps, lags); err != nil {
		t.Fatal(err)
	}
	// The same sample again replaces, not duplicates.
	caps[4].UsedBytes = 999
	if err := db.RecordHistory(ctx, caps[4:], nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.CapacitySince(ctx, t0.Add(48*time.Hour))
	if err != nil || len(got) != 3 || got[2].UsedBytes != 999 || !got[0].Time.Equal(t0.Add(48*time.Hour)) || got[0].ReserveSize != 50 {
		t.Fatalf("capacity = %+v, %v", got, err)
	}
	gl, err := db.LagSince(ctx, t0)
	if err != nil || len(gl) != 5 || gl[3].Lag != 3*time.Minute {
		t.Fatalf("lag = %+v, %v", gl, err)
	}
	n, err := db.PruneHistory(ctx, t0.Add(72*time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("pruned %d, %v", n, err)
	}
}
