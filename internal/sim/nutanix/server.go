// Package nutanix is an HTTP simulator of the Prism Central v4 APIs that
// recovery-mcp uses (dataprotection recovery points, prism tasks and domain
// managers and categories (with $expand=associations|detailedAssociations),
// vmm VMs, revert, associate-categories and NICs (list, get, update),
// networking subnets, volumes volume groups with
// associate-category and category-associations, clustermgmt clusters,
// datapolicies protection policies), serving one fleet.PrismCentral of a
// fleet.Estate. Other packages import it as simnutanix.
//
// Design decisions:
//
//   - The wire format is the one the official SDKs and the Ansible modules
//     expect (shared/reference/nutanix-v4-api.md): every response has a
//     top-level $objectType and $reserved ($fv "v4.rN" for path version
//     v4.N), every object inside data has $objectType and $reserved, lists
//     carry metadata (flags, links first/prev/next/last/self,
//     totalAvailableResults) and an empty list omits data. Errors are
//     <namespace>.v4.error.ErrorResponse envelopes with a List<AppMessage>.
//     Routing is on the decoded path; any version v4.N[.aN|.bN] is served;
//     OPTIONS /api/{ns}/unversioned/info answers {"data":"v4.3"} so the SDK's
//     version negotiation settles on its own version. No cookies are set.
//   - Single-entity GETs send an ETag header and repeat it in
//     data.$reserved.ETag. The ETag is a hash of the entity's model, so it
//     changes whenever the entity does and does not depend on the API version.
//     A stale If-Match gets 412; a missing one is accepted (Terraform sends
//     none on delete and restore) unless Options.RequireIfMatch.
//   - Mutations answer 202 with a prism.v4.config.TaskReference. They need an
//     NTNX-Request-Id UUID (400 otherwise, unless Options.LenientRequestID);
//     the same id on the same operation and path replays the first task.
//   - Time is the estate's fleet.Clock, which only moves when advanced. A task
//     is QUEUED, then RUNNING with a progress percentage, then SUCCEEDED or
//     FAILED, as a function of the clock; a GET of an unfinished task answers
//     its current state and then advances the clock by Options.PollStep. A
//     task's outcome (new recovery point, restored VMs, reverted VM, replica
//     on the remote Prism Central...) is prepared when the task starts and
//     applied to the estate, once, when the clock passes its end; every
//     request first settles all Prism Centrals of the estate, so a task seen
//     SUCCEEDED always has its outcome visible, on every Prism Central.
//     Recovery points whose expirationTime has passed disappear.
//   - Everything is deterministic: ext ids derive from the Prism Central's ext
//     id and its Seq counter, times from the clock, JSON keys are sorted. The
//     same estate and request sequence give byte-identical answers.
//   - Validation follows what Prism Central does where known and the
//     reference's inference elsewhere: malformed bodies, ids that are not
//     UUIDs, out-of-range $limit and bad OData get 400; a path entity that
//     does not exist gets 404; an entity referenced in a body that does not
//     exist (a VM in a create, a VM recovery point in a revert) makes the
//     task FAILED with an ENTITY_NOT_FOUND error message.
//   - Faults: fleet.PrismCentral.TaskFaults (or FailNextTasks/StickNextTasks)
//     make the next tasks of an operation fail with a message or never
//     finish. Latency, 429 and error rates belong to the shared HTTP fault
//     middleware, not to this package.
package nutanix

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Options tune a Server. The zero value is a faithful default.
type Options struct {
	// PollStep is how far one GET of an unfinished task moves the simulated
	// clock (default 5s).
	PollStep time.Duration
	// LenientRequestID accepts mutations without an NTNX-Request-Id header
	// or with one that is not a UUID (real Prism Central answers 400).
	LenientRequestID bool
	// RequireIfMatch makes If-Match mandatory (428 without it) on
	// set-expiration-time, delete, restore, replicate and revert.
	RequireIfMatch bool
	// ServerVersion is the highest API version answered to the SDK's
	// version negotiation (default "v4.3").
	ServerVersion string
}

// Server serves one Prism Central of an estate. It is an http.Handler.
type Server struct {
	estate *fleet.Estate
	pc     *fleet.PrismCentral
	opts   Options
}

