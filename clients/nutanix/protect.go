package nutanix

import (
	"context"
	"net/http"
)

// AssociateVMCategories adds categories (by ext id) to a VM: POST
// vmm .../vms/{extId}/$actions/associate-categories with
// AssociateVmCategoriesParams, If-Match the VM's ETag (empty m.IfMatch GETs
// the VM first). This is how v4 puts a VM under a protection policy: the
// policy protects the members of its categories (ProtectionPolicy.
// CategoryIDs), and Prism Central applies it once the VM carries one.
func (c *Client) AssociateVMCategories(ctx context.Context, vmExtID string, categoryExtIDs []string, m Mutation) (TaskRef, error) {
	etag := m.IfMatch
	if etag == "" {
		vm, err := c.GetVM(ctx, vmExtID)
		if err != nil {
			return TaskRef{}, err
		}
		etag = vm.ETag
	}
	type categoryRef struct {
		ObjectType string `json:"$objectType"`
		ExtID      string `json:"extId"`
	}
	body := struct {
		ObjectType string        `json:"$objectType"`
		Categories []categoryRef `json:"categories"`
	}{ObjectType: "vmm.v4.ahv.config.AssociateVmCategoriesParams"}
	for _, id := range categoryExtIDs {
		body.Categories = append(body.Categories, categoryRef{"vmm.v4.ahv.config.CategoryReference", id})
	}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsVMM,
		path: pathVMs + "/" + esc(vmExtID) + "/$actions/associate-categories", body: body, ifMatch: etag}, m)
}

// AssociateVolumeGroupCategories adds categories (by ext id) to a volume
// group: POST volumes .../volume-groups/{extId}/$actions/associate-category
// with CategoryEntityReferences {categories: [EntityReference{extId,
// entityType CATEGORY}]}, answered with a task (verified against the
// official volumes SDK, VolumeGroupsApi.AssociateCategory, v4.2.1). The
// API takes no If-Match; m.IfMatch, when set, is sent. Like a VM's
// categories, this is how v4 puts a volume group under a protection policy.
func (c *Client) AssociateVolumeGroupCategories(ctx context.Context, vgExtID string, categoryExtIDs []string, m Mutation) (TaskRef, error) {
	type entityRef struct {
		ObjectType string `json:"$objectType"`
		ExtID      string `json:"extId"`
		EntityType string `json:"entityType"`
	}
	body := struct {
		ObjectType string      `json:"$objectType"`
		Categories []entityRef `json:"categories"`
	}{ObjectType: "volumes.v4.config.CategoryEntityReferences"}
	for _, id := range categoryExtIDs {
		body.Categories = append(body.Categories, entityRef{"common.v1.config.EntityReference", id, "CATEGORY"})
	}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsVolumes,
		path: pathVolumeGroups + "/" + esc(vgExtID) + "/$actions/associate-category", body: body, ifMatch: m.IfMatch}, m)
}

// VolumeGroupCategoryIDs returns the ext ids of a volume group's
// categories (GET volumes .../volume-groups/{extId}/category-associations).
func (c *Client) VolumeGroupCategoryIDs(ctx context.Context, vgExtID string) ([]string, error) {
	refs, err := listAll[Reference](ctx, c, nsVolumes, pathVolumeGroups+"/"+esc(vgExtID)+"/category-associations", ListOptions{})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ExtID)
	}
	return ids, nil
}

// GetCategory reads one category (prism config/categories/{extId}).
func (c *Client) GetCategory(ctx context.Context, extID string) (*Category, error) {
	var cat Category
	if _, err := c.get(ctx, nsPrism, pathCategories+"/"+esc(extID), &cat); err != nil {
		return nil, err
	}
	return &cat, nil
}
