package nutanix

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/recovery-mcp/recovery-mcp/clients/internal/flight"
)

// Options configure a Client.
type Options struct {
	// Endpoint is the Prism Central base URL, e.g. "https://pc.example:9440".
	Endpoint string
	// Username and Password select basic auth; APIKey (sent as
	// X-ntnx-api-key) is used instead when set.
	Username, Password string
	APIKey             string
	// APIVersion is the path version of every namespace: "v4.0" by default;
	// any "v4.N" is accepted.
	APIVersion string
	// TLSConfig is used for https endpoints; nil verifies certificates
	// against the system roots.
	TLSConfig *tls.Config
	// Timeout bounds each HTTP request (default 60s).
	Timeout time.Duration
	// MaxConcurrency bounds concurrent page fetches of ListAll* (default 4).
	MaxConcurrency int
	// Logger receives debug lines per request (never headers or bodies);
	// nil discards them.
	Logger *slog.Logger
	// RetryMax is the number of retries after the first attempt (default 4;
	// negative disables retries). RetryWaitMin and RetryWaitMax bound the
	// exponential backoff (defaults 500ms and 10s); a Retry-After header
	// wins over them.
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// PollInterval and PollMaxInterval bound the exponential backoff of task
	// polling (defaults 1s and 10s).
	PollInterval, PollMaxInterval time.Duration
}

const redacted = "[REDACTED]"

// String describes the options with credentials redacted.
func (o Options) String() string {
	return fmt.Sprintf("nutanix.Options{Endpoint:%q Username:%q Password:%s APIKey:%s APIVersion:%q Timeout:%s MaxConcurrency:%d RetryMax:%d}",
		o.Endpoint, o.Username, secret(o.Password), secret(o.APIKey), o.APIVersion, o.Timeout, o.MaxConcurrency, o.RetryMax)
}

// GoString is String, so that %#v redacts too.
func (o Options) GoString() string { return o.String() }

// LogValue logs the options with credentials redacted.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("endpoint", o.Endpoint),
		slog.String("username", o.Username),
		slog.String("password", secret(o.Password)),
		slog.String("api_key", secret(o.APIKey)),
		slog.String("api_version", o.APIVersion),
	)
}

func secret(s string) string {
	if s == "" {
		return `""`
	}
	return redacted
}

// Client is a Prism Central v4 client. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	version string
	auth    func(h http.Header)
	http    *retryablehttp.Client
	log     *slog.Logger
	opts    Options
	// reads shares a GET identical to one in flight (same URL and query)
	// between concurrent callers; writes bump its generation (see package
	// clients/internal/flight).
	reads flight.Group[*response]
}

var versionRE = regexp.MustCompile(`^v4\.\d+(\.[ab]\d+)?$`)

// New checks opts and returns a client. It does not contact Prism Central.
func New(opts Options) (*Client, error) {
	if opts.APIVersion == "" {
		opts.APIVersion = "v4.0"
	}
	if !versionRE.MatchString(opts.APIVersion) {
		return nil, fmt.Errorf("nutanix: API version %q is not a v4 version (like v4.0)", opts.APIVersion)
	}
	u, err := url.Parse(strings.TrimRight(opts.Endpoint, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("nutanix: endpoint %q is not an http(s) URL like https://pc.example:9440", opts.Endpoint)
	}
	if u.User != nil {
		return nil, errors.New("nutanix: put credentials in Options, not in the endpoint URL")
	}
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, version: opts.APIVersion, opts: opts}
	switch {
	case opts.APIKey != "":
		key := opts.APIKey
		c.auth = func(h http.Header) { h.Set("X-ntnx-api-key", key) }
	case opts.Username != "":
		v := "Basic " + base64.StdEncoding.EncodeToString([]byte(opts.Username+":"+opts.Password))
		c.auth = func(h http.Header) { h.Set("Authorization", v) }
	default:
		return nil, errors.New("nutanix: no credentials: set Username and Password, or APIKey")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 4
	}
	switch {
	case opts.RetryMax == 0:
		opts.RetryMax = 4
	case opts.RetryMax < 0:
		opts.RetryMax = 0
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
		opts.PollMaxInterval = 10 * time.Second
	}
	if opts.PollMaxInterval < opts.PollInterval {
		opts.PollMaxInterval = opts.PollInterval
	}
	c.log = opts.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	transport := cleanhttp.DefaultPooledTransport()
	if opts.TLSConfig != nil {
		transport.TLSClientConfig = opts.TLSConfig.Clone()
	}
	transport.MaxConnsPerHost = max(opts.MaxConcurrency*2, 8)
	hc := &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	c.http = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil,
		RetryWaitMin: opts.RetryWaitMin,
		RetryWaitMax: opts.RetryWaitMax,
		RetryMax:     opts.RetryMax,
		CheckRetry:   retryPolicy,
		Backoff:      backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			if attempt > 0 {
				c.log.Debug("nutanix retry", "method", r.Method, "path", r.URL.Path, "attempt", attempt+1,
					"request_id", r.Header.Get("NTNX-Request-Id"))
			}
		},
	}
	c.opts = opts
	return c, nil
}

