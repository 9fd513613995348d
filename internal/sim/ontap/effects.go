package ontap

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// ONTAP error codes used by the simulator (see the reference, section 1.3).
const (
	codeSnapshotBusy       = 1638555  // snapshot not expired, locked or owned
	codeTransferInProgress = 13303812 // SnapMirror transfer in progress
	codeBreakFailed        = 13303808 // transition to broken_off failed
	codeTransferAborted    = 6620046  // error_info of an aborted transfer
	codeTransferFailed     = 6619546  // default injected transfer failure
)

// EMS message names emitted on failures. smc.snapmir.init.fail,
// sms.resync.attempt.failed and their parameters come from the reference;
// mgmtgwd.schedSnap.createFail is from the ONTAP EMS reference;
// smc.snapmir.update.fail is the commonly used name of the async update
// failure, which the reference could not confirm.
const (
	emsInitFail     = "smc.snapmir.init.fail"
	emsUpdateFail   = "smc.snapmir.update.fail"
	emsResyncFail   = "sms.resync.attempt.failed"
	emsSnapshotFail = "mgmtgwd.schedSnap.createFail"
)

// maxEvents bounds the EMS log of a cluster.
const maxEvents = 50000

// settle applies every job and transfer whose end time has passed, in time
// order across the estate's ONTAP clusters, and purges old jobs. Callers
// hold every cluster's lock.
func (s *Server) settle() {
	now := s.now()
	clusters := s.clusters()
	for {
		var (
			bestT   time.Time
			bestJob *fleet.OntapJob
			bestTr  *fleet.OntapTransfer
			bestRel *fleet.OntapRelationship
			bestC   *fleet.OntapCluster
		)
		for _, c := range clusters {
			for _, j := range c.Jobs {
				if j.State == "" && !j.Stuck && !j.EndTime.After(now) && (bestC == nil || j.EndTime.Before(bestT)) {
					bestT, bestJob, bestTr, bestRel, bestC = j.EndTime, j, nil, nil, c
				}
			}
			for _, r := range c.Relationships {
				t := activeTransfer(r)
				if t != nil && !t.Stuck && !t.EndTime.After(now) && (bestC == nil || t.EndTime.Before(bestT)) {
					bestT, bestJob, bestTr, bestRel, bestC = t.EndTime, nil, t, r, c
				}
			}
		}
		if bestC == nil {
			break
		}
		if bestJob != nil {
			s.finishJob(bestC, bestJob)
		} else {
			s.finishTransfer(bestC, bestRel, bestTr)
		}
	}
	for _, c := range clusters {
		// EMS keeps a bounded log, like ONTAP's ring buffer.
		if n := len(c.Events); n > maxEvents {
			c.Events = append([]*fleet.OntapEvent(nil), c.Events[n-maxEvents:]...)
		}
		kept := c.Jobs[:0]
		for _, j := range c.Jobs {
			if j.State != "" && now.Sub(j.EndTime) > s.opts.JobRetention {
				continue
			}
			kept = append(kept, j)
		}
		for i := len(kept); i < len(c.Jobs); i++ {
			c.Jobs[i] = nil
		}
		c.Jobs = kept
	}
}

// Settle applies the work whose simulated end time has passed (the
// simulator also does this at the start of every request).
func (s *Server) Settle() {
	unlock := s.lockAll()
	defer unlock()
	s.settle()
}

// takeFault consumes the next pending fault of a kind matching subject.
func takeFault(c *fleet.OntapCluster, kindName string, subjects ...string) *fleet.OntapFault {
	for i, f := range c.Faults {
		if f.Kind != kindName {
			continue
		}
		if f.Match != "" {
			hit := false
			for _, s := range subjects {
				if strings.Contains(s, f.Match) {
					hit = true
				}
			}
			if !hit {
				continue
			}
		}
		cp := *f
		f.Count--
		if f.Count <= 0 {
			c.Faults = append(c.Faults[:i], c.Faults[i+1:]...)
		}
		return &cp
	}
	return nil
}

