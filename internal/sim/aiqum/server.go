// Package aiqum simulates the REST API of Active IQ Unified Manager in
// front of the estate's simulated ONTAP clusters:
//
//   - inventory (/datacenter/cluster/clusters, /datacenter/svm/svms,
//     /datacenter/storage/volumes) read from the managed clusters, in AIQUM's
//     shapes with its keys ("<cluster-uuid>:type=volume,uuid=<uuid>");
//   - events (/management-server/events) raised by a monitoring cycle that
//     runs before every request from the same conditions the estate plants
//     (SnapMirror lag against 150 %/250 % of the transfer schedule,
//     unhealthy, broken-off and failed relationships, volume space 80/90 %,
//     snapshot reserve 90 %, days until full 15, anti-ransomware activity),
//     folded per condition and object, made obsolete (history cause
//     system_resolved) when the condition clears, with the documented PATCH
//     bodies for acknowledge, resolve and assign;
//   - jobs (/management-server/jobs);
//   - the API gateway (/gateways, /gateways/{cluster-uuid}/...), which really
//     forwards the request over HTTP to the simulated cluster with the
//     cluster's own credentials and rewrites the HAL links and Location onto
//     the gateway.
//
// Like the real server it answers /api/v2/... and the unversioned /api/...
// (which NetApp's own clients use), emits unversioned links, sends
// total_records and _links on every page with next.href as a path
// ("/api/<path>?<filters>&max_records=n&offset=o+n"), pages at 1000 records
// by default and at most, refuses a filter value that contains "?" and
// unknown parameters with 400 in AIQUM's error envelope.
//
// Users: the AIQUM's Application Administrator, and an Operator
// (umoperator) that may only read; any other write is 403.
//
// Decisions where the reference marks behaviour unverified: a resolved event
// whose condition persists is raised again as a new event after one
// monitoring interval (15 minutes); reopening a resolved event, acknowledging
// an information event and setting obsolete are 400; an unknown gateway
// cluster is 404 and an unreachable one 502, both in AIQUM's envelope.
package aiqum

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Backend is where the gateway reaches one managed cluster.
type Backend struct {
	// URL is "https://host:port" of the cluster's simulator.
	URL string
}

// Options tune the simulator.
type Options struct {
	// Backends maps cluster names to their simulators for the gateway.
	Backends map[string]Backend
	// Transport carries gateway requests (nil: http.DefaultTransport).
	Transport http.RoundTripper
	// PageSize is the default max_records (default 1000).
	PageSize int
	Logger   *slog.Logger
}

// Server is one simulated AIQUM.
type Server struct {
	estate *fleet.Estate
	a      *fleet.Aiqum
	opts   Options
	hc     *http.Client
}

