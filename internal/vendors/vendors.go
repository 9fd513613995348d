// Package vendors is the one interface behind which each storage kind
// (Nutanix Prism Central, NetApp ONTAP, Active IQ Unified Manager, and any
// later one) is handled generically: its configuration rules, client
// construction, reachability probe, collection into the inventory and,
// optionally, discovery of further targets, cross-target linking and the
// listing of its running operations.
//
// Each kind is one package under internal/vendors/<kind> with a value that
// implements Kind (the directory is not named vendor: the go command treats
// a vendor directory as vendored modules). The server builds a Registry of them explicitly at start
// (internal/server.Vendors) and passes it down: config.Load gets its
// config.Kind facet, targets.New its clients and probes, the collector its
// readers. No package keeps a registry in a global, and generic code
// (config, targets, collect, the core tools) never names a kind: the
// layering test (cmd/recovery-mcp/layers_test.go) forbids it to import a
// kind's package or a vendor client.
//
// The facets sit at the layer that uses them, so the dependency rule holds:
// config.Kind (layer config) is embedded here; the MCP toolset and the
// reconciler of interrupted calls, which live at the tools layer, are
// registered beside the kind in internal/server.
package vendors

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Kind is one storage kind.
type Kind interface {
	// config.Kind: Name, ApplyDefaults, Validate and EnvPrefix.
	config.Kind
	// NewClient builds the kind's API client for t. The registry of targets
	// caches it per target; tools reach it through typed accessors.
	NewClient(t config.Target, o ClientOptions) (any, error)
	// ProbeRequest is the one light authenticated request list_targets
	// makes to check t (Request builds the usual one).
	ProbeRequest(ctx context.Context, t config.Target) (*http.Request, error)
	// ProbeResult reads its answer. It is called for every status but 401
	// and 403 (credentials rejected, said generically); an answer of 300 or
	// more for which it sets no Error is reported as "HTTP n from path".
	ProbeResult(t config.Target, status int, body []byte) ProbeAnswer
	// Collect reads t into p (p.Target is set; Collect sets Reachable and
	// appends to p.Estate). An error leaves a partial estate that says so.
	Collect(ctx context.Context, env CollectEnv, t config.Target, p *Part) error
}

// ClientOptions are the settings a client takes beyond its target's.
type ClientOptions struct {
	TLS    *tls.Config
	Logger *slog.Logger
	// PollMin and PollMax set the task/job polling backoff; RetryMin and
	// RetryMax the retry backoff (0 keeps the client's defaults).
	PollMin, PollMax   time.Duration
	RetryMin, RetryMax time.Duration
}

// ProbeAnswer is what a kind reads from its probe's answer.
type ProbeAnswer struct {
	Product    string
	APIVersion string
	Error      string
}

// CollectEnv is what a collection may use.
type CollectEnv struct {
	// Client returns the cached client of a target (any kind).
	Client func(t config.Target) (any, error)
	// Now is the estate's time (the simulated clock in the demo).
	Now time.Time
	// TaskWindow is how far back task history is read; MaxTasks caps it.
	TaskWindow time.Duration
	MaxTasks   int
	// StatsWindow is how far back per-entity I/O statistics are read
	// (negative: not at all); MaxStatsEntities caps the entities read.
	StatsWindow      time.Duration
	MaxStatsEntities int
}

// Part is what one target contributed to an estate.
type Part struct {
	Target inventory.Target
	Estate inventory.Estate
	// Cluster is the name the storage system gives itself, when other
	// targets' records name it (ONTAP relationship endpoints, AIQUM
	// events); Linkers map it back to the target.
	Cluster string
	// Private holds what the kind's own Link needs; others ignore it.
	Private any
}

// Linker is a Kind that ties parts together after every target was read
// (replicas on another target, events about another target's volumes).
// Links run in registry order on the whole estate.
type Linker interface {
	Link(e *inventory.Estate, parts []*Part)
}

