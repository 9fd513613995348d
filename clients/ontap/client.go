package ontap

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/recovery-mcp/recovery-mcp/clients/internal/flight"
)

// Options configure a Client.
type Options struct {
	// Endpoint is the cluster management address, "https://host[:port]"
	// (no user information, no path).
	Endpoint string
	// Username and Password are sent with HTTP basic authentication. The
	// password never appears in errors, logs or formatted Options.
	Username string
	Password string
	// TLSConfig verifies the cluster's certificate (nil: system roots).
	TLSConfig *tls.Config
	// Timeout bounds one HTTP attempt (default 60s).
	Timeout time.Duration
	// MaxConcurrency bounds the requests in flight through this client and
	// the fan-out helpers (default 4).
	MaxConcurrency int
	// Logger receives debug lines per request and warnings on retries
	// (nil: silent).
	Logger *slog.Logger
	// RetryMax is the number of retries of a retryable request (default 4;
	// negative disables retries).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries (defaults 500ms and 10s). A Retry-After header is honoured up
	// to RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// PollInterval and PollMaxInterval bound the exponential backoff of job
	// and transfer polling (defaults 1s and 30s).
	PollInterval, PollMaxInterval time.Duration
	// PathPrefix replaces /api in every request path, for a cluster reached
	// through a pass-through gateway: "/api/gateways/{uuid}" sends
	// /api/storage/volumes as /api/gateways/{uuid}/storage/volumes. HAL links
	// the gateway already rewrote onto the prefix are followed verbatim.
	PathPrefix string
}

const redacted = "[REDACTED]"

func (o Options) redactedString() string {
	pw := ""
	if o.Password != "" {
		pw = redacted
	}
	return fmt.Sprintf("ontap.Options{Endpoint:%q Username:%q Password:%q Timeout:%s MaxConcurrency:%d RetryMax:%d}",
		o.Endpoint, o.Username, pw, o.Timeout, o.MaxConcurrency, o.RetryMax)
}

// String describes the options with the password redacted.
func (o Options) String() string { return o.redactedString() }

// GoString is String (for %#v).
func (o Options) GoString() string { return o.redactedString() }

// Format prints the redacted form for every verb, so that no verb (%d,
// %x, %+v ...) can print the password field by field.
func (o Options) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, o.redactedString()) }

// LogValue keeps the password out of slog records.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", o.Endpoint), slog.String("username", o.Username),
		slog.String("password", redacted))
}

// MarshalJSON keeps the password out of JSON dumps.
func (o Options) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"endpoint": o.Endpoint, "username": o.Username, "password": redacted,
		"timeout": o.Timeout.String(), "max_concurrency": o.MaxConcurrency,
	})
}

// Client talks to one ONTAP cluster's REST API. It is safe for concurrent
// use.
type Client struct {
	base     string // scheme://host[:port], no trailing slash
	username string
	password string
	http     *retryablehttp.Client
	slots    chan struct{}
	log      *slog.Logger
	pollMin  time.Duration
	pollMax  time.Duration
	prefix   string // replaces /api ("" keeps /api)

	idMu sync.Mutex
	id   *Cluster
	idAt time.Time

	reads flight.Group[*response] // GETs in flight, shared by identical concurrent GETs (shared.go)
}

// IdentityTTL is how long Identity keeps the cluster's name and uuid.
const IdentityTTL = 5 * time.Minute

// Identity returns the cluster's name and uuid (GET /cluster), read once
// per IdentityTTL: a cluster's uuid never changes, and a rename shows
// within the TTL. Callers must not modify the result.
func (c *Client) Identity(ctx context.Context) (*Cluster, error) {
	c.idMu.Lock()
	defer c.idMu.Unlock()
	if c.id != nil && time.Since(c.idAt) < IdentityTTL {
		return c.id, nil
	}
	id, err := c.GetCluster(ctx, "name", "uuid")
	if err != nil {
		return nil, err
	}
	c.id, c.idAt = id, time.Now()
	return id, nil
}

