// Package rest is the HTTP plumbing the ONTAP and AIQUM clients share
// (both speak NetApp's REST conventions with basic authentication over
// go-retryablehttp): the per-attempt concurrency limit, the retry state a
// request carries in its context, one exchange (JSON body, basic auth, a
// bounded body read, a password-free error and a debug line), the NetApp
// error envelope and password scrubbing. Each client keeps what differs:
// its retry policy, its URL rules and its exported error type.
//
// It sits under clients/ so that only the clients can import it (the
// dependency rule puts clients at the bottom).
package rest

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
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Redacted replaces a password wherever one would print.
const Redacted = "[REDACTED]"

// MaxBody bounds the bytes read from one answer.
const MaxBody = 64 << 20

// Limiter holds one of cap(Slots) slots for each HTTP attempt (not during
// backoff waits), bounding the requests in flight; the slot is released
// when the answer's body is closed.
type Limiter struct {
	Next  http.RoundTripper
	Slots chan struct{}
}

// RoundTrip implements http.RoundTripper.
func (t *Limiter) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case t.Slots <- struct{}{}:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	resp, err := t.Next.RoundTrip(r)
	if err != nil {
		<-t.Slots
		return nil, err
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: func() { <-t.Slots }}
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

// State travels in a request's context: the client's retry class for it
// and the attempts made so far.
type State struct {
	Class    int
	attempts atomic.Int32
}

// Attempts is the number of attempts made so far.
func (s *State) Attempts() int { return int(s.attempts.Load()) }

type ctxKey struct{}

// WithState returns ctx carrying a new State of class.
func WithState(ctx context.Context, class int) (context.Context, *State) {
	st := &State{Class: class}
	return context.WithValue(ctx, ctxKey{}, st), st
}

// StateOf returns the State in ctx, or a new one of class def.
func StateOf(ctx context.Context, def int) *State {
	if st, ok := ctx.Value(ctxKey{}).(*State); ok {
		return st
	}
	return &State{Class: def}
}

// RequestHook counts attempts and logs retries as "<name> request retry".
func RequestHook(name string, log *slog.Logger) retryablehttp.RequestLogHook {
	return func(_ retryablehttp.Logger, r *http.Request, attempt int) {
		StateOf(r.Context(), 0).attempts.Store(int32(attempt + 1))
		if attempt > 0 && log != nil {
			log.LogAttrs(r.Context(), slog.LevelWarn, name+" request retry",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("attempt", attempt+1))
		}
	}
}

// LastResponse is an ErrorHandler that hands back the last response after
// the last attempt (so that its error envelope is decoded) rather than a
// generic error.
func LastResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	return nil, err
}

// IsPermanent reports a transport error no retry can cure: a certificate
// that does not verify, or a scheme the transport does not speak.
func IsPermanent(err error) bool {
	var cert *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invErr x509.CertificateInvalidError
	if errors.As(err, &cert) || errors.As(err, &hostErr) || errors.As(err, &authErr) || errors.As(err, &invErr) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "tls: failed to verify certificate")
}

// Scrub removes the password from an error text, should a lower layer ever
// echo it.
func Scrub(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, Redacted))
}

// Request is one exchange.
type Request struct {
	Method string
	// Path names the request in errors; URL is what is sent.
	Path, URL string
	// Body, when not nil, is sent as JSON.
	Body               any
	Accept             string
	Username, Password string
	// Class is the client's retry class for the request.
	Class int
}

// Response is a finished exchange.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
	// Path is the request path without its query.
	Path string
}

// Do performs r with hc; name ("ontap", "aiqum") leads errors and log
// lines. Errors carry no password; a context error is returned as is. The
// status is not judged: the caller maps 400 and above to its error type.
func Do(ctx context.Context, hc *retryablehttp.Client, name string, log *slog.Logger, r Request) (*Response, error) {
	var raw any
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: encode %s %s body: %w", name, r.Method, r.Path, err)
		}
		raw = b
	}
	ctx, st := WithState(ctx, r.Class)
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, r.URL, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: build %s %s: %w", name, r.Method, r.Path, err)
	}
	req.SetBasicAuth(r.Username, r.Password)
	req.Header.Set("Accept", r.Accept)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: %s %s: %w", name, r.Method, req.URL.Path, Scrub(err, r.Password))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return &Response{Status: resp.StatusCode, Path: req.URL.Path}, fmt.Errorf("%s: %s %s: read body: %w", name, r.Method, req.URL.Path, Scrub(err, r.Password))
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Attempts: st.Attempts(), Path: req.URL.Path}
	if log != nil {
		log.LogAttrs(ctx, slog.LevelDebug, name+" request",
			slog.String("method", r.Method), slog.String("path", req.URL.Path),
			slog.Int("status", resp.StatusCode), slog.Int("attempts", out.Attempts),
			slog.Duration("elapsed", time.Since(start)))
	}
	return out, nil
}

