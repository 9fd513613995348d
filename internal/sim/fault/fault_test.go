package fault

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestInjector(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	cases := []struct {
		name   string
		rule   Rule
		path   string
		status int
		retry  string
	}{
		{"no match passes", Rule{Path: "/api/storage/*", ErrorRate: 1}, "/api/cluster", 200, ""},
		{"error on match", Rule{Path: "/api/storage/*", ErrorRate: 1}, "/api/storage/volumes", 503, ""},
		{"glob segment", Rule{Path: "/api/storage/volumes/*/snapshots", ErrorRate: 1, Status: 500}, "/api/storage/volumes/u1/snapshots", 500, ""},
		{"method filter", Rule{Method: "POST", ErrorRate: 1}, "/x", 200, ""},
		{"429 with retry-after", Rule{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond}, "/x", 429, "2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.rule.Validate(); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(New(1, c.rule).Wrap(ok))
			defer srv.Close()
			resp, err := http.Get(srv.URL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status || resp.Header.Get("Retry-After") != c.retry {
				t.Fatalf("status %d retry-after %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		})
	}
}

func TestCountLimitsRuleAndDropClosesConnection(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(New(1, Rule{ErrorRate: 1, Count: 2}).Wrap(ok))
	defer srv.Close()
	var got []int
	for range 3 {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if got[0] != 503 || got[1] != 503 || got[2] != 200 {
		t.Fatalf("statuses %v", got)
	}
	drop := httptest.NewServer(New(1, Rule{DropRate: 1}).Wrap(ok))
	defer drop.Close()
	if _, err := http.Get(drop.URL); err == nil {
		t.Fatal("dropped connection answered")
	}
}

func TestLatencyIsAddedAndCancellable(t *testing.T) {
	inj := New(1, Rule{Latency: 30 * time.Millisecond, Jitter: 10 * time.Millisecond})
	var slept time.Duration
	inj.sleep = func(_ context.Context, d time.Duration) error { slept = d; return nil }
	rec := httptest.NewRecorder()
	inj.Wrap(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if slept < 30*time.Millisecond || slept > 40*time.Millisecond {
		t.Fatalf("slept %v", slept)
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range []Rule{{ErrorRate: 1.5}, {ErrorRate: 0.6, DropRate: 0.6}, {Status: 200}, {Latency: -1}, {Path: "[x"}} {
		if bad.Validate() == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}