// New returns a simulator of pc, which must belong to estate (replication
// reaches the estate's other Prism Centrals).
func New(estate *fleet.Estate, pc *fleet.PrismCentral, opts Options) *Server {
	if opts.PollStep <= 0 {
		opts.PollStep = 5 * time.Second
	}
	if opts.ServerVersion == "" {
		opts.ServerVersion = "v4.3"
	}
	return &Server{estate: estate, pc: pc, opts: opts}
}

// PrismCentral returns the Prism Central the server simulates.
func (s *Server) PrismCentral() *fleet.PrismCentral { return s.pc }

// FailNextTasks makes the next n tasks of operation (a fleet.Op* constant,
// or "" for any) end FAILED with message.
func (s *Server) FailNextTasks(operation string, n int, message string) {
	s.pc.Mu.Lock()
	defer s.pc.Mu.Unlock()
	s.pc.TaskFaults = append(s.pc.TaskFaults, fleet.NutanixTaskFault{Operation: operation, Count: n, Message: message})
}

// StickNextTasks makes the next n tasks of operation ("" for any) never
// finish.
func (s *Server) StickNextTasks(operation string, n int) {
	s.pc.Mu.Lock()
	defer s.pc.Mu.Unlock()
	s.pc.TaskFaults = append(s.pc.TaskFaults, fleet.NutanixTaskFault{Operation: operation, Count: n, Stuck: true})
}

var (
	versionRE = regexp.MustCompile(`^v4\.\d+(\.[ab]\d+)?$`)
	uuidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// namespaces served, with the code prefix of their error messages.
var codePrefix = map[string]string{
	"dataprotection": "DP",
	"prism":          "PRISM",
	"vmm":            "VMM",
	"volumes":        "VOL",
	"clustermgmt":    "CLU",
	"datapolicies":   "DPL",
	"networking":     "NET",
}

// reqCtx is one request being answered.
type reqCtx struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	ns      string
	version string
	fv      string
	// rest is the path after the version, split on '/'.
	rest []string
	// respType is the response $objectType, also used on errors.
	respType string
	// noDisks leaves disk recovery points out of rendered recovery points
	// (a $select that does not ask for them: the projection drops them).
	noDisks bool
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := &reqCtx{s: s, w: w, r: r, ns: "prism", version: "v4.0", fv: "v4.r0", respType: "prism.v4.config.ErrorApiResponse"}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[0] != "api" {
		rc.fail(http.StatusNotFound, 40400, "RESOURCE_NOT_FOUND", "No API resource at "+r.URL.Path)
		return
	}
	ns := parts[1]
	if _, ok := codePrefix[ns]; !ok {
		rc.fail(http.StatusNotFound, 40400, "RESOURCE_NOT_FOUND", "Unknown API namespace "+ns)
		return
	}
	rc.ns = ns
	rc.respType = ns + ".v4.config.ErrorApiResponse"
	if parts[2] == "unversioned" && len(parts) == 4 && parts[3] == "info" {
		if !s.authorized(r) {
			rc.unauthorized()
			return
		}
		if r.Method != http.MethodOptions && r.Method != http.MethodGet {
			rc.methodNotAllowed()
			return
		}
		rc.writeJSON(http.StatusOK, obj{"data": s.opts.ServerVersion})
		return
	}
	if !versionRE.MatchString(parts[2]) {
		rc.fail(http.StatusNotFound, 40400, "RESOURCE_NOT_FOUND", "Unsupported API version "+parts[2])
		return
	}
	rc.version = parts[2]
	rc.fv = "v4.r" + strings.SplitN(strings.TrimPrefix(parts[2], "v4."), ".", 2)[0]
	rc.rest = parts[3:]
	if !s.authorized(r) {
		rc.unauthorized()
		return
	}
	s.settle()
	s.route(rc)
}

