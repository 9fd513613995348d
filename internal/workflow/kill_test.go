package workflow_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// The helper process: this test binary re-executed with helperEnv set runs
// an engine over the parent's simulators and the given store, optionally
// starts a run, and pauses at the crash point for the parent to kill it
// with SIGKILL.
const helperEnv = "WORKFLOW_KILL_HELPER"

type helperSpec struct {
	DB      string
	Targets []simTarget
	Kind    string          `json:",omitempty"`
	Params  json.RawMessage `json:",omitempty"`
	Crash   string          `json:",omitempty"`
}

func helperMain() int {
	var h helperSpec
	if err := json.Unmarshal([]byte(os.Getenv(helperEnv)), &h); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	ctx := context.Background()
	db, err := store.Open(ctx, h.DB)
	if err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	hook := func(point string) {
		fmt.Println("POINT", point)
		if point == h.Crash {
			fmt.Println("PAUSED")
			select {} // until SIGKILL
		}
	}
	e, err := workflow.New(ctx, workflow.Options{DB: db, Hook: hook, Tick: 20 * time.Millisecond, Lease: 300 * time.Millisecond,
		Activities: &workflow.Activities{Targets: registry(h.Targets)},
		Policies:   map[string]workflow.Policy{"disaster_recovery": {AutoApprove: true}}})
	if err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	if err := e.Resume(ctx); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	var id string
	if h.Kind != "" {
		r, err := e.Start(ctx, workflow.StartRequest{Kind: h.Kind, Params: h.Params, Principal: "test"})
		if err != nil {
			fmt.Println("ERROR", err)
			return 2
		}
		id = r.ID
	} else {
		runs, err := e.List(ctx, workflow.Filter{})
		if err != nil || len(runs) != 1 {
			fmt.Println("ERROR want one run", err)
			return 2
		}
		id = runs[0].ID
	}
	for {
		r, err := e.Describe(ctx, id)
		if err != nil {
			fmt.Println("ERROR", err)
			return 2
		}
		if r.Status.Finished() || r.Status == workflow.StatusWaiting {
			fmt.Println("DONE", r.Status, r.Error)
			return 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runHelper runs the helper to its end, or, with a crash point, until it
// pauses there and is killed with SIGKILL. It returns the points passed.
func runHelper(t *testing.T, h helperSpec) (points []string, done string) {
	t.Helper()
	spec, _ := json.Marshal(h)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(spec))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(90*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "POINT "):
			points = append(points, strings.TrimPrefix(line, "POINT "))
		case line == "PAUSED":
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(line, "DONE "):
			done = strings.TrimPrefix(line, "DONE ")
		case strings.HasPrefix(line, "ERROR"):
			t.Fatalf("helper: %s", line)
		}
	}
	err = cmd.Wait()
	if h.Crash != "" {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("helper was not killed by SIGKILL at %s: %v", h.Crash, err)
		}
	} else if err != nil {
		t.Fatalf("helper: %v", err)
	}
	return points, done
}

