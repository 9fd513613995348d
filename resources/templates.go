package resources

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// template is one resource template: a URI pattern and how to read it.
type template struct {
	uri, name, desc string
	kind            string // target kind the {target} must be
	read            func(ctx context.Context, env *kit.Env, t config.Target, id string) (any, error)
}

var templates = []template{
	{"nutanix://{target}/recovery-points/{ext_id}", "nutanix-recovery-point", "A Nutanix recovery point with its VM and volume group recovery points.", config.KindNutanix,
		func(ctx context.Context, env *kit.Env, t config.Target, id string) (any, error) {
			cl, err := env.Targets.Nutanix(t)
			if err != nil {
				return nil, err
			}
			return cl.GetRecoveryPoint(ctx, id)
		}},
	{"nutanix://{target}/vms/{ext_id}", "nutanix-vm", "A Nutanix VM.", config.KindNutanix,
		func(ctx context.Context, env *kit.Env, t config.Target, id string) (any, error) {
			cl, err := env.Targets.Nutanix(t)
			if err != nil {
				return nil, err
			}
			return cl.GetVM(ctx, id)
		}},
	{"ontap://{target}/volumes/{uuid}", "ontap-volume", "An ONTAP volume with space and snapshot policy.", config.KindONTAP,
		func(ctx context.Context, env *kit.Env, t config.Target, id string) (any, error) {
			cl, err := env.Targets.ONTAP(t)
			if err != nil {
				return nil, err
			}
			return cl.GetVolume(ctx, id)
		}},
	{"ontap://{target}/snapmirror/{uuid}", "ontap-snapmirror-relationship", "An ONTAP SnapMirror relationship (read on its destination cluster).", config.KindONTAP,
		func(ctx context.Context, env *kit.Env, t config.Target, id string) (any, error) {
			cl, err := env.Targets.ONTAP(t)
			if err != nil {
				return nil, err
			}
			return cl.GetSnapmirrorRelationship(ctx, id)
		}},
}

func registerTemplates(s *server.MCPServer, env *kit.Env) {
	for _, tpl := range templates {
		s.AddResourceTemplate(mcp.NewResourceTemplate(tpl.uri, tpl.name,
			mcp.WithTemplateDescription(tpl.desc), mcp.WithTemplateMIMEType("application/json")),
			func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
				target, id := arg(req, "target"), arg(req, "ext_id")
				if id == "" {
					id = arg(req, "uuid")
				}
				if env.Targets.Discoverable(tpl.kind) {
					_ = env.Targets.Refresh(ctx) // clusters behind AIQUM targets
				}
				t, err := env.Targets.Resolve(tpl.kind, target)
				if err != nil {
					return nil, err
				}
				v, err := tpl.read(ctx, env, t, id)
				if err != nil {
					return nil, fmt.Errorf("read %s: %w", req.Params.URI, err)
				}
				return jsonContents(req.Params.URI, v)
			})
	}
}

// arg reads a template variable; mcp-go passes them as []string.
func arg(req mcp.ReadResourceRequest, name string) string {
	switch v := req.Params.Arguments[name].(type) {
	case []string:
		if len(v) > 0 {
			return v[0]
		}
	case string:
		return v
	}
	return ""
}
