package nutanix

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// obj is a JSON object on the wire. encoding/json sorts map keys, which
// keeps answers byte-for-byte deterministic.
type obj = map[string]any

const (
	adminOwnerExtID = "00000000-0000-0000-0000-000000000000"
	commonFV        = "v1.r0"
)

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (rc *reqCtx) reserved() obj { return obj{"$fv": rc.fv} }

// typed returns o with $objectType and $reserved set.
func (rc *reqCtx) typed(objectType string, o obj) obj {
	o["$objectType"] = objectType
	o["$reserved"] = rc.reserved()
	return o
}

func (rc *reqCtx) writeJSON(status int, body obj) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(rc.w, err.Error(), http.StatusInternalServerError)
		return
	}
	rc.w.Header().Set("Content-Type", "application/json")
	rc.w.WriteHeader(status)
	_, _ = rc.w.Write(b)
}

func commonTyped(objectType string, o obj) obj {
	o["$objectType"] = objectType
	o["$reserved"] = obj{"$fv": commonFV}
	return o
}

func flags(hasError, paginated bool) []any {
	mk := func(name string, v bool) any {
		return commonTyped("common.v1.config.Flag", obj{"name": name, "value": v})
	}
	return []any{mk("hasError", hasError), mk("isPaginated", paginated), mk("isTruncated", false)}
}

func link(href, rel string) any {
	return commonTyped("common.v1.response.ApiLink", obj{"href": href, "rel": rel})
}

func (rc *reqCtx) baseURL() string {
	scheme := "http"
	if rc.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + rc.r.Host
}

