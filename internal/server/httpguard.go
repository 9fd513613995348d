package server

// HTTP that holds under attack and load. Decisions (also in the README):
//
//   - Timeouts per request kind, not one server-wide WriteTimeout or
//     ReadTimeout, which would cut the long-lived SSE and streamable-HTTP GET
//     streams: ReadHeaderTimeout drops a connection that sends no complete
//     header in time (slowloris, silent connections); IdleTimeout drops an idle
//     keep-alive connection; a request with a body must deliver it within
//     ReadTimeout (a per-request read deadline, cleared once the body is in,
//     so that a long tool call is not cut); every write must complete within
//     WriteTimeout (the deadline is pushed forward before each write and
//     flush), so a client that stops reading cannot pin a goroutine while a
//     healthy stream lives as long as it likes.
//   - The number of open connections is bounded by a limit listener: past the
//     limit, new connections wait in the kernel's accept queue, not in our
//     file descriptors, and get in as the timeouts drop the idle and slow.
//   - A request body is read in full, under the read deadline, before the
//     request takes a concurrency slot; a body over MaxBodyBytes is answered
//     413 with a JSON-RPC error without reading past the limit (at once when
//     Content-Length says so).
//   - A client is its bearer token (each line of the token file is one
//     client), or its remote IP when the server runs without tokens. Each
//     client may have MaxRequestsPerClient requests and MaxStreamsPerClient
//     streams (GET /mcp, GET /sse) at once; over that it gets 429 with
//     Retry-After.
//   - Sessions (protocol eras before 2026-07-28; the 2026-07-28 era is
//     stateless and has none): an Mcp-Session-Id must be one this server
//     issued, not deleted and not idle past SessionIdleTTL, and it belongs to
//     the client that created it. Anything else is 404, as the streamable
//     HTTP spec says for an unknown session, so another client's session
//     looks exactly like one that does not exist. The legacy SSE session in
//     /message?sessionId= is bound the same way to the client that opened
//     the /sse stream.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// HTTPLimits bounds what the HTTP transports give one client and all of
// them. Zero fields take the defaults in DefaultHTTPLimits.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a request's body.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of a response or stream event.
	WriteTimeout time.Duration
	// IdleTimeout bounds an idle keep-alive connection.
	IdleTimeout time.Duration
	// MaxBodyBytes is the largest request body accepted.
	MaxBodyBytes int64
	// MaxConnections bounds the open connections.
	MaxConnections int
	// MaxRequestsPerClient bounds one client's requests in progress.
	MaxRequestsPerClient int
	// MaxStreamsPerClient bounds one client's open GET streams.
	MaxStreamsPerClient int
	// SessionIdleTTL ends a session unused for this long.
	SessionIdleTTL time.Duration
	// MaxSessions bounds the live sessions; the least recently used goes
	// first.
	MaxSessions int
}

// DefaultHTTPLimits are the limits a server runs with unless configured.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout:    10 * time.Second,
	ReadTimeout:          30 * time.Second,
	WriteTimeout:         30 * time.Second,
	IdleTimeout:          120 * time.Second,
	MaxBodyBytes:         4 << 20,
	MaxConnections:       1024,
	MaxRequestsPerClient: 64,
	MaxStreamsPerClient:  8,
	SessionIdleTTL:       30 * time.Minute,
	MaxSessions:          10000,
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	pick(&l.ReadTimeout, d.ReadTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	pick(&l.SessionIdleTTL, d.SessionIdleTTL)
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	pickInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pickInt(&l.MaxConnections, d.MaxConnections)
	pickInt(&l.MaxRequestsPerClient, d.MaxRequestsPerClient)
	pickInt(&l.MaxStreamsPerClient, d.MaxStreamsPerClient)
	pickInt(&l.MaxSessions, d.MaxSessions)
	return l
}

type clientKeyCtx struct{}

// withClient records the authenticated client's identity on r.
func withClient(r *http.Request, id string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientKeyCtx{}, id))
}

