package nutanix

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// opAssociateVMCategories is the task operation of associate-categories.
const opAssociateVMCategories = "AssociateVmCategories"

// associateTime is how long associating categories takes.
const associateTime = 4 * time.Second

// categoryName maps a category ext id back to its "key/value" name among
// the categories the Prism Central knows (its VMs' and its policies').
func categoryName(pc *fleet.PrismCentral, extID string) string {
	for _, p := range pc.ProtectionPolicies {
		for _, c := range p.Categories {
			if categoryExtID(c) == extID {
				return c
			}
		}
	}
	for _, vm := range pc.VMs {
		for _, c := range vm.Categories {
			if categoryExtID(c) == extID {
				return c
			}
		}
	}
	for _, vg := range pc.VolumeGroups {
		for _, c := range vg.Categories {
			if categoryExtID(c) == extID {
				return c
			}
		}
	}
	return ""
}

// policyOf is the ext id of the first protection policy that selects one
// of cats, as Prism Central's policy engine applies it ("" for none).
func policyOf(pc *fleet.PrismCentral, cats []string) string {
	for _, p := range pc.ProtectionPolicies {
		if slices.ContainsFunc(p.Categories, func(c string) bool { return slices.Contains(cats, c) }) {
			return p.ExtID
		}
	}
	return ""
}

// associateVMCategories serves POST vmm .../vms/{extId}/$actions/
// associate-categories (AssociateVmCategoriesParams {categories:
// [CategoryReference{extId}]}), If-Match the VM's ETag, as a task. When the
// task completes the VM carries the categories and, as Prism Central's
// policy engine does, a protection policy whose categories it now has
// protects it (protectionType RULE_PROTECTED). An unknown category fails
// the request with 404, as Prism Central does.
func (rc *reqCtx) associateVMCategories(id string) {
	rc.respType = "vmm.v4.ahv.config.AssociateCategoriesApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body struct {
		Categories []struct {
			ExtID string `json:"extId"`
		} `json:"categories"`
	}
	if !rc.decodeBody(&body, false) {
		return
	}
	if len(body.Categories) == 0 {
		rc.badRequest("categories must list at least one category reference.")
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
	ids := make([]string, len(body.Categories))
	for i, c := range body.Categories {
		ids[i] = c.ExtID
	}
	names, ok := rc.categoryNames(pc, ids)
	if !ok {
		return
	}
	t := rc.newTask(pc, reqID, opAssociateVMCategories, fmt.Sprintf("Associate categories to VM %s", vm.Name), associateTime)
	t.ClusterExtIDs = []string{vm.ClusterExtID}
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: vm.ExtID, Name: vm.Name, Rel: relVM}}
	r := fleet.CloneNutanixVM(*vm)
	r.Categories = addCategories(r.Categories, names)
	if r.ProtectionPolicyExtID == "" {
		r.ProtectionPolicyExtID = policyOf(pc, r.Categories)
	}
	r.UpdateTime = t.CompletedTime()
	// The task's outcome replaces the VM by ext id when it succeeds.
	t.Outcome.RevertVM = &r
	rc.writeTaskRef(t)
}

// opAssociateVGCategory is the task operation of a volume group's
// associate-category (the SDK method's name; Prism's own is not documented).
const opAssociateVGCategory = "AssociateCategory"

