package nutanix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

type env struct {
	estate   *fleet.Estate
	prod, dr *fleet.PrismCentral
	prodSim  *simnutanix.Server
	prodURL  string
	drURL    string
	reqSeq   int
}

func newEnv(t *testing.T, opts simnutanix.Options) *env {
	t.Helper()
	e := &fleet.Estate{Clock: fleet.NewClock(t0)}
	fleet.SmallNutanix(e)
	en := &env{estate: e, prod: e.PrismCentralByName("pc-prod"), dr: e.PrismCentralByName("pc-dr")}
	en.prodSim = simnutanix.New(e, en.prod, opts)
	ps := httptest.NewServer(en.prodSim)
	ds := httptest.NewServer(simnutanix.New(e, en.dr, opts))
	t.Cleanup(ps.Close)
	t.Cleanup(ds.Close)
	en.prodURL, en.drURL = ps.URL, ds.URL
	return en
}

type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (a answer) data() map[string]any {
	d, _ := a.body["data"].(map[string]any)
	return d
}

func (a answer) items() []any {
	d, _ := a.body["data"].([]any)
	return d
}

func (a answer) errorMessage() map[string]any {
	errs, _ := a.data()["error"].([]any)
	if len(errs) == 0 {
		return nil
	}
	m, _ := errs[0].(map[string]any)
	return m
}

func (a answer) total() int {
	md, _ := a.body["metadata"].(map[string]any)
	n, _ := md["totalAvailableResults"].(float64)
	return int(n)
}

type call struct {
	method, path string
	body         any
	header       map[string]string
	noAuth       bool
}

// newRequestID returns a deterministic UUID for the test's next mutation.
func (en *env) newRequestID() string {
	en.reqSeq++
	return fleet.NewNutanixID("test-request", en.reqSeq)
}

func (en *env) do(t *testing.T, base string, c call) answer {
	t.Helper()
	var rd io.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(c.method, base+c.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if !c.noAuth {
		req.SetBasicAuth("admin", "Nutanix/4u!")
	}
	if c.method == http.MethodPost || c.method == http.MethodDelete {
		req.Header.Set("NTNX-Request-Id", en.newRequestID())
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", c.method, c.path, raw)
		}
	}
	return a
}

func (en *env) get(t *testing.T, path string) answer {
	t.Helper()
	return en.do(t, en.prodURL, call{method: http.MethodGet, path: path})
}

func (en *env) mustStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
}

// waitTask polls a task until it ends and returns its final data.
func (en *env) waitTask(t *testing.T, base, id string) map[string]any {
	t.Helper()
	for range 200 {
		a := en.do(t, base, call{method: http.MethodGet, path: "/api/prism/v4.0/config/tasks/" + id})
		en.mustStatus(t, a, 200)
		switch a.data()["status"] {
		case "SUCCEEDED", "FAILED", "CANCELED":
			return a.data()
		}
	}
	t.Fatalf("task %s never ended", id)
	return nil
}

func taskID(t *testing.T, a answer) string {
	t.Helper()
	if a.status != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", a.status, a.raw)
	}
	d := a.data()
	if d["$objectType"] != "prism.v4.config.TaskReference" {
		t.Fatalf("data = %v", d)
	}
	return d["extId"].(string)
}

func detail(task map[string]any, name string) string {
	ds, _ := task["completionDetails"].([]any)
	for _, d := range ds {
		m := d.(map[string]any)
		if m["name"] == name {
			return fmt.Sprint(m["value"])
		}
	}
	return ""
}

func firstVM(en *env) *fleet.NutanixVM {
	en.prod.Mu.Lock()
	defer en.prod.Mu.Unlock()
	return en.prod.VMs[0]
}

func (en *env) createRP(t *testing.T, name string, vmIDs ...string) answer {
	t.Helper()
	var vms []any
	for _, id := range vmIDs {
		vms = append(vms, map[string]any{"vmExtId": id, "$objectType": "dataprotection.v4.config.VmRecoveryPoint"})
	}
	return en.do(t, en.prodURL, call{method: http.MethodPost, path: "/api/dataprotection/v4.3/config/recovery-points", body: map[string]any{
		"$objectType": "dataprotection.v4.config.RecoveryPoint", "$reserved": map[string]any{"$fv": "v4.r3"},
		"name": name, "expirationTime": t0.Add(24 * time.Hour).Format(time.RFC3339), "vmRecoveryPoints": vms,
	}})
}

