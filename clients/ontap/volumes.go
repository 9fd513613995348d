package ontap

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Default field lists. They name the expensive fields recovery-mcp needs
// (space.snapshot.*, clone.parent_*), which fields=* would leave out.
const (
	ClusterFields = "name,uuid,version,location,contact,dns_domains,ntp_servers,timezone"
	NodeFields    = "uuid,name,model,serial_number,system_id,location,state,membership,uptime,version,ha"
	SVMFields     = "uuid,name,state,subtype"
	VolumeFields  = "uuid,name,svm,type,style,state,create_time,comment,size,aggregates,nas.path," +
		"snapshot_policy,snapshot_count,snapshot_directory_access_enabled," +
		"space.size,space.available,space.used,space.percent_used,space.afs_total,space.used_by_afs," +
		"space.snapshot_spill,space.size_available_for_snapshots," +
		"space.snapshot.reserve_percent,space.snapshot.used,space.snapshot.reserve_size," +
		"space.snapshot.reserve_available,space.snapshot.space_used_percent," +
		"space.physical_used,space.logical_space.used," +
		"clone.is_flexclone,clone.has_flexclone,clone.parent_volume,clone.parent_snapshot,clone.parent_svm," +
		"snapmirror.is_protected"
	FileFields = "name,path,type,size,bytes_used,modified_time,changed_time,accessed_time,creation_time," +
		"inode_number,owner_id,group_id,unix_permissions,hard_links_count,is_snapshot,is_junction,is_empty,target"
)

// GetCluster reads the cluster (GET /cluster); fields default to
// ClusterFields.
func (c *Client) GetCluster(ctx context.Context, fields ...string) (*Cluster, error) {
	var cl Cluster
	if err := c.getJSON(ctx, "/cluster", fieldsQuery(fields, ClusterFields), &cl); err != nil {
		return nil, err
	}
	return &cl, nil
}

// ListNodes lists the cluster's nodes.
func (c *Client) ListNodes(ctx context.Context, opts *ListOptions) ([]Node, error) {
	return listAll[Node](ctx, c, "/cluster/nodes", opts.query(NodeFields), opts.limit())
}

// ListSVMs lists the storage VMs.
func (c *Client) ListSVMs(ctx context.Context, opts *ListOptions) ([]SVM, error) {
	return listAll[SVM](ctx, c, "/svm/svms", opts.query(SVMFields), opts.limit())
}

func fieldsQuery(fields []string, def string) url.Values {
	f := def
	if len(fields) > 0 {
		f = strings.Join(fields, ",")
	}
	return url.Values{"fields": {f}}
}

// ListVolumes lists volumes (all pages); fields default to VolumeFields.
func (c *Client) ListVolumes(ctx context.Context, opts *ListOptions) ([]Volume, error) {
	return listAll[Volume](ctx, c, "/storage/volumes", opts.query(VolumeFields), opts.limit())
}

