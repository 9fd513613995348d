package ontap

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Options tune a simulator.
type Options struct {
	// PollStep is how much simulated time a GET of an unfinished job or
	// transfer moves the estate clock forward (default 5s).
	PollStep time.Duration
	// JobRetention is how long a finished job stays visible (default 300s,
	// as on ONTAP); later a GET answers 404.
	JobRetention time.Duration
	// QueueDelay is how long a new job or transfer stays queued (default 1s;
	// negative for none).
	QueueDelay time.Duration
	// JobDurations overrides the simulated running time per operation
	// ("snapshot.create", "snapshot.delete", "snapshot.modify",
	// "volume.create", "volume.clone", "volume.modify", "volume.delete",
	// "volume.restore", "file.restore", "snapmirror.modify").
	JobDurations map[string]time.Duration
	// TransferRate is the SnapMirror throughput in bytes per simulated
	// second when the relationship sets no throttle (default 200 MiB/s).
	TransferRate int64
	// Logger receives one debug line per request (nil: silent).
	Logger *slog.Logger
}

var defaultDurations = map[string]time.Duration{
	"snapshot.create":   2 * time.Second,
	"snapshot.delete":   2 * time.Second,
	"snapshot.modify":   time.Second,
	"volume.create":     4 * time.Second,
	"volume.clone":      6 * time.Second,
	"volume.modify":     time.Second,
	"volume.delete":     4 * time.Second,
	"volume.restore":    8 * time.Second,
	"file.restore":      4 * time.Second,
	"snapmirror.modify": 3 * time.Second,
	"snapmirror.create": 3 * time.Second,
	"snapmirror.delete": 2 * time.Second,
}

// Server is the REST API of one simulated ONTAP cluster. It implements
// http.Handler for paths under /api.
type Server struct {
	estate  *fleet.Estate
	cluster *fleet.OntapCluster
	opts    Options
}

// New returns the simulator of cluster, which belongs to estate (the other
// ONTAP clusters of the estate are the SnapMirror peers).
func New(estate *fleet.Estate, cluster *fleet.OntapCluster, opts Options) *Server {
	if opts.PollStep <= 0 {
		opts.PollStep = 5 * time.Second
	}
	if opts.JobRetention <= 0 {
		opts.JobRetention = 300 * time.Second
	}
	if opts.QueueDelay < 0 {
		opts.QueueDelay = 0
	} else if opts.QueueDelay == 0 {
		opts.QueueDelay = time.Second
	}
	if opts.TransferRate <= 0 {
		opts.TransferRate = 200 << 20
	}
	return &Server{estate: estate, cluster: cluster, opts: opts}
}

// Cluster returns the cluster this server answers for.
func (s *Server) Cluster() *fleet.OntapCluster { return s.cluster }

// lockAll locks every ONTAP cluster of the estate in estate order (the same
// order in every server, so two servers never deadlock) and returns the
// unlock function. A request may touch its SnapMirror peers.
func (s *Server) lockAll() func() {
	var locked []*fleet.OntapCluster
	seen := false
	for _, c := range s.estate.OntapClusters {
		c.Mu.Lock()
		locked = append(locked, c)
		if c == s.cluster {
			seen = true
		}
	}
	if !seen {
		s.cluster.Mu.Lock()
		locked = append(locked, s.cluster)
	}
	return func() {
		for i := len(locked) - 1; i >= 0; i-- {
			locked[i].Mu.Unlock()
		}
	}
}

// clusters lists the estate's ONTAP clusters (and this one).
func (s *Server) clusters() []*fleet.OntapCluster {
	out := s.estate.OntapClusters
	for _, c := range out {
		if c == s.cluster {
			return out
		}
	}
	return append(append([]*fleet.OntapCluster(nil), out...), s.cluster)
}

