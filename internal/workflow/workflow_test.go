package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

func TestWorkflowsRunOnTheSimulators(t *testing.T) {
	hookOut := filepath.Join(t.TempDir(), "dns.json")
	cases := []struct {
		name, kind, params string
		wantSteps          []string
		check              func(t *testing.T, r *workflow.Run, c *counter)
	}{
		{"backup ontap replicated", "scheduled_backup", `{"target":"ontap-prod","volume":"vol_finance","label":"daily","replicate":true}`,
			[]string{"prevalidate", "snapshot", "verify", "replicate", "notify"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.BackupResult
				mustJSON(t, r.Result, &res)
				if !strings.HasPrefix(res.Copy, "rmcp_") || res.CopyID == "" || !res.Replicated || res.Notified.Status != "not_configured" {
					t.Errorf("result %+v", res)
				}
				if n := c.matching("ontap-dr POST", "/transfers"); n != 1 {
					t.Errorf("%d transfers, want 1", n)
				}
			}},
		{"backup nutanix vm", "scheduled_backup", `{"target":"pc-prod","vm":"web-01"}`,
			[]string{"prevalidate", "recovery_point", "notify"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.BackupResult
				mustJSON(t, r.Result, &res)
				if res.CopyID == "" {
					t.Errorf("no recovery point: %+v", res)
				}
				if r.Steps[1].IdemKey == "" {
					t.Error("the recovery point step has no request id")
				}
			}},
		{"volume drill", "recovery_testing", `{"target":"ontap-prod","volume":"vol_finance","sample":3}`,
			[]string{"select", "clone", "verify", "cleanup", "report"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.DrillResult
				mustJSON(t, r.Result, &res)
				if !res.CleanedUp || res.Verified == 0 || res.Verified != len(res.Evidence) || res.RTOTargetS != 1800 {
					t.Errorf("drill %+v", res)
				}
			}},
		{"dr test on a clone", "disaster_recovery", `{"target":"ontap-prod","volume":"vol_finance","type":"test"}`,
			[]string{"assess", "clone", "validate", "cleanup", "notify"}, func(t *testing.T, r *workflow.Run, c *counter) {
				if n := c.matching("PATCH", "state="); n != 0 {
					t.Errorf("a test failover changed %d relationships", n)
				}
			}},
		{"dr planned with hooks", "disaster_recovery", `{"target":"ontap-prod","volume":"vol_db_oracle","type":"planned","hooks":["dns","app_restart"]}`,
			[]string{"assess", "final_update", "quiesce", "break", "validate", "hook_dns", "hook_app_restart", "notify"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.DRResult
				mustJSON(t, r.Result, &res)
				if res.Hooks[0].Status != "ok" || res.Hooks[1].Status != "not_configured" {
					t.Errorf("hooks %+v", res.Hooks)
				}
				b, err := os.ReadFile(hookOut)
				if err != nil || !strings.Contains(string(b), `"vol_db_oracle_dr"`) && !strings.Contains(string(b), "vol_db_oracle_dr") {
					t.Errorf("dns hook input %q %v", b, err)
				}
			}},
		{"dr planned of a vm", "disaster_recovery", `{"target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr","type":"planned"}`,
			[]string{"assess", "restore", "validate", "notify"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.VMFailover
				mustJSON(t, r.Result, &res)
				if res.RestoredVM == "" || res.Replica == "" || res.RPOAtRiskS < 0 {
					t.Errorf("failover %+v", res)
				}
				if n := c.matching("pc-dr POST", "$actions/restore"); n != 1 {
					t.Errorf("%d restores on the DR Prism Central", n)
				}
			}},
		{"vm drill from the dr replica", "recovery_testing", `{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"}`,
			[]string{"select", "restore", "isolate", "boot", "verify", "cleanup", "report"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.VMDrillResult
				mustJSON(t, r.Result, &res)
				if !res.Passed || !res.CleanedUp || !res.PoweredOnByDrill || res.PowerState != "ON" || res.RestoredOn != "pc-dr" || res.Tier == 0 || res.RTOTargetS == 0 || res.RPOS < 0 {
					t.Errorf("vm drill %+v", res)
				}
				for what, n := range map[string]int{"restore": c.matching("pc-dr POST", "$actions/restore"), "power-on": c.matching("pc-dr POST", "$actions/power-on"),
					"delete": c.matching("pc-dr DELETE", "/ahv/config/vms/"), "prod changes": c.matching("pc-prod")} {
					if want := map[bool]int{true: 0, false: 1}[what == "prod changes"]; n != want {
						t.Errorf("%s sent %d times, want %d", what, n, want)
					}
				}
				if r.Steps[1].IdemKey == "" || r.Steps[1].IdemKey == r.Steps[2].IdemKey || r.Steps[2].IdemKey == r.Steps[3].IdemKey {
					t.Errorf("restore, isolate and boot need their own request ids: %q %q %q", r.Steps[1].IdemKey, r.Steps[2].IdemKey, r.Steps[3].IdemKey)
				}
				if n := c.matching("pc-dr PUT", "/nics/"); n != 1 || res.Isolation.Mode != "disconnected" {
					t.Errorf("%d NIC updates, isolation %+v", n, res.Isolation)
				}
			}},
		{"vm drill on the primary", "recovery_testing", `{"type":"vm","target":"pc-prod","vm":"sql-prod-01"}`,
			[]string{"select", "restore", "isolate", "boot", "verify", "cleanup", "report"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.VMDrillResult
				mustJSON(t, r.Result, &res)
				if res.RestoredOn != "pc-prod" || !res.CleanedUp || !strings.Contains(strings.Join(res.Recommendations, " "), "dr_target") {
					t.Errorf("vm drill %+v", res)
				}
				if n := c.matching("pc-dr"); n != 0 {
					t.Errorf("%d changes on pc-dr", n)
				}
			}},
		{"dr test of a vm", "disaster_recovery", `{"target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr","type":"test"}`,
			[]string{"assess", "restore", "isolate", "boot", "validate", "cleanup", "notify"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.VMFailover
				mustJSON(t, r.Result, &res)
				if !res.CleanedUp || res.PowerState != "ON" || res.RestoredVM == "" || res.Isolation == nil || len(res.Isolation.NICs) != 1 || res.Isolation.NICs[0].Action != "disconnected" {
					t.Errorf("vm test %+v", res)
				}
				if n := c.matching("pc-dr DELETE", "/ahv/config/vms/"); n != 1 {
					t.Errorf("%d deletes, want 1", n)
				}
			}},
		{"full dr drill", "recovery_testing", `{"type":"dr","target":"ontap-prod","volumes":["vol_finance","svm_prod:vol_db_oracle"],"vms":["sql-prod-01"],"nutanix_target":"pc-prod"}`,
			[]string{"select", "assess:svm_prod:vol_finance", "clone:svm_prod:vol_finance", "validate:svm_prod:vol_finance",
				"assess:svm_prod:vol_db_oracle", "clone:svm_prod:vol_db_oracle", "validate:svm_prod:vol_db_oracle",
				"assess:sql-prod-01", "restore:sql-prod-01", "isolate:sql-prod-01", "boot:sql-prod-01", "validate:sql-prod-01",
				"cleanup:svm_prod:vol_finance", "cleanup:svm_prod:vol_db_oracle", "cleanup:sql-prod-01", "report"}, func(t *testing.T, r *workflow.Run, c *counter) {
				var res workflow.DRDrillResult
				mustJSON(t, r.Result, &res)
				if !res.Passed || !res.CleanedUp || len(res.Entities) != 3 || res.RTOS <= 0 || res.RTOTargetS != 1800 {
					t.Errorf("dr drill %+v", res)
				}
				for _, e := range res.Entities {
					if !e.Passed || !e.CleanedUp || e.Validation == "" || e.Source == "" || e.TestCopy == "" || e.RTOS <= 0 || e.RTOS > res.RTOS {
						t.Errorf("entity %+v", e)
					}
				}
				if n := c.matching("ontap-dr POST /api/storage/volumes"); n != 2 {
					t.Errorf("%d clones on ontap-dr, want 2", n)
				}
				if n := c.matching("ontap-dr DELETE /api/storage/volumes/"); n != 2 {
					t.Errorf("%d clone deletes on ontap-dr, want 2", n)
				}
				if n := c.matching("PATCH") + c.matching("ontap-prod") + c.matching("pc-prod"); n != 0 {
					t.Errorf("the drill sent %d changes to production or relationships", n)
				}
			}},
		{"data recovery clone", "data_recovery", `{"target":"ontap-prod","volume":"vol_finance","option":"clone","snapshot":"SNAP"}`,
			[]string{"preflight", "clone", "verify"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, c, est := startSims(t)
			e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
				o.Policies = map[string]workflow.Policy{"disaster_recovery": {AutoApprove: true}}
				o.Activities.Hooks = map[string]workflow.Hook{"dns": {Command: []string{"sh", "-c", "cat > " + hookOut}}}
			})
			defer e.Close()
			params := tc.params
			if strings.Contains(params, "SNAP") {
				params = strings.Replace(params, "SNAP", anySnapshot(t, e), 1)
			}
			ctx := context.Background()
			before := c.matching("")
			plan, err := e.Start(ctx, workflow.StartRequest{Kind: tc.kind, Params: json.RawMessage(params), DryRun: true, Principal: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Status != workflow.StatusPlanned || len(plan.Steps) != 0 {
				t.Fatalf("dry run %s with %d steps", plan.Status, len(plan.Steps))
			}
			var planned []string
			for _, s := range plan.Plan {
				planned = append(planned, s.Name)
			}
			if strings.Join(planned, ",") != strings.Join(tc.wantSteps, ",") {
				t.Errorf("plan %v, want %v", planned, tc.wantSteps)
			}
			if n := c.matching("") - before; n != 0 {
				t.Fatalf("the dry run sent %d change requests", n)
			}
			r, err := e.Start(ctx, workflow.StartRequest{Kind: tc.kind, Params: json.RawMessage(params), Principal: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			r = await(t, e, r.ID)
			if r.Status != workflow.StatusSucceeded {
				t.Fatalf("run %s: %s", r.Status, r.Error)
			}
			var ran []string
			for _, s := range r.Steps {
				ran = append(ran, s.Name)
				if s.Attempts != 1 || s.Status != "done" {
					t.Errorf("step %s: %d attempts, %s", s.Name, s.Attempts, s.Status)
				}
			}
			if strings.Join(ran, ",") != strings.Join(tc.wantSteps, ",") {
				t.Errorf("steps %v, want %v", ran, tc.wantSteps)
			}
			if tc.check != nil {
				tc.check(t, r, c)
			}
		})
	}
}

// anySnapshot takes a snapshot of vol_finance with a scheduled backup and
// returns its name.
func anySnapshot(t *testing.T, e *workflow.Engine) string {
	t.Helper()
	r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "scheduled_backup", Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_finance"}`)})
	if err != nil {
		t.Fatal(err)
	}
	r = await(t, e, r.ID)
	var res workflow.BackupResult
	mustJSON(t, r.Result, &res)
	return res.Copy
}

func mustJSON(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
}

func TestDestructiveStepWaitsForApproval(t *testing.T) {
	planned := json.RawMessage(`{"target":"ontap-prod","volume":"vol_finance","type":"planned"}`)
	cases := []struct {
		name     string
		decide   func(t *testing.T, e *workflow.Engine, id string, clock *fakeNow)
		want     workflow.Status
		breaks   int
		approver string
	}{
		{"approved by an approver", func(t *testing.T, e *workflow.Engine, id string, _ *fakeNow) {
			if _, err := e.Decide(context.Background(), id, "mallory", true, ""); !errors.Is(err, workflow.ErrForbidden) {
				t.Errorf("a principal without the role approved: %v", err)
			}
			if _, err := e.Decide(context.Background(), id, "bob", true, "change 4711"); err != nil {
				t.Fatal(err)
			}
		}, workflow.StatusSucceeded, 1, "bob"},
		{"rejected", func(t *testing.T, e *workflow.Engine, id string, _ *fakeNow) {
			if _, err := e.Decide(context.Background(), id, "bob", false, "not now"); err != nil {
				t.Fatal(err)
			}
		}, workflow.StatusRejected, 0, "bob"},
		{"timed out", func(t *testing.T, e *workflow.Engine, id string, clock *fakeNow) {
			clock.add(2 * time.Hour)
		}, workflow.StatusRejected, 0, "policy:timeout"},
		{"cancelled", func(t *testing.T, e *workflow.Engine, id string, _ *fakeNow) {
			if _, err := e.Cancel(context.Background(), id, "alice"); err != nil {
				t.Fatal(err)
			}
		}, workflow.StatusCancelled, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, c, est := startSims(t)
			clock := &fakeNow{t: time.Now()}
			var audit []safety.Record
			var mu sync.Mutex
			e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
				o.Now = clock.now
				o.HasRole = func(p, role string) bool { return p == "bob" && role == "approve" }
				o.Audit = func(r safety.Record) { mu.Lock(); audit = append(audit, r); mu.Unlock() }
			})
			defer e.Close()
			r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "disaster_recovery", Params: planned, Principal: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			r = await(t, e, r.ID)
			if r.Status != workflow.StatusWaiting || r.Waiting == nil || r.Waiting.Step != "break" || r.Waiting.ApproverRole != "approve" {
				t.Fatalf("run %s waiting %+v, want waiting on break", r.Status, r.Waiting)
			}
			if n := c.matching("state=broken_off"); n != 0 {
				t.Fatal("broke before approval")
			}
			tc.decide(t, e, r.ID, clock)
			deadline := time.Now().Add(30 * time.Second)
			for r.Status != tc.want && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
				r, _ = e.Describe(context.Background(), r.ID)
			}
			if r.Status != tc.want {
				t.Fatalf("run %s (%s), want %s", r.Status, r.Error, tc.want)
			}
			if n := c.matching("state=broken_off"); n != tc.breaks {
				t.Errorf("%d breaks, want %d", n, tc.breaks)
			}
			if tc.approver != "" {
				if len(r.Approvals) != 1 || r.Approvals[0].Principal != tc.approver || r.Approvals[0].Step != "break" {
					t.Errorf("approvals %+v", r.Approvals)
				}
				mu.Lock()
				found := false
				for _, a := range audit {
					found = found || (a.Principal == tc.approver && strings.HasSuffix(a.Tool, "/break"))
				}
				mu.Unlock()
				if !found {
					t.Errorf("no audit record of %s deciding the break: %+v", tc.approver, audit)
				}
			}
		})
	}
}