// checkTyped walks a JSON value: every object in it (except $reserved
// maps) must carry $objectType and $reserved.
func checkTyped(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["$objectType"]; !ok {
			t.Errorf("%s: object without $objectType: %v", where, x)
		}
		if _, ok := x["$reserved"].(map[string]any); !ok {
			t.Errorf("%s: object without $reserved: %v", where, x)
		}
		for k, c := range x {
			if k != "$reserved" {
				checkTyped(t, where+"."+k, c)
			}
		}
	case []any:
		for i, c := range x {
			checkTyped(t, fmt.Sprintf("%s[%d]", where, i), c)
		}
	}
}

func TestEnvelopes(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	vm := firstVM(en)
	en.prod.Mu.Lock()
	rp := en.prod.RecoveryPoints[0]
	vg := en.prod.VolumeGroups[0]
	policy := en.prod.ProtectionPolicies[0]
	cluster := en.prod.Clusters[0]
	en.prod.Mu.Unlock()
	tests := []struct {
		path, objectType string
		list             bool
		etag             bool
	}{
		{"/api/dataprotection/v4.3/config/recovery-points", "dataprotection.v4.config.ListRecoveryPointsApiResponse", true, false},
		{"/api/dataprotection/v4.0/config/recovery-points/" + rp.ExtID, "dataprotection.v4.config.GetRecoveryPointApiResponse", false, true},
		{"/api/dataprotection/v4.3/config/recovery-points/" + rp.ExtID + "/vm-recovery-points/" + rp.VMRecoveryPoints[0].ExtID, "dataprotection.v4.config.GetVmRecoveryPointApiResponse", false, true},
		{"/api/vmm/v4.2/ahv/config/vms", "vmm.v4.ahv.config.ListVmsApiResponse", true, false},
		{"/api/vmm/v4.0/ahv/config/vms/" + vm.ExtID, "vmm.v4.ahv.config.GetVmApiResponse", false, true},
		{"/api/volumes/v4.0/config/volume-groups", "volumes.v4.config.ListVolumeGroupsApiResponse", true, false},
		{"/api/volumes/v4.0/config/volume-groups/" + vg.ExtID, "volumes.v4.config.GetVolumeGroupApiResponse", false, true},
		{"/api/volumes/v4.0/config/volume-groups/" + vg.ExtID + "/disks", "volumes.v4.config.ListVolumeDisksApiResponse", true, false},
		{"/api/clustermgmt/v4.0/config/clusters", "clustermgmt.v4.config.ListClustersApiResponse", true, false},
		{"/api/clustermgmt/v4.0/config/clusters/" + cluster.ExtID, "clustermgmt.v4.config.GetClusterApiResponse", false, true},
		{"/api/datapolicies/v4.0/config/protection-policies", "datapolicies.v4.config.ListProtectionPoliciesApiResponse", true, false},
		{"/api/datapolicies/v4.0/config/protection-policies/" + policy.ExtID, "datapolicies.v4.config.GetProtectionPolicyApiResponse", false, true},
		{"/api/prism/v4.0/config/domain-managers", "prism.v4.config.ListDomainManagerApiResponse", true, false},
		{"/api/prism/v4.0/config/domain-managers/" + en.prod.ExtID, "prism.v4.config.GetDomainManagerApiResponse", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := en.get(t, tt.path)
			en.mustStatus(t, a, 200)
			if a.body["$objectType"] != tt.objectType {
				t.Errorf("$objectType = %v, want %s", a.body["$objectType"], tt.objectType)
			}
			if _, ok := a.body["$reserved"].(map[string]any); !ok {
				t.Error("no top-level $reserved")
			}
			if a.header.Get("Set-Cookie") != "" {
				t.Error("the simulator must not set cookies")
			}
			checkTyped(t, "data", a.body["data"])
			checkTyped(t, "metadata", a.body["metadata"])
			md := a.body["metadata"].(map[string]any)
			rels := map[string]bool{}
			for _, l := range md["links"].([]any) {
				rels[l.(map[string]any)["rel"].(string)] = true
			}
			if !rels["self"] {
				t.Error("no self link")
			}
			if tt.list {
				if len(a.items()) == 0 || a.total() != len(a.items()) {
					t.Errorf("list of %d items, total %d", len(a.items()), a.total())
				}
				if !rels["first"] || !rels["last"] {
					t.Errorf("list links = %v", rels)
				}
			}
			if tt.etag {
				etag := a.header.Get("ETag")
				if etag == "" || a.data()["$reserved"].(map[string]any)["ETag"] != etag {
					t.Errorf("ETag header %q, data.$reserved = %v", etag, a.data()["$reserved"])
				}
			}
		})
	}
	// The version in the path sets $fv, not the ETag.
	a0 := en.get(t, "/api/dataprotection/v4.0/config/recovery-points/"+rp.ExtID)
	a3 := en.get(t, "/api/dataprotection/v4.3/config/recovery-points/"+rp.ExtID)
	if a0.header.Get("ETag") != a3.header.Get("ETag") || a3.body["$reserved"].(map[string]any)["$fv"] != "v4.r3" {
		t.Errorf("ETags %s/%s, $fv %v", a0.header.Get("ETag"), a3.header.Get("ETag"), a3.body["$reserved"])
	}
}

