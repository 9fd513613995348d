package targets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Targets of a kind that is a vendors.Discoverer reach further targets:
// the clusters behind an Active IQ Unified Manager (kind aiqum) become ONTAP
// targets. Refresh asks each such target (the AIQUM reads its /gateways)
// and adds every target found (a managed cluster, named by its cluster
// name, whose ONTAP client sends its REST calls through the AIQUM API
// gateway, /api/gateways/{cluster-uuid}/..., with the AIQUM's address,
// credentials and TLS settings, so every ONTAP tool works on it unchanged).
//
// A directly configured target and the same one found behind a
// discoverer are one target, and the direct one wins: a found target is
// dropped when a configured target of its kind has its name or its
// management address as host. A cluster managed by two AIQUMs is reached
// through the first in configuration order. A found name that another
// target already uses is dropped.
//
// Discovery needs the network, so it runs only where a context is at hand:
// Refresh is called by list_targets, the ONTAP tools, the AIQUM tools and
// the inventory collector, and reuses a discovery for discoveryTTL (a
// failed one is retried on the next call). Resolve, OfKind and All read
// the last discovery.
const discoveryTTL = time.Minute

// discovery is the last reading of one discovering target.
type discovery struct {
	at       time.Time
	clusters []config.Target
	ips      []string // management addresses, as clusters
	err      error
}

type aiqumState struct {
	refresh sync.Mutex // one discovery at a time
	mu      sync.Mutex
	found   map[string]discovery // by AIQUM target name
}

// Refresh discovers the targets behind the discovering targets (AIQUMs)
// whose discovery is stale or failed. It returns the discovery errors, each
// naming its target; what the others found is usable either way.
func (r *Registry) Refresh(ctx context.Context) error {
	if len(r.stale(time.Now())) == 0 {
		return r.discoveryErrors()
	}
	asked := time.Now()
	r.aq.refresh.Lock()
	defer r.aq.refresh.Unlock()
	// A discovery that finished while this call waited is fresh enough.
	stale := r.stale(asked)
	if len(stale) == 0 {
		return r.discoveryErrors()
	}
	out := make([]discovery, len(stale))
	var wg sync.WaitGroup
	for i, t := range stale {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = r.discover(ctx, t)
		}()
	}
	wg.Wait()
	r.aq.mu.Lock()
	for i, t := range stale {
		r.aq.found[t.Name] = out[i]
	}
	r.aq.mu.Unlock()
	return r.discoveryErrors()
}

// stale returns the discovering targets whose discovery is missing,
// failed before since, or older than discoveryTTL.
func (r *Registry) stale(since time.Time) []config.Target {
	r.aq.mu.Lock()
	defer r.aq.mu.Unlock()
	var out []config.Target
	for _, t := range r.targets {
		if r.discoverer(t.Kind) == nil {
			continue
		}
		d, ok := r.aq.found[t.Name]
		if !ok || (d.err != nil && !d.at.After(since)) || time.Since(d.at) > discoveryTTL {
			out = append(out, t)
		}
	}
	return out
}

func (r *Registry) discoveryErrors() error {
	r.aq.mu.Lock()
	defer r.aq.mu.Unlock()
	var errs []error
	for _, t := range r.targets {
		if d, ok := r.aq.found[t.Name]; ok && d.err != nil {
			errs = append(errs, fmt.Errorf("%s target %s: %w", t.Kind, t.Name, d.err))
		}
	}
	return errors.Join(errs...)
}

func (r *Registry) discover(ctx context.Context, t config.Target) discovery {
	d := discovery{at: time.Now()}
	dk := r.discoverer(t.Kind)
	if dk == nil {
		d.err = fmt.Errorf("kind %s discovers nothing", t.Kind)
		return d
	}
	cl, err := r.Client(t)
	if err != nil {
		d.err = err
		return d
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	found, err := dk.Discover(ctx, cl, t)
	if err != nil {
		d.err = err
		return d
	}
	for _, f := range found {
		d.clusters = append(d.clusters, f.Target)
		d.ips = append(d.ips, f.IP)
	}
	return d
}

// discoverer returns kind when it discovers targets, else nil.
func (r *Registry) discoverer(kind string) vendors.Discoverer {
	k, _ := r.kinds.Kind(kind)
	d, _ := k.(vendors.Discoverer)
	return d
}

// Discovers reports whether t's kind discovers further targets (an AIQUM
// target: list_targets shows what it found).
func (r *Registry) Discovers(t config.Target) bool { return r.discoverer(t.Kind) != nil }

// Discoverable reports whether targets of kind may be found by discovery
// (ONTAP clusters behind an AIQUM), so a Refresh may add some and a missing
// one may be behind a failed discovery.
func (r *Registry) Discoverable(kind string) bool {
	for _, k := range r.kinds.Kinds() {
		if d, ok := k.(vendors.Discoverer); ok && d.Discovers() == kind {
			return true
		}
	}
	return false
}

// merged returns the configured targets followed by the discovered
// clusters that are not duplicates.
func (r *Registry) merged() []config.Target {
	r.aq.mu.Lock()
	defer r.aq.mu.Unlock()
	if len(r.aq.found) == 0 {
		return r.targets
	}
	out := append([]config.Target(nil), r.targets...)
	taken := map[string]bool{}
	hosts := map[string]bool{}
	for _, t := range r.targets {
		taken[t.Name] = true
		hosts[t.Kind+"|"+t.Host] = true
	}
	for _, a := range r.targets {
		d, ok := r.aq.found[a.Name]
		if !ok {
			continue
		}
		for i, c := range d.clusters {
			if taken[c.Name] || (d.ips[i] != "" && hosts[c.Kind+"|"+d.ips[i]]) {
				continue // a direct target (or an earlier discoverer) has it
			}
			taken[c.Name] = true
			out = append(out, c)
		}
	}
	return out
}

// Behind returns the names of the targets the discovering target named aiq
// found (an AIQUM's managed clusters, after the last discovery; those also
// configured directly are reached directly), and its discovery error.
func (r *Registry) Behind(aiq string) ([]string, error) {
	r.aq.mu.Lock()
	defer r.aq.mu.Unlock()
	d := r.aq.found[aiq]
	var names []string
	for _, c := range d.clusters {
		names = append(names, c.Name)
	}
	return names, d.err
}

// GatewayPath is the path prefix of a cluster reached through an AIQUM
// ("" for a direct target).
func GatewayPath(t config.Target) string {
	if t.Via == "" {
		return ""
	}
	return aiqum.GatewayPrefix(t.ClusterUUID)
}
