package nutanix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Namespaces and collection paths.
const (
	nsDataProtection = "dataprotection"
	nsPrism          = "prism"
	nsVMM            = "vmm"
	nsVolumes        = "volumes"
	nsClusterMgmt    = "clustermgmt"
	nsDataPolicies   = "datapolicies"

	pathRecoveryPoints = "config/recovery-points"
	pathTasks          = "config/tasks"
	pathDomainManagers = "config/domain-managers"
	pathVMs            = "ahv/config/vms"
	pathVolumeGroups   = "config/volume-groups"
	pathClusters       = "config/clusters"
	pathCategories     = "config/categories"
	pathVMStats        = "ahv/stats/vms"
	pathPolicies       = "config/protection-policies"
)

func esc(id string) string { return url.PathEscape(id) }

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// Total is metadata.totalAvailableResults: all matching items.
	Total int
	Page  int
	Limit int
	// totalKnown says whether Prism Central sent totalAvailableResults.
	totalKnown bool
}

// HasNext reports whether a later page exists.
func (p *Page[T]) HasNext() bool {
	return p.Limit > 0 && (p.Page+1)*p.Limit < p.Total
}

// defaultLimit is the server's page size when none is asked for.
const defaultLimit = 50

// list fetches one page of a collection.
func list[T any](ctx context.Context, c *Client, ns, path string, o ListOptions) (*Page[T], error) {
	if o.Limit < 0 || o.Limit > 100 {
		return nil, fmt.Errorf("nutanix: limit %d is out of range 1-100", o.Limit)
	}
	if o.Page < 0 {
		return nil, fmt.Errorf("nutanix: page %d is negative", o.Page)
	}
	r, err := c.do(ctx, request{method: http.MethodGet, ns: ns, path: path, query: o.query()})
	if err != nil {
		return nil, err
	}
	items, err := decodeList[T](r)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: items, Page: o.Page, Limit: o.Limit}
	if p.Limit == 0 {
		p.Limit = defaultLimit
	}
	if r.env.Metadata != nil && r.env.Metadata.TotalAvailableResults != nil {
		p.Total = *r.env.Metadata.TotalAvailableResults
		p.totalKnown = true
	} else {
		p.Total = o.Page*p.Limit + len(items)
	}
	return p, nil
}

// listAll fetches page 0, then the remaining pages concurrently (bounded by
// MaxConcurrency), and returns all items in order. o.Page is ignored; a
// zero o.Limit uses the maximum page size, 100.
func listAll[T any](ctx context.Context, c *Client, ns, path string, o ListOptions) ([]T, error) {
	o.Page = 0
	if o.Limit == 0 {
		o.Limit = 100
	}
	first, err := list[T](ctx, c, ns, path, o)
	if err != nil {
		return nil, err
	}
	pages := 1
	if first.Total > o.Limit {
		pages = (first.Total-1)/o.Limit + 1 // (Total+Limit-1)/Limit overflows near MaxInt
	}
	if !first.totalKnown || pages > maxSequentialPages {
		// No total, or one no real estate has (a bogus total must not
		// size an allocation): page until a short page instead.
		return listSequential(ctx, c, ns, path, o, first)
	}
	if pages == 1 {
		return first.Items, nil
	}
	results := make([][]T, pages)
	results[0] = first.Items
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, c.opts.MaxConcurrency)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := 1; i < pages; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			po := o
			po.Page = i
			p, err := list[T](ctx, c, ns, path, po)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
				return
			}
			results[i] = p.Items
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []T
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// maxSequentialPages bounds listSequential against a server that ignores
// $page.
const maxSequentialPages = 10000

// listSequential pages through a collection whose total is unknown, until
// a short page.
func listSequential[T any](ctx context.Context, c *Client, ns, path string, o ListOptions, first *Page[T]) ([]T, error) {
	out := first.Items
	last := first
	for page := 1; len(last.Items) == o.Limit && page < maxSequentialPages; page++ {
		o.Page = page
		p, err := list[T](ctx, c, ns, path, o)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		last = p
	}
	return out, nil
}

// --- recovery points ---

// ListRecoveryPoints returns one page of recovery points. Prism Central
// filters on creationTime, extId, locationAgnosticId, name, ownerExtId,
// recoveryPointType, vmRecoveryPoints and volumeGroupRecoveryPoints, and
// sorts on creationTime, expirationTime, name and ownerExtId.
func (c *Client) ListRecoveryPoints(ctx context.Context, o ListOptions) (*Page[RecoveryPoint], error) {
	return list[RecoveryPoint](ctx, c, nsDataProtection, pathRecoveryPoints, o)
}

