// Package nutanix is the Nutanix Prism Central kind of target (kind:
// nutanix): its configuration rules (port 9440, api_version v4.x, API key
// or basic auth, the NUTANIX_* quick configuration), its client, its probe
// (one cluster of clustermgmt), its collection into the inventory and its
// running tasks. The MCP toolset is tools/nutanix.
//
// Collection mapping: one inventory recovery point per VM or volume group
// member of a recovery point; a recovery point on a Prism Central whose
// entity lives on another Prism Central is a replica of it. A volume group
// has no policy field in v4, so it takes the policy of the VMs it is
// protected with (the members of its newest recovery point). Each protected
// entity whose policy replicates gets a synthesised replication whose lag
// is the age of its newest replica (Link). Change signals: each local VM or
// volume group recovery point's exclusive usage is the change over the
// delta since the entity's previous local recovery point; and each VM's
// bytes written per day come from the VM stats API (GET
// vmm/v4.0/ahv/stats/vms/{extId}, controllerWriteIoBandwidthKbps averaged
// daily; a sample's timestamp is the start of its day), source "io_stats",
// so unprotected VMs have a signal too. Daily, not hourly, so the intraday
// rhythm of batch jobs and backups is not read as an anomaly.
package nutanix

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Kind is the Prism Central kind.
type Kind struct{}

var (
	_ vendors.Kind   = Kind{}
	_ vendors.Linker = Kind{}
	_ vendors.Runner = Kind{}
)

var apiVersionRE = regexp.MustCompile(`^v4\.\d+$`)

// Name implements config.Kind.
func (Kind) Name() string { return config.KindNutanix }

// EnvPrefix implements config.Kind.
func (Kind) EnvPrefix() string { return "NUTANIX_" }

// ApplyDefaults implements config.Kind: port 9440, API v4.0.
func (Kind) ApplyDefaults(t *config.Target) {
	if t.Port == 0 {
		t.Port = 9440
	}
	if t.APIVersion == "" {
		t.APIVersion = "v4.0"
	}
}

// Validate implements config.Kind.
func (Kind) Validate(t config.Target) (string, string) {
	if !apiVersionRE.MatchString(t.APIVersion) {
		return "api_version", fmt.Sprintf("%q: want v4.0, v4.1, ... (Prism Central v4 APIs)", t.APIVersion)
	}
	return "", ""
}

// NewClient implements vendors.Kind.
func (Kind) NewClient(t config.Target, o vendors.ClientOptions) (any, error) {
	return nutanix.New(nutanix.Options{
		Endpoint:        t.Endpoint(),
		Username:        t.Username,
		Password:        t.Password.Reveal(),
		APIKey:          t.APIKey.Reveal(),
		APIVersion:      t.APIVersion,
		TLSConfig:       o.TLS,
		Timeout:         t.Timeout.D(),
		MaxConcurrency:  t.MaxConcurrency,
		Logger:          o.Logger,
		PollInterval:    o.PollMin,
		PollMaxInterval: o.PollMax,
		RetryWaitMin:    o.RetryMin,
		RetryWaitMax:    o.RetryMax,
	})
}

// ProbeRequest implements vendors.Kind: one cluster, with the API key when
// the target has one.
func (Kind) ProbeRequest(ctx context.Context, t config.Target) (*http.Request, error) {
	req, err := vendors.Request(ctx, t, "/api/clustermgmt/"+t.APIVersion+"/config/clusters?$limit=1")
	if err != nil {
		return nil, err
	}
	if !t.APIKey.IsZero() {
		req.Header.Del("Authorization")
		req.Header.Set("X-ntnx-api-key", t.APIKey.Reveal())
	}
	return req, nil
}

// ProbeResult implements vendors.Kind.
func (Kind) ProbeResult(t config.Target, status int, _ []byte) vendors.ProbeAnswer {
	if status == http.StatusNotFound {
		return vendors.ProbeAnswer{Error: fmt.Sprintf("HTTP 404: this Prism Central does not serve API version %s; set api_version", t.APIVersion)}
	}
	return vendors.ProbeAnswer{Product: "Nutanix Prism Central", APIVersion: t.APIVersion}
}

// Collect implements vendors.Kind.
func (Kind) Collect(ctx context.Context, env vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	return collect(ctx, env, t, p)
}

// Link implements vendors.Linker: replicas named after their sources and
// the synthesised replications.
func (Kind) Link(e *inventory.Estate, _ []*vendors.Part) { linkNutanixReplicas(e) }

// Running implements vendors.Runner: queued and running tasks.
func (Kind) Running(ctx context.Context, c any, t config.Target) ([]vendors.Operation, error) {
	cl, err := vendors.As[*nutanix.Client](c, t, "a Prism Central")
	if err != nil {
		return nil, err
	}
	page, err := cl.ListTasks(ctx, nutanix.ListOptions{Limit: 100, OrderBy: "createdTime desc",
		Filter: nutanix.Or(nutanix.Eq("status", nutanix.TaskRunning), nutanix.Eq("status", nutanix.TaskQueued))})
	if err != nil {
		return nil, err
	}
	var out []vendors.Operation
	for _, task := range page.Items {
		op := vendors.Operation{Kind: "task", ID: task.ExtID, Operation: task.Operation, State: task.Status,
			Progress: task.ProgressPercentage, Started: task.CreatedTime, FollowBy: "nutanix_get_task ext_id=" + task.ExtID}
		for _, e := range task.EntitiesAffected {
			op.Entities = append(op.Entities, strings.TrimSpace(e.Name+" "+e.ExtID))
		}
		out = append(out, op)
	}
	return out, nil
}

// client returns t's Prism Central client.
func client(get func(config.Target) (any, error), t config.Target) (*nutanix.Client, error) {
	return vendors.ClientOf[*nutanix.Client](get, t, "a Prism Central")
}
