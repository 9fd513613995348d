package server

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/resources"
)

// TestDashboardApp: in both protocol eras the server declares the MCP Apps
// extension with the page's MIME type, show_dashboard names its ui://
// resource in _meta.ui.resourceUri, and that resource is listed and read
// as one self-contained page that speaks the extension's methods and
// loads nothing from the network.
func TestDashboardApp(t *testing.T) {
	for _, version := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.ProtocolVersion20251125} {
		t.Run(version, func(t *testing.T) {
			s := newTestServer(t, nil)
			c, err := client.NewInProcessClient(s.MCP)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			init := mcp.InitializeRequest{}
			init.Params.ProtocolVersion = version
			init.Params.ClientInfo = mcp.Implementation{Name: "apps-host", Version: "1"}
			got, err := c.Initialize(ctx, init)
			if err != nil {
				t.Fatal(err)
			}
			ext, _ := json.Marshal(got.Capabilities.Extensions[UIExtension])
			if !strings.Contains(string(ext), `"mimeTypes":["text/html;profile=mcp-app"]`) {
				t.Errorf("extension %s declared as %s", UIExtension, ext)
			}

			tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var uri string
			for _, tool := range tools.Tools {
				if tool.Name == "show_dashboard" && tool.Meta != nil {
					ui, _ := tool.Meta.AdditionalFields["ui"].(map[string]any)
					uri, _ = ui["resourceUri"].(string)
				}
			}
			if !strings.HasPrefix(uri, "ui://") {
				t.Fatalf("show_dashboard _meta.ui.resourceUri = %q", uri)
			}
			list, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(list.Resources, func(r mcp.Resource) bool { return r.URI == uri && r.MIMEType == resources.DashboardMIME }) {
				t.Errorf("%s not listed with MIME type %s", uri, resources.DashboardMIME)
			}
			req := mcp.ReadResourceRequest{}
			req.Params.URI = uri
			res, err := c.ReadResource(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			page := res.Contents[0].(mcp.TextResourceContents)
			if page.MIMEType != resources.DashboardMIME {
				t.Errorf("read MIME type %q", page.MIMEType)
			}
			for _, method := range []string{`"ui/initialize"`, `"ui/notifications/initialized"`, `"tools/call"`, `"ui/notifications/tool-result"`, `"show_dashboard"`} {
				if !strings.Contains(page.Text, method) {
					t.Errorf("page does not use %s", method)
				}
			}
			if m := regexp.MustCompile(`(?i)(src|href)\s*=|https?://|fetch\(|XMLHttpRequest|WebSocket|@import`).FindString(page.Text); m != "" {
				t.Errorf("page reaches outside itself: %q", m)
			}
		})
	}
}
