package resources

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	tanalysis "github.com/recovery-mcp/recovery-mcp/tools/analysis"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// registerMetrics adds recovery://metrics: the success metrics of the
// whole estate over the last 30 days, as Markdown and as JSON (the
// get_metrics structured content without charts; get_metrics narrows the
// scope and period and draws them).
func registerMetrics(s *server.MCPServer, env *kit.Env) {
	s.AddResource(mcp.NewResource(MetricsURI, "metrics",
		mcp.WithResourceDescription("Backup success metrics of the estate over the last 30 days, each with its source, in Markdown and JSON."),
		mcp.WithMIMEType("text/markdown")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			rep, err := tanalysis.GatherMetrics(ctx, env, analysis.MetricsScope{}, analysis.LastDays(env.Clock(), 30))
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", req.Params.URI, err)
			}
			b, err := json.Marshal(rep)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", req.Params.URI, err)
			}
			return []mcp.ResourceContents{
				mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: tanalysis.MetricsMarkdown(rep, nil)},
				mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)},
			}, nil
		})
}
