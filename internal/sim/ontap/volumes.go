package ontap

import (
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

var volumeListExtra = map[string]bool{"is_constituent": true}

func (rq *request) listVolumes(uuid string) *apiError {
	if uuid != "" {
		v := rq.c.Volume(uuid)
		if v == nil {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindVolume, rq.s.renderVolume(rq.c, v))
		return nil
	}
	recs := make([]obj, 0, len(rq.c.Volumes))
	for _, v := range rq.c.Volumes {
		recs = append(recs, rq.s.renderVolume(rq.c, v))
	}
	return rq.writeCollection(kindVolume, recs, volumeListExtra)
}

// Fields ONTAP accepts on volume POST and PATCH that the simulator takes
// and ignores (they do not change what it models).
var volumeIgnored = []string{
	"aggregates", "aggregates.", "guarantee.", "nas.security_style", "nas.export_policy.", "nas.unix_permissions",
	"nas.uid", "nas.gid", "qos.", "efficiency.", "tiering.", "encryption.", "_tags", "language", "style",
	"autosize.", "space.snapshot.autodelete.", "space.snapshot.autodelete_enabled", "snapshot_locking_enabled",
	"constituents_per_aggregate", "clone.match_parent_storage_tier",
}

// createVolume serves POST /storage/volumes: a FlexClone when clone.* is
// given, a new empty volume otherwise.
func (rq *request) createVolume() *apiError {
	allowed := append([]string{"name", "svm.", "size", "type", "comment", "nas.path", "snapshot_policy.",
		"space.snapshot.reserve_percent", "clone.", "state", "snapshot_directory_access_enabled"}, volumeIgnored...)
	if e := rq.checkBody(allowed...); e != nil {
		return e
	}
	name := rq.str("name")
	if name == "" {
		return apiErr("2", "name", "Field \"name\" is required.")
	}
	svm := rq.str("svm.name")
	if u := rq.str("svm.uuid"); u != "" {
		svm = ""
		for _, s := range rq.c.SVMs {
			if s.UUID == u {
				svm = s.Name
			}
		}
		if svm == "" {
			return notFound("svm.uuid", "SVM \"%s\" does not exist.", u)
		}
	}
	if svm == "" {
		return apiErr("2", "svm", "Field \"svm.name\" or \"svm.uuid\" is required.")
	}
	if rq.c.SVM(svm) == nil {
		return notFound("svm.name", "SVM \"%s\" does not exist.", svm)
	}
	if rq.c.VolumeByName(svm, name) != nil {
		return apiErr("1", "name", "Duplicate volume name %s.", name)
	}
	args := map[string]string{"name": name, "svm": svm, "junction": rq.str("nas.path"), "comment": rq.str("comment")}
	if p := rq.str("snapshot_policy.name"); p != "" {
		if rq.c.SnapshotPolicy(p) == nil {
			return notFound("snapshot_policy.name", "Snapshot policy \"%s\" does not exist.", p)
		}
		args["snapshot_policy"] = p
	}
	isClone := false
	for k := range rq.body {
		if strings.HasPrefix(k, "clone.parent_") {
			isClone = true
		}
	}
	if b, e := rq.boolParam("clone.is_flexclone"); e != nil {
		return e
	} else if b {
		isClone = true
	}
	uuid := rq.c.NewUUID()
	args["uuid"] = uuid
	op := "volume.create"
	if isClone {
		op = "volume.clone"
		var parent *fleet.OntapVolume
		if u := rq.str("clone.parent_volume.uuid"); u != "" {
			parent = rq.c.Volume(u)
		} else if n := rq.str("clone.parent_volume.name"); n != "" {
			psvm := rq.str("clone.parent_svm.name")
			if psvm == "" {
				psvm = svm
			}
			parent = rq.c.VolumeByName(psvm, n)
		} else {
			return apiErr("2", "clone.parent_volume", "Field \"clone.parent_volume.name\" or \"clone.parent_volume.uuid\" is required for a FlexClone.")
		}
		if parent == nil {
			return notFound("clone.parent_volume", "Parent volume does not exist.")
		}
		var sn *fleet.OntapSnapshot
		if u := rq.str("clone.parent_snapshot.uuid"); u != "" {
			sn = parent.SnapshotByUUID(u)
		} else if n := rq.str("clone.parent_snapshot.name"); n != "" {
			sn = parent.Snapshot(n)
		} else {
			return apiErr("2", "clone.parent_snapshot", "Field \"clone.parent_snapshot.name\" or \"clone.parent_snapshot.uuid\" is required (the simulator clones from snapshots only).")
		}
		if sn == nil {
			return notFound("clone.parent_snapshot", "Snapshot does not exist in volume \"%s\".", parent.Name)
		}
		args["parent"], args["snapshot"] = parent.UUID, sn.Name
	} else {
		size, ok, e := rq.intParam("size")
		if e != nil {
			return e
		}
		if !ok {
			size = 20 << 20
		}
		if size < 20<<20 {
			return apiErr("2", "size", "The minimum size for a FlexVol volume is 20MB.")
		}
		args["size"] = strconv.FormatInt(size, 10)
		if args["snapshot_policy"] == "" {
			args["snapshot_policy"] = "default"
		}
		if t := rq.str("type"); t != "" {
			if t != "rw" && t != "dp" {
				return apiErr("2", "type", "The value \"%s\" is invalid for field \"type\".", t)
			}
			args["type"] = t
		}
		if r, ok, e := rq.intParam("space.snapshot.reserve_percent"); e != nil {
			return e
		} else if ok {
			args["reserve_percent"] = strconv.FormatInt(r, 10)
		}
		aggr, e := rq.aggregateFor(size)
		if e != nil {
			return e
		}
		if aggr != nil {
			args["aggregate"] = aggr.Name
		}
	}
	job := rq.newJob(op, args, svm)
	rec := obj{"uuid": uuid, "name": name, "_links": selfLink("/api/storage/volumes/" + uuid)}
	return rq.respondJob(job, rec, "/api/storage/volumes/"+uuid)
}

// restoreKeys are the SnapRestore and single-file restore parameters, taken
// from the query string or the body in any of the three encodings.
var restoreKeys = []string{
	"restore_to.snapshot.name", "restore_to.snapshot.uuid", "restore_to.snapshot.force",
	"restore_to.path", "restore_to.restore_path", "restore_to.start_byte", "restore_to.byte_count",
	"restore_to.files", "preserve_lun_ids",
}

// patchVolume serves PATCH /storage/volumes/{uuid}: SnapRestore, single-file
// restore, or a modification.
func (rq *request) patchVolume(uuid string) *apiError {
	v := rq.c.Volume(uuid)
	if v == nil {
		return notFound("uuid", "entry doesn't exist")
	}
	restoring := false
	for _, k := range restoreKeys {
		if _, ok := rq.param(k); ok && strings.HasPrefix(k, "restore_to.snapshot") {
			restoring = true
		}
	}
	if restoring {
		return rq.restoreVolume(v)
	}
	allowed := append([]string{"snapshot_policy.", "comment", "name", "size", "state", "space.snapshot.reserve_percent",
		"snapshot_directory_access_enabled", "clone.split_initiated", "space.size", "nas.path"}, volumeIgnored...)
	if e := rq.checkBody(allowed...); e != nil {
		return e
	}
	if len(rq.body) == 0 {
		return apiErr("2", "", "No fields to modify.")
	}
	args := map[string]string{"volume": v.UUID}
	if p := rq.str("snapshot_policy.name"); p != "" {
		if rq.c.SnapshotPolicy(p) == nil {
			return notFound("snapshot_policy.name", "Snapshot policy \"%s\" does not exist.", p)
		}
		args["snapshot_policy"] = p
	} else if u := rq.str("snapshot_policy.uuid"); u != "" {
		found := ""
		for _, p := range rq.c.SnapshotPolicies {
			if p.UUID == u {
				found = p.Name
			}
		}
		if found == "" {
			return notFound("snapshot_policy.uuid", "Snapshot policy \"%s\" does not exist.", u)
		}
		args["snapshot_policy"] = found
	}
	if _, ok := rq.body["comment"]; ok {
		args["comment"] = rq.str("comment")
	}
	if n := rq.str("name"); n != "" && n != v.Name {
		if rq.c.VolumeByName(v.SVM, n) != nil {
			return apiErr("1", "name", "Duplicate volume name %s.", n)
		}
		args["name"] = n
	}
	if st := rq.str("state"); st != "" {
		if st != "online" && st != "offline" && st != "restricted" {
			return apiErr("2", "state", "The value \"%s\" is invalid for field \"state\".", st)
		}
		args["state"] = st
	}
	for _, f := range []string{"size", "space.size"} {
		if n, ok, e := rq.intParam(f); e != nil {
			return e
		} else if ok {
			args["size"] = strconv.FormatInt(n, 10)
		}
	}
	if n, ok, e := rq.intParam("space.snapshot.reserve_percent"); e != nil {
		return e
	} else if ok {
		if n < 0 || n > 90 {
			return apiErr("2", "space.snapshot.reserve_percent", "The value \"%d\" is invalid for field \"space.snapshot.reserve_percent\" (0-90).", n)
		}
		args["reserve_percent"] = strconv.FormatInt(n, 10)
	}
	if _, ok := rq.body["snapshot_directory_access_enabled"]; ok {
		b, e := rq.boolParam("snapshot_directory_access_enabled")
		if e != nil {
			return e
		}
		args["snapshot_directory_access_enabled"] = strconv.FormatBool(b)
	}
	if b, e := rq.boolParam("clone.split_initiated"); e != nil {
		return e
	} else if b {
		if v.CloneParentVolume == "" {
			return apiErr("2", "clone.split_initiated", "Volume \"%s\" is not a FlexClone volume.", v.Name)
		}
		args["split"] = "true"
	}
	job := rq.newJob("volume.modify", args, v.SVM)
	return rq.respondJob(job, nil, "")
}

func (rq *request) restoreVolume(v *fleet.OntapVolume) *apiError {
	allowed := append([]string{}, restoreKeys...)
	allowed = append(allowed, "restore_to.files")
	if e := rq.checkBody(allowed...); e != nil {
		return e
	}
	var sn *fleet.OntapSnapshot
	if u := rq.str("restore_to.snapshot.uuid"); u != "" {
		if sn = v.SnapshotByUUID(u); sn == nil {
			return notFound("restore_to.snapshot.uuid", "Snapshot \"%s\" does not exist in volume \"%s\".", u, v.Name)
		}
	} else {
		n := rq.str("restore_to.snapshot.name")
		if sn = v.Snapshot(n); sn == nil {
			return notFound("restore_to.snapshot.name", "Snapshot copy \"%s\" does not exist in volume \"%s\".", n, v.Name)
		}
	}
	if v.State != "online" {
		return apiErr("3", "", "Volume \"%s\" is not online.", v.Name)
	}
	args := map[string]string{"volume": v.UUID, "snapshot": sn.Name}
	filePath := rq.str("restore_to.path")
	restorePath := rq.str("restore_to.restore_path")
	// restore_to.files: [{"path":..., "restore_path":...}] (one entry).
	if l, ok := rq.body["restore_to.files"].([]any); ok && len(l) > 0 {
		if len(l) > 1 {
			return apiErr("3", "restore_to.files", "The simulator restores one file per request.")
		}
		if m, ok := l[0].(map[string]any); ok {
			filePath, _ = m["path"].(string)
			if rp, ok := m["restore_path"].(string); ok {
				restorePath = rp
			}
		}
	}
	if filePath == "" {
		if v.Type == "dp" {
			return apiErr("3", "restore_to.snapshot.name", "Cannot restore a data protection volume; break the SnapMirror relationship first.")
		}
		force, e := rq.boolParam("restore_to.snapshot.force")
		if e != nil {
			return e
		}
		args["force"] = strconv.FormatBool(force)
		job := rq.newJob("volume.restore", args, v.SVM)
		return rq.respondJob(job, nil, "")
	}
	filePath = "/" + strings.Trim(filePath, "/")
	f := sn.Files.Lookup(filePath)
	if f == nil {
		return notFound("restore_to.path", "File \"%s\" does not exist in snapshot \"%s\".", filePath, sn.Name)
	}
	if f.Type == "directory" {
		return apiErr("3", "restore_to.path", "\"%s\" is a directory; use directory restore.", filePath)
	}
	args["path"] = filePath
	if restorePath != "" {
		args["restore_path"] = "/" + strings.Trim(restorePath, "/")
	}
	start, hasStart, e := rq.intParam("restore_to.start_byte")
	if e != nil {
		return e
	}
	count, hasCount, e := rq.intParam("restore_to.byte_count")
	if e != nil {
		return e
	}
	if hasStart != hasCount {
		return apiErr("2", "restore_to.byte_count", "Fields \"restore_to.start_byte\" and \"restore_to.byte_count\" must be given together.")
	}
	if hasCount {
		if start%4096 != 0 || count%4096 != 0 || count <= 0 {
			return apiErr("2", "restore_to.byte_count", "\"restore_to.start_byte\" and \"restore_to.byte_count\" must be multiples of 4096.")
		}
		if restorePath != "" {
			return apiErr("2", "restore_to.restore_path", "A partial-file restore is done in place; \"restore_to.restore_path\" is not allowed.")
		}
		args["start_byte"] = strconv.FormatInt(start, 10)
		args["byte_count"] = strconv.FormatInt(count, 10)
	}
	job := rq.newJob("file.restore", args, v.SVM)
	return rq.respondJob(job, nil, "")
}

func (rq *request) deleteVolume(uuid string) *apiError {
	v := rq.c.Volume(uuid)
	if v == nil {
		return notFound("uuid", "entry doesn't exist")
	}
	if len(clonesOf(rq.c, v)) > 0 {
		return apiErr("8", "", "Volume \"%s\" in Vserver \"%s\" has FlexClone volumes and cannot be deleted.", v.Name, v.SVM)
	}
	for _, oc := range rq.s.clusters() {
		for _, r := range oc.Relationships {
			if (oc == rq.c && r.DestinationPath == v.Path()) || (r.SourceCluster == rq.c.Name && r.SourcePath == v.Path()) {
				return apiErr("8", "", "Volume \"%s\" is in a SnapMirror relationship; delete the relationship first.", v.Name)
			}
		}
	}
	job := rq.newJob("volume.delete", map[string]string{"volume": v.UUID}, v.SVM)
	return rq.respondJob(job, nil, "")
}

// Snapshots.

// kindSnapshotBulk is a snapshot in the bulk collection
// (/storage/volumes/*/snapshots), whose records also name their volume.
var kindSnapshotBulk = &kind{model: "Snapshot", keys: []string{"uuid", "name", "volume.name", "volume.uuid"}, primary: "uuid",
	expensive: kindSnapshot.expensive}

func (rq *request) listSnapshots(volUUID, snapUUID string) *apiError {
	if volUUID == "*" && snapUUID == "" {
		return rq.listAllSnapshots()
	}
	v := rq.c.Volume(volUUID)
	if v == nil {
		return notFound("volume.uuid", "entry doesn't exist")
	}
	if snapUUID != "" {
		sn := v.SnapshotByUUID(snapUUID)
		if sn == nil {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindSnapshot, rq.s.renderSnapshot(rq.c, v, sn))
		return nil
	}
	recs := make([]obj, 0, len(v.Snapshots))
	ix := rq.s.ownersIndex(rq.c)
	for _, sn := range v.Snapshots {
		recs = append(recs, rq.s.renderSnapshotWith(rq.c, v, sn, ix))
	}
	return rq.writeCollection(kindSnapshot, recs, nil)
}

// listAllSnapshots serves the bulk GET /storage/volumes/*/snapshots
// (ONTAP 9.x "bulk snapshot APIs"): the snapshots of every volume, in
// volume order, filtered like any collection. A volume.uuid filter that
// lists exact UUIDs only reads those volumes.
func (rq *request) listAllSnapshots() *apiError {
	vols := rq.c.Volumes
	if f := rq.q.Get("volume.uuid"); f != "" && !strings.ContainsAny(f, "*!<>") {
		vols = nil
		for _, u := range strings.Split(f, "|") {
			if v := rq.c.Volume(strings.TrimSpace(u)); v != nil {
				vols = append(vols, v)
			}
		}
	}
	// Filters on these cheap fields are applied before rendering (the same
	// filters run again on the rendered records): a bulk read of recent
	// snapshots then renders only those.
	var pre []filter
	for _, f := range parseFilters(rq.q, nil) {
		switch strings.Join(f.path, ".") {
		case "uuid", "name", "create_time", "volume.name", "volume.uuid", "svm.name":
			pre = append(pre, f)
		}
	}
	var recs []obj
	ix := rq.s.ownersIndex(rq.c)
	for _, v := range vols {
		for _, sn := range v.Snapshots {
			if len(pre) > 0 && !matchAll(obj{"uuid": sn.UUID, "name": sn.Name, "create_time": ts(sn.CreateTime),
				"volume": obj{"name": v.Name, "uuid": v.UUID}, "svm": obj{"name": v.SVM}}, pre) {
				continue
			}
			recs = append(recs, rq.s.renderSnapshotWith(rq.c, v, sn, ix))
		}
	}
	return rq.writeCollection(kindSnapshotBulk, recs, nil)
}

func (rq *request) createSnapshot(volUUID string) *apiError {
	v := rq.c.Volume(volUUID)
	if v == nil {
		return notFound("volume.uuid", "entry doesn't exist")
	}
	if e := rq.checkBody("name", "comment", "expiry_time", "snapmirror_label", "snaplock_expiry_time", "snaplock.expiry_time", "volume.", "svm."); e != nil {
		return e
	}
	name := rq.str("name")
	if name == "" {
		return apiErr("2", "name", "Field \"name\" is required.")
	}
	if len(name) > 255 || strings.ContainsAny(name, "/ ") {
		return apiErr("2", "name", "The value \"%s\" is invalid for field \"name\".", name)
	}
	if v.Snapshot(name) != nil {
		return apiErr("1", "name", "Snapshot copy \"%s\" already exists in volume \"%s\".", name, v.Name)
	}
	if v.Type == "dp" {
		return apiErr("3", "", "Cannot create a snapshot of volume \"%s\": it is a data protection volume.", v.Name)
	}
	if len(v.Snapshots) >= 1023 {
		return apiErr("3", "", "Volume \"%s\" already has the maximum number of snapshots (1023).", v.Name)
	}
	args := map[string]string{"volume": v.UUID, "name": name, "comment": rq.str("comment")}
	if l := rq.str("snapmirror_label"); l != "" {
		if !labelRE.MatchString(l) {
			return apiErr("2", "snapmirror_label", "The value \"%s\" is invalid for field \"snapmirror_label\".", l)
		}
		args["snapmirror_label"] = l
	}
	if x, ok := rq.body["expiry_time"]; ok && x != nil {
		t, e := parseTimeParam(x, "expiry_time")
		if e != nil {
			return e
		}
		args["expiry_time"] = t.Format(time.RFC3339)
	}
	uuid := rq.c.NewUUID()
	args["uuid"] = uuid
	job := rq.newJob("snapshot.create", args, v.SVM)
	href := "/api/storage/volumes/" + v.UUID + "/snapshots/" + uuid
	return rq.respondJob(job, obj{"uuid": uuid, "name": name, "_links": selfLink(href)}, href)
}

func (rq *request) patchSnapshot(volUUID, snapUUID string) *apiError {
	v := rq.c.Volume(volUUID)
	if v == nil {
		return notFound("volume.uuid", "entry doesn't exist")
	}
	sn := v.SnapshotByUUID(snapUUID)
	if sn == nil {
		return notFound("uuid", "entry doesn't exist")
	}
	if e := rq.checkBody("name", "comment", "expiry_time", "snapmirror_label"); e != nil {
		return e
	}
	if len(rq.body) == 0 {
		return apiErr("2", "", "No fields to modify.")
	}
	args := map[string]string{"volume": v.UUID, "snapshot": sn.UUID}
	if n, ok := rq.body["name"]; ok {
		s, _ := n.(string)
		if s == "" {
			return apiErr("2", "name", "The value for field \"name\" is invalid.")
		}
		if s != sn.Name && v.Snapshot(s) != nil {
			return apiErr("1", "name", "Snapshot copy \"%s\" already exists in volume \"%s\".", s, v.Name)
		}
		args["name"] = s
	}
	if _, ok := rq.body["comment"]; ok {
		args["comment"] = rq.str("comment")
	}
	if _, ok := rq.body["snapmirror_label"]; ok {
		l := rq.str("snapmirror_label")
		if l != "" && !labelRE.MatchString(l) {
			return apiErr("2", "snapmirror_label", "The value \"%s\" is invalid for field \"snapmirror_label\".", l)
		}
		args["snapmirror_label"] = l
	}
	if x, ok := rq.body["expiry_time"]; ok {
		if x == nil || x == "" {
			args["expiry_time"] = ""
		} else {
			t, e := parseTimeParam(x, "expiry_time")
			if e != nil {
				return e
			}
			args["expiry_time"] = t.Format(time.RFC3339)
		}
	}
	job := rq.newJob("snapshot.modify", args, v.SVM)
	return rq.respondJob(job, nil, "")
}

// deleteSnapshot starts a delete job; a snapshot that has not expired, or
// that a FlexClone or SnapMirror holds, makes the job fail with 1638555.
func (rq *request) deleteSnapshot(volUUID, snapUUID string) *apiError {
	v := rq.c.Volume(volUUID)
	if v == nil {
		return notFound("volume.uuid", "entry doesn't exist")
	}
	sn := v.SnapshotByUUID(snapUUID)
	if sn == nil {
		return notFound("uuid", "entry doesn't exist")
	}
	job := rq.newJob("snapshot.delete", map[string]string{"volume": v.UUID, "snapshot": sn.UUID}, v.SVM)
	return rq.respondJob(job, nil, "")
}

// Files.

// fileHref is the files API address of a path, with "/" and "." escaped as
// %2F and %2E (as the ONTAP docs require).
func fileHref(volUUID, p string) string {
	e := strings.ReplaceAll(url.PathEscape(p), ".", "%2E")
	return "/api/storage/volumes/" + volUUID + "/files/" + e
}

// files serves GET /storage/volumes/{uuid}/files/{path}. A directory is
// listed with "." and ".."; every record's path is the directory listed and
// its name the entry (as in the ONTAP docs), and directories carry a self
// link. A file, or any path with return_metadata=true, gives the one record
// of that path. ".snapshot" at the root lists the snapshots as directories
// (is_snapshot=true); ".snapshot/<name>/..." reads a snapshot's tree.
func (rq *request) files(volUUID, p string) *apiError {
	if rq.r.Method != http.MethodGet {
		return methodNotAllowed(rq.r.Method)
	}
	v := rq.c.Volume(volUUID)
	if v == nil {
		return notFound("volume.uuid", "entry doesn't exist")
	}
	clean := strings.Trim(path.Clean("/"+p), "/")
	parts := []string{}
	if clean != "" {
		parts = strings.Split(clean, "/")
	}
	shown := clean
	if shown == "" {
		shown = "/"
	}
	volRef := ref(v.Name, v.UUID, "/api/storage/volumes/"+v.UUID)
	entry := func(f *fleet.OntapFile, name, dirPath, full string, isSnap bool) obj {
		o := obj{
			"name": name, "path": dirPath, "type": f.Type, "size": f.Size,
			"bytes_used": (f.Size + 4095) / 4096 * 4096, "inode_number": f.Inode,
			"owner_id": f.OwnerID, "group_id": f.GroupID, "unix_permissions": f.Permissions,
			"hard_links_count": 1, "is_junction": false, "is_snapshot": isSnap, "is_vm_aligned": false,
			"modified_time": ts(f.ModifiedTime), "changed_time": ts(f.ModifiedTime),
			"accessed_time": ts(f.ModifiedTime), "creation_time": ts(f.CreationTime),
			"volume": volRef,
		}
		if f.Type == "directory" {
			o["hard_links_count"] = 2
			o["is_empty"] = len(f.Children) == 0
			o["_links"] = selfLink(fileHref(v.UUID, full))
		}
		if f.Type == "symlink" {
			o["target"] = f.Target
		}
		return o
	}
	join := func(dir, name string) string {
		if dir == "" || dir == "/" {
			return name
		}
		return dir + "/" + name
	}
	meta := rq.q.Get("return_metadata") == "true"
	var recs []obj
	show := func(f *fleet.OntapFile, kids []*fleet.OntapFile, snapDirs bool) {
		if f.Type != "directory" || meta {
			base := shown
			if i := strings.LastIndex(clean, "/"); i >= 0 {
				base = clean[i+1:]
			}
			recs = append(recs, entry(f, base, shown, clean, false))
			return
		}
		recs = append(recs, entry(f, ".", shown, join(clean, "."), false), entry(f, "..", shown, join(clean, ".."), false))
		kids = append([]*fleet.OntapFile(nil), kids...)
		if !snapDirs {
			sort.Slice(kids, func(i, j int) bool { return kids[i].Name < kids[j].Name })
		}
		for _, ch := range kids {
			recs = append(recs, entry(ch, ch.Name, shown, join(clean, ch.Name), snapDirs))
		}
	}
	switch {
	case len(parts) > 0 && parts[0] == ".snapshot" && len(parts) == 1:
		root := &fleet.OntapFile{Type: "directory", Size: 4096, Inode: 64, Permissions: 777, ModifiedTime: v.CreateTime, CreationTime: v.CreateTime}
		var kids []*fleet.OntapFile
		for _, sn := range v.Snapshots {
			d := &fleet.OntapFile{Name: sn.Name, Type: "directory", Size: 4096, Inode: 64, Permissions: 755, ModifiedTime: sn.CreateTime, CreationTime: sn.CreateTime}
			if sn.Files != nil {
				d.Children = sn.Files.Children
			}
			kids = append(kids, d)
			root.ModifiedTime = sn.CreateTime
		}
		show(root, kids, true)
	case len(parts) > 0 && parts[0] == ".snapshot":
		sn := v.Snapshot(parts[1])
		if sn == nil || sn.Files == nil {
			return notFound("path", "Entry \"%s\" does not exist.", clean)
		}
		f := sn.Files.Lookup(strings.Join(parts[2:], "/"))
		if f == nil {
			return notFound("path", "Entry \"%s\" does not exist.", clean)
		}
		show(f, f.Children, false)
	default:
		f := v.Root.Lookup(clean)
		if f == nil {
			return notFound("path", "Entry \"%s\" does not exist.", clean)
		}
		show(f, f.Children, false)
	}
	return rq.writeCollection(kindFile, recs, fileExtra)
}

var fileExtra = map[string]bool{"return_metadata": true, "byte_offset": true, "length": true, "detail": true, "unix_permissions_octal": true}
