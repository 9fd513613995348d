package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
	vaiqum "github.com/recovery-mcp/recovery-mcp/internal/vendors/aiqum"
	vnutanix "github.com/recovery-mcp/recovery-mcp/internal/vendors/nutanix"
	vontap "github.com/recovery-mcp/recovery-mcp/internal/vendors/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// simTarget is a simulator endpoint, as passed to a helper process.
type simTarget struct {
	Name, Kind, Host, User, Pass string
	Port                         int
}

// counter counts the change requests each simulator received, by
// "METHOD path-pattern body-hint".
type counter struct {
	mu sync.Mutex
	n  map[string]int
	// log is every change request in arrival order ("name METHOD path").
	log []string
	// jobPoll delays each ONTAP job poll, making a step that waits for a
	// job last a while.
	jobPoll time.Duration
}

func (c *counter) wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		delay := c.jobPoll
		c.mu.Unlock()
		if delay > 0 && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/cluster/jobs/") {
			time.Sleep(delay)
		}
		if r.Method != http.MethodGet {
			key := name + " " + r.Method + " " + r.URL.Path
			if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/snapmirror/relationships/") {
				var b struct{ State string }
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				_ = json.Unmarshal(body, &b)
				key += " state=" + b.State
			}
			c.mu.Lock()
			c.n[key]++
			c.log = append(c.log, key)
			c.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// matching sums the counts of keys containing every part.
func (c *counter) matching(parts ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for k, v := range c.n {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(k, p)
		}
		if ok {
			total += v
		}
	}
	return total
}

// changes returns the change requests received so far, in order.
func (c *counter) changes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

// startSims serves the small estate's simulators over plain HTTP, counting
// change requests.
func startSims(t testing.TB) ([]simTarget, *counter, *fleet.Estate) {
	t.Helper()
	return startEstate(t, fleet.Small(fleet.DefaultNow))
}

// startEstate serves est's simulators.
func startEstate(t testing.TB, est *fleet.Estate) ([]simTarget, *counter, *fleet.Estate) {
	t.Helper()
	c := &counter{n: map[string]int{}}
	var out []simTarget
	serve := func(name, kind, user, pass string, h http.Handler) {
		srv := httptest.NewServer(c.wrap(name, h))
		t.Cleanup(srv.Close)
		host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		p, _ := strconv.Atoi(port)
		out = append(out, simTarget{Name: name, Kind: kind, Host: host, Port: p, User: user, Pass: pass})
	}
	for _, pc := range est.PrismCentrals {
		serve(pc.Name, config.KindNutanix, pc.Username, pc.Password, simnutanix.New(est, pc, simnutanix.Options{}))
	}
	for _, cl := range est.OntapClusters {
		serve(cl.Name, config.KindONTAP, cl.Username, cl.Password, simontap.New(est, cl, simontap.Options{}))
	}
	return out, c, est
}

func registry(ts []simTarget) *targets.Registry {
	kinds, err := vendors.NewRegistry(vnutanix.Kind{}, vontap.Kind{}, vaiqum.Kind{})
	if err != nil {
		panic(err) // three distinct names
	}
	cfg := &config.Config{Kinds: kinds.Config()}
	for _, s := range ts {
		cfg.Targets = append(cfg.Targets, config.Target{Name: s.Name, Kind: s.Kind, Host: s.Host, Port: s.Port, Username: s.User,
			Password: config.NewSecret(s.Pass), PlainHTTP: true})
	}
	cfg.ApplyDefaults()
	r := targets.New(cfg.Targets, kinds, nil)
	r.SetPolling(5*time.Millisecond, 50*time.Millisecond)
	r.SetRetryWait(5*time.Millisecond, 50*time.Millisecond)
	return r
}

// newEngine opens (or reopens) the store at path and an engine over ts.
func newEngine(t testing.TB, path string, ts []simTarget, est *fleet.Estate, mod func(*workflow.Options)) (*workflow.Engine, *store.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	o := workflow.Options{DB: db, Activities: &workflow.Activities{Targets: registry(ts), Clock: est.Clock.Now}, Tick: 20 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	e, err := workflow.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	return e, db
}

// await polls a run until it is finished or waiting for approval.
func await(t testing.TB, e *workflow.Engine, id string) *workflow.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := e.Describe(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status.Finished() || r.Status == workflow.StatusWaiting {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s (%s)", id, r.Status, r.Progress)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	if os.Getenv(workerEnv) != "" {
		os.Exit(workerMain())
	}
	os.Exit(m.Run())
}