// New returns the simulator of a, which belongs to estate.
func New(estate *fleet.Estate, a *fleet.Aiqum, opts Options) *Server {
	if opts.PageSize <= 0 || opts.PageSize > 1000 {
		opts.PageSize = 1000
	}
	tr := opts.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	return &Server{estate: estate, a: a, opts: opts, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

type obj = map[string]any

type apiError struct {
	status  int
	code    string
	message string
	target  string
}

func errf(status int, target, format string, args ...any) *apiError {
	return &apiError{status: status, code: strconv.Itoa(status), message: fmt.Sprintf(format, args...), target: target}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := obj{"code": e.code, "message": e.message}
	if e.target != "" {
		body["target"] = e.target
	}
	writeJSON(w, e.status, obj{"error": body})
}

// ServeHTTP serves the API under /api and /api/v2.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Logger != nil {
		s.opts.Logger.Debug("aiqum sim request", "method", r.Method, "path", r.URL.Path)
	}
	user, pass, ok := r.BasicAuth()
	match := func(u, p string) bool {
		return u != "" && subtle.ConstantTimeCompare([]byte(user), []byte(u)) == 1 && subtle.ConstantTimeCompare([]byte(pass), []byte(p)) == 1
	}
	admin := match(s.a.Username, s.a.Password)
	if !ok || (!admin && !match(s.a.OperatorUsername, s.a.OperatorPassword)) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Unified Manager"`)
		writeError(w, errf(http.StatusUnauthorized, "", "Authentication failed."))
		return
	}
	// The Operator role may only read (reference section 1.1; through the
	// gateway, only Application Administrators may write).
	if !admin && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
		writeError(w, errf(http.StatusForbidden, "", "The user %s is not authorized to perform this operation.", user))
		return
	}
	p := r.URL.EscapedPath()
	switch {
	case strings.HasPrefix(p, "/api/v2/"):
		p = strings.TrimPrefix(p, "/api/v2")
	case strings.HasPrefix(p, "/api/"):
		p = strings.TrimPrefix(p, "/api")
	default:
		writeError(w, errf(http.StatusNotFound, "", "The requested URL was not found."))
		return
	}
	if p == "/gateways" || strings.HasPrefix(p, "/gateways/") {
		if e := s.gateway(w, r, strings.TrimPrefix(p, "/gateways")); e != nil {
			writeError(w, e)
		}
		return
	}
	if e := s.route(w, r, p, user); e != nil {
		writeError(w, e)
	}
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, p, user string) *apiError {
	var seg []string
	for _, x := range strings.Split(strings.Trim(p, "/"), "/") {
		u, err := url.PathUnescape(x)
		if err != nil {
			return errf(http.StatusBadRequest, "", "Invalid URL path.")
		}
		seg = append(seg, u)
	}
	key := ""
	if len(seg) == 4 || (len(seg) == 3 && seg[0] == "management-server") {
		key = seg[len(seg)-1]
		seg = seg[:len(seg)-1]
	}
	coll := strings.Join(seg, "/")
	if r.Method == http.MethodPatch && coll == "management-server/events" && key != "" {
		return s.patchEvent(w, r, key, user)
	}
	if r.Method != http.MethodGet {
		return errf(http.StatusMethodNotAllowed, "", "The method %s is not allowed on this resource.", r.Method)
	}
	if coll == "management-server/system" && key == "" {
		writeJSON(w, http.StatusOK, obj{"vendor": "NetApp", "product": "Active IQ Unified Manager", "version": "9.16",
			"uuid": s.a.UUID, "deployment": "RedHat", "services": []any{obj{"name": "ocie", "description": "Unified Manager acquisition", "status": "running"}}})
		return nil
	}
	if coll == "management-server/system" {
		return errf(http.StatusNotFound, "", "API not found: %s", r.URL.Path)
	}
	ep, ok := endpoints[coll]
	if !ok {
		return errf(http.StatusNotFound, "", "API not found: %s", r.URL.Path)
	}
	recs := s.records(coll)
	if key != "" {
		for _, rec := range recs {
			if rec["key"] == key {
				writeJSON(w, http.StatusOK, rec)
				return nil
			}
		}
		return errf(http.StatusNotFound, "key", "entry doesn't exist")
	}
	return s.writeCollection(w, r, "/api/"+coll, ep, recs)
}

// records builds the records of a collection (after a monitoring cycle).
func (s *Server) records(coll string) []obj {
	unlock := s.lock()
	defer unlock()
	now := s.estate.Clock.Now()
	s.monitor(now)
	switch coll {
	case "datacenter/cluster/clusters":
		return s.clusterRecords(now)
	case "datacenter/svm/svms":
		return s.svmRecords()
	case "datacenter/storage/volumes":
		return s.volumeRecords()
	case "management-server/events":
		return s.eventRecords(now)
	case "management-server/jobs":
		return s.jobRecords()
	}
	return nil
}

// lock takes the AIQUM's lock and then every ONTAP cluster's in estate
// order (the ONTAP simulators take the clusters in the same order and never
// the AIQUM's, so no two simulators deadlock).
func (s *Server) lock() func() {
	s.a.Mu.Lock()
	for _, c := range s.estate.OntapClusters {
		c.Mu.Lock()
	}
	return func() {
		for i := len(s.estate.OntapClusters) - 1; i >= 0; i-- {
			s.estate.OntapClusters[i].Mu.Unlock()
		}
		s.a.Mu.Unlock()
	}
}