// clientOf returns who sent r: its token's identity, else its remote IP.
func clientOf(r *http.Request) string {
	if id, ok := r.Context().Value(clientKeyCtx{}).(string); ok {
		return id
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// isStream reports whether r opens a long-lived event stream.
func isStream(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == "/mcp" || r.URL.Path == "/sse")
}

// writeRPCError answers with a JSON-RPC error envelope (id null) and an HTTP
// status, so that JSON-RPC clients and plain HTTP clients both understand.
func writeRPCError(w http.ResponseWriter, status, code int, msg string) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": code, "message": msg},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// deadlines sets the per-request read deadline for a body and wraps w so
// that each write gets WriteTimeout to complete. It is the outermost layer.
func deadlines(l HTTPLimits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			_ = rc.SetReadDeadline(time.Now().Add(l.ReadTimeout))
		}
		_ = rc.SetWriteDeadline(time.Now().Add(l.WriteTimeout))
		next.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc, d: l.WriteTimeout}, r)
	})
}

// deadlineWriter pushes the write deadline forward before every write and
// flush: a stream may live for hours, one stalled write may not.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *deadlineWriter) extend() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.d)) }

func (w *deadlineWriter) WriteHeader(code int) { w.extend(); w.ResponseWriter.WriteHeader(code) }

func (w *deadlineWriter) Write(p []byte) (int, error) { w.extend(); return w.ResponseWriter.Write(p) }

func (w *deadlineWriter) Flush() { _ = w.FlushError() }

func (w *deadlineWriter) FlushError() error { w.extend(); return w.rc.Flush() }

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readBody reads a request body in full, up to l.MaxBodyBytes, before the
// request goes on; 413 beyond the limit, 408 when it does not arrive within
// the read deadline. The read deadline is cleared afterwards, so that the
// connection's close detection does not cut a long call.
func readBody(l HTTPLimits, next http.Handler) http.Handler {
	tooBig := fmt.Sprintf("request body too large: the limit is %d bytes (http.max_body_bytes)", l.MaxBodyBytes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > l.MaxBodyBytes {
			w.Header().Set("Connection", "close")
			writeRPCError(w, http.StatusRequestEntityTooLarge, mcp.INVALID_REQUEST, tooBig)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, l.MaxBodyBytes+1))
		if err != nil {
			w.Header().Set("Connection", "close")
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				writeRPCError(w, http.StatusRequestTimeout, mcp.INVALID_REQUEST, "request body not received in time")
				return
			}
			writeRPCError(w, http.StatusBadRequest, mcp.PARSE_ERROR, "cannot read the request body")
			return
		}
		if int64(len(body)) > l.MaxBodyBytes {
			w.Header().Set("Connection", "close")
			writeRPCError(w, http.StatusRequestEntityTooLarge, mcp.INVALID_REQUEST, tooBig)
			return
		}
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// clientLimiter counts each client's requests and streams in progress.
type clientLimiter struct {
	mu       sync.Mutex
	inFlight map[string]int
}

func (c *clientLimiter) acquire(key string, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight[key] >= limit {
		return false
	}
	if c.inFlight == nil {
		c.inFlight = map[string]int{}
	}
	c.inFlight[key]++
	return true
}

func (c *clientLimiter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight[key]--; c.inFlight[key] <= 0 {
		delete(c.inFlight, key)
	}
}

// limit answers 429 with Retry-After to a client over its concurrency.
func (c *clientLimiter) limit(l HTTPLimits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		key, limit, what := "req|"+clientOf(r), l.MaxRequestsPerClient, "requests"
		if isStream(r) {
			key, limit, what = "stream|"+clientOf(r), l.MaxStreamsPerClient, "streams"
		}
		if !c.acquire(key, limit) {
			w.Header().Set("Retry-After", "1")
			writeRPCError(w, http.StatusTooManyRequests, mcp.INTERNAL_ERROR,
				fmt.Sprintf("too many concurrent %s from this client (limit %d): retry after the ones in progress finish", what, limit))
			return
		}
		defer c.release(key)
		next.ServeHTTP(w, r)
	})
}

// sessions are the streamable-HTTP sessions this server issued, each bound
// to the client that created it. It is mcp-go's SessionIdManagerResolver:
// the manager it resolves knows the request's client.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*sessionEntry
	ttl time.Duration
	max int
	now func() time.Time
}

type sessionEntry struct {
	owner string
	last  time.Time
}

func newSessions(l HTTPLimits) *sessions {
	return &sessions{m: map[string]*sessionEntry{}, ttl: l.SessionIdleTTL, max: l.MaxSessions, now: time.Now}
}

