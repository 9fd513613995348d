package aiqum

import (
	"context"
	"net/http/httptest"
	"testing"

	clientaiqum "github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
)

// BenchmarkListVolumes reads every volume of the generated ontap-prod (120
// volumes) with the ONTAP client, directly and through the AIQUM gateway,
// and the AIQUM inventory of both clusters with the AIQUM client.
func BenchmarkListVolumes(b *testing.B) {
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	prod := est.OntapClusterByName("ontap-prod")
	backends := map[string]Backend{}
	for _, c := range est.OntapClusters {
		s := httptest.NewServer(simontap.New(est, c, simontap.Options{}))
		defer s.Close()
		backends[c.Name] = Backend{URL: s.URL}
	}
	a := est.Aiqums[0]
	um := httptest.NewServer(New(est, a, Options{Backends: backends}))
	defer um.Close()
	direct, _ := ontap.New(ontap.Options{Endpoint: backends["ontap-prod"].URL, Username: prod.Username, Password: prod.Password})
	viaGW, _ := ontap.New(ontap.Options{Endpoint: um.URL, Username: a.Username, Password: a.Password, PathPrefix: clientaiqum.GatewayPrefix(prod.UUID)})
	native, _ := clientaiqum.New(clientaiqum.Options{Endpoint: um.URL, Username: a.Username, Password: a.Password})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		list func() (int, error)
	}{
		{"ontap-direct", func() (int, error) { v, err := direct.ListVolumes(ctx, nil); return len(v), err }},
		{"ontap-via-gateway", func() (int, error) { v, err := viaGW.ListVolumes(ctx, nil); return len(v), err }},
		{"aiqum-inventory", func() (int, error) { v, err := native.ListVolumes(ctx, nil); return len(v), err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				n, err := c.list()
				if err != nil || n == 0 {
					b.Fatalf("%d volumes, %v", n, err)
				}
			}
		})
	}
}
