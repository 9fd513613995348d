// Package store is the server's local state: one SQLite database file
// (modernc.org/sqlite, pure Go, pinned to v1.60.1) that every feature
// needing persistence shares.
//
// # Design decisions
//
//   - Generic core. Open(ctx, path, migrations...) opens (or creates) the
//     database and applies each feature's migrations. The store knows no
//     feature's types: a feature declares its tables as an ordered list of
//     Migration{Feature, Version, SQL} and brings its own queries over DB.SQL
//     (as the estate history in history.go does). The workflow engine adds
//     its journal the same way, with Feature "workflow", without touching
//     this file.
//   - Ordered, per-feature migrations. schema_migrations records
//     (feature, version). On Open, each feature's migrations whose version is
//     above the recorded one run in version order, each in its own
//     transaction with its record, so a crash never leaves half a migration.
//     Versions are 1, 2, 3... per feature; a gap or a repeat is an error, and
//     a database that is ahead of the code (a newer version recorded) is
//     refused rather than silently used.
//   - One writer. SQLite allows one writer at a time: the pool is capped at
//     one connection, WAL journaling lets readers of other processes proceed,
//     and busy_timeout rides out short contention. ":memory:" works for
//     tests (one connection keeps the database alive).
//   - Leases (lease.go) are the generic cross-process claim: a named,
//     slotted row taken by an upsert that succeeds only over a free or
//     lapsed slot, renewed while held, deleted on release, lapsing on its
//     own when the holder dies. The per-target write lock of servers that
//     share a state file uses them (feature "lease").
//   - Everything takes a context; errors say which feature, version or query
//     failed.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Migration is one schema step of a feature.
type Migration struct {
	// Feature names the owner ("history", "workflow", ...).
	Feature string
	// Version is 1, 2, 3... within the feature.
	Version int
	// SQL is one or more statements.
	SQL string
}

// DB is an open store.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens the database at path (created if missing; ":memory:" for a
// private in-memory one) and applies the migrations.
func Open(ctx context.Context, path string, migrations ...Migration) (*DB, error) {
	dsn := path
	if path != ":memory:" {
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(1)
	d := &DB{db: sdb, path: path}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := d.Migrate(ctx, migrations...); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// SQL returns the database for a feature's own queries.
func (d *DB) SQL() *sql.DB { return d.db }

// Path is the file the store lives in.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Migrate applies migrations not applied yet (it is safe to call again
// with more features' migrations).
func (d *DB) Migrate(ctx context.Context, migrations ...Migration) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		feature TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,
		PRIMARY KEY (feature, version))`); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	byFeature := map[string][]Migration{}
	var features []string
	for _, m := range migrations {
		if m.Feature == "" || m.Version < 1 {
			return fmt.Errorf("store: migration %q version %d: want a feature name and a version ≥ 1", m.Feature, m.Version)
		}
		if byFeature[m.Feature] == nil {
			features = append(features, m.Feature)
		}
		byFeature[m.Feature] = append(byFeature[m.Feature], m)
	}
	for _, f := range features {
		ms := byFeature[f]
		slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
		for i, m := range ms {
			if m.Version != i+1 {
				return fmt.Errorf("store: feature %s: migrations must be numbered 1, 2, 3...; found version %d at position %d", f, m.Version, i+1)
			}
		}
		var have int
		if err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE feature = ?`, f).Scan(&have); err != nil {
			return fmt.Errorf("store: read version of %s: %w", f, err)
		}
		if have > len(ms) {
			return fmt.Errorf("store: feature %s is at version %d in %s, newer than this program knows (%d); use a newer program or another file", f, have, d.path, len(ms))
		}
		for _, m := range ms[have:] {
			if err := d.apply(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *DB) apply(ctx context.Context, m Migration) (err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate %s to %d: %w", m.Feature, m.Version, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	if _, err = tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("store: migrate %s to %d: %w", m.Feature, m.Version, err)
	}
	if _, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (feature, version, applied_at) VALUES (?, ?, ?)`,
		m.Feature, m.Version, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("store: record %s version %d: %w", m.Feature, m.Version, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit %s version %d: %w", m.Feature, m.Version, err)
	}
	return nil
}

// Version returns the feature's applied schema version (0: none).
func (d *DB) Version(ctx context.Context, feature string) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE feature = ?`, feature).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: version of %s: %w", feature, err)
	}
	return v, nil
}