func (rc *reqCtx) selfURL() string {
	u := rc.baseURL() + rc.r.URL.EscapedPath()
	if q := rc.r.URL.Query(); len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func metadata(fl []any, links []any, total *int) obj {
	m := commonTyped("common.v1.response.ApiResponseMetadata", obj{"flags": fl, "links": links})
	if total != nil {
		m["totalAvailableResults"] = *total
	}
	return m
}

// fail writes an ErrorResponse envelope.
func (rc *reqCtx) fail(status, code int, group, message string) {
	prefix := codePrefix[rc.ns]
	if prefix == "" {
		prefix = "PRISM"
	}
	errNS := rc.ns
	if _, ok := codePrefix[errNS]; !ok {
		errNS = "prism"
	}
	msg := rc.typed(errNS+".v4.error.AppMessage", obj{
		"message":    message,
		"code":       fmt.Sprintf("%s-%d", prefix, code),
		"errorGroup": group,
		"severity":   "ERROR",
		"locale":     "en_US",
	})
	data := rc.typed(errNS+".v4.error.ErrorResponse", obj{
		"$errorItemDiscriminator": "List<" + errNS + ".v4.error.AppMessage>",
		"error":                   []any{msg},
	})
	body := rc.typed(rc.respType, obj{
		"$dataItemDiscriminator": errNS + ".v4.error.ErrorResponse",
		"data":                   data,
		"metadata":               metadata(flags(true, false), []any{link(rc.selfURL(), "self")}, nil),
	})
	if status == http.StatusUnauthorized {
		rc.w.Header().Set("WWW-Authenticate", `Basic realm="Prism Central"`)
	}
	rc.writeJSON(status, body)
}

func (rc *reqCtx) unauthorized() {
	rc.fail(http.StatusUnauthorized, 40100, "AUTHENTICATION_REQUIRED", "Authentication required: send valid basic credentials or an X-ntnx-api-key header.")
}

func (rc *reqCtx) notFoundPath() {
	rc.fail(http.StatusNotFound, 40400, "RESOURCE_NOT_FOUND", "No API resource at "+rc.r.URL.Path)
}

func (rc *reqCtx) methodNotAllowed() {
	rc.fail(http.StatusMethodNotAllowed, 40500, "METHOD_NOT_ALLOWED", "Method "+rc.r.Method+" is not allowed on "+rc.r.URL.Path)
}

func (rc *reqCtx) notFound(kind, id string) {
	rc.fail(http.StatusNotFound, 40401, "ENTITY_NOT_FOUND", fmt.Sprintf("%s with ext id %s was not found.", kind, id))
}

func (rc *reqCtx) badRequest(format string, args ...any) {
	rc.fail(http.StatusBadRequest, 40000, "INVALID_ARGUMENT", fmt.Sprintf(format, args...))
}

// writeEntity answers a single-entity GET with an ETag.
func (rc *reqCtx) writeEntity(data obj, etag string) {
	if etag != "" {
		data["$reserved"].(obj)["ETag"] = etag
		rc.w.Header().Set("ETag", etag)
	}
	one := 1
	rc.writeJSON(http.StatusOK, rc.typed(rc.respType, obj{
		"data":     data,
		"metadata": metadata(flags(false, false), []any{link(rc.selfURL(), "self")}, &one),
	}))
}

// listSpec says how a collection may be queried.
type listSpec struct {
	// filterable and sortable restrict the root fields of $filter and
	// $orderby (nil allows any field).
	filterable, sortable []string
	// projection is the item $objectType when $select is used ("" keeps it).
	projection string
	// selectable lists the properties $select may name, with the
	// properties of their complex items after a slash ("vmRecoveryPoints/
	// vmExtId"); nil accepts the properties the items have.
	selectable []string
	// expand, when set, turns the light items that $filter and $orderby ran
	// on into the full objects of the page: a large collection is then
	// rendered for the page only, not whole for every request.
	expand func(obj) obj
}

// canSelect reports whether $select may name path: a selectable property
// (or a property of its items), or, without a selectable list, a property
// some item has (an empty collection accepts any name).
func (spec listSpec) canSelect(path []string, items []obj) bool {
	if spec.selectable != nil {
		return slices.Contains(spec.selectable, strings.Join(path, "/"))
	}
	if len(path) != 1 || len(items) == 0 {
		return len(items) == 0
	}
	for _, o := range items {
		if _, ok := o[path[0]]; ok {
			return true
		}
	}
	return false
}

// selectPath copies the value at path from src into dst; through an array
// of objects it keeps, for each element, only the selected property (and
// its $objectType).
func selectPath(dst, src obj, path []string) {
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = v
		return
	}
	switch t := v.(type) {
	case obj:
		d, _ := dst[path[0]].(obj)
		if d == nil {
			d = obj{"$objectType": t["$objectType"]}
			dst[path[0]] = d
		}
		selectPath(d, t, path[1:])
	case []any:
		d, _ := dst[path[0]].([]any)
		if len(d) != len(t) {
			d = make([]any, len(t))
			dst[path[0]] = d
		}
		for i, el := range t {
			eo, ok := el.(obj)
			if !ok {
				continue
			}
			de, _ := d[i].(obj)
			if de == nil {
				de = obj{"$objectType": eo["$objectType"]}
				d[i] = de
			}
			selectPath(de, eo, path[1:])
		}
	}
}