// ListAllRecoveryPoints returns every recovery point matching o.
func (c *Client) ListAllRecoveryPoints(ctx context.Context, o ListOptions) ([]RecoveryPoint, error) {
	return listAll[RecoveryPoint](ctx, c, nsDataProtection, pathRecoveryPoints, o)
}

// GetRecoveryPoint returns a recovery point with its ETag.
func (c *Client) GetRecoveryPoint(ctx context.Context, extID string) (*RecoveryPoint, error) {
	var rp RecoveryPoint
	etag, err := c.get(ctx, nsDataProtection, pathRecoveryPoints+"/"+esc(extID), &rp)
	if err != nil {
		return nil, err
	}
	rp.ETag = etag
	return &rp, nil
}

// GetVMRecoveryPoint returns one VM recovery point of a recovery point.
func (c *Client) GetVMRecoveryPoint(ctx context.Context, recoveryPointExtID, vmRecoveryPointExtID string) (*VMRecoveryPoint, error) {
	var v VMRecoveryPoint
	etag, err := c.get(ctx, nsDataProtection, pathRecoveryPoints+"/"+esc(recoveryPointExtID)+"/vm-recovery-points/"+esc(vmRecoveryPointExtID), &v)
	if err != nil {
		return nil, err
	}
	v.ETag = etag
	return &v, nil
}

// VSSProperties ask for an application-consistent VM recovery point.
type VSSProperties struct {
	// BackupType is FULL_BACKUP or COPY_BACKUP.
	BackupType             string   `json:"backupType,omitempty"`
	ShouldIncludeWriters   bool     `json:"shouldIncludeWriters"`
	Writers                []string `json:"writers,omitempty"`
	ShouldStoreVSSMetadata bool     `json:"shouldStoreVssMetadata"`
}

// RecoveryPointSpec describes a recovery point to create.
type RecoveryPointSpec struct {
	Name string
	// ExpirationTime is when it expires; zero means never.
	ExpirationTime time.Time
	// RecoveryPointType is CRASH_CONSISTENT (default) or
	// APPLICATION_CONSISTENT.
	RecoveryPointType string
	VMExtIDs          []string
	VolumeGroupExtIDs []string
	// VSS applies to every VM when set (application-consistent).
	VSS *VSSProperties
}

type wireVMRPSpec struct {
	ObjectType                                       string `json:"$objectType"`
	VMExtID                                          string `json:"vmExtId"`
	ApplicationConsistentPropertiesItemDiscriminator string `json:"$applicationConsistentPropertiesItemDiscriminator,omitempty"`
	ApplicationConsistentProperties                  any    `json:"applicationConsistentProperties,omitempty"`
}

type wireVGRPSpec struct {
	ObjectType       string `json:"$objectType"`
	VolumeGroupExtID string `json:"volumeGroupExtId"`
}

type wireRPSpec struct {
	ObjectType                string         `json:"$objectType"`
	Name                      string         `json:"name,omitempty"`
	ExpirationTime            *time.Time     `json:"expirationTime,omitempty"`
	RecoveryPointType         string         `json:"recoveryPointType,omitempty"`
	VMRecoveryPoints          []wireVMRPSpec `json:"vmRecoveryPoints,omitempty"`
	VolumeGroupRecoveryPoints []wireVGRPSpec `json:"volumeGroupRecoveryPoints,omitempty"`
}

