package workflow_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

const workerEnv = "WORKFLOW_TEMPORAL_WORKER"

type workerSpec struct {
	Address, Namespace, TaskQueue string
	Targets                       []simTarget
	Crash                         string `json:",omitempty"`
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
	w := worker.New(c, s.TaskQueue, worker.Options{})
	(&workflow.TemporalWorker{Activities: &workflow.Activities{Targets: registry(s.Targets)}, Hook: func(p string) {
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
func temporalCLI(t *testing.T) string {
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