func TestAuth(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	path := "/api/dataprotection/v4.3/config/recovery-points?$limit=1"
	tests := []struct {
		name   string
		header map[string]string
		noAuth bool
		status int
	}{
		{"basic", nil, false, 200},
		{"no credentials", nil, true, 401},
		{"wrong password", map[string]string{"Authorization": "Basic YWRtaW46d3Jvbmc="}, false, 401},
		{"api key", map[string]string{"X-ntnx-api-key": "prod-api-key"}, true, 200},
		{"wrong api key", map[string]string{"X-ntnx-api-key": "dr-api-key"}, true, 401},
		{"wrong api key beats good basic", map[string]string{"X-ntnx-api-key": "nope"}, false, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := en.do(t, en.prodURL, call{method: http.MethodGet, path: path, header: tt.header, noAuth: tt.noAuth})
			en.mustStatus(t, a, tt.status)
			if tt.status == 401 {
				if a.header.Get("WWW-Authenticate") == "" || a.errorMessage()["errorGroup"] != "AUTHENTICATION_REQUIRED" {
					t.Errorf("401 answer: %s", a.raw)
				}
				checkTyped(t, "data", a.body["data"])
			}
		})
	}
	a := en.do(t, en.prodURL, call{method: http.MethodOptions, path: "/api/dataprotection/unversioned/info"})
	en.mustStatus(t, a, 200)
	if a.body["data"] != "v4.3" {
		t.Errorf("OPTIONS answer %s", a.raw)
	}
}

