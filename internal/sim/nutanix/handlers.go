package nutanix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Task durations in simulated time.
const (
	taskQueueTime      = time.Second
	createBaseTime     = 10 * time.Second
	createPerEntity    = 5 * time.Second
	setExpiryTime      = 4 * time.Second
	deleteTime         = 6 * time.Second
	restoreBaseTime    = 20 * time.Second
	restorePerEntity   = 20 * time.Second
	replicateBaseTime  = 30 * time.Second
	replicatePerEntity = 10 * time.Second
	revertTime         = 30 * time.Second
	vmDeleteTime       = 8 * time.Second
	powerOnTime        = 5 * time.Second
	maxRPEntities      = 32
	maxBodyBytes       = 1 << 20
)

// Relations used in entitiesAffected.
const (
	relRP   = "dataprotection:config:recovery-point"
	relVMRP = "dataprotection:config:vm-recovery-point"
	relVGRP = "dataprotection:config:volume-group-recovery-point"
	relVM   = "vmm:ahv:config:vm"
	relVG   = "volumes:config:volume-group"
)

var rpFilterable = []string{"creationTime", "extId", "locationAgnosticId", "name", "ownerExtId", "recoveryPointType", "vmRecoveryPoints", "volumeGroupRecoveryPoints"}
var rpSortable = []string{"creationTime", "expirationTime", "name", "ownerExtId"}

// rpSelectable are the RecoveryPoint properties (reference §3.1) and those
// of its VM and volume group recovery points (§3.2, §3.3) that $select may
// name.
var rpSelectable = func() []string {
	out := []string{"extId", "name", "creationTime", "expirationTime", "status", "recoveryPointType", "locationAgnosticId",
		"locationReferences", "ownerExtId", "vmRecoveryPoints", "volumeGroupRecoveryPoints", "tenantId", "links", "isSecure",
		"sourceLocation", "totalExclusiveUsageBytes", "projectExtId"}
	for _, f := range []string{"extId", "vmExtId", "name", "creationTime", "expirationTime", "status", "recoveryPointType",
		"locationAgnosticId", "consistencyGroupExtId", "vmCategories", "diskRecoveryPoints", "applicationConsistentProperties",
		"tenantId", "links", "hypervisorType", "totalExclusiveUsageBytes"} {
		out = append(out, "vmRecoveryPoints/"+f)
	}
	for _, f := range []string{"extId", "volumeGroupExtId", "consistencyGroupExtId", "locationAgnosticId", "volumeGroupCategories",
		"diskRecoveryPoints", "tenantId", "links", "totalExclusiveUsageBytes"} {
		out = append(out, "volumeGroupRecoveryPoints/"+f)
	}
	return out
}()

// --- reads ---

func (rc *reqCtx) listRecoveryPoints() {
	rc.respType = "dataprotection.v4.config.ListRecoveryPointsApiResponse"
	pc := rc.s.pc
	// Filter and sort on the filterable and sortable fields only, outside
	// the lock, then render the page in full under it.
	members := strings.Contains(rc.r.URL.Query().Get("$filter"), "RecoveryPoints")
	if sel := rc.r.URL.Query().Get("$select"); sel != "" {
		rc.noDisks = true
		for f := range strings.SplitSeq(sel, ",") {
			f = strings.TrimSpace(f)
			if f == "vmRecoveryPoints" || f == "volumeGroupRecoveryPoints" || strings.Contains(f, "diskRecoveryPoints") {
				rc.noDisks = false
			}
		}
	}
	pc.Mu.Lock()
	items := make([]obj, 0, len(pc.RecoveryPoints))
	for _, rp := range pc.RecoveryPoints {
		items = append(items, lightRP(rp, members))
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{filterable: rpFilterable, sortable: rpSortable, selectable: rpSelectable, projection: "dataprotection.v4.config.RecoveryPointProjection",
		expand: func(o obj) obj {
			pc.Mu.Lock()
			defer pc.Mu.Unlock()
			return rc.renderRP(o[lightKey].(*fleet.NutanixRecoveryPoint))
		}})
}

// lightKey holds the model object in a light list item; it never reaches
// the wire (expand replaces the item).
const lightKey = "\x00model"

// lightRP carries the recovery point fields $filter and $orderby may name,
// in their wire form; the member lists only when the filter names them.
func lightRP(rp *fleet.NutanixRecoveryPoint, members bool) obj {
	owner := rp.OwnerExtID
	if owner == "" {
		owner = adminOwnerExtID
	}
	o := obj{lightKey: rp, "extId": rp.ExtID, "name": rp.Name, "creationTime": ts(rp.CreationTime),
		"recoveryPointType": rp.Type, "locationAgnosticId": rp.LocationAgnosticID, "ownerExtId": owner}
	if !rp.ExpirationTime.IsZero() {
		o["expirationTime"] = ts(rp.ExpirationTime)
	}
	if !members {
		return o
	}
	if len(rp.VMRecoveryPoints) > 0 {
		vms := make([]any, len(rp.VMRecoveryPoints))
		for i, v := range rp.VMRecoveryPoints {
			vms[i] = obj{"extId": v.ExtID, "vmExtId": v.VMExtID}
		}
		o["vmRecoveryPoints"] = vms
	}
	if len(rp.VGRecoveryPoints) > 0 {
		vgs := make([]any, len(rp.VGRecoveryPoints))
		for i, v := range rp.VGRecoveryPoints {
			vgs[i] = obj{"extId": v.ExtID, "volumeGroupExtId": v.VolumeGroupExtID}
		}
		o["volumeGroupRecoveryPoints"] = vgs
	}
	return o
}

func (rc *reqCtx) getRecoveryPoint(id string) {
	rc.respType = "dataprotection.v4.config.GetRecoveryPointApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	rp := pc.RecoveryPointByExtID(id)
	if rp == nil {
		pc.Mu.Unlock()
		rc.notFound("Recovery point", id)
		return
	}
	data, etag := rc.renderRP(rp), etagOf(rp)
	pc.Mu.Unlock()
	rc.writeEntity(data, etag)
}