// CreateRecoveryPoint starts a recovery point of VMs and/or volume groups.
// The task's RecoveryPointExtID names it once the task has succeeded.
// m.IfMatch is not used.
func (c *Client) CreateRecoveryPoint(ctx context.Context, spec RecoveryPointSpec, m Mutation) (TaskRef, error) {
	if len(spec.VMExtIDs)+len(spec.VolumeGroupExtIDs) == 0 {
		return TaskRef{}, errors.New("nutanix: a recovery point needs at least one VM or volume group")
	}
	body := wireRPSpec{
		ObjectType:        "dataprotection.v4.config.RecoveryPoint",
		Name:              spec.Name,
		RecoveryPointType: spec.RecoveryPointType,
	}
	if !spec.ExpirationTime.IsZero() {
		t := spec.ExpirationTime.UTC()
		body.ExpirationTime = &t
	}
	for _, id := range spec.VMExtIDs {
		v := wireVMRPSpec{ObjectType: "dataprotection.v4.config.VmRecoveryPoint", VMExtID: id}
		if spec.VSS != nil {
			v.ApplicationConsistentPropertiesItemDiscriminator = "dataprotection.v4.common.VssProperties"
			v.ApplicationConsistentProperties = struct {
				ObjectType string `json:"$objectType"`
				VSSProperties
			}{"dataprotection.v4.common.VssProperties", *spec.VSS}
		}
		body.VMRecoveryPoints = append(body.VMRecoveryPoints, v)
	}
	for _, id := range spec.VolumeGroupExtIDs {
		body.VolumeGroupRecoveryPoints = append(body.VolumeGroupRecoveryPoints, wireVGRPSpec{ObjectType: "dataprotection.v4.config.VolumeGroupRecoveryPoint", VolumeGroupExtID: id})
	}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsDataProtection, path: pathRecoveryPoints, body: body}, m)
}

// rpETag returns m.IfMatch, or the recovery point's current ETag.
func (c *Client) rpETag(ctx context.Context, extID string, m Mutation) (string, error) {
	if m.IfMatch != "" {
		return m.IfMatch, nil
	}
	rp, err := c.GetRecoveryPoint(ctx, extID)
	if err != nil {
		return "", err
	}
	return rp.ETag, nil
}

// SetRecoveryPointExpirationTime changes when a recovery point expires
// (If-Match: the recovery point's ETag).
func (c *Client) SetRecoveryPointExpirationTime(ctx context.Context, extID string, expiration time.Time, m Mutation) (TaskRef, error) {
	if expiration.IsZero() {
		return TaskRef{}, errors.New("nutanix: an expiration time is required")
	}
	etag, err := c.rpETag(ctx, extID, m)
	if err != nil {
		return TaskRef{}, err
	}
	body := struct {
		ObjectType     string    `json:"$objectType"`
		ExpirationTime time.Time `json:"expirationTime"`
	}{"dataprotection.v4.config.ExpirationTimeSpec", expiration.UTC()}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsDataProtection,
		path: pathRecoveryPoints + "/" + esc(extID) + "/$actions/set-expiration-time", body: body, ifMatch: etag}, m)
}

// DeleteRecoveryPoint deletes a recovery point (If-Match: its ETag).
func (c *Client) DeleteRecoveryPoint(ctx context.Context, extID string, m Mutation) (TaskRef, error) {
	etag, err := c.rpETag(ctx, extID, m)
	if err != nil {
		return TaskRef{}, err
	}
	return c.mutate(ctx, request{method: http.MethodDelete, ns: nsDataProtection,
		path: pathRecoveryPoints + "/" + esc(extID), ifMatch: etag}, m)
}

// VMRestoreOverride restores one VM recovery point, optionally renamed.
type VMRestoreOverride struct {
	VMRecoveryPointExtID string
	Name                 string
}

// VolumeGroupRestoreOverride restores one volume group recovery point,
// optionally renamed.
type VolumeGroupRestoreOverride struct {
	VolumeGroupRecoveryPointExtID string
	Name                          string
}

// RestoreSpec says where and what to restore. With no overrides every VM
// and volume group of the recovery point is restored.
type RestoreSpec struct {
	// ClusterExtID is the target cluster; empty uses the recovery point's
	// location.
	ClusterExtID     string
	VMs              []VMRestoreOverride
	VolumeGroups     []VolumeGroupRestoreOverride
	IsInstantRestore bool
}

