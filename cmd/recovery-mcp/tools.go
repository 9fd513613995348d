package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

func newToolsCmd() *cobra.Command {
	var asJSON, asMarkdown bool
	cmd := &cobra.Command{
		Use:   "tools",
		Short: "List every tool with its toolset, tier and description",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := server.Catalog()
			out := cmd.OutOrStdout()
			switch {
			case asJSON:
				return writeToolsJSON(out, all)
			case asMarkdown:
				_, err := io.WriteString(out, ToolsMarkdown(all))
				return err
			default:
				for _, t := range all {
					fmt.Fprintf(out, "%-36s %-9s %-12s %s\n", t.Name, t.Toolset, tierLabel(t.Meta), t.FirstSentence())
				}
				return nil
			}
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asMarkdown, "markdown", false, "print a Markdown table (the one in README.md)")
	return cmd
}

func tierLabel(m kit.Meta) string {
	if m.MayDestroy {
		return "write*"
	}
	return string(m.Tier)
}

func writeToolsJSON(w io.Writer, all []kit.Tool) error {
	type row struct {
		Name        string `json:"name"`
		Toolset     string `json:"toolset"`
		Tier        string `json:"tier"`
		MayDestroy  bool   `json:"may_destroy,omitempty"`
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	rows := make([]row, 0, len(all))
	for _, t := range all {
		rows = append(rows, row{t.Name, t.Toolset, string(t.Tier), t.MayDestroy, t.Title, t.Description})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// ToolsMarkdown renders the tool table that README.md carries.
func ToolsMarkdown(all []kit.Tool) string {
	var b strings.Builder
	b.WriteString("| tool | toolset | tier | what it does |\n|---|---|---|---|\n")
	for _, t := range all {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", t.Name, t.Toolset, tierLabel(t.Meta), strings.ReplaceAll(t.FirstSentence(), "|", "\\|"))
	}
	b.WriteString("\nTier write* marks write tools some of whose calls lose data; those calls ask for confirmation like destructive tools.\n")
	return b.String()
}
