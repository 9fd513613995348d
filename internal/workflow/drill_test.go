package workflow_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// TestDrillParams: each drill type takes its own parameters and refuses
// the others' with a message saying what to pass.
func TestDrillParams(t *testing.T) {
	ts, _, est := startSims(t)
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, nil)
	defer e.Close()
	cases := []struct{ params, want string }{
		{`{"type":"bogus","volume":"vol_finance"}`, "want volume, file, vm or dr"},
		{`{"type":"vm"}`, "type vm takes vm"},
		{`{"type":"vm","vm":"sql-prod-01","volume":"vol_finance"}`, "type vm takes vm"},
		{`{"type":"vm","vm":"sql-prod-01","vms":["web-01"]}`, "type vm takes vm"},
		{`{"type":"dr"}`, "needs the group"},
		{`{"type":"dr","volume":"vol_finance","volumes":["vol_finance"]}`, "not volume, vm or snapshot"},
		{`{"type":"volume","volume":"vol_finance","vm":"sql-prod-01"}`, "use type vm or dr"},
		{`{"type":"file","volume":"vol_finance","category":"a:b"}`, "use type vm or dr"},
		{`{"type":"dr","vms":["sql-prod-01"]}`, "nutanix_target"},
		{`{"type":"vm","vm":"no-such-vm","target":"pc-prod"}`, "no vm named"},
		{`{"type":"dr","category":"nope:nope","nutanix_target":"pc-prod"}`, "the group is empty"},
	}
	for _, c := range cases {
		_, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Params: json.RawMessage(c.params), DryRun: true, Principal: "alice"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.params, err, c.want)
		}
		if err != nil && ops.KindOf(err) == ops.KindBackend {
			t.Errorf("%s: a parameter error reported as a backend failure: %v", c.params, err)
		}
	}
}

// TestDrillPlansMarkCleanup: the dry runs of the VM and full-DR drills
// name the isolated copies, mark the steps that remove them as cleanup,
// and have no destructive step.
func TestDrillPlansMarkCleanup(t *testing.T) {
	ts, _, est := startSims(t)
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, nil)
	defer e.Close()
	cases := []struct {
		params      string
		cleanups    int
		mentionings []string
	}{
		{`{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"}`, 1, []string{"rmcp_<run>_vmdrill", "pc-dr", "tier 2", "before power-on: disconnect every NIC"}},
		{`{"type":"dr","target":"ontap-prod","volumes":["vol_finance"],"category":"Environment:Production","nutanix_target":"pc-prod"}`, 8, []string{"rmcp_<run>_dr1", "rmcp_<run>_dr8", "category Environment:Production", "pc-dr"}},
		{`{"type":"dr","tier":3,"nutanix_target":"pc-prod","nutanix_dr_target":"pc-dr"}`, 3, []string{"tier 3", "build-agent-01", "jumpbox", "test-vm-17", "before power-on: disconnect every NIC"}},
	}
	for _, c := range cases {
		r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Params: json.RawMessage(c.params), DryRun: true, Principal: "alice"})
		if err != nil {
			t.Fatalf("%s: %v", c.params, err)
		}
		cleanups := 0
		var text strings.Builder
		for _, s := range r.Plan {
			if s.Destructive {
				t.Errorf("%s: step %s is destructive", c.params, s.Name)
			}
			if s.Cleanup != strings.HasPrefix(s.Name, "cleanup") {
				t.Errorf("%s: step %s cleanup=%v", c.params, s.Name, s.Cleanup)
			}
			if s.Cleanup {
				cleanups++
			}
			text.WriteString(s.Action + " " + strings.Join(s.Entities, " ") + "\n")
		}
		if cleanups != c.cleanups {
			t.Errorf("%s: %d cleanup steps, want %d", c.params, cleanups, c.cleanups)
		}
		for _, m := range c.mentionings {
			if !strings.Contains(text.String(), m) {
				t.Errorf("%s: the plan does not mention %q:\n%s", c.params, m, text.String())
			}
		}
	}
}