// newJob queues a job on the request's cluster (fault hooks applied).
func (rq *request) newJob(op string, args map[string]string, svm string) *fleet.OntapJob {
	s, c := rq.s, rq.c
	now := s.now()
	j := &fleet.OntapJob{
		UUID:        c.NewUUID(),
		Description: rq.r.Method + " " + rq.r.URL.Path,
		SVM:         svm,
		QueueTime:   now,
		StartTime:   now.Add(s.opts.QueueDelay),
		Op:          op,
		Args:        args,
	}
	j.EndTime = j.StartTime.Add(s.duration(op))
	if len(c.Nodes) > 0 {
		j.Node = c.Nodes[0].Name
	}
	if f := takeFault(c, "job", op, j.Description); f != nil {
		if f.Stuck {
			j.Stuck = true
		} else {
			j.FailCode, j.FailMessage = f.Code, f.Message
			if j.FailCode == 0 {
				j.FailCode = 1
			}
			if j.FailMessage == "" {
				j.FailMessage = "Job failed (injected)."
			}
		}
	}
	c.Jobs = append(c.Jobs, j)
	return j
}

// respondJob answers a write that started job: 202 with the job link, or,
// when return_timeout covers the job's running time, the final answer
// (200 for PATCH/DELETE, 201 for POST; a failed job becomes an error
// answer with its code). records, when set and return_records=true, goes
// into the body; location, when set, is the Location header.
func (rq *request) respondJob(j *fleet.OntapJob, record obj, location string) *apiError {
	rt, e := rq.returnTimeout()
	if e != nil {
		return e
	}
	s := rq.s
	status := 202
	if rt > 0 {
		now := s.now()
		if !j.Stuck && !j.EndTime.After(now.Add(rt)) {
			s.estate.Clock.Set(j.EndTime)
			s.settle()
			if j.State == "failure" {
				return &apiError{status: statusForCode(strconv.FormatInt(j.Code, 10)), code: strconv.FormatInt(j.Code, 10), message: j.Message}
			}
			status = 200
			if rq.r.Method == "POST" {
				status = 201
			}
		} else {
			s.estate.Clock.Advance(rt)
			s.settle()
		}
	}
	body := obj{"job": obj{"uuid": j.UUID, "_links": selfLink("/api/cluster/jobs/" + j.UUID)}}
	if record != nil && rq.q.Get("return_records") == "true" {
		body["num_records"] = 1
		body["records"] = []any{record}
	}
	if location != "" {
		rq.w.Header().Set("Location", location)
	}
	rq.writeJSON(status, body)
	return nil
}

// opError is the failure of a job's operation.
type opError struct {
	code int64
	msg  string
}

func (s *Server) finishJob(c *fleet.OntapCluster, j *fleet.OntapJob) {
	var err *opError
	if j.FailCode != 0 {
		err = &opError{j.FailCode, j.FailMessage}
	} else {
		err = s.applyJob(c, j)
	}
	if err != nil {
		j.State, j.Code, j.Message = "failure", err.code, err.msg
		if j.Op == "snapshot.create" {
			s.snapshotFailedEvent(c, j, err.msg)
		}
		return
	}
	j.State, j.Code, j.Message = "success", 0, "success"
}

func (s *Server) snapshotFailedEvent(c *fleet.OntapCluster, j *fleet.OntapJob, reason string) {
	v := c.Volume(j.Args["volume"])
	if v == nil {
		return
	}
	name := j.Args["name"]
	c.AddEvent(&fleet.OntapEvent{
		Time: j.EndTime, Node: j.Node, Name: emsSnapshotFail, Severity: "error", Source: "mgwd",
		LogMessage: fmt.Sprintf("%s: Skipping creation of scheduled Snapshot copy '%s' on volume '%s' on vserver '%s' for schedule '-' prefix '-' (reason: %s)", emsSnapshotFail, name, v.Name, v.SVM, reason),
		Parameters: []fleet.OntapEventParameter{
			{Name: "snapshotName", Value: name}, {Name: "volumeName", Value: v.Name},
			{Name: "vserverName", Value: v.SVM}, {Name: "scheduleName", Value: "-"},
			{Name: "prefixName", Value: "-"}, {Name: "reason", Value: reason},
		},
	})
}

