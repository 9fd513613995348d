package aiqum

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/recovery-mcp/recovery-mcp/clients/internal/rest"
)

// MaxPage is the most records AIQUM returns in one page.
const MaxPage = 1000

// Options configure a Client.
type Options struct {
	// Endpoint is "https://host[:port]" (no user information, no path).
	Endpoint string
	// Username and Password are sent with HTTP basic authentication (the
	// only scheme AIQUM has). The password never prints.
	Username string
	Password string
	// TLSConfig verifies the server's certificate (nil: system roots).
	TLSConfig *tls.Config
	// Timeout bounds one HTTP attempt (default 60s).
	Timeout time.Duration
	// MaxConcurrency bounds the requests in flight (default 4).
	MaxConcurrency int
	// Logger receives debug lines per request and warnings on retries.
	Logger *slog.Logger
	// RetryMax is the number of retries of a retryable request (default 5;
	// negative disables retries).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff (defaults
	// 500ms and 10s).
	RetryWaitMin, RetryWaitMax time.Duration
	// PollInterval and PollMaxInterval bound job polling (defaults 1s, 30s).
	PollInterval, PollMaxInterval time.Duration
	// PageSize is max_records per page (default and maximum 1000).
	PageSize int
}

const redacted = rest.Redacted

// String describes the options with the password redacted.
func (o Options) String() string {
	pw := ""
	if o.Password != "" {
		pw = redacted
	}
	return fmt.Sprintf("aiqum.Options{Endpoint:%q Username:%q Password:%q}", o.Endpoint, o.Username, pw)
}

// GoString is String.
func (o Options) GoString() string { return o.String() }

// Format prints the redacted form for every verb.
func (o Options) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, o.String()) }

// LogValue keeps the password out of slog records.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", o.Endpoint), slog.String("username", o.Username))
}

// Client talks to one AIQUM server. It is safe for concurrent use.
type Client struct {
	base     string
	username string
	password string
	http     *retryablehttp.Client
	transp   http.RoundTripper
	log      *slog.Logger
	pollMin  time.Duration
	pollMax  time.Duration
	page     int
}

// New checks the options and returns a client; it does not contact AIQUM.
func New(opts Options) (*Client, error) {
	base, err := rest.ParseEndpoint("aiqum", opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if opts.Username == "" {
		return nil, errors.New("aiqum: username is required")
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
		opts.RetryMax = 5
	}
	if opts.RetryWaitMin <= 0 {
		opts.RetryWaitMin = 500 * time.Millisecond
	}
	if opts.RetryWaitMax < opts.RetryWaitMin {
		opts.RetryWaitMax = max(10*time.Second, opts.RetryWaitMin)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.PollMaxInterval < opts.PollInterval {
		opts.PollMaxInterval = max(30*time.Second, opts.PollInterval)
	}
	if opts.PageSize <= 0 || opts.PageSize > MaxPage {
		opts.PageSize = MaxPage
	}
	c := &Client{
		base: base, username: opts.Username, password: opts.Password,
		log: opts.Logger, pollMin: opts.PollInterval, pollMax: opts.PollMaxInterval, page: opts.PageSize,
	}
	c.http, c.transp = rest.NewHTTP(rest.HTTPConfig{Name: "aiqum", Log: c.log, TLS: opts.TLSConfig, Timeout: opts.Timeout,
		Slots: make(chan struct{}, opts.MaxConcurrency), RetryMax: opts.RetryMax, RetryWaitMin: opts.RetryWaitMin,
		RetryWaitMax: opts.RetryWaitMax, CheckRetry: checkRetry, Backoff: retryablehttp.DefaultBackoff})
	return c, nil
}

// Endpoint is the server address.
func (c *Client) Endpoint() string { return c.base }

// Transport is the client's HTTP transport (TLS settings and concurrency
// limit), for an ONTAP client that goes through the gateway.
func (c *Client) Transport() http.RoundTripper { return c.transp }

// String describes the client without its password.
func (c *Client) String() string {
	return fmt.Sprintf("aiqum.Client{endpoint=%s user=%s}", c.base, c.username)
}

// Format prints the redacted description for every verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue keeps the password out of slog records.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", c.base), slog.String("username", c.username))
}

// GatewayPrefix is the path under which AIQUM passes ONTAP REST calls to
// the cluster with that UUID: ONTAP's /api/storage/volumes becomes
// {prefix}/storage/volumes.
func GatewayPrefix(clusterUUID string) string {
	return "/api/gateways/" + url.PathEscape(clusterUUID)
}

// retryClass says after which failures a request may be repeated.
type retryClass int

const (
	// retryRead: GET. Connection errors, 429, 500, 502, 503, 504.
	retryRead retryClass = iota
	// retryIdempotent: a PATCH to an absolute state. Connection errors,
	// 429, 502, 503, 504; not 500 (the change may have been made and
	// failed later, and the caller should look before repeating).
	retryIdempotent
)

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := rest.StateOf(ctx, int(retryIdempotent))
	if err != nil {
		if rest.IsPermanent(err) {
			return false, err
		}
		return true, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	case http.StatusInternalServerError:
		return retryClass(st.Class) == retryRead, nil
	}
	return false, nil
}

