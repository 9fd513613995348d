package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
)

func newServeCmd() *cobra.Command {
	var (
		f             serverFlags
		transport     string
		addr          string
		authTokenFile string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve MCP over stdio (default), legacy SSE or streamable HTTP",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd, getenv); err != nil {
				return err
			}
			logger, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
			if err != nil {
				return err
			}
			switch transport {
			case "stdio", "sse", "http":
			default:
				return fmt.Errorf("--transport %q: want stdio, sse or http", transport)
			}
			ctx := cmd.Context()
			s, cleanup, err := f.buildServer(ctx, logger)
			if err != nil {
				return err
			}
			defer cleanup()
			// Calls a stop cut off are settled against their targets
			// while the server already answers.
			go s.ReconcileAudit(ctx)
			if transport == "stdio" {
				logger.Info("serving MCP on stdio", "tools", len(s.Visible()))
				return s.ServeStdio(ctx, os.Stdin, os.Stdout)
			}
			token, err := readAuthToken(authTokenFile, s)
			if err != nil {
				return err
			}
			o := server.HTTPOptions{Transport: transport, Addr: addr, AuthToken: token, AllowedOrigins: s.Config().HTTP.AllowedOrigins}
			return s.ServeHTTP(ctx, o, func(bound string) {
				endpoints := "/sse and /message"
				if transport == "http" {
					endpoints = "/mcp (streamable HTTP), /sse and /message (legacy SSE)"
				}
				logger.Info("serving MCP over HTTP", "addr", bound, "endpoints", endpoints, "auth", token != "", "tools", len(s.Visible()))
			})
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&transport, "transport", "stdio", "stdio, sse (legacy SSE at /sse + /message) or http (streamable HTTP at /mcp plus legacy SSE)")
	fl.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address for sse and http; a non-loopback address requires an auth token")
	fl.StringVar(&authTokenFile, "auth-token-file", "", "file holding the bearer token HTTP clients must send; env RECOVERY_MCP_AUTH_TOKEN holds the token itself")
	return cmd
}

// readAuthToken returns the bearer token from --auth-token-file, then
// RECOVERY_MCP_AUTH_TOKEN, then http.auth_token_file in the config.
func readAuthToken(flagFile string, s *server.Server) (string, error) {
	file := flagFile
	if file == "" {
		if tok := strings.TrimSpace(os.Getenv("RECOVERY_MCP_AUTH_TOKEN")); tok != "" {
			return tok, nil
		}
		file = s.Config().HTTP.AuthTokenFile
	}
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("auth token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 {
		return "", fmt.Errorf("auth token file %s: the token must be at least 16 characters", file)
	}
	return tok, nil
}
