package ontap

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// SnapMirror relationship create and delete, on the destination cluster:
//
//   - POST /snapmirror/relationships {source.path, destination.path,
//     policy, transfer_schedule, throttle, state, create_destination}
//     validates the endpoints synchronously (the source volume on a peer
//     cluster, the destination SVM here; the destination volume must exist
//     as a DP volume unless create_destination.enabled asks to create it,
//     with the source's size and reserve on the aggregate with most room),
//     then runs a job that creates the relationship (uninitialized) and,
//     with state=snapmirrored, starts its initialize transfer.
//   - DELETE /snapmirror/relationships/{uuid} refuses a relationship with a
//     transfer under way (13303812) and otherwise runs a job that removes
//     it; the destination volume stays (as ONTAP leaves it), and the
//     snapmirror snapshots stop being owned. source_only, source_info_only
//     and destination_only are accepted (the simulator keeps one record per
//     relationship, so each removes it).

// defaultSMPolicy is ONTAP's default policy for a new relationship.
const defaultSMPolicy = "MirrorAllSnapshots"

func (rq *request) createRelationship() *apiError {
	if e := rq.checkBody("source.", "destination.", "policy.", "transfer_schedule.", "throttle", "state",
		"create_destination.", "restore", "backoff_level", "identity_preservation"); e != nil {
		return e
	}
	if b, e := rq.boolParam("restore"); e != nil {
		return e
	} else if b {
		return apiErr("3", "restore", "Restore relationships are not supported by the simulator.")
	}
	srcPath, dstPath := rq.str("source.path"), rq.str("destination.path")
	if srcPath == "" || dstPath == "" {
		return apiErr("2", "source.path", "Fields \"source.path\" and \"destination.path\" are required.")
	}
	srcSVM, srcVol, ok1 := strings.Cut(srcPath, ":")
	dstSVM, dstVol, ok2 := strings.Cut(dstPath, ":")
	if !ok1 || !ok2 || srcVol == "" || dstVol == "" {
		return apiErr("2", "destination.path", "Paths must be \"svm:volume\" (SVM-DR and consistency groups are not simulated).")
	}
	var srcC *fleet.OntapCluster
	var src *fleet.OntapVolume
	for _, oc := range rq.s.clusters() {
		if n := rq.str("source.cluster.name"); n != "" && oc.Name != n {
			continue
		}
		if v := oc.VolumeByName(srcSVM, srcVol); v != nil {
			srcC, src = oc, v
			break
		}
	}
	if src == nil {
		return notFound("source.path", "Source volume \"%s\" does not exist on a peered cluster.", srcPath)
	}
	if rq.c.SVM(dstSVM) == nil {
		return notFound("destination.path", "SVM \"%s\" does not exist.", dstSVM)
	}
	for _, r := range rq.c.Relationships {
		if r.DestinationPath == dstPath {
			return apiErr("1", "destination.path", "A SnapMirror relationship with destination \"%s\" already exists.", dstPath)
		}
	}
	create, e := rq.boolParam("create_destination.enabled")
	if e != nil {
		return e
	}
	args := map[string]string{"source_cluster": srcC.Name, "source": srcPath, "destination": dstPath, "policy": defaultSMPolicy}
	dst := rq.c.VolumeByName(dstSVM, dstVol)
	switch {
	case create && dst != nil:
		return apiErr("1", "destination.path", "Volume \"%s\" already exists; create_destination makes a new volume.", dstPath)
	case create:
		size := src.Size
		if n, ok, e := rq.intParam("create_destination.size"); e != nil {
			return e
		} else if ok {
			size = n
		}
		aggr, e := rq.aggregateFor(size)
		if e != nil {
			return e
		}
		args["create_uuid"], args["create_size"] = rq.c.NewUUID(), strconv.FormatInt(size, 10)
		args["create_reserve"] = strconv.Itoa(src.SnapshotReservePercent)
		if aggr != nil {
			args["create_aggregate"] = aggr.Name
		}
	case dst == nil:
		return notFound("destination.path", "Destination volume \"%s\" does not exist; create it as type dp or set create_destination.enabled.", dstPath)
	case dst.Type != "dp":
		return apiErr("2", "destination.path", "Destination volume \"%s\" must be a data protection (type dp) volume.", dstPath)
	}
	if n := rq.str("policy.name"); n != "" {
		if rq.c.SnapmirrorPolicy(n) == nil {
			return notFound("policy.name", "SnapMirror policy \"%s\" does not exist.", n)
		}
		args["policy"] = n
	}
	if n := rq.str("transfer_schedule.name"); n != "" {
		if rq.c.Schedule(n) == nil {
			return notFound("transfer_schedule.name", "Schedule \"%s\" does not exist.", n)
		}
		args["transfer_schedule"] = n
	}
	if n, ok, e := rq.intParam("throttle"); e != nil {
		return e
	} else if ok {
		args["throttle"] = strconv.FormatInt(n, 10)
	}
	switch st := rq.str("state"); st {
	case "", "uninitialized":
	case "snapmirrored":
		args["initialize"] = "true"
	default:
		return apiErr("2", "state", "The value \"%s\" is invalid for field \"state\" on create (snapmirrored or uninitialized).", st)
	}
	uuid := rq.c.NewUUID()
	args["uuid"] = uuid
	job := rq.newJob("snapmirror.create", args, dstSVM)
	rec := obj{"uuid": uuid, "_links": selfLink("/api/snapmirror/relationships/" + uuid)}
	return rq.respondJob(job, rec, "/api/snapmirror/relationships/"+uuid)
}

