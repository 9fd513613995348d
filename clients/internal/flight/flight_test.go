package flight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv/wait"
)

// TestDo: which reads share one fetch.
func TestDo(t *testing.T) {
	cases := []struct {
		name string
		// second runs between the first read's start and the second's.
		between   func(g *Group[int])
		secondKey string
		fetches   int32
	}{
		{"same key joins", func(*Group[int]) {}, "a", 1},
		{"other key fetches", func(*Group[int]) {}, "b", 2},
		{"a write in between fetches", func(g *Group[int]) { g.Wrote() }, "a", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var g Group[int]
			var fetches atomic.Int32
			release := make(chan struct{})
			fetch := func(context.Context) (int, error) {
				n := fetches.Add(1)
				<-release
				return int(n), nil
			}
			var wg sync.WaitGroup
			got := make([]int, 2)
			for i, k := range []string{"a", tc.secondKey} {
				if i == 1 {
					tc.between(&g)
				}
				wg.Add(1)
				go func() { defer wg.Done(); got[i], _ = g.Do(context.Background(), k, fetch) }()
				wait.For(t, "caller waiting", func() bool { return g.Waiters() == i+1 })
			}
			close(release)
			wg.Wait()
			if n := fetches.Load(); n != tc.fetches {
				t.Errorf("%d fetches, want %d", n, tc.fetches)
			}
			if tc.fetches == 1 && got[0] != got[1] {
				t.Errorf("joined callers got %v", got)
			}
			if g.Waiters() != 0 || len(g.flights) != 0 {
				t.Errorf("flights left behind: %v", g.flights)
			}
		})
	}
}

// TestDoCancellation: a caller that gives up leaves the others their
// answer; the fetch's context ends only when the last one gives up.
func TestDoCancellation(t *testing.T) {
	var g Group[string]
	started, stopped := make(chan struct{}), make(chan struct{})
	release := make(chan struct{})
	fetch := func(ctx context.Context) (string, error) {
		close(started)
		select {
		case <-release:
			return "answer", nil
		case <-ctx.Done():
			close(stopped)
			return "", ctx.Err()
		}
	}
	quit, cancelQuit := context.WithCancel(context.Background())
	stay, cancelStay := context.WithCancel(context.Background())
	res := make(chan error, 2)
	go func() { _, err := g.Do(quit, "k", fetch); res <- err }()
	<-started
	go func() { _, err := g.Do(stay, "k", fetch); res <- err }()
	wait.For(t, "two waiting", func() bool { return g.Waiters() == 2 })
	cancelQuit()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v", err)
	}
	select {
	case <-stopped:
		t.Fatal("the fetch stopped while a caller still waited")
	default:
	}
	cancelStay()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("the second caller got %v", err)
	}
	wait.For(t, "fetch cancelled", func() bool {
		select {
		case <-stopped:
			return true
		default:
			return false
		}
	})
	close(release)
}
