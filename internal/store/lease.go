package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// LeaseMigrations create the lease table: named, expiring claims that
// processes sharing the state file take and renew (the per-target write
// lock of servers sharing one file).
var LeaseMigrations = []Migration{{Feature: "lease", Version: 1, SQL: `
CREATE TABLE leases (
	name TEXT NOT NULL,     -- what is held (a target's name)
	slot INTEGER NOT NULL,  -- 0..slots-1: how many may hold name at once
	owner TEXT NOT NULL,    -- one acquisition (random), so only it renews or releases
	until_ms INTEGER NOT NULL, -- the claim lapses then unless renewed, Unix milliseconds (wall time)
	PRIMARY KEY (name, slot)
);`}}

// LeaseOptions tune Leases.
type LeaseOptions struct {
	// Slots is how many holders a name may have at once (default 1).
	Slots int
	// TTL is how long a claim lasts without renewal (default 15s): a
	// holder that dies frees the name after it. A live holder renews every
	// TTL/3.
	TTL time.Duration
	// MaxPoll bounds the wait between tries while the name is taken
	// (default 250ms; the first retry comes after 5ms and doubles).
	MaxPoll time.Duration
	Logger  *slog.Logger
}

// Leases are expiring, renewed claims on names in the store, shared by
// every process that opens the same file: Acquire waits (with its context)
// until a slot of the name is free or its holder's claim has lapsed,
// takes it in one statement (an upsert that succeeds only over a free or
// lapsed slot, so two processes never both win), renews it while held,
// and deletes it on release. A process killed while holding leaves a row
// that lapses after TTL. It is the pattern of the workflow journal's run
// leases (wf_runs.owner, lease_until), for any name.
type Leases struct {
	db *sql.DB
	o  LeaseOptions
}

// NewLeases applies the lease migration to d and returns its leases.
func NewLeases(ctx context.Context, d *DB, o LeaseOptions) (*Leases, error) {
	if err := d.Migrate(ctx, LeaseMigrations...); err != nil {
		return nil, err
	}
	if o.Slots < 1 {
		o.Slots = 1
	}
	if o.TTL <= 0 {
		o.TTL = 15 * time.Second
	}
	if o.MaxPoll <= 0 {
		o.MaxPoll = 250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Leases{db: d.SQL(), o: o}, nil
}

// TryAcquire takes a free or lapsed slot of name at once; ok is false when
// every slot is held.
func (l *Leases) TryAcquire(ctx context.Context, name string) (release func(), ok bool, err error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	owner := hex.EncodeToString(b[:])
	for slot := range l.o.Slots {
		now := time.Now()
		res, err := l.db.ExecContext(ctx, `INSERT INTO leases (name, slot, owner, until_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (name, slot) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms WHERE leases.until_ms < ?`,
			name, slot, owner, now.Add(l.o.TTL).UnixMilli(), now.UnixMilli())
		if err != nil {
			return nil, false, fmt.Errorf("lease %s: take slot %d: %w", name, slot, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return l.hold(name, slot, owner), true, nil
		}
	}
	return nil, false, nil
}

// Acquire waits for a slot of name, or for ctx to end.
func (l *Leases) Acquire(ctx context.Context, name string) (func(), error) {
	wait := 5 * time.Millisecond
	for {
		rel, ok, err := l.TryAcquire(ctx, name)
		if err != nil {
			return nil, err
		}
		if ok {
			return rel, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for another write on target %s to finish: %w", name, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, l.o.MaxPoll)
	}
}

// Busy reports whether every slot of name is held by a live claim.
func (l *Leases) Busy(ctx context.Context, name string) bool {
	var n int
	if err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM leases WHERE name = ? AND until_ms >= ?`, name, time.Now().UnixMilli()).Scan(&n); err != nil {
		return false
	}
	return n >= l.o.Slots
}

// hold renews the claim every TTL/3 until released; the release deletes
// it. A renewal that finds the claim gone (it lapsed while the store was
// unreachable and another process took it) is logged: the holder's work
// is already under way and is not interrupted half done.
func (l *Leases) hold(name string, slot int, owner string) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(l.o.TTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), l.o.TTL/3)
			res, err := l.db.ExecContext(ctx, `UPDATE leases SET until_ms = ? WHERE name = ? AND slot = ? AND owner = ?`,
				time.Now().Add(l.o.TTL).UnixMilli(), name, slot, owner)
			cancel()
			if err != nil {
				l.o.Logger.Warn("write lease not renewed", "target", name, "err", err)
				continue
			}
			if n, _ := res.RowsAffected(); n == 0 {
				l.o.Logger.Error("write lease lost: it lapsed and another process may write on the target", "target", name)
				return
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			// The caller's context may be over: the release must still land.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := l.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND slot = ? AND owner = ?`, name, slot, owner); err != nil {
				l.o.Logger.Warn("write lease not released; it lapses on its own", "target", name, "err", err)
			}
		})
	}
}
