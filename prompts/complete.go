package prompts

import (
	"context"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Completer completes prompt arguments: target and site names from the
// configuration, entity names from the (cached) collected estate, and the
// fixed vocabularies of scenario and framework.
type Completer struct{ Env *kit.Env }

// maxCompletions is the protocol's limit on values in one answer.
const maxCompletions = 100

// CompletePromptArgument implements server.PromptCompletionProvider.
func (c Completer) CompletePromptArgument(ctx context.Context, _ string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	var all []string
	switch arg.Name {
	case "target":
		all = c.Env.Targets.Names("")
	case "site":
		seen := map[string]bool{}
		for _, t := range c.Env.Targets.All() {
			if t.Site != "" && !seen[t.Site] {
				seen[t.Site] = true
				all = append(all, t.Site)
			}
		}
	case "scenario":
		all = []string{"corruption", "accidental_deletion", "ransomware", "site_failure", "file_loss"}
	case "framework":
		all = []string{"sox", "hipaa", "gdpr", "3-2-1-1-0"}
	case "entity":
		if c.Env.Collector != nil {
			if e, err := c.Env.Collector.Collect(ctx, collect.Scope{}); err == nil {
				seen := map[string]bool{}
				for _, x := range e.Entities {
					if !seen[x.Name] {
						seen[x.Name] = true
						all = append(all, x.Name)
					}
				}
			}
		}
	}
	sort.Strings(all)
	var out []string
	for _, v := range all {
		if strings.HasPrefix(strings.ToLower(v), strings.ToLower(arg.Value)) {
			out = append(out, v)
		}
	}
	total := len(out)
	if len(out) > maxCompletions {
		out = out[:maxCompletions]
	}
	return &mcp.Completion{Values: out, Total: total, HasMore: total > len(out)}, nil
}