func TestErrors(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	vm := firstVM(en)
	en.prod.Mu.Lock()
	rp := en.prod.RecoveryPoints[0]
	en.prod.Mu.Unlock()
	rpPath := "/api/dataprotection/v4.3/config/recovery-points"
	missing := "11111111-2222-4333-8444-555555555555"
	tests := []struct {
		name   string
		c      call
		status int
		group  string
	}{
		{"unknown recovery point", call{method: "GET", path: rpPath + "/" + missing}, 404, "ENTITY_NOT_FOUND"},
		{"unknown VM", call{method: "GET", path: "/api/vmm/v4.0/ahv/config/vms/" + missing}, 404, "ENTITY_NOT_FOUND"},
		{"unknown task", call{method: "GET", path: "/api/prism/v4.0/config/tasks/ZXJnb24=:" + missing}, 404, "ENTITY_NOT_FOUND"},
		{"unknown path", call{method: "GET", path: "/api/dataprotection/v4.3/config/nothing"}, 404, "RESOURCE_NOT_FOUND"},
		{"unknown namespace", call{method: "GET", path: "/api/nothing/v4.0/config/x"}, 404, "RESOURCE_NOT_FOUND"},
		{"bad version", call{method: "GET", path: "/api/dataprotection/v3.1/config/recovery-points"}, 404, "RESOURCE_NOT_FOUND"},
		{"method", call{method: "PUT", path: rpPath}, 405, "METHOD_NOT_ALLOWED"},
		{"limit too big", call{method: "GET", path: rpPath + "?$limit=101"}, 400, "INVALID_ARGUMENT"},
		{"limit zero", call{method: "GET", path: rpPath + "?$limit=0"}, 400, "INVALID_ARGUMENT"},
		{"page negative", call{method: "GET", path: rpPath + "?$page=-1"}, 400, "INVALID_ARGUMENT"},
		{"bad filter", call{method: "GET", path: rpPath + "?$filter=" + url.QueryEscape("name eq")}, 400, "INVALID_ARGUMENT"},
		{"unfilterable field", call{method: "GET", path: rpPath + "?$filter=" + url.QueryEscape("expirationTime lt 2025-01-01T00:00:00Z")}, 400, "INVALID_ARGUMENT"},
		{"unsortable field", call{method: "GET", path: rpPath + "?$orderby=status"}, 400, "INVALID_ARGUMENT"},
		{"bad json", call{method: "POST", path: rpPath, body: json.RawMessage(`{"name": 5}`)}, 400, "INVALID_ARGUMENT"},
		{"bad time", call{method: "POST", path: rpPath, body: map[string]any{"expirationTime": "tomorrow", "vmRecoveryPoints": []any{map[string]any{"vmExtId": vm.ExtID}}}}, 400, "INVALID_ARGUMENT"},
		{"no entities", call{method: "POST", path: rpPath, body: map[string]any{"name": "x"}}, 400, "INVALID_ARGUMENT"},
		{"bad vm id", call{method: "POST", path: rpPath, body: map[string]any{"vmRecoveryPoints": []any{map[string]any{"vmExtId": "vm-1"}}}}, 400, "INVALID_ARGUMENT"},
		{"past expiration", call{method: "POST", path: rpPath, body: map[string]any{"expirationTime": "2020-01-01T00:00:00Z", "vmRecoveryPoints": []any{map[string]any{"vmExtId": vm.ExtID}}}}, 400, "INVALID_ARGUMENT"},
		{"no request id", call{method: "POST", path: rpPath, header: map[string]string{"NTNX-Request-Id": ""}, body: map[string]any{"vmRecoveryPoints": []any{map[string]any{"vmExtId": vm.ExtID}}}}, 400, "MISSING_REQUEST_ID_HEADER"},
		{"bad request id", call{method: "POST", path: rpPath, header: map[string]string{"NTNX-Request-Id": "abc"}, body: map[string]any{"vmRecoveryPoints": []any{map[string]any{"vmExtId": vm.ExtID}}}}, 400, "INVALID_REQUEST_ID_HEADER"},
		{"stale If-Match", call{method: "DELETE", path: rpPath + "/" + rp.ExtID, header: map[string]string{"If-Match": "stale"}}, 412, "PRECONDITION_FAILED"},
		{"expiration missing", call{method: "POST", path: rpPath + "/" + rp.ExtID + "/$actions/set-expiration-time", body: map[string]any{}}, 400, "INVALID_ARGUMENT"},
		{"replicate unknown pc", call{method: "POST", path: rpPath + "/" + rp.ExtID + "/$actions/replicate", body: map[string]any{"pcExtId": missing}}, 400, "INVALID_ARGUMENT"},
		{"restore foreign vm rp", call{method: "POST", path: rpPath + "/" + rp.ExtID + "/$actions/restore", body: map[string]any{"vmRecoveryPointRestoreOverrides": []any{map[string]any{"vmRecoveryPointExtId": missing}}}}, 400, "INVALID_ARGUMENT"},
		{"revert unknown vm", call{method: "POST", path: "/api/vmm/v4.2/ahv/config/vms/" + missing + "/$actions/revert", body: map[string]any{"vmRecoveryPointExtId": missing}}, 404, "ENTITY_NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := en.do(t, en.prodURL, tt.c)
			en.mustStatus(t, a, tt.status)
			m := a.errorMessage()
			if m == nil || m["errorGroup"] != tt.group || m["message"] == "" || m["severity"] != "ERROR" {
				t.Fatalf("error body: %s", a.raw)
			}
			d := a.data()
			if !strings.HasSuffix(d["$objectType"].(string), ".v4.error.ErrorResponse") || a.body["$dataItemDiscriminator"] != d["$objectType"] {
				t.Errorf("error envelope: %s", a.raw)
			}
			checkTyped(t, "data", d)
		})
	}
	// A strict server also wants If-Match.
	strict := newEnv(t, simnutanix.Options{RequireIfMatch: true})
	a := strict.do(t, strict.prodURL, call{method: "DELETE", path: rpPath + "/" + rp.ExtID})
	strict.mustStatus(t, a, 428)
	// A lenient one accepts a mutation without NTNX-Request-Id.
	lenient := newEnv(t, simnutanix.Options{LenientRequestID: true})
	taskID(t, lenient.do(t, lenient.prodURL, call{method: "DELETE", path: rpPath + "/" + rp.ExtID, header: map[string]string{"NTNX-Request-Id": ""}}))
}