// New checks the options and returns a client. It does not contact the
// cluster.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("ontap: endpoint must be https://host[:port], got %q", redactEndpoint(opts.Endpoint))
	}
	if u.User != nil {
		return nil, errors.New("ontap: endpoint must not carry user information; use Username and Password")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return nil, fmt.Errorf("ontap: endpoint must not have a path or query, got %q", redactEndpoint(opts.Endpoint))
	}
	if opts.Username == "" {
		return nil, errors.New("ontap: username is required")
	}
	prefix := strings.TrimRight(opts.PathPrefix, "/")
	if prefix != "" && (!strings.HasPrefix(prefix, "/api/") || strings.ContainsAny(prefix, "?#")) {
		return nil, fmt.Errorf("ontap: path prefix must be a path under /api/, got %q", opts.PathPrefix)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 4
	}
	switch {
	case opts.RetryMax < 0:
		opts.RetryMax = 0
	case opts.RetryMax == 0:
		opts.RetryMax = 4
	}
	if opts.RetryWaitMin <= 0 {
		opts.RetryWaitMin = 500 * time.Millisecond
	}
	if opts.RetryWaitMax <= 0 {
		opts.RetryWaitMax = 10 * time.Second
	}
	if opts.RetryWaitMax < opts.RetryWaitMin {
		opts.RetryWaitMax = opts.RetryWaitMin
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.PollMaxInterval <= 0 {
		opts.PollMaxInterval = 30 * time.Second
	}
	if opts.PollMaxInterval < opts.PollInterval {
		opts.PollMaxInterval = opts.PollInterval
	}
	c := &Client{
		base:     u.Scheme + "://" + u.Host,
		username: opts.Username,
		password: opts.Password,
		slots:    make(chan struct{}, opts.MaxConcurrency),
		log:      opts.Logger,
		pollMin:  opts.PollInterval,
		pollMax:  opts.PollMaxInterval,
		prefix:   prefix,
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.TLSConfig != nil {
		tr.TLSClientConfig = opts.TLSConfig.Clone()
	}
	tr.MaxIdleConnsPerHost = opts.MaxConcurrency
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: &slotTransport{next: tr, slots: c.slots}, Timeout: opts.Timeout}
	rc.Logger = nil // our own logging; never the library's stderr logger
	rc.RetryMax = opts.RetryMax
	rc.RetryWaitMin = opts.RetryWaitMin
	rc.RetryWaitMax = opts.RetryWaitMax
	rc.CheckRetry = checkRetry
	rc.Backoff = backoff
	rc.RequestLogHook = c.requestHook
	// After the last attempt, hand back the last response (so that its
	// error envelope is decoded) rather than a generic error.
	rc.ErrorHandler = func(resp *http.Response, err error, _ int) (*http.Response, error) {
		if resp != nil {
			return resp, nil
		}
		return nil, err
	}
	c.http = rc
	return c, nil
}

func redactEndpoint(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User(redacted)
		return u.String()
	}
	return s
}

// Endpoint is the cluster address this client talks to (with the gateway
// path prefix, if any).
func (c *Client) Endpoint() string { return c.base + c.prefix }

func (c *Client) describe() string {
	return fmt.Sprintf("ontap.Client{endpoint=%s user=%s}", c.base, c.username)
}

// String describes the client without its password.
func (c *Client) String() string { return c.describe() }

// GoString is String (for %#v).
func (c *Client) GoString() string { return c.describe() }

// Format prints the redacted description for every verb.
func (c *Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.describe()) }

// LogValue keeps the password out of slog records.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", c.base), slog.String("username", c.username))
}

// slotTransport holds one of MaxConcurrency slots for each HTTP attempt
// (not during backoff waits), bounding the requests in flight.
type slotTransport struct {
	next  http.RoundTripper
	slots chan struct{}
}

func (t *slotTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case t.slots <- struct{}{}:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		<-t.slots
		return nil, err
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: func() { <-t.slots }}
	return resp, nil
}

type releaseBody struct {
	io.ReadCloser
	release func()
	done    atomic.Bool
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	if b.done.CompareAndSwap(false, true) {
		b.release()
	}
	return err
}

// retryClass says which failures a request may be retried after.
//
// The rule: a request is retried automatically only when doing it twice
// cannot do more than doing it once.
//   - retrySafe: GETs, and PATCH/DELETE calls that set an absolute end state
//     (snapshot policy, expiry time, SnapMirror state, delete by UUID).
//     They are retried after connection errors, 429 and 502/503/504.
//   - retryUnsafe: POSTs that create something (snapshot, FlexClone, policy,
//     schedule, SnapMirror transfer) and restores (SnapRestore, single-file
//     restore). A lost answer may hide a request that was carried out, and
//     a second one would create a duplicate or redo a destructive change.
//     They are retried only when the server provably did not act: 429 (the
//     request was refused before processing) and errors from dialing (the
//     request never left). Never after 5xx or a broken connection.
type retryClass int

const (
	retrySafe retryClass = iota
	retryUnsafe
)

type ctxKey struct{}

// reqState travels in the request context for the retry policy and logs.
type reqState struct {
	class    retryClass
	attempts atomic.Int32
}

