package aiqum

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// gateway serves /gateways and forwards /gateways/{uuid}/{path} to the
// cluster's simulator over HTTP with the cluster's own credentials (AIQUM
// calls ONTAP with the account it registered the cluster with). Bodies,
// status codes and headers pass through; HAL links in the body and the
// Location header are rewritten onto the gateway.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request, rest string) *apiError {
	if rest == "" || rest == "/" {
		if r.Method != http.MethodGet {
			return errf(http.StatusMethodNotAllowed, "", "The method %s is not allowed on this resource.", r.Method)
		}
		s.a.Mu.Lock()
		names := append([]string(nil), s.a.Clusters...)
		s.a.Mu.Unlock()
		recs := []obj{}
		for _, n := range names {
			c := s.estate.OntapClusterByName(n)
			if c == nil {
				continue
			}
			c.Mu.Lock()
			recs = append(recs, obj{"uuid": c.UUID, "name": c.Name, "ip_address": c.ManagementIP, "type": "ONTAP",
				"_links": link("/api/gateways/" + c.UUID)})
			c.Mu.Unlock()
		}
		writeJSON(w, http.StatusOK, obj{"records": recs, "num_records": len(recs), "total_records": len(recs),
			"_links": link("/api/gateways")})
		return nil
	}
	uuid, tail, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	uuid, _ = url.PathUnescape(uuid)
	var name, user, pass string
	s.a.Mu.Lock()
	for _, n := range s.a.Clusters {
		if c := s.estate.OntapClusterByName(n); c != nil && c.UUID == uuid {
			name, user, pass = c.Name, c.Username, c.Password
		}
	}
	s.a.Mu.Unlock()
	be, ok := s.opts.Backends[name]
	if name == "" || !ok {
		return errf(http.StatusNotFound, "uuid", "No managed cluster with UUID %s is reachable through the API gateway.", uuid)
	}
	target := strings.TrimRight(be.URL, "/") + "/api/" + tail
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target, bytes.NewReader(body))
	if err != nil {
		return errf(http.StatusBadRequest, "", "Invalid gateway request: %v", err)
	}
	for _, h := range []string{"Accept", "Content-Type", "X-Dot-SVM-UUID", "X-Dot-SVM-Name"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.SetBasicAuth(user, pass)
	resp, err := s.hc.Do(req)
	if err != nil {
		return errf(http.StatusBadGateway, "uuid", "The cluster %s did not answer through the API gateway.", name)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return errf(http.StatusBadGateway, "uuid", "The answer of cluster %s was cut short.", name)
	}
	prefix := "/api/gateways/" + uuid + "/"
	for _, q := range []string{`"href":"/api/`, `"href": "/api/`} {
		out = bytes.ReplaceAll(out, []byte(q), []byte(strings.Replace(q, "/api/", prefix, 1)))
	}
	for _, h := range []string{"Content-Type", "Retry-After", "ETag"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if strings.HasPrefix(loc, "/api/") {
			loc = prefix + strings.TrimPrefix(loc, "/api/")
		}
		w.Header().Set("Location", loc)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
	return nil
}
