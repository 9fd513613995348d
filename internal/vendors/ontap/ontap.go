// Package ontap is the NetApp ONTAP kind of target (kind: ontap): a cluster
// reached directly or, when discovered behind an Active IQ Unified Manager
// (Via set), through that AIQUM's API gateway. It holds the kind's
// configuration rules (the ONTAP_* quick configuration), its client, its
// probe (GET /api/cluster), its collection into the inventory, the
// cross-cluster SnapMirror linking and its running jobs. The MCP toolset is
// tools/ontap.
//
// Collection mapping: one recovery point per snapshot; snapshots on a
// SnapMirror destination volume are replicas of the source volume. Volume
// space history is not in the ONTAP REST API, so each snapshot's
// logical_size (the used space when it was taken) is a capacity sample, and
// each snapshot's size is the change over the delta since the snapshot
// before it: one change sample per consecutive pair, never summed into
// fixed windows, so a spike is placed between two snapshots.
package ontap

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Kind is the ONTAP cluster kind.
type Kind struct{}

var (
	_ vendors.Kind   = Kind{}
	_ vendors.Linker = Kind{}
	_ vendors.Runner = Kind{}
)

// Name implements config.Kind.
func (Kind) Name() string { return config.KindONTAP }

// EnvPrefix implements config.Kind.
func (Kind) EnvPrefix() string { return "ONTAP_" }

// ApplyDefaults implements config.Kind: the common defaults (port 443).
func (Kind) ApplyDefaults(*config.Target) {}

// Validate implements config.Kind.
func (Kind) Validate(t config.Target) (string, string) {
	if t.APIVersion != "" {
		return "api_version", "applies to nutanix targets only"
	}
	return "", ""
}

// gatewayPath is the path prefix of a cluster reached through an AIQUM
// ("" for a direct one).
func gatewayPath(t config.Target) string {
	if t.Via == "" {
		return ""
	}
	return aiqum.GatewayPrefix(t.ClusterUUID)
}

// NewClient implements vendors.Kind.
func (Kind) NewClient(t config.Target, o vendors.ClientOptions) (any, error) {
	return ontap.New(ontap.Options{
		Endpoint:        t.Endpoint(),
		Username:        t.Username,
		Password:        t.Password.Reveal(),
		TLSConfig:       o.TLS,
		Timeout:         t.Timeout.D(),
		MaxConcurrency:  t.MaxConcurrency,
		Logger:          o.Logger,
		PollInterval:    o.PollMin,
		PollMaxInterval: o.PollMax,
		PathPrefix:      gatewayPath(t),
	})
}

// ProbeRequest implements vendors.Kind: the cluster's name and version.
func (Kind) ProbeRequest(ctx context.Context, t config.Target) (*http.Request, error) {
	if t.Via != "" {
		return vendors.Request(ctx, t, gatewayPath(t)+"/cluster?fields=version,name")
	}
	return vendors.Request(ctx, t, "/api/cluster?fields=version,name")
}

// ProbeResult implements vendors.Kind.
func (Kind) ProbeResult(t config.Target, status int, body []byte) vendors.ProbeAnswer {
	if status >= 300 {
		return vendors.ProbeAnswer{}
	}
	a := vendors.ProbeAnswer{Product: "NetApp ONTAP"}
	var c struct {
		Version struct {
			Full string `json:"full"`
		} `json:"version"`
	}
	if json.Unmarshal(body, &c) == nil {
		a.APIVersion = c.Version.Full
	}
	if t.Via != "" {
		a.Product += " via AIQUM " + t.Via
	}
	return a
}

// Collect implements vendors.Kind.
func (Kind) Collect(ctx context.Context, env vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	return collect(ctx, env, t, p)
}

// Link implements vendors.Linker: SnapMirror relationships across clusters.
func (Kind) Link(e *inventory.Estate, parts []*vendors.Part) { linkOntap(e, parts) }

// Running implements vendors.Runner: queued, running and paused jobs.
func (Kind) Running(ctx context.Context, c any, t config.Target) ([]vendors.Operation, error) {
	cl, err := vendors.As[*ontap.Client](c, t, "an ONTAP")
	if err != nil {
		return nil, err
	}
	jobs, err := cl.ListJobs(ctx, &ontap.ListOptions{Query: map[string]string{"state": "queued|running|paused"}, Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []vendors.Operation
	for _, j := range jobs {
		out = append(out, vendors.Operation{Kind: "job", ID: j.UUID, Operation: j.Description, State: j.State,
			Started: j.StartTime, FollowBy: "ontap_get_job uuid=" + j.UUID})
	}
	return out, nil
}

// client returns t's ONTAP client.
func client(get func(config.Target) (any, error), t config.Target) (*ontap.Client, error) {
	return vendors.ClientOf[*ontap.Client](get, t, "an ONTAP")
}
