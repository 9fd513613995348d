package resources

import (
	"context"
	_ "embed"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	tanalysis "github.com/recovery-mcp/recovery-mcp/tools/analysis"
)

// The dashboard is an MCP App (extension io.modelcontextprotocol/ui,
// SEP-1865): show_dashboard names this resource in _meta.ui.resourceUri and
// a host that supports the extension renders it in a sandboxed iframe.
//
// Decisions:
//   - One self-contained HTML page, inline CSS and JavaScript, no CDN, no
//     fetch: the host's sandbox grants no network and a backup console must
//     work on an isolated admin network.
//   - The page speaks the extension's JSON-RPC over postMessage itself
//     (ui/initialize, ui/notifications/initialized, tools/call,
//     ui/notifications/tool-result, size-changed) instead of inlining the
//     reference SDK's App class: that bundle is over 500 KB, the page 12.
//     The browser test in e2e (TestDashboardInChromium) hosts it with the
//     reference SDK's AppBridge, so the hand-written view is checked
//     against the reference implementation of the other side.
//   - Colours are the Okabe-Ito palette (colour-blind safe) and every
//     severity is also written out.

// DashboardMIME is the MIME type of MCP App pages.
const DashboardMIME = "text/html;profile=mcp-app"

//go:embed dashboard.html
var dashboardHTML string

// DashboardHTML returns the dashboard page.
func DashboardHTML() string { return dashboardHTML }

func registerDashboard(s *server.MCPServer) {
	s.AddResource(mcp.NewResource(tanalysis.DashboardURI, "dashboard",
		mcp.WithResourceDescription("The show_dashboard MCP App: health score, findings, workflow runs and approvals."),
		mcp.WithMIMEType(DashboardMIME)),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: DashboardMIME, Text: dashboardHTML}}, nil
		})
}
