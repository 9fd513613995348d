package bench_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// call is one tool call as the three workloads make it.
type workload struct {
	name string
	tool string
	args map[string]any
	// ref are the 3 requests the reference client makes for the same
	// answer: target name and path.
	ref [3][2]string
}

func workloads(e *testenv.Env) []workload {
	fin := e.Demo.Estate.OntapClusterByName("ontap-prod").VolumeByName("svm_prod", "vol_finance").UUID
	return []workload{
		{"list_volumes", "ontap_list_volumes", map[string]any{"target": "ontap-prod"}, [3][2]string{
			{"ontap-prod", "/api/storage/volumes?fields=uuid,name,svm,snapshot_policy,snapshot_count,space&max_records=50"},
			{"ontap-prod", "/api/cluster?fields=name,uuid"},
			{"ontap-dr", "/api/snapmirror/relationships?fields=source,destination,state,lag_time,healthy"},
		}},
		{"list_snapshots", "ontap_list_snapshots", map[string]any{"target": "ontap-prod", "volume": "svm_prod:vol_finance"}, [3][2]string{
			{"ontap-prod", "/api/storage/volumes?name=vol_finance&svm.name=svm_prod&fields=uuid"},
			{"ontap-prod", "/api/storage/volumes/" + fin + "/snapshots?fields=name,create_time,expiry_time,owners,size&order_by=create_time%20desc"},
			{"ontap-prod", "/api/storage/volumes?clone.parent_volume.uuid=" + fin + "&fields=name,clone.parent_snapshot"},
		}},
		{"list_recovery_points", "nutanix_list_recovery_points", map[string]any{"target": "pc-prod"}, [3][2]string{
			{"pc-prod", "/api/clustermgmt/v4.0/config/clusters?$limit=50"},
			{"pc-prod", "/api/dataprotection/v4.0/config/recovery-points?$limit=50&$orderby=" + url.QueryEscape("creationTime desc")},
			{"pc-prod", "/api/vmm/v4.0/ahv/config/vms?$limit=50"},
		}},
	}
}

// caller makes one call of a workload.
type caller func(ctx context.Context, w workload) error

// inProcess calls the tool through the in-process MCP client.
func inProcess(e *testenv.Env) caller {
	return func(ctx context.Context, w workload) error { return callTool(ctx, e.Client, w) }
}

func callTool(ctx context.Context, c *client.Client, w workload) error {
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = w.tool, w.args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("%s: %v", w.tool, res.Content)
	}
	return nil
}

// overHTTP serves the same server over streamable HTTP and calls the tool
// through an MCP client session on it.
func overHTTP(b testing.TB, e *testenv.Env) caller {
	srv := httptest.NewServer(e.Server.HTTPHandler(server.HTTPOptions{Transport: "http"}))
	b.Cleanup(srv.Close)
	c, err := client.NewStreamableHttpClient(srv.URL + "/mcp")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	return func(ctx context.Context, w workload) error { return callTool(ctx, c, w) }
}

// overStdio serves the same server with its stdio transport (ServeStdio,
// newline-delimited JSON-RPC) over a pair of pipes, as a desktop client
// runs it, and calls the tool through an MCP client on the other ends.
func overStdio(b testing.TB, e *testenv.Env) caller {
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	go func() { _ = e.Server.ServeStdio(ctx, inR, outW) }()
	b.Cleanup(func() { cancel(); inW.Close(); outW.Close() })
	c := client.NewClient(transport.NewIO(outR, inW, nil))
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	return func(ctx context.Context, w workload) error { return callTool(ctx, c, w) }
}