func stateOf(ctx context.Context) *reqState {
	if st, ok := ctx.Value(ctxKey{}).(*reqState); ok {
		return st
	}
	return &reqState{class: retryUnsafe}
}

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateOf(ctx)
	if err != nil {
		if isPermanentTransportError(err) {
			return false, err
		}
		if st.class == retrySafe {
			return true, nil
		}
		return isDialError(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, nil
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return st.class == retrySafe, nil
	}
	return false, nil
}

// isDialError reports an error that happened before the request was sent.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func isPermanentTransportError(err error) bool {
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return true
	}
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invErr x509.CertificateInvalidError
	if errors.As(err, &hostErr) || errors.As(err, &authErr) || errors.As(err, &invErr) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "tls: failed to verify certificate")
}

// backoff is exponential between RetryWaitMin and RetryWaitMax; a
// Retry-After header (seconds or HTTP date) on 429 or 503 is honoured up to
// RetryWaitMax.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			if d > max {
				d = max
			}
			if d < 0 {
				d = 0
			}
			return d
		}
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

func retryAfter(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return time.Until(t), true
	}
	return 0, false
}

func (c *Client) requestHook(_ retryablehttp.Logger, r *http.Request, attempt int) {
	st := stateOf(r.Context())
	st.attempts.Store(int32(attempt + 1))
	if attempt > 0 && c.log != nil {
		c.log.LogAttrs(r.Context(), slog.LevelWarn, "ontap request retry",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("attempt", attempt+1))
	}
}

// response is a finished HTTP exchange.
type response struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// call is one REST request.
type call struct {
	method string
	// path is relative to /api ("/storage/volumes") or a HAL href that
	// starts with /api/. It may carry escaped segments.
	path  string
	query url.Values
	body  any
	class retryClass
}

func (c *Client) url(p string, q url.Values) string {
	switch {
	case c.prefix != "" && (p == c.prefix || strings.HasPrefix(p, c.prefix+"/")):
		// a link the gateway rewrote: verbatim
	case c.prefix != "" && strings.HasPrefix(p, "/api/"):
		p = c.prefix + strings.TrimPrefix(p, "/api")
	case c.prefix != "":
		p = c.prefix + p
	case !strings.HasPrefix(p, "/api/") && p != "/api":
		p = "/api" + p
	}
	u := c.base + p
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		u += sep + q.Encode()
	}
	return u
}

// do performs a call and returns the response; a status of 400 or more
// becomes an *APIError.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if cl.method != http.MethodGet {
		c.reads.Wrote()
		defer c.reads.Wrote()
	}
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("ontap: encode %s %s body: %w", cl.method, cl.path, err)
		}
	}
	st := &reqState{class: cl.class}
	ctx = context.WithValue(ctx, ctxKey{}, st)
	target := c.url(cl.path, cl.query)
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, target, rawBody)
	if err != nil {
		return nil, fmt.Errorf("ontap: build %s %s: %w", cl.method, cl.path, err)
	}
	req.SetBasicAuth(c.username, c.password)
	// Reads ask for plain JSON: ONTAP then leaves out every HAL link but
	// _links.next, a third of a collection's bytes. Writes keep HAL, whose
	// job link some clusters only send that way.
	if cl.method == http.MethodGet {
		req.Header.Set("Accept", "application/json")
	} else {
		req.Header.Set("Accept", "application/hal+json")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ontap: %s %s: %w", cl.method, req.URL.Path, scrub(err, c.password))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("ontap: %s %s: read body: %w", cl.method, req.URL.Path, scrub(err, c.password))
	}
	out := &response{status: resp.StatusCode, header: resp.Header, body: raw, attempts: int(st.attempts.Load())}
	if c.log != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "ontap request",
			slog.String("method", cl.method), slog.String("path", req.URL.Path),
			slog.Int("status", resp.StatusCode), slog.Int("attempts", out.attempts),
			slog.Duration("elapsed", time.Since(start)))
	}
	if resp.StatusCode >= 400 {
		return out, newAPIError(cl.method, req.URL.Path, resp.StatusCode, raw)
	}
	return out, nil
}

// scrub removes the password from an error text, should a lower layer ever
// echo it.
func scrub(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, redacted))
}

// getJSON performs a safe GET and decodes the body into out. An identical
// GET already in flight is joined rather than sent again (see shared.go).
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := c.reads.Do(ctx, c.url(path, q), func(ctx context.Context) (*response, error) {
		return c.do(ctx, call{method: http.MethodGet, path: path, query: q, class: retrySafe})
	})
	if err != nil {
		return err
	}
	return decode(r.body, out, path)
}

func decode(body []byte, out any, what string) error {
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("ontap: decode %s: %w", what, err)
	}
	return nil
}