// writeList applies $filter, $orderby, $page, $limit and $select to items
// and answers the page.
func (rc *reqCtx) writeList(items []obj, spec listSpec) {
	q := rc.r.URL.Query()
	page, limit := 0, 50
	if v := q.Get("$page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			rc.badRequest("Invalid $page %q: it must be an integer of 0 or more.", v)
			return
		}
		page = n
	}
	if v := q.Get("$limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			rc.badRequest("Invalid $limit %q: it must be an integer between 1 and 100.", v)
			return
		}
		limit = n
	}
	if v := q.Get("$filter"); v != "" {
		f, err := parseFilter(v)
		if err != nil {
			rc.badRequest("Invalid $filter: %s", odataMessage(err))
			return
		}
		if spec.filterable != nil {
			for _, fld := range f.fields {
				if !slices.Contains(spec.filterable, fld) {
					rc.badRequest("Invalid $filter: property %q cannot be filtered on; filterable properties are %s.", fld, strings.Join(spec.filterable, ", "))
					return
				}
			}
		}
		items = slices.DeleteFunc(items, func(o obj) bool { return !f.match(o) })
	}
	if v := q.Get("$orderby"); v != "" {
		keys, err := parseOrderBy(v)
		if err != nil {
			rc.badRequest("Invalid $orderby: %s", odataMessage(err))
			return
		}
		if spec.sortable != nil {
			for _, k := range keys {
				if !slices.Contains(spec.sortable, strings.Join(k.path, "/")) {
					rc.badRequest("Invalid $orderby: property %q cannot be sorted on; sortable properties are %s.", strings.Join(k.path, "/"), strings.Join(spec.sortable, ", "))
					return
				}
			}
		}
		sortObjects(items, keys)
	}
	var selected [][]string
	if v := q.Get("$select"); v != "" {
		fields, err := parseSelect(v)
		if err != nil {
			rc.badRequest("Invalid $select: %s", odataMessage(err))
			return
		}
		known := items
		if spec.expand != nil && len(items) > 0 {
			known = []obj{spec.expand(items[0])}
		}
		for _, f := range fields {
			if !spec.canSelect(f, known) {
				rc.badRequest("Invalid $select: property %q does not exist in this collection's items.", strings.Join(f, "/"))
				return
			}
		}
		selected = fields
	}
	total := len(items)
	start := total // a page past the end is empty (and page*limit may overflow)
	if page <= total/limit {
		start = page * limit
	}
	end := min(start+limit, total)
	pageItems := items[start:end]
	if spec.expand != nil {
		full := make([]obj, len(pageItems))
		for i, o := range pageItems {
			full[i] = spec.expand(o)
		}
		pageItems = full
	}
	if selected != nil {
		for i, o := range pageItems {
			p := obj{"$objectType": o["$objectType"], "$reserved": o["$reserved"], "extId": o["extId"]}
			if spec.projection != "" {
				p["$objectType"] = spec.projection
			}
			for _, f := range selected {
				selectPath(p, o, f)
			}
			pageItems[i] = p
		}
	}
	lastPage := 0
	if total > 0 {
		lastPage = (total - 1) / limit
	}
	pageURL := func(n int) string {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("$page", strconv.Itoa(n))
		qq.Set("$limit", strconv.Itoa(limit))
		return rc.baseURL() + rc.r.URL.EscapedPath() + "?" + qq.Encode()
	}
	links := []any{link(pageURL(0), "first")}
	if page > 0 {
		links = append(links, link(pageURL(min(page-1, lastPage)), "prev"))
	}
	if page < lastPage {
		links = append(links, link(pageURL(page+1), "next"))
	}
	links = append(links, link(pageURL(lastPage), "last"), link(rc.selfURL(), "self"))
	body := rc.typed(rc.respType, obj{"metadata": metadata(flags(false, true), links, &total)})
	if len(pageItems) > 0 {
		data := make([]any, len(pageItems))
		for i, o := range pageItems {
			data[i] = o
		}
		body["data"] = data
	}
	rc.writeJSON(http.StatusOK, body)
}

func odataMessage(err error) string {
	var oe *odataError
	if errors.As(err, &oe) {
		return oe.msg
	}
	return err.Error()
}

// writeTaskRef answers an accepted mutation.
func (rc *reqCtx) writeTaskRef(t *fleet.NutanixTask) {
	ref := rc.typed("prism.v4.config.TaskReference", obj{"extId": t.ExtID})
	href := rc.baseURL() + "/api/prism/" + rc.version + "/config/tasks/" + t.ExtID
	rc.writeJSON(http.StatusAccepted, rc.typed(rc.respType, obj{
		"data":     ref,
		"metadata": metadata(flags(false, false), []any{link(href, "self")}, nil),
	}))
}