// snapshotHeld is the space a new snapshot holds: the data changed since
// the previous snapshot, about 3% of the used space a day.
func snapshotHeld(v *fleet.OntapVolume, at time.Time) int64 {
	prev := v.CreateTime
	if n := len(v.Snapshots); n > 0 {
		prev = v.Snapshots[n-1].CreateTime
	}
	days := at.Sub(prev).Hours() / 24
	held := int64(float64(v.Used)*0.03*days) / 4096 * 4096
	if held < 64*4096 {
		held = 64 * 4096
	}
	return held
}

func (s *Server) applyJob(c *fleet.OntapCluster, j *fleet.OntapJob) *opError {
	a := j.Args
	at := j.EndTime
	switch j.Op {
	case "snapshot.create":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		if v.Snapshot(a["name"]) != nil {
			return &opError{1, fmt.Sprintf("Snapshot copy \"%s\" already exists.", a["name"])}
		}
		sn := &fleet.OntapSnapshot{
			UUID: a["uuid"], Name: a["name"], Comment: a["comment"], SnapmirrorLabel: a["snapmirror_label"],
			CreateTime: at, Size: snapshotHeld(v, at), LogicalSize: v.Used, State: "valid", Files: v.Root.Copy(),
		}
		if e := a["expiry_time"]; e != "" {
			sn.ExpiryTime, _ = time.Parse(time.RFC3339, e)
		}
		v.Snapshots = append(v.Snapshots, sn)
	case "snapshot.modify":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		sn := v.SnapshotByUUID(a["snapshot"])
		if sn == nil {
			return &opError{4, "entry doesn't exist"}
		}
		if n, ok := a["name"]; ok && n != sn.Name {
			if v.Snapshot(n) != nil {
				return &opError{1, fmt.Sprintf("Snapshot copy \"%s\" already exists.", n)}
			}
			sn.Name = n
		}
		if x, ok := a["comment"]; ok {
			sn.Comment = x
		}
		if x, ok := a["snapmirror_label"]; ok {
			sn.SnapmirrorLabel = x
		}
		if x, ok := a["expiry_time"]; ok {
			if x == "" {
				sn.ExpiryTime = time.Time{}
			} else {
				sn.ExpiryTime, _ = time.Parse(time.RFC3339, x)
			}
		}
	case "snapshot.delete":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		sn := v.SnapshotByUUID(a["snapshot"])
		if sn == nil {
			return &opError{4, "entry doesn't exist"}
		}
		if sn.ExpiryTime.After(at) || len(s.owners(c, v, sn)) > 0 {
			return &opError{codeSnapshotBusy, busyMessage(v, sn)}
		}
		removeSnapshot(v, sn)
	case "volume.modify":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		if x, ok := a["snapshot_policy"]; ok {
			v.SnapshotPolicy = x
		}
		if x, ok := a["comment"]; ok {
			v.Comment = x
		}
		if x, ok := a["name"]; ok {
			v.Name = x
		}
		if x, ok := a["state"]; ok {
			v.State = x
		}
		if x, ok := a["size"]; ok {
			n, _ := strconv.ParseInt(x, 10, 64)
			if n < v.Used {
				return &opError{917536, fmt.Sprintf("Cannot shrink volume \"%s\" below its used size.", v.Name)}
			}
			v.Size = n
		}
		if x, ok := a["reserve_percent"]; ok {
			n, _ := strconv.Atoi(x)
			v.SnapshotReservePercent = n
		}
		if x, ok := a["snapshot_directory_access_enabled"]; ok {
			v.SnapshotDirectoryAccess = x == "true"
		}
		if a["split"] == "true" {
			v.CloneParentVolume, v.CloneParentSnapshot = "", ""
		}
	case "volume.restore":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		sn := v.Snapshot(a["snapshot"])
		if sn == nil {
			return &opError{4, fmt.Sprintf("Snapshot copy \"%s\" does not exist.", a["snapshot"])}
		}
		force := a["force"] == "true"
		var newer []*fleet.OntapSnapshot
		for _, x := range v.Snapshots {
			if x.CreateTime.After(sn.CreateTime) {
				newer = append(newer, x)
			}
		}
		// Newer snapshots go away. A FlexClone's base or an unexpired
		// snapshot always blocks; a SnapMirror-owned one only without force.
		for _, x := range newer {
			own := s.owners(c, v, x)
			clone := false
			for _, o := range own {
				clone = clone || o == "volume_clone"
			}
			if x.ExpiryTime.After(at) || clone || (!force && len(own) > 0) {
				hint := ""
				if !clone && !x.ExpiryTime.After(at) {
					hint = " Set restore_to.snapshot.force to restore anyway."
				}
				return &opError{codeSnapshotBusy, fmt.Sprintf("Cannot restore volume \"%s\" to snapshot \"%s\": a newer snapshot cannot be deleted. %s%s", v.Name, sn.Name, busyMessage(v, x), hint)}
			}
		}
		for _, x := range newer {
			removeSnapshot(v, x)
		}
		v.Root = sn.Files.Copy()
		v.Used = sn.LogicalSize
	case "file.restore":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		sn := v.Snapshot(a["snapshot"])
		if sn == nil {
			return &opError{4, fmt.Sprintf("Snapshot copy \"%s\" does not exist.", a["snapshot"])}
		}
		src := sn.Files.Lookup(a["path"])
		if src == nil {
			return &opError{4, fmt.Sprintf("File \"%s\" does not exist in snapshot \"%s\".", a["path"], sn.Name)}
		}
		dest := a["restore_path"]
		if dest == "" {
			dest = a["path"]
		}
		if a["byte_count"] != "" {
			// Partial restore: the range comes back into the file in place.
			cur := v.Root.Lookup(dest)
			if cur == nil || cur.Type != "file" {
				return &opError{4, fmt.Sprintf("File \"%s\" does not exist in the volume.", dest)}
			}
			start, _ := strconv.ParseInt(a["start_byte"], 10, 64)
			count, _ := strconv.ParseInt(a["byte_count"], 10, 64)
			end := start + count
			if end > src.Size {
				end = src.Size
			}
			if end > cur.Size {
				cur.Size = end
			}
			cur.ModifiedTime = at
			return nil
		}
		if err := placeFile(v, dest, src.Copy(), at); err != nil {
			return err
		}
	case "volume.clone":
		parent := c.Volume(a["parent"])
		if parent == nil {
			return &opError{4, "entry doesn't exist"}
		}
		sn := parent.Snapshot(a["snapshot"])
		if sn == nil {
			return &opError{4, fmt.Sprintf("Snapshot copy \"%s\" does not exist.", a["snapshot"])}
		}
		if c.VolumeByName(a["svm"], a["name"]) != nil {
			return &opError{1, fmt.Sprintf("Duplicate volume name %s.", a["name"])}
		}
		cl := &fleet.OntapVolume{
			UUID: a["uuid"], Name: a["name"], SVM: a["svm"], Type: "rw", Style: "flexvol", State: "online",
			Aggregate: parent.Aggregate, CreateTime: at, JunctionPath: a["junction"],
			MSID: 2160000000 + int64(c.Seq), Size: parent.Size, Used: sn.LogicalSize,
			SnapshotReservePercent: parent.SnapshotReservePercent, SnapshotPolicy: "none",
			SnapshotDirectoryAccess: true, Root: sn.Files.Copy(),
			CloneParentVolume: parent.UUID, CloneParentSnapshot: sn.Name,
		}
		if p := a["snapshot_policy"]; p != "" {
			cl.SnapshotPolicy = p
		}
		c.Volumes = append(c.Volumes, cl)
	case "volume.create":
		if c.VolumeByName(a["svm"], a["name"]) != nil {
			return &opError{1, fmt.Sprintf("Duplicate volume name %s.", a["name"])}
		}
		size, _ := strconv.ParseInt(a["size"], 10, 64)
		reserve := 5
		if x := a["reserve_percent"]; x != "" {
			reserve, _ = strconv.Atoi(x)
		}
		typ := a["type"]
		if typ == "" {
			typ = "rw"
		}
		v := &fleet.OntapVolume{
			UUID: a["uuid"], Name: a["name"], SVM: a["svm"], Type: typ, Style: "flexvol", State: "online",
			Aggregate: a["aggregate"], CreateTime: at, JunctionPath: a["junction"], Comment: a["comment"],
			MSID: 2160000000 + int64(c.Seq), Size: size, SnapshotReservePercent: reserve,
			SnapshotPolicy: a["snapshot_policy"], SnapshotDirectoryAccess: true,
			Root: &fleet.OntapFile{Type: "directory", Size: 4096, Inode: 64, Permissions: 755, ModifiedTime: at, CreationTime: at},
		}
		c.Volumes = append(c.Volumes, v)
	case "volume.delete":
		v := c.Volume(a["volume"])
		if v == nil {
			return &opError{4, "entry doesn't exist"}
		}
		if len(clonesOf(c, v)) > 0 {
			return &opError{8, fmt.Sprintf("Volume \"%s\" in Vserver \"%s\" has FlexClone volumes and cannot be deleted.", v.Name, v.SVM)}
		}
		for i, x := range c.Volumes {
			if x == v {
				c.Volumes = append(c.Volumes[:i], c.Volumes[i+1:]...)
				break
			}
		}
	case "snapmirror.modify":
		return s.applyRelationshipChange(c, j)
	case "snapmirror.create":
		return s.applyRelationshipCreate(c, j) // protect.go
	default:
		return &opError{3, fmt.Sprintf("Operation %q is not supported by the simulator.", j.Op)}
	}
	return nil
}

