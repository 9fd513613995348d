package targets

import (
	"fmt"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Client returns the client of target t, built by its kind on first use
// and shared from then on.
func (r *Registry) Client(t config.Target) (any, error) {
	k, ok := r.kinds.Kind(t.Kind)
	if !ok {
		return nil, fmt.Errorf("target %s: kind %q is not known to this server", t.Name, t.Kind)
	}
	return r.client(t, func() (any, error) {
		tlsConf, err := TLSConfig(t)
		if err != nil {
			return nil, err
		}
		logger := r.logger.With("target", t.Name)
		if t.Via != "" {
			logger = logger.With("via", t.Via)
		}
		return k.NewClient(t, vendors.ClientOptions{TLS: tlsConf, Logger: logger,
			PollMin: r.pollMin, PollMax: r.pollMax, RetryMin: r.retryMin, RetryMax: r.retryMax})
	})
}

// typed returns t's client as a C, for the tools of one kind.
func typed[C any](r *Registry, t config.Target, kind string) (C, error) {
	var zero C
	if t.Kind != kind {
		return zero, fmt.Errorf("target %s is a %s target, not %s", t.Name, t.Kind, kind)
	}
	c, err := r.Client(t)
	if err != nil {
		return zero, err
	}
	cl, ok := c.(C)
	if !ok {
		return zero, fmt.Errorf("target %s: the %s kind built a %T client", t.Name, kind, c)
	}
	return cl, nil
}

// Nutanix returns the Prism Central client of target t.
func (r *Registry) Nutanix(t config.Target) (*nutanix.Client, error) {
	return typed[*nutanix.Client](r, t, config.KindNutanix)
}

// ONTAP returns the ONTAP cluster client of target t (direct, or through
// an AIQUM's gateway).
func (r *Registry) ONTAP(t config.Target) (*ontap.Client, error) {
	return typed[*ontap.Client](r, t, config.KindONTAP)
}

// AIQUM returns the client of an Active IQ Unified Manager target.
func (r *Registry) AIQUM(t config.Target) (*aiqum.Client, error) {
	return typed[*aiqum.Client](r, t, config.KindAIQUM)
}