// Discoverer is a Kind whose targets reach further targets (an AIQUM's
// managed clusters, reached through its gateway). Each Found target has
// Kind, Name, Via and whatever the client needs set; IP is its management
// address, so a directly configured target at that host wins.
type Discoverer interface {
	Discover(ctx context.Context, client any, t config.Target) ([]Found, error)
	// Discovers is the kind of the targets it finds.
	Discovers() string
}

// Found is one discovered target.
type Found struct {
	Target config.Target
	IP     string
}

// Runner is a Kind that lists a target's queued and running work (Prism
// Central tasks, ONTAP jobs) for list_running_operations.
type Runner interface {
	Running(ctx context.Context, client any, t config.Target) ([]Operation, error)
}

// Operation is one unfinished task or job.
type Operation struct {
	Kind      string // task, job
	ID        string
	Operation string
	State     string
	Progress  int
	Started   time.Time
	Entities  []string
	// FollowBy is the tool call that follows it.
	FollowBy string
}

// Registry is the ordered set of kinds a server knows.
type Registry struct {
	kinds []Kind
}

// NewRegistry returns a registry of kinds, in that order (the order of
// links and of messages). Names must be distinct.
func NewRegistry(kinds ...Kind) (*Registry, error) {
	seen := map[string]bool{}
	for _, k := range kinds {
		n := k.Name()
		if n == "" || n != strings.ToLower(n) || seen[n] {
			return nil, fmt.Errorf("vendor kind %q: want a distinct lower-case name", n)
		}
		seen[n] = true
	}
	return &Registry{kinds: append([]Kind(nil), kinds...)}, nil
}

// Kinds returns the kinds in order.
func (r *Registry) Kinds() []Kind {
	if r == nil {
		return nil
	}
	return append([]Kind(nil), r.kinds...)
}

// Config returns the kinds' configuration facets, for config.Load.
func (r *Registry) Config() []config.Kind {
	var out []config.Kind
	for _, k := range r.Kinds() {
		out = append(out, k)
	}
	return out
}

// Kind returns the kind named name.
func (r *Registry) Kind(name string) (Kind, bool) {
	for _, k := range r.Kinds() {
		if k.Name() == name {
			return k, true
		}
	}
	return nil, false
}

// Names returns the kinds' names in order.
func (r *Registry) Names() []string {
	var out []string
	for _, k := range r.Kinds() {
		out = append(out, k.Name())
	}
	return out
}

// As returns c, a client a kind made for t, as that kind's client type C;
// what names the type in the error should c be another kind's.
func As[C any](c any, t config.Target, what string) (C, error) {
	cl, ok := c.(C)
	if !ok {
		return cl, fmt.Errorf("target %s: not %s client (got %T)", t.Name, what, c)
	}
	return cl, nil
}

// ClientOf gets t's client with get (CollectEnv.Client) and returns it as
// the kind's client type C, as As does.
func ClientOf[C any](get func(config.Target) (any, error), t config.Target, what string) (C, error) {
	c, err := get(t)
	if err != nil {
		var zero C
		return zero, err
	}
	return As[C](c, t, what)
}

// Request builds a GET of path on t's endpoint with basic authentication:
// the usual probe request.
func Request(ctx context.Context, t config.Target, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Endpoint()+path, nil)
	if err != nil {
		return nil, fmt.Errorf("probe request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(t.Username, t.Password.Reveal())
	return req, nil
}

// Parallel runs fns concurrently and returns the first error (in argument
// order), after all have finished: independent listings of one target then
// cost one round trip instead of one each.
func Parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// DerivedTags are the tags an entity's name implies (a name like db-erp or
// erp-sql tags it "database"), the same for every kind.
func DerivedTags(name string) []string {
	n := strings.ToLower(name)
	var tags []string
	for _, w := range []string{"db", "sql", "oracle", "postgres", "mysql"} {
		if strings.HasPrefix(n, w) || strings.Contains(n, "-"+w) || strings.Contains(n, w+"-") {
			tags = append(tags, "database")
			break
		}
	}
	return tags
}