// TestKilledRunResumesWithoutRepeating kills a real process with SIGKILL
// before, inside and after every step of a planned failover (whose break
// is destructive) and of a volume recovery drill, restarts it, and checks
// that the run finishes and that no destructive or creating request was
// sent twice.
func TestKilledRunResumesWithoutRepeating(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	cases := []struct {
		kind   string
		params string
		check  func(t *testing.T, c *counter, ts []simTarget, est *fleet.Estate)
	}{
		{"disaster_recovery", `{"target":"ontap-prod","volume":"svm_prod:vol_finance","type":"planned"}`, func(t *testing.T, c *counter, _ []simTarget, _ *fleet.Estate) {
			if n := c.matching("ontap-dr PATCH", "state=broken_off"); n != 1 {
				t.Errorf("break sent %d times, want 1", n)
			}
			if n := c.matching("ontap-dr PATCH", "state=paused"); n != 1 {
				t.Errorf("quiesce sent %d times, want 1", n)
			}
		}},
		{"recovery_testing", `{"target":"ontap-prod","volume":"svm_prod:vol_finance"}`, func(t *testing.T, c *counter, _ []simTarget, _ *fleet.Estate) {
			if n := c.matching("ontap-prod POST /api/storage/volumes"); n != 1 {
				t.Errorf("clone create sent %d times, want 1", n)
			}
			if n := c.matching("ontap-prod DELETE /api/storage/volumes/"); n != 1 {
				t.Errorf("clone delete sent %d times, want 1", n)
			}
		}},
		{"disaster_recovery_vm", `{"target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr","type":"planned"}`, func(t *testing.T, c *counter, ts []simTarget, _ *fleet.Estate) {
			// A restore re-sent after a kill carries the journalled
			// NTNX-Request-Id: Prism Central answers with the first task.
			cl, _, err := (&workflow.Activities{Targets: registry(ts)}).Nutanix("pc-dr")
			if err != nil {
				t.Fatal(err)
			}
			vms, err := cl.ListAllVMs(context.Background(), nutanix.ListOptions{Filter: nutanix.Eq("name", "sql-prod-01-dr")})
			if err != nil || len(vms) != 1 {
				t.Errorf("%d restored VMs (%v), want 1", len(vms), err)
			}
		}},
		{"recovery_testing_vm", `{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"}`, func(t *testing.T, c *counter, _ []simTarget, est *fleet.Estate) {
			// One restore, one NIC isolation (the VM has one NIC), one
			// power-on, one delete, however often a killed step was re-sent;
			// no drill VM is left.
			checkTasks(t, est, "pc-dr", map[string]int{fleet.OpRestoreRecoveryPoint: 1, fleet.OpUpdateNIC: 1, fleet.OpPowerOnVM: 1, fleet.OpDeleteVM: 1})
			checkNoDrillVMs(t, est)
		}},
		{"recovery_testing_dr", `{"type":"dr","target":"ontap-prod","volumes":["vol_finance"],"vms":["sql-prod-01"],"nutanix_target":"pc-prod"}`, func(t *testing.T, c *counter, _ []simTarget, est *fleet.Estate) {
			if n := c.matching("ontap-dr POST /api/storage/volumes"); n != 1 {
				t.Errorf("clone create sent %d times, want 1", n)
			}
			if n := c.matching("ontap-dr DELETE /api/storage/volumes/"); n != 1 {
				t.Errorf("clone delete sent %d times, want 1", n)
			}
			checkTasks(t, est, "pc-dr", map[string]int{fleet.OpRestoreRecoveryPoint: 1, fleet.OpUpdateNIC: 1, fleet.OpPowerOnVM: 1, fleet.OpDeleteVM: 1})
			checkNoDrillVMs(t, est)
		}},
	}
	for _, tc := range cases {
		kind := strings.TrimSuffix(strings.TrimSuffix(tc.kind, "_vm"), "_dr")
		t.Run(tc.kind, func(t *testing.T) {
			ts, _, _ := startSims(t)
			points, done := runHelper(t, helperSpec{DB: filepath.Join(t.TempDir(), "state.db"), Targets: ts, Kind: kind, Params: json.RawMessage(tc.params)})
			if !strings.HasPrefix(done, "succeeded") || len(points) < 5 {
				t.Fatalf("uninterrupted run: %q after points %v", done, points)
			}
			for _, point := range points {
				t.Run(point, func(t *testing.T) {
					ts, c, est := startSims(t)
					db := filepath.Join(t.TempDir(), "state.db")
					runHelper(t, helperSpec{DB: db, Targets: ts, Kind: kind, Params: json.RawMessage(tc.params), Crash: point})
					_, done := runHelper(t, helperSpec{DB: db, Targets: ts})
					if !strings.HasPrefix(done, "succeeded") {
						t.Fatalf("after kill -9 at %s the run ended %q", point, done)
					}
					tc.check(t, c, ts, est)
				})
			}
		})
	}
}

// checkTasks counts the tasks of each operation the named Prism Central
// created (a request re-sent with its journalled NTNX-Request-Id creates
// none).
func checkTasks(t *testing.T, est *fleet.Estate, pcName string, want map[string]int) {
	t.Helper()
	pc := est.PrismCentralByName(pcName)
	pc.Mu.Lock()
	got := map[string]int{}
	for _, task := range pc.Tasks {
		got[task.Operation]++
	}
	pc.Mu.Unlock()
	for op, n := range want {
		if got[op] != n {
			t.Errorf("%s: %d %s tasks, want %d", pcName, got[op], op, n)
		}
	}
}

// checkNoDrillVMs fails when a VM the workflows named (rmcp_...) is left.
func checkNoDrillVMs(t *testing.T, est *fleet.Estate) {
	t.Helper()
	for _, pc := range est.PrismCentrals {
		pc.Mu.Lock()
		for _, vm := range pc.VMs {
			if strings.HasPrefix(vm.Name, "rmcp_") {
				t.Errorf("%s: drill VM %s left behind", pc.Name, vm.Name)
			}
		}
		pc.Mu.Unlock()
	}
}