// busyMessage is ONTAP's message for a snapshot that cannot go away
// (reference: Trident's recorded job failure, code 1638555).
func busyMessage(v *fleet.OntapVolume, sn *fleet.OntapSnapshot) string {
	return fmt.Sprintf("Snapshot copy \"%s\" of volume \"%s\" on Vserver \"%s\" has not expired or is locked. Use the \"snapshot show -fields owners, expiry-time\" command to view the expiry and lock status of the Snapshot copy.", sn.Name, v.Name, v.SVM)
}

func removeSnapshot(v *fleet.OntapVolume, sn *fleet.OntapSnapshot) {
	for i, x := range v.Snapshots {
		if x == sn {
			v.Snapshots = append(v.Snapshots[:i], v.Snapshots[i+1:]...)
			return
		}
	}
}

// placeFile puts f at path in v's active file system (replacing what is
// there), creating missing parent directories. The tree is copied first:
// snapshots may share it.
func placeFile(v *fleet.OntapVolume, path string, f *fleet.OntapFile, at time.Time) *opError {
	parts := []string{}
	for _, p := range strings.Split(path, "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return &opError{2, "The restore path must name a file."}
	}
	if len(parts) > 0 && parts[0] == ".snapshot" {
		return &opError{2, "Cannot restore into the .snapshot directory."}
	}
	v.Root = v.Root.Copy()
	dir := v.Root
	for _, p := range parts[:len(parts)-1] {
		var next *fleet.OntapFile
		for _, ch := range dir.Children {
			if ch.Name == p {
				next = ch
			}
		}
		if next == nil {
			next = &fleet.OntapFile{Name: p, Type: "directory", Size: 4096, Permissions: 755, ModifiedTime: at, CreationTime: at, Inode: maxInode(v.Root) + 1}
			dir.Children = append(dir.Children, next)
		}
		if next.Type != "directory" {
			return &opError{2, fmt.Sprintf("\"%s\" is not a directory.", p)}
		}
		dir = next
	}
	f.Name = parts[len(parts)-1]
	replaced := false
	for i, ch := range dir.Children {
		if ch.Name == f.Name {
			v.Used += f.TotalSize() - ch.TotalSize()
			dir.Children[i] = f
			replaced = true
		}
	}
	if !replaced {
		f.Inode = maxInode(v.Root) + 1
		dir.Children = append(dir.Children, f)
		v.Used += f.TotalSize()
	}
	dir.ModifiedTime = at
	return nil
}

