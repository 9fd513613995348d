package workflow_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

const workerEnv = "WORKFLOW_TEMPORAL_WORKER"

type workerSpec struct {
	Address, Namespace, TaskQueue string
	Targets                       []simTarget
	Crash                         string `json:",omitempty"`
	// Hold, instead of running a worker, takes the write lock of this
	// target and holds it until the process is killed.
	Hold    string        `json:",omitempty"`
	LockTTL time.Duration `json:",omitempty"`
}

func (s workerSpec) locks(c client.Client) *workflow.TemporalLocks {
	return &workflow.TemporalLocks{C: c, TaskQueue: s.TaskQueue + "-locks", TTL: s.LockTTL}
}

// workerMain is a Temporal worker process for the end-to-end test.
func workerMain() int {
	var s workerSpec
	if err := json.Unmarshal([]byte(os.Getenv(workerEnv)), &s); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	c, err := client.Dial(client.Options{HostPort: s.Address, Namespace: s.Namespace, Logger: quietLogger()})
	if err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	if s.Hold != "" {
		if _, err := s.locks(c).Acquire(context.Background(), s.Hold); err != nil {
			fmt.Println("ERROR", err)
			return 2
		}
		fmt.Println("PAUSED") // holding: the test kills it now
		select {}
	}
	// As `recovery-mcp worker` does: the steps take the write locks kept
	// in Temporal, and the process runs the lock workflows too.
	lw := worker.New(c, s.TaskQueue+"-locks", worker.Options{})
	workflow.RegisterLocks(lw)
	if err := lw.Start(); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	w := worker.New(c, s.TaskQueue, worker.Options{})
	locks := safety.Layered{Local: safety.NewWriteLocks(1), Shared: s.locks(c)}
	(&workflow.TemporalWorker{Client: c, Activities: &workflow.Activities{Targets: registry(s.Targets), Locks: locks}, Hook: func(p string) {
		fmt.Println("POINT", p)
		if p == s.Crash {
			fmt.Println("PAUSED")
			select {}
		}
	}}).Register(w)
	if err := w.Run(nil); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	return 0
}

