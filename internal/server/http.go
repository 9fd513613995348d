package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// HTTPOptions configures the SSE and streamable HTTP transports.
type HTTPOptions struct {
	// Transport is "sse" (legacy SSE only) or "http" (streamable HTTP at
	// /mcp, with legacy SSE beside it for old clients).
	Transport string
	Addr      string
	// AuthToken, when set, is required as "Authorization: Bearer <token>".
	AuthToken string
	// AuthTokens are further accepted tokens, one per client: sessions and
	// concurrency limits are per token.
	AuthTokens []string
	// Principals name the callers of tokens (token -> name); a token
	// without a name is known as token:<hash>.
	Principals map[string]string
	// AllowedOrigins are browser origins allowed besides loopback ones.
	AllowedOrigins []string
	// Limits bounds timeouts, body size, connections, per-client
	// concurrency and sessions; zero fields take DefaultHTTPLimits.
	Limits HTTPLimits
}

// LimitsFromConfig returns the limits the http: section sets; unset ones
// stay zero and take the defaults.
func LimitsFromConfig(h config.HTTP) HTTPLimits {
	return HTTPLimits{
		ReadHeaderTimeout: h.ReadHeaderTimeout.D(), ReadTimeout: h.ReadTimeout.D(), WriteTimeout: h.WriteTimeout.D(),
		IdleTimeout: h.IdleTimeout.D(), MaxBodyBytes: h.MaxBodyBytes, MaxConnections: h.MaxConnections,
		MaxRequestsPerClient: h.MaxRequestsPerClient, MaxStreamsPerClient: h.MaxStreamsPerClient,
		SessionIdleTTL: h.SessionIdleTTL.D(),
	}
}

// tokens returns every accepted token.
func (o HTTPOptions) tokens() []string {
	var out []string
	if o.AuthToken != "" {
		out = append(out, o.AuthToken)
	}
	for _, t := range o.AuthTokens {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
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
// behind, from the outside in: per-request read and write deadlines, the
// Origin check, the bearer check when tokens are set, the body limit, the
// per-client concurrency limit and the session checks (httpguard.go).
func (s *Server) HTTPHandler(o HTTPOptions) http.Handler {
	l := o.Limits.withDefaults()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	sseOwners := &sseSessions{}
	sse := mcpserver.NewSSEServer(s.MCP,
		mcpserver.WithSSEEndpoint("/sse"),
		mcpserver.WithMessageEndpoint("/message"),
		mcpserver.WithKeepAlive(true),
		mcpserver.WithSessionIDGenerator(sseOwners.generate),
	)
	mux.Handle("/sse", sseOwners.stream(sse.SSEHandler()))
	mux.Handle("/message", sseOwners.message(fillStandardHeaders(sse.MessageHandler())))
	if o.Transport != "sse" {
		sess := newSessions(l)
		mux.Handle("/mcp", sess.guard(mcpserver.NewStreamableHTTPServer(s.MCP,
			mcpserver.WithStreamableHTTPLogger(s.opts.Logger),
			mcpserver.WithHeartbeatInterval(30*time.Second),
			mcpserver.WithSessionIdManagerResolver(sess),
			mcpserver.WithSessionIdleTTL(l.SessionIdleTTL),
		)))
	}
	limiter := &clientLimiter{}
	h := readBody(l, limiter.limit(l, mux))
	if toks := o.tokens(); len(toks) > 0 {
		h = requireBearer(toks, o.Principals, h)
	}
	return deadlines(l, checkOrigin(o.AllowedOrigins, h))
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
// one of the tokens; /healthz stays open for load balancers. The scheme is
// matched case-insensitively (RFC 7235); every token is compared, each in
// constant time. The matching token's position names the client.
func requireBearer(tokens []string, names map[string]string, next http.Handler) http.Handler {
	want := make([][]byte, len(tokens))
	principals := make([]string, len(tokens))
	for i, t := range tokens {
		want[i] = []byte(t)
		principals[i] = safety.TokenPrincipal(t)
		if n := names[t]; n != "" {
			principals[i] = n
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, got, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		match := -1
		if strings.EqualFold(scheme, "Bearer") {
			g := []byte(strings.TrimSpace(got))
			for i, t := range want {
				if subtle.ConstantTimeCompare(g, t) == 1 {
					match = i
				}
			}
		}
		if match < 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="recovery-mcp", error="invalid_token", error_description="send Authorization: Bearer <token>"`)
			http.Error(w, "unauthorized: this server requires a bearer token", http.StatusUnauthorized)
			return
		}
		// Who calls, for confirmation grants and the audit: a hash of the
		// token, stable across restarts and replicas, never the token.
		r = r.WithContext(safety.WithPrincipal(r.Context(), principals[match]))
		next.ServeHTTP(w, withClient(r, "token-"+strconv.Itoa(match+1)))
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
	if !IsLoopback(o.Addr) && len(o.tokens()) == 0 {
		return ErrNeedToken
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	srv, lln := s.newHTTPServer(o, ln)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lln) }()
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

// newHTTPServer returns the server and the connection-limited listener it
// serves. There is no server-wide ReadTimeout or WriteTimeout: they would
// cut streams; deadlines sets them per request instead.
func (s *Server) newHTTPServer(o HTTPOptions, ln net.Listener) (*http.Server, *limitListener) {
	l := o.Limits.withDefaults()
	return &http.Server{
		Handler:           s.HTTPHandler(o),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(slogWriter{s.opts.Logger.With("component", "http")}, "", 0),
	}, newLimitListener(ln, l.MaxConnections)
}
