package nutanix_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

// TestAssociateVMCategories: vmm associate-categories needs the VM's ETag,
// refuses an unknown category, and as a task gives the VM the category;
// a policy of that category then protects the VM (RULE_PROTECTED).
func TestAssociateVMCategories(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	en.prod.Mu.Lock()
	var vm *fleet.NutanixVM
	for _, v := range en.prod.VMs {
		if v.ProtectionPolicyExtID == "" && vm == nil {
			vm = v
		}
	}
	pol := en.prod.ProtectionPolicies[0]
	en.prod.Mu.Unlock()
	if vm == nil {
		t.Fatal("fixture: no unprotected VM")
	}
	path := "/api/vmm/v4.0/ahv/config/vms/" + vm.ExtID
	got := en.get(t, path)
	en.mustStatus(t, got, 200)
	etag := got.header.Get("ETag")
	// The policy names its categories by ext id.
	pa := en.get(t, "/api/datapolicies/v4.0/config/protection-policies/"+pol.ExtID)
	en.mustStatus(t, pa, 200)
	cat := pa.data()["categoryIds"].([]any)[0].(string)
	if c := en.get(t, "/api/prism/v4.0/config/categories/"+cat).data(); c["key"] != "Protection" || c["value"] != "Gold" || c["$objectType"] != "prism.v4.config.Category" {
		t.Errorf("category %s: %v", cat, c)
	}
	en.mustStatus(t, en.get(t, "/api/prism/v4.0/config/categories/"+fleet.NewNutanixID("no", "such")), 404)
	body := map[string]any{"categories": []any{map[string]any{"$objectType": "vmm.v4.ahv.config.CategoryReference", "extId": cat}}}
	act := path + "/$actions/associate-categories"

	for _, tc := range []struct {
		name   string
		c      call
		status int
	}{
		{"stale etag", call{method: "POST", path: act, body: body, header: map[string]string{"If-Match": `"stale"`}}, http.StatusPreconditionFailed},
		{"unknown category", call{method: "POST", path: act, body: map[string]any{"categories": []any{map[string]any{"extId": fleet.NewNutanixID("no", "such")}}}, header: map[string]string{"If-Match": etag}}, http.StatusNotFound},
		{"no categories", call{method: "POST", path: act, body: map[string]any{"categories": []any{}}, header: map[string]string{"If-Match": etag}}, http.StatusBadRequest},
		{"GET", call{method: "GET", path: act}, http.StatusMethodNotAllowed},
	} {
		if a := en.do(t, en.prodURL, tc.c); a.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, a.status, tc.status, a.raw)
		}
	}

	a := en.do(t, en.prodURL, call{method: "POST", path: act, body: body, header: map[string]string{"If-Match": etag}})
	task := en.waitTask(t, en.prodURL, taskID(t, a))
	if task["status"] != "SUCCEEDED" {
		t.Fatalf("task %v", task)
	}
	after := en.get(t, path).data()
	if after["protectionType"] != "RULE_PROTECTED" {
		t.Errorf("VM after associate: %v", after)
	}
	var ids []string
	for _, c := range after["categories"].([]any) {
		ids = append(ids, c.(map[string]any)["extId"].(string))
	}
	if !slices.Contains(ids, cat) {
		t.Errorf("categories %v lack %s", ids, cat)
	}
	if en.get(t, path).header.Get("ETag") == etag {
		t.Error("ETag unchanged by the update")
	}
}

// TestAssociateVGCategory: the volumes associate-category action checks
// its body and any If-Match, and as a task gives the volume group the
// category, which its category-associations and the categories'
// detailedAssociations then show. (The official SDK drives the same
// exchange in TestConformanceVolumesSDK.)
func TestAssociateVGCategory(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	en.prod.Mu.Lock()
	var vg *fleet.NutanixVolumeGroup
	for _, v := range en.prod.VolumeGroups {
		if v.ProtectionPolicyExtID == "" && vg == nil {
			vg = v
		}
	}
	pol := en.prod.ProtectionPolicies[0]
	en.prod.Mu.Unlock()
	if vg == nil {
		t.Fatal("fixture: no unprotected volume group")
	}
	cat := en.get(t, "/api/datapolicies/v4.0/config/protection-policies/"+pol.ExtID).data()["categoryIds"].([]any)[0].(string)
	path := "/api/volumes/v4.2/config/volume-groups/" + vg.ExtID
	act := path + "/$actions/associate-category"
	ref := func(id, typ string) map[string]any {
		return map[string]any{"categories": []any{map[string]any{"$objectType": "common.v1.config.EntityReference", "extId": id, "entityType": typ}}}
	}
	for _, tc := range []struct {
		name   string
		c      call
		status int
	}{
		{"stale etag", call{method: "POST", path: act, body: ref(cat, "CATEGORY"), header: map[string]string{"If-Match": `"stale"`}}, http.StatusPreconditionFailed},
		{"not a category", call{method: "POST", path: act, body: ref(cat, "VM")}, http.StatusBadRequest},
		{"unknown category", call{method: "POST", path: act, body: ref(fleet.NewNutanixID("no", "such"), "CATEGORY")}, http.StatusNotFound},
		{"no categories", call{method: "POST", path: act, body: map[string]any{"categories": []any{}}}, http.StatusBadRequest},
		{"unknown volume group", call{method: "POST", path: "/api/volumes/v4.2/config/volume-groups/" + fleet.NewNutanixID("no", "vg") + "/$actions/associate-category", body: ref(cat, "CATEGORY")}, http.StatusNotFound},
		{"GET", call{method: "GET", path: act}, http.StatusMethodNotAllowed},
		{"unknown $expand", call{method: "GET", path: "/api/prism/v4.0/config/categories?$expand=owners"}, http.StatusBadRequest},
	} {
		if a := en.do(t, en.prodURL, tc.c); a.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, a.status, tc.status, a.raw)
		}
	}
	if n := len(en.get(t, path+"/category-associations").items()); n != 0 {
		t.Fatalf("an unprotected volume group has %d categories", n)
	}

	a := en.do(t, en.prodURL, call{method: "POST", path: act, body: ref(cat, "CATEGORY")})
	if task := en.waitTask(t, en.prodURL, taskID(t, a)); task["status"] != "SUCCEEDED" {
		t.Fatalf("task %v", task)
	}
	if got := en.get(t, path+"/category-associations").items(); len(got) != 1 || got[0].(map[string]any)["extId"] != cat || got[0].(map[string]any)["$objectType"] != "volumes.v4.config.CategoryDetails" {
		t.Errorf("category associations after associate: %v", got)
	}
	found := false
	for _, it := range en.get(t, "/api/prism/v4.0/config/categories?$expand=detailedAssociations").items() {
		c := it.(map[string]any)
		for _, d := range c["detailedAssociations"].([]any) {
			d := d.(map[string]any)
			if c["extId"] == cat && d["resourceType"] == "VOLUMEGROUP" && d["resourceId"] == vg.ExtID {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("categories' detailedAssociations lack volume group %s", vg.ExtID)
	}
	en.prod.Mu.Lock()
	defer en.prod.Mu.Unlock()
	if vg.ProtectionPolicyExtID != pol.ExtID {
		t.Errorf("volume group protected by %q, want %s", vg.ProtectionPolicyExtID, pol.ExtID)
	}
}