// String describes the client with credentials redacted.
func (c *Client) String() string {
	return "nutanix.Client{" + c.opts.String() + "}"
}

// GoString is String.
func (c *Client) GoString() string { return c.String() }

// LogValue logs the client with credentials redacted.
func (c *Client) LogValue() slog.Value { return c.opts.LogValue() }

// Endpoint returns the Prism Central base URL.
func (c *Client) Endpoint() string { return c.base.String() }

// retryPolicy retries connection errors, 429 and 502/503/504 and nothing
// else. It is applied to mutations as well as reads: a mutation is safe to
// resend because its NTNX-Request-Id header stays the same on every attempt
// and Prism Central replays the first attempt's task for a known id.
func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		// Connection-level failures: retryablehttp's default policy knows
		// which are permanent (bad scheme, certificate errors...).
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// maxRetryAfter caps a server's Retry-After so a bogus value cannot park
// the client; the context still bounds the whole call.
const maxRetryAfter = 5 * time.Minute

// backoff honours Retry-After on 429 and 503, and is exponential otherwise.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxRetryAfter)
		}
	}
	d := minWait
	for range attempt {
		d *= 2
		if d >= maxWait {
			return maxWait
		}
	}
	return min(d, maxWait)
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// newRequestID returns a random UUID v4.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// envelope is the v4 response envelope.
type envelope struct {
	ObjectType string          `json:"$objectType"`
	Reserved   map[string]any  `json:"$reserved"`
	Data       json.RawMessage `json:"data"`
	Metadata   *Metadata       `json:"metadata"`
}

// Metadata is an envelope's metadata.
type Metadata struct {
	TotalAvailableResults *int      `json:"totalAvailableResults,omitempty"`
	Links                 []Link    `json:"links,omitempty"`
	Flags                 []Flag    `json:"flags,omitempty"`
	Messages              []Message `json:"messages,omitempty"`
}

// Link is a HATEOAS link.
type Link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

// Flag is a metadata flag such as isPaginated.
type Flag struct {
	Name  string `json:"name"`
	Value bool   `json:"value"`
}

// Message is a metadata message.
type Message struct {
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// request is one API call.
type request struct {
	method string
	// ns and path: /api/{ns}/{version}/{path}
	ns, path string
	query    url.Values
	body     any
	// mutation: NTNX-Request-Id and If-Match.
	requestID string
	ifMatch   string
}

// response is a decoded answer.
type response struct {
	status int
	etag   string
	env    envelope
}

func (c *Client) url(ns, path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/" + ns + "/" + c.version + "/" + path
	u.RawPath = ""
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// do sends r (with retries) and decodes the envelope; non-2xx answers
// become *APIError. A plain GET identical to one in flight takes that
// one's answer (the decoded envelope is shared: never modified); any other
// method opens a new generation of shared reads before and after it.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	if r.method != http.MethodGet {
		c.reads.Wrote()
		defer c.reads.Wrote()
		return c.send(ctx, r)
	}
	if r.requestID != "" || r.ifMatch != "" {
		return c.send(ctx, r)
	}
	u := c.url(r.ns, r.path, r.query)
	resp, err := c.reads.Do(ctx, u, func(ctx context.Context) (*response, error) { return c.send(ctx, r) })
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// The caller gave up waiting: say on what, as send does.
		return nil, fmt.Errorf("nutanix: %s %s: %w", r.method, "/api/"+r.ns+"/"+c.version+"/"+r.path, err)
	}
	return resp, err
}

