// Package core holds the server-level tools that need no vendor toolset:
// list_targets, so the server is useful (and its configuration checkable)
// before anything else.
package core

import (
	"context"
	"fmt"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Toolset is the name of the always-on toolset.
const Toolset = "core"

// Tools returns the core toolset.
func Tools() []kit.Tool { return []kit.Tool{listTargets(), listRunningOperations()} }

// ListTargetsArgs are list_targets' arguments.
type ListTargetsArgs struct {
	Kind  string `json:"kind,omitempty" jsonschema:"enum=nutanix,enum=ontap,enum=aiqum" jsonschema_description:"Only targets of this kind."`
	Probe *bool  `json:"probe,omitempty" jsonschema_description:"Contact each target to check reachability and API version (default true)."`
}

// TargetInfo is one configured target.
type TargetInfo struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Endpoint  string `json:"endpoint"`
	Site      string `json:"site,omitempty"`
	Username  string `json:"username,omitempty"`
	TLSVerify bool   `json:"tls_verify"`
	// Via is the AIQUM target whose API gateway reaches this cluster.
	Via string `json:"via,omitempty"`
	// Clusters are the clusters this AIQUM target manages (reached through
	// it unless also configured directly).
	Clusters []string `json:"clusters,omitempty"`
	targets.Probe
}

// TargetList is list_targets' result.
type TargetList struct {
	kit.List[TargetInfo]
	Reachable int `json:"reachable"`
}

// Summary leads the text result.
func (l TargetList) Summary() string {
	return fmt.Sprintf("%d targets configured, %d reachable", l.Total, l.Reachable)
}

func listTargets() kit.Tool {
	return kit.Define(kit.Meta{
		Name:        "list_targets",
		Title:       "List configured targets",
		Description: "List the configured Prism Centrals, ONTAP clusters and AIQUM servers (with the clusters behind them) with reachability and API version. Call first: vendor tools take these names as target.",
		Toolset:     Toolset,
		Tier:        safety.Read,
	}, func(ctx context.Context, c *kit.Call, a ListTargetsArgs) (TargetList, error) {
		_ = c.Env.Targets.Refresh(ctx) // failures show on the AIQUM target's row
		var selected []config.Target
		for _, t := range c.Env.Targets.All() {
			if a.Kind == "" || t.Kind == a.Kind {
				selected = append(selected, t)
			}
		}
		items := make([]TargetInfo, 0, len(selected))
		for _, t := range selected {
			it := TargetInfo{
				Name: t.Name, Kind: t.Kind, Endpoint: t.Endpoint() + targets.GatewayPath(t), Site: t.Site,
				Username: t.Username, TLSVerify: !t.InsecureSkipVerify && !t.PlainHTTP, Via: t.Via,
			}
			if c.Env.Targets.Discovers(t) {
				it.Clusters, _ = c.Env.Targets.Behind(t.Name)
			}
			items = append(items, it)
		}
		out := TargetList{}
		if a.Probe == nil || *a.Probe {
			for i, p := range c.Env.Targets.ProbeAll(ctx, selected) {
				items[i].Probe = p
			}
		}
		for i, t := range selected {
			if _, err := c.Env.Targets.Behind(t.Name); c.Env.Targets.Discovers(t) && err != nil && items[i].Error == "" {
				items[i].Error = err.Error()
			}
		}
		for _, it := range items {
			if it.Reachable && it.Error == "" {
				out.Reachable++
			}
		}
		out.List = kit.NewList(items, len(items), 0, 0)
		return out, nil
	})
}