func TestPagination(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	all := en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$limit=100&$orderby=creationTime")
	total := all.total()
	if total < 20 || len(all.items()) != total {
		t.Fatalf("total %d, items %d", total, len(all.items()))
	}
	links := func(a answer) map[string]string {
		out := map[string]string{}
		for _, l := range a.body["metadata"].(map[string]any)["links"].([]any) {
			m := l.(map[string]any)
			out[m["rel"].(string)] = m["href"].(string)
		}
		return out
	}
	var seen []any
	next := en.prodURL + "/api/dataprotection/v4.3/config/recovery-points?$limit=7&$orderby=creationTime"
	for page := 0; next != ""; page++ {
		a := en.get(t, strings.TrimPrefix(next, en.prodURL))
		en.mustStatus(t, a, 200)
		if a.total() != total {
			t.Fatalf("page %d total %d", page, a.total())
		}
		l := links(a)
		if (page > 0) != (l["prev"] != "") || l["first"] == "" || l["last"] == "" {
			t.Fatalf("page %d links %v", page, l)
		}
		seen = append(seen, a.items()...)
		next = l["next"]
		if page > 10 {
			t.Fatal("too many pages")
		}
	}
	a, _ := json.Marshal(seen)
	b, _ := json.Marshal(all.items())
	if !bytes.Equal(a, b) {
		t.Fatal("paging does not reassemble the full list")
	}
	// Past the end: no data, the total still there.
	beyond := en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$limit=50&$page=9")
	if _, ok := beyond.body["data"]; ok || beyond.total() != total {
		t.Fatalf("page past the end: %s", beyond.raw)
	}
	// $select gives projections.
	sel := en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$limit=2&$select=name,creationTime")
	for _, it := range sel.items() {
		m := it.(map[string]any)
		if m["$objectType"] != "dataprotection.v4.config.RecoveryPointProjection" || m["name"] == nil || m["extId"] == nil || m["vmRecoveryPoints"] != nil {
			t.Fatalf("projection %v", m)
		}
	}
	// Filter by VM with the lambda, newest first.
	vm := firstVM(en)
	f := url.QueryEscape("vmRecoveryPoints/any(a:a/vmExtId eq '" + vm.ExtID + "')")
	byVM := en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$filter="+f+"&$orderby="+url.QueryEscape("creationTime desc"))
	en.mustStatus(t, byVM, 200)
	prev := "9999"
	for _, it := range byVM.items() {
		m := it.(map[string]any)
		ct := m["creationTime"].(string)
		if ct > prev {
			t.Fatal("not sorted newest first")
		}
		prev = ct
		found := false
		for _, v := range m["vmRecoveryPoints"].([]any) {
			found = found || v.(map[string]any)["vmExtId"] == vm.ExtID
		}
		if !found {
			t.Fatalf("recovery point %v does not hold the VM", m["extId"])
		}
	}
	if len(byVM.items()) != 18 {
		t.Fatalf("%d recovery points of %s, want 18 (3 days every 4 hours)", len(byVM.items()), vm.Name)
	}
}

