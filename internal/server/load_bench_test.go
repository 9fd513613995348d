package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// BenchmarkLoadDemo50x200 is the load test: 50 MCP sessions over
// streamable HTTP (one bearer token, as one chat-ops bot would use) each
// make 200 mixed calls against the demo estate (`serve --demo`: the
// generated estate, simulators over HTTPS in the same process): listings
// on both vendors, the analysis tools (which share one collection per
// scope) and 1 in 50 a snapshot create (a write, which invalidates the
// collection). It reports errors (protocol errors and isError results),
// latency percentiles, peak heap and peak RSS of the whole process
// (server and simulators). Goal: 0 errors, p99 <= 2 s, RSS <= 300 MB.
//
//	go test -run x -bench LoadDemo -benchtime 1x ./internal/server
func BenchmarkLoadDemo50x200(b *testing.B) {
	sessions, calls := 50, 200
	if v, err := strconv.Atoi(os.Getenv("LOAD_CALLS")); err == nil {
		calls = v // a shorter run, e.g. while profiling
	}
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := StartDemo(ctx, est, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	s, err := New(d.DemoOptions(Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv, lln := s.newHTTPServer(HTTPOptions{Transport: "http", AuthToken: testToken}, ln)
	go func() { _ = srv.Serve(lln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String() + "/mcp"

	mix := loadMix(b, ctx, base)
	var peakHeap, peakRSS atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakHeap.Store(max(peakHeap.Load(), m.HeapInuse))
			peakRSS.Store(max(peakRSS.Load(), rss("VmRSS")))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	var lat []time.Duration
	byTool := map[string][]time.Duration{}
	var errs atomic.Int64
	var firstErrs sync.Map
	for b.Loop() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl, err := dial(ctx, base)
				if err != nil {
					errs.Add(int64(calls))
					firstErrs.LoadOrStore("connect", err.Error())
					return
				}
				defer cl.Close()
				mine := make([]time.Duration, 0, calls)
				names := make([]string, 0, calls)
				for j := range calls {
					name, args := mix(i, j)
					req := mcp.CallToolRequest{}
					req.Params.Name, req.Params.Arguments = name, args
					cctx, ccancel := context.WithTimeout(ctx, 60*time.Second)
					t0 := time.Now()
					res, err := cl.CallTool(cctx, req)
					mine = append(mine, time.Since(t0))
					names = append(names, name)
					ccancel()
					switch {
					case err != nil:
						errs.Add(1)
						firstErrs.LoadOrStore(name, err.Error())
					case res.IsError:
						errs.Add(1)
						firstErrs.LoadOrStore(name, text(res))
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				for k, n := range names {
					byTool[n] = append(byTool[n], mine[k])
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	close(stop)
	<-sampled
	firstErrs.Range(func(k, v any) bool {
		b.Logf("error from %s: %.300s", k, v)
		return true
	})
	slices.Sort(lat)
	// Where the tail is: each tool's p99 and max (on stderr: go test cuts a
	// benchmark's log after 10 lines).
	for _, name := range slices.Sorted(maps.Keys(byTool)) {
		d := byTool[name]
		slices.Sort(d)
		fmt.Fprintf(os.Stderr, "%-34s calls %5d  p50 %6d ms  p99 %6d ms  max %6d ms\n", name, len(d),
			d[len(d)/2].Milliseconds(), d[min(len(d)-1, len(d)*99/100)].Milliseconds(), d[len(d)-1].Milliseconds())
	}
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Milliseconds())
	}
	b.ReportMetric(float64(errs.Load()), "errors")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1)-0, "max-ms")
	b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(max(peakRSS.Load(), rss("VmHWM")))/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(s.Env.Collector.Collections()), "collections")
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "calls/s")
	// CPU per call (server, simulators and clients together) tells the
	// work from the wait when the machine is shared.
	b.ReportMetric(float64(cpu.Milliseconds())/float64(max(1, len(lat))), "cpu-ms/call")
}

func dial(ctx context.Context, base string) (*client.Client, error) {
	cl, err := client.NewStreamableHttpClient(base, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		return nil, err
	}
	if err := cl.Start(ctx); err != nil {
		return nil, err
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "load", Version: "1"}
	if _, err := cl.Initialize(ctx, init); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// loadMix reads the estate's names once and returns the call a session
// makes at each step.
func loadMix(b *testing.B, ctx context.Context, base string) func(session, step int) (string, map[string]any) {
	cl, err := dial(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	items := func(name string, args map[string]any) []map[string]any {
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := cl.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %s", name, err, text(res))
		}
		raw, _ := json.Marshal(res.StructuredContent)
		var out struct {
			Items []map[string]any `json:"items"`
		}
		_ = json.Unmarshal(raw, &out)
		return out.Items
	}
	var pcs, ontaps []string
	for _, t := range items("list_targets", nil) {
		switch t["kind"] {
		case "nutanix":
			pcs = append(pcs, t["name"].(string))
		case "ontap":
			ontaps = append(ontaps, t["name"].(string))
		}
	}
	type vol struct{ target, name, svm string }
	var vols []vol
	for _, t := range ontaps {
		for _, v := range items("ontap_list_volumes", map[string]any{"target": t, "limit": 20}) {
			if v["type"] == "dp" || v["snapmirror_destination"] == true {
				continue
			}
			vols = append(vols, vol{t, v["name"].(string), fmt.Sprint(v["svm"])})
		}
	}
	var vms []string
	for _, t := range pcs {
		for _, v := range items("nutanix_list_vms", map[string]any{"target": t, "limit": 10}) {
			vms = append(vms, v["name"].(string))
		}
	}
	if len(pcs) == 0 || len(ontaps) == 0 || len(vols) == 0 || len(vms) == 0 {
		b.Fatalf("demo estate: %d PCs, %d ONTAP clusters, %d volumes, %d VMs", len(pcs), len(ontaps), len(vols), len(vms))
	}
	var seq atomic.Int64
	writeSlot := 0
	if os.Getenv("LOAD_NO_WRITES") != "" {
		writeSlot = -1 // reads only, to tell collection cost from the rest
	}
	return func(i, j int) (string, map[string]any) {
		pc, ot := pcs[(i+j)%len(pcs)], ontaps[(i+j)%len(ontaps)]
		v := vols[(i*7+j)%len(vols)]
		switch (i + j) % 50 {
		case writeSlot:
			return "ontap_create_snapshot", map[string]any{"target": v.target, "volume": v.name, "svm": v.svm, "name": "load." + strconv.FormatInt(seq.Add(1), 10)}
		case 1, 2, 3, 4:
			return "backup_health", nil
		case 5, 6:
			return "find_unprotected", nil
		case 7, 8:
			return "predict_backup_failures", nil
		case 9:
			return "compliance_report", map[string]any{"framework": "3-2-1-1-0"}
		case 10, 11:
			return "recommend_recovery", map[string]any{"entity": vms[(i+j)%len(vms)], "scenario": "corruption"}
		case 12, 13, 14:
			return "list_targets", nil
		}
		switch (i + j) % 7 {
		case 0:
			return "nutanix_list_recovery_points", map[string]any{"target": pc, "limit": 20}
		case 1:
			return "nutanix_list_vms", map[string]any{"target": pc, "limit": 20}
		case 2:
			return "nutanix_list_protection_policies", map[string]any{"target": pc}
		case 3:
			return "ontap_list_volumes", map[string]any{"target": ot, "limit": 20}
		case 4:
			return "ontap_list_snapmirror", map[string]any{"target": ot}
		case 5:
			return "ontap_list_snapshots", map[string]any{"target": v.target, "volume": v.name, "svm": v.svm, "limit": 20}
		default:
			return "ontap_list_events", map[string]any{"target": ot, "limit": 20}
		}
	}
}

// rss reads a size field (VmRSS, VmHWM) of /proc/self/status in bytes; 0
// where there is no /proc.
func rss(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