// RestoreRecoveryPoint clones VMs and volume groups out of a recovery point
// (If-Match: the recovery point's ETag). The task's VMExtIDs and
// VolumeGroupExtIDs name the new entities.
func (c *Client) RestoreRecoveryPoint(ctx context.Context, extID string, spec RestoreSpec, m Mutation) (TaskRef, error) {
	etag, err := c.rpETag(ctx, extID, m)
	if err != nil {
		return TaskRef{}, err
	}
	type nameSpec struct {
		ObjectType string `json:"$objectType"`
		Name       string `json:"name"`
	}
	type vmOverride struct {
		ObjectType                      string    `json:"$objectType"`
		VMRecoveryPointExtID            string    `json:"vmRecoveryPointExtId"`
		IsStrictMode                    bool      `json:"isStrictMode"`
		VMOverrideSpecItemDiscriminator string    `json:"$vmOverrideSpecItemDiscriminator,omitempty"`
		VMOverrideSpec                  *nameSpec `json:"vmOverrideSpec,omitempty"`
	}
	type vgOverride struct {
		ObjectType                    string    `json:"$objectType"`
		VolumeGroupRecoveryPointExtID string    `json:"volumeGroupRecoveryPointExtId"`
		VolumeGroupOverrideSpec       *nameSpec `json:"volumeGroupOverrideSpec,omitempty"`
	}
	body := struct {
		ObjectType       string       `json:"$objectType"`
		ClusterExtID     string       `json:"clusterExtId,omitempty"`
		IsInstantRestore bool         `json:"isInstantRestore"`
		VMs              []vmOverride `json:"vmRecoveryPointRestoreOverrides,omitempty"`
		VGs              []vgOverride `json:"volumeGroupRecoveryPointRestoreOverrides,omitempty"`
	}{ObjectType: "dataprotection.v4.config.RecoveryPointRestorationSpec", ClusterExtID: spec.ClusterExtID, IsInstantRestore: spec.IsInstantRestore}
	for _, v := range spec.VMs {
		o := vmOverride{ObjectType: "dataprotection.v4.config.VmRecoveryPointRestoreOverride", VMRecoveryPointExtID: v.VMRecoveryPointExtID}
		if v.Name != "" {
			o.VMOverrideSpecItemDiscriminator = "dataprotection.v4.config.AhvVmOverrideSpec"
			o.VMOverrideSpec = &nameSpec{"dataprotection.v4.config.AhvVmOverrideSpec", v.Name}
		}
		body.VMs = append(body.VMs, o)
	}
	for _, v := range spec.VolumeGroups {
		o := vgOverride{ObjectType: "dataprotection.v4.config.VolumeGroupRecoveryPointRestoreOverride", VolumeGroupRecoveryPointExtID: v.VolumeGroupRecoveryPointExtID}
		if v.Name != "" {
			o.VolumeGroupOverrideSpec = &nameSpec{"dataprotection.v4.config.VolumeGroupOverrideSpec", v.Name}
		}
		body.VGs = append(body.VGs, o)
	}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsDataProtection,
		path: pathRecoveryPoints + "/" + esc(extID) + "/$actions/restore", body: body, ifMatch: etag}, m)
}

// ReplicateSpec names the target site: a Prism Central (domain manager) ext
// id and one of its clusters (see ProtectionPolicy.RemoteLocations).
type ReplicateSpec struct {
	PCExtID      string
	ClusterExtID string
}

// ReplicateRecoveryPoint copies a recovery point to another site (If-Match:
// the recovery point's ETag). The task's RecoveryPointExtID is the replica.
func (c *Client) ReplicateRecoveryPoint(ctx context.Context, extID string, spec ReplicateSpec, m Mutation) (TaskRef, error) {
	if spec.PCExtID == "" {
		return TaskRef{}, errors.New("nutanix: replication needs the target Prism Central's ext id")
	}
	etag, err := c.rpETag(ctx, extID, m)
	if err != nil {
		return TaskRef{}, err
	}
	body := struct {
		ObjectType   string `json:"$objectType"`
		PCExtID      string `json:"pcExtId"`
		ClusterExtID string `json:"clusterExtId,omitempty"`
	}{"dataprotection.v4.config.RecoveryPointReplicationSpec", spec.PCExtID, spec.ClusterExtID}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsDataProtection,
		path: pathRecoveryPoints + "/" + esc(extID) + "/$actions/replicate", body: body, ifMatch: etag}, m)
}

// --- VMs ---

// ListVMs returns one page of VMs.
func (c *Client) ListVMs(ctx context.Context, o ListOptions) (*Page[VM], error) {
	return list[VM](ctx, c, nsVMM, pathVMs, o)
}

// ListAllVMs returns every VM matching o.
func (c *Client) ListAllVMs(ctx context.Context, o ListOptions) ([]VM, error) {
	return listAll[VM](ctx, c, nsVMM, pathVMs, o)
}

// GetVM returns a VM with its ETag.
func (c *Client) GetVM(ctx context.Context, extID string) (*VM, error) {
	var vm VM
	etag, err := c.get(ctx, nsVMM, pathVMs+"/"+esc(extID), &vm)
	if err != nil {
		return nil, err
	}
	vm.ETag = etag
	return &vm, nil
}

