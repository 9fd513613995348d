package server

// Dynamic toolsets (--dynamic-toolsets), after github-mcp-server's mode of
// the same name: a session starts with the core and analysis toolsets
// (plus any named with --toolsets) and three tools of the "dynamic"
// toolset, list_available_toolsets, get_toolset_tools and enable_toolset.
// Enabling a toolset registers its tools and, because the server then
// declares tools.listChanged, mcp-go sends notifications/tools/list_changed
// to every connected session; the client lists tools again. The read-only
// and disable-destructive filter applies to enabled toolsets as to any
// other: their hidden tools are neither listed nor callable, and
// get_toolset_tools lists only what the mode allows.
//
// Enabled toolsets are server-wide, as in github-mcp-server: a stdio server
// has one client; over HTTP every session sees what one enabled (the
// 2026-07-28 protocol has no sessions to hang per-client tool lists on).
// Toolsets are only ever added; nothing disables one, so a client never
// finds a tool it was just shown gone.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// DynamicToolset holds the tools that list and enable toolsets.
const DynamicToolset = "dynamic"

// dynamicStart are the toolsets a dynamic session starts with.
var dynamicStart = []string{CoreToolset, "analysis"}

// toolsetDescriptions say what each toolset is for (a storage kind's
// toolset is described in vendors.go); a toolset without one is described
// by its tools' names.
var toolsetDescriptions = map[string]string{
	"core":     "Configured targets and their reachability.",
	"analysis": "Backup health, unprotected entities, failure forecasts, recovery options, policy tuning, compliance.",
}

// ToolsetArgs name one toolset.
type ToolsetArgs struct {
	Toolset string `json:"toolset" jsonschema:"required" jsonschema_description:"Toolset name (list_available_toolsets)."`
}

// JSONSchemaExtend lists the toolsets as the argument's enum.
func (ToolsetArgs) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("toolset"); ok {
		for _, n := range Toolsets() {
			p.Enum = append(p.Enum, n)
		}
	}
}

// NoArgs takes nothing.
type NoArgs struct{}

// ToolsetInfo describes one toolset.
type ToolsetInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	// Tools counts the tools the server's mode lets a client see.
	Tools int `json:"tools"`
}

// ToolsetList is list_available_toolsets' result.
type ToolsetList struct {
	Items []ToolsetInfo `json:"items"`
}

// Summary leads the text result.
func (l ToolsetList) Summary() string {
	var on []string
	for _, t := range l.Items {
		if t.Enabled {
			on = append(on, t.Name)
		}
	}
	return fmt.Sprintf("%d toolsets, enabled: %s", len(l.Items), strings.Join(on, ", "))
}

// ToolsetTool is one tool of a toolset.
type ToolsetTool struct {
	Name        string `json:"name"`
	Tier        string `json:"tier"`
	Description string `json:"description"`
}

// ToolsetTools is get_toolset_tools' and enable_toolset's result.
type ToolsetTools struct {
	Toolset string        `json:"toolset"`
	Enabled bool          `json:"enabled"`
	Tools   []ToolsetTool `json:"tools"`
	// Added is true when this call enabled the toolset (enable_toolset).
	Added bool `json:"added,omitempty"`
}

// Summary leads the text result.
func (t ToolsetTools) Summary() string {
	switch {
	case t.Added:
		return fmt.Sprintf("enabled toolset %s: %d tools added; list tools again to see them", t.Toolset, len(t.Tools))
	case t.Enabled:
		return fmt.Sprintf("toolset %s is enabled: %d tools", t.Toolset, len(t.Tools))
	}
	return fmt.Sprintf("toolset %s is not enabled: %d tools (enable_toolset adds them)", t.Toolset, len(t.Tools))
}

// DynamicTools returns the definitions of the dynamic toolset's tools, for
// listings and golden schemas; the server binds its own.
func DynamicTools() []kit.Tool { return (*Server)(nil).dynamicTools() }

