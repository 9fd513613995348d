package ontap

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// ---- list volumes

// ListVolumesArgs filter volumes.
type ListVolumesArgs struct {
	Target string `json:"target,omitempty"`
	Name   string `json:"name,omitempty" jsonschema_description:"Name contains this."`
	SVM    string `json:"svm,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Page   int    `json:"page,omitempty"`
}

// Volume is a volume with its protection summary.
type Volume struct {
	UUID                       string        `json:"uuid"`
	Name                       string        `json:"name"`
	SVM                        string        `json:"svm"`
	Type                       string        `json:"type,omitempty"`
	State                      string        `json:"state,omitempty"`
	SnapshotPolicy             string        `json:"snapshot_policy"`
	SnapshotCount              int           `json:"snapshot_count"`
	NewestSnapshot             string        `json:"newest_snapshot,omitempty"`
	NewestSnapshotTime         string        `json:"newest_snapshot_time,omitempty"`
	NewestSnapshotAge          *kit.Duration `json:"newest_snapshot_age,omitempty"`
	SizeBytes                  int64         `json:"size_bytes"`
	UsedBytes                  int64         `json:"used_bytes"`
	UsedPercent                int64         `json:"used_percent"`
	SnapshotReservePercent     int64         `json:"snapshot_reserve_percent"`
	SnapshotReserveUsedPercent int64         `json:"snapshot_reserve_used_percent"`
	CloneOf                    string        `json:"clone_of,omitempty"`
	SnapMirror                 []Mirror      `json:"snapmirror,omitempty"`
}

// Mirror is a SnapMirror relationship a volume takes part in.
type Mirror struct {
	Role             string        `json:"role"` // source or destination
	RelationshipUUID string        `json:"relationship_uuid"`
	SourcePath       string        `json:"source_path"`
	DestinationPath  string        `json:"destination_path"`
	Target           string        `json:"target"` // the target holding the relationship
	State            string        `json:"state"`
	Healthy          *bool         `json:"healthy,omitempty"`
	Lag              *kit.Duration `json:"lag,omitempty"`
}

// VolumeList is a page of volumes.
type VolumeList struct {
	kit.List[Volume]
	Target string `json:"target"`
}

// Summary leads the text result.
func (l VolumeList) Summary() string {
	noPolicy, noMirror := 0, 0
	for _, v := range l.Items {
		if v.SnapshotPolicy == "" || v.SnapshotPolicy == "none" {
			noPolicy++
		}
		replicated := false
		for _, m := range v.SnapMirror {
			replicated = replicated || m.Role == "source"
		}
		if v.Type != "dp" && !replicated {
			noMirror++
		}
	}
	return fmt.Sprintf("%d of %d volumes on %s (shown: %d without a snapshot policy, %d not replicated by SnapMirror)", l.Returned, l.Total, l.Target, noPolicy, noMirror)
}

func volume(v *ontap.Volume) Volume {
	out := Volume{UUID: v.UUID, Name: v.Name, SVM: v.SVM.Name, Type: v.Type, State: v.State, SizeBytes: v.Size}
	if v.SnapshotPolicy != nil {
		out.SnapshotPolicy = v.SnapshotPolicy.Name
	}
	if v.SnapshotCount != nil {
		out.SnapshotCount = *v.SnapshotCount
	}
	if sp := v.Space; sp != nil {
		out.UsedBytes, out.UsedPercent = sp.Used, sp.PercentUsed
		if sp.Size != 0 {
			out.SizeBytes = sp.Size
		}
		if sp.Snapshot != nil {
			out.SnapshotReservePercent, out.SnapshotReserveUsedPercent = sp.Snapshot.ReservePercent, sp.Snapshot.SpaceUsedPercent
		}
	}
	if cl := v.Clone; cl != nil && cl.IsFlexclone && cl.ParentVolume != nil {
		parent := cl.ParentVolume.Name
		if cl.ParentSVM != nil {
			parent = cl.ParentSVM.Name + ":" + parent
		}
		if cl.ParentSnapshot != nil {
			parent += "@" + cl.ParentSnapshot.Name
		}
		out.CloneOf = parent
	}
	return out
}

func mirror(h heldRel, role string) Mirror {
	return Mirror{Role: role, RelationshipUUID: h.Rel.UUID, SourcePath: h.Rel.Source.Path, DestinationPath: h.Rel.Destination.Path,
		Target: h.Target.Name, State: h.Rel.State, Healthy: h.Rel.Healthy, Lag: isoDuration(h.Rel.LagTime)}
}

func listVolumes() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_volumes", Title: "List ONTAP volumes", Toolset: Toolset, Tier: safety.Read,
		Description: "List volumes with snapshot policy and count, newest snapshot age, space, SnapMirror destination and lag.",
	}, func(ctx context.Context, c *kit.Call, a ListVolumesArgs) (VolumeList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return VolumeList{}, err
		}
		now := c.Env.Clock()
		q := map[string]string{}
		if a.Name != "" {
			q["name"] = contains(a.Name)
		}
		if a.SVM != "" {
			q["svm.name"] = a.SVM
		}
		vols, err := cl.ListVolumes(ctx, &ontap.ListOptions{Query: q})
		if err != nil {
			return VolumeList{}, backendError(err, t.Name, "list volumes")
		}
		sort.Slice(vols, func(i, j int) bool { return volPath(&vols[i]) < volPath(&vols[j]) })
		limit := kit.Limit(a.Limit)
		page := kit.PageOf(vols, a.Page, limit)
		items := make([]Volume, len(page))
		var uuids []string
		for i := range page {
			items[i] = volume(&page[i])
			uuids = append(uuids, page[i].UUID)
		}
		var notes []string
		// The newest snapshot of each volume on the page.
		newest, err := cl.ListSnapshotsForVolumes(ctx, uuids, &ontap.ListOptions{Fields: []string{"uuid", "name", "create_time"}, OrderBy: "create_time desc", Limit: 1})
		if err != nil {
			notes = append(notes, "newest snapshots not all read: "+err.Error())
		}
		for i := range items {
			if s := newest[items[i].UUID]; len(s) > 0 {
				items[i].NewestSnapshot, items[i].NewestSnapshotTime = s[0].Name, kit.Time(s[0].CreateTime)
				items[i].NewestSnapshotAge = age(now, s[0].CreateTime)
			}
		}
		// SnapMirror: relationships are held by their destination cluster,
		// which may be any configured ONTAP target.
		if len(items) > 0 {
			id, err := clusterIdentity(ctx, cl)
			if err != nil {
				notes = append(notes, "cluster identity not read: "+err.Error())
			}
			all, failed := relationshipsOn(ctx, c, c.Env.Targets.OfKind(t.Kind))
			notes = append(notes, failed...)
			byPath := map[string]int{}
			for i := range items {
				byPath[items[i].SVM+":"+items[i].Name] = i
			}
			for _, h := range all {
				if i, ok := byPath[h.Rel.Source.Path]; ok && isSourceOn(h, id, t.Name) {
					items[i].SnapMirror = append(items[i].SnapMirror, mirror(h, "source"))
				}
				if i, ok := byPath[h.Rel.Destination.Path]; ok && h.Target.Name == t.Name {
					items[i].SnapMirror = append(items[i].SnapMirror, mirror(h, "destination"))
				}
			}
		}
		out := VolumeList{List: kit.NewList(items, len(vols), a.Page, limit), Target: t.Name}
		if len(notes) > 0 {
			out.Note = "partial: " + strings.Join(notes, "; ")
		}
		return out, nil
	})
}

// ---- list files

// ListFilesArgs name a directory of a volume or snapshot.
type ListFilesArgs struct {
	Target   string `json:"target,omitempty"`
	Volume   string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM      string `json:"svm,omitempty"`
	Snapshot string `json:"snapshot,omitempty" jsonschema_description:"Default: active file system."`
	Path     string `json:"path,omitempty" jsonschema_description:"Default /."`
	Limit    int    `json:"limit,omitempty"`
}

// File is a directory entry.
type File struct {
	Name         string `json:"name"`
	Path         string `json:"path"`
	Type         string `json:"type"`
	SizeBytes    int64  `json:"size_bytes"`
	ModifiedTime string `json:"modified_time,omitempty"`
	IsSnapshot   bool   `json:"is_snapshot,omitempty"`
}

// FileList is a directory listing.
type FileList struct {
	kit.List[File]
	Target string `json:"target"`
	Volume string `json:"volume"`
	where  string
}

// Summary leads the text result.
func (l FileList) Summary() string {
	return fmt.Sprintf("%d of %d entries of %s on %s", l.Returned, l.Total, l.where, l.Target)
}

func listFiles() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_files", Title: "List ONTAP files", Toolset: Toolset, Tier: safety.Read,
		Description: "List a directory of a volume, now or in a snapshot, to find what to restore.",
	}, func(ctx context.Context, c *kit.Call, a ListFilesArgs) (FileList, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return FileList{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return FileList{}, err
		}
		p := cleanPath(a.Path)
		var recs []ontap.FileInfo
		what := p + " in " + volPath(v)
		if a.Snapshot != "" {
			s, err := resolveSnapshot(ctx, cl, t.Name, v, a.Snapshot)
			if err != nil {
				return FileList{}, err
			}
			what += " snapshot " + s.Name
			recs, err = cl.ListSnapshotFiles(ctx, v.UUID, s.Name, p, nil)
			if err != nil {
				return FileList{}, backendError(err, t.Name, "list "+what)
			}
		} else if recs, err = cl.ListFiles(ctx, v.UUID, p, nil); err != nil {
			return FileList{}, backendError(err, t.Name, "list "+what)
		}
		single := len(recs) == 1 && recs[0].Type != "directory" && recs[0].Name == path.Base(p)
		items := make([]File, 0, len(recs))
		for _, f := range recs {
			full := path.Join(p, f.Name)
			if single {
				full = p
			}
			items = append(items, File{Name: f.Name, Path: full, Type: f.Type, SizeBytes: f.Size, ModifiedTime: kit.Time(f.ModifiedTime), IsSnapshot: f.IsSnapshot})
		}
		limit := kit.Limit(a.Limit)
		out := FileList{List: kit.NewList(kit.PageOf(items, 0, limit), len(items), 0, 0), Target: t.Name, Volume: volPath(v), where: what}
		if len(items) > limit {
			out.Truncated = true
			out.Note = fmt.Sprintf("%d more entries; raise limit or list a subdirectory", len(items)-limit)
		}
		return out, nil
	})
}

// ---- restore volume (SnapRestore)

// RestoreVolumeArgs revert a volume to a snapshot.
type RestoreVolumeArgs struct {
	Target   string `json:"target,omitempty"`
	Volume   string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM      string `json:"svm,omitempty"`
	Snapshot string `json:"snapshot" jsonschema:"required" jsonschema_description:"Snapshot name or uuid."`
	Force    bool   `json:"force,omitempty" jsonschema_description:"Delete SnapMirror-held newer snapshots too."`
}

// RestoreVolumeResult reports a SnapRestore.
type RestoreVolumeResult struct {
	UUID             string   `json:"uuid"`
	Name             string   `json:"name"`
	Target           string   `json:"target"`
	Snapshot         string   `json:"snapshot"`
	DeletedSnapshots []string `json:"deleted_snapshots"`
	Job              *JobInfo `json:"job,omitempty"`
	path, when       string
}

// Summary leads the text result.
func (r RestoreVolumeResult) Summary() string {
	return fmt.Sprintf("restored volume %s on %s to snapshot %s (%s); %d newer snapshots deleted", r.path, r.Target, r.Snapshot, r.when, len(r.DeletedSnapshots))
}

func restoreVolume() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_restore_volume", Title: "SnapRestore an ONTAP volume", Toolset: Toolset, Tier: safety.Destructive,
		Description: "SnapRestore a volume to a snapshot, losing later changes and newer snapshots.",
	}, func(ctx context.Context, c *kit.Call, a RestoreVolumeArgs) (RestoreVolumeResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RestoreVolumeResult{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return RestoreVolumeResult{}, err
		}
		if err := notDP(v, t.Name, "restored"); err != nil {
			return RestoreVolumeResult{}, err
		}
		s, err := resolveSnapshot(ctx, cl, t.Name, v, a.Snapshot)
		if err != nil {
			return RestoreVolumeResult{}, err
		}
		all, err := cl.ListSnapshots(ctx, v.UUID, &ontap.ListOptions{OrderBy: "create_time"})
		if err != nil {
			return RestoreVolumeResult{}, backendError(err, t.Name, "list snapshots of "+volPath(v))
		}
		now := c.Env.Clock()
		var newer []ontap.Snapshot
		for _, x := range all {
			if x.CreateTime.After(s.CreateTime) {
				newer = append(newer, x)
			}
		}
		clones, err := clonesOf(ctx, cl, v)
		if err != nil {
			return RestoreVolumeResult{}, backendError(err, t.Name, "list FlexClones of "+volPath(v))
		}
		// SnapRestore deletes the newer snapshots: find any that cannot go.
		deleted := []string{}
		var mirrored []string
		for _, x := range newer {
			deleted = append(deleted, x.Name+" ("+kit.Time(x.CreateTime)+")")
			if hold := clones[x.Name]; len(hold) > 0 || x.ExpiryTime.After(now) {
				why := "is locked until " + kit.Time(x.ExpiryTime)
				if len(hold) > 0 {
					why = "backs FlexClone " + strings.Join(hold, ", ")
				}
				return RestoreVolumeResult{}, &kit.Error{Kind: kit.KindConflict,
					Msg:  fmt.Sprintf("cannot restore %s on %s to snapshot %s: newer snapshot %s %s, and SnapRestore would have to delete it", volPath(v), t.Name, s.Name, x.Name, why),
					Hint: "Delete or split that FlexClone first, or restore single files (ontap_restore_file) or clone the snapshot (ontap_clone_volume) instead."}
			}
			for _, o := range x.Owners {
				if strings.HasPrefix(o, "snapmirror") {
					mirrored = append(mirrored, x.Name)
				}
			}
		}
		if len(mirrored) > 0 && !a.Force {
			return RestoreVolumeResult{}, &kit.Error{Kind: kit.KindConflict,
				Msg:  fmt.Sprintf("cannot restore %s on %s to snapshot %s without force: newer snapshot %s is a SnapMirror common snapshot; deleting it means the next update needs a new baseline transfer", volPath(v), t.Name, s.Name, strings.Join(mirrored, ", ")),
				Hint: "Call again with force=true to accept that, or restore single files (ontap_restore_file) instead."}
		}
		lost := now.Sub(s.CreateTime)
		preview := map[string]any{
			"volume": volPath(v), "uuid": v.UUID, "target": t.Name,
			"restore_to":        map[string]any{"snapshot": s.Name, "create_time": kit.Time(s.CreateTime), "age": kit.NewDuration(lost)},
			"data_lost":         fmt.Sprintf("every change to %s since %s (%s)", volPath(v), kit.Time(s.CreateTime), kit.Human(lost)),
			"snapshots_deleted": deleted,
		}
		if len(mirrored) > 0 {
			preview["snapmirror"] = "deletes SnapMirror common snapshot " + strings.Join(mirrored, ", ") + ": the next update of its relationship needs a new baseline transfer"
		}
		if err := c.Confirm(ctx, fmt.Sprintf("Restore volume %s on %s to snapshot %s, losing %s of changes and %d newer snapshots", volPath(v), t.Name, s.Name, kit.Human(lost), len(newer)), preview,
			restoreEffect(v, s, newer, mirrored)); err != nil {
			return RestoreVolumeResult{}, err
		}
		res, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.RestoreVolume(ctx, v.UUID, ontap.VolumeRestore{SnapshotUUID: s.UUID, Force: a.Force}, o...)
		})
		if err != nil {
			return RestoreVolumeResult{}, backendError(err, t.Name, "restore "+volPath(v)+" to snapshot "+s.Name)
		}
		names := []string{}
		for _, x := range newer {
			names = append(names, x.Name)
		}
		return RestoreVolumeResult{UUID: v.UUID, Name: v.Name, Target: t.Name, Snapshot: s.Name, DeletedSnapshots: names, Job: jobInfo(res),
			path: volPath(v), when: kit.Time(s.CreateTime)}, nil
	})
}

// notDP refuses to change a SnapMirror destination volume, which is
// read-only until its relationship is broken.
func notDP(v *ontap.Volume, target, verb string) error {
	if v.Type != "dp" {
		return nil
	}
	return &kit.Error{Kind: kit.KindConflict,
		Msg:  fmt.Sprintf("volume %s on %s is a SnapMirror destination (type dp), which cannot be %s", volPath(v), target, verb),
		Hint: "Act on the source volume instead, or break the relationship first (ontap_snapmirror_break). To read its data, clone it (ontap_clone_volume). Nothing was changed."}
}

// ---- restore file

// RestoreFileArgs restore one file from a snapshot.
type RestoreFileArgs struct {
	Target      string `json:"target,omitempty"`
	Volume      string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM         string `json:"svm,omitempty"`
	Snapshot    string `json:"snapshot" jsonschema:"required" jsonschema_description:"Snapshot name or uuid."`
	Path        string `json:"path" jsonschema:"required" jsonschema_description:"From the volume root."`
	RestorePath string `json:"restore_path,omitempty" jsonschema_description:"Default: in place (overwrites)."`
}

// RestoreFileResult reports a single-file restore.
type RestoreFileResult struct {
	UUID        string   `json:"uuid"`
	Name        string   `json:"name"`
	Target      string   `json:"target"`
	Snapshot    string   `json:"snapshot"`
	Path        string   `json:"path"`
	RestorePath string   `json:"restore_path"`
	Overwrote   bool     `json:"overwrote"`
	File        *File    `json:"file,omitempty"`
	Job         *JobInfo `json:"job,omitempty"`
	volume      string
}

// Summary leads the text result.
func (r RestoreFileResult) Summary() string {
	verb := "restored"
	if r.Overwrote {
		verb = "restored (overwriting)"
	}
	return fmt.Sprintf("%s %s from snapshot %s to %s in %s on %s", verb, r.Path, r.Snapshot, r.RestorePath, r.volume, r.Target)
}

func restoreFile() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_restore_file", Title: "Restore an ONTAP file", Toolset: Toolset,
		Tier: safety.Write, MayDestroy: true,
		Description: "Restore a file from a snapshot to a new restore_path, or in place (asks to confirm).",
	}, func(ctx context.Context, c *kit.Call, a RestoreFileArgs) (RestoreFileResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return RestoreFileResult{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return RestoreFileResult{}, err
		}
		if err := notDP(v, t.Name, "written to"); err != nil {
			return RestoreFileResult{}, err
		}
		s, err := resolveSnapshot(ctx, cl, t.Name, v, a.Snapshot)
		if err != nil {
			return RestoreFileResult{}, err
		}
		src := cleanPath(a.Path)
		in := volPath(v) + " snapshot " + s.Name
		f, err := stat(ctx, cl, v.UUID, s.Name, src)
		switch {
		case err != nil:
			return RestoreFileResult{}, backendError(err, t.Name, "read "+src+" in "+in)
		case f == nil:
			return RestoreFileResult{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no file %s in %s on %s", src, in, t.Name),
				Hint: fmt.Sprintf("Browse the snapshot with ontap_list_files volume=%s snapshot=%s.", volPath(v), s.Name)}
		case f.Type == "directory":
			return RestoreFileResult{}, kit.InvalidArgs(fmt.Sprintf("%s in %s is a directory; this tool restores single files (list it with ontap_list_files and restore its files, or clone the snapshot with ontap_clone_volume)", src, in))
		}
		dest := src
		if a.RestorePath != "" {
			dest = cleanPath(a.RestorePath)
		}
		if dest == "/" || strings.HasPrefix(dest, "/.snapshot") {
			return RestoreFileResult{}, kit.InvalidArgs("argument restore_path must name a file outside .snapshot, e.g. " + src + ".restored")
		}
		cur, err := stat(ctx, cl, v.UUID, "", dest)
		if err != nil {
			return RestoreFileResult{}, backendError(err, t.Name, "read "+dest+" in "+volPath(v))
		}
		if cur != nil && cur.Type == "directory" {
			return RestoreFileResult{}, kit.InvalidArgs(fmt.Sprintf("restore_path %s is an existing directory in %s; give the new file's full path, e.g. %s", dest, volPath(v), path.Join(dest, path.Base(src))))
		}
		overwrites := cur != nil
		if dest == src || overwrites {
			current := any("none: the file does not exist now, so nothing is overwritten")
			if cur != nil {
				current = map[string]any{"size_bytes": cur.Size, "modified_time": kit.Time(cur.ModifiedTime)}
			}
			preview := map[string]any{
				"volume": volPath(v), "target": t.Name, "path": src, "restore_path": dest,
				"snapshot":    map[string]any{"name": s.Name, "create_time": kit.Time(s.CreateTime)},
				"from":        map[string]any{"size_bytes": f.Size, "modified_time": kit.Time(f.ModifiedTime)},
				"overwritten": current,
				"alternative": "restore to a new restore_path instead to keep the current file",
			}
			if err := c.Confirm(ctx, fmt.Sprintf("Overwrite %s in %s on %s with %s from snapshot %s", dest, volPath(v), t.Name, src, s.Name), preview,
				map[string]any{"volume": v.UUID, "snapshot": s.UUID, "path": src, "restore_path": dest, "overwritten": current}); err != nil {
				return RestoreFileResult{}, err
			}
		}
		req := ontap.FileRestore{SnapshotUUID: s.UUID, Path: src}
		if dest != src {
			req.RestorePath = dest
		}
		res, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.RestoreFile(ctx, v.UUID, req, o...)
		})
		if err != nil {
			return RestoreFileResult{}, backendError(err, t.Name, "restore "+src+" from "+in)
		}
		out := RestoreFileResult{UUID: v.UUID, Name: v.Name, Target: t.Name, Snapshot: s.Name,
			Path: src, RestorePath: dest, Overwrote: overwrites, Job: jobInfo(res), volume: volPath(v)}
		if nf, err := stat(ctx, cl, v.UUID, "", dest); err == nil && nf != nil {
			out.File = &File{Name: path.Base(dest), Path: dest, Type: nf.Type, SizeBytes: nf.Size, ModifiedTime: kit.Time(nf.ModifiedTime)}
		}
		return out, nil
	})
}

// ---- clone

// CloneVolumeArgs describe a FlexClone.
type CloneVolumeArgs struct {
	Target       string `json:"target,omitempty"`
	Volume       string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	SVM          string `json:"svm,omitempty"`
	Snapshot     string `json:"snapshot" jsonschema:"required" jsonschema_description:"Snapshot name or uuid."`
	CloneName    string `json:"clone_name" jsonschema:"required" jsonschema_description:"New volume name."`
	JunctionPath string `json:"junction_path,omitempty" jsonschema_description:"NAS mount path."`
}

// CloneResult reports a new FlexClone.
type CloneResult struct {
	UUID           string   `json:"uuid"`
	Name           string   `json:"name"`
	Target         string   `json:"target"`
	ParentVolume   string   `json:"parent_volume"`
	ParentSnapshot string   `json:"parent_snapshot"`
	JunctionPath   string   `json:"junction_path,omitempty"`
	Job            *JobInfo `json:"job,omitempty"`
	// Reconciled says how the outcome was established when ONTAP's answer
	// was lost.
	Reconciled string `json:"reconciled,omitempty"`
}

// Summary leads the text result.
func (r CloneResult) Summary() string {
	return fmt.Sprintf("created FlexClone %s on %s from %s snapshot %s (it holds that snapshot until split or deleted)", r.Name, r.Target, r.ParentVolume, r.ParentSnapshot)
}

func cloneVolume() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_clone_volume", Title: "FlexClone an ONTAP snapshot", Toolset: Toolset, Tier: safety.Write,
		Description: "Create a writable FlexClone volume from a snapshot for recovery tests.",
	}, func(ctx context.Context, c *kit.Call, a CloneVolumeArgs) (CloneResult, error) {
		cl, t, err := session(ctx, c, a.Target)
		if err != nil {
			return CloneResult{}, err
		}
		v, err := resolveVolume(ctx, cl, t.Name, a.Volume, a.SVM)
		if err != nil {
			return CloneResult{}, err
		}
		s, err := resolveSnapshot(ctx, cl, t.Name, v, a.Snapshot)
		if err != nil {
			return CloneResult{}, err
		}
		c.Sending(map[string]string{"kind": "ontap_volume", "svm": v.SVM.Name, "name": a.CloneName})
		res, err := runJob(ctx, c, cl, t.Name, func(o ...ontap.CallOption) (*ontap.Result, error) {
			return cl.CloneVolume(ctx, ontap.CloneRequest{Name: a.CloneName, SVMName: v.SVM.Name, ParentVolumeUUID: v.UUID,
				ParentSnapshotUUID: s.UUID, JunctionPath: a.JunctionPath}, o...)
		})
		note := ""
		if err != nil {
			// Volume names are unique per SVM, so the name settles it.
			if note, err = reconcileCreate(ctx, c, cl, err, t.Name, "clone "+volPath(v)+" snapshot "+s.Name+" as "+a.CloneName, "POST /api/storage/volumes", "volume "+v.SVM.Name+":"+a.CloneName,
				func(ctx context.Context) (bool, error) {
					_, err := cl.FindVolume(ctx, v.SVM.Name, a.CloneName)
					return found(err)
				}); err != nil {
				return CloneResult{}, err
			}
			res = &ontap.Result{}
		}
		out := CloneResult{UUID: res.UUID, Name: a.CloneName, Target: t.Name, ParentVolume: volPath(v),
			ParentSnapshot: s.Name, JunctionPath: a.JunctionPath, Job: jobInfo(res), Reconciled: note}
		var nv *ontap.Volume
		if res.UUID != "" {
			nv, err = cl.GetVolume(ctx, res.UUID)
		} else {
			nv, err = resolveVolume(ctx, cl, t.Name, a.CloneName, v.SVM.Name)
		}
		if err == nil {
			out.UUID = nv.UUID
			if nv.NAS != nil && nv.NAS.Path != "" {
				out.JunctionPath = nv.NAS.Path
			}
		}
		return out, nil
	})
}

// restoreEffect fingerprints what a SnapRestore loses: the snapshot it
// restores and every newer snapshot it deletes (a snapshot taken after the
// preview changes it, so an old confirmation no longer applies).
func restoreEffect(v *ontap.Volume, s *ontap.Snapshot, newer []ontap.Snapshot, mirrored []string) map[string]any {
	uuids := make([]string, 0, len(newer))
	for _, x := range newer {
		uuids = append(uuids, x.UUID)
	}
	return map[string]any{"volume": v.UUID, "snapshot": s.UUID, "deleted": uuids, "snapmirror": mirrored}
}
