package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	twf "go.temporal.io/sdk/workflow"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// The per-target write lock on Temporal: the mutex pattern. Each target
// has one lock workflow ("wlock_<target>", type recovery.TargetLock). A
// writer sends it "acquire" by signal-with-start (starting it when no run
// is open), asks the "granted" query until it is let in, renews by signal
// every TTL/3 and releases by signal. The workflow grants in arrival
// order up to its slots and takes back a grant whose renewals stop for a
// TTL (a replica or worker killed mid-write), on Temporal's durable
// timer. It ends after idling a while and continues as new when its
// history grows. Every server replica with the Temporal engine and every
// `recovery-mcp worker` polls the locks task queue, so the lock works
// whichever processes are alive.

// Temporal names of the lock.
const (
	TargetLockWorkflow = "recovery.TargetLock"
	// LocksTaskQueue is the default task queue of the lock workflows.
	LocksTaskQueue = "recovery-mcp-locks"
	sigAcquire     = "acquire"
	sigRenew       = "renew"
	sigRelease     = "release"
	queryGranted   = "granted"
	queryBusy      = "busy"
	lockIdle       = 5 * time.Minute
	lockMaxHistory = 5000
)

// LockRequest asks a lock workflow for a slot.
type LockRequest struct {
	ID  string        `json:"id"`
	TTL time.Duration `json:"ttl"`
}

// LockState is a lock workflow's state, carried across continue-as-new.
type LockState struct {
	Slots   int                      `json:"slots"`
	Holders map[string]time.Time     `json:"holders,omitempty"` // request id -> lapses at
	TTLs    map[string]time.Duration `json:"ttls,omitempty"`
	Queue   []LockRequest            `json:"queue,omitempty"`
}