// RevertVM reverts a VM in place to one of its VM recovery points
// (If-Match: the VM's ETag; empty m.IfMatch GETs the VM first).
func (c *Client) RevertVM(ctx context.Context, vmExtID, vmRecoveryPointExtID string, m Mutation) (TaskRef, error) {
	etag := m.IfMatch
	if etag == "" {
		vm, err := c.GetVM(ctx, vmExtID)
		if err != nil {
			return TaskRef{}, err
		}
		etag = vm.ETag
	}
	body := struct {
		ObjectType           string `json:"$objectType"`
		VMRecoveryPointExtID string `json:"vmRecoveryPointExtId"`
	}{"vmm.v4.ahv.config.RevertParams", vmRecoveryPointExtID}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsVMM,
		path: pathVMs + "/" + esc(vmExtID) + "/$actions/revert", body: body, ifMatch: etag}, m)
}

// vmETag is m.IfMatch, or the VM's current ETag read with a GET.
func (c *Client) vmETag(ctx context.Context, vmExtID string, m Mutation) (string, error) {
	if m.IfMatch != "" {
		return m.IfMatch, nil
	}
	vm, err := c.GetVM(ctx, vmExtID)
	if err != nil {
		return "", err
	}
	return vm.ETag, nil
}

// DeleteVM deletes a VM (vmm DeleteVmById: DELETE
// /api/vmm/{v}/ahv/config/vms/{extId}, If-Match: the VM's ETag; empty
// m.IfMatch GETs the VM first). The answer is a task; the VM and its disks
// are gone when it succeeds. It is destructive: callers check that the VM
// is the one they mean (the workflows delete only VMs they restored under
// their own deterministic names).
func (c *Client) DeleteVM(ctx context.Context, vmExtID string, m Mutation) (TaskRef, error) {
	etag, err := c.vmETag(ctx, vmExtID, m)
	if err != nil {
		return TaskRef{}, err
	}
	return c.mutate(ctx, request{method: http.MethodDelete, ns: nsVMM, path: pathVMs + "/" + esc(vmExtID), ifMatch: etag}, m)
}

// PowerOnVM powers a VM on (vmm PowerOnVm: POST
// /api/vmm/{v}/ahv/config/vms/{extId}/$actions/power-on, no body,
// If-Match: the VM's ETag; empty m.IfMatch GETs the VM first). The answer
// is a task.
func (c *Client) PowerOnVM(ctx context.Context, vmExtID string, m Mutation) (TaskRef, error) {
	etag, err := c.vmETag(ctx, vmExtID, m)
	if err != nil {
		return TaskRef{}, err
	}
	return c.mutate(ctx, request{method: http.MethodPost, ns: nsVMM, path: pathVMs + "/" + esc(vmExtID) + "/$actions/power-on", ifMatch: etag}, m)
}

// --- volume groups ---

// ListVolumeGroups returns one page of volume groups.
func (c *Client) ListVolumeGroups(ctx context.Context, o ListOptions) (*Page[VolumeGroup], error) {
	return list[VolumeGroup](ctx, c, nsVolumes, pathVolumeGroups, o)
}

// ListAllVolumeGroups returns every volume group matching o.
func (c *Client) ListAllVolumeGroups(ctx context.Context, o ListOptions) ([]VolumeGroup, error) {
	return listAll[VolumeGroup](ctx, c, nsVolumes, pathVolumeGroups, o)
}

// GetVolumeGroup returns a volume group with its ETag.
func (c *Client) GetVolumeGroup(ctx context.Context, extID string) (*VolumeGroup, error) {
	var vg VolumeGroup
	etag, err := c.get(ctx, nsVolumes, pathVolumeGroups+"/"+esc(extID), &vg)
	if err != nil {
		return nil, err
	}
	vg.ETag = etag
	return &vg, nil
}

// ListVolumeGroupDisks returns a volume group's disks.
func (c *Client) ListVolumeGroupDisks(ctx context.Context, extID string) ([]VolumeDisk, error) {
	return listAll[VolumeDisk](ctx, c, nsVolumes, pathVolumeGroups+"/"+esc(extID)+"/disks", ListOptions{})
}

// --- clusters ---

// ListClusters returns one page of clusters; Prism Central lists itself
// too (Cluster.IsPrismCentral).
func (c *Client) ListClusters(ctx context.Context, o ListOptions) (*Page[Cluster], error) {
	return list[Cluster](ctx, c, nsClusterMgmt, pathClusters, o)
}

