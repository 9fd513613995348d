// Package resources exposes read-only views as MCP resources: the
// configured targets, the recent audit trail, and (with the analysis
// toolset) the latest health report, plus templates that address one
// backend object by URI.
package resources

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	tanalysis "github.com/recovery-mcp/recovery-mcp/tools/analysis"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// URIs of the fixed resources.
const (
	TargetsURI = "recovery://targets"
	AuditURI   = "recovery://audit"
	HealthURI  = "recovery://health"
	MetricsURI = "recovery://metrics"
)

// Register adds the resources to s.
func Register(s *server.MCPServer, env *kit.Env) {
	s.AddResource(mcp.NewResource(TargetsURI, "targets",
		mcp.WithResourceDescription("Configured Prism Centrals and ONTAP clusters with reachability and API version."),
		mcp.WithMIMEType("application/json")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return jsonContents(req.Params.URI, targetsView(ctx, env))
		})
	s.AddResource(mcp.NewResource(AuditURI, "audit",
		mcp.WithResourceDescription("The 100 most recent audited calls (non-read tools), newest first, secrets redacted."),
		mcp.WithMIMEType("application/json")),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return jsonContents(req.Params.URI, map[string]any{"records": env.Audit.Recent(100)})
		})
	s.AddResource(mcp.NewResource(HealthURI, "health",
		mcp.WithResourceDescription("The latest backup health report of every target, in Markdown."),
		mcp.WithMIMEType("text/markdown")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			e, err := tanalysis.Estate(ctx, env, "", "")
			if err != nil {
				return nil, err
			}
			rep := e.Memo("health", func() any { return analysis.Health(e, env.Rules) }).(analysis.HealthReport) // shared with backup_health
			md := tanalysis.HealthMarkdown(rep, rep.Findings, false)
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: md}}, nil
		})
	registerMetrics(s, env)
	registerTemplates(s, env)
	registerRuns(s, env)
}

type targetView struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Endpoint string `json:"endpoint"`
	Site     string `json:"site,omitempty"`
	targets.Probe
}

func targetsView(ctx context.Context, env *kit.Env) map[string]any {
	_ = env.Targets.Refresh(ctx) // clusters behind AIQUM targets
	all := env.Targets.All()
	probes := env.Targets.ProbeAll(ctx, all)
	out := make([]targetView, len(all))
	for i, t := range all {
		out[i] = targetView{Name: t.Name, Kind: t.Kind, Endpoint: t.Endpoint() + targets.GatewayPath(t), Site: t.Site, Probe: probes[i]}
	}
	return map[string]any{"targets": out}
}

func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", uri, err)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}
