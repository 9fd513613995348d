package targets

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Probe is what list_targets reports of a target's reachability.
type Probe struct {
	Reachable  bool   `json:"reachable"`
	APIVersion string `json:"api_version,omitempty"`
	Product    string `json:"product,omitempty"`
	Error      string `json:"error,omitempty"`
	LatencyMS  int64  `json:"latency_ms"`
}

// Probe makes one light authenticated request to t and reports whether it
// answered, which API version it serves and how long it took. It never
// returns the credentials in an error.
func (r *Registry) Probe(ctx context.Context, t config.Target) Probe {
	tlsConf, err := TLSConfig(t)
	if err != nil {
		return Probe{Error: err.Error()}
	}
	timeout := t.Timeout.D()
	if timeout <= 0 || timeout > 10*time.Second {
		timeout = 10 * time.Second
	}
	hc := &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	defer hc.CloseIdleConnections()

	k, ok := r.kinds.Kind(t.Kind)
	if !ok {
		return Probe{Error: fmt.Sprintf("kind %q is not known to this server", t.Kind)}
	}
	req, err := k.ProbeRequest(ctx, t)
	if err != nil {
		return Probe{Error: err.Error()}
	}
	start := time.Now()
	resp, err := hc.Do(req)
	p := Probe{LatencyMS: time.Since(start).Milliseconds()}
	if err != nil {
		p.Error = fmt.Sprintf("unreachable: %v", err)
		return p
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p.Reachable = true
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		p.Error = fmt.Sprintf("HTTP %d: credentials rejected; check username and the password source for target %s", resp.StatusCode, t.Name)
		return p
	}
	a := k.ProbeResult(t, resp.StatusCode, body)
	switch {
	case a.Error != "":
		p.Error = a.Error
	case resp.StatusCode >= 300:
		p.Error = fmt.Sprintf("HTTP %d from %s", resp.StatusCode, req.URL.RequestURI())
	default:
		p.Product, p.APIVersion = a.Product, a.APIVersion
	}
	return p
}

// ProbeAll probes ts concurrently and returns their probes in order.
func (r *Registry) ProbeAll(ctx context.Context, ts []config.Target) []Probe {
	out := make([]Probe, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = r.Probe(ctx, t)
		}()
	}
	wg.Wait()
	return out
}

// Runs reports whether t's kind lists running work (vendors.Runner).
func (r *Registry) Runs(t config.Target) bool {
	k, _ := r.kinds.Kind(t.Kind)
	_, ok := k.(vendors.Runner)
	return ok
}

// Running lists t's queued and running work, as its kind reads it.
func (r *Registry) Running(ctx context.Context, t config.Target) ([]vendors.Operation, error) {
	k, _ := r.kinds.Kind(t.Kind)
	rk, ok := k.(vendors.Runner)
	if !ok {
		return nil, fmt.Errorf("target %s: kind %s lists no running work", t.Name, t.Kind)
	}
	cl, err := r.Client(t)
	if err != nil {
		return nil, err
	}
	return rk.Running(ctx, cl, t)
}
