package fault

import (
	"net/http"
	"sort"
	"sync"
)

// Counter counts the requests each simulator serves, so tests can assert
// how many backend round trips a tool call costs (an N+1 regression then
// fails a test) and benchmarks can report requests per call. It is safe
// for concurrent use.
type Counter struct {
	mu    sync.Mutex
	n     map[string]int64
	bytes int64
	paths map[string][]string
	keep  bool
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{n: map[string]int64{}, paths: map[string][]string{}} }

// Wrap counts the requests h serves under name (a simulator's name).
func (c *Counter) Wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[name]++
		if c.keep {
			c.paths[name] = append(c.paths[name], r.Method+" "+r.URL.RequestURI())
		}
		c.mu.Unlock()
		cw := &countingWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		c.mu.Lock()
		c.bytes += cw.n
		c.mu.Unlock()
	})
}

// countingWriter counts the body bytes a handler writes.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Bytes is the number of response body bytes every simulator has sent.
func (c *Counter) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Record makes the counter keep each request's method and URI (for
// diagnostics: Requests); off by default.
func (c *Counter) Record(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keep = on
}

// Total is the number of requests served by every simulator.
func (c *Counter) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t int64
	for _, n := range c.n {
		t += n
	}
	return t
}

// Of is the number of requests the named simulator served.
func (c *Counter) Of(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// Requests lists the recorded requests ("simulator: METHOD /uri"), by
// simulator name, in arrival order per simulator.
func (c *Counter) Requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.paths))
	for n := range c.paths {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		for _, p := range c.paths[n] {
			out = append(out, n+": "+p)
		}
	}
	return out
}

// Reset forgets every count and recorded request.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = map[string]int64{}
	c.paths = map[string][]string{}
	c.bytes = 0
}