// GetVolume reads one volume; fields default to VolumeFields.
func (c *Client) GetVolume(ctx context.Context, uuid string, fields ...string) (*Volume, error) {
	var v Volume
	if err := c.getJSON(ctx, "/storage/volumes/"+url.PathEscape(uuid), fieldsQuery(fields, VolumeFields), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// FindVolume looks a volume up by name, in one SVM (svm != "") or in all.
// No match wraps ErrNotFound; several matches (same name in several SVMs)
// is an error naming them.
func (c *Client) FindVolume(ctx context.Context, svm, name string, fields ...string) (*Volume, error) {
	q := fieldsQuery(fields, VolumeFields)
	q.Set("name", name)
	if svm != "" {
		q.Set("svm.name", svm)
	}
	vols, err := listAll[Volume](ctx, c, "/storage/volumes", q, 0)
	if err != nil {
		return nil, err
	}
	// The name filter is a pattern on ONTAP (* and |); keep exact matches.
	var hits []Volume
	for _, v := range vols {
		if v.Name == name {
			hits = append(hits, v)
		}
	}
	switch len(hits) {
	case 0:
		where := ""
		if svm != "" {
			where = " in SVM " + svm
		}
		return nil, fmt.Errorf("volume %q%s: %w", name, where, ErrNotFound)
	case 1:
		return &hits[0], nil
	}
	var cands []string
	for _, v := range hits {
		cands = append(cands, v.SVM.Name+":"+v.Name)
	}
	return nil, fmt.Errorf("ontap: volume name %q is ambiguous: %s", name, strings.Join(cands, ", "))
}

// SetVolumeSnapshotPolicy assigns a snapshot policy ("none" removes
// automatic snapshots). PATCH to an absolute value: retried safely.
func (c *Client) SetVolumeSnapshotPolicy(ctx context.Context, volumeUUID, policy string, opts ...CallOption) (*Result, error) {
	body := map[string]any{"snapshot_policy": map[string]any{"name": policy}}
	return c.mutate(ctx, http.MethodPatch, "/storage/volumes/"+url.PathEscape(volumeUUID), nil, body, retrySafe, opts)
}

// VolumeRestore is a SnapRestore of a whole volume.
type VolumeRestore struct {
	// SnapshotName or SnapshotUUID names the snapshot to go back to.
	SnapshotName string
	SnapshotUUID string
	// Force restores even when newer snapshots are locked or owned
	// (restore_to.snapshot.force).
	Force          bool
	PreserveLUNIDs bool
}

// RestoreVolume reverts a volume to a snapshot (SnapRestore): the active
// file system becomes the snapshot's and newer snapshots are deleted. It is
// PATCH /storage/volumes/{uuid} with restore_to.* as query parameters (the
// encoding of ONTAP's API definition). Destructive; not retried after an
// ambiguous failure.
func (c *Client) RestoreVolume(ctx context.Context, volumeUUID string, r VolumeRestore, opts ...CallOption) (*Result, error) {
	q := url.Values{}
	switch {
	case r.SnapshotUUID != "":
		q.Set("restore_to.snapshot.uuid", r.SnapshotUUID)
	case r.SnapshotName != "":
		q.Set("restore_to.snapshot.name", r.SnapshotName)
	default:
		return nil, fmt.Errorf("ontap: RestoreVolume needs a snapshot name or UUID")
	}
	if r.Force {
		q.Set("restore_to.snapshot.force", "true")
	}
	if r.PreserveLUNIDs {
		q.Set("preserve_lun_ids", "true")
	}
	return c.mutate(ctx, http.MethodPatch, "/storage/volumes/"+url.PathEscape(volumeUUID), q, nil, retryUnsafe, opts)
}

// FileRestore is a single-file (or byte-range) restore from a snapshot.
type FileRestore struct {
	SnapshotName string
	SnapshotUUID string
	// Path is the file in the snapshot, from the volume root ("/dir/a.txt").
	Path string
	// RestorePath is where it goes in the volume; "" restores in place.
	RestorePath string
	// StartByte and ByteCount (multiples of 4096) restore a range in place.
	StartByte *int64
	ByteCount *int64
}

// RestoreFile restores one file (or a byte range of it) from a snapshot:
// PATCH /storage/volumes/{uuid} with restore_to.snapshot and
// restore_to.path (+ restore_path, start_byte, byte_count) as query
// parameters. Overwrites the destination; not retried after an ambiguous
// failure.
func (c *Client) RestoreFile(ctx context.Context, volumeUUID string, r FileRestore, opts ...CallOption) (*Result, error) {
	if r.Path == "" {
		return nil, fmt.Errorf("ontap: RestoreFile needs the file's path")
	}
	q := url.Values{}
	switch {
	case r.SnapshotUUID != "":
		q.Set("restore_to.snapshot.uuid", r.SnapshotUUID)
	case r.SnapshotName != "":
		q.Set("restore_to.snapshot.name", r.SnapshotName)
	default:
		return nil, fmt.Errorf("ontap: RestoreFile needs a snapshot name or UUID")
	}
	q.Set("restore_to.path", r.Path)
	if r.RestorePath != "" {
		q.Set("restore_to.restore_path", r.RestorePath)
	}
	if (r.StartByte == nil) != (r.ByteCount == nil) {
		return nil, fmt.Errorf("ontap: RestoreFile needs both StartByte and ByteCount, or neither")
	}
	if r.ByteCount != nil {
		if *r.StartByte%4096 != 0 || *r.ByteCount%4096 != 0 || *r.ByteCount <= 0 {
			return nil, fmt.Errorf("ontap: StartByte and ByteCount must be multiples of 4096")
		}
		q.Set("restore_to.start_byte", strconv.FormatInt(*r.StartByte, 10))
		q.Set("restore_to.byte_count", strconv.FormatInt(*r.ByteCount, 10))
	}
	return c.mutate(ctx, http.MethodPatch, "/storage/volumes/"+url.PathEscape(volumeUUID), q, nil, retryUnsafe, opts)
}

// CloneRequest creates a FlexClone from a snapshot.
type CloneRequest struct {
	Name    string
	SVMName string
	// ParentVolumeName (in ParentSVMName, default SVMName) or
	// ParentVolumeUUID names the parent volume.
	ParentVolumeName string
	ParentVolumeUUID string
	ParentSVMName    string
	// ParentSnapshotName or ParentSnapshotUUID names the snapshot.
	ParentSnapshotName string
	ParentSnapshotUUID string
	// JunctionPath mounts the clone in the SVM namespace ("" for none).
	JunctionPath string
}

// CloneVolume creates a FlexClone volume from a snapshot (POST
// /storage/volumes with clone.*). Result.UUID is the new volume's UUID.
// Creates something: never retried after an ambiguous failure.
func (c *Client) CloneVolume(ctx context.Context, r CloneRequest, opts ...CallOption) (*Result, error) {
	if r.Name == "" || r.SVMName == "" {
		return nil, fmt.Errorf("ontap: CloneVolume needs a name and an SVM")
	}
	clone := map[string]any{"is_flexclone": true}
	switch {
	case r.ParentVolumeUUID != "":
		clone["parent_volume"] = map[string]any{"uuid": r.ParentVolumeUUID}
	case r.ParentVolumeName != "":
		clone["parent_volume"] = map[string]any{"name": r.ParentVolumeName}
	default:
		return nil, fmt.Errorf("ontap: CloneVolume needs the parent volume")
	}
	if r.ParentSVMName != "" {
		clone["parent_svm"] = map[string]any{"name": r.ParentSVMName}
	}
	switch {
	case r.ParentSnapshotUUID != "":
		clone["parent_snapshot"] = map[string]any{"uuid": r.ParentSnapshotUUID}
	case r.ParentSnapshotName != "":
		clone["parent_snapshot"] = map[string]any{"name": r.ParentSnapshotName}
	default:
		return nil, fmt.Errorf("ontap: CloneVolume needs the parent snapshot")
	}
	body := map[string]any{"name": r.Name, "svm": map[string]any{"name": r.SVMName}, "clone": clone}
	if r.JunctionPath != "" {
		body["nas"] = map[string]any{"path": r.JunctionPath}
	}
	return c.mutate(ctx, http.MethodPost, "/storage/volumes", nil, body, retryUnsafe, opts)
}

// DeleteVolume deletes a volume (a drill's FlexClone, say). Destructive.
// Deleting by UUID is idempotent, so it is retried; a retry that finds the
// volume gone counts as done.
func (c *Client) DeleteVolume(ctx context.Context, uuid string, opts ...CallOption) (*Result, error) {
	return c.mutate(ctx, http.MethodDelete, "/storage/volumes/"+url.PathEscape(uuid), nil, nil, retrySafe, opts)
}

// filePath escapes a volume path for the files API: "/" and "." as %2F
// and %2E, as ONTAP requires.
func filePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return "%2F"
	}
	return strings.ReplaceAll(url.PathEscape(p), ".", "%2E")
}