// managed returns the managed clusters, in the AIQUM's order.
func (s *Server) managed() []*fleet.OntapCluster {
	var out []*fleet.OntapCluster
	for _, n := range s.a.Clusters {
		if c := s.estate.OntapClusterByName(n); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// endpoint says which filters a collection accepts.
type endpoint struct {
	filters []string
	// history enables the events' history.* filter rules.
	history bool
	// last20 returns the newest 20 when no filter is given (jobs).
	last20 bool
}

var refFilters = func(p string) []string { return []string{p + ".key", p + ".name", p + ".uuid"} }

var endpoints = map[string]endpoint{
	"datacenter/cluster/clusters": {filters: []string{"key", "location", "name", "uuid", "contact", "management_ip",
		"version.major", "version.full", "version.generation", "version.minor"}},
	"datacenter/svm/svms": {filters: append([]string{"key", "name", "uuid", "state", "subtype", "language"}, refFilters("cluster")...)},
	"datacenter/storage/volumes": {filters: append(append(append(append([]string{"key", "uuid", "name", "type", "state", "style", "create_time",
		"space.available", "space.used", "space.size", "autosize.mode", "autosize.maximum", "snapmirror.is_protected"},
		refFilters("cluster")...), refFilters("svm")...), refFilters("aggregate")...), "nas.export_policy.key", "nas.export_policy.name", "nas.export_policy.id")},
	"management-server/events": {history: true, filters: append(append(append([]string{"key", "name", "severity", "current_state",
		"impact.area", "impact.level", "impact.resource_type", "assigned.user", "group", "origin"},
		refFilters("cluster")...), refFilters("svm")...), refFilters("node")...)},
	"management-server/jobs": {last20: true, filters: []string{"key", "name", "type", "state", "status", "submit_time", "complete_time", "parent_job_key"}},
}

// filterAlias maps a filter to the record field it reads.
var filterAlias = map[string]string{"aggregate.key": "aggregates.key", "aggregate.name": "aggregates.name", "aggregate.uuid": "aggregates.uuid"}

func (s *Server) writeCollection(w http.ResponseWriter, r *http.Request, path string, ep endpoint, recs []obj) *apiError {
	q := r.URL.Query()
	size, offset := s.opts.PageSize, 0
	allowed := map[string]bool{"max_records": true, "offset": true, "order_by": true}
	for _, f := range ep.filters {
		allowed[f] = true
	}
	if ep.history {
		for _, f := range []string{"history.state", "history.timestamp", "history.user", "history.cause"} {
			allowed[f] = true
		}
	}
	filtered := false
	for k, vs := range q {
		if !allowed[k] {
			return errf(http.StatusBadRequest, k, "Invalid query parameter: %s", k)
		}
		for _, v := range vs {
			if strings.Contains(v, "?") {
				return errf(http.StatusBadRequest, k, "The value of %s must not contain '?'.", k)
			}
		}
		if k != "max_records" && k != "offset" && k != "order_by" {
			filtered = true
		}
	}
	if v := q.Get("max_records"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errf(http.StatusBadRequest, "max_records", "Invalid value for max_records: %s", v)
		}
		size = min(n, 1000)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errf(http.StatusBadRequest, "offset", "Invalid value for offset: %s", v)
		}
		offset = n
	}
	var hist *historyFilter
	if ep.history {
		h, e := parseHistory(q)
		if e != nil {
			return e
		}
		hist = h
	}
	var sel []obj
	for _, rec := range recs {
		flat := map[string][]string{}
		flatten("", rec, flat)
		ok := true
		for k, vs := range q {
			if k == "max_records" || k == "offset" || k == "order_by" || strings.HasPrefix(k, "history.") {
				continue
			}
			field := k
			if a, ok := filterAlias[k]; ok {
				field = a
			}
			if !match(flat[field], vs[0]) {
				ok = false
				break
			}
		}
		if ok && hist != nil && !hist.match(rec) {
			ok = false
		}
		if ok {
			sel = append(sel, rec)
		}
	}
	if ob := q.Get("order_by"); ob != "" {
		if e := orderBy(sel, ob); e != nil {
			return e
		}
	}
	if ep.last20 && !filtered {
		sort.SliceStable(sel, func(i, j int) bool { return fmt.Sprint(sel[i]["submit_time"]) > fmt.Sprint(sel[j]["submit_time"]) })
		if len(sel) > 20 {
			sel = sel[:20]
		}
	}
	total := len(sel)
	page := []obj{}
	if offset < total {
		page = sel[offset:min(total, offset+size)]
	}
	self := path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	links := obj{"self": obj{"href": self}}
	if offset+size < total {
		nq := url.Values{}
		for k, vs := range q {
			nq[k] = vs
		}
		nq.Set("max_records", strconv.Itoa(size))
		nq.Set("offset", strconv.Itoa(offset+size))
		links["next"] = obj{"href": path + "?" + nq.Encode()}
	}
	writeJSON(w, http.StatusOK, obj{"records": page, "num_records": len(page), "total_records": total, "_links": links})
	return nil
}

