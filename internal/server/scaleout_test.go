package server

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Two servers, each with its own memory, write to one simulated ONTAP
// cluster at once: tool calls on both and a workflow run on one. With a
// shared state file, the simulator's jobs prove that no write overlapped
// another (each job was queued only after the one before had ended);
// with separate state files (the in-process lock only) they overlap,
// which shows the check can fail.
func TestWritesSerialisedAcrossServersSharingAStateFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared bool
	}{{"shared state file", true}, {"separate state files", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			est := fleet.Small(fleet.DefaultNow)
			d, err := StartDemo(ctx, est, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			// A slow job poll holds each write open a while, so that
			// unserialised writes of two servers surely meet.
			d.Injector.Set(fault.Rule{Method: "GET", Path: "/api/cluster/jobs/*", Latency: 40 * time.Millisecond})
			dir := t.TempDir()
			server := func(i int) *Server {
				cfg := *d.Config
				cfg.Source = "test"
				cfg.Workflows.StateFile = filepath.Join(dir, "state.db")
				if !tc.shared {
					cfg.Workflows.StateFile = filepath.Join(dir, fmt.Sprintf("state-%d.db", i))
				}
				o := d.DemoOptions(Options{})
				o.Config = &cfg
				s, err := New(o)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			a, b := connect(t, server(0)), connect(t, server(1))
			var wg sync.WaitGroup
			for i, c := range []*client.Client{a, b, a, b} {
				wg.Go(func() {
					for j := range 3 {
						res := callTool(t, c, "ontap_create_snapshot", map[string]any{"target": "ontap-prod", "volume": "vol_hr", "name": fmt.Sprintf("s%d_%d", i, j)})
						if res.IsError {
							t.Errorf("snapshot: %s", text(res))
						}
					}
				})
			}
			wg.Go(func() {
				res := callTool(t, a, "workflow_start", map[string]any{"kind": "scheduled_backup", "wait_s": 60,
					"params": map[string]any{"target": "ontap-prod", "volume": "vol_hr", "label": "daily"}})
				if m := structuredMap(t, res); res.IsError || m["status"] != "succeeded" {
					t.Errorf("backup run: %s", text(res))
				}
			})
			wg.Wait()
			overlaps, jobs := jobOverlaps(est, "ontap-prod")
			if jobs < 13 {
				t.Fatalf("%d snapshot jobs, want 13 (12 calls and the run's snapshot)", jobs)
			}
			if tc.shared && len(overlaps) > 0 {
				t.Errorf("writes overlapped on one target across servers: %v", overlaps)
			}
			if !tc.shared && len(overlaps) == 0 {
				t.Errorf("servers with separate state files never overlapped: the check would not see an overlap")
			}
		})
	}
}

// jobOverlaps lists the snapshot jobs of cluster that were queued before
// the job queued before them had ended (in the simulator's time).
func jobOverlaps(est *fleet.Estate, cluster string) ([]string, int) {
	var jobs []fleet.OntapJob
	for _, c := range est.OntapClusters {
		if c.Name != cluster {
			continue
		}
		c.Mu.Lock()
		for _, j := range c.Jobs {
			if j.Op == "snapshot.create" {
				jobs = append(jobs, *j)
			}
		}
		c.Mu.Unlock()
	}
	slices.SortStableFunc(jobs, func(x, y fleet.OntapJob) int { return x.QueueTime.Compare(y.QueueTime) })
	var out []string
	for i := 1; i < len(jobs); i++ {
		if jobs[i].QueueTime.Before(jobs[i-1].EndTime) {
			out = append(out, fmt.Sprintf("%s queued %s before %s ended", jobs[i].Args["name"], jobs[i-1].EndTime.Sub(jobs[i].QueueTime).Round(time.Millisecond), jobs[i-1].Args["name"]))
		}
	}
	return out, len(jobs)
}
