package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// HTTPOptions configures the SSE and streamable HTTP transports.
type HTTPOptions struct {
	// Transport is "sse" (legacy SSE only) or "http" (streamable HTTP at
	// /mcp, with legacy SSE beside it for old clients).
	Transport string
	Addr      string
	// AuthToken, when set, is required as "Authorization: Bearer <token>".
	AuthToken string
	// AllowedOrigins are browser origins allowed besides loopback ones.
	AllowedOrigins []string
}

// IsLoopback reports whether addr (host:port) binds only to loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrNeedToken is returned for a non-loopback bind without an auth token.
var ErrNeedToken = errors.New("refusing to serve MCP on a non-loopback address without an auth token: anyone who can reach it could delete backups. Set --auth-token-file FILE (or RECOVERY_MCP_AUTH_TOKEN, or http.auth_token_file in the config), or bind to 127.0.0.1")

// HTTPHandler returns the handler for the HTTP transports: /mcp (streamable
// HTTP, transport "http" only), /sse and /message (legacy SSE) and /healthz,
// behind the Origin check and, when a token is set, the bearer check.
func (s *Server) HTTPHandler(o HTTPOptions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	sse := mcpserver.NewSSEServer(s.MCP,
		mcpserver.WithSSEEndpoint("/sse"),
		mcpserver.WithMessageEndpoint("/message"),
		mcpserver.WithKeepAlive(true),
	)
	mux.Handle("/sse", sse.SSEHandler())
	mux.Handle("/message", fillStandardHeaders(sse.MessageHandler()))
	if o.Transport != "sse" {
		mux.Handle("/mcp", mcpserver.NewStreamableHTTPServer(s.MCP,
			mcpserver.WithStreamableHTTPLogger(s.opts.Logger),
			mcpserver.WithHeartbeatInterval(30*time.Second),
		))
	}
	var h http.Handler = mux
	if o.AuthToken != "" {
		h = requireBearer(o.AuthToken, h)
	}
	return checkOrigin(o.AllowedOrigins, h)
}

// fillStandardHeaders adds the Mcp-Method and Mcp-Name headers that protocol
// 2026-07-28 requires to a legacy SSE message that lacks them. That
// protocol has no SSE transport, yet clients that negotiate it over /sse
// (the TypeScript SDK v2 client in auto mode) send its version header
// without the standard headers, and mcp-go would refuse every request.
// The headers are derived from the body itself, so nothing is trusted that
// the body does not say.
func fillStandardHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version := r.Header.Get(mcp.HeaderProtocolVersion)
		if r.Method != http.MethodPost || !mcp.RequiresStandardHeaders(version) || r.Header.Get(mcp.HeaderMethod) != "" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxMessageBytes))
		if err != nil {
			http.Error(w, "cannot read the message body", http.StatusBadRequest)
			return
		}
		var msg struct {
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		if json.Unmarshal(body, &msg) == nil && msg.Method != "" {
			for k, v := range mcp.StandardHeaders(version, mcp.MCPMethod(msg.Method), msg.Params) {
				if r.Header.Get(k) == "" {
					r.Header.Set(k, v)
				}
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// maxMessageBytes bounds one legacy SSE message read for header filling.
const maxMessageBytes = 10 << 20

// requireBearer answers 401 with WWW-Authenticate unless the request carries
// the token; /healthz stays open for load balancers. The comparison takes
// constant time.
func requireBearer(token string, next http.Handler) http.Handler {
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="recovery-mcp", error="invalid_token", error_description="send Authorization: Bearer <token>"`)
			http.Error(w, "unauthorized: this server requires a bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin answers 403 to a browser request from an origin that is
// neither loopback nor allowed, which stops DNS-rebinding and cross-site
// pages from driving the server. Requests without Origin (non-browser
// clients) pass.
func checkOrigin(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && !originAllowed(origin, allowed) {
			http.Error(w, fmt.Sprintf("forbidden: origin %s is not allowed; add it to http.allowed_origins in the config", origin), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func originAllowed(origin string, allowed []string) bool {
	if slices.Contains(allowed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ServeHTTP serves the HTTP transports on o.Addr until ctx ends, then shuts
// down gracefully. ready, if not nil, receives the bound address.
func (s *Server) ServeHTTP(ctx context.Context, o HTTPOptions, ready func(addr string)) error {
	if !IsLoopback(o.Addr) && o.AuthToken == "" {
		return ErrNeedToken
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.HTTPHandler(o),
		ReadHeaderTimeout: 10 * time.Second,
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	}
}