func (s *Server) clusterByName(name string) *fleet.OntapCluster {
	for _, c := range s.clusters() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (s *Server) now() time.Time { return s.estate.Clock.Now() }

func (s *Server) duration(op string) time.Duration {
	if d, ok := s.opts.JobDurations[op]; ok {
		return d
	}
	if d, ok := defaultDurations[op]; ok {
		return d
	}
	return 2 * time.Second
}

// apiError is an ONTAP error answer.
type apiError struct {
	status  int
	code    string
	message string
	target  string
}

func statusForCode(code string) int {
	switch code {
	case "1", "8", "13303812", "13303808", "13303822", "1638555", "524486":
		return http.StatusConflict
	case "2", "3", "655446", "917536":
		return http.StatusBadRequest
	case "4":
		return http.StatusNotFound
	case "6":
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func apiErr(code, target, format string, args ...any) *apiError {
	return &apiError{status: statusForCode(code), code: code, message: fmt.Sprintf(format, args...), target: target}
}

func notFound(target, format string, args ...any) *apiError {
	return apiErr("4", target, format, args...)
}

// request is one request being served, with every cluster locked.
type request struct {
	s    *Server
	c    *fleet.OntapCluster
	w    http.ResponseWriter
	r    *http.Request
	q    url.Values
	body map[string]any // flattened JSON body
	hal  bool
}

// ServeHTTP serves the ONTAP REST API under /api. The request is handled
// under the estate lock and its answer composed in memory; the answer goes
// out on the wire after the lock is released, so a slow reader (or a
// writer goroutine waiting for a CPU) never holds up the cluster's other
// requests, as a real cluster answers concurrent requests concurrently.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	held := &heldResponse{header: http.Header{}}
	s.serve(held, r)
	held.send(w)
}

// heldResponse is an answer composed under the lock, sent after it.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(b)
}

func (h *heldResponse) send(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	unlock := s.lockAll()
	defer unlock()

	rq := &request{s: s, c: s.cluster, w: w, r: r, q: r.URL.Query(), hal: true}
	if a := r.Header.Get("Accept"); strings.EqualFold(strings.TrimSpace(a), "application/json") {
		rq.hal = false
	}
	if s.opts.Logger != nil {
		s.opts.Logger.Debug("ontap sim request", "cluster", s.cluster.Name, "method", r.Method, "path", r.URL.Path)
	}
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(s.cluster.Username)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cluster.Password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="ONTAP"`)
		// ONTAP's 401 body is not documented; the closest documented code
		// is "6" (permission denied).
		rq.writeError(&apiError{status: http.StatusUnauthorized, code: "6", message: "Authentication failed: invalid user name or password."})
		return
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		var b any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&b); err != nil {
			rq.writeError(apiErr("2", "", "Invalid JSON input: %v", err))
			return
		}
		m, ok := b.(map[string]any)
		if !ok {
			rq.writeError(apiErr("2", "", "The request body must be a JSON object."))
			return
		}
		rq.body = map[string]any{}
		flatten("", m, rq.body)
	}
	s.settle()
	if e := rq.route(); e != nil {
		rq.writeError(e)
	}
}

func (rq *request) route() *apiError {
	esc := rq.r.URL.EscapedPath()
	if !strings.HasPrefix(esc, "/api/") && esc != "/api" {
		return &apiError{status: http.StatusNotFound, code: "3", message: "The requested URL was not found."}
	}
	esc = strings.TrimPrefix(esc, "/api")
	// Files: /storage/volumes/{uuid}/files/{path}; the path keeps its own
	// escaping (%2F and %2E).
	if strings.HasPrefix(esc, "/storage/volumes/") {
		rest := strings.TrimPrefix(esc, "/storage/volumes/")
		if uuid, p, ok := strings.Cut(rest, "/files"); ok && !strings.Contains(uuid, "/") && (p == "" || strings.HasPrefix(p, "/")) {
			fp, err := url.PathUnescape(strings.TrimPrefix(p, "/"))
			if err != nil {
				return apiErr("2", "path", "Invalid path.")
			}
			u, _ := url.PathUnescape(uuid)
			return rq.files(u, fp)
		}
	}
	esc = strings.Trim(esc, "/")
	var seg []string
	for _, p := range strings.Split(esc, "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			return apiErr("2", "", "Invalid URL path.")
		}
		seg = append(seg, u)
	}
	m := rq.r.Method
	if m != http.MethodGet {
		if e := rq.checkWriteQuery(); e != nil {
			return e
		}
	}
	is := func(parts ...string) bool {
		if len(parts) != len(seg) {
			return false
		}
		for i, p := range parts {
			if p != "*" && p != seg[i] {
				return false
			}
		}
		return true
	}
	switch {
	case is("cluster"):
		return rq.only(m, "GET", rq.getCluster)
	case is("cluster", "nodes"):
		return rq.only(m, "GET", func() *apiError { return rq.listNodes("") })
	case is("cluster", "nodes", "*"):
		return rq.only(m, "GET", func() *apiError { return rq.listNodes(seg[2]) })
	case is("cluster", "jobs"):
		return rq.only(m, "GET", func() *apiError { return rq.listJobs("") })
	case is("cluster", "jobs", "*"):
		return rq.only(m, "GET", func() *apiError { return rq.listJobs(seg[2]) })
	case is("cluster", "schedules"):
		switch m {
		case "GET":
			return rq.listSchedules("")
		case "POST":
			return rq.createSchedule()
		}
		return methodNotAllowed(m)
	case is("cluster", "schedules", "*"):
		return rq.only(m, "GET", func() *apiError { return rq.listSchedules(seg[2]) })
	case is("svm", "svms"):
		return rq.only(m, "GET", func() *apiError { return rq.listSVMs("") })
	case is("svm", "svms", "*"):
		return rq.only(m, "GET", func() *apiError { return rq.listSVMs(seg[2]) })
	case is("storage", "aggregates"):
		return rq.only(m, "GET", func() *apiError { return rq.listAggregates("") })
	case is("storage", "aggregates", "*"):
		return rq.only(m, "GET", func() *apiError { return rq.listAggregates(seg[2]) })
	case is("storage", "volumes"):
		switch m {
		case "GET":
			return rq.listVolumes("")
		case "POST":
			return rq.createVolume()
		}
		return methodNotAllowed(m)
	case is("storage", "volumes", "*"):
		switch m {
		case "GET":
			return rq.listVolumes(seg[2])
		case "PATCH":
			return rq.patchVolume(seg[2])
		case "DELETE":
			return rq.deleteVolume(seg[2])
		}
		return methodNotAllowed(m)
	case is("storage", "volumes", "*", "snapshots"):
		switch m {
		case "GET":
			return rq.listSnapshots(seg[2], "")
		case "POST":
			return rq.createSnapshot(seg[2])
		}
		return methodNotAllowed(m)
	case is("storage", "volumes", "*", "snapshots", "*"):
		switch m {
		case "GET":
			return rq.listSnapshots(seg[2], seg[4])
		case "PATCH":
			return rq.patchSnapshot(seg[2], seg[4])
		case "DELETE":
			return rq.deleteSnapshot(seg[2], seg[4])
		}
		return methodNotAllowed(m)
	case is("storage", "snapshot-policies"):
		switch m {
		case "GET":
			return rq.listSnapshotPolicies("")
		case "POST":
			return rq.createSnapshotPolicy()
		}
		return methodNotAllowed(m)
	case is("storage", "snapshot-policies", "*"):
		switch m {
		case "GET":
			return rq.listSnapshotPolicies(seg[2])
		case "PATCH":
			return rq.patchSnapshotPolicy(seg[2])
		case "DELETE":
			return rq.deleteSnapshotPolicy(seg[2])
		}
		return methodNotAllowed(m)
	case is("storage", "snapshot-policies", "*", "schedules"):
		return rq.policySchedules(seg[2], "")
	case is("storage", "snapshot-policies", "*", "schedules", "*"):
		return rq.policySchedules(seg[2], seg[4])
	case is("snapmirror", "relationships"):
		switch m {
		case "GET":
			return rq.listRelationships("")
		case "POST":
			return rq.createRelationship() // protect.go
		}
		return methodNotAllowed(m)
	case is("snapmirror", "relationships", "*"):
		switch m {
		case "GET":
			return rq.listRelationships(seg[2])
		case "PATCH":
			return rq.patchRelationship(seg[2])
		case "DELETE":
			return rq.deleteRelationship(seg[2])
		}
		return methodNotAllowed(m)
	case is("snapmirror", "relationships", "*", "transfers"):
		switch m {
		case "GET":
			return rq.listTransfers(seg[2], "")
		case "POST":
			return rq.createTransfer(seg[2])
		}
		return methodNotAllowed(m)
	case is("snapmirror", "relationships", "*", "transfers", "*"):
		switch m {
		case "GET":
			return rq.listTransfers(seg[2], seg[4])
		case "PATCH":
			return rq.patchTransfer(seg[2], seg[4])
		}
		return methodNotAllowed(m)
	case is("snapmirror", "policies"):
		return rq.only(m, "GET", func() *apiError { return rq.listSnapmirrorPolicies("") })
	case is("snapmirror", "policies", "*"):
		return rq.only(m, "GET", func() *apiError { return rq.listSnapmirrorPolicies(seg[2]) })
	case is("support", "ems", "events"):
		return rq.only(m, "GET", rq.listEvents)
	}
	return &apiError{status: http.StatusNotFound, code: "3", message: fmt.Sprintf("API not found: %s", rq.r.URL.Path)}
}

func (rq *request) only(m, want string, f func() *apiError) *apiError {
	if m != want {
		return methodNotAllowed(m)
	}
	return f()
}

func methodNotAllowed(m string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: "3", message: fmt.Sprintf("The method %s is not supported on this resource.", m)}
}

// writeJSON writes v as the HAL+JSON body.
func (rq *request) writeJSON(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	rq.w.Header().Set("Content-Type", "application/hal+json")
	rq.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(buf.Bytes())
}

func (rq *request) writeError(e *apiError) {
	body := obj{"message": e.message, "code": e.code}
	if e.target != "" {
		body["target"] = e.target
	}
	rq.writeJSON(e.status, obj{"error": body})
}

// stripLinks removes HAL links (Accept: application/json).
func stripLinks(v any) {
	switch t := v.(type) {
	case obj:
		delete(t, "_links")
		for _, x := range t {
			stripLinks(x)
		}
	case []any:
		for _, x := range t {
			stripLinks(x)
		}
	}
}

// writeOne answers the GET of one object.
func (rq *request) writeOne(k *kind, rec obj) {
	q, e := rq.checkQuery(k, nil)
	if e != nil {
		rq.writeError(e)
		return
	}
	rq.q = q
	out := project(rec, parseFields(rq.q), k, true)
	if !rq.hal {
		out = deepCopy(out).(obj)
		stripLinks(out)
	}
	rq.writeJSON(http.StatusOK, out)
}

// collection is the envelope of a collection GET (records first, as ONTAP
// writes it).
type collection struct {
	Records    []obj `json:"records"`
	NumRecords int   `json:"num_records"`
	Links      obj   `json:"_links,omitempty"`
}

// countOnly is the envelope when return_records=false.
type countOnly struct {
	NumRecords int `json:"num_records"`
	Links      obj `json:"_links,omitempty"`
}

// writeCollection filters, orders, pages and projects recs (in the model's
// order) and writes the collection envelope.
func (rq *request) writeCollection(k *kind, recs []obj, extra map[string]bool) *apiError {
	q, e := rq.checkQuery(k, extra)
	if e != nil {
		return e
	}
	rq.q = q
	fs := parseFilters(rq.q, extra)
	var sel []obj
	for _, r := range recs {
		if matchAll(r, fs) {
			sel = append(sel, r)
		}
	}
	if ob := rq.q.Get("order_by"); ob != "" {
		orderBy(sel, ob)
	}
	if start := rq.q.Get("start." + k.primary); start != "" {
		idx := -1
		for i, r := range sel {
			if v := lookup(r, strings.Split(k.primary, ".")); len(v) > 0 && fmt.Sprint(v[0]) == start {
				idx = i
				break
			}
		}
		if idx < 0 {
			sel = nil
		} else {
			sel = sel[idx:]
		}
	}
	max := 10000
	if s := rq.q.Get("max_records"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return apiErr("2", "max_records", "The value \"%s\" is invalid for field \"max_records\".", s)
		}
		max = n
	}
	var next obj
	if max == 0 {
		sel = nil
	} else if len(sel) > max {
		after := sel[max]
		sel = sel[:max]
		nq := url.Values{}
		for key, vals := range rq.q {
			if !strings.HasPrefix(key, "start.") {
				nq[key] = vals
			}
		}
		v := lookup(after, strings.Split(k.primary, "."))
		if len(v) > 0 {
			nq.Set("start."+k.primary, fmt.Sprint(v[0]))
		}
		next = obj{"href": rq.r.URL.EscapedPath() + "?" + nq.Encode()}
	}
	links := obj{}
	if rq.hal {
		self := rq.r.URL.EscapedPath()
		if rq.r.URL.RawQuery != "" {
			self += "?" + rq.r.URL.RawQuery
		}
		links["self"] = obj{"href": self}
	}
	if next != nil {
		links["next"] = next
	}
	if len(links) == 0 {
		links = nil
	}
	if rq.q.Get("return_records") == "false" {
		rq.writeJSON(http.StatusOK, countOnly{NumRecords: len(sel), Links: links})
		return nil
	}
	fsel := parseFields(rq.q)
	env := collection{Records: make([]obj, 0, len(sel)), NumRecords: len(sel), Links: links}
	for _, r := range sel {
		out := project(r, fsel, k, false)
		if !rq.hal {
			out = deepCopy(out).(obj)
			stripLinks(out)
		}
		env.Records = append(env.Records, out)
	}
	rq.writeJSON(http.StatusOK, env)
	return nil
}

// param returns a write parameter from the query or the (flattened) body.
func (rq *request) param(name string) (any, bool) {
	if v, ok := rq.body[name]; ok {
		return v, true
	}
	if vs, ok := rq.q[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return nil, false
}

func (rq *request) str(name string) string {
	v, ok := rq.param(name)
	if !ok || v == nil {
		return ""
	}
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return fmt.Sprint(v)
}

func (rq *request) boolParam(name string) (bool, *apiError) {
	v, ok := rq.param(name)
	if !ok || v == nil {
		return false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return false, apiErr("2", name, "The value \"%s\" is invalid for field \"%s\".", t, name)
		}
		return b, nil
	}
	return false, apiErr("2", name, "The value for field \"%s\" must be a boolean.", name)
}

func (rq *request) intParam(name string) (int64, bool, *apiError) {
	v, ok := rq.param(name)
	if !ok || v == nil {
		return 0, false, nil
	}
	s := fmt.Sprint(v)
	if n, ok := v.(json.Number); ok {
		s = n.String()
	}
	f, ok2 := parseSize(s)
	if !ok2 || f != float64(int64(f)) {
		return 0, false, apiErr("2", name, "The value \"%s\" is invalid for field \"%s\".", s, name)
	}
	return int64(f), true, nil
}

// checkBody refuses body fields outside allowed (exact keys or prefixes
// ending in "."), as ONTAP refuses unknown or read-only fields.
func (rq *request) checkBody(allowed ...string) *apiError {
	for k := range rq.body {
		ok := false
		for _, a := range allowed {
			if k == a || (strings.HasSuffix(a, ".") && strings.HasPrefix(k, a)) {
				ok = true
				break
			}
		}
		if !ok {
			return apiErr("2", k, "Unexpected argument \"%s\".", k)
		}
	}
	return nil
}

// returnTimeout is the return_timeout of a write (default 0, max 120).
func (rq *request) returnTimeout() (time.Duration, *apiError) {
	s := rq.q.Get("return_timeout")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 120 {
		return 0, apiErr("2", "return_timeout", "The value \"%s\" is invalid for field \"return_timeout\" (0-120).", s)
	}
	return time.Duration(n) * time.Second, nil
}

func selfLink(href string) obj { return obj{"self": obj{"href": href}} }

func ref(name, uuid, href string) obj {
	o := obj{"name": name, "uuid": uuid}
	if href != "" {
		o["_links"] = selfLink(href)
	}
	return o
}
