package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv/wait"
)

// openLeases opens path as a separate process would: its own handle.
func openLeases(t testing.TB, path string, o LeaseOptions) *Leases {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := NewLeases(context.Background(), db, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Holders on two handles of one file never hold more slots of a name than
// it has, and names do not block each other.
func TestLeasesExclusiveAcrossHandles(t *testing.T) {
	for _, slots := range []int{1, 2} {
		t.Run(fmt.Sprintf("slots=%d", slots), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			o := LeaseOptions{Slots: slots, TTL: 5 * time.Second, MaxPoll: 5 * time.Millisecond}
			hs := []*Leases{openLeases(t, path, o), openLeases(t, path, o)}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var inside, most atomic.Int32
			var wg sync.WaitGroup
			for i := range 6 {
				wg.Go(func() {
					for range 5 {
						rel, err := hs[i%2].Acquire(ctx, "ontap-prod")
						if err != nil {
							t.Error(err)
							return
						}
						n := inside.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						time.Sleep(2 * time.Millisecond)
						inside.Add(-1)
						rel()
					}
				})
			}
			wg.Wait()
			if got := most.Load(); got != int32(slots) {
				t.Errorf("at most %d holders at once, want exactly %d (the slots)", got, slots)
			}
			other, ok, err := hs[1].TryAcquire(ctx, "ontap-dr")
			if err != nil || !ok {
				t.Fatalf("another name: %v %v", ok, err)
			}
			other()
		})
	}
}

// untilMS reads the expiry of name's slot 0 and its owner ("" when no
// row).
func untilMS(t *testing.T, l *Leases, name string) (int64, string) {
	t.Helper()
	var until int64
	var owner string
	err := l.db.QueryRowContext(context.Background(), `SELECT until_ms, owner FROM leases WHERE name = ? AND slot = 0`, name).Scan(&until, &owner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return until, owner
}

// A held lease is renewed past its TTL; a waiter gives up with its
// context; a released lease is free at once. Renewal is observed in the
// row (its expiry moves past the first one, same owner), not inferred
// from a waiter failing within a few TTLs: on a loaded machine a renewal
// can come late, and the test must not depend on the scheduler.
func TestLeaseRenewedWhileHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	o := LeaseOptions{TTL: 150 * time.Millisecond, MaxPoll: 10 * time.Millisecond}
	a, b := openLeases(t, path, o), openLeases(t, path, o)
	ctx := context.Background()
	rel, err := a.Acquire(ctx, "pc-1")
	if err != nil {
		t.Fatal(err)
	}
	first, owner := untilMS(t, b, "pc-1")
	if owner == "" {
		t.Fatal("no lease row after Acquire")
	}
	wait.For(t, "the lease renewed past its first expiry", func() bool {
		u, who := untilMS(t, b, "pc-1")
		if who != owner {
			t.Fatalf("the lease changed hands while held: owner %q, was %q", who, owner)
		}
		return u >= first+o.TTL.Milliseconds()
	})
	rel()
	rel() // twice is harmless
	if _, ok, err := b.TryAcquire(ctx, "pc-1"); err != nil || !ok {
		t.Fatalf("released lease not free: %v %v", ok, err)
	}

	// A TTL far longer than the test: the holder is live throughout.
	o = LeaseOptions{TTL: time.Hour, MaxPoll: 10 * time.Millisecond}
	a, b = openLeases(t, path, o), openLeases(t, path, o)
	rel, err = a.Acquire(ctx, "pc-2")
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	if !b.Busy(ctx, "pc-2") || b.Busy(ctx, "pc-3") {
		t.Fatal("busy state wrong")
	}
	wait, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(wait, "pc-2"); err == nil || !strings.Contains(err.Error(), "pc-2") {
		t.Fatalf("a held lease was taken over: %v", err)
	}
}

// A process killed with SIGKILL while it holds a lease leaves a claim that
// lapses: the other process waits, then proceeds.
func TestLeaseOfKilledHolderLapses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ttl := 400 * time.Millisecond
	l := openLeases(t, path, LeaseOptions{TTL: ttl, MaxPoll: 10 * time.Millisecond})
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LEASE_HOLDER_DB="+path, "LEASE_HOLDER_TTL="+ttl.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	held := false
	for sc.Scan() {
		if sc.Text() == "held" {
			held = true
			break
		}
	}
	if !held {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the holder process did not take the lease")
	}
	ctx := context.Background()
	// The live child renews its claim: its expiry moves past the first.
	first, owner := untilMS(t, l, "ontap-prod")
	if owner == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("no lease row for the child's claim")
	}
	wait.For(t, "the child renewed its lease", func() bool {
		u, _ := untilMS(t, l, "ontap-prod")
		return u >= first+ttl.Milliseconds()
	})
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no release runs
		t.Fatal(err)
	}
	cmd.Wait()
	// Nobody here has tried to take it yet, so the row is the child's
	// unless a release ran.
	if _, who := untilMS(t, l, "ontap-prod"); who != owner {
		t.Fatalf("the killed holder's claim vanished (owner %q, was %q)", who, owner)
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	rel, err := l.Acquire(wait, "ontap-prod")
	if err != nil {
		t.Fatalf("the killed holder's lease never lapsed: %v", err)
	}
	rel()
}

// TestMain runs the lease-holder child of TestLeaseOfKilledHolderLapses
// when asked to (LEASE_HOLDER_DB), and the tests otherwise.
func TestMain(m *testing.M) {
	if path := os.Getenv("LEASE_HOLDER_DB"); path != "" {
		os.Exit(holdLease(path, os.Getenv("LEASE_HOLDER_TTL")))
	}
	os.Exit(m.Run())
}

// holdLease takes the lease, says so on stdout, and holds it (renewing)
// until the process is killed.
func holdLease(path, ttlText string) int {
	ttl, err := time.ParseDuration(ttlText)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := NewLeases(ctx, db, LeaseOptions{TTL: ttl})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := l.Acquire(ctx, "ontap-prod"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("held")
	select {} // until SIGKILL
}

// BenchmarkLeaseAcquireRelease is the cost a write pays for the shared
// lock when nobody else holds it: one upsert and one delete, each a
// durable commit to the state file.
func BenchmarkLeaseAcquireRelease(b *testing.B) {
	l := openLeases(b, filepath.Join(b.TempDir(), "state.db"), LeaseOptions{})
	ctx := context.Background()
	for b.Loop() {
		rel, err := l.Acquire(ctx, "ontap-prod")
		if err != nil {
			b.Fatal(err)
		}
		rel()
	}
}