// temporalCLI is the temporal CLI binary (.ci/run installs it): required
// when CI is set, else the test skips without it.
func temporalCLI(t testing.TB) string {
	p := os.Getenv("TEMPORAL_CLI")
	if p == "" {
		if home, err := os.UserHomeDir(); err == nil {
			if c := home + "/.cache/recovery-mcp/temporal-v1.5.1/temporal"; fileExists(c) {
				p = c
			}
		}
	}
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but the temporal CLI is missing: .ci/run installs it (TEMPORAL_CLI)")
		}
		t.Skip("no temporal CLI (set TEMPORAL_CLI or run .ci/run)")
	}
	return p
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestTemporalDevServer runs a planned failover on a real Temporal dev
// server: started through one engine ("replica A"), its worker killed with
// SIGKILL inside a step and replaced, the run seen, approved and finished
// through a second engine ("replica B"), the break sent once; a second run
// cancelled through B; a schedule created and listed.
func TestTemporalDevServer(t *testing.T) {
	cli := temporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{ExistingPath: cli, LogLevel: "error", ClientOptions: &client.Options{Logger: quietLogger()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ts, c, est := startSims(t)
	spec := workerSpec{Address: srv.FrontendHostPort(), Namespace: "default", TaskQueue: "recovery-mcp-test", Targets: ts}
	acts := &workflow.Activities{Targets: registry(ts), Clock: est.Clock.Now}
	engine := func() *workflow.TemporalEngine {
		cl, err := client.Dial(client.Options{HostPort: spec.Address, Namespace: spec.Namespace, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return &workflow.TemporalEngine{C: cl, TaskQueue: spec.TaskQueue, Namespace: spec.Namespace, Activities: acts}
	}
	a, b := engine(), engine()

	spec.Crash = "inside:quiesce"
	first := startWorker(t, spec)
	r, err := a.Start(ctx, workflow.StartRequest{Kind: "disaster_recovery", Principal: "alice",
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_finance","type":"planned"}`)})
	if err != nil {
		t.Fatal(err)
	}
	first.waitKilled(t)
	spec.Crash = ""
	startWorker(t, spec)
	waitFor := func(e *workflow.TemporalEngine, id string, want workflow.Status) *workflow.Run {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			got, err := e.Describe(ctx, id)
			if err == nil && got.Status == want {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s: %+v %v, want %s", id, got, err, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor(b, r.ID, workflow.StatusWaiting)
	runs, err := b.List(ctx, workflow.Filter{})
	if err != nil || len(runs) != 1 || runs[0].ID != r.ID || runs[0].Kind != "disaster_recovery" {
		t.Fatalf("replica B lists %+v %v", runs, err)
	}
	if _, err := b.Decide(ctx, r.ID, "bob", true, "CAB-7"); err != nil {
		t.Fatal(err)
	}
	done := waitFor(a, r.ID, workflow.StatusSucceeded)
	if n := c.matching("state=broken_off"); n != 1 {
		t.Errorf("%d breaks, want 1", n)
	}
	if n := c.matching("state=paused"); n != 1 {
		t.Errorf("%d quiesces, want 1", n)
	}
	if a := done.Approvals[0]; a.Principal != "bob" || a.Comment != "CAB-7" {
		t.Errorf("approval %+v", a)
	}

	r2, err := a.Start(ctx, workflow.StartRequest{Kind: "disaster_recovery", Principal: "alice",
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_db_oracle","type":"planned"}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(a, r2.ID, workflow.StatusWaiting)
	if got, err := b.Cancel(ctx, r2.ID, "carol"); err != nil || got.Status != workflow.StatusCancelled {
		t.Fatalf("cancel through B: %+v %v", got, err)
	}

	if _, err := a.PutSchedule(ctx, workflow.Schedule{ID: "nightly-hr", Kind: "scheduled_backup", Every: 24 * time.Hour,
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_hr"}`)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := b.Schedules(ctx)
		if err == nil && len(s) == 1 && s[0].ID == "nightly-hr" && s[0].Kind == "scheduled_backup" && s[0].Every == 24*time.Hour {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedules %+v %v", s, err)
		}
		time.Sleep(200 * time.Millisecond) // schedule listing is eventually consistent
	}

	// Confirm tokens kept in Temporal: honoured once by either replica.
	ta := safety.NewTokens(time.Minute, nil).WithStore(&workflow.TemporalGrants{C: a.C})
	tb := safety.NewTokens(time.Minute, nil).WithStore(&workflow.TemporalGrants{C: b.C})
	bind := safety.Binding{Tool: "workflow_decide", Args: map[string]any{"id": "run_x"}, Principal: "token:p", Effect: "e"}
	for i := range 3 {
		code, _, err := ta.Issue(context.Background(), bind)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for _, tk := range []*safety.Tokens{ta, tb, tb} {
			wg.Go(func() {
				if tk.Redeem(context.Background(), code, bind) == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("round %d: a grant was honoured %d times", i, ok)
		}
		if err := ta.Redeem(context.Background(), code, bind); !errors.Is(err, safety.ErrTokenUnknown) {
			t.Errorf("a used grant: %v", err)
		}
	}
}

// TestTemporalWriteLocks: writes from two replicas (separate clients) to
// one target through the write locks kept in Temporal never overlap, as
// the simulator's jobs show; a process killed while holding the lock
// leaves a grant that lapses, and the other replica then proceeds.
func TestTemporalWriteLocks(t *testing.T) {
	cli := temporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{ExistingPath: cli, LogLevel: "error", ClientOptions: &client.Options{Logger: quietLogger()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ts, _, est := startSims(t)
	spec := workerSpec{Address: srv.FrontendHostPort(), Namespace: "default", TaskQueue: "recovery-mcp-locktest", Targets: ts, LockTTL: 2 * time.Second}
	// This process runs the lock workflows, as a server replica does.
	lw := worker.New(srv.Client(), spec.TaskQueue+"-locks", worker.Options{})
	workflow.RegisterLocks(lw)
	if err := lw.Start(); err != nil {
		t.Fatal(err)
	}
	defer lw.Stop()
	replica := func() *workflow.TemporalLocks {
		cl, err := client.Dial(client.Options{HostPort: spec.Address, Namespace: spec.Namespace, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return spec.locks(cl)
	}
	a, b := replica(), replica()
	reg := registry(ts)
	var wg sync.WaitGroup
	for i, l := range []*workflow.TemporalLocks{a, b, a, b} {
		wg.Go(func() {
			for j := range 2 {
				rel, err := l.Acquire(ctx, "ontap-prod")
				if err != nil {
					t.Error(err)
					return
				}
				cl, tname, v, err := resolveVolume(ctx, reg, "ontap-prod", "vol_hr")
				if err == nil {
					_, _, err = ops.EnsureSnapshot(ctx, cl, tname, v, ontap.SnapshotCreate{Name: fmt.Sprintf("w%d_%d", i, j)}, nil)
				}
				rel()
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	overlaps, jobs := jobOverlaps(est, "ontap-prod")
	if jobs != 8 || len(overlaps) > 0 {
		t.Errorf("%d snapshot jobs (want 8); overlapping: %v", jobs, overlaps)
	}

	spec.Hold = "ontap-prod"
	holder := startWorker(t, spec)
	holder.waitKilled(t) // SIGKILL while holding
	if !a.Busy(ctx, "ontap-prod") {
		t.Error("the killed holder's grant vanished at once; it should lapse after its TTL")
	}
	wait, cancelWait := context.WithTimeout(ctx, 60*time.Second)
	defer cancelWait()
	rel, err := a.Acquire(wait, "ontap-prod")
	if err != nil {
		t.Fatalf("the killed holder's grant never lapsed: %v", err)
	}
	rel()
}

// TestTemporalStepProgress: while a long step runs on a worker, another
// replica reading the run sees what the step is doing (the step's own
// progress messages, relayed by signal), not only its name: this is what
// workflow_start and workflow_get relay to MCP clients as progress
// notifications while they wait.
func TestTemporalStepProgress(t *testing.T) {
	cli := temporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{ExistingPath: cli, LogLevel: "error", ClientOptions: &client.Options{Logger: quietLogger()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ts, c, est := startSims(t)
	c.mu.Lock()
	c.jobPoll = 4 * time.Second // the clone step waits this long for its job
	c.mu.Unlock()
	spec := workerSpec{Address: srv.FrontendHostPort(), Namespace: "default", TaskQueue: "recovery-mcp-progress", Targets: ts}
	startWorker(t, spec)
	e := &workflow.TemporalEngine{C: srv.Client(), TaskQueue: spec.TaskQueue, Namespace: spec.Namespace,
		Activities: &workflow.Activities{Targets: registry(ts), Clock: est.Clock.Now}}
	r, err := e.Start(ctx, workflow.StartRequest{Kind: "recovery_testing", Principal: "alice", Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_hr"}`)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := client.Dial(client.Options{HostPort: spec.Address, Namespace: spec.Namespace, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	replica := &workflow.TemporalEngine{C: other, TaskQueue: spec.TaskQueue, Namespace: spec.Namespace}
	var seen []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		got, err := replica.Describe(ctx, r.ID)
		if err == nil && (len(seen) == 0 || seen[len(seen)-1] != got.Progress) {
			seen = append(seen, got.Progress)
		}
		if err == nil && got.Status.Finished() {
			if got.Status != workflow.StatusSucceeded {
				t.Fatalf("drill %s: %s", got.Status, got.Error)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("drill did not finish; progress seen %q", seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	inStep := false
	for _, p := range seen {
		inStep = inStep || strings.HasPrefix(p, "clone: job ")
	}
	if !inStep {
		t.Errorf("no in-step progress of the clone seen by the other replica: %q", seen)
	}
}

// BenchmarkTemporalLockAcquireRelease is what a write pays for the lock
// kept in Temporal when nobody else holds it: a signal-with-start, the
// granted query (polled until the lock workflow's task has run) and the
// release signal, on a local dev server.
func BenchmarkTemporalLockAcquireRelease(b *testing.B) {
	cli := temporalCLI(b)
	ctx := context.Background()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{ExistingPath: cli, LogLevel: "error", ClientOptions: &client.Options{Logger: quietLogger()}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	spec := workerSpec{TaskQueue: "recovery-mcp-bench"}
	lw := worker.New(srv.Client(), spec.TaskQueue+"-locks", worker.Options{})
	workflow.RegisterLocks(lw)
	if err := lw.Start(); err != nil {
		b.Fatal(err)
	}
	defer lw.Stop()
	l := spec.locks(srv.Client())
	for b.Loop() {
		rel, err := l.Acquire(ctx, "ontap-prod")
		if err != nil {
			b.Fatal(err)
		}
		rel()
	}
}

// resolveVolume is the ONTAP client of target and its volume named name.
func resolveVolume(ctx context.Context, reg *targets.Registry, target, name string) (*ontap.Client, string, *ontap.Volume, error) {
	tg, err := reg.Resolve(config.KindONTAP, target)
	if err != nil {
		return nil, "", nil, err
	}
	cl, err := reg.ONTAP(tg)
	if err != nil {
		return nil, "", nil, err
	}
	v, err := ops.ResolveVolume(ctx, cl, tg.Name, name, "")
	return cl, tg.Name, v, err
}

// jobOverlaps lists the snapshot jobs of cluster queued before the job
// queued before them had ended (in the simulator's time).
func jobOverlaps(est *fleet.Estate, cluster string) ([]string, int) {
	var jobs []fleet.OntapJob
	for _, c := range est.OntapClusters {
		if c.Name == cluster {
			c.Mu.Lock()
			for _, j := range c.Jobs {
				if j.Op == "snapshot.create" {
					jobs = append(jobs, *j)
				}
			}
			c.Mu.Unlock()
		}
	}
	slices.SortStableFunc(jobs, func(x, y fleet.OntapJob) int { return x.QueueTime.Compare(y.QueueTime) })
	var out []string
	for i := 1; i < len(jobs); i++ {
		if jobs[i].QueueTime.Before(jobs[i-1].EndTime) {
			out = append(out, jobs[i].Args["name"]+" during "+jobs[i-1].Args["name"])
		}
	}
	return out, len(jobs)
}

type workerProc struct {
	cmd    *exec.Cmd
	killed chan struct{}
}

func startWorker(t *testing.T, spec workerSpec) *workerProc {
	t.Helper()
	b, _ := json.Marshal(spec)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+string(b))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &workerProc{cmd: cmd, killed: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "PAUSED" {
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
			if strings.HasPrefix(sc.Text(), "ERROR") {
				t.Errorf("worker: %s", sc.Text())
			}
		}
		_ = cmd.Wait()
		close(p.killed)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.killed
	})
	return p
}

func (p *workerProc) waitKilled(t *testing.T) {
	t.Helper()
	select {
	case <-p.killed:
	case <-time.After(60 * time.Second):
		t.Fatal("the worker did not reach its crash point")
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("worker ended %v, not by SIGKILL", p.cmd.ProcessState)
	}
}
