package targets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
)

// Clusters behind an Active IQ Unified Manager (kind aiqum) become ONTAP
// targets: Refresh reads each AIQUM's /gateways and adds every managed
// cluster, named by its cluster name, as an ONTAP target whose client sends
// ONTAP's REST calls through the AIQUM API gateway
// (/api/gateways/{cluster-uuid}/...) with the AIQUM's address, credentials
// and TLS settings, so every ONTAP tool works on it unchanged.
//
// A directly configured ONTAP target and the same cluster behind an AIQUM
// are one target, and the direct one wins: a discovered cluster is dropped
// when a configured ONTAP target has its name or its management address as
// host. A cluster managed by two AIQUMs is reached through the first in
// configuration order. A discovered name that another target already uses
// is dropped and reported in the AIQUM's discovery error.
//
// Discovery needs the network, so it runs only where a context is at hand:
// Refresh is called by list_targets, the ONTAP tools, the AIQUM tools and
// the inventory collector, and reuses a discovery for discoveryTTL (a
// failed one is retried on the next call). Resolve, OfKind and All read
// the last discovery.
const discoveryTTL = time.Minute

// discovery is the last reading of one AIQUM's gateways.
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

// Refresh discovers the clusters behind the AIQUM targets whose discovery
// is stale or failed. It returns the discovery errors, each naming its
// AIQUM; the clusters of the AIQUMs that answered are usable either way.
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

// stale returns the AIQUM targets whose discovery is missing, failed
// before since, or older than discoveryTTL.
func (r *Registry) stale(since time.Time) []config.Target {
	r.aq.mu.Lock()
	defer r.aq.mu.Unlock()
	var out []config.Target
	for _, t := range r.targets {
		if t.Kind != config.KindAIQUM {
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
			errs = append(errs, fmt.Errorf("aiqum target %s: %w", t.Name, d.err))
		}
	}
	return errors.Join(errs...)
}

func (r *Registry) discover(ctx context.Context, t config.Target) discovery {
	d := discovery{at: time.Now()}
	cl, err := r.AIQUM(t)
	if err != nil {
		d.err = err
		return d
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	gws, err := cl.ListGateways(ctx)
	if err != nil {
		d.err = fmt.Errorf("list the clusters behind its API gateway: %w", err)
		return d
	}
	for _, g := range gws {
		if g.Name == "" || g.UUID == "" {
			continue
		}
		c := t
		c.Name, c.Kind, c.Via, c.ClusterUUID = g.Name, config.KindONTAP, t.Name, g.UUID
		d.clusters = append(d.clusters, c)
		d.ips = append(d.ips, g.IPAddress)
	}
	return d
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
		if t.Kind == config.KindONTAP {
			hosts[t.Host] = true
		}
	}
	for _, a := range r.targets {
		d, ok := r.aq.found[a.Name]
		if !ok || a.Kind != config.KindAIQUM {
			continue
		}
		for i, c := range d.clusters {
			if taken[c.Name] || (d.ips[i] != "" && hosts[d.ips[i]]) {
				continue // a direct target (or an earlier AIQUM) has it
			}
			taken[c.Name] = true
			out = append(out, c)
		}
	}
	return out
}

// Behind returns the names of the clusters the AIQUM target named aiq
// manages (after the last discovery; those also configured directly are
// reached directly), and its discovery error.
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

// AIQUM returns the client of an Active IQ Unified Manager target.
func (r *Registry) AIQUM(t config.Target) (*aiqum.Client, error) {
	if t.Kind != config.KindAIQUM {
		return nil, fmt.Errorf("target %s is a %s target, not aiqum", t.Name, t.Kind)
	}
	c, err := r.client(t, func() (any, error) {
		tlsConf, err := TLSConfig(t)
		if err != nil {
			return nil, err
		}
		return aiqum.New(aiqum.Options{
			Endpoint: t.Endpoint(), Username: t.Username, Password: t.Password.Reveal(), TLSConfig: tlsConf,
			Timeout: t.Timeout.D(), MaxConcurrency: t.MaxConcurrency, Logger: r.logger.With("target", t.Name),
			PollInterval: r.pollMin, PollMaxInterval: r.pollMax,
		})
	})
	if err != nil {
		return nil, err
	}
	return c.(*aiqum.Client), nil
}

// gatewayONTAP builds the ONTAP client of a cluster behind an AIQUM.
func (r *Registry) gatewayONTAP(t config.Target) (*ontap.Client, error) {
	tlsConf, err := TLSConfig(t)
	if err != nil {
		return nil, err
	}
	return ontap.New(ontap.Options{
		Endpoint: t.Endpoint(), Username: t.Username, Password: t.Password.Reveal(), TLSConfig: tlsConf,
		Timeout: t.Timeout.D(), MaxConcurrency: t.MaxConcurrency, Logger: r.logger.With("target", t.Name, "via", t.Via),
		PollInterval: r.pollMin, PollMaxInterval: r.pollMax, PathPrefix: GatewayPath(t),
	})
}

// aiqumProbe is the probe request of an AIQUM target or a cluster behind
// one.
func aiqumProbePath(t config.Target) string {
	if t.Via != "" {
		return GatewayPath(t) + "/cluster?fields=version,name"
	}
	return "/api/v2/management-server/system"
}

func isAIQUMProbe(t config.Target) bool { return t.Kind == config.KindAIQUM || t.Via != "" }