// reference is the reference client as an MCP server would be (like
// ontap-mcp's ontap_get): a tool, called through the same kind of MCP
// client as ours, that makes the workload's 3 requests one after the other,
// each on a fresh TCP connection with a fresh TLS handshake, and answers
// with the bodies as text.
func reference(b testing.TB, e *testenv.Env) caller {
	fetch := referenceHTTP(b, e)
	byName := map[string]workload{}
	for _, w := range workloads(e) {
		byName[w.name] = w
	}
	srv := mcpserver.NewMCPServer("reference", "1")
	srv.AddTool(mcp.NewTool("reference_get", mcp.WithString("workload", mcp.Required())),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			body, err := fetch(ctx, byName[req.GetString("workload", "")])
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			return mcp.NewToolResultText(body), nil
		})
	c, err := client.NewInProcessClient(srv)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	return func(ctx context.Context, w workload) error {
		return callTool(ctx, c, workload{name: w.name, tool: "reference_get", args: map[string]any{"workload": w.name}})
	}
}

// referenceHTTP makes a workload's 3 requests, each on a fresh connection,
// and returns the bodies.
func referenceHTTP(b testing.TB, e *testenv.Env) func(context.Context, workload) (string, error) {
	type site struct {
		base      string
		user, pwd string
		tls       *tls.Config
	}
	sites := map[string]site{}
	for _, t := range e.Demo.Config.Targets {
		tc, err := targets.TLSConfig(t)
		if err != nil {
			b.Fatal(err)
		}
		sites[t.Name] = site{base: t.Endpoint(), user: t.Username, pwd: t.Password.Reveal(), tls: tc}
	}
	return func(ctx context.Context, w workload) (string, error) {
		var out strings.Builder
		for _, r := range w.ref {
			s := sites[r[0]]
			tr := &http.Transport{TLSClientConfig: s.tls.Clone(), DisableKeepAlives: true}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+r[1], nil)
			if err != nil {
				return "", err
			}
			req.SetBasicAuth(s.user, s.pwd)
			res, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				return "", err
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			tr.CloseIdleConnections()
			if err != nil {
				return "", err
			}
			if res.StatusCode != http.StatusOK {
				return "", fmt.Errorf("%s %s: %d", r[0], r[1], res.StatusCode)
			}
			out.Write(body)
		}
		return out.String(), nil
	}
}

func percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p+0.999999) - 1
	return float64(s[max(i, 0)]) / float64(time.Millisecond)
}

// setup serves the small demo estate; maxConcurrency, when not 0, sets
// every target's max_concurrency (the requests in flight per target; the
// default is 4).
func setup(b *testing.B, maxConcurrency int) *testenv.Env {
	b.Helper()
	return testenv.StartEstate(b, fleet.Small(fleet.DefaultNow), func(o *server.Options) {
		for i := range o.Config.Targets {
			if maxConcurrency != 0 {
				o.Config.Targets[i].MaxConcurrency = maxConcurrency
			}
		}
	})
}

// BenchmarkSideBySide: p50 and p99 of one call, and backend requests per
// call, for each workload, client and latency.
func BenchmarkSideBySide(b *testing.B) {
	e := setup(b, 0)
	// One client session per kind for the whole benchmark (a stdio server
	// holds one session at a time).
	clients := []struct {
		name string
		call caller
	}{
		{"ours-inprocess", inProcess(e)},
		{"ours-stdio", overStdio(b, e)},
		{"ours-http", overHTTP(b, e)},
		{"reference-mcp-3req-fresh-tls", reference(b, e)},
	}
	for _, lat := range []time.Duration{0, 20 * time.Millisecond} {
		for _, w := range workloads(e) {
			for _, cl := range clients {
				b.Run(fmt.Sprintf("latency=%s/%s/%s", lat, w.name, cl.name), func(b *testing.B) {
					e.Faults(fault.Rule{Latency: lat})
					defer e.Faults()
					call := cl.call
					ctx := context.Background()
					if err := call(ctx, w); err != nil { // warm up (and check)
						b.Fatal(err)
					}
					var d []time.Duration
					before := e.Demo.Counter.Total()
					b.ResetTimer()
					for b.Loop() {
						start := time.Now()
						if err := call(ctx, w); err != nil {
							b.Fatal(err)
						}
						d = append(d, time.Since(start))
					}
					b.StopTimer()
					b.ReportMetric(percentile(d, 0.50), "p50-ms")
					b.ReportMetric(percentile(d, 0.99), "p99-ms")
					b.ReportMetric(float64(e.Demo.Counter.Total()-before)/float64(len(d)), "requests/call")
				})
			}
		}
	}
}

