package server

import (
	"context"
	"sort"

	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
	"github.com/recovery-mcp/recovery-mcp/tools/core"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
	"github.com/recovery-mcp/recovery-mcp/tools/workflows"
)

// CoreToolset is always enabled.
const CoreToolset = core.Toolset

// Catalog returns every tool of every toolset, sorted by name. It is the one
// list the server registers and `recovery-mcp tools` prints.
func Catalog() []kit.Tool {
	var all []kit.Tool
	all = append(all, core.Tools()...)
	all = append(all, analysis.Tools()...)
	for _, k := range storageKinds() {
		if k.tools != nil {
			all = append(all, k.tools()...)
		}
	}
	all = append(all, workflows.Tools()...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// reconcilers establish, per target kind, what became of calls cut off by
// a stop.
func reconcilers() map[string]kit.Reconciler {
	m := map[string]kit.Reconciler{}
	for _, k := range storageKinds() {
		if k.reconcile != nil {
			m[k.kind.Name()] = k.reconcile
		}
	}
	return m
}

// ReconcileAudit reconciles the calls that the audit file shows cut off by
// an earlier stop (intent without outcome) against their targets and
// records each as found, absent or unknown. serve runs it at start.
func (s *Server) ReconcileAudit(ctx context.Context) {
	kit.ReconcileUnfinished(ctx, s.Env, reconcilers())
}

// Listed returns every tool a tools/list can hold: the catalog, then the
// dynamic toolset's tools (--dynamic-toolsets only). `recovery-mcp tools`
// prints the catalog, what a default server lists.
func Listed() []kit.Tool { return append(Catalog(), DynamicTools()...) }
