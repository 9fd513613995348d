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

// GetCategory reads one category (prism config/categories/{extId}).
func (c *Client) GetCategory(ctx context.Context, extID string) (*Category, error) {
	var cat Category
	if _, err := c.get(ctx, nsPrism, pathCategories+"/"+esc(extID), &cat); err != nil {
		return nil, err
	}
	return &cat, nil
}
