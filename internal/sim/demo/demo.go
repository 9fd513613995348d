// Package demo starts the simulators of an estate on loopback: one HTTPS
// listener per Prism Central and per ONTAP cluster, with a certificate
// authority generated at start (or plain HTTP on request), behind the fault
// injector. `recovery-mcp serve --demo` points the server at it over real
// HTTP, so the demo runs exactly the code a real cluster does;
// `recovery-mcp sim` serves it alone for other clients.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	simaiqum "github.com/recovery-mcp/recovery-mcp/internal/sim/aiqum"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/tlsca"
)

// Options says what to serve and where.
type Options struct {
	// Estate to serve; nil builds the default one.
	Estate *fleet.Estate
	// Host to listen on (default 127.0.0.1).
	Host string
	// Port of the first listener; the others take the next ports. 0 picks a
	// free port for each.
	Port int
	// PlainHTTP serves HTTP instead of HTTPS.
	PlainHTTP bool
	// Faults are injected in front of every simulator.
	Faults []fault.Rule
	// Seed drives the fault injector's random choices.
	Seed int64
	// ClockRate, when positive, lets the estate's simulated time flow with
	// the wall clock at that rate (fleet.Clock.Run), so that jobs, tasks and
	// transfers finish whether or not anyone polls them.
	ClockRate float64
	Logger    *slog.Logger
}

// Target is one simulated endpoint, in the config file's own keys.
type Target struct {
	Name               string `json:"name"`
	Kind               string `json:"kind"`
	Host               string `json:"host"`
	Port               int    `json:"port"`
	Username           string `json:"username"`
	Password           string `json:"password"`
	CAFile             string `json:"ca_file,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
	PlainHTTP          bool   `json:"plain_http,omitempty"`
	Site               string `json:"site,omitempty"`
}

// Demo is a running set of simulators.
type Demo struct {
	Estate   *fleet.Estate
	Targets  []Target
	CA       *tlsca.CA
	Injector *fault.Injector
	// Counter counts the requests each simulator serves (behind the
	// injected faults: a request answered by a fault is not counted).
	Counter *fault.Counter
	servers []*http.Server
	dir     string
	once    sync.Once
}

// Start serves every Prism Central, ONTAP cluster and AIQUM server of the
// estate.
func Start(ctx context.Context, o Options) (*Demo, error) {
	if o.Estate == nil {
		o.Estate = fleet.Small(fleet.DefaultNow)
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	for i, r := range o.Faults {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("fault rule %d: %w", i+1, err)
		}
	}
	if o.ClockRate > 0 {
		o.Estate.Clock.Run(o.ClockRate, nil)
	}
	d := &Demo{Estate: o.Estate, Injector: fault.New(o.Seed, o.Faults...), Counter: fault.NewCounter()}
	var caFile string
	if !o.PlainHTTP {
		ca, err := tlsca.New(30*24*time.Hour, o.Host)
		if err != nil {
			return nil, err
		}
		d.CA = ca
		dir, err := os.MkdirTemp("", "recovery-mcp-demo-")
		if err != nil {
			return nil, fmt.Errorf("temp dir for the CA certificate: %w", err)
		}
		d.dir = dir
		if caFile, err = ca.WriteCert(dir, "simulator-ca.pem"); err != nil {
			d.Close()
			return nil, err
		}
	}
	type site struct {
		name, kind, user, pass, label string
		handler                       http.Handler
	}
	var sites []site
	for _, pc := range o.Estate.PrismCentrals {
		sites = append(sites, site{pc.Name, "nutanix", pc.Username, pc.Password, or(pc.Site, siteLabel(pc.Name)), simnutanix.New(o.Estate, pc, simnutanix.Options{})})
	}
	for _, c := range o.Estate.OntapClusters {
		sites = append(sites, site{c.Name, "ontap", c.Username, c.Password, or(c.Site, siteLabel(c.Name)), simontap.New(o.Estate, c, simontap.Options{})})
	}
	listen := func(i int, s site) error {
		port := 0
		if o.Port != 0 {
			port = o.Port + i
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(port)))
		if err != nil {
			return fmt.Errorf("listen for simulator %s: %w", s.name, err)
		}
		srv := &http.Server{
			Handler:           d.Injector.Wrap(d.Counter.Wrap(s.name, s.handler)),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug),
		}
		if d.CA != nil {
			srv.TLSConfig = d.CA.ServerTLS()
		}
		d.servers = append(d.servers, srv)
		go func() {
			var err error
			if d.CA != nil {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				o.Logger.Error("simulator stopped", "name", s.name, "err", err)
			}
		}()
		addr := ln.Addr().(*net.TCPAddr)
		d.Targets = append(d.Targets, Target{
			Name: s.name, Kind: s.kind, Host: o.Host, Port: addr.Port,
			Username: s.user, Password: s.pass, CAFile: caFile, PlainHTTP: o.PlainHTTP, Site: s.label,
		})
		return nil
	}
	for i, s := range sites {
		if err := listen(i, s); err != nil {
			d.Close()
			return nil, err
		}
	}
	// The AIQUM servers come last: their gateways forward to the ONTAP
	// simulators just started, over HTTP(S) like a real AIQUM.
	backends := map[string]simaiqum.Backend{}
	for _, t := range d.Targets {
		if t.Kind == "ontap" {
			scheme := "https"
			if o.PlainHTTP {
				scheme = "http"
			}
			backends[t.Name] = simaiqum.Backend{URL: scheme + "://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port))}
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if d.CA != nil {
		tr.TLSClientConfig = d.CA.ClientTLS()
	}
	for j, a := range o.Estate.Aiqums {
		s := site{a.Name, "aiqum", a.Username, a.Password, "", simaiqum.New(o.Estate, a, simaiqum.Options{Backends: backends, Transport: tr, Logger: o.Logger})}
		if err := listen(len(sites)+j, s); err != nil {
			d.Close()
			return nil, err
		}
	}
	go func() {
		<-ctx.Done()
		d.Close()
	}()
	return d, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// siteLabel is the default site of a target without one: from its name.
func siteLabel(name string) string {
	for _, s := range []string{"prod", "dr"} {
		if len(name) >= len(s) && name[len(name)-len(s):] == s {
			if s == "prod" {
				return "production"
			}
			return s
		}
	}
	return ""
}

// Close stops the simulators and removes the CA certificate file.
func (d *Demo) Close() {
	d.once.Do(func() {
		for _, s := range d.servers {
			_ = s.Close()
		}
		if d.dir != "" {
			_ = os.RemoveAll(d.dir)
		}
	})
}