type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func TestSchedulesStartRunsOncePerInterval(t *testing.T) {
	ts, _, est := startSims(t)
	clock := &fakeNow{t: time.Now()}
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) { o.Now = clock.now })
	defer e.Close()
	ctx := context.Background()
	if _, err := e.PutSchedule(ctx, workflow.Schedule{ID: "nightly-finance", Kind: "scheduled_backup", Every: 24 * time.Hour,
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_finance"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PutSchedule(ctx, workflow.Schedule{ID: "bad", Kind: "scheduled_backup", Every: time.Hour,
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"nope"}`)}); err == nil {
		t.Error("a schedule of a missing volume was accepted")
	}
	clock.add(73 * time.Hour) // three intervals missed while down: one run
	deadline := time.Now().Add(10 * time.Second)
	var runs []workflow.Run
	for time.Now().Before(deadline) {
		runs, _ = e.List(ctx, workflow.Filter{Kind: "scheduled_backup"})
		if len(runs) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	runs, _ = e.List(ctx, workflow.Filter{Kind: "scheduled_backup"})
	if len(runs) != 1 || runs[0].Schedule != "nightly-finance" {
		t.Fatalf("runs %+v, want one of the schedule", runs)
	}
	if r := await(t, e, runs[0].ID); r.Status != workflow.StatusSucceeded {
		t.Fatalf("scheduled run %s: %s", r.Status, r.Error)
	}
	s, _ := e.Schedules(ctx)
	if len(s) != 1 || !s[0].Next.After(clock.now()) || s[0].LastRun != runs[0].ID {
		t.Errorf("schedule %+v", s)
	}
}

// TestTwoEnginesShareOneStore: a run started by one engine is visible to,
// and approved through, a second (passive, as the CLI runs it), and the
// first executes it after the decision; a break is sent once.
func TestTwoEnginesShareOneStore(t *testing.T) {
	ts, c, est := startSims(t)
	path := filepath.Join(t.TempDir(), "s.db")
	a, _ := newEngine(t, path, ts, est, nil)
	defer a.Close()
	b, _ := newEngine(t, path, ts, est, func(o *workflow.Options) { o.Passive = true })
	defer b.Close()
	ctx := context.Background()
	r, err := a.Start(ctx, workflow.StartRequest{Kind: "disaster_recovery", Principal: "alice",
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_finance","type":"planned"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if r = await(t, a, r.ID); r.Status != workflow.StatusWaiting {
		t.Fatalf("run %s", r.Status)
	}
	seen, err := b.Describe(ctx, r.ID)
	if err != nil || seen.Status != workflow.StatusWaiting {
		t.Fatalf("the second engine sees %v, %v", seen, err)
	}
	if _, err := b.Decide(ctx, r.ID, "bob", true, "from the CLI"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for r.Status != workflow.StatusSucceeded && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		r, _ = a.Describe(ctx, r.ID)
	}
	if r.Status != workflow.StatusSucceeded || r.Approvals[0].Principal != "bob" {
		t.Fatalf("run %s (%s), approvals %+v", r.Status, r.Error, r.Approvals)
	}
	if n := c.matching("state=broken_off"); n != 1 {
		t.Errorf("%d breaks", n)
	}
	// A cancel through the second engine ends a waiting run of the first.
	r2, err := a.Start(ctx, workflow.StartRequest{Kind: "disaster_recovery", Principal: "alice",
		Params: json.RawMessage(`{"target":"ontap-prod","volume":"vol_db_oracle","type":"planned"}`)})
	if err != nil {
		t.Fatal(err)
	}
	await(t, a, r2.ID)
	if r2, err = b.Cancel(ctx, r2.ID, "carol"); err != nil || r2.Status != workflow.StatusCancelled {
		t.Fatalf("cancel: %v %v", r2, err)
	}
	if _, err := a.Decide(ctx, r2.ID, "bob", true, ""); !errors.Is(err, workflow.ErrNotWaiting) {
		t.Errorf("a cancelled run was approved: %v", err)
	}
}

// Retention: the second daily backup with keep=1 deletes the first one's
// snapshot, after approval (the policy auto-approves here); a run with
// nothing to prune asks nobody.
func TestBackupRetention(t *testing.T) {
	ts, c, est := startSims(t)
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
		o.Policies = map[string]workflow.Policy{"scheduled_backup": {AutoApprove: true}}
	})
	defer e.Close()
	ctx := context.Background()
	params := json.RawMessage(`{"target":"ontap-prod","volume":"vol_hr","label":"daily","keep":1}`)
	var copies []string
	for i := range 2 {
		r, err := e.Start(ctx, workflow.StartRequest{Kind: "scheduled_backup", Params: params})
		if err != nil {
			t.Fatal(err)
		}
		r = await(t, e, r.ID)
		if r.Status != workflow.StatusSucceeded {
			t.Fatalf("run %d: %s %s", i, r.Status, r.Error)
		}
		var res workflow.BackupResult
		mustJSON(t, r.Result, &res)
		copies = append(copies, res.Copy)
		switch i {
		case 0:
			if len(res.Pruned) != 0 || len(r.Approvals) != 0 {
				t.Errorf("first run pruned %v, approvals %v", res.Pruned, r.Approvals)
			}
		case 1:
			if len(res.Pruned) != 1 || res.Pruned[0] != copies[0] || r.Approvals[0].Step != "retention" {
				t.Errorf("second run pruned %v (want %s), approvals %+v", res.Pruned, copies[0], r.Approvals)
			}
		}
	}
	if n := c.matching("ontap-prod DELETE", "/snapshots/"); n != 1 {
		t.Errorf("%d snapshot deletes, want 1", n)
	}
}