func (rq *request) deleteRelationship(uuid string) *apiError {
	r, e := rq.relationship(uuid)
	if e != nil {
		return e
	}
	n := 0
	for _, k := range []string{"source_only", "source_info_only", "destination_only"} {
		if b, e := rq.boolParam(k); e != nil {
			return e
		} else if b {
			n++
		}
	}
	if n > 1 {
		return apiErr("2", "destination_only", "Only one of source_only, source_info_only and destination_only may be set.")
	}
	if t := activeTransfer(r); t != nil {
		return apiErr(strconv.Itoa(codeTransferInProgress), "uuid", "Cannot delete relationship with destination \"%s\": a transfer is in progress.", r.DestinationPath)
	}
	job := rq.newJob("snapmirror.delete", map[string]string{"relationship": r.UUID}, "")
	return rq.respondJob(job, nil, "")
}

// applyRelationshipCreate is the effect of a snapmirror.create job.
func (s *Server) applyRelationshipCreate(c *fleet.OntapCluster, j *fleet.OntapJob) *opError {
	a := j.Args
	at := j.EndTime
	for _, r := range c.Relationships {
		if r.DestinationPath == a["destination"] {
			return &opError{1, fmt.Sprintf("A SnapMirror relationship with destination \"%s\" already exists.", a["destination"])}
		}
	}
	if u := a["create_uuid"]; u != "" {
		svm, name, _ := strings.Cut(a["destination"], ":")
		size, _ := strconv.ParseInt(a["create_size"], 10, 64)
		reserve, _ := strconv.Atoi(a["create_reserve"])
		c.Volumes = append(c.Volumes, &fleet.OntapVolume{
			UUID: u, Name: name, SVM: svm, Type: "dp", Style: "flexvol", State: "online",
			Aggregate: a["create_aggregate"], CreateTime: at, MSID: 2160000000 + int64(c.Seq),
			Size: size, SnapshotReservePercent: reserve, SnapshotPolicy: "none",
			Root: &fleet.OntapFile{Type: "directory", Size: 4096, Inode: 64, Permissions: 755, ModifiedTime: at, CreationTime: at},
		})
	}
	r := &fleet.OntapRelationship{
		UUID: a["uuid"], SourceCluster: a["source_cluster"], SourcePath: a["source"], DestinationPath: a["destination"],
		Policy: a["policy"], State: "uninitialized", Healthy: true, TransferSchedule: a["transfer_schedule"],
	}
	r.Throttle, _ = strconv.ParseInt(a["throttle"], 10, 64)
	c.Relationships = append(c.Relationships, r)
	if a["initialize"] == "true" {
		if _, err := s.startTransfer(c, r, "initialize", "", 0, at); err != nil {
			return &opError{int64(atoiCode(err.code)), err.message}
		}
	}
	return nil
}

// applyRelationshipDelete is the effect of a snapmirror.delete job.
func (s *Server) applyRelationshipDelete(c *fleet.OntapCluster, j *fleet.OntapJob) *opError {
	for i, r := range c.Relationships {
		if r.UUID == j.Args["relationship"] {
			if activeTransfer(r) != nil {
				return &opError{codeTransferInProgress, "A transfer is in progress."}
			}
			c.Relationships = append(c.Relationships[:i], c.Relationships[i+1:]...)
			return nil
		}
	}
	return &opError{4, "entry doesn't exist"}
}
