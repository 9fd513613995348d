package store

import (
	"context"
	"fmt"
	"time"
)

// Estate history: the capacity and replication lag samples the Day-2
// predictions need (days to full, lag trends), written on every
// collection. The arrays do not keep this history themselves (ONTAP REST
// has no past volume sizes), so without it a server restarted today could
// not say when a volume fills.

// HistoryFeature is the estate history's migration feature name.
const HistoryFeature = "history"

// HistoryMigrations create the estate history tables.
var HistoryMigrations = []Migration{
	{Feature: HistoryFeature, Version: 1, SQL: `
CREATE TABLE capacity_samples (
	entity_id TEXT NOT NULL,
	at INTEGER NOT NULL, -- Unix seconds
	used_bytes INTEGER NOT NULL,
	size_bytes INTEGER NOT NULL,
	reserve_used_bytes INTEGER NOT NULL DEFAULT 0,
	reserve_bytes INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (entity_id, at)
);
CREATE TABLE lag_samples (
	relationship_id TEXT NOT NULL,
	at INTEGER NOT NULL,
	lag_seconds INTEGER NOT NULL,
	PRIMARY KEY (relationship_id, at)
);`},
}

// CapacityRow is a volume's space use at a time.
type CapacityRow struct {
	EntityID                 string
	Time                     time.Time
	UsedBytes, SizeBytes     int64
	ReserveUsed, ReserveSize int64
}

// LagRow is a replication relationship's lag at a time.
type LagRow struct {
	RelationshipID string
	Time           time.Time
	Lag            time.Duration
}

// RecordHistory stores samples (a sample already stored for the same
// entity and second is replaced) in one transaction.
func (d *DB) RecordHistory(ctx context.Context, caps []CapacityRow, lags []LagRow) (err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record history: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	cs, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO capacity_samples (entity_id, at, used_bytes, size_bytes, reserve_used_bytes, reserve_bytes) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("store: record capacity: %w", err)
	}
	defer cs.Close()
	for _, c := range caps {
		if _, err = cs.ExecContext(ctx, c.EntityID, c.Time.Unix(), c.UsedBytes, c.SizeBytes, c.ReserveUsed, c.ReserveSize); err != nil {
			return fmt.Errorf("store: record capacity of %s: %w", c.EntityID, err)
		}
	}
	ls, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO lag_samples (relationship_id, at, lag_seconds) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("store: record lag: %w", err)
	}
	defer ls.Close()
	for _, l := range lags {
		if _, err = ls.ExecContext(ctx, l.RelationshipID, l.Time.Unix(), int64(l.Lag/time.Second)); err != nil {
			return fmt.Errorf("store: record lag of %s: %w", l.RelationshipID, err)
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: record history: %w", err)
	}
	return nil
}

// CapacitySince returns every capacity sample taken at or after since,
// by entity then time.
func (d *DB) CapacitySince(ctx context.Context, since time.Time) ([]CapacityRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT entity_id, at, used_bytes, size_bytes, reserve_used_bytes, reserve_bytes
		FROM capacity_samples WHERE at >= ? ORDER BY entity_id, at`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: read capacity history: %w", err)
	}
	defer rows.Close()
	var out []CapacityRow
	for rows.Next() {
		var c CapacityRow
		var at int64
		if err := rows.Scan(&c.EntityID, &at, &c.UsedBytes, &c.SizeBytes, &c.ReserveUsed, &c.ReserveSize); err != nil {
			return nil, fmt.Errorf("store: read capacity history: %w", err)
		}
		c.Time = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read capacity history: %w", err)
	}
	return out, nil
}

// LagSince returns every lag sample taken at or after since, by
// relationship then time.
func (d *DB) LagSince(ctx context.Context, since time.Time) ([]LagRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT relationship_id, at, lag_seconds FROM lag_samples WHERE at >= ? ORDER BY relationship_id, at`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: read lag history: %w", err)
	}
	defer rows.Close()
	var out []LagRow
	for rows.Next() {
		var l LagRow
		var at, lag int64
		if err := rows.Scan(&l.RelationshipID, &at, &lag); err != nil {
			return nil, fmt.Errorf("store: read lag history: %w", err)
		}
		l.Time, l.Lag = time.Unix(at, 0).UTC(), time.Duration(lag)*time.Second
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read lag history: %w", err)
	}
	return out, nil
}

// PruneHistory deletes samples older than before; it returns how many.
func (d *DB) PruneHistory(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	for _, q := range []string{`DELETE FROM capacity_samples WHERE at < ?`, `DELETE FROM lag_samples WHERE at < ?`} {
		res, err := d.db.ExecContext(ctx, q, before.Unix())
		if err != nil {
			return n, fmt.Errorf("store: prune history: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}
