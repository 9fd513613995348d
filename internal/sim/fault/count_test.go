package fault

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestCounter(t *testing.T) {
	c := NewCounter()
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) })
	a, b := c.Wrap("a", h), c.Wrap("b", h)
	serve := func(h http.Handler, path string) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	serve(a, "/x")
	c.Record(true)
	serve(a, "/y?q=1")
	serve(b, "/z")
	if c.Total() != 3 || c.Of("a") != 2 || c.Of("b") != 1 || c.Bytes() != 15 {
		t.Fatalf("total %d, a %d, b %d, bytes %d", c.Total(), c.Of("a"), c.Of("b"), c.Bytes())
	}
	if got, want := c.Requests(), []string{"a: GET /y?q=1", "b: GET /z"}; !slices.Equal(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	c.Reset()
	if c.Total() != 0 || c.Bytes() != 0 || len(c.Requests()) != 0 {
		t.Fatalf("after reset: %d requests, %d bytes, %v", c.Total(), c.Bytes(), c.Requests())
	}
}
