package ontap

import (
	"bytes"
	"context"
	"crypto/tls"
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
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/recovery-mcp/recovery-mcp/clients/internal/rest"
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

const redacted = rest.Redacted

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
	base, err := rest.ParseEndpoint("ontap", opts.Endpoint)
	if err != nil {
		return nil, err
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
		base:     base,
		username: opts.Username,
		password: opts.Password,
		slots:    make(chan struct{}, opts.MaxConcurrency),
		log:      opts.Logger,
		pollMin:  opts.PollInterval,
		pollMax:  opts.PollMaxInterval,
		prefix:   prefix,
	}
	c.http, _ = rest.NewHTTP(rest.HTTPConfig{Name: "ontap", Log: c.log, TLS: opts.TLSConfig, Timeout: opts.Timeout, Slots: c.slots,
		RetryMax: opts.RetryMax, RetryWaitMin: opts.RetryWaitMin, RetryWaitMax: opts.RetryWaitMax, CheckRetry: checkRetry, Backoff: backoff})
	return c, nil
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

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := rest.StateOf(ctx, int(retryUnsafe))
	if err != nil {
		if rest.IsPermanent(err) {
			return false, err
		}
		if retryClass(st.Class) == retrySafe {
			return true, nil
		}
		return isDialError(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, nil
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryClass(st.Class) == retrySafe, nil
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
	// Reads ask for plain JSON: ONTAP then leaves out every HAL link but
	// _links.next, a third of a collection's bytes. Writes keep HAL, whose
	// job link some clusters only send that way.
	accept := "application/hal+json"
	if cl.method == http.MethodGet {
		accept = "application/json"
	}
	r, err := rest.Do(ctx, c.http, "ontap", c.log, rest.Request{Method: cl.method, Path: cl.path, URL: c.url(cl.path, cl.query),
		Body: cl.body, Accept: accept, Username: c.username, Password: c.password, Class: int(cl.class)})
	if err != nil {
		return nil, err
	}
	out := &response{status: r.Status, header: r.Header, body: r.Body, attempts: r.Attempts}
	if r.Status >= 400 {
		return out, newAPIError(cl.method, r.Path, r.Status, r.Body)
	}
	return out, nil
}

// getJSON performs a safe GET and decodes the body into out.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	r, err := c.do(ctx, call{method: http.MethodGet, path: path, query: q, class: retrySafe})
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
