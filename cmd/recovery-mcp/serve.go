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
		maxBody       int64
		maxPerClient  int
		maxConns      int
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
			go s.RecordHistory(ctx)
			if transport == "stdio" {
				logger.Info("serving MCP on stdio", "tools", len(s.Visible()))
				return s.ServeStdio(ctx, os.Stdin, os.Stdout)
			}
			tokens, principals, err := readAuthTokens(authTokenFile, s)
			if err != nil {
				return err
			}
			limits := server.LimitsFromConfig(s.Config().HTTP)
			if cmd.Flags().Changed("max-body-bytes") {
				limits.MaxBodyBytes = maxBody
			}
			if cmd.Flags().Changed("max-requests-per-client") {
				limits.MaxRequestsPerClient = maxPerClient
			}
			if cmd.Flags().Changed("max-connections") {
				limits.MaxConnections = maxConns
			}
			token := len(tokens) > 0
			o := server.HTTPOptions{Transport: transport, Addr: addr, AuthTokens: tokens, Principals: principals, AllowedOrigins: s.Config().HTTP.AllowedOrigins, Limits: limits}
			return s.ServeHTTP(ctx, o, func(bound string) {
				endpoints := "/sse and /message"
				if transport == "http" {
					endpoints = "/mcp (streamable HTTP), /sse and /message (legacy SSE)"
				}
				logger.Info("serving MCP over HTTP", "addr", bound, "endpoints", endpoints, "auth", token, "clients", len(tokens), "tools", len(s.Visible()))
			})
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&transport, "transport", "stdio", "stdio, sse (legacy SSE at /sse + /message) or http (streamable HTTP at /mcp plus legacy SSE)")
	fl.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address for sse and http; a non-loopback address requires an auth token")
	fl.StringVar(&authTokenFile, "auth-token-file", "", "file holding the bearer token HTTP clients must send, one per line for several clients; env RECOVERY_MCP_AUTH_TOKEN holds one token itself")
	fl.Int64Var(&maxBody, "max-body-bytes", server.DefaultHTTPLimits.MaxBodyBytes, "largest HTTP request body; larger ones get 413 (config http.max_body_bytes)")
	fl.IntVar(&maxPerClient, "max-requests-per-client", server.DefaultHTTPLimits.MaxRequestsPerClient, "requests one client (token, or IP without tokens) may have in progress; more get 429 (config http.max_requests_per_client)")
	fl.IntVar(&maxConns, "max-connections", server.DefaultHTTPLimits.MaxConnections, "open HTTP connections; more wait to be accepted (config http.max_connections)")
	return cmd
}

// readAuthTokens returns the bearer tokens from --auth-token-file, then
// RECOVERY_MCP_AUTH_TOKEN (one token), then http.auth_token_file in the
// config. A file holds one token per line, one per client; blank lines and
// lines starting with # are skipped.
//
// A line may name the token's principal after it, "TOKEN principal=NAME":
// the audit, confirmation grants and workflow approvals then know the
// caller as NAME (workflows.roles grants NAME its roles) instead of
// token:<hash>.
func readAuthTokens(flagFile string, s *server.Server) ([]string, map[string]string, error) {
	file := flagFile
	if file == "" {
		if tok := strings.TrimSpace(os.Getenv("RECOVERY_MCP_AUTH_TOKEN")); tok != "" {
			return []string{tok}, nil, nil
		}
		file = s.Config().HTTP.AuthTokenFile
	}
	if file == "" {
		return nil, nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("auth token file: %w", err)
	}
	var tokens []string
	names := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		tok := fields[0]
		if len(tok) < 16 {
			return nil, nil, fmt.Errorf("auth token file %s line %d: a token must be at least 16 characters", file, i+1)
		}
		for _, f := range fields[1:] {
			name, ok := strings.CutPrefix(f, "principal=")
			if !ok || name == "" || strings.HasPrefix(name, "token:") || name == "local" {
				return nil, nil, fmt.Errorf("auth token file %s line %d: after the token, only principal=NAME (not local or token:...)", file, i+1)
			}
			names[tok] = name
		}
		tokens = append(tokens, tok)
	}
	if len(tokens) == 0 {
		return nil, nil, fmt.Errorf("auth token file %s holds no token", file)
	}
	return tokens, names, nil
}