// authorized checks basic auth or the X-ntnx-api-key header. When an API
// key is sent it alone decides.
func (s *Server) authorized(r *http.Request) bool {
	s.pc.Mu.Lock()
	user, pass, keys := s.pc.Username, s.pc.Password, s.pc.APIKeys
	s.pc.Mu.Unlock()
	if key := r.Header.Get("X-ntnx-api-key"); key != "" {
		ok := false
		for _, k := range keys {
			if k != "" && subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
				ok = true
			}
		}
		return ok
	}
	u, p, ok := r.BasicAuth()
	if !ok || user == "" {
		return false
	}
	uo := subtle.ConstantTimeCompare([]byte(u), []byte(user))
	po := subtle.ConstantTimeCompare([]byte(p), []byte(pass))
	return uo&po == 1
}

// route dispatches on namespace, method and path.
func (s *Server) route(rc *reqCtx) {
	p := rc.rest
	m := rc.r.Method
	is := func(segs ...string) bool {
		if len(segs) != len(p) {
			return false
		}
		for i, seg := range segs {
			if seg != "*" && seg != p[i] {
				return false
			}
		}
		return true
	}
	switch rc.ns {
	case "dataprotection":
		switch {
		case is("config", "recovery-points"):
			switch m {
			case http.MethodGet:
				rc.listRecoveryPoints()
			case http.MethodPost:
				rc.createRecoveryPoint()
			default:
				rc.methodNotAllowed()
			}
			return
		case is("config", "recovery-points", "*"):
			switch m {
			case http.MethodGet:
				rc.getRecoveryPoint(p[2])
			case http.MethodDelete:
				rc.deleteRecoveryPoint(p[2])
			default:
				rc.methodNotAllowed()
			}
			return
		case is("config", "recovery-points", "*", "$actions", "*"):
			if m != http.MethodPost {
				rc.methodNotAllowed()
				return
			}
			switch p[4] {
			case "set-expiration-time":
				rc.setExpiration(p[2])
			case "restore":
				rc.restore(p[2])
			case "replicate":
				rc.replicate(p[2])
			default:
				rc.notFoundPath()
			}
			return
		case is("config", "recovery-points", "*", "vm-recovery-points", "*"):
			if m != http.MethodGet {
				rc.methodNotAllowed()
				return
			}
			rc.getVMRecoveryPoint(p[2], p[4])
			return
		}
	case "prism":
		switch {
		case is("config", "categories", "*"):
			rc.onlyGet(func() { rc.getCategory(p[2]) }) // protect.go
			return
		case is("config", "tasks"):
			rc.onlyGet(rc.listTasks)
			return
		case is("config", "tasks", "*"):
			rc.onlyGet(func() { rc.getTask(p[2]) })
			return
		case is("config", "categories"):
			rc.onlyGet(rc.listCategories)
			return
		case is("config", "domain-managers"):
			rc.onlyGet(rc.listDomainManagers)
			return
		case is("config", "domain-managers", "*"):
			rc.onlyGet(func() { rc.getDomainManager(p[2]) })
			return
		}
	case "vmm":
		switch {
		case is("ahv", "config", "vms"):
			rc.onlyGet(rc.listVMs)
			return
		case is("ahv", "config", "vms", "*"):
			switch m {
			case http.MethodGet:
				rc.getVM(p[3])
			case http.MethodDelete:
				rc.deleteVM(p[3])
			default:
				rc.methodNotAllowed()
			}
			return
		case is("ahv", "config", "vms", "*", "$actions", "power-on"):
			if m != http.MethodPost {
				rc.methodNotAllowed()
				return
			}
			rc.powerOnVM(p[3])
			return
		case is("ahv", "config", "vms", "*", "nics"):
			rc.onlyGet(func() { rc.listNICs(p[3]) }) // nics.go
			return
		case is("ahv", "config", "vms", "*", "nics", "*"):
			switch m {
			case http.MethodGet:
				rc.getNIC(p[3], p[5])
			case http.MethodPut:
				rc.updateNIC(p[3], p[5])
			default:
				rc.methodNotAllowed()
			}
			return
		case is("ahv", "stats", "vms", "*"):
			rc.onlyGet(func() { rc.vmStats(p[3]) })
			return
		case is("ahv", "config", "vms", "*", "$actions", "revert"):
			if m != http.MethodPost {
				rc.methodNotAllowed()
				return
			}
			rc.revertVM(p[3])
			return
		case is("ahv", "config", "vms", "*", "$actions", "associate-categories"):
			if m != http.MethodPost {
				rc.methodNotAllowed()
				return
			}
			rc.associateVMCategories(p[3]) // protect.go
			return
		}
	case "volumes":
		switch {
		case is("config", "volume-groups"):
			rc.onlyGet(rc.listVolumeGroups)
			return
		case is("config", "volume-groups", "*"):
			rc.onlyGet(func() { rc.getVolumeGroup(p[2]) })
			return
		case is("config", "volume-groups", "*", "disks"):
			rc.onlyGet(func() { rc.listVolumeGroupDisks(p[2]) })
			return
		case is("config", "volume-groups", "*", "category-associations"):
			rc.onlyGet(func() { rc.listVGCategoryAssociations(p[2]) }) // protect.go
			return
		case is("config", "volume-groups", "*", "$actions", "associate-category"):
			if m != http.MethodPost {
				rc.methodNotAllowed()
				return
			}
			rc.associateVGCategory(p[2]) // protect.go
			return
		}
	case "networking":
		switch {
		case is("config", "subnets"):
			rc.onlyGet(rc.listSubnets) // nics.go
			return
		case is("config", "subnets", "*"):
			rc.onlyGet(func() { rc.getSubnet(p[2]) })
			return
		}
	case "clustermgmt":
		switch {
		case is("config", "clusters"):
			rc.onlyGet(rc.listClusters)
			return
		case is("config", "clusters", "*"):
			rc.onlyGet(func() { rc.getCluster(p[2]) })
			return
		}
	case "datapolicies":
		switch {
		case is("config", "protection-policies"):
			rc.onlyGet(rc.listProtectionPolicies)
			return
		case is("config", "protection-policies", "*"):
			rc.onlyGet(func() { rc.getProtectionPolicy(p[2]) })
			return
		}
	}
	rc.notFoundPath()
}