func (rc *reqCtx) getVMRecoveryPoint(rpID, id string) {
	rc.respType = "dataprotection.v4.config.GetVmRecoveryPointApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	rp := pc.RecoveryPointByExtID(rpID)
	if rp == nil {
		rc.notFound("Recovery point", rpID)
		return
	}
	for i := range rp.VMRecoveryPoints {
		v := &rp.VMRecoveryPoints[i]
		if v.ExtID == id {
			rc.writeEntity(rc.renderVMRP(rp, v), etagOf(v))
			return
		}
	}
	rc.notFound("VM recovery point", id)
}

func (rc *reqCtx) listTasks() {
	rc.respType = "prism.v4.config.ListTasksApiResponse"
	pc := rc.s.pc
	now := rc.s.estate.Clock.Now()
	q := rc.r.URL.Query()
	if onlyCreatedTime(q.Get("$filter"), q.Get("$orderby")) {
		// Windowed, newest-first reads (how collectors read the history):
		// filter and sort on the creation time, render the page only.
		pc.Mu.Lock()
		items := make([]obj, 0, len(pc.Tasks))
		for _, t := range pc.Tasks {
			items = append(items, obj{"createdTime": ts(t.CreatedTime), lightKey: t})
		}
		pc.Mu.Unlock()
		rc.writeList(items, listSpec{expand: func(o obj) obj {
			pc.Mu.Lock()
			defer pc.Mu.Unlock()
			return rc.renderTask(o[lightKey].(*fleet.NutanixTask), now)
		}})
		return
	}
	if q.Get("$filter") != "" || q.Get("$orderby") != "" {
		pc.Mu.Lock()
		items := make([]obj, 0, len(pc.Tasks))
		for _, t := range pc.Tasks {
			items = append(items, rc.renderTask(t, now))
		}
		pc.Mu.Unlock()
		rc.writeList(items, listSpec{})
		return
	}
	// Plain paging (how collectors read the history): render the page only.
	pc.Mu.Lock()
	items := make([]obj, 0, len(pc.Tasks))
	for _, t := range pc.Tasks {
		items = append(items, obj{lightKey: t})
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{expand: func(o obj) obj {
		pc.Mu.Lock()
		defer pc.Mu.Unlock()
		return rc.renderTask(o[lightKey].(*fleet.NutanixTask), now)
	}})
}

// listCategories lists every category used on the Prism Central: by VMs,
// volume groups and protection policies.
func (rc *reqCtx) listCategories() {
	rc.respType = "prism.v4.config.ListCategoriesApiResponse"
	// $expand=associations adds per-kind counts, detailedAssociations the
	// entities and policies themselves (prism.v4.config.AssociationDetail),
	// as Prism Central does; neither is there by default.
	var summary, detailed bool
	if x := rc.r.URL.Query().Get("$expand"); x != "" {
		for _, e := range strings.Split(x, ",") {
			switch strings.TrimSpace(e) {
			case "associations":
				summary = true
			case "detailedAssociations":
				detailed = true
			default:
				rc.badRequest("$expand: unknown property %q (expandable: associations, detailedAssociations).", e)
				return
			}
		}
	}
	type assoc struct{ resourceType, group, id string }
	pc := rc.s.pc
	pc.Mu.Lock()
	by := map[string][]assoc{}
	var names []string
	add := func(l []string, a assoc) {
		for _, c := range l {
			if _, ok := by[c]; !ok {
				names = append(names, c)
			}
			by[c] = append(by[c], a)
		}
	}
	for _, v := range pc.VMs {
		add(v.Categories, assoc{"VM", "ENTITY", v.ExtID})
	}
	for _, v := range pc.VolumeGroups {
		add(v.Categories, assoc{"VOLUMEGROUP", "ENTITY", v.ExtID})
	}
	for _, p := range pc.ProtectionPolicies {
		add(p.Categories, assoc{"PROTECTION_RULE", "POLICY", p.ExtID})
	}
	pc.Mu.Unlock()
	slices.Sort(names)
	items := make([]obj, 0, len(names))
	for _, n := range names {
		c := rc.renderCategory(n)
		id := categoryExtID(n)
		if summary {
			count := map[assoc]int{}
			var order []assoc
			for _, a := range by[n] {
				k := assoc{a.resourceType, a.group, ""}
				if count[k] == 0 {
					order = append(order, k)
				}
				count[k]++
			}
			l := make([]any, 0, len(order))
			for _, k := range order {
				l = append(l, rc.typed("prism.v4.config.AssociationSummary", obj{"categoryId": id, "resourceType": k.resourceType, "resourceGroup": k.group, "count": count[k]}))
			}
			c["associations"] = l
		}
		if detailed {
			l := make([]any, 0, len(by[n]))
			for _, a := range by[n] {
				l = append(l, rc.typed("prism.v4.config.AssociationDetail", obj{"categoryId": id, "resourceType": a.resourceType, "resourceGroup": a.group, "resourceId": a.id}))
			}
			c["detailedAssociations"] = l
		}
		items = append(items, c)
	}
	rc.writeList(items, listSpec{})
}

// onlyCreatedTime reports whether a task query filters and sorts on
// createdTime alone (and does either).
func onlyCreatedTime(filter, orderby string) bool {
	if filter == "" && orderby == "" {
		return false
	}
	f := strings.TrimSpace(filter)
	if f != "" {
		field, rest, _ := strings.Cut(f, " ")
		op, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if field != "createdTime" || !slices.Contains([]string{"gt", "ge", "lt", "le"}, op) || strings.Contains(rest, " and ") || strings.Contains(rest, " or ") {
			return false
		}
	}
	o := strings.Fields(orderby)
	return orderby == "" || (o[0] == "createdTime" && (len(o) == 1 || (len(o) == 2 && (o[1] == "asc" || o[1] == "desc"))))
}

func (rc *reqCtx) getTask(id string) {
	rc.respType = "prism.v4.config.GetTaskApiResponse"
	pc := rc.s.pc
	now := rc.s.estate.Clock.Now()
	pc.Mu.Lock()
	t := pc.TaskByExtID(id)
	if t == nil {
		pc.Mu.Unlock()
		rc.notFound("Task", id)
		return
	}
	data := rc.renderTask(t, now)
	pc.Mu.Unlock()
	if status, _ := taskState(t, now); !terminal(status) {
		// Polling an unfinished task is what moves simulated time on.
		rc.s.estate.Clock.Advance(rc.s.opts.PollStep)
	}
	rc.writeEntity(data, "")
}

