package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
	"github.com/recovery-mcp/recovery-mcp/tools/workflows"
)

// RunsURI lists the workflow runs; RunsURI/{id} is one run.
const RunsURI = "recovery://runs"

// registerRuns adds the workflow run resources (when an engine runs).
func registerRuns(s *server.MCPServer, env *kit.Env) {
	if env.Workflows == nil {
		return
	}
	s.AddResource(mcp.NewResource(RunsURI, "runs",
		mcp.WithResourceDescription("The 100 most recent workflow runs, newest first."), mcp.WithMIMEType("application/json")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			runs, err := env.Workflows.List(ctx, workflow.Filter{Limit: 100})
			if err != nil {
				return nil, err
			}
			type line struct {
				ID, Kind, Status, Created, URI string
			}
			out := []line{}
			for _, r := range runs {
				out = append(out, line{r.ID, r.Kind, string(r.Status), r.Created.Format("2006-01-02T15:04:05Z"), RunsURI + "/" + r.ID})
			}
			return jsonContents(req.Params.URI, map[string]any{"runs": out})
		})
	s.AddResourceTemplate(mcp.NewResourceTemplate(RunsURI+"/{id}", "run",
		mcp.WithTemplateDescription("A workflow run: plan, step timeline, approvals and evidence, as Markdown and JSON."), mcp.WithTemplateMIMEType("text/markdown")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			id := arg(req, "id")
			if id == "" {
				id = strings.TrimPrefix(req.Params.URI, RunsURI+"/")
			}
			r, err := env.Workflows.Describe(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", req.Params.URI, err)
			}
			v := workflows.View(r)
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", req.Params.URI, err)
			}
			return []mcp.ResourceContents{
				mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: workflows.Markdown(v)},
				mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)},
			}, nil
		})
}