func TestTaskLifecycleAndReplay(t *testing.T) {
	en := newEnv(t, simnutanix.Options{PollStep: 4 * time.Second})
	vm := firstVM(en)
	id := "5f0c8e4a-1b2c-4d3e-8f90-0a1b2c3d4e5f"
	body := map[string]any{"name": "replayed", "vmRecoveryPoints": []any{map[string]any{"vmExtId": vm.ExtID}}}
	c := call{method: http.MethodPost, path: "/api/dataprotection/v4.3/config/recovery-points", body: body, header: map[string]string{"NTNX-Request-Id": id}}
	first := taskID(t, en.do(t, en.prodURL, c))
	if again := taskID(t, en.do(t, en.prodURL, c)); again != first {
		t.Fatalf("replay gave task %s, want %s", again, first)
	}
	if other := taskID(t, en.createRP(t, "other", vm.ExtID)); other == first {
		t.Fatal("a new request id must start a new task")
	}
	countRPs := func(name string) int {
		f := url.QueryEscape("name eq '" + name + "'")
		return en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$filter="+f).total()
	}
	if countRPs("replayed") != 0 {
		t.Fatal("the recovery point is visible before its task succeeded")
	}
	var statuses []string
	lastPct := -1.0
	start := en.estate.Clock.Now()
	for range 20 {
		a := en.get(t, "/api/prism/v4.3/config/tasks/"+first)
		d := a.data()
		st := d["status"].(string)
		pct := d["progressPercentage"].(float64)
		if pct < lastPct {
			t.Fatalf("progress went back from %v to %v", lastPct, pct)
		}
		lastPct = pct
		if len(statuses) == 0 || statuses[len(statuses)-1] != st {
			statuses = append(statuses, st)
		}
		if st != "SUCCEEDED" {
			if d["completionDetails"] != nil {
				t.Fatal("completion details before success")
			}
			continue
		}
		rpID := detail(d, "recoveryPointExtId")
		if rpID == "" || d["completedTime"] == nil || d["startedTime"] == nil {
			t.Fatalf("finished task %v", d)
		}
		rels := map[string]int{}
		for _, e := range d["entitiesAffected"].([]any) {
			rels[e.(map[string]any)["rel"].(string)]++
		}
		if rels["dataprotection:config:recovery-point"] != 1 || rels["vmm:ahv:config:vm"] != 1 || rels["dataprotection:config:vm-recovery-point"] != 1 {
			t.Fatalf("entitiesAffected %v", rels)
		}
		break
	}
	if got := strings.Join(statuses, ">"); got != "QUEUED>RUNNING>SUCCEEDED" {
		t.Fatalf("statuses %s", got)
	}
	if countRPs("replayed") != 1 {
		t.Fatal("replay created more than one recovery point")
	}
	if en.estate.Clock.Now().Sub(start) > time.Minute {
		t.Fatalf("clock advanced %v", en.estate.Clock.Now().Sub(start))
	}
	// Polling a finished task does not move time.
	now := en.estate.Clock.Now()
	en.get(t, "/api/prism/v4.3/config/tasks/"+first)
	if !en.estate.Clock.Now().Equal(now) {
		t.Fatal("a finished task moved the clock")
	}
	// Task list with a filter.
	f := url.QueryEscape("operation eq 'CreateRecoveryPoint' and status eq 'SUCCEEDED'")
	if n := en.get(t, "/api/prism/v4.0/config/tasks?$filter="+f).total(); n != 2 {
		t.Fatalf("%d succeeded create tasks", n)
	}
}