// BenchmarkThroughput8x100: 8 clients making 100 list_volumes calls each,
// at 20 ms per backend request; reports calls per second, the p50 and p99
// of one call under that load, and backend requests per call. Ours runs at
// the default max_concurrency (4 requests in flight per target), in
// process and over streamable HTTP, and, for comparison, in process with
// max_concurrency 16 (the reference client has no such bound).
func BenchmarkThroughput8x100(b *testing.B) {
	const clients, calls = 8, 100
	def, wide := setup(b, 0), setup(b, 16)
	w := workloads(def)[0]
	for _, cl := range []struct {
		name string
		e    *testenv.Env
		call caller
	}{
		{"ours-inprocess", def, inProcess(def)},
		{"ours-http", def, overHTTP(b, def)},
		{"ours-inprocess-maxconc16", wide, inProcess(wide)},
		{"reference-mcp-3req-fresh-tls", def, reference(b, def)},
	} {
		e := cl.e
		b.Run(cl.name, func(b *testing.B) {
			e.Faults(fault.Rule{Latency: 20 * time.Millisecond})
			defer e.Faults()
			call := cl.call
			before := e.Demo.Counter.Total()
			var (
				total time.Duration
				mu    sync.Mutex
				d     []time.Duration
			)
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				var wg sync.WaitGroup
				errs := make(chan error, clients)
				for range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range calls {
							t0 := time.Now()
							if err := call(context.Background(), w); err != nil {
								errs <- err
								return
							}
							mu.Lock()
							d = append(d, time.Since(t0))
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				close(errs)
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(clients*calls*b.N)/total.Seconds(), "calls/s")
			b.ReportMetric(percentile(d, 0.50), "p50-ms")
			b.ReportMetric(percentile(d, 0.99), "p99-ms")
			b.ReportMetric(float64(e.Demo.Counter.Total()-before)/float64(clients*calls*b.N), "requests/call")
		})
	}
}

// TestWorkloadsAnswer checks the benchmark harness itself: every client
// answers every workload, and ours within its request budget.
func TestWorkloadsAnswer(t *testing.T) {
	e := testenv.StartEstate(t, fleet.Small(fleet.DefaultNow))
	budget := map[string]int64{"list_volumes": 4, "list_snapshots": 3, "list_recovery_points": 1}
	ours, viaStdio, viaHTTP, ref := inProcess(e), overStdio(t, e), overHTTP(t, e), reference(t, e)
	for _, w := range workloads(e) {
		// The first call also reads what a client keeps (the cluster
		// identity, target discovery); count the second.
		if err := ours(context.Background(), w); err != nil {
			t.Fatalf("ours %s: %v", w.name, err)
		}
		before := e.Demo.Counter.Total()
		if err := ours(context.Background(), w); err != nil {
			t.Fatalf("ours %s: %v", w.name, err)
		}
		if n := e.Demo.Counter.Total() - before; n > budget[w.name] {
			t.Errorf("ours %s: %d requests, budget %d", w.name, n, budget[w.name])
		}
		if err := viaStdio(context.Background(), w); err != nil {
			t.Fatalf("ours over stdio %s: %v", w.name, err)
		}
		if err := viaHTTP(context.Background(), w); err != nil {
			t.Fatalf("ours over HTTP %s: %v", w.name, err)
		}
		before = e.Demo.Counter.Total()
		if err := ref(context.Background(), w); err != nil {
			t.Fatalf("reference %s: %v", w.name, err)
		}
		if n := e.Demo.Counter.Total() - before; n != 3 {
			t.Errorf("reference %s: %d requests, want 3", w.name, n)
		}
	}
}
