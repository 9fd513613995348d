package ontap

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv/wait"
)

// gate is an ONTAP that holds every GET until released and counts
// requests by method and URL; POSTs answer at once.
type gate struct {
	release   chan struct{}
	mu        sync.Mutex
	gets      map[string]int
	posts     int
	cancelled atomic.Int32
}

func newGate(t *testing.T) (*gate, *Client) {
	t.Helper()
	g := &gate{release: make(chan struct{}), gets: map[string]int{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	t.Cleanup(g.open) // never leave a handler blocked
	c, err := New(Options{Endpoint: srv.URL, Username: "admin", Password: "pw",
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}

var openOnce sync.Map

func (g *gate) open() {
	if _, done := openOnce.LoadOrStore(g, true); !done {
		close(g.release)
	}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	g.mu.Lock()
	if r.Method == http.MethodGet {
		g.gets[r.URL.String()]++
	} else {
		g.posts++
	}
	g.mu.Unlock()
	if r.Method == http.MethodGet {
		select {
		case <-g.release:
		case <-r.Context().Done():
			g.cancelled.Add(1)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"records":[{"uuid":"u1","name":"vol1"}],"num_records":1}`)
}

func (g *gate) getCount() (n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range g.gets {
		n += k
	}
	return n
}

// waiters is the number of callers waiting on GETs in flight.
func (c *Client) waiters() int { return c.reads.Waiters() }

func TestIdenticalGETsInFlightShareOneRequest(t *testing.T) {
	cases := []struct {
		name     string
		fields   func(i int) []string
		wantGETs int
	}{
		{"identical", func(int) []string { return []string{"name"} }, 1},
		{"two queries", func(i int) []string { return []string{"name", []string{"uuid", "size"}[i%2]} }, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, c := newGate(t)
			const n = 8
			var wg sync.WaitGroup
			got := make([][]Volume, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = c.ListVolumes(context.Background(), &ListOptions{Fields: tc.fields(i)})
				}()
			}
			wait.For(t, "every caller waiting", func() bool { return c.waiters() == n })
			g.open()
			wg.Wait()
			for i := range n {
				if errs[i] != nil || len(got[i]) != 1 || got[i][0].Name != "vol1" {
					t.Fatalf("caller %d: %v %v", i, got[i], errs[i])
				}
			}
			if n := g.getCount(); n != tc.wantGETs {
				t.Errorf("%d GETs reached the cluster, want %d", n, tc.wantGETs)
			}
			// Nothing is kept once answered: the next GET is sent.
			if _, err := c.ListVolumes(context.Background(), &ListOptions{Fields: tc.fields(0)}); err != nil {
				t.Fatal(err)
			}
			if n := g.getCount(); n != tc.wantGETs+1 {
				t.Errorf("after the answer, a GET was not sent again (%d GETs)", n)
			}
		})
	}
}

// TestGETAfterWriteIsNotJoined: a GET started after a write through the
// client does not take the answer of a GET started before it.
func TestGETAfterWriteIsNotJoined(t *testing.T) {
	g, c := newGate(t)
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := c.ListVolumes(ctx, &ListOptions{Fields: []string{"name"}})
		first <- err
	}()
	wait.For(t, "first GET at the cluster", func() bool { return g.getCount() == 1 })
	if _, err := c.do(ctx, call{method: http.MethodPost, path: "/storage/volumes", body: map[string]string{"name": "v2"}, class: retryUnsafe}); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		_, err := c.ListVolumes(ctx, &ListOptions{Fields: []string{"name"}})
		second <- err
	}()
	wait.For(t, "second GET at the cluster", func() bool { return g.getCount() == 2 })
	g.open()
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
}

// TestSharedGETCancellation: a caller that gives up leaves the others
// their answer; when the last one gives up, the request is cancelled.
func TestSharedGETCancellation(t *testing.T) {
	g, c := newGate(t)
	opts := &ListOptions{Fields: []string{"name"}}
	quitter, cancelQuitter := context.WithCancel(context.Background())
	stayer, cancelStayer := context.WithCancel(context.Background())
	defer cancelStayer()
	res := make(chan error, 2)
	for _, ctx := range []context.Context{quitter, stayer} {
		go func() { _, err := c.ListVolumes(ctx, opts); res <- err }()
	}
	wait.For(t, "both waiting", func() bool { return c.waiters() == 2 && g.getCount() == 1 })
	cancelQuitter()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}
	if g.cancelled.Load() != 0 {
		t.Fatal("the request was cancelled while a caller still waited")
	}
	g.open()
	if err := <-res; err != nil {
		t.Fatalf("the caller that stayed: %v", err)
	}

	// Now everyone gives up: the request ends at the cluster.
	g2, c2 := newGate(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, err := c2.ListVolumes(ctx, opts); res <- err }()
	wait.For(t, "waiting", func() bool { return c2.waiters() == 1 && g2.getCount() == 1 })
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	wait.For(t, "request cancelled at the cluster", func() bool { return g2.cancelled.Load() == 1 })
}