// ListFiles lists a directory of a volume (GET
// /storage/volumes/{uuid}/files/{path}), without the "." and ".." entries;
// path "" or "/" is the root. For a file, it returns that file's record.
// Fields default to FileFields.
func (c *Client) ListFiles(ctx context.Context, volumeUUID, path string, opts *ListOptions) ([]FileInfo, error) {
	recs, err := listAll[FileInfo](ctx, c, "/storage/volumes/"+url.PathEscape(volumeUUID)+"/files/"+filePath(path), opts.query(FileFields), 0)
	if err != nil {
		return nil, err
	}
	out := recs[:0]
	for _, f := range recs {
		if f.Name != "." && f.Name != ".." {
			out = append(out, f)
		}
	}
	if l := opts.limit(); l > 0 && len(out) > l {
		out = out[:l]
	}
	return out, nil
}

// ListSnapshotDirectories lists the snapshots of a volume as the
// directories of its .snapshot directory.
func (c *Client) ListSnapshotDirectories(ctx context.Context, volumeUUID string, opts *ListOptions) ([]FileInfo, error) {
	return c.ListFiles(ctx, volumeUUID, ".snapshot", opts)
}

// ListSnapshotFiles lists a directory inside a snapshot, through the
// volume's .snapshot directory (".snapshot/<snapshot>/<path>").
func (c *Client) ListSnapshotFiles(ctx context.Context, volumeUUID, snapshot, path string, opts *ListOptions) ([]FileInfo, error) {
	if snapshot == "" || strings.Contains(snapshot, "/") {
		return nil, fmt.Errorf("ontap: invalid snapshot name %q", snapshot)
	}
	return c.ListFiles(ctx, volumeUUID, ".snapshot/"+snapshot+"/"+strings.Trim(path, "/"), opts)
}
