package nutanix

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv/wait"
)

// TestSharedReads: concurrent identical GETs cost Prism Central one
// request; a GET started after a write through the client is sent again.
func TestSharedReads(t *testing.T) {
	cases := []struct {
		name     string
		between  func(c *Client) // runs while the first GET is held
		wantGETs int
	}{
		{"identical GETs share", func(*Client) {}, 1},
		{"a write in between", func(c *Client) {
			_, _ = c.do(context.Background(), request{method: http.MethodPost, ns: "dataprotection", path: "config/recovery-points", body: map[string]string{}})
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			var mu sync.Mutex
			gets := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				if r.Method != http.MethodGet {
					_, _ = io.WriteString(w, `{"data":{"$objectType":"prism.v4.config.TaskReference","extId":"t1"}}`)
					return
				}
				mu.Lock()
				gets++
				mu.Unlock()
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
				_, _ = io.WriteString(w, `{"data":[{"extId":"vm1","name":"web"}],"metadata":{"totalAvailableResults":1}}`)
			}))
			defer srv.Close()
			c, err := New(Options{Endpoint: srv.URL, Username: "admin", Password: "pw",
				RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			count := func() int { mu.Lock(); defer mu.Unlock(); return gets }
			var wg sync.WaitGroup
			pages := make([]*Page[VM], 2)
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pages[i], errs[i] = c.ListVMs(context.Background(), ListOptions{Limit: 10})
				}()
				if i == 0 {
					wait.For(t, "first GET at Prism Central", func() bool { return count() == 1 })
					tc.between(c)
				}
			}
			wait.For(t, "callers waiting", func() bool { return c.reads.Waiters() == 2 })
			close(release)
			wg.Wait()
			for i := range 2 {
				if errs[i] != nil || len(pages[i].Items) != 1 || pages[i].Items[0].Name != "web" {
					t.Fatalf("caller %d: %+v %v", i, pages[i], errs[i])
				}
			}
			if n := count(); n != tc.wantGETs {
				t.Errorf("%d GETs reached Prism Central, want %d", n, tc.wantGETs)
			}
		})
	}
}
