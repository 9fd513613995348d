package nutanix_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

// TestConnectionsReusedOverHTTP2: against a Prism Central that offers
// HTTP/2, the client speaks it, and many requests (sequential and
// concurrent) share one connection.
func TestConnectionsReusedOverHTTP2(t *testing.T) {
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 6, 18, 9, 0, 0, 0, time.UTC))}
	fleet.SmallNutanix(e)
	sim := simnutanix.New(e, e.PrismCentralByName("pc-prod"), simnutanix.Options{})
	var conns, h2 atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
		sim.ServeHTTP(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	opts := fastOptions(srv.URL)
	opts.Password = e.PrismCentralByName("pc-prod").Password
	opts.TLSConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	cl, err := nutanix.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 20
	for i := 0; i < n; i++ {
		if _, err := cl.ListClusters(ctx, nutanix.ListOptions{Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Distinct queries: identical GETs in flight would be shared.
			if _, err := cl.ListVMs(ctx, nutanix.ListOptions{Limit: 10 + i}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if h2.Load() != 2*n || conns.Load() != 1 {
		t.Fatalf("%d of %d requests over HTTP/2 on %d connections; want all on 1", h2.Load(), 2*n, conns.Load())
	}
}
