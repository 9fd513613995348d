package workflow_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// BenchmarkEmbeddedScheduledBackups runs 1,000 scheduled_backup runs over
// 50 volumes of the generated estate on the embedded engine (all started
// at once, as a schedule storm would) and reports runs per second, the
// p99 latency of a step (journal to journal, simulator calls included) and
// the state file's size. Run it with -benchtime=1x.
func BenchmarkEmbeddedScheduledBackups(b *testing.B) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ts, _, _ := startEstate(b, est)
	reg := registry(ts)
	ctx := context.Background()
	t, err := reg.Resolve("ontap", "ontap-prod")
	if err != nil {
		b.Fatal(err)
	}
	cl, err := reg.ONTAP(t)
	if err != nil {
		b.Fatal(err)
	}
	vols, err := cl.ListVolumes(ctx, &ontap.ListOptions{Query: map[string]string{"type": "rw"}})
	if err != nil || len(vols) < 50 {
		b.Fatalf("%d volumes: %v", len(vols), err)
	}
	vols = vols[:50]
	const runs = 1000
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "state.db")
		e, db := newEngine(b, path, ts, est, nil)
		start := time.Now()
		ids := make([]string, 0, runs)
		for i := range runs {
			v := vols[i%len(vols)]
			p, _ := json.Marshal(map[string]any{"target": "ontap-prod", "volume": v.SVM.Name + ":" + v.Name, "label": "daily", "min_free_pct": 1})
			r, err := e.Start(ctx, workflow.StartRequest{Kind: "scheduled_backup", Params: p, Principal: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		var lat []float64
		for _, id := range ids {
			r := await(b, e, id)
			if r.Status != workflow.StatusSucceeded {
				b.Fatalf("run %s: %s %s", id, r.Status, r.Error)
			}
			for _, s := range r.Steps {
				lat = append(lat, float64(s.Ended.Sub(s.Started).Microseconds())/1000)
			}
		}
		elapsed := time.Since(start)
		e.Close()
		slices.Sort(lat)
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(path + suffix); err == nil {
				size += fi.Size()
			}
		}
		_ = db.Close()
		b.ReportMetric(float64(runs)/elapsed.Seconds(), "runs/s")
		b.ReportMetric(lat[len(lat)*99/100], "p99_step_ms")
		b.ReportMetric(float64(size)/1024, "db_KiB")
		b.Logf("%d runs (%d steps) in %s; db %d bytes", runs, len(lat), elapsed, size)
	}
}

// BenchmarkTemporalScheduledBackups is the same load on a real Temporal dev
// server (TEMPORAL_CLI, or the binary .ci/run caches) with one worker in
// this process; the state size is the dev server's SQLite file.
func BenchmarkTemporalScheduledBackups(b *testing.B) {
	cli := os.Getenv("TEMPORAL_CLI")
	if cli == "" {
		b.Skip("set TEMPORAL_CLI")
	}
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ts, _, _ := startEstate(b, est)
	reg := registry(ts)
	ctx := context.Background()
	t, _ := reg.Resolve("ontap", "ontap-prod")
	cl, err := reg.ONTAP(t)
	if err != nil {
		b.Fatal(err)
	}
	vols, err := cl.ListVolumes(ctx, &ontap.ListOptions{Query: map[string]string{"type": "rw"}})
	if err != nil || len(vols) < 50 {
		b.Fatalf("%d volumes: %v", len(vols), err)
	}
	vols = vols[:50]
	const runs = 1000
	for b.Loop() {
		dbFile := filepath.Join(b.TempDir(), "temporal.db")
		srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{ExistingPath: cli, LogLevel: "error", DBFilename: dbFile,
			ClientOptions: &client.Options{Logger: quietLogger()}})
		if err != nil {
			b.Fatal(err)
		}
		c := srv.Client()
		w := worker.New(c, "bench", worker.Options{MaxConcurrentLocalActivityExecutionSize: 64})
		acts := &workflow.Activities{Targets: reg, Clock: est.Clock.Now}
		(&workflow.TemporalWorker{Activities: acts}).Register(w)
		if err := w.Start(); err != nil {
			b.Fatal(err)
		}
		e := &workflow.TemporalEngine{C: c, TaskQueue: "bench", Namespace: "default", Activities: acts}
		start := time.Now()
		ids := make([]string, 0, runs)
		for i := range runs {
			v := vols[i%len(vols)]
			p, _ := json.Marshal(map[string]any{"target": "ontap-prod", "volume": v.SVM.Name + ":" + v.Name, "label": "daily", "min_free_pct": 1})
			r, err := e.Start(ctx, workflow.StartRequest{Kind: "scheduled_backup", Params: p, Principal: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		var lat []float64
		for _, id := range ids {
			var r workflow.Run
			if err := c.GetWorkflow(ctx, id, "").Get(ctx, &r); err != nil {
				b.Fatal(err)
			}
			if r.Status != workflow.StatusSucceeded {
				b.Fatalf("run %s: %s %s", id, r.Status, r.Error)
			}
			for _, s := range r.Steps {
				lat = append(lat, float64(s.Ended.Sub(s.Started).Microseconds())/1000)
			}
		}
		elapsed := time.Since(start)
		w.Stop()
		_ = srv.Stop()
		slices.Sort(lat)
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(dbFile + suffix); err == nil {
				size += fi.Size()
			}
		}
		b.ReportMetric(float64(runs)/elapsed.Seconds(), "runs/s")
		b.ReportMetric(lat[len(lat)*99/100], "p99_step_ms")
		b.ReportMetric(float64(size)/1024, "db_KiB")
		b.Logf("%d runs (%d steps) in %s; dev server db %d bytes", runs, len(lat), elapsed, size)
	}
}

// BenchmarkDemoDrills runs the VM drill and the full-DR drill of the README
// tour on the demo estate (seed 1) on the embedded engine: ns/op is one
// whole drill, rto_s the RTO it measured (its wall time on the
// simulators, whose task durations are simulated time).
func BenchmarkDemoDrills(b *testing.B) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ts, _, _ := startEstate(b, est)
	cases := []struct{ name, params string }{
		{"vm", `{"type":"vm","target":"pc-prod","vm":"db-erp-prod-02","dr_target":"pc-dr"}`},
		{"full_dr_erp", `{"type":"dr","target":"ontap-prod","volumes":["vol_erp_db"],"category":"App:erp","nutanix_target":"pc-prod"}`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			e, _ := newEngine(b, filepath.Join(b.TempDir(), "state.db"), ts, est, nil)
			defer e.Close()
			var rto float64
			for b.Loop() {
				r, err := e.Start(context.Background(), workflow.StartRequest{Kind: "recovery_testing", Params: json.RawMessage(c.params), Principal: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				r = await(b, e, r.ID)
				var res struct {
					Passed bool    `json:"passed"`
					RTOS   float64 `json:"rto_s"`
				}
				if err := json.Unmarshal(r.Result, &res); r.Status != workflow.StatusSucceeded || err != nil || !res.Passed {
					b.Fatalf("run %s: %s %s", r.Status, r.Error, r.Result)
				}
				rto = res.RTOS
			}
			b.ReportMetric(rto, "rto_s")
		})
	}
}