func TestFaultsAndFailures(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	vm := firstVM(en)
	en.prodSim.FailNextTasks(fleet.OpCreateRecoveryPoint, 1, "Snapshot quota exceeded on cluster prod-ahv-01.")
	task := en.waitTask(t, en.prodURL, taskID(t, en.createRP(t, "fails", vm.ExtID)))
	msgs, _ := task["errorMessages"].([]any)
	if task["status"] != "FAILED" || len(msgs) != 1 || msgs[0].(map[string]any)["message"] != "Snapshot quota exceeded on cluster prod-ahv-01." {
		t.Fatalf("failed task %v", task)
	}
	checkTyped(t, "task", task)
	// The fault is used up: the next create works.
	if task := en.waitTask(t, en.prodURL, taskID(t, en.createRP(t, "works", vm.ExtID))); task["status"] != "SUCCEEDED" {
		t.Fatalf("task after the fault: %v", task["status"])
	}
	if n := en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$filter="+url.QueryEscape("name eq 'fails'")).total(); n != 0 {
		t.Fatal("a failed create left a recovery point")
	}
	// Unknown VM: the task fails, as on Prism Central.
	task = en.waitTask(t, en.prodURL, taskID(t, en.createRP(t, "ghost", "11111111-2222-4333-8444-555555555555")))
	if task["status"] != "FAILED" || !strings.Contains(fmt.Sprint(task["errorMessages"]), "not found") {
		t.Fatalf("unknown VM task %v", task)
	}
	// Stuck: never finishes however long it is polled.
	en.prodSim.StickNextTasks("", 1)
	id := taskID(t, en.createRP(t, "stuck", vm.ExtID))
	for range 50 {
		a := en.get(t, "/api/prism/v4.0/config/tasks/"+id)
		if st := a.data()["status"]; st == "SUCCEEDED" || st == "FAILED" {
			t.Fatalf("stuck task ended %v", st)
		}
	}
	// Revert to a VM recovery point of another VM fails the task.
	en.prod.Mu.Lock()
	var other string
	for _, rp := range en.prod.RecoveryPoints {
		for _, v := range rp.VMRecoveryPoints {
			if v.VMExtID != vm.ExtID {
				other = v.ExtID
			}
		}
	}
	en.prod.Mu.Unlock()
	a := en.do(t, en.prodURL, call{method: "POST", path: "/api/vmm/v4.0/ahv/config/vms/" + vm.ExtID + "/$actions/revert", body: map[string]any{"vmRecoveryPointExtId": other}})
	if task := en.waitTask(t, en.prodURL, taskID(t, a)); task["status"] != "FAILED" {
		t.Fatalf("revert to another VM's recovery point: %v", task["status"])
	}
}

func TestOutcomes(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	vm := firstVM(en)
	rpPath := "/api/dataprotection/v4.3/config/recovery-points"
	task := en.waitTask(t, en.prodURL, taskID(t, en.createRP(t, "outcomes", vm.ExtID)))
	rpID := detail(task, "recoveryPointExtId")
	rp := en.get(t, rpPath+"/"+rpID)
	vmrpID := rp.data()["vmRecoveryPoints"].([]any)[0].(map[string]any)["extId"].(string)

	// Revert: change the VM, then revert it to the recovery point.
	en.prod.Mu.Lock()
	live := en.prod.VMByExtID(vm.ExtID)
	live.Disks = append(live.Disks, fleet.NutanixDisk{ExtID: "added", SizeBytes: 1 << 30})
	live.MemoryBytes *= 2
	en.prod.Mu.Unlock()
	before := en.get(t, "/api/vmm/v4.0/ahv/config/vms/"+vm.ExtID)
	a := en.do(t, en.prodURL, call{method: "POST", path: "/api/vmm/v4.0/ahv/config/vms/" + vm.ExtID + "/$actions/revert",
		header: map[string]string{"If-Match": before.header.Get("ETag")}, body: map[string]any{"vmRecoveryPointExtId": vmrpID}})
	if task := en.waitTask(t, en.prodURL, taskID(t, a)); task["status"] != "SUCCEEDED" {
		t.Fatalf("revert %v", task)
	}
	after := en.get(t, "/api/vmm/v4.0/ahv/config/vms/"+vm.ExtID)
	if len(after.data()["disks"].([]any)) != 3 || after.data()["memorySizeBytes"].(float64) != float64(64<<30) ||
		after.header.Get("ETag") == before.header.Get("ETag") || after.data()["generationUuid"] == before.data()["generationUuid"] {
		t.Fatalf("VM after revert: %s", after.raw)
	}

	// Restore everything (no overrides) on the recovery point's cluster.
	a = en.do(t, en.prodURL, call{method: "POST", path: rpPath + "/" + rpID + "/$actions/restore"})
	task = en.waitTask(t, en.prodURL, taskID(t, a))
	ids := strings.Split(detail(task, "vmExtIds"), ",")
	if task["status"] != "SUCCEEDED" || len(ids) != 1 {
		t.Fatalf("restore %v", task)
	}
	clone := en.get(t, "/api/vmm/v4.0/ahv/config/vms/"+ids[0]).data()
	if clone["name"] != vm.Name || clone["powerState"] != "OFF" || clone["protectionType"] != "UNPROTECTED" {
		t.Fatalf("restored VM %v", clone)
	}
	// Same-name VMs are now ambiguous, as on a real Prism Central.
	if n := en.get(t, "/api/vmm/v4.0/ahv/config/vms?$filter="+url.QueryEscape("name eq '"+vm.Name+"'")).total(); n != 2 {
		t.Fatalf("%d VMs named %s", n, vm.Name)
	}

	// Replicate to pc-dr: the replica appears there once the task succeeds.
	drCluster := en.dr.Clusters[0].ExtID
	a = en.do(t, en.prodURL, call{method: "POST", path: rpPath + "/" + rpID + "/$actions/replicate", body: map[string]any{"pcExtId": en.dr.ExtID, "clusterExtId": drCluster}})
	task = en.waitTask(t, en.prodURL, taskID(t, a))
	replica := en.do(t, en.drURL, call{method: "GET", path: rpPath + "/" + detail(task, "recoveryPointExtId")})
	en.mustStatus(t, replica, 200)
	src := replica.data()["sourceLocation"].(map[string]any)
	if replica.data()["locationAgnosticId"] != rp.data()["locationAgnosticId"] || src["domainManagerExtId"] != en.prod.ExtID {
		t.Fatalf("replica %s", replica.raw)
	}

	// Set expiration, then let it pass: the recovery point disappears.
	exp := t0.Add(48 * time.Hour)
	a = en.do(t, en.prodURL, call{method: "POST", path: rpPath + "/" + rpID + "/$actions/set-expiration-time", body: map[string]any{"expirationTime": exp.Format(time.RFC3339)}})
	en.waitTask(t, en.prodURL, taskID(t, a))
	if got := en.get(t, rpPath+"/"+rpID).data()["expirationTime"]; got != exp.Format(time.RFC3339Nano) {
		t.Fatalf("expiration %v", got)
	}
	en.estate.Clock.Set(exp.Add(time.Second))
	en.mustStatus(t, en.get(t, rpPath+"/"+rpID), 404)

	// Delete: gone after the task.
	en.prod.Mu.Lock()
	victim := en.prod.RecoveryPoints[0].ExtID
	en.prod.Mu.Unlock()
	a = en.do(t, en.prodURL, call{method: "DELETE", path: rpPath + "/" + victim})
	en.waitTask(t, en.prodURL, taskID(t, a))
	en.mustStatus(t, en.get(t, rpPath+"/"+victim), 404)

	// Clusters: Prism Central lists itself too.
	cl := en.get(t, "/api/clustermgmt/v4.0/config/clusters?$filter="+url.QueryEscape("config/clusterFunction/any(f:f eq 'PRISM_CENTRAL')"))
	if cl.status != 200 || cl.total() != 1 || cl.items()[0].(map[string]any)["extId"] != en.prod.ExtID {
		t.Fatalf("Prism Central among its clusters: %s", cl.raw)
	}
}

