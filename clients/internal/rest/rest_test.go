package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

func TestParseEnvelopeAndErrorText(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
		want       Envelope
		text       string
	}{
		{"string code", `{"error":{"code":"4","message":"entry doesn't exist","target":"uuid"}}`, true,
			Envelope{Code: "4", Message: "entry doesn't exist", Target: "uuid"}, "ontap: GET /api/x: HTTP 404: entry doesn't exist (code 4, target uuid)"},
		{"number code and arguments", `{"error":{"code":1638555,"message":"busy","arguments":[{"code":"1","message":"a"}]}}`, true,
			Envelope{Code: "1638555", Message: "busy", Arguments: []ErrorArgument{{"1", "a"}}}, "ontap: GET /api/x: HTTP 404: busy (code 1638555)"},
		{"no envelope", `<html>bad gateway</html>`, false, Envelope{}, "ontap: GET /api/x: HTTP 404"},
		{"null error", `{"error":null}`, false, Envelope{}, "ontap: GET /api/x: HTTP 404"},
		{"error not an object", `{"error":"text"}`, false, Envelope{}, "ontap: GET /api/x: HTTP 404"},
	} {
		got, ok := ParseEnvelope([]byte(tc.body))
		if ok != tc.ok || got.Code != tc.want.Code || got.Message != tc.want.Message || got.Target != tc.want.Target || len(got.Arguments) != len(tc.want.Arguments) {
			t.Errorf("%s: ParseEnvelope = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if s := ErrorText("ontap", "GET", "/api/x", 404, got.Message, got.Code, got.Target); s != tc.text {
			t.Errorf("%s: ErrorText = %q, want %q", tc.name, s, tc.text)
		}
	}
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ err, password, want string }{
		{"dial tcp: s3cret refused", "s3cret", "dial tcp: [REDACTED] refused"},
		{"dial tcp: refused", "s3cret", "dial tcp: refused"},
		{"dial tcp: refused", "", "dial tcp: refused"},
	} {
		if got := Scrub(errors.New(tc.err), tc.password).Error(); got != tc.want {
			t.Errorf("Scrub(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestDoAndLimiter: one exchange sends basic auth, Accept and a JSON body,
// returns status and body whatever the status, and the limiter's slot is
// free again once the body is read; a password in a transport error never
// shows.
func TestDoAndLimiter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		b, _ := io.ReadAll(r.Body)
		if u != "admin" || p != "pw" || r.Header.Get("Accept") != "application/json" || r.Header.Get("Content-Type") != "application/json" || string(b) != `{"a":1}` {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"error":{"code":"1"}}`))
	}))
	defer srv.Close()
	lim := &Limiter{Next: http.DefaultTransport, Slots: make(chan struct{}, 1)}
	hc := retryablehttp.NewClient()
	hc.Logger, hc.RetryMax = nil, 0
	hc.HTTPClient = &http.Client{Transport: lim}
	hc.ErrorHandler = LastResponse
	hc.RequestLogHook = RequestHook("test", nil)
	for i := range 3 { // one slot: a leaked slot would block the second call
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := Do(ctx, hc, "test", nil, Request{Method: http.MethodPost, Path: "/x", URL: srv.URL + "/x", Body: map[string]int{"a": 1},
			Accept: "application/json", Username: "admin", Password: "pw"})
		cancel()
		if err != nil || r.Status != http.StatusConflict || string(r.Body) != `{"error":{"code":"1"}}` || r.Attempts != 1 || r.Path != "/x" {
			t.Fatalf("call %d: %+v, %v", i, r, err)
		}
	}
	if len(lim.Slots) != 0 {
		t.Errorf("%d slots still held", len(lim.Slots))
	}
	_, err := Do(context.Background(), hc, "test", nil, Request{Method: http.MethodGet, Path: "/x", URL: "ftp://pw@host/x", Username: "admin", Password: "pw"})
	if err == nil || strings.Contains(err.Error(), "pw@") || !IsPermanent(err) {
		t.Errorf("unsupported scheme: %v (permanent %v)", err, err != nil && IsPermanent(err))
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, tc := range []struct{ in, base, err string }{
		{"https://cluster.example:8443", "https://cluster.example:8443", ""},
		{"http://10.0.0.1/", "http://10.0.0.1", ""},
		{"cluster.example", "", "must be https://host[:port]"},
		{"ftp://cluster.example", "", "must be https://host[:port]"},
		{"https://admin:s3cret@cluster.example", "", "must not carry user information"},
		{"https://cluster.example/api", "", "must not have a path or query"},
		{"https://cluster.example?x=1", "", "must not have a path or query"},
	} {
		base, err := ParseEndpoint("ontap", tc.in)
		switch {
		case tc.err == "" && (err != nil || base != tc.base):
			t.Errorf("%s: %q, %v; want %q", tc.in, base, err, tc.base)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "ontap: ") || strings.Contains(err.Error(), "s3cret")):
			t.Errorf("%s: error %v; want one saying %q, without the password", tc.in, err, tc.err)
		}
	}
}