// renderCategory is a prism.v4.config.Category from its "key/value" name.
func (rc *reqCtx) renderCategory(name string) obj {
	key, value, _ := strings.Cut(name, "/")
	return rc.typed("prism.v4.config.Category", obj{"extId": categoryExtID(name), "key": key, "value": value,
		"type": "USER", "description": ""})
}

// categoryExtID is the deterministic ext id of a "key/value" category.
func categoryExtID(name string) string { return fleet.NewNutanixID("category", name) }

func strs(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

// --- dataprotection ---

func (rc *reqCtx) renderDiskRPs(disks []fleet.NutanixDiskRecoveryPoint) []any {
	if rc.noDisks {
		return nil
	}
	out := make([]any, len(disks))
	for i, d := range disks {
		out[i] = rc.typed("dataprotection.v4.common.DiskRecoveryPoint", obj{
			"diskExtId":              d.DiskExtID,
			"diskRecoveryPointExtId": d.DiskRecoveryPointExtID,
		})
	}
	return out
}

func (rc *reqCtx) renderVMRP(rp *fleet.NutanixRecoveryPoint, v *fleet.NutanixVMRecoveryPoint) obj {
	o := obj{
		"extId":                    v.ExtID,
		"vmExtId":                  v.VMExtID,
		"name":                     rp.Name,
		"creationTime":             ts(rp.CreationTime),
		"status":                   "COMPLETE",
		"recoveryPointType":        rp.Type,
		"locationAgnosticId":       fleet.LocationAgnostic(v.ExtID, v.LocationAgnosticID),
		"hypervisorType":           "AHV",
		"totalExclusiveUsageBytes": v.TotalExclusiveUsageBytes,
		"diskRecoveryPoints":       rc.renderDiskRPs(v.Disks),
		"vmCategories":             strs(v.VM.Categories),
	}
	if !rp.ExpirationTime.IsZero() {
		o["expirationTime"] = ts(rp.ExpirationTime)
	}
	if v.ConsistencyGroupExtID != "" {
		o["consistencyGroupExtId"] = v.ConsistencyGroupExtID
	}
	if p := v.VSS; p != nil {
		vss := obj{"backupType": p.BackupType, "shouldIncludeWriters": p.ShouldIncludeWriters,
			"shouldStoreVssMetadata": p.ShouldStoreVSSMetadata}
		if p.BackupType == "" {
			vss["backupType"] = "FULL_BACKUP"
		}
		if len(p.Writers) > 0 {
			vss["writers"] = strs(p.Writers)
		}
		o["$applicationConsistentPropertiesItemDiscriminator"] = "dataprotection.v4.common.VssProperties"
		o["applicationConsistentProperties"] = rc.typed("dataprotection.v4.common.VssProperties", vss)
	}
	return rc.typed("dataprotection.v4.config.VmRecoveryPoint", o)
}

func (rc *reqCtx) renderVGRP(v *fleet.NutanixVGRecoveryPoint) obj {
	o := obj{
		"extId":                    v.ExtID,
		"volumeGroupExtId":         v.VolumeGroupExtID,
		"locationAgnosticId":       fleet.LocationAgnostic(v.ExtID, v.LocationAgnosticID),
		"totalExclusiveUsageBytes": v.TotalExclusiveUsageBytes,
		"diskRecoveryPoints":       rc.renderDiskRPs(v.Disks),
		"volumeGroupCategories":    strs(v.VolumeGroup.Categories),
	}
	if v.ConsistencyGroupExtID != "" {
		o["consistencyGroupExtId"] = v.ConsistencyGroupExtID
	}
	return rc.typed("dataprotection.v4.config.VolumeGroupRecoveryPoint", o)
}

func (rc *reqCtx) renderRP(rp *fleet.NutanixRecoveryPoint) obj {
	locs := make([]any, len(rp.ClusterExtIDs))
	for i, c := range rp.ClusterExtIDs {
		locs[i] = rc.typed("dataprotection.v4.config.LocationReference", obj{"locationExtId": c})
	}
	vms := make([]any, len(rp.VMRecoveryPoints))
	for i := range rp.VMRecoveryPoints {
		vms[i] = rc.renderVMRP(rp, &rp.VMRecoveryPoints[i])
	}
	vgs := make([]any, len(rp.VGRecoveryPoints))
	for i := range rp.VGRecoveryPoints {
		vgs[i] = rc.renderVGRP(&rp.VGRecoveryPoints[i])
	}
	owner := rp.OwnerExtID
	if owner == "" {
		owner = adminOwnerExtID
	}
	o := obj{
		"extId":                    rp.ExtID,
		"name":                     rp.Name,
		"creationTime":             ts(rp.CreationTime),
		"status":                   "COMPLETE",
		"recoveryPointType":        rp.Type,
		"locationAgnosticId":       rp.LocationAgnosticID,
		"locationReferences":       locs,
		"ownerExtId":               owner,
		"isSecure":                 rp.IsSecure,
		"totalExclusiveUsageBytes": rp.TotalExclusiveUsageBytes,
		"links":                    []any{link(rc.baseURL()+"/api/dataprotection/"+rc.version+"/config/recovery-points/"+rp.ExtID, "self")},
	}
	if len(vms) > 0 {
		o["vmRecoveryPoints"] = vms
	}
	if len(vgs) > 0 {
		o["volumeGroupRecoveryPoints"] = vgs
	}
	if !rp.ExpirationTime.IsZero() {
		o["expirationTime"] = ts(rp.ExpirationTime)
	}
	if rp.SourceDomainManagerExtID != "" {
		o["sourceLocation"] = rc.typed("dataprotection.v4.config.DisasterRecoveryLocation", obj{
			"domainManagerExtId": rp.SourceDomainManagerExtID,
			"clusterExtIds":      strs(rp.SourceClusterExtIDs),
		})
	}
	return rc.typed("dataprotection.v4.config.RecoveryPoint", o)
}

// --- vmm ---

func (rc *reqCtx) renderVM(vm *fleet.NutanixVM) obj {
	disks := make([]any, len(vm.Disks))
	for i, d := range vm.Disks {
		bus := d.BusType
		if bus == "" {
			bus = "SCSI"
		}
		backing := rc.typed("vmm.v4.ahv.config.VmDisk", obj{"diskExtId": d.ExtID, "diskSizeBytes": d.SizeBytes})
		if d.ContainerExtID != "" {
			backing["storageContainer"] = rc.typed("vmm.v4.ahv.config.VmDiskContainerReference", obj{"extId": d.ContainerExtID})
		}
		disks[i] = rc.typed("vmm.v4.ahv.config.Disk", obj{
			"extId":                         d.ExtID,
			"diskAddress":                   rc.typed("vmm.v4.ahv.config.DiskAddress", obj{"busType": bus, "index": d.Index}),
			"$backingInfoItemDiscriminator": "vmm.v4.ahv.config.VmDisk",
			"backingInfo":                   backing,
		})
	}
	cats := make([]any, len(vm.Categories))
	for i, c := range vm.Categories {
		cats[i] = rc.typed("vmm.v4.ahv.config.CategoryReference", obj{"extId": categoryExtID(c)})
	}
	o := obj{
		"extId":             vm.ExtID,
		"name":              vm.Name,
		"powerState":        vm.PowerState,
		"numSockets":        vm.NumSockets,
		"numCoresPerSocket": vm.NumCoresPerSocket,
		"numThreadsPerCore": 1,
		"memorySizeBytes":   vm.MemoryBytes,
		"machineType":       "PC",
		"biosUuid":          fleet.NewNutanixID(vm.ExtID, "bios"),
		"generationUuid":    vm.GenerationUUID,
		"createTime":        ts(vm.CreateTime),
		"updateTime":        ts(vm.UpdateTime),
		"cluster":           rc.typed("vmm.v4.ahv.config.ClusterReference", obj{"extId": vm.ClusterExtID}),
		"disks":             disks,
		"nics":              rc.renderNICs(vm),
		"categories":        cats,
		"protectionType":    "UNPROTECTED",
	}
	if vm.Description != "" {
		o["description"] = vm.Description
	}
	if vm.HostExtID != "" && vm.PowerState == "ON" {
		o["host"] = rc.typed("vmm.v4.ahv.config.HostReference", obj{"extId": vm.HostExtID})
	}
	if vm.ProtectionPolicyExtID != "" {
		o["protectionType"] = "RULE_PROTECTED"
		o["protectionPolicyState"] = rc.typed("vmm.v4.ahv.config.ProtectionPolicyState", obj{
			"policy": rc.typed("vmm.v4.ahv.config.PolicyReference", obj{"extId": vm.ProtectionPolicyExtID}),
		})
	}
	if vm.RestoredFrom != "" {
		o["source"] = rc.typed("vmm.v4.ahv.config.VmSourceReference", obj{"entityType": "VM_RECOVERY_POINT", "extId": vm.RestoredFrom})
	}
	return rc.typed("vmm.v4.ahv.config.Vm", o)
}

// --- volumes ---

func (rc *reqCtx) renderVG(vg *fleet.NutanixVolumeGroup) obj {
	o := obj{
		"extId":                          vg.ExtID,
		"name":                           vg.Name,
		"clusterReference":               vg.ClusterExtID,
		"sharingStatus":                  vg.SharingStatus,
		"usageType":                      vg.UsageType,
		"createdBy":                      "admin",
		"isHidden":                       false,
		"shouldLoadBalanceVmAttachments": false,
	}
	if vg.Description != "" {
		o["description"] = vg.Description
	}
	return rc.typed("volumes.v4.config.VolumeGroup", o)
}

func (rc *reqCtx) renderVGDisk(d fleet.NutanixDisk) obj {
	return rc.typed("volumes.v4.config.VolumeDisk", obj{
		"extId":              d.ExtID,
		"index":              d.Index,
		"diskSizeBytes":      d.SizeBytes,
		"storageContainerId": d.ContainerExtID,
	})
}

// --- clustermgmt ---

func (rc *reqCtx) ipv4(addr string) obj {
	return commonTyped("common.v1.config.IPAddress", obj{
		"ipv4": commonTyped("common.v1.config.IPv4Address", obj{"value": addr, "prefixLength": 32}),
	})
}

func (rc *reqCtx) renderCluster(pc *fleet.PrismCentral, c *fleet.NutanixCluster) obj {
	vmCount := 0
	for _, vm := range pc.VMs {
		if vm.ClusterExtID == c.ExtID {
			vmCount++
		}
	}
	hyp := c.Hypervisor
	if hyp == "" {
		hyp = "AHV"
	}
	return rc.typed("clustermgmt.v4.config.Cluster", obj{
		"extId": c.ExtID,
		"name":  c.Name,
		"config": rc.typed("clustermgmt.v4.config.ClusterConfigReference", obj{
			"buildInfo":       rc.typed("clustermgmt.v4.config.BuildReference", obj{"version": c.Version}),
			"clusterFunction": []any{"AOS"},
			"hypervisorTypes": []any{hyp},
			"isAvailable":     !c.Unavailable,
			"timezone":        "UTC",
		}),
		"network": rc.typed("clustermgmt.v4.config.ClusterNetworkReference", obj{"externalAddress": rc.ipv4(c.Address)}),
		"nodes":   rc.typed("clustermgmt.v4.config.NodeReference", obj{"numberOfNodes": c.Nodes}),
		"vmCount": vmCount,
	})
}

// renderPCCluster is the Prism Central's own entry in the clusters list,
// which real Prism Centrals include with clusterFunction PRISM_CENTRAL.
func (rc *reqCtx) renderPCCluster(pc *fleet.PrismCentral) obj {
	return rc.typed("clustermgmt.v4.config.Cluster", obj{
		"extId": pc.ExtID,
		"name":  pc.Name,
		"config": rc.typed("clustermgmt.v4.config.ClusterConfigReference", obj{
			"buildInfo":       rc.typed("clustermgmt.v4.config.BuildReference", obj{"version": pc.Version}),
			"clusterFunction": []any{"PRISM_CENTRAL"},
			"isAvailable":     true,
			"timezone":        "UTC",
		}),
		"network": rc.typed("clustermgmt.v4.config.ClusterNetworkReference", obj{"externalAddress": rc.ipv4(pc.Address)}),
		"nodes":   rc.typed("clustermgmt.v4.config.NodeReference", obj{"numberOfNodes": 1}),
		"vmCount": 0,
	})
}

// --- prism ---

func (rc *reqCtx) renderDomainManager(pc *fleet.PrismCentral) obj {
	o := obj{
		"extId": pc.ExtID,
		"config": rc.typed("prism.v4.config.DomainManagerClusterConfig", obj{
			"name":      pc.Name,
			"size":      "SMALL",
			"buildInfo": rc.typed("clustermgmt.v4.config.BuildInfo", obj{"version": pc.Version}),
		}),
		"network": rc.typed("prism.v4.config.DomainManagerNetwork", obj{
			"externalAddress": rc.ipv4(pc.Address),
		}),
		"isRegisteredWithHostingCluster": len(pc.Clusters) > 0,
		"nodeExtIds":                     []any{fleet.NewNutanixID(pc.ExtID, "pc-node", 0)},
		"shouldEnableHighAvailability":   false,
	}
	if len(pc.Clusters) > 0 {
		o["hostingClusterExtId"] = pc.Clusters[0].ExtID
	}
	return rc.typed("prism.v4.config.DomainManager", o)
}

// taskState is a task's status at a moment.
func taskState(t *fleet.NutanixTask, now time.Time) (status string, percent int) {
	elapsed := now.Sub(t.CreatedTime)
	switch {
	case elapsed < t.QueueTime:
		return "QUEUED", 0
	case t.Stuck:
		return "RUNNING", min(90, max(1, int(100*elapsed/max(t.Duration, time.Second))))
	case elapsed < t.Duration:
		return "RUNNING", min(99, max(1, int(100*elapsed/t.Duration)))
	case t.ErrorMessage != "":
		return "FAILED", 100
	}
	return "SUCCEEDED", 100
}

func terminal(status string) bool {
	return status == "SUCCEEDED" || status == "FAILED" || status == "CANCELED"
}

func (rc *reqCtx) renderTask(t *fleet.NutanixTask, now time.Time) obj {
	status, pct := taskState(t, now)
	refs := func(in []fleet.NutanixEntityRef) []any {
		var out []any
		for _, e := range in {
			r := rc.typed("prism.v4.config.EntityReference", obj{"extId": e.ExtID, "rel": e.Rel})
			if e.Name != "" {
				r["name"] = e.Name
			}
			out = append(out, r)
		}
		return out
	}
	entities := refs(t.EntitiesAffected)
	owner := t.OwnerName
	if owner == "" {
		owner = "admin"
	}
	o := obj{
		"extId":                t.ExtID,
		"operation":            t.Operation,
		"operationDescription": t.Description,
		"status":               status,
		"progressPercentage":   pct,
		"createdTime":          ts(t.CreatedTime),
		"clusterExtIds":        strs(t.ClusterExtIDs),
		"ownedBy":              rc.typed("prism.v4.config.OwnerReference", obj{"extId": adminOwnerExtID, "name": owner}),
		"isCancelable":         false,
		"isBackgroundTask":     false,
		"numberOfSubtasks":     0,
	}
	last := now
	if status != "QUEUED" {
		o["startedTime"] = ts(t.CreatedTime.Add(t.QueueTime))
	}
	if terminal(status) {
		last = t.CompletedTime()
		o["completedTime"] = ts(last)
	}
	if now.Before(last) {
		last = now
	}
	o["lastUpdatedTime"] = ts(last)
	switch status {
	case "SUCCEEDED":
		entities = append(entities, refs(t.CreatedEntities)...)
		var details []any
		for _, kv := range t.CompletionDetails {
			details = append(details, commonTyped("common.v1.config.KVPair", obj{"name": kv.Name, "value": kv.Value}))
		}
		if len(details) > 0 {
			o["completionDetails"] = details
		}
	case "FAILED":
		code := t.ErrorCode
		if code == "" {
			code = "DP-50000"
		}
		o["errorMessages"] = []any{rc.typed("prism.v4.error.AppMessage", obj{
			"message":  t.ErrorMessage,
			"code":     code,
			"severity": "ERROR",
			"locale":   "en_US",
		})}
		o["legacyErrorMessage"] = t.ErrorMessage
	}
	if len(entities) > 0 {
		o["entitiesAffected"] = entities
	}
	o["numberOfEntitiesAffected"] = len(entities)
	return rc.typed("prism.v4.config.Task", o)
}

// --- datapolicies ---

func (rc *reqCtx) renderPolicy(pc *fleet.PrismCentral, p *fleet.NutanixProtectionPolicy, remoteExtID string) obj {
	location := func(label, dm string, primary bool, clusters []string) any {
		return rc.typed("datapolicies.v4.config.ReplicationLocation", obj{
			"label":              label,
			"domainManagerExtId": dm,
			"isPrimary":          primary,
			"$replicationSubLocationItemDiscriminator": "datapolicies.v4.config.NutanixCluster",
			"replicationSubLocation": rc.typed("datapolicies.v4.config.NutanixCluster", obj{
				"clusterExtIds": strs(clusters),
			}),
		})
	}
	schedule := func() obj {
		return rc.typed("datapolicies.v4.config.Schedule", obj{
			"recoveryPointType":                 p.RecoveryPointType,
			"recoveryPointObjectiveTimeSeconds": p.RPOSeconds,
			"$retentionItemDiscriminator":       "datapolicies.v4.config.LinearRetention",
			"retention": rc.typed("datapolicies.v4.config.LinearRetention", obj{
				"local":  p.LocalRetention,
				"remote": p.RemoteRetention,
			}),
		})
	}
	locations := []any{location(pc.Name, pc.ExtID, true, p.LocalClusterExtIDs)}
	var configs []any
	if p.RemotePrismCentral != "" {
		var remoteClusters []string
		if p.RemoteClusterExtID != "" {
			remoteClusters = []string{p.RemoteClusterExtID}
		}
		locations = append(locations, location(p.RemotePrismCentral, remoteExtID, false, remoteClusters))
		configs = append(configs,
			rc.typed("datapolicies.v4.config.ReplicationConfiguration", obj{
				"sourceLocationLabel": pc.Name, "remoteLocationLabel": p.RemotePrismCentral, "schedule": schedule(),
			}),
			rc.typed("datapolicies.v4.config.ReplicationConfiguration", obj{
				"sourceLocationLabel": p.RemotePrismCentral, "remoteLocationLabel": pc.Name, "schedule": schedule(),
			}))
	} else {
		configs = append(configs, rc.typed("datapolicies.v4.config.ReplicationConfiguration", obj{
			"sourceLocationLabel": pc.Name, "schedule": schedule(),
		}))
	}
	cats := make([]any, len(p.Categories))
	for i, c := range p.Categories {
		cats[i] = categoryExtID(c)
	}
	o := obj{
		"extId":                     p.ExtID,
		"name":                      p.Name,
		"ownerExtId":                adminOwnerExtID,
		"isApprovalPolicyNeeded":    false,
		"categoryIds":               cats,
		"replicationLocations":      locations,
		"replicationConfigurations": configs,
	}
	if p.Description != "" {
		o["description"] = p.Description
	}
	return rc.typed("datapolicies.v4.config.ProtectionPolicy", o)
}