func maxInode(f *fleet.OntapFile) int64 {
	n := f.Inode
	for _, ch := range f.Children {
		if m := maxInode(ch); m > n {
			n = m
		}
	}
	return n
}

// applyRelationshipChange performs a relationship PATCH job.
func (s *Server) applyRelationshipChange(c *fleet.OntapCluster, j *fleet.OntapJob) *opError {
	a := j.Args
	r := c.Relationship(a["relationship"])
	if r == nil {
		return &opError{4, "entry doesn't exist"}
	}
	at := j.EndTime
	if x, ok := a["policy"]; ok {
		r.Policy = x
	}
	if x, ok := a["transfer_schedule"]; ok {
		r.TransferSchedule = x
	}
	if x, ok := a["throttle"]; ok {
		r.Throttle, _ = strconv.ParseInt(x, 10, 64)
	}
	target, ok := a["state"]
	if !ok || target == r.State {
		return nil
	}
	dst := c.VolumeByPath(r.DestinationPath)
	switch {
	case r.State == "uninitialized" && target == "snapmirrored":
		if _, err := s.startTransfer(c, r, "initialize", "", 0, at); err != nil {
			return &opError{int64(atoiCode(err.code)), err.message}
		}
	case r.State == "snapmirrored" && target == "paused":
		r.State = "paused"
	case r.State == "paused" && target == "snapmirrored":
		r.State = "snapmirrored"
	case (r.State == "snapmirrored" || r.State == "paused") && target == "broken_off":
		if activeTransfer(r) != nil {
			return &opError{codeBreakFailed, "Transition to broken_off failed: a transfer is in progress."}
		}
		r.State = "broken_off"
		if dst != nil {
			dst.Type = "rw"
			if name := a["restore_to_snapshot"]; name != "" {
				if sn := dst.Snapshot(name); sn != nil {
					dst.Root = sn.Files.Copy()
					dst.Used = sn.LogicalSize
				}
			}
		}
	case r.State == "broken_off" && target == "snapmirrored":
		if dst != nil {
			dst.Type = "dp"
			if common := dst.Snapshot(r.ExportedSnapshot); common != nil {
				if a["preserve"] != "true" {
					for _, x := range append([]*fleet.OntapSnapshot(nil), dst.Snapshots...) {
						if x.CreateTime.After(common.CreateTime) {
							removeSnapshot(dst, x)
						}
					}
				}
				dst.Root = common.Files.Copy()
				dst.Used = common.LogicalSize
			}
		}
		if _, err := s.startTransfer(c, r, "resync", "", 0, at); err != nil {
			return &opError{int64(atoiCode(err.code)), err.message}
		}
	default:
		return &opError{2, fmt.Sprintf("Invalid state transition from \"%s\" to \"%s\".", r.State, target)}
	}
	return nil
}

