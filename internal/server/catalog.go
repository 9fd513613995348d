package server

import (
	"sort"

	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
	"github.com/recovery-mcp/recovery-mcp/tools/core"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
	"github.com/recovery-mcp/recovery-mcp/tools/nutanix"
	"github.com/recovery-mcp/recovery-mcp/tools/ontap"
)

// CoreToolset is always enabled.
const CoreToolset = core.Toolset

// Catalog returns every tool of every toolset, sorted by name. It is the one
// list the server registers and `recovery-mcp tools` prints.
func Catalog() []kit.Tool {
	var all []kit.Tool
	all = append(all, core.Tools()...)
	all = append(all, analysis.Tools()...)
	all = append(all, nutanix.Tools()...)
	all = append(all, ontap.Tools()...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// Listed returns every tool a tools/list can hold: the catalog, then the
// dynamic toolset's tools (--dynamic-toolsets only). `recovery-mcp tools`
// prints the catalog, what a default server lists.
func Listed() []kit.Tool { return append(Catalog(), DynamicTools()...) }