// send makes one call (with retries).
func (c *Client) send(ctx context.Context, r request) (*response, error) {
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("nutanix: encoding %s %s body: %w", r.method, r.path, err)
		}
		body = b
	}
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, c.url(r.ns, r.path, r.query), rawBody)
	if err != nil {
		return nil, fmt.Errorf("nutanix: building %s request: %w", r.method, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.requestID != "" {
		req.Header.Set("NTNX-Request-Id", r.requestID)
	}
	if r.ifMatch != "" {
		req.Header.Set("If-Match", r.ifMatch)
	}
	req.Header.Set("User-Agent", "recovery-mcp-nutanix")
	c.auth(req.Header)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("nutanix: %s %s: %w", r.method, req.URL.Path, ctxErr)
		}
		return nil, fmt.Errorf("nutanix: %s %s: %w", r.method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("nutanix: %s %s: reading answer: %w", r.method, req.URL.Path, err)
	}
	c.log.Debug("nutanix request", "method", r.method, "path", req.URL.Path, "status", resp.StatusCode,
		"duration", time.Since(start), "request_id", r.requestID)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, parseAPIError(r.method, req.URL.Path, r.requestID, resp, raw)
	}
	out := &response{status: resp.StatusCode, etag: resp.Header.Get("ETag")}
	if len(bytes.TrimSpace(raw)) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out.env); err != nil {
		return nil, fmt.Errorf("nutanix: %s %s: answer is not a v4 envelope: %w", r.method, req.URL.Path, err)
	}
	if isErrorData(out.env.Data) {
		return nil, parseAPIError(r.method, req.URL.Path, r.requestID, resp, raw)
	}
	return out, nil
}

// isErrorData tells whether data is an ErrorResponse object.
func isErrorData(data json.RawMessage) bool {
	d := bytes.TrimSpace(data)
	if len(d) == 0 || d[0] != '{' {
		return false
	}
	var probe struct {
		ObjectType string `json:"$objectType"`
	}
	_ = json.Unmarshal(d, &probe)
	return strings.HasSuffix(probe.ObjectType, ".error.ErrorResponse")
}

// decodeData decodes the envelope's data into out; missing data is an
// error for single objects.
func decodeData(r *response, out any) error {
	d := bytes.TrimSpace(r.env.Data)
	if len(d) == 0 || bytes.Equal(d, []byte("null")) {
		return errors.New("nutanix: answer has no data")
	}
	if err := json.Unmarshal(d, out); err != nil {
		return fmt.Errorf("nutanix: decoding data: %w", err)
	}
	return nil
}

// decodeList decodes list data; absent data is an empty list.
func decodeList[T any](r *response) ([]T, error) {
	d := bytes.TrimSpace(r.env.Data)
	if len(d) == 0 || bytes.Equal(d, []byte("null")) {
		return []T{}, nil
	}
	var out []T
	if err := json.Unmarshal(d, &out); err != nil {
		return nil, fmt.Errorf("nutanix: decoding list data: %w", err)
	}
	return out, nil
}

// etagFrom reads the ETag header, or $reserved.ETag of the data object.
func etagFrom(r *response) string {
	if r.etag != "" {
		return r.etag
	}
	var probe struct {
		Reserved map[string]any `json:"$reserved"`
	}
	if json.Unmarshal(r.env.Data, &probe) == nil {
		for k, v := range probe.Reserved {
			if strings.EqualFold(k, "etag") {
				if s, ok := v.(string); ok {
					return s
				}
			}
		}
	}
	return ""
}

// get fetches one entity with its ETag.
func (c *Client) get(ctx context.Context, ns, path string, out any) (string, error) {
	r, err := c.do(ctx, request{method: http.MethodGet, ns: ns, path: path})
	if err != nil {
		return "", err
	}
	if err := decodeData(r, out); err != nil {
		return "", err
	}
	return etagFrom(r), nil
}

// Mutation carries the headers of a call that changes something.
type Mutation struct {
	// RequestID is sent as NTNX-Request-Id and reused on every retry. Leave
	// it empty for a new random UUID; set it (a UUID) to make a re-sent call
	// idempotent across processes, e.g. from a workflow journal.
	RequestID string
	// IfMatch is the ETag of the entity changed: the recovery point's, or
	// the VM's for a revert. Empty means: GET the entity and use its current
	// ETag.
	IfMatch string
}

// TaskRef is the answer to an asynchronous operation.
type TaskRef struct {
	// ExtID identifies the task (for GetTask and WaitTask).
	ExtID string
	// RequestID is the NTNX-Request-Id the call was sent with.
	RequestID string
}

// mutate sends a mutation and returns its task reference.
func (c *Client) mutate(ctx context.Context, r request, m Mutation) (TaskRef, error) {
	r.requestID = m.RequestID
	if r.requestID == "" {
		r.requestID = newRequestID()
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return TaskRef{}, err
	}
	var ref struct {
		ExtID string `json:"extId"`
	}
	if err := decodeData(resp, &ref); err != nil || ref.ExtID == "" {
		return TaskRef{}, fmt.Errorf("nutanix: %s %s: answer has no task reference", r.method, r.path)
	}
	return TaskRef{ExtID: ref.ExtID, RequestID: r.requestID}, nil
}