func (rc *reqCtx) listDomainManagers() {
	rc.respType = "prism.v4.config.ListDomainManagerApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	items := []obj{rc.renderDomainManager(pc)}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

func (rc *reqCtx) getDomainManager(id string) {
	rc.respType = "prism.v4.config.GetDomainManagerApiResponse"
	pc := rc.s.pc
	if id != pc.ExtID {
		rc.notFound("Domain manager", id)
		return
	}
	pc.Mu.Lock()
	data := rc.renderDomainManager(pc)
	etag := etagOf([]string{pc.Name, pc.ExtID, pc.Version, pc.Address})
	pc.Mu.Unlock()
	rc.writeEntity(data, etag)
}

func (rc *reqCtx) listVMs() {
	rc.respType = "vmm.v4.ahv.config.ListVmsApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	items := make([]obj, 0, len(pc.VMs))
	for _, vm := range pc.VMs {
		items = append(items, rc.renderVM(vm))
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

func (rc *reqCtx) getVM(id string) {
	rc.respType = "vmm.v4.ahv.config.GetVmApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	vm := pc.VMByExtID(id)
	if vm == nil {
		pc.Mu.Unlock()
		rc.notFound("VM", id)
		return
	}
	data, etag := rc.renderVM(vm), etagOf(vm)
	pc.Mu.Unlock()
	rc.writeEntity(data, etag)
}

// vmStats serves GET /vmm/v4.0/ahv/stats/vms/{extId}: the VM's disk
// controller write bandwidth (kBps, averaged per $samplingInterval seconds)
// from $startTime to $endTime, both required, as Prism Central does. Only
// controllerWriteIoBandwidthKbps is modelled; other stats are absent.
func (rc *reqCtx) vmStats(id string) {
	rc.respType = "vmm.v4.ahv.stats.GetVmStatsApiResponse"
	q := rc.r.URL.Query()
	start, err1 := time.Parse(time.RFC3339, q.Get("$startTime"))
	end, err2 := time.Parse(time.RFC3339, q.Get("$endTime"))
	if err1 != nil || err2 != nil || !end.After(start) {
		rc.badRequest("$startTime and $endTime are required RFC 3339 times, $startTime before $endTime")
		return
	}
	iv := 30 * time.Second
	if v := q.Get("$samplingInterval"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			rc.badRequest("Invalid $samplingInterval %q: want a positive number of seconds", v)
			return
		}
		iv = time.Duration(n) * time.Second
	}
	if end.Sub(start)/iv > 10000 {
		rc.badRequest("The window holds more than 10000 samples of $samplingInterval; narrow it or sample less often")
		return
	}
	pc := rc.s.pc
	now := rc.s.estate.Clock.Now()
	pc.Mu.Lock()
	vm := pc.VMByExtID(id)
	if vm == nil {
		pc.Mu.Unlock()
		rc.notFound("VM", id)
		return
	}
	model, created := vm.Writes, vm.CreateTime
	pc.Mu.Unlock()
	stats := []any{}
	for t := start.Truncate(iv); t.Add(iv).Before(end) || t.Add(iv).Equal(end); t = t.Add(iv) {
		if t.Add(iv).After(now) || t.Before(created) {
			continue
		}
		kbps := int64(model.WrittenBetween(id, t, t.Add(iv)) / iv.Seconds() / 1024)
		stats = append(stats, rc.typed("vmm.v4.ahv.stats.VmStatsTuple", obj{"timestamp": ts(t), "controllerWriteIoBandwidthKbps": kbps}))
	}
	rc.writeEntity(rc.typed("vmm.v4.ahv.stats.VmStats", obj{"extId": id, "stats": stats}), "")
}

func (rc *reqCtx) listVolumeGroups() {
	rc.respType = "volumes.v4.config.ListVolumeGroupsApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	items := make([]obj, 0, len(pc.VolumeGroups))
	for _, vg := range pc.VolumeGroups {
		items = append(items, rc.renderVG(vg))
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

func (rc *reqCtx) getVolumeGroup(id string) {
	rc.respType = "volumes.v4.config.GetVolumeGroupApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	vg := pc.VolumeGroupByExtID(id)
	if vg == nil {
		pc.Mu.Unlock()
		rc.notFound("Volume group", id)
		return
	}
	data, etag := rc.renderVG(vg), etagOf(vg)
	pc.Mu.Unlock()
	rc.writeEntity(data, etag)
}

func (rc *reqCtx) listVolumeGroupDisks(id string) {
	rc.respType = "volumes.v4.config.ListVolumeDisksApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	vg := pc.VolumeGroupByExtID(id)
	if vg == nil {
		pc.Mu.Unlock()
		rc.notFound("Volume group", id)
		return
	}
	items := make([]obj, 0, len(vg.Disks))
	for _, d := range vg.Disks {
		items = append(items, rc.renderVGDisk(d))
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

func (rc *reqCtx) listClusters() {
	rc.respType = "clustermgmt.v4.config.ListClustersApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	items := make([]obj, 0, len(pc.Clusters)+1)
	for _, c := range pc.Clusters {
		items = append(items, rc.renderCluster(pc, c))
	}
	items = append(items, rc.renderPCCluster(pc))
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

func (rc *reqCtx) getCluster(id string) {
	rc.respType = "clustermgmt.v4.config.GetClusterApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	if id == pc.ExtID {
		rc.writeEntity(rc.renderPCCluster(pc), etagOf([]string{pc.Name, pc.ExtID, pc.Version, pc.Address}))
		return
	}
	c := pc.ClusterByExtID(id)
	if c == nil {
		rc.notFound("Cluster", id)
		return
	}
	rc.writeEntity(rc.renderCluster(pc, c), etagOf(c))
}

// remoteExtID returns the ext id of the estate's Prism Central named name.
func (s *Server) remoteExtID(name string) string {
	if name == "" {
		return ""
	}
	if r := s.estate.PrismCentralByName(name); r != nil {
		return r.ExtID
	}
	return ""
}

func (rc *reqCtx) listProtectionPolicies() {
	rc.respType = "datapolicies.v4.config.ListProtectionPoliciesApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	items := make([]obj, 0, len(pc.ProtectionPolicies))
	for _, p := range pc.ProtectionPolicies {
		items = append(items, rc.renderPolicy(pc, p, rc.s.remoteExtID(p.RemotePrismCentral)))
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

func (rc *reqCtx) getProtectionPolicy(id string) {
	rc.respType = "datapolicies.v4.config.GetProtectionPolicyApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	p := pc.ProtectionPolicyByExtID(id)
	if p == nil {
		rc.notFound("Protection policy", id)
		return
	}
	rc.writeEntity(rc.renderPolicy(pc, p, rc.s.remoteExtID(p.RemotePrismCentral)), etagOf(p))
}

// --- mutations ---

// mutation checks the NTNX-Request-Id header and replays the task of an
// earlier identical request. It returns the request id and false when the
// request has been answered.
func (rc *reqCtx) mutation() (string, bool) {
	id := strings.TrimSpace(rc.r.Header.Get("NTNX-Request-Id"))
	if !rc.s.opts.LenientRequestID {
		if id == "" {
			rc.fail(http.StatusBadRequest, 40001, "MISSING_REQUEST_ID_HEADER", "The NTNX-Request-Id header is required for this operation: send a new UUID with every request.")
			return "", false
		}
		if !uuidRE.MatchString(id) {
			rc.fail(http.StatusBadRequest, 40002, "INVALID_REQUEST_ID_HEADER", fmt.Sprintf("The NTNX-Request-Id header %q is not a valid UUID.", id))
			return "", false
		}
	}
	if id == "" {
		return "", true
	}
	pc := rc.s.pc
	key := rc.requestKey()
	pc.Mu.Lock()
	var replay *fleet.NutanixTask
	for _, t := range pc.Tasks {
		if t.RequestID == id && t.RequestKey == key {
			replay = t
			break
		}
	}
	pc.Mu.Unlock()
	if replay != nil {
		rc.writeTaskRef(replay)
		return "", false
	}
	return id, true
}

// requestKey identifies the operation independent of the API version.
func (rc *reqCtx) requestKey() string {
	return rc.r.Method + " /api/" + rc.ns + "/" + strings.Join(rc.rest, "/")
}

// decodeBody reads a JSON request body into v; $-prefixed keys are ignored
// because they match no field. An empty body is allowed when optional.
func (rc *reqCtx) decodeBody(v any, optional bool) bool {
	b, err := io.ReadAll(http.MaxBytesReader(rc.w, rc.r.Body, maxBodyBytes))
	if err != nil {
		rc.badRequest("Could not read the request body: %v", err)
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if optional {
			return true
		}
		rc.badRequest("A JSON request body is required.")
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		rc.badRequest("Invalid request body: %s", describeJSONError(err))
		return false
	}
	return true
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q must be a %s, not a JSON %s", te.Field, te.Type.String(), te.Value)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("invalid date-time %q: use RFC 3339, e.g. 2024-09-30T14:15:22Z", pe.Value)
	}
	return err.Error()
}

// newTask records a task on pc (hold pc.Mu), applying any matching fault.
func (rc *reqCtx) newTask(pc *fleet.PrismCentral, requestID, op, desc string, dur time.Duration) *fleet.NutanixTask {
	t := &fleet.NutanixTask{
		ExtID:       "ZXJnb24=:" + pc.NextID("task"),
		Operation:   op,
		Description: desc,
		RequestID:   requestID,
		RequestKey:  rc.requestKey(),
		CreatedTime: rc.s.estate.Clock.Now(),
		QueueTime:   taskQueueTime,
		Duration:    dur,
		OwnerName:   "admin",
	}
	for i := range pc.TaskFaults {
		f := &pc.TaskFaults[i]
		if f.Count <= 0 || (f.Operation != "" && f.Operation != op) {
			continue
		}
		f.Count--
		if f.Stuck {
			t.Stuck = true
		} else {
			t.ErrorMessage = f.Message
			if t.ErrorMessage == "" {
				t.ErrorMessage = "Injected task failure."
			}
			t.ErrorCode = "DP-50001"
		}
		break
	}
	pc.TaskFaults = slices.DeleteFunc(pc.TaskFaults, func(f fleet.NutanixTaskFault) bool { return f.Count <= 0 })
	pc.Tasks = append(pc.Tasks, t)
	return t
}

func (t *taskFail) apply(task *fleet.NutanixTask) {
	if task.ErrorMessage == "" && !task.Stuck {
		task.ErrorMessage, task.ErrorCode = t.msg, t.code
	}
}

// taskFail is a failure decided when the task starts (an entity the body
// refers to does not exist).
type taskFail struct{ msg, code string }

type createRPBody struct {
	Name              string     `json:"name"`
	ExpirationTime    *time.Time `json:"expirationTime"`
	RecoveryPointType string     `json:"recoveryPointType"`
	VMRecoveryPoints  []struct {
		VMExtID                         string `json:"vmExtId"`
		ApplicationConsistentProperties *struct {
			ObjectType             string   `json:"$objectType"`
			BackupType             string   `json:"backupType"`
			ShouldIncludeWriters   bool     `json:"shouldIncludeWriters"`
			Writers                []string `json:"writers"`
			ShouldStoreVSSMetadata bool     `json:"shouldStoreVssMetadata"`
		} `json:"applicationConsistentProperties"`
	} `json:"vmRecoveryPoints"`
	VGRecoveryPoints []struct {
		VolumeGroupExtID string `json:"volumeGroupExtId"`
	} `json:"volumeGroupRecoveryPoints"`
}

func (rc *reqCtx) createRecoveryPoint() {
	rc.respType = "dataprotection.v4.config.CreateRecoveryPointApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body createRPBody
	if !rc.decodeBody(&body, false) {
		return
	}
	now := rc.s.estate.Clock.Now()
	switch body.RecoveryPointType {
	case "":
		body.RecoveryPointType = "CRASH_CONSISTENT"
	case "CRASH_CONSISTENT", "APPLICATION_CONSISTENT":
	default:
		rc.badRequest("Invalid recoveryPointType %q: use CRASH_CONSISTENT or APPLICATION_CONSISTENT.", body.RecoveryPointType)
		return
	}
	n := len(body.VMRecoveryPoints) + len(body.VGRecoveryPoints)
	if n == 0 {
		rc.badRequest("A recovery point needs at least one entry in vmRecoveryPoints or volumeGroupRecoveryPoints.")
		return
	}
	if n > maxRPEntities {
		rc.badRequest("A recovery point can hold at most %d VMs and volume groups, got %d.", maxRPEntities, n)
		return
	}
	if body.ExpirationTime != nil && !body.ExpirationTime.After(now) {
		rc.badRequest("expirationTime %s is not in the future.", ts(*body.ExpirationTime))
		return
	}
	seen := map[string]bool{}
	for _, v := range body.VMRecoveryPoints {
		if !uuidRE.MatchString(v.VMExtID) {
			rc.badRequest("vmRecoveryPoints[].vmExtId %q is not a valid UUID.", v.VMExtID)
			return
		}
		if seen[v.VMExtID] {
			rc.badRequest("VM %s is listed twice.", v.VMExtID)
			return
		}
		seen[v.VMExtID] = true
		if p := v.ApplicationConsistentProperties; p != nil {
			if p.ObjectType != "" && p.ObjectType != "dataprotection.v4.common.VssProperties" {
				rc.badRequest("applicationConsistentProperties: unsupported $objectType %q (only dataprotection.v4.common.VssProperties).", p.ObjectType)
				return
			}
			if p.BackupType != "" && p.BackupType != "FULL_BACKUP" && p.BackupType != "COPY_BACKUP" {
				rc.badRequest("Invalid backupType %q: use FULL_BACKUP or COPY_BACKUP.", p.BackupType)
				return
			}
		}
	}
	for _, v := range body.VGRecoveryPoints {
		if !uuidRE.MatchString(v.VolumeGroupExtID) {
			rc.badRequest("volumeGroupRecoveryPoints[].volumeGroupExtId %q is not a valid UUID.", v.VolumeGroupExtID)
			return
		}
		if seen[v.VolumeGroupExtID] {
			rc.badRequest("Volume group %s is listed twice.", v.VolumeGroupExtID)
			return
		}
		seen[v.VolumeGroupExtID] = true
	}

	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	t := rc.newTask(pc, reqID, fleet.OpCreateRecoveryPoint, "Create Recovery Point", createBaseTime+time.Duration(n)*createPerEntity)
	rp := &fleet.NutanixRecoveryPoint{
		ExtID:                    pc.NextID("recovery-point"),
		Name:                     body.Name,
		CreationTime:             now.Add(taskQueueTime),
		Type:                     body.RecoveryPointType,
		OwnerExtID:               adminOwnerExtID,
		SourceDomainManagerExtID: pc.ExtID,
	}
	if body.ExpirationTime != nil {
		rp.ExpirationTime = body.ExpirationTime.UTC()
	}
	rp.LocationAgnosticID = fleet.NewNutanixID(rp.ExtID, "location-agnostic")
	var fail *taskFail
	addCluster := func(id string) {
		if !slices.Contains(rp.ClusterExtIDs, id) {
			rp.ClusterExtIDs = append(rp.ClusterExtIDs, id)
		}
	}
	for _, v := range body.VMRecoveryPoints {
		vm := pc.VMByExtID(v.VMExtID)
		t.EntitiesAffected = append(t.EntitiesAffected, fleet.NutanixEntityRef{ExtID: v.VMExtID, Rel: relVM})
		if vm == nil {
			if fail == nil {
				fail = &taskFail{fmt.Sprintf("Failed to create recovery point: VM with ext id %s was not found.", v.VMExtID), "DP-40401"}
			}
			continue
		}
		t.EntitiesAffected[len(t.EntitiesAffected)-1].Name = vm.Name
		addCluster(vm.ClusterExtID)
		vmrp := fleet.NutanixVMRecoveryPoint{ExtID: pc.NextID("vm-recovery-point"), VMExtID: vm.ExtID, VM: fleet.CloneNutanixVM(*vm)}
		vmrp.LocationAgnosticID = fleet.NewNutanixID(vmrp.ExtID, "location-agnostic")
		if p := v.ApplicationConsistentProperties; p != nil {
			vmrp.VSS = &fleet.NutanixVSSProperties{BackupType: p.BackupType, ShouldIncludeWriters: p.ShouldIncludeWriters,
				Writers: append([]string(nil), p.Writers...), ShouldStoreVSSMetadata: p.ShouldStoreVSSMetadata}
		}
		var size int64
		for _, d := range vm.Disks {
			vmrp.Disks = append(vmrp.Disks, fleet.NutanixDiskRecoveryPoint{DiskExtID: d.ExtID, DiskRecoveryPointExtID: pc.NextID("disk-recovery-point")})
			size += d.SizeBytes
		}
		vmrp.TotalExclusiveUsageBytes = size / 50
		rp.TotalExclusiveUsageBytes += vmrp.TotalExclusiveUsageBytes
		rp.VMRecoveryPoints = append(rp.VMRecoveryPoints, vmrp)
		t.CreatedEntities = append(t.CreatedEntities, fleet.NutanixEntityRef{ExtID: vmrp.ExtID, Rel: relVMRP})
	}
	for _, v := range body.VGRecoveryPoints {
		vg := pc.VolumeGroupByExtID(v.VolumeGroupExtID)
		t.EntitiesAffected = append(t.EntitiesAffected, fleet.NutanixEntityRef{ExtID: v.VolumeGroupExtID, Rel: relVG})
		if vg == nil {
			if fail == nil {
				fail = &taskFail{fmt.Sprintf("Failed to create recovery point: volume group with ext id %s was not found.", v.VolumeGroupExtID), "DP-40401"}
			}
			continue
		}
		t.EntitiesAffected[len(t.EntitiesAffected)-1].Name = vg.Name
		addCluster(vg.ClusterExtID)
		vgrp := fleet.NutanixVGRecoveryPoint{ExtID: pc.NextID("vg-recovery-point"), VolumeGroupExtID: vg.ExtID, VolumeGroup: fleet.CloneNutanixVolumeGroup(*vg)}
		var size int64
		for _, d := range vg.Disks {
			vgrp.Disks = append(vgrp.Disks, fleet.NutanixDiskRecoveryPoint{DiskExtID: d.ExtID, DiskRecoveryPointExtID: pc.NextID("disk-recovery-point")})
			size += d.SizeBytes
		}
		vgrp.TotalExclusiveUsageBytes = size / 40
		rp.TotalExclusiveUsageBytes += vgrp.TotalExclusiveUsageBytes
		rp.VGRecoveryPoints = append(rp.VGRecoveryPoints, vgrp)
		t.CreatedEntities = append(t.CreatedEntities, fleet.NutanixEntityRef{ExtID: vgrp.ExtID, Rel: relVGRP})
	}
	rp.SourceClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
	t.ClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
	t.CreatedEntities = append([]fleet.NutanixEntityRef{{ExtID: rp.ExtID, Name: rp.Name, Rel: relRP}}, t.CreatedEntities...)
	t.CompletionDetails = []fleet.NutanixKV{{Name: "recoveryPointExtId", Value: rp.ExtID}}
	if fail != nil {
		fail.apply(t)
	} else {
		t.Outcome.AddRecoveryPoint = rp
	}
	rc.writeTaskRef(t)
}

// rpForAction loads a recovery point for an action under pc.Mu and checks
// If-Match; it answers and returns nil on failure.
func (rc *reqCtx) rpForAction(pc *fleet.PrismCentral, id string) *fleet.NutanixRecoveryPoint {
	rp := pc.RecoveryPointByExtID(id)
	if rp == nil {
		rc.notFound("Recovery point", id)
		return nil
	}
	if !rc.ifMatchOK(etagOf(rp)) {
		return nil
	}
	return rp
}

func (rc *reqCtx) setExpiration(id string) {
	rc.respType = "dataprotection.v4.config.UpdateRecoveryPointExpirationTimeApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body struct {
		ExpirationTime *time.Time `json:"expirationTime"`
	}
	if !rc.decodeBody(&body, false) {
		return
	}
	if body.ExpirationTime == nil {
		rc.badRequest("expirationTime is required.")
		return
	}
	now := rc.s.estate.Clock.Now()
	if !body.ExpirationTime.After(now) {
		rc.badRequest("expirationTime %s is not in the future.", ts(*body.ExpirationTime))
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	rp := rc.rpForAction(pc, id)
	if rp == nil {
		return
	}
	t := rc.newTask(pc, reqID, fleet.OpSetRecoveryPointExpiry, "Set Recovery Point Expiration Time", setExpiryTime)
	t.ClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: rp.ExtID, Name: rp.Name, Rel: relRP}}
	t.Outcome.SetExpirationRecoveryPointExtID = rp.ExtID
	t.Outcome.ExpirationTime = body.ExpirationTime.UTC()
	rc.writeTaskRef(t)
}

func (rc *reqCtx) deleteRecoveryPoint(id string) {
	rc.respType = "dataprotection.v4.config.DeleteRecoveryPointApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	rp := rc.rpForAction(pc, id)
	if rp == nil {
		return
	}
	t := rc.newTask(pc, reqID, fleet.OpDeleteRecoveryPoint, "Delete Recovery Point", deleteTime)
	t.ClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: rp.ExtID, Name: rp.Name, Rel: relRP}}
	t.Outcome.DeleteRecoveryPointExtID = rp.ExtID
	rc.writeTaskRef(t)
}

type restoreBody struct {
	ClusterExtID       string `json:"clusterExtId"`
	VMRestoreOverrides []struct {
		VMRecoveryPointExtID string `json:"vmRecoveryPointExtId"`
		VMOverrideSpec       *struct {
			Name string `json:"name"`
		} `json:"vmOverrideSpec"`
	} `json:"vmRecoveryPointRestoreOverrides"`
	VGRestoreOverrides []struct {
		VGRecoveryPointExtID    string `json:"volumeGroupRecoveryPointExtId"`
		VolumeGroupOverrideSpec *struct {
			Name string `json:"name"`
		} `json:"volumeGroupOverrideSpec"`
	} `json:"volumeGroupRecoveryPointRestoreOverrides"`
}

// restore clones the VMs and volume groups captured by a recovery point.
// Without overrides everything is restored; with overrides only the listed
// VM and volume group recovery points are, with their new names.
func (rc *reqCtx) restore(id string) {
	rc.respType = "dataprotection.v4.config.RecoveryPointRestoreApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body restoreBody
	if !rc.decodeBody(&body, true) {
		return
	}
	if body.ClusterExtID != "" && !uuidRE.MatchString(body.ClusterExtID) {
		rc.badRequest("clusterExtId %q is not a valid UUID.", body.ClusterExtID)
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	rp := rc.rpForAction(pc, id)
	if rp == nil {
		return
	}
	cluster := body.ClusterExtID
	if cluster == "" && len(rp.ClusterExtIDs) > 0 {
		cluster = rp.ClusterExtIDs[0]
	}
	if pc.ClusterByExtID(cluster) == nil {
		rc.badRequest("Cluster %s is not registered to this Prism Central: give a clusterExtId to restore to.", cluster)
		return
	}
	vmNames := map[string]string{}
	vgNames := map[string]string{}
	selective := len(body.VMRestoreOverrides)+len(body.VGRestoreOverrides) > 0
	for _, o := range body.VMRestoreOverrides {
		if !slices.ContainsFunc(rp.VMRecoveryPoints, func(v fleet.NutanixVMRecoveryPoint) bool { return v.ExtID == o.VMRecoveryPointExtID }) {
			rc.badRequest("VM recovery point %s is not part of recovery point %s.", o.VMRecoveryPointExtID, rp.ExtID)
			return
		}
		vmNames[o.VMRecoveryPointExtID] = ""
		if o.VMOverrideSpec != nil {
			vmNames[o.VMRecoveryPointExtID] = o.VMOverrideSpec.Name
		}
	}
	for _, o := range body.VGRestoreOverrides {
		if !slices.ContainsFunc(rp.VGRecoveryPoints, func(v fleet.NutanixVGRecoveryPoint) bool { return v.ExtID == o.VGRecoveryPointExtID }) {
			rc.badRequest("Volume group recovery point %s is not part of recovery point %s.", o.VGRecoveryPointExtID, rp.ExtID)
			return
		}
		vgNames[o.VGRecoveryPointExtID] = ""
		if o.VolumeGroupOverrideSpec != nil {
			vgNames[o.VGRecoveryPointExtID] = o.VolumeGroupOverrideSpec.Name
		}
	}
	n := 0
	for _, v := range rp.VMRecoveryPoints {
		if _, ok := vmNames[v.ExtID]; ok || !selective {
			n++
		}
	}
	for _, v := range rp.VGRecoveryPoints {
		if _, ok := vgNames[v.ExtID]; ok || !selective {
			n++
		}
	}
	t := rc.newTask(pc, reqID, fleet.OpRestoreRecoveryPoint, "Restore Recovery Point", restoreBaseTime+time.Duration(n)*restorePerEntity)
	done := t.CompletedTime()
	t.ClusterExtIDs = []string{cluster}
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: rp.ExtID, Name: rp.Name, Rel: relRP}}
	var vmIDs, vgIDs []string
	for _, v := range rp.VMRecoveryPoints {
		name, ok := vmNames[v.ExtID]
		if selective && !ok {
			continue
		}
		vm := fleet.CloneNutanixVM(v.VM)
		vm.ExtID = pc.NextID("vm")
		if name != "" {
			vm.Name = name
		}
		vm.ClusterExtID = cluster
		vm.HostExtID = fleet.NewNutanixID(cluster, "host", 0)
		vm.PowerState = "OFF"
		vm.ProtectionPolicyExtID = ""
		vm.CreateTime, vm.UpdateTime = done, done
		vm.GenerationUUID = fleet.NewNutanixID(vm.ExtID, "generation", 0)
		vm.RestoredFrom = v.ExtID
		vm.RevertedFrom = ""
		for i := range vm.Disks {
			vm.Disks[i].ExtID = pc.NextID("disk")
		}
		restoredNICs(pc, &vm, cluster)
		t.Outcome.AddVMs = append(t.Outcome.AddVMs, vm)
		t.CreatedEntities = append(t.CreatedEntities, fleet.NutanixEntityRef{ExtID: vm.ExtID, Name: vm.Name, Rel: relVM})
		vmIDs = append(vmIDs, vm.ExtID)
	}
	for _, v := range rp.VGRecoveryPoints {
		name, ok := vgNames[v.ExtID]
		if selective && !ok {
			continue
		}
		vg := fleet.CloneNutanixVolumeGroup(v.VolumeGroup)
		vg.ExtID = pc.NextID("volume-group")
		if name != "" {
			vg.Name = name
		}
		vg.ClusterExtID = cluster
		vg.ProtectionPolicyExtID = ""
		vg.CreateTime = done
		vg.RestoredFrom = v.ExtID
		for i := range vg.Disks {
			vg.Disks[i].ExtID = pc.NextID("disk")
		}
		t.Outcome.AddVolumeGroups = append(t.Outcome.AddVolumeGroups, vg)
		t.CreatedEntities = append(t.CreatedEntities, fleet.NutanixEntityRef{ExtID: vg.ExtID, Name: vg.Name, Rel: relVG})
		vgIDs = append(vgIDs, vg.ExtID)
	}
	if len(vmIDs) > 0 {
		t.CompletionDetails = append(t.CompletionDetails, fleet.NutanixKV{Name: "vmExtIds", Value: strings.Join(vmIDs, ",")})
	}
	if len(vgIDs) > 0 {
		t.CompletionDetails = append(t.CompletionDetails, fleet.NutanixKV{Name: "volumeGroupExtIds", Value: strings.Join(vgIDs, ",")})
	}
	rc.writeTaskRef(t)
}

// replicate copies a recovery point to another cluster: of the paired
// Prism Central (a new recovery point there, with the same location
// agnostic id) or of this one (a new location reference).
func (rc *reqCtx) replicate(id string) {
	rc.respType = "dataprotection.v4.config.RecoveryPointReplicateApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body struct {
		PCExtID      string `json:"pcExtId"`
		ClusterExtID string `json:"clusterExtId"`
	}
	if !rc.decodeBody(&body, false) {
		return
	}
	if !uuidRE.MatchString(body.PCExtID) {
		rc.badRequest("pcExtId %q is not a valid UUID: give the ext id of the target Prism Central (domain manager).", body.PCExtID)
		return
	}
	if body.ClusterExtID != "" && !uuidRE.MatchString(body.ClusterExtID) {
		rc.badRequest("clusterExtId %q is not a valid UUID.", body.ClusterExtID)
		return
	}
	pc := rc.s.pc
	var target *fleet.PrismCentral
	for _, p := range rc.s.estate.PrismCentrals {
		if p.ExtID == body.PCExtID {
			target = p
		}
	}
	if target == nil {
		rc.badRequest("Prism Central %s is not a known availability zone.", body.PCExtID)
		return
	}
	cluster := body.ClusterExtID
	if target != pc {
		// Read the target before locking our own Prism Central: one lock at
		// a time.
		target.Mu.Lock()
		paired := target.Remote == pc.Name
		if cluster == "" && len(target.Clusters) > 0 {
			cluster = target.Clusters[0].ExtID
		}
		known := target.ClusterByExtID(cluster) != nil
		target.Mu.Unlock()
		pc.Mu.Lock()
		paired = paired || pc.Remote == target.Name
		pc.Mu.Unlock()
		if !paired {
			rc.badRequest("Prism Central %s (%s) is not paired with %s.", target.Name, target.ExtID, pc.Name)
			return
		}
		if !known {
			rc.badRequest("Cluster %s is not registered to Prism Central %s.", cluster, target.Name)
			return
		}
	}
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	if target == pc && pc.ClusterByExtID(cluster) == nil {
		rc.badRequest("Cluster %q is not registered to this Prism Central.", cluster)
		return
	}
	rp := rc.rpForAction(pc, id)
	if rp == nil {
		return
	}
	n := len(rp.VMRecoveryPoints) + len(rp.VGRecoveryPoints)
	t := rc.newTask(pc, reqID, fleet.OpReplicateRecoveryPoint, "Replicate Recovery Point", replicateBaseTime+time.Duration(n)*replicatePerEntity)
	t.ClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: rp.ExtID, Name: rp.Name, Rel: relRP}}
	for _, v := range rp.VMRecoveryPoints {
		t.EntitiesAffected = append(t.EntitiesAffected, fleet.NutanixEntityRef{ExtID: v.ExtID, Rel: relVMRP})
	}
	if target == pc {
		t.Outcome.AddLocationRecoveryPointExtID = rp.ExtID
		t.Outcome.AddLocationClusterExtID = cluster
		t.CompletionDetails = []fleet.NutanixKV{{Name: "recoveryPointExtId", Value: rp.ExtID}}
	} else {
		replica := fleet.ReplicaOf(rp, pc, cluster)
		if replica.SourceDomainManagerExtID == "" {
			replica.SourceDomainManagerExtID = pc.ExtID
			replica.SourceClusterExtIDs = slices.Clone(rp.ClusterExtIDs)
		}
		t.Outcome.AddRecoveryPoint = replica
		t.Outcome.TargetPrismCentral = target.Name
		t.CompletionDetails = []fleet.NutanixKV{{Name: "recoveryPointExtId", Value: replica.ExtID}}
	}
	rc.writeTaskRef(t)
}

