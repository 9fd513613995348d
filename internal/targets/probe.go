package targets

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
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

	var path string
	switch {
	case isAIQUMProbe(t):
		path = aiqumProbePath(t)
	case t.Kind == config.KindNutanix:
		path = "/api/clustermgmt/" + t.APIVersion + "/config/clusters?$limit=1"
	default:
		path = "/api/cluster?fields=version,name"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Endpoint()+path, nil)
	if err != nil {
		return Probe{Error: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	if !t.APIKey.IsZero() {
		req.Header.Set("X-ntnx-api-key", t.APIKey.Reveal())
	} else {
		req.SetBasicAuth(t.Username, t.Password.Reveal())
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
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		p.Error = fmt.Sprintf("HTTP %d: credentials rejected; check username and the password source for target %s", resp.StatusCode, t.Name)
		return p
	case resp.StatusCode == http.StatusNotFound && t.Kind == config.KindNutanix:
		p.Error = fmt.Sprintf("HTTP 404: this Prism Central does not serve API version %s; set api_version", t.APIVersion)
		return p
	case resp.StatusCode >= 300:
		p.Error = fmt.Sprintf("HTTP %d from %s", resp.StatusCode, path)
		return p
	}
	switch t.Kind {
	case config.KindNutanix:
		p.Product = "Nutanix Prism Central"
		p.APIVersion = t.APIVersion
	case config.KindAIQUM:
		var s struct {
			Product string `json:"product"`
			Version string `json:"version"`
		}
		_ = json.Unmarshal(body, &s)
		p.Product, p.APIVersion = cmp.Or(s.Product, "Active IQ Unified Manager"), s.Version
	default:
		p.Product = "NetApp ONTAP"
		var c struct {
			Version struct {
				Full string `json:"full"`
			} `json:"version"`
		}
		if json.Unmarshal(body, &c) == nil {
			p.APIVersion = c.Version.Full
		}
		if t.Via != "" {
			p.Product += " via AIQUM " + t.Via
		}
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