// associateVGCategory serves POST volumes .../volume-groups/{extId}/
// $actions/associate-category, as the official volumes SDK
// (VolumeGroupsApi.AssociateCategory, v4.2.1) sends it: a
// volumes.v4.config.CategoryEntityReferences {categories:
// [common.v1.config.EntityReference{extId, entityType CATEGORY}]}, no
// If-Match required (one that is sent must match), answered 202 with
// volumes.v4.config.AssociateCategoryApiResponse holding a TaskReference.
// When the task completes the volume group carries the categories and, as
// Prism Central's policy engine does, a policy of one of them protects it.
func (rc *reqCtx) associateVGCategory(id string) {
	rc.respType = "volumes.v4.config.AssociateCategoryApiResponse"
	reqID, ok := rc.mutation()
	if !ok {
		return
	}
	var body struct {
		Categories []struct {
			ExtID      string `json:"extId"`
			EntityType string `json:"entityType"`
		} `json:"categories"`
	}
	if !rc.decodeBody(&body, false) {
		return
	}
	if len(body.Categories) == 0 {
		rc.badRequest("categories must list at least one category reference.")
		return
	}
	pc := rc.s.pc
	pc.Mu.Lock()
	defer pc.Mu.Unlock()
	vg := pc.VolumeGroupByExtID(id)
	if vg == nil {
		rc.notFound("Volume group", id)
		return
	}
	if rc.r.Header.Get("If-Match") != "" && !rc.ifMatchOK(etagOf(vg)) {
		return
	}
	ids := make([]string, len(body.Categories))
	for i, c := range body.Categories {
		if c.EntityType != "" && c.EntityType != "CATEGORY" {
			rc.badRequest("categories[].entityType is %q; a category reference has entityType CATEGORY.", c.EntityType)
			return
		}
		ids[i] = c.ExtID
	}
	names, ok := rc.categoryNames(pc, ids)
	if !ok {
		return
	}
	t := rc.newTask(pc, reqID, opAssociateVGCategory, fmt.Sprintf("Associate categories to volume group %s", vg.Name), associateTime)
	t.ClusterExtIDs = []string{vg.ClusterExtID}
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: vg.ExtID, Name: vg.Name, Rel: relVG}}
	r := fleet.CloneNutanixVolumeGroup(*vg)
	r.Categories = addCategories(r.Categories, names)
	if r.ProtectionPolicyExtID == "" {
		r.ProtectionPolicyExtID = policyOf(pc, r.Categories)
	}
	t.Outcome.UpdateVolumeGroup = &r
	rc.writeTaskRef(t)
}

// listVGCategoryAssociations serves GET volumes .../volume-groups/{extId}/
// category-associations: the volume group's categories as
// volumes.v4.config.CategoryDetails {extId, entityType CATEGORY}.
func (rc *reqCtx) listVGCategoryAssociations(id string) {
	rc.respType = "volumes.v4.config.ListCategoryAssociationsApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	vg := pc.VolumeGroupByExtID(id)
	if vg == nil {
		pc.Mu.Unlock()
		rc.notFound("Volume group", id)
		return
	}
	items := make([]obj, 0, len(vg.Categories))
	for _, c := range vg.Categories {
		items = append(items, rc.typed("volumes.v4.config.CategoryDetails", obj{"extId": categoryExtID(c), "entityType": "CATEGORY"}))
	}
	pc.Mu.Unlock()
	rc.writeList(items, listSpec{})
}

// getCategory serves GET prism .../config/categories/{extId}: a category
// the Prism Central knows, as prism.v4.config.Category (key, value, type
// USER), so clients can name the categories policies and VMs refer to.
func (rc *reqCtx) getCategory(id string) {
	rc.respType = "prism.v4.config.GetCategoryApiResponse"
	pc := rc.s.pc
	pc.Mu.Lock()
	name := categoryName(pc, id)
	pc.Mu.Unlock()
	if name == "" {
		rc.notFound("category", id)
		return
	}
	key, value, _ := strings.Cut(name, "/")
	data := rc.typed("prism.v4.config.Category", obj{"extId": id, "key": key, "value": value, "type": "USER"})
	rc.writeEntity(data, etagOf(name))
}

// categoryNames resolves category references (ext ids) to their names,
// answering 400 for a malformed id and 404 for an unknown one, as Prism
// Central does; false when it answered.
func (rc *reqCtx) categoryNames(pc *fleet.PrismCentral, ids []string) ([]string, bool) {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if !uuidRE.MatchString(id) {
			rc.badRequest("category extId %q is not a valid UUID.", id)
			return nil, false
		}
		n := categoryName(pc, id)
		if n == "" {
			rc.notFound("category", id)
			return nil, false
		}
		names = append(names, n)
	}
	return names, true
}

// addCategories returns cats with the names it lacks appended.
func addCategories(cats, names []string) []string {
	for _, n := range names {
		if !slices.Contains(cats, n) {
			cats = append(cats, n)
		}
	}
	return cats
}