func (s *Server) dynamicTools() []kit.Tool {
	meta := func(name, title, desc string) kit.Meta {
		// Closed-world reads: they change which tools this server shows,
		// never a backend, so --read-only keeps them.
		return kit.Meta{Name: name, Title: title, Description: desc, Toolset: DynamicToolset, Tier: safety.Read, ClosedWorld: true}
	}
	return []kit.Tool{
		kit.Define(meta("list_available_toolsets", "List toolsets",
			"List the toolsets, whether each is enabled and how many tools it adds. Enable one with enable_toolset."),
			func(_ context.Context, _ *kit.Call, _ NoArgs) (ToolsetList, error) {
				if s == nil {
					return ToolsetList{}, errUnbound
				}
				return s.toolsetList(), nil
			}),
		kit.Define(meta("get_toolset_tools", "List a toolset's tools",
			"List a toolset's tools, to decide whether to enable it."),
			func(_ context.Context, _ *kit.Call, a ToolsetArgs) (ToolsetTools, error) {
				if s == nil {
					return ToolsetTools{}, errUnbound
				}
				return s.toolsetTools(a.Toolset)
			}),
		kit.Define(meta("enable_toolset", "Enable a toolset",
			"Enable a toolset: its tools join tools/list and the client is notified."),
			func(_ context.Context, _ *kit.Call, a ToolsetArgs) (ToolsetTools, error) {
				if s == nil {
					return ToolsetTools{}, errUnbound
				}
				return s.EnableToolset(a.Toolset)
			}),
	}
}

var errUnbound = kit.InvalidArgs("dynamic toolset tools need a server (this definition is for listings only)")

func (s *Server) toolsetList() ToolsetList {
	all := Catalog()
	out := ToolsetList{Items: []ToolsetInfo{}}
	for _, name := range Toolsets() {
		n := 0
		for _, t := range all {
			if t.Toolset == name && s.Allowed(t.Meta) {
				n++
			}
		}
		out.Items = append(out.Items, ToolsetInfo{Name: name, Description: describeToolset(name, all), Enabled: s.toolsetEnabled(name), Tools: n})
	}
	return out
}

func describeToolset(name string, all []kit.Tool) string {
	if d := cmp.Or(toolsetDescriptions[name], vendorToolsetDescription(name)); d != "" {
		return d
	}
	var names []string
	for _, t := range all {
		if t.Toolset == name {
			names = append(names, t.Name)
		}
	}
	return "Tools: " + strings.Join(names, ", ") + "."
}

func (s *Server) toolsetTools(name string) (ToolsetTools, error) {
	if !slices.Contains(Toolsets(), name) {
		return ToolsetTools{}, kit.InvalidArgs(fmt.Sprintf("unknown toolset %q: choose from %s", name, strings.Join(Toolsets(), ", ")))
	}
	out := ToolsetTools{Toolset: name, Enabled: s.toolsetEnabled(name), Tools: []ToolsetTool{}}
	for _, t := range Catalog() {
		if t.Toolset == name && s.Allowed(t.Meta) {
			out.Tools = append(out.Tools, ToolsetTool{Name: t.Name, Tier: string(t.Tier), Description: t.FirstSentence()})
		}
	}
	return out, nil
}

func (s *Server) toolsetEnabled(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.enabled[name]
}

// EnableToolset registers a toolset's tools; mcp-go then notifies every
// session that the tool list changed. It is a no-op (and sends nothing)
// for an enabled toolset.
func (s *Server) EnableToolset(name string) (ToolsetTools, error) {
	out, err := s.toolsetTools(name)
	if err != nil {
		return out, err
	}
	s.mu.Lock()
	if s.enabled[name] {
		s.mu.Unlock()
		return out, nil
	}
	s.enabled[name] = true
	var add []kit.Tool
	for _, t := range Catalog() {
		if t.Toolset == name {
			add = append(add, t)
		}
	}
	s.Tools = append(s.Tools, add...)
	s.mu.Unlock()
	s.addTools(add...) // outside the lock: the filter it triggers reads s.Tools
	out.Enabled, out.Added = true, true
	return out, nil
}
