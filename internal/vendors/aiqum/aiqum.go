// Package aiqum is the Active IQ Unified Manager kind of target (kind:
// aiqum): its client, its probe (the management server's product and
// version), the discovery of the clusters it manages (they become ONTAP
// targets reached through its API gateway), and its collection: its
// managed clusters (a cheap check that it answers, and the names its events
// use) and its open protection, capacity and security events, linked to the
// volumes and relationships of the ONTAP parts. The MCP toolset is
// tools/aiqum.
package aiqum

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Kind is the AIQUM kind.
type Kind struct{}

var (
	_ vendors.Kind       = Kind{}
	_ vendors.Linker     = Kind{}
	_ vendors.Discoverer = Kind{}
)

// Name implements config.Kind.
func (Kind) Name() string { return config.KindAIQUM }

// EnvPrefix implements config.Kind: AIQUM has no quick configuration.
func (Kind) EnvPrefix() string { return "" }

// ApplyDefaults implements config.Kind: the common defaults (port 443).
func (Kind) ApplyDefaults(*config.Target) {}

// Validate implements config.Kind.
func (Kind) Validate(t config.Target) (string, string) {
	if t.APIVersion != "" {
		return "api_version", "applies to nutanix targets only"
	}
	return "", ""
}

// NewClient implements vendors.Kind.
func (Kind) NewClient(t config.Target, o vendors.ClientOptions) (any, error) {
	return aiqum.New(aiqum.Options{
		Endpoint: t.Endpoint(), Username: t.Username, Password: t.Password.Reveal(), TLSConfig: o.TLS,
		Timeout: t.Timeout.D(), MaxConcurrency: t.MaxConcurrency, Logger: o.Logger,
		PollInterval: o.PollMin, PollMaxInterval: o.PollMax,
	})
}

// ProbeRequest implements vendors.Kind.
func (Kind) ProbeRequest(ctx context.Context, t config.Target) (*http.Request, error) {
	return vendors.Request(ctx, t, "/api/v2/management-server/system")
}

// ProbeResult implements vendors.Kind.
func (Kind) ProbeResult(_ config.Target, status int, body []byte) vendors.ProbeAnswer {
	if status >= 300 {
		return vendors.ProbeAnswer{}
	}
	var s struct {
		Product string `json:"product"`
		Version string `json:"version"`
	}
	_ = json.Unmarshal(body, &s)
	return vendors.ProbeAnswer{Product: cmp.Or(s.Product, "Active IQ Unified Manager"), APIVersion: s.Version}
}

// Collect implements vendors.Kind.
func (Kind) Collect(ctx context.Context, env vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	return collect(ctx, env, t, p)
}

// Link implements vendors.Linker: each event tied to its volume or
// relationship, the cluster it names mapped to its target by the parts'
// cluster names. It runs after the ONTAP link made the replications.
func (Kind) Link(e *inventory.Estate, parts []*vendors.Part) {
	clusterTarget := map[string]string{}
	for _, p := range parts {
		if p.Cluster != "" {
			clusterTarget[p.Cluster] = p.Target.Name
		}
	}
	linkAIQUM(e, clusterTarget)
}

// Discovers implements vendors.Discoverer: ONTAP clusters.
func (Kind) Discovers() string { return config.KindONTAP }

// Discover implements vendors.Discoverer: the clusters behind the API
// gateway, each an ONTAP target reached with the AIQUM's address,
// credentials and TLS settings.
func (Kind) Discover(ctx context.Context, c any, t config.Target) ([]vendors.Found, error) {
	cl, err := vendors.As[*aiqum.Client](c, t, "an AIQUM")
	if err != nil {
		return nil, err
	}
	gws, err := cl.ListGateways(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the clusters behind its API gateway: %w", err)
	}
	var out []vendors.Found
	for _, g := range gws {
		if g.Name == "" || g.UUID == "" {
			continue
		}
		f := t
		f.Name, f.Kind, f.Via, f.ClusterUUID = g.Name, config.KindONTAP, t.Name, g.UUID
		out = append(out, vendors.Found{Target: f, IP: g.IPAddress})
	}
	return out, nil
}

// client returns t's AIQUM client.
func client(get func(config.Target) (any, error), t config.Target) (*aiqum.Client, error) {
	return vendors.ClientOf[*aiqum.Client](get, t, "an AIQUM")
}