// TargetLock is the lock workflow.
func TargetLock(ctx twf.Context, st LockState) error {
	if st.Slots < 1 {
		st.Slots = 1
	}
	if st.Holders == nil {
		st.Holders = map[string]time.Time{}
	}
	if st.TTLs == nil {
		st.TTLs = map[string]time.Duration{}
	}
	if err := twf.SetQueryHandler(ctx, queryGranted, func(id string) (bool, error) {
		_, ok := st.Holders[id]
		return ok, nil
	}); err != nil {
		return err
	}
	if err := twf.SetQueryHandler(ctx, queryBusy, func() (bool, error) { return len(st.Holders) >= st.Slots, nil }); err != nil {
		return err
	}
	acq := twf.GetSignalChannel(ctx, sigAcquire)
	ren := twf.GetSignalChannel(ctx, sigRenew)
	rel := twf.GetSignalChannel(ctx, sigRelease)
	onAcquire := func(r LockRequest) {
		if _, held := st.Holders[r.ID]; held {
			return
		}
		for _, q := range st.Queue {
			if q.ID == r.ID {
				return
			}
		}
		st.Queue = append(st.Queue, r)
	}
	onRenew := func(id string) {
		if _, ok := st.Holders[id]; ok {
			st.Holders[id] = twf.Now(ctx).Add(st.TTLs[id])
		}
	}
	onRelease := func(id string) {
		delete(st.Holders, id)
		delete(st.TTLs, id)
		for i, q := range st.Queue {
			if q.ID == id {
				st.Queue = append(st.Queue[:i], st.Queue[i+1:]...)
				break
			}
		}
	}
	drain := func() {
		for {
			var r LockRequest
			var id string
			switch {
			case acq.ReceiveAsync(&r):
				onAcquire(r)
			case ren.ReceiveAsync(&id):
				onRenew(id)
			case rel.ReceiveAsync(&id):
				onRelease(id)
			default:
				return
			}
		}
	}
	for {
		now := twf.Now(ctx)
		for id, until := range st.Holders {
			if !until.After(now) {
				delete(st.Holders, id) // its holder stopped renewing: gone
				delete(st.TTLs, id)
			}
		}
		for len(st.Holders) < st.Slots && len(st.Queue) > 0 {
			r := st.Queue[0]
			st.Queue = st.Queue[1:]
			st.Holders[r.ID], st.TTLs[r.ID] = now.Add(r.TTL), r.TTL
		}
		idle := len(st.Holders) == 0 && len(st.Queue) == 0
		if twf.GetInfo(ctx).GetCurrentHistoryLength() > lockMaxHistory {
			drain()
			return twf.NewContinueAsNewError(ctx, TargetLockWorkflow, st)
		}
		wait := lockIdle
		for _, until := range st.Holders {
			wait = min(wait, until.Sub(now))
		}
		tctx, cancel := twf.WithCancel(ctx)
		fired := false
		sel := twf.NewSelector(ctx)
		sel.AddReceive(acq, func(c twf.ReceiveChannel, _ bool) {
			var r LockRequest
			c.Receive(ctx, &r)
			onAcquire(r)
		})
		sel.AddReceive(ren, func(c twf.ReceiveChannel, _ bool) {
			var id string
			c.Receive(ctx, &id)
			onRenew(id)
		})
		sel.AddReceive(rel, func(c twf.ReceiveChannel, _ bool) {
			var id string
			c.Receive(ctx, &id)
			onRelease(id)
		})
		sel.AddFuture(twf.NewTimer(tctx, wait), func(twf.Future) { fired = true })
		sel.Select(ctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fired && idle {
			drain()
			if len(st.Holders) == 0 && len(st.Queue) == 0 {
				return nil // idle: the next acquire starts a new run
			}
		}
	}
}

// RegisterLocks registers the lock workflow on a worker polling the locks
// task queue.
func RegisterLocks(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(TargetLock, twf.RegisterOptions{Name: TargetLockWorkflow})
}

// TemporalLocks is a safety.WriteLocker over the lock workflows, shared by
// every process connected to the cluster.
type TemporalLocks struct {
	C client.Client
	// TaskQueue of the lock workflows (default LocksTaskQueue; the server
	// uses its task queue + "-locks").
	TaskQueue string
	// Slots is how many writes a target allows at once (default 1).
	Slots int
	// TTL is how long a grant lasts without renewal (default 15s).
	TTL    time.Duration
	Logger *slog.Logger
}

var _ safety.WriteLocker = (*TemporalLocks)(nil)

func (l *TemporalLocks) ttl() time.Duration {
	if l.TTL <= 0 {
		return 15 * time.Second
	}
	return l.TTL
}

func (l *TemporalLocks) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

func lockID(target string) string { return "wlock_" + target }

// Acquire asks target's lock workflow for a slot and waits for the grant,
// or for ctx to end (then the request is withdrawn).
func (l *TemporalLocks) Acquire(ctx context.Context, target string) (func(), error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	req := LockRequest{ID: hex.EncodeToString(b[:]), TTL: l.ttl()}
	wid := lockID(target)
	queue := l.TaskQueue
	if queue == "" {
		queue = LocksTaskQueue
	}
	ask := func() error {
		_, err := l.C.SignalWithStartWorkflow(ctx, wid, sigAcquire, req,
			client.StartWorkflowOptions{ID: wid, TaskQueue: queue}, TargetLockWorkflow, LockState{Slots: max(l.Slots, 1)})
		if err != nil {
			return fmt.Errorf("ask Temporal for the write lock of %s: %w", target, err)
		}
		return nil
	}
	if err := ask(); err != nil {
		return nil, err
	}
	wait, asked := 5*time.Millisecond, time.Now()
	for {
		v, err := l.C.QueryWorkflow(ctx, wid, "", queryGranted, req.ID)
		granted := false
		if err == nil {
			_ = v.Get(&granted)
		}
		if granted {
			return l.hold(wid, req.ID), nil
		}
		if time.Since(asked) > l.ttl() {
			// The run that queued us may have ended (terminated, or an
			// operator reset it): asking again is harmless.
			if err := ask(); err != nil {
				l.logger().Warn("write lock request not renewed", "target", target, "err", err)
			}
			asked = time.Now()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			l.signal(wid, sigRelease, req.ID)
			return nil, fmt.Errorf("waiting for another write on target %s to finish: %w", target, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// Busy reports whether every slot of target is granted.
func (l *TemporalLocks) Busy(ctx context.Context, target string) bool {
	v, err := l.C.QueryWorkflow(ctx, lockID(target), "", queryBusy)
	busy := false
	if err == nil {
		_ = v.Get(&busy)
	}
	return busy
}

func (l *TemporalLocks) signal(wid, name, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.C.SignalWorkflow(ctx, wid, "", name, id); err != nil {
		l.logger().Warn("write lock signal not sent; the grant lapses on its own", "lock", wid, "signal", name, "err", err)
	}
}

// hold renews the grant every TTL/3 until released.
func (l *TemporalLocks) hold(wid, id string) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(l.ttl() / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				l.signal(wid, sigRenew, id)
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			l.signal(wid, sigRelease, id)
		})
	}
}