// TestDRDrillReportsAFailingEntity: a VM without a replica on the DR
// site fails its assessment; the drill reports it, still tests and
// removes the other copies, and does not pass.
func TestDRDrillReportsAFailingEntity(t *testing.T) {
	ts, c, est := startSims(t)
	e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, nil)
	defer e.Close()
	r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Principal: "alice",
		Params: json.RawMessage(`{"type":"dr","target":"ontap-prod","volumes":["vol_finance"],"category":"Environment:Development","nutanix_target":"pc-prod"}`)})
	if err != nil {
		t.Fatal(err)
	}
	r = await(t, e, r.ID)
	if r.Status != workflow.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	var res workflow.DRDrillResult
	mustJSON(t, r.Result, &res)
	if res.Passed || len(res.Entities) != 2 {
		t.Fatalf("drill %+v", res)
	}
	vol, vm := res.Entities[0], res.Entities[1]
	if !vol.Passed || !vol.CleanedUp || vol.Kind != "volume" {
		t.Errorf("volume %+v", vol)
	}
	if vm.Passed || vm.Entity != "pc-prod:build-agent-01" || !strings.Contains(vm.Error, "no recovery point") {
		t.Errorf("vm %+v", vm)
	}
	if !strings.Contains(strings.Join(res.Recommendations, " "), "build-agent-01") {
		t.Errorf("recommendations %v", res.Recommendations)
	}
	if n := c.matching("pc-dr"); n != 0 {
		t.Errorf("%d changes on pc-dr for a VM with no replica", n)
	}
	if n := c.matching("ontap-dr DELETE /api/storage/volumes/"); n != 1 {
		t.Errorf("%d clone deletes, want 1", n)
	}
}

// TestVMDrillTierTarget: a VM drill's RTO target is its tier's (the
// configured analysis tier rules, else the defaults), unless the run
// names one.
func TestVMDrillTierTarget(t *testing.T) {
	cases := []struct {
		name     string
		tiers    *analysis.TierRules
		extra    string
		tier     int
		targetS  int64
		passWant bool
	}{
		{"default rules: production is tier 2", nil, "", 2, 4 * 3600, true},
		{"configured rules: sql-* is tier 1", &analysis.TierRules{DefaultTier: 3, Rules: []analysis.TierRule{{Tier: 1, Names: []string{"sql-*"}}}}, "", 1, 3600, true},
		{"the run's own target, missed", nil, `,"rto_target_s":60`, 2, 60, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _, est := startSims(t)
			// The engine's clock moves 30 s at every reading: a drill of a
			// few steps takes minutes.
			clock := &fakeNow{t: time.Now()}
			e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, func(o *workflow.Options) {
				o.Activities.Tiers = c.tiers
				o.Now = func() time.Time { clock.add(30 * time.Second); return clock.now() }
			})
			defer e.Close()
			r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Principal: "alice",
				Params: json.RawMessage(`{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"` + c.extra + `}`)})
			if err != nil {
				t.Fatal(err)
			}
			r = await(t, e, r.ID)
			var res workflow.VMDrillResult
			mustJSON(t, r.Result, &res)
			if res.Tier != c.tier || res.RTOTargetS != c.targetS || res.Passed != c.passWant {
				t.Errorf("tier %d target %d passed %v, want %d %d %v", res.Tier, res.RTOTargetS, res.Passed, c.tier, c.targetS, c.passWant)
			}
			if !c.passWant && !strings.Contains(strings.Join(res.Recommendations, " "), "exceeds tier") {
				t.Errorf("no RTO recommendation: %v", res.Recommendations)
			}
		})
	}
}

// TestVMDrillCleansUpAfterAFailure: when the clone does not boot (the
// power-on task fails) the drill fails, says why, and still deletes the
// VM it restored; when the delete itself fails the run fails too rather
// than reporting a clean drill.
func TestVMDrillCleansUpAfterAFailure(t *testing.T) {
	cases := []struct {
		name, op, want string
		leftover       bool
	}{
		{"power-on fails", fleet.OpPowerOnVM, "power on vm", false},
		{"delete fails", fleet.OpDeleteVM, "delete vm", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _, est := startSims(t)
			pc := est.PrismCentralByName("pc-dr")
			pc.Mu.Lock()
			pc.TaskFaults = append(pc.TaskFaults, fleet.NutanixTaskFault{Operation: c.op, Count: 1, Message: "Injected: host has no capacity."})
			pc.Mu.Unlock()
			e, _ := newEngine(t, filepath.Join(t.TempDir(), "s.db"), ts, est, nil)
			defer e.Close()
			r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Principal: "alice",
				Params: json.RawMessage(`{"type":"vm","target":"pc-prod","vm":"sql-prod-01","dr_target":"pc-dr"}`)})
			if err != nil {
				t.Fatal(err)
			}
			r = await(t, e, r.ID)
			if r.Status != workflow.StatusFailed || !strings.Contains(r.Error, c.want) || !strings.Contains(r.Error, "no capacity") {
				t.Fatalf("run %s: %q, want failed with %q", r.Status, r.Error, c.want)
			}
			cleanup := r.Steps[len(r.Steps)-1]
			if cleanup.Name != "cleanup" {
				t.Fatalf("last step %s, want cleanup", cleanup.Name)
			}
			left := 0
			pc.Mu.Lock()
			for _, vm := range pc.VMs {
				if strings.HasPrefix(vm.Name, "rmcp_") {
					left++
				}
			}
			pc.Mu.Unlock()
			if (left > 0) != c.leftover {
				t.Errorf("%d drill VMs left, want leftover=%v", left, c.leftover)
			}
		})
	}
}