func (rc *reqCtx) onlyGet(f func()) {
	if rc.r.Method != http.MethodGet {
		rc.methodNotAllowed()
		return
	}
	f()
}

// settleLocks serialises settling per estate, so that a task's remote
// outcome is in place before any request can see the task as applied.
var settleLocks sync.Map // *fleet.Estate -> *sync.Mutex

// settle applies the outcome of every task of the estate that has ended by
// now and removes expired recovery points.
func (s *Server) settle() {
	mu, _ := settleLocks.LoadOrStore(s.estate, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	now := s.estate.Clock.Now()
	type remoteRP struct {
		target string
		rp     *fleet.NutanixRecoveryPoint
	}
	var remotes []remoteRP
	for _, pc := range s.estate.PrismCentrals {
		pc.Mu.Lock()
		var due []*fleet.NutanixTask
		for _, t := range pc.Tasks {
			if !t.Applied && !t.Stuck && !t.CompletedTime().After(now) {
				due = append(due, t)
			}
		}
		slices.SortStableFunc(due, func(a, b *fleet.NutanixTask) int { return a.CompletedTime().Compare(b.CompletedTime()) })
		for _, t := range due {
			t.Applied = true
			if t.ErrorMessage != "" {
				continue
			}
			o := t.Outcome
			if o.AddRecoveryPoint != nil && o.TargetPrismCentral != "" && o.TargetPrismCentral != pc.Name {
				remotes = append(remotes, remoteRP{o.TargetPrismCentral, o.AddRecoveryPoint})
				continue
			}
			applyOutcome(pc, o)
		}
		expireRecoveryPoints(pc, now)
		pc.Mu.Unlock()
	}
	for _, r := range remotes {
		target := s.estate.PrismCentralByName(r.target)
		if target == nil {
			continue
		}
		target.Mu.Lock()
		target.RecoveryPoints = append(target.RecoveryPoints, r.rp)
		expireRecoveryPoints(target, now)
		target.Mu.Unlock()
	}
}

func applyOutcome(pc *fleet.PrismCentral, o fleet.NutanixTaskOutcome) {
	if o.AddRecoveryPoint != nil {
		pc.RecoveryPoints = append(pc.RecoveryPoints, o.AddRecoveryPoint)
	}
	if id := o.AddLocationRecoveryPointExtID; id != "" {
		if rp := pc.RecoveryPointByExtID(id); rp != nil && !slices.Contains(rp.ClusterExtIDs, o.AddLocationClusterExtID) {
			rp.ClusterExtIDs = append(rp.ClusterExtIDs, o.AddLocationClusterExtID)
		}
	}
	if id := o.SetExpirationRecoveryPointExtID; id != "" {
		if rp := pc.RecoveryPointByExtID(id); rp != nil {
			rp.ExpirationTime = o.ExpirationTime
		}
	}
	if id := o.DeleteRecoveryPointExtID; id != "" {
		pc.RecoveryPoints = slices.DeleteFunc(pc.RecoveryPoints, func(rp *fleet.NutanixRecoveryPoint) bool { return rp.ExtID == id })
	}
	for _, vm := range o.AddVMs {
		v := fleet.CloneNutanixVM(vm)
		pc.VMs = append(pc.VMs, &v)
	}
	for _, vg := range o.AddVolumeGroups {
		v := fleet.CloneNutanixVolumeGroup(vg)
		pc.VolumeGroups = append(pc.VolumeGroups, &v)
	}
	if o.RevertVM != nil {
		if vm := pc.VMByExtID(o.RevertVM.ExtID); vm != nil {
			*vm = fleet.CloneNutanixVM(*o.RevertVM)
		}
	}
	if o.UpdateVolumeGroup != nil {
		if vg := pc.VolumeGroupByExtID(o.UpdateVolumeGroup.ExtID); vg != nil {
			*vg = fleet.CloneNutanixVolumeGroup(*o.UpdateVolumeGroup)
		}
	}
	if id := o.PowerOnVMExtID; id != "" {
		if vm := pc.VMByExtID(id); vm != nil && vm.PowerState != "ON" {
			vm.PowerState = "ON"
			if vm.HostExtID == "" {
				vm.HostExtID = fleet.NewNutanixID(vm.ClusterExtID, "host", 0)
			}
		}
	}
	if u := o.UpdateNIC; u != nil {
		if vm := pc.VMByExtID(u.VMExtID); vm != nil {
			for i := range vm.NICs {
				if vm.NICs[i].ExtID == u.NIC.ExtID {
					vm.NICs[i] = u.NIC
				}
			}
		}
	}
	if id := o.DeleteVMExtID; id != "" {
		pc.VMs = slices.DeleteFunc(pc.VMs, func(vm *fleet.NutanixVM) bool { return vm.ExtID == id })
	}
}

func expireRecoveryPoints(pc *fleet.PrismCentral, now time.Time) {
	pc.RecoveryPoints = slices.DeleteFunc(pc.RecoveryPoints, func(rp *fleet.NutanixRecoveryPoint) bool {
		return !rp.ExpirationTime.IsZero() && !rp.ExpirationTime.After(now)
	})
}

// etagOf is the opaque ETag of a model value: a hash of its content.
func etagOf(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// ifMatchOK checks an If-Match header against the current ETag; it answers
// 412 (or 428 when required and missing) and returns false otherwise.
func (rc *reqCtx) ifMatchOK(current string) bool {
	h := strings.TrimSpace(rc.r.Header.Get("If-Match"))
	if h == "" {
		if rc.s.opts.RequireIfMatch {
			rc.fail(http.StatusPreconditionRequired, 42800, "PRECONDITION_REQUIRED", "The If-Match header with the entity's ETag is required for this operation.")
			return false
		}
		return true
	}
	if h == "*" {
		return true
	}
	for tag := range strings.SplitSeq(h, ",") {
		tag = strings.TrimSpace(tag)
		tag = strings.TrimPrefix(tag, "W/")
		tag = strings.Trim(tag, `"`)
		if tag == current {
			return true
		}
	}
	rc.fail(http.StatusPreconditionFailed, 41200, "PRECONDITION_FAILED", "The entity has changed since it was read: the If-Match ETag does not match the current ETag. Read the entity again and retry.")
	return false
}
