package ontap_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
)

// TestConnectionsReusedOverHTTP2: against a cluster that offers HTTP/2,
// the client speaks it, and many requests (sequential and concurrent)
// share one connection instead of a TCP and TLS handshake each.
func TestConnectionsReusedOverHTTP2(t *testing.T) {
	e := &fleet.Estate{Clock: fleet.NewClock(epoch)}
	fleet.SmallOntap(e)
	c := e.OntapClusterByName("ontap-prod")
	var conns, h2 atomic.Int64
	sim := simontap.New(e, c, simontap.Options{})
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
	opts := fastOpts(srv.URL, c.Password)
	opts.TLSConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	cl, err := ontap.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 20
	for i := 0; i < n; i++ {
		if _, err := cl.GetCluster(ctx, "name"); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Distinct queries: identical GETs in flight would be shared.
			q := map[string]string{"name": "vol" + strconv.Itoa(i) + "*"}
			if _, err := cl.ListVolumes(ctx, &ontap.ListOptions{Fields: []string{"name"}, Query: q}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if h2.Load() != 2*n || conns.Load() != 1 {
		t.Fatalf("%d of %d requests over HTTP/2 on %d connections; want all on 1", h2.Load(), 2*n, conns.Load())
	}
}
