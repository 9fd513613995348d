package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/spf13/cobra"
)

func newCallCmd() *cobra.Command {
	var (
		f        serverFlags
		argsJSON string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "call TOOL",
		Short: "Run one tool through an in-process MCP client and print its result",
		Long: `Run one tool through a real MCP client connected in-process to the same server
"serve" builds, with the same flags. Prints the text result, or with --json the
structured content alone. Exits 1 when the tool returns an error.

A destructive tool answers with confirmation_required and a confirm_token; run
the same command again with "confirm_token" added to --args to execute it.`,
		Example: `  recovery-mcp call list_targets --demo
  recovery-mcp call ontap_list_snapshots --demo --args '{"volume":"vol_db01"}' --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := applyEnv(cmd, getenv); err != nil {
				return err
			}
			logger, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
			if err != nil {
				return err
			}
			var args map[string]any
			if argsJSON != "" {
				dec := json.NewDecoder(bytes.NewReader([]byte(argsJSON)))
				dec.UseNumber()
				if err := dec.Decode(&args); err != nil {
					return fmt.Errorf("--args: want a JSON object: %w", err)
				}
			}
			ctx := cmd.Context()
			s, cleanup, err := f.buildServer(ctx, logger)
			if err != nil {
				return err
			}
			defer cleanup()
			c, err := client.NewInProcessClient(s.MCP)
			if err != nil {
				return fmt.Errorf("start in-process client: %w", err)
			}
			defer c.Close()
			if err := c.Start(ctx); err != nil {
				return fmt.Errorf("start in-process client: %w", err)
			}
			init := mcp.InitializeRequest{}
			init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
			init.Params.ClientInfo = mcp.Implementation{Name: "recovery-mcp-call", Version: buildVersion()}
			if _, err := c.Initialize(ctx, init); err != nil {
				return fmt.Errorf("initialize: %w", err)
			}
			req := mcp.CallToolRequest{}
			req.Params.Name = argv[0]
			req.Params.Arguments = args
			res, err := c.CallTool(ctx, req)
			if err != nil {
				return fmt.Errorf("call %s: %w", argv[0], err)
			}
			out := cmd.OutOrStdout()
			if asJSON && !res.IsError {
				b, err := json.MarshalIndent(res.StructuredContent, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(out, string(b))
			} else {
				for _, content := range res.Content {
					if t, ok := content.(mcp.TextContent); ok {
						fmt.Fprintln(out, t.Text)
					}
				}
			}
			if res.IsError {
				return exitError{code: 1}
			}
			return nil
		},
	}
	f.register(cmd)
	_ = cmd.Flags().Set("log-level", "warn") // keep a script's stderr quiet
	cmd.Flags().Lookup("log-level").DefValue = "warn"
	cmd.Flags().StringVar(&argsJSON, "args", "", "tool arguments as a JSON object")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the structured content as JSON")
	return cmd
}