// ListAllClusters returns every cluster matching o.
func (c *Client) ListAllClusters(ctx context.Context, o ListOptions) ([]Cluster, error) {
	return listAll[Cluster](ctx, c, nsClusterMgmt, pathClusters, o)
}

// VMStats is vmm.v4.ahv.stats.VmStats: a VM's statistics over a window.
type VMStats struct {
	ExtID string         `json:"extId,omitempty"`
	Stats []VMStatsTuple `json:"stats,omitempty"`
}

// VMStatsTuple is one sample of vmm.v4.ahv.stats.VmStatsTuple (the fields
// the analysis reads).
type VMStatsTuple struct {
	Timestamp time.Time `json:"timestamp"`
	// ControllerWriteIoBandwidthKbps is the VM's disk controller write
	// bandwidth in kilobytes per second, averaged over the sample.
	ControllerWriteIoBandwidthKbps *int64 `json:"controllerWriteIoBandwidthKbps,omitempty"`
}

// GetVMWriteStats returns a VM's write bandwidth from start to end, one
// average every interval (GET /api/vmm/v4.0/ahv/stats/vms/{extId} with
// $startTime, $endTime, $samplingInterval, $statType=AVG and $select).
func (c *Client) GetVMWriteStats(ctx context.Context, extID string, start, end time.Time, interval time.Duration) (*VMStats, error) {
	q := url.Values{}
	q.Set("$startTime", start.UTC().Format(time.RFC3339))
	q.Set("$endTime", end.UTC().Format(time.RFC3339))
	q.Set("$samplingInterval", strconv.Itoa(int(interval/time.Second)))
	q.Set("$statType", "AVG")
	q.Set("$select", "stats/controllerWriteIoBandwidthKbps")
	r, err := c.do(ctx, request{method: http.MethodGet, ns: nsVMM, path: pathVMStats + "/" + esc(extID), query: q})
	if err != nil {
		return nil, err
	}
	var out VMStats
	if err := decodeData(r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAllCategories returns every category (GET
// /api/prism/v4.0/config/categories, all pages).
func (c *Client) ListAllCategories(ctx context.Context, o ListOptions) ([]Category, error) {
	return listAll[Category](ctx, c, nsPrism, pathCategories, o)
}

// GetCluster returns a cluster.
func (c *Client) GetCluster(ctx context.Context, extID string) (*Cluster, error) {
	var cl Cluster
	etag, err := c.get(ctx, nsClusterMgmt, pathClusters+"/"+esc(extID), &cl)
	if err != nil {
		return nil, err
	}
	cl.ETag = etag
	return &cl, nil
}

// --- protection policies ---

// ListProtectionPolicies returns one page of protection policies.
func (c *Client) ListProtectionPolicies(ctx context.Context, o ListOptions) (*Page[ProtectionPolicy], error) {
	return list[ProtectionPolicy](ctx, c, nsDataPolicies, pathPolicies, o)
}

// ListAllProtectionPolicies returns every protection policy matching o.
func (c *Client) ListAllProtectionPolicies(ctx context.Context, o ListOptions) ([]ProtectionPolicy, error) {
	return listAll[ProtectionPolicy](ctx, c, nsDataPolicies, pathPolicies, o)
}

// GetProtectionPolicy returns a protection policy with its ETag.
func (c *Client) GetProtectionPolicy(ctx context.Context, extID string) (*ProtectionPolicy, error) {
	var p ProtectionPolicy
	etag, err := c.get(ctx, nsDataPolicies, pathPolicies+"/"+esc(extID), &p)
	if err != nil {
		return nil, err
	}
	p.ETag = etag
	return &p, nil
}

// --- domain managers ---

// ListDomainManagers returns the Prism Central itself (the API lists the
// domain manager serving the request).
func (c *Client) ListDomainManagers(ctx context.Context) ([]DomainManager, error) {
	r, err := c.do(ctx, request{method: http.MethodGet, ns: nsPrism, path: pathDomainManagers})
	if err != nil {
		return nil, err
	}
	return decodeList[DomainManager](r)
}

// GetDomainManager returns a domain manager (Prism Central).
func (c *Client) GetDomainManager(ctx context.Context, extID string) (*DomainManager, error) {
	var d DomainManager
	if _, err := c.get(ctx, nsPrism, pathDomainManagers+"/"+esc(extID), &d); err != nil {
		return nil, err
	}
	return &d, nil
}