// flatten maps every leaf of v to its dotted path; arrays add one value per
// element under the same path.
func flatten(prefix string, v any, out map[string][]string) {
	switch t := v.(type) {
	case obj:
		for k, x := range t {
			if k == "_links" {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
	case []any:
		for _, x := range t {
			flatten(prefix, x, out)
		}
	case []obj:
		for _, x := range t {
			flatten(prefix, x, out)
		}
	case nil:
	default:
		out[prefix] = append(out[prefix], fmt.Sprint(t))
	}
}

// match applies one filter value: "a|b" (or), "*" wildcards, ">" and "<"
// comparisons on numbers and times, quotes around a value.
func match(vals []string, filter string) bool {
	for _, alt := range strings.Split(filter, "|") {
		alt = strings.Trim(alt, `"`)
		for _, v := range vals {
			if matchOne(v, alt) {
				return true
			}
		}
	}
	return false
}

func matchOne(v, f string) bool {
	switch {
	case strings.HasPrefix(f, ">="):
		return compare(v, f[2:]) >= 0
	case strings.HasPrefix(f, "<="):
		return compare(v, f[2:]) <= 0
	case strings.HasPrefix(f, ">"):
		return compare(v, f[1:]) > 0
	case strings.HasPrefix(f, "<"):
		return compare(v, f[1:]) < 0
	case strings.Contains(f, "*"):
		return wildcard(strings.ToLower(v), strings.ToLower(f))
	}
	return v == f
}

// compare orders numbers as numbers, times as times, else as strings.
func compare(a, b string) int {
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	if x, ok := parseTime(a); ok {
		if y, ok := parseTime(b); ok {
			return x.Compare(y)
		}
	}
	return strings.Compare(a, b)
}

func parseTime(s string) (time.Time, bool) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-07:00", "2006-01-02 15:04:05-07:00", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func wildcard(s, pat string) bool {
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(s, parts[i])
		if j < 0 {
			return false
		}
		s = s[j+len(parts[i]):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// orderBy sorts by "f [asc|desc], g ...".
func orderBy(recs []obj, spec string) *apiError {
	type key struct {
		field string
		desc  bool
	}
	var keys []key
	for _, part := range strings.Split(spec, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
			return errf(http.StatusBadRequest, "order_by", "Invalid order_by: %s", spec)
		}
		keys = append(keys, key{f[0], len(f) == 2 && f[1] == "desc"})
	}
	val := func(r obj, field string) string {
		flat := map[string][]string{}
		flatten("", r, flat)
		if v := flat[field]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	sort.SliceStable(recs, func(i, j int) bool {
		for _, k := range keys {
			c := compare(val(recs[i], k.field), val(recs[j], k.field))
			if k.field == "severity" {
				c = severityRank[val(recs[i], k.field)] - severityRank[val(recs[j], k.field)]
			}
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
	return nil
}

var severityRank = map[string]int{"critical": 0, "error": 1, "warning": 2, "information": 3, "normal": 4}

// readBody decodes a JSON object body.
func readBody(r *http.Request) (obj, *apiError) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var m obj
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errf(http.StatusBadRequest, "", "Invalid JSON body: %v", err)
	}
	return m, nil
}