// newSessionID returns an unguessable id (128 random bits).
func newSessionID() string { return "mcp-session-" + rand.Text() }

func (s *sessions) add(id, owner string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.max {
		var oldest string
		var at time.Time
		for k, e := range s.m {
			if oldest == "" || e.last.Before(at) {
				oldest, at = k, e.last
			}
		}
		delete(s.m, oldest)
	}
	s.m[id] = &sessionEntry{owner: owner, last: s.now()}
}

// check reports whether id is live and owner's, and marks it used.
func (s *sessions) check(id, owner string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return false
	}
	now := s.now()
	if now.Sub(e.last) > s.ttl {
		delete(s.m, id)
		return false
	}
	if e.owner != owner {
		return false
	}
	e.last = now
	return true
}

func (s *sessions) remove(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// ResolveSessionIdManager implements mcpserver.SessionIdManagerResolver. r
// is nil for mcp-go's idle sweeper.
func (s *sessions) ResolveSessionIdManager(r *http.Request) mcpserver.SessionIdManager {
	if r == nil {
		return boundSessions{s: s, any: true}
	}
	return boundSessions{s: s, owner: clientOf(r)}
}

// boundSessions is the session manager for one request's client.
type boundSessions struct {
	s     *sessions
	owner string
	any   bool // the sweeper: no client
}

func (b boundSessions) Generate() string {
	id := newSessionID()
	b.s.add(id, b.owner)
	return id
}

var errUnknownSession = errors.New("unknown session")

func (b boundSessions) Validate(id string) (bool, error) {
	if b.any || b.s.check(id, b.owner) {
		return false, nil
	}
	return false, errUnknownSession
}

func (b boundSessions) Terminate(id string) (bool, error) {
	if b.any || b.s.check(id, b.owner) {
		b.s.remove(id)
	}
	return false, nil
}

// guardSession answers 404 to a streamable-HTTP request of a legacy era
// whose Mcp-Session-Id is unknown, deleted, expired or another client's.
// mcp-go validates POSTs itself but not a GET stream, and it would answer a
// foreign DELETE by terminating; this check covers all three first.
func (s *sessions) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(mcpserver.HeaderKeySessionID)
		if id == "" || mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
			next.ServeHTTP(w, r)
			return
		}
		if !s.check(id, clientOf(r)) {
			writeRPCError(w, http.StatusNotFound, mcp.INVALID_REQUEST, "session not found (unknown, deleted or expired): start a new session with initialize")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sseSessions binds legacy SSE sessions to the client that opened the /sse
// stream, for as long as the stream is open.
type sseSessions struct {
	mu sync.Mutex
	m  map[string]string // session id -> owner
}

type sseIDHolder struct{ id string }

type sseHolderCtx struct{}

// generate is mcp-go's SSE session id generator: it records the owner.
func (s *sseSessions) generate(ctx context.Context, r *http.Request) (string, error) {
	id := rand.Text()
	s.mu.Lock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[id] = clientOf(r)
	s.mu.Unlock()
	if h, ok := ctx.Value(sseHolderCtx{}).(*sseIDHolder); ok {
		h.id = id
	}
	return id, nil
}

// stream wraps the /sse handler so that the session's binding ends with
// its stream.
func (s *sseSessions) stream(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := &sseIDHolder{}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sseHolderCtx{}, h)))
		if h.id != "" {
			s.mu.Lock()
			delete(s.m, h.id)
			s.mu.Unlock()
		}
	})
}

// message answers 404 to /message for a session that is not open or not
// the client's own.
func (s *sseSessions) message(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("sessionId")
		s.mu.Lock()
		owner, ok := s.m[id]
		s.mu.Unlock()
		if !ok || owner != clientOf(r) {
			writeRPCError(w, http.StatusNotFound, mcp.INVALID_PARAMS, "SSE session not found: open a new stream at /sse")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitListener bounds the accepted connections that are open at once;
// past the bound, Accept waits, and new connections queue in the kernel.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	open      atomic.Int64
	peak      atomic.Int64
}

func newLimitListener(l net.Listener, n int) *limitListener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	n := l.open.Add(1)
	for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
	}
	return &limitConn{Conn: c, l: l}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		<-c.l.sem
	})
	return err
}