// do performs one request. p is a path under /api/v2 ("/datacenter/...")
// or an absolute path from a link ("/api/..."). A status of 400 or more
// becomes an *APIError.
func (c *Client) do(ctx context.Context, method, p string, q url.Values, body any, class retryClass) ([]byte, int, error) {
	if !strings.HasPrefix(p, "/api/") {
		p = "/api/v2" + p
	}
	target := c.base + p
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		target += sep + q.Encode()
	}
	r, err := rest.Do(ctx, c.http, "aiqum", c.log, rest.Request{Method: method, Path: p, URL: target, Body: body,
		Accept: "application/json", Username: c.username, Password: c.password, Class: int(class)})
	if err != nil {
		status := 0
		if r != nil {
			status = r.Status
		}
		return nil, status, err
	}
	if r.Status >= 400 {
		return r.Body, r.Status, newAPIError(method, r.Path, r.Status, r.Body)
	}
	return r.Body, r.Status, nil
}

// getJSON GETs one object.
func (c *Client) getJSON(ctx context.Context, p string, q url.Values, out any) error {
	b, _, err := c.do(ctx, http.MethodGet, p, q, nil, retryRead)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("aiqum: decode %s: %w", p, err)
	}
	return nil
}

// link is a HAL link; the swagger types some as a bare string.
type link struct{ Href string }

func (l *link) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(`"`)) {
		return json.Unmarshal(b, &l.Href)
	}
	var v struct {
		Href string `json:"href"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	l.Href = v.Href
	return nil
}

type page struct {
	Records      []json.RawMessage `json:"records"`
	NumRecords   *int              `json:"num_records"`
	TotalRecords *int              `json:"total_records"`
	Links        *struct {
		Next *link `json:"next"`
	} `json:"_links"`
}

// list reads the collection at p with the filters q, page by page, calling
// each with every record, until limit records (0: all) have been read. It
// returns total_records.
func (c *Client) list(ctx context.Context, p string, q url.Values, limit int, each func(json.RawMessage) error) (int, error) {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	size := c.page
	if limit > 0 && limit < size {
		size = limit
	}
	q2.Set("max_records", strconv.Itoa(size))
	if q2.Get("offset") == "" {
		q2.Set("offset", "0")
	}
	next, query := p, q2
	read, total := 0, -1
	for pages := 0; ; pages++ {
		if pages > 100000 {
			return total, fmt.Errorf("aiqum: %s: more than 100000 pages", p)
		}
		b, _, err := c.do(ctx, http.MethodGet, next, query, nil, retryRead)
		if err != nil {
			return total, err
		}
		var pg page
		if err := json.Unmarshal(b, &pg); err != nil {
			return total, fmt.Errorf("aiqum: decode %s: %w", p, err)
		}
		if pg.TotalRecords == nil {
			return total, fmt.Errorf("aiqum: unexpected response from %s: expecting key total_records", p)
		}
		if pg.Links == nil {
			return total, fmt.Errorf("aiqum: unexpected response from %s: expecting key _links", p)
		}
		total = *pg.TotalRecords
		for _, r := range pg.Records {
			if limit > 0 && read >= limit {
				return total, nil
			}
			if err := each(r); err != nil {
				return total, err
			}
			read++
		}
		if limit > 0 && read >= limit {
			return total, nil
		}
		if pg.Links.Next == nil {
			break
		}
		href := pg.Links.Next.Href
		if href == "" {
			return total, fmt.Errorf("aiqum: unexpected response from %s: _links.next without href", p)
		}
		if u, err := url.Parse(href); err == nil && u.IsAbs() {
			href = u.RequestURI()
		}
		if !strings.HasPrefix(href, "/") {
			return total, fmt.Errorf("aiqum: %s: next link %q is not a path", p, href)
		}
		if len(pg.Records) == 0 {
			return total, fmt.Errorf("aiqum: %s: empty page with a next link", p)
		}
		next, query = href, nil
	}
	if read < total {
		return total, fmt.Errorf("aiqum: %s: total_records is %d but the pages held %d records", p, total, read)
	}
	return total, nil
}

// listAll decodes every record of a collection into T.
func listAll[T any](ctx context.Context, c *Client, p string, q url.Values, limit int) ([]T, int, error) {
	var out []T
	total, err := c.list(ctx, p, q, limit, func(r json.RawMessage) error {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			return fmt.Errorf("aiqum: decode a record of %s: %w", p, err)
		}
		out = append(out, v)
		return nil
	})
	return out, total, err
}
