// Package targets resolves the configured targets by name and hands out
// one backend client per target, built by its kind (internal/vendors) on
// first use and shared by every tool and collector. It names no kind: the
// kinds come in as a vendors.Registry.
package targets

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Registry holds the configured targets and their clients.
type Registry struct {
	targets []config.Target
	kinds   *vendors.Registry
	logger  *slog.Logger

	mu      sync.Mutex
	clients map[string]any
	// pollMin and pollMax override the clients' task/job polling backoff
	// (the demo polls fast: its clock moves per poll, not per second); 0
	// keeps the clients' defaults.
	pollMin, pollMax time.Duration
	// retryMin and retryMax override the Prism Central clients' retry
	// backoff (tests that inject many faults); 0 keeps the defaults.
	retryMin, retryMax time.Duration
	// aq holds the targets discovered behind AIQUM targets (discovery.go).
	aq aiqumState
}

// SetPolling sets the task/job polling backoff of clients built from now on.
func (r *Registry) SetPolling(first, max time.Duration) { r.pollMin, r.pollMax = first, max }

// SetRetryWait sets the retry backoff of Prism Central clients built from
// now on.
func (r *Registry) SetRetryWait(first, max time.Duration) { r.retryMin, r.retryMax = first, max }

// New returns a registry over cfg's targets, whose clients, probes and
// discoveries the kinds provide.
func New(targets []config.Target, kinds *vendors.Registry, logger *slog.Logger) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Registry{targets: targets, kinds: kinds, logger: logger, clients: map[string]any{}}
	r.aq.found = map[string]discovery{}
	return r
}

// Kinds returns the kinds the registry was built with.
func (r *Registry) Kinds() *vendors.Registry { return r.kinds }

// All returns every target: the configured ones in configuration order,
// then the clusters discovered behind AIQUM targets (see Refresh).
func (r *Registry) All() []config.Target { return r.merged() }

// OfKind returns the targets of one kind.
func (r *Registry) OfKind(kind string) []config.Target {
	var out []config.Target
	for _, t := range r.merged() {
		if t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

// Names returns the names of the targets of kind (all kinds when empty).
func (r *Registry) Names(kind string) []string {
	var out []string
	for _, t := range r.merged() {
		if kind == "" || t.Kind == kind {
			out = append(out, t.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Resolve finds the target of kind named name. An empty name means "the only
// one": it resolves when exactly one target of that kind is configured.
// Errors say which names exist, so a model can correct itself.
func (r *Registry) Resolve(kind, name string) (config.Target, error) {
	candidates := r.OfKind(kind)
	if name == "" {
		switch len(candidates) {
		case 1:
			return candidates[0], nil
		case 0:
			if err := r.discoveryErrors(); r.Discoverable(kind) && err != nil {
				return config.Target{}, fmt.Errorf("no %s target is available: %v", kind, err)
			}
			return config.Target{}, fmt.Errorf("no %s target is configured: add one under targets: in the config file (kind: %s) or set %s_HOST", kind, kind, strings.ToUpper(kind))
		default:
			return config.Target{}, fmt.Errorf("%d %s targets are configured, so target is required: one of %s", len(candidates), kind, strings.Join(r.Names(kind), ", "))
		}
	}
	for _, t := range candidates {
		if t.Name == name {
			return t, nil
		}
	}
	for _, t := range r.merged() {
		if t.Name == name {
			return config.Target{}, fmt.Errorf("target %q is a %s target, not %s: use one of %s", name, t.Kind, kind, strings.Join(r.Names(kind), ", "))
		}
	}
	hint := ""
	if r.Discoverable(kind) {
		if err := r.discoveryErrors(); err != nil {
			hint = fmt.Sprintf(" (clusters behind AIQUM may be missing: %v)", err)
		}
	}
	if len(candidates) == 0 {
		return config.Target{}, fmt.Errorf("unknown target %q, and no %s target is configured%s", name, kind, hint)
	}
	return config.Target{}, fmt.Errorf("unknown %s target %q: use one of %s%s", kind, name, strings.Join(r.Names(kind), ", "), hint)
}

// client returns the cached client of target t, building it with build on
// first use.
func (r *Registry) client(t config.Target, build func() (any, error)) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[t.Name]; ok {
		return c, nil
	}
	c, err := build()
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", t.Name, err)
	}
	r.clients[t.Name] = c
	return c, nil
}

// TLSConfig returns the TLS settings for t: system roots plus ca_file, or no
// verification when insecure_skip_verify is set.
func TLSConfig(t config.Target) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.InsecureSkipVerify {
		c.InsecureSkipVerify = true // the operator asked for it in the config
		return c, nil
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate", t.CAFile)
		}
		c.RootCAs = pool
	}
	return c, nil
}
