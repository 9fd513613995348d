package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// A run recorded by a one-shot `call`, executed by a serving process that
// shares the state file, and approved from the command line.
func TestApproveCommandDrivesARunOfAnotherProcess(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	out, err := run(t, "call", "workflow_start", "--demo", "--state-file", db, "--log-level", "error", "--json",
		"--args", `{"kind":"disaster_recovery","wait_s":1,"params":{"target":"ontap-prod","volume":"vol_erp_db","type":"planned"}}`)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var started struct{ ID, Status string }
	if err := json.Unmarshal([]byte(out), &started); err != nil || started.Status != "running" {
		t.Fatalf("start: %v %s", err, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := server.StartDemo(ctx, est, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	opts := d.DemoOptions(server.Options{})
	opts.Config.Workflows.StateFile = db
	s, err := server.New(opts) // the serving process: it takes the run over
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wait := func(want workflow.Status) *workflow.Run {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			r, err := s.Env.Workflows.Describe(ctx, started.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status == want {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s (%s), want %s", r.Status, r.Error, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait(workflow.StatusWaiting)

	out, err = run(t, "approve", started.ID, "--demo", "--state-file", db, "--comment", "CAB-4711", "--log-level", "error")
	if err != nil || !strings.Contains(out, `"status":"running"`) {
		t.Fatalf("approve: %v %s", err, out)
	}
	r := wait(workflow.StatusSucceeded)
	if len(r.Approvals) != 1 || r.Approvals[0].Principal != safety.LocalPrincipal() || r.Approvals[0].Comment != "CAB-4711" {
		t.Errorf("approvals %+v", r.Approvals)
	}
	if out, err := run(t, "approve", started.ID, "--demo", "--state-file", db, "--log-level", "error"); err == nil {
		t.Errorf("a finished run was approved again: %s", out)
	}
}
