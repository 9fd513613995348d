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
	var names []string
	for _, c := range body.Categories {
		if !uuidRE.MatchString(c.ExtID) {
			rc.badRequest("category extId %q is not a valid UUID.", c.ExtID)
			return
		}
		n := categoryName(pc, c.ExtID)
		if n == "" {
			rc.notFound("category", c.ExtID)
			return
		}
		names = append(names, n)
	}
	t := rc.newTask(pc, reqID, opAssociateVMCategories, fmt.Sprintf("Associate categories to VM %s", vm.Name), associateTime)
	t.ClusterExtIDs = []string{vm.ClusterExtID}
	t.EntitiesAffected = []fleet.NutanixEntityRef{{ExtID: vm.ExtID, Name: vm.Name, Rel: relVM}}
	r := fleet.CloneNutanixVM(*vm)
	for _, n := range names {
		if !slices.Contains(r.Categories, n) {
			r.Categories = append(r.Categories, n)
		}
	}
	if r.ProtectionPolicyExtID == "" {
		for _, p := range pc.ProtectionPolicies {
			if slices.ContainsFunc(p.Categories, func(c string) bool { return slices.Contains(r.Categories, c) }) {
				r.ProtectionPolicyExtID = p.ExtID
				break
			}
		}
	}
	r.UpdateTime = t.CompletedTime()
	// The task's outcome replaces the VM by ext id when it succeeds.
	t.Outcome.RevertVM = &r
	rc.writeTaskRef(t)
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