// revertVM restores a VM in place from one of its VM recovery points.
func (rc *reqCtx) revertVM(id string) {
	rc.respType = "vmm.v4.ahv.config.RevertVmApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body struct {
		VMRecoveryPointExtID string `json:"vmRecoveryPointExtId"`
	}
	if !rc.decodeBody(&body, false) {
		return
	}
	if !uuidRE.MatchString(body.VMRecoveryPointExtID) {
		rc.badRequest("vmRecoveryPointExtId %q is not a valid UUID.", body.VMRecoveryPointExtID)
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	vm := pc.VMByExtID(id)
	if vm == nil {
		rc.notFound("VM", id)
		return
	}
	if !rc.ifMatchOK(etagOf(vm)) {
		return
	}
	var found *fleet.NutanixVMRecoveryPoint
	for _, rp := range pc.RecoveryPoints {
		for i := range rp.VMRecoveryPoints {
			if rp.VMRecoveryPoints[i].ExtID == body.VMRecoveryPointExtID {
				found = &rp.VMRecoveryPoints[i]
			}
		}
	}
	t := rc.newTask(pc, reqID, fleet.OpRevertVM, "Revert VM", revertTime)
	t.ClusterExtIDs = []string{vm.ClusterExtID}
	t.EntitiesAffected = []fleet.NutanixEntityRef{
		{ExtID: vm.ExtID, Name: vm.Name, Rel: relVM},
		{ExtID: body.VMRecoveryPointExtID, Rel: relVMRP},
	}
	t.CompletionDetails = []fleet.NutanixKV{{Name: "VM Recovery Point UUID", Value: body.VMRecoveryPointExtID}}
	switch {
	case found == nil:
		(&taskFail{fmt.Sprintf("Failed to revert VM %s: VM recovery point %s was not found.", vm.Name, body.VMRecoveryPointExtID), "VMM-40401"}).apply(t)
	case found.VMExtID != vm.ExtID:
		(&taskFail{fmt.Sprintf("Failed to revert VM %s: VM recovery point %s belongs to another VM (%s).", vm.Name, found.ExtID, found.VMExtID), "VMM-40002"}).apply(t)
	default:
		r := fleet.CloneNutanixVM(found.VM)
		// The VM keeps its identity, placement, categories and protection;
		// its configuration and disks come from the recovery point.
		r.ExtID, r.Name, r.Description = vm.ExtID, vm.Name, vm.Description
		r.ClusterExtID, r.HostExtID = vm.ClusterExtID, vm.HostExtID
		r.Categories = slices.Clone(vm.Categories)
		r.ProtectionPolicyExtID = vm.ProtectionPolicyExtID
		r.CreateTime, r.RestoredFrom = vm.CreateTime, vm.RestoredFrom
		r.UpdateTime = t.CompletedTime()
		r.GenerationUUID = fleet.NewNutanixID(vm.ExtID, "generation", t.ExtID)
		r.RevertedFrom = found.ExtID
		t.Outcome.RevertVM = &r
	}
	rc.writeTaskRef(t)
}