func atoiCode(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// startTransfer begins a transfer of relationship r (on destination cluster
// c) at time at: it takes the source snapshot (a new snapmirror snapshot
// unless sourceSnapshot names one) and queues the transfer.
func (s *Server) startTransfer(c *fleet.OntapCluster, r *fleet.OntapRelationship, typ, sourceSnapshot string, throttle int64, at time.Time) (*fleet.OntapTransfer, *apiError) {
	srcC := s.clusterByName(r.SourceCluster)
	if srcC == nil {
		return nil, apiErr("4", "source.path", "Source cluster \"%s\" is not peered.", r.SourceCluster)
	}
	src := srcC.VolumeByPath(r.SourcePath)
	if src == nil {
		return nil, apiErr("4", "source.path", "Source volume \"%s\" does not exist.", r.SourcePath)
	}
	t := &fleet.OntapTransfer{
		UUID: c.NewUUID(), Type: typ, SourceSnapshot: sourceSnapshot,
		QueueTime: at, StartTime: at.Add(s.opts.QueueDelay), Throttle: throttle,
	}
	var snap *fleet.OntapSnapshot
	if sourceSnapshot != "" {
		snap = src.Snapshot(sourceSnapshot)
		if snap == nil {
			return nil, apiErr("4", "source_snapshot", "Snapshot \"%s\" does not exist on source volume \"%s\".", sourceSnapshot, r.SourcePath)
		}
	} else {
		name := s.snapmirrorPrefix(c, r) + at.UTC().Format("2006-01-02_150405")
		if snap = src.Snapshot(name); snap == nil {
			snap = &fleet.OntapSnapshot{
				UUID: srcC.NewUUID(), Name: name, CreateTime: at, Size: snapshotHeld(src, at),
				LogicalSize: src.Used, State: "valid", Files: src.Root.Copy(),
			}
			src.Snapshots = append(src.Snapshots, snap)
		}
	}
	t.Snapshot = snap.Name
	switch typ {
	case "initialize":
		t.Bytes = src.Used
	default:
		var b int64
		for _, x := range src.Snapshots {
			if x.CreateTime.After(r.ExportedSnapshotTime) {
				b += x.Size
			}
		}
		if b < 1<<20 {
			b = 1 << 20
		}
		t.Bytes = b
	}
	rate := s.opts.TransferRate
	if throttle == 0 {
		throttle = r.Throttle
	}
	if throttle > 0 {
		rate = throttle * 1024
	}
	d := time.Duration(t.Bytes/rate) * time.Second
	if d < 3*time.Second {
		d = 3 * time.Second
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	t.EndTime = t.StartTime.Add(d)
	if f := takeFault(c, "transfer", r.UUID, r.DestinationPath, typ); f != nil {
		if f.Stuck {
			t.Stuck = true
		} else {
			t.ErrorCode, t.ErrorMessage = f.Code, f.Message
			if t.ErrorCode == 0 {
				t.ErrorCode = codeTransferFailed
			}
			if t.ErrorMessage == "" {
				t.ErrorMessage = "Transfer failed."
			}
		}
	}
	r.Transfers = append(r.Transfers, t)
	if n := len(r.Transfers); n > 50 {
		r.Transfers = append([]*fleet.OntapTransfer(nil), r.Transfers[n-50:]...)
	}
	return t, nil
}

// finishTransfer completes a transfer at its end time: on success the
// destination receives the snapshots and the new image; on failure the
// relationship turns unhealthy and an EMS event is logged.
func (s *Server) finishTransfer(c *fleet.OntapCluster, r *fleet.OntapRelationship, t *fleet.OntapTransfer) {
	at := t.EndTime
	if t.ErrorCode != 0 {
		t.State = "failed"
		t.BytesTransferred = t.Bytes / 3 / 4096 * 4096
		s.transferFailed(c, r, t, at)
		return
	}
	srcC := s.clusterByName(r.SourceCluster)
	var src *fleet.OntapVolume
	if srcC != nil {
		src = srcC.VolumeByPath(r.SourcePath)
	}
	dst := c.VolumeByPath(r.DestinationPath)
	var snap *fleet.OntapSnapshot
	if src != nil {
		snap = src.Snapshot(t.Snapshot)
	}
	if dst == nil || snap == nil {
		t.State, t.ErrorCode = "failed", 13303808
		t.ErrorMessage = "Source snapshot or destination volume no longer exists."
		s.transferFailed(c, r, t, at)
		return
	}
	t.State = "success"
	t.BytesTransferred = t.Bytes
	pol := c.SnapmirrorPolicy(r.Policy)
	all := pol == nil || pol.CopyAllSourceSnapshots
	labels := map[string]int{}
	if pol != nil {
		for _, x := range pol.Retention {
			labels[x.Label] = x.Count
		}
	}
	prefix := s.snapmirrorPrefix(c, r)
	for _, x := range src.Snapshots {
		if x.CreateTime.After(snap.CreateTime) || dst.Snapshot(x.Name) != nil {
			continue
		}
		if !all && x != snap && labels[x.SnapmirrorLabel] == 0 {
			continue
		}
		if strings.HasPrefix(x.Name, "snapmirror.") && x != snap {
			continue
		}
		cp := *x
		cp.UUID = c.NewUUID()
		cp.Owners = nil
		cp.ExpiryTime = time.Time{}
		dst.Snapshots = insertByTime(dst.Snapshots, &cp)
	}
	// Older snapmirror snapshots of this relationship go on both sides.
	for _, v := range []*fleet.OntapVolume{src, dst} {
		for _, x := range append([]*fleet.OntapSnapshot(nil), v.Snapshots...) {
			if strings.HasPrefix(x.Name, prefix) && x.Name != snap.Name && x.CreateTime.Before(snap.CreateTime) {
				removeSnapshot(v, x)
			}
		}
	}
	// Vault retention on the destination.
	if !all {
		for label, keep := range labels {
			if label == "sm_created" || label == "all_source_snapshots" {
				continue
			}
			var l []*fleet.OntapSnapshot
			for _, x := range dst.Snapshots {
				if x.SnapmirrorLabel == label {
					l = append(l, x)
				}
			}
			for i := 0; i < len(l)-keep; i++ {
				removeSnapshot(dst, l[i])
			}
		}
	}
	dst.Root = snap.Files.Copy()
	dst.Used = snap.LogicalSize
	r.ExportedSnapshot = snap.Name
	r.ExportedSnapshotTime = snap.CreateTime
	r.LastTransferType = t.Type
	r.TotalTransferBytes += t.Bytes
	r.TotalTransferDuration += t.EndTime.Sub(t.StartTime)
	r.Healthy = true
	r.UnhealthyReasons = nil
	switch r.State {
	case "uninitialized", "broken_off":
		r.State = "snapmirrored"
		dst.Type = "dp"
	}
}

func insertByTime(list []*fleet.OntapSnapshot, s *fleet.OntapSnapshot) []*fleet.OntapSnapshot {
	i := sort.Search(len(list), func(i int) bool { return list[i].CreateTime.After(s.CreateTime) })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = s
	return list
}

func (s *Server) transferFailed(c *fleet.OntapCluster, r *fleet.OntapRelationship, t *fleet.OntapTransfer, at time.Time) {
	r.Healthy = false
	r.UnhealthyReasons = []fleet.OntapUnhealthyReason{{Code: strconv.FormatInt(t.ErrorCode, 10), Message: t.ErrorMessage, Arguments: []string{}}}
	name := emsUpdateFail
	params := []fleet.OntapEventParameter{
		{Name: "relationship_id", Value: r.UUID}, {Name: "srcpath", Value: r.SourcePath},
		{Name: "dstpath", Value: r.DestinationPath},
	}
	var msg string
	switch t.Type {
	case "initialize":
		name = emsInitFail
		params = append(params, fleet.OntapEventParameter{Name: "error", Value: t.ErrorMessage})
		msg = fmt.Sprintf("Initialize from source volume '%s' to destination volume '%s' failed with error '%s'. Relationship UUID '%s'.", r.SourcePath, r.DestinationPath, t.ErrorMessage, r.UUID)
	case "resync":
		name = emsResyncFail
		params = append(params, fleet.OntapEventParameter{Name: "next_resync_interval", Value: "PT5M"})
		msg = fmt.Sprintf("Resync attempt failed for the SnapMirror relationship %s from source '%s' to destination '%s': %s", r.UUID, r.SourcePath, r.DestinationPath, t.ErrorMessage)
	default:
		params = append(params, fleet.OntapEventParameter{Name: "error", Value: t.ErrorMessage})
		msg = fmt.Sprintf("Snapmirror update from source volume '%s' to destination volume(s) '%s' failed with error '%s'. Relationship UUID '%s'.", r.SourcePath, r.DestinationPath, t.ErrorMessage, r.UUID)
	}
	node := ""
	if len(c.Nodes) > 0 {
		node = c.Nodes[0].Name
	}
	c.AddEvent(&fleet.OntapEvent{
		Time: at, Node: node, Name: name, Severity: "error", Source: "sm_logger_main",
		LogMessage: name + ": " + msg, Parameters: params,
	})
}

// Fault hooks.

// InjectFault queues an injected failure on the server's cluster.
func (s *Server) InjectFault(f fleet.OntapFault) {
	unlock := s.lockAll()
	defer unlock()
	if f.Count <= 0 {
		f.Count = 1
	}
	s.cluster.Faults = append(s.cluster.Faults, &f)
}

// FailNextJobs makes the next n jobs fail with code and message.
func (s *Server) FailNextJobs(n int, code int64, message string) {
	s.InjectFault(fleet.OntapFault{Kind: "job", Count: n, Code: code, Message: message})
}

// StickNextJobs makes the next n jobs run forever.
func (s *Server) StickNextJobs(n int) {
	s.InjectFault(fleet.OntapFault{Kind: "job", Count: n, Stuck: true})
}

// FailNextTransfers makes the next n SnapMirror transfers of relationships
// held by this cluster fail with code and message (0 and "" for the
// defaults).
func (s *Server) FailNextTransfers(n int, code int64, message string) {
	s.InjectFault(fleet.OntapFault{Kind: "transfer", Count: n, Code: code, Message: message})
}

// StickNextTransfers makes the next n transfers never finish (until
// aborted).
func (s *Server) StickNextTransfers(n int) {
	s.InjectFault(fleet.OntapFault{Kind: "transfer", Count: n, Stuck: true})
}