// TestDeterminism: the same request sequence against two fresh estates
// gives byte-identical answers.
func TestDeterminism(t *testing.T) {
	run := func() []byte {
		en := newEnv(t, simnutanix.Options{})
		vm := firstVM(en)
		var out bytes.Buffer
		rec := func(a answer) {
			out.Write(a.raw)
			out.WriteString(a.header.Get("ETag"))
		}
		a := en.createRP(t, "det", vm.ExtID)
		rec(a)
		id := taskID(t, a)
		for range 6 {
			rec(en.get(t, "/api/prism/v4.3/config/tasks/"+id))
		}
		rec(en.get(t, "/api/dataprotection/v4.3/config/recovery-points?$orderby=creationTime%20desc&$limit=3"))
		rec(en.get(t, "/api/vmm/v4.0/ahv/config/vms/"+vm.ExtID))
		return out.Bytes()
	}
	a, b := run(), run()
	// Hosts differ between the two servers; compare with them removed.
	strip := func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte("127.0.0.1"), nil)
	}
	a, b = stripPorts(strip(a)), stripPorts(strip(b))
	if !bytes.Equal(a, b) {
		t.Fatal("answers differ between identical runs")
	}
}

func stripPorts(b []byte) []byte {
	s := string(b)
	var out strings.Builder
	for {
		i := strings.Index(s, "http://:")
		if i < 0 {
			out.WriteString(s)
			return []byte(out.String())
		}
		out.WriteString(s[:i+len("http://:")])
		s = s[i+len("http://:"):]
		for len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
}