// deleteVM serves DELETE /vmm/{v}/ahv/config/vms/{extId} (vmm
// DeleteVmById): If-Match with the VM's ETag, answered 202 with a
// prism.v4.config.TaskReference; the VM is gone once the task succeeds. A
// powered-on VM is deleted too (AHV powers it off first).
func (rc *reqCtx) deleteVM(id string) {
	rc.vmAction(id, "vmm.v4.ahv.config.DeleteVmApiResponse", fleet.OpDeleteVM, "Delete VM", vmDeleteTime,
		func(t *fleet.NutanixTask, vm *fleet.NutanixVM) { t.Outcome.DeleteVMExtID = vm.ExtID })
}

// powerOnVM serves POST /vmm/{v}/ahv/config/vms/{extId}/$actions/power-on
// (vmm PowerOnVm): no body, If-Match with the VM's ETag, a task. Powering
// on a VM that is already on succeeds without change.
func (rc *reqCtx) powerOnVM(id string) {
	rc.vmAction(id, "vmm.v4.ahv.config.PowerOnVmApiResponse", fleet.OpPowerOnVM, "Power On VM", powerOnTime,
		func(t *fleet.NutanixTask, vm *fleet.NutanixVM) { t.Outcome.PowerOnVMExtID = vm.ExtID })
}

// vmAction serves a bodiless vmm action on one VM: the request id, the
// VM's ETag in If-Match, then a task on the VM whose outcome set fills in.
func (rc *reqCtx) vmAction(id, respType, op, desc string, d time.Duration, set func(*fleet.NutanixTask, *fleet.NutanixVM)) {
	rc.respType = respType
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	vm := pc.VMByExtID(id)
	if vm == nil {
		rc.notFound("VM", id)
		return
	}
	if !rc.ifMatchOK(etagOf(vm)) {
		return
	}
	t := rc.newTask(pc, reqID, op, desc, d)
	t.ClusterExtIDs = []string{vm.ClusterExtID}
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: vm.ExtID, Name: vm.Name, Rel: relVM}}
	set(t, vm)
	rc.writeTaskRef(t)
}