// FlexString decodes a JSON string or number as a string (NetApp
// documents error.code as a string and some payloads carry a number).
type FlexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = FlexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*f = FlexString(n.String())
	return nil
}

// ErrorArgument is one argument of a NetApp error.
type ErrorArgument struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Envelope is NetApp's error body {"error":{"code","message","target",
// "arguments"}}, which ONTAP sends and AIQUM sends and relays.
type Envelope struct {
	Code      string
	Message   string
	Target    string
	Arguments []ErrorArgument
}

// ParseEnvelope decodes body as an error envelope; false when it is none.
// Each field is decoded on its own: one of an unexpected type (a message
// that is an object, say) must not hide the code beside it.
func ParseEnvelope(body []byte) (Envelope, bool) {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return Envelope{}, false
	}
	raw := bytes.TrimSpace(env.Error)
	if len(raw) == 0 || raw[0] != '{' {
		return Envelope{}, false // absent, null, or not an object ("error": "text")
	}
	var (
		code struct {
			Code FlexString `json:"code"`
		}
		message struct {
			Message string `json:"message"`
		}
		target struct {
			Target string `json:"target"`
		}
		args struct {
			Arguments []ErrorArgument `json:"arguments"`
		}
	)
	_ = json.Unmarshal(raw, &code) // a field of the wrong type stays empty
	_ = json.Unmarshal(raw, &message)
	_ = json.Unmarshal(raw, &target)
	_ = json.Unmarshal(raw, &args)
	return Envelope{Code: string(code.Code), Message: message.Message, Target: target.Target, Arguments: args.Arguments}, true
}

// ErrorText is the text of an error answer: "<name>: METHOD path: HTTP
// status: message (code c, target t)".
func ErrorText(name, method, path string, status int, message, code, target string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: HTTP %d", name, method, path, status)
	if message != "" {
		b.WriteString(": " + message)
	}
	if code != "" {
		b.WriteString(" (code " + code)
		if target != "" {
			b.WriteString(", target " + target)
		}
		b.WriteString(")")
	}
	return b.String()
}

// ParseEndpoint checks "https://host[:port]" (or http; no user
// information, path or query) and returns scheme://host. Errors, led by
// name, never show user information.
func ParseEndpoint(name, endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%s: endpoint must be https://host[:port], got %q", name, redactEndpoint(endpoint))
	}
	if u.User != nil {
		return "", fmt.Errorf("%s: endpoint must not carry user information; use Username and Password", name)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("%s: endpoint must not have a path or query, got %q", name, redactEndpoint(endpoint))
	}
	return u.Scheme + "://" + u.Host, nil
}

func redactEndpoint(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User(Redacted)
		return u.String()
	}
	return s
}

// HTTPConfig is the retrying HTTP client of one backend.
type HTTPConfig struct {
	// Name leads retry log lines.
	Name string
	Log  *slog.Logger
	// TLS verifies the server (nil: system roots).
	TLS *tls.Config
	// Timeout bounds one attempt.
	Timeout time.Duration
	// Slots bounds the attempts in flight (its capacity).
	Slots                      chan struct{}
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	CheckRetry                 retryablehttp.CheckRetry
	Backoff                    retryablehttp.Backoff
}

// NewHTTP builds the client: keep-alive connections (as many idle as
// slots), the Limiter, the retry policy, attempt counting and retry logs
// (never the library's own stderr logger), and the last response handed
// back after the last attempt. It returns the Limiter too, for callers
// that reuse the transport.
func NewHTTP(c HTTPConfig) (*retryablehttp.Client, *Limiter) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.TLS != nil {
		tr.TLSClientConfig = c.TLS.Clone()
	}
	tr.MaxIdleConnsPerHost = cap(c.Slots)
	lim := &Limiter{Next: tr, Slots: c.Slots}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: lim, Timeout: c.Timeout}
	rc.Logger = nil
	rc.RetryMax = c.RetryMax
	rc.RetryWaitMin = c.RetryWaitMin
	rc.RetryWaitMax = c.RetryWaitMax
	rc.CheckRetry = c.CheckRetry
	rc.Backoff = c.Backoff
	rc.RequestLogHook = RequestHook(c.Name, c.Log)
	rc.ErrorHandler = LastResponse
	return rc, lim
}
