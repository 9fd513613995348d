package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
)

// grantMigrations keep confirmation grants in the state file, so that
// servers sharing it honour a confirm token issued by any of them, once.
var grantMigrations = []store.Migration{{Feature: "confirm", Version: 1, SQL: `
CREATE TABLE confirm_grants (
	code TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	call TEXT NOT NULL,   -- digest of tool, target, arguments, principal (and session)
	effect TEXT NOT NULL, -- digest of the previewed state
	expires INTEGER NOT NULL -- Unix milliseconds
);`}}

// sqlGrants is a safety.GrantStore over the store.
type sqlGrants struct{ db *sql.DB }

func newSQLGrants(ctx context.Context, db *store.DB) (*sqlGrants, error) {
	if err := db.Migrate(ctx, grantMigrations...); err != nil {
		return nil, err
	}
	return &sqlGrants{db: db.SQL()}, nil
}

func (g *sqlGrants) Put(ctx context.Context, code string, gr safety.Grant) error {
	// Expired grants go as new ones come, so the table stays small.
	if _, err := g.db.ExecContext(ctx, `DELETE FROM confirm_grants WHERE expires < ?`, time.Now().Add(-time.Hour).UnixMilli()); err != nil {
		return fmt.Errorf("prune confirmation grants: %w", err)
	}
	if _, err := g.db.ExecContext(ctx, `INSERT INTO confirm_grants (code, kind, call, effect, expires) VALUES (?, ?, ?, ?, ?)`,
		code, gr.Kind, gr.Call, gr.Effect, gr.Expires.UnixMilli()); err != nil {
		return fmt.Errorf("store confirmation grant: %w", err)
	}
	return nil
}

func (g *sqlGrants) Get(ctx context.Context, code string) (safety.Grant, bool, error) {
	var gr safety.Grant
	var exp int64
	err := g.db.QueryRowContext(ctx, `SELECT kind, call, effect, expires FROM confirm_grants WHERE code = ?`, code).Scan(&gr.Kind, &gr.Call, &gr.Effect, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return gr, false, nil
	}
	if err != nil {
		return gr, false, fmt.Errorf("read confirmation grant: %w", err)
	}
	gr.Expires = time.UnixMilli(exp)
	return gr, true, nil
}

func (g *sqlGrants) Take(ctx context.Context, code string) (bool, error) {
	res, err := g.db.ExecContext(ctx, `DELETE FROM confirm_grants WHERE code = ?`, code)
	if err != nil {
		return false, fmt.Errorf("use confirmation grant: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
