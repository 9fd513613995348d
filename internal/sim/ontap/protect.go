package ontap

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// createRelationship serves POST /snapmirror/relationships on the
// destination cluster, as ONTAP does: source.path and destination.path
// ("svm:volume") are required; the destination SVM is on this cluster and
// the source SVM on a peered one (source.cluster.name, or found by its SVM
// name); the destination volume must exist as a DP volume unless
// create_destination.enabled provisions it (DP, the source's size, no
// snapshot policy). policy.name defaults to Asynchronous. The relationship
// is created by a job and starts uninitialized; with "state":
// "snapmirrored" the job also starts the initialize transfer (ONTAP's
// create-and-initialize form). The record (uuid) is returned with
// return_records=true and in the Location header.
func (rq *request) createRelationship() *apiError {
	if e := rq.checkBody("source.path", "source.cluster.name", "source.cluster.uuid", "destination.path",
		"create_destination.enabled", "policy.name", "policy.uuid", "transfer_schedule.name", "transfer_schedule.uuid",
		"state", "throttle", "backoff_level"); e != nil {
		return e
	}
	if b, e := rq.boolParam("validate_only"); e != nil {
		return e
	} else if b {
		return apiErr("3", "validate_only", "The simulator does not support validate_only.")
	}
	srcPath, dstPath := rq.str("source.path"), rq.str("destination.path")
	if srcPath == "" {
		return apiErr("2", "source.path", "Field \"source.path\" is required.")
	}
	if dstPath == "" {
		return apiErr("2", "destination.path", "Field \"destination.path\" is required.")
	}
	srcSVM, srcVol, ok1 := strings.Cut(srcPath, ":")
	dstSVM, dstVol, ok2 := strings.Cut(dstPath, ":")
	if !ok1 || srcSVM == "" || srcVol == "" {
		return apiErr("2", "source.path", "The value \"%s\" is invalid for field \"source.path\": use \"svm:volume\" (the simulator replicates volumes only).", srcPath)
	}
	if !ok2 || dstSVM == "" || dstVol == "" {
		return apiErr("2", "destination.path", "The value \"%s\" is invalid for field \"destination.path\": use \"svm:volume\".", dstPath)
	}
	c := rq.c
	if c.SVM(dstSVM) == nil {
		return notFound("destination.path", "SVM \"%s\" does not exist.", dstSVM)
	}
	for _, r := range c.Relationships {
		if r.DestinationPath == dstPath {
			return apiErr(strconv.Itoa(codeRelationshipExists), "destination.path", "A SnapMirror relationship with destination \"%s\" already exists.", dstPath)
		}
	}
	srcC, e := rq.sourceCluster(srcSVM)
	if e != nil {
		return e
	}
	src := srcC.VolumeByPath(srcPath)
	if src == nil {
		return notFound("source.path", "Volume \"%s\" does not exist in SVM \"%s\".", srcVol, srcSVM)
	}
	create, e := rq.boolParam("create_destination.enabled")
	if e != nil {
		return e
	}
	if dst := c.VolumeByPath(dstPath); dst != nil {
		if dst.Type != "dp" {
			return apiErr("2", "destination.path", "Destination volume \"%s\" must be a data protection (DP) volume.", dstPath)
		}
		create = false
	} else if !create {
		return notFound("destination.path", "Volume \"%s\" does not exist in SVM \"%s\"; create it as a DP volume or set create_destination.enabled.", dstVol, dstSVM)
	}
	policy := "Asynchronous"
	if n := rq.str("policy.name"); n != "" {
		policy = n
	} else if u := rq.str("policy.uuid"); u != "" {
		policy = ""
		for _, p := range c.SnapmirrorPolicies {
			if p.UUID == u {
				policy = p.Name
			}
		}
		if policy == "" {
			return notFound("policy.uuid", "SnapMirror policy \"%s\" does not exist.", u)
		}
	}
	if c.SnapmirrorPolicy(policy) == nil {
		return notFound("policy.name", "SnapMirror policy \"%s\" does not exist.", policy)
	}
	sched := rq.str("transfer_schedule.name")
	if u := rq.str("transfer_schedule.uuid"); u != "" && sched == "" {
		for _, x := range c.Schedules {
			if x.UUID == u {
				sched = x.Name
			}
		}
		if sched == "" {
			return notFound("transfer_schedule.uuid", "Schedule \"%s\" does not exist.", u)
		}
	}
	if sched != "" && c.Schedule(sched) == nil {
		return notFound("transfer_schedule.name", "Schedule \"%s\" does not exist.", sched)
	}
	st := rq.str("state")
	if st != "" && st != "snapmirrored" && st != "uninitialized" {
		return apiErr("2", "state", "The value \"%s\" is invalid for field \"state\" when creating a relationship (snapmirrored or uninitialized).", st)
	}
	throttle, _, e := rq.intParam("throttle")
	if e != nil {
		return e
	}
	uuid := c.NewUUID()
	args := map[string]string{
		"uuid": uuid, "source_cluster": srcC.Name, "source_path": srcPath, "destination_path": dstPath,
		"policy": policy, "transfer_schedule": sched, "throttle": strconv.FormatInt(throttle, 10),
	}
	if create {
		args["create_destination"] = "true"
	}
	if st == "snapmirrored" {
		args["initialize"] = "true"
	}
	job := rq.newJob("snapmirror.create", args, dstSVM)
	href := "/api/snapmirror/relationships/" + uuid
	return rq.respondJob(job, obj{"uuid": uuid, "_links": selfLink(href)}, href)
}

// codeRelationshipExists is the error of a create whose destination
// already has a relationship: ONTAP's generic duplicate-entry code.
const codeRelationshipExists = 1

// sourceCluster finds the cluster holding SVM svm: source.cluster.name or
// uuid when given, else the one cluster of the estate (this one included,
// for an intra-cluster relationship) that has an SVM so named.
func (rq *request) sourceCluster(svm string) (*fleet.OntapCluster, *apiError) {
	s := rq.s
	if n := rq.str("source.cluster.name"); n != "" {
		c := s.clusterByName(n)
		if c == nil {
			return nil, notFound("source.cluster.name", "Cluster \"%s\" is not peered.", n)
		}
		return c, nil
	}
	if u := rq.str("source.cluster.uuid"); u != "" {
		for _, c := range s.clusters() {
			if c.UUID == u {
				return c, nil
			}
		}
		return nil, notFound("source.cluster.uuid", "Cluster \"%s\" is not peered.", u)
	}
	var found []*fleet.OntapCluster
	for _, c := range s.clusters() {
		if c.SVM(svm) != nil {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, notFound("source.path", "SVM \"%s\" is not peered with this cluster.", svm)
	case 1:
		return found[0], nil
	}
	return nil, apiErr("2", "source.path", "SVM name \"%s\" exists on several peered clusters; set source.cluster.name.", svm)
}

// applyRelationshipCreate runs the create job: the destination volume when
// asked for, then the relationship, uninitialized, and its initialize
// transfer for the create-and-initialize form.
func (s *Server) applyRelationshipCreate(c *fleet.OntapCluster, j *fleet.OntapJob) *opError {
	a := j.Args
	at := j.EndTime
	for _, r := range c.Relationships {
		if r.DestinationPath == a["destination_path"] {
			return &opError{codeRelationshipExists, fmt.Sprintf("A SnapMirror relationship with destination \"%s\" already exists.", a["destination_path"])}
		}
	}
	srcC := s.clusterByName(a["source_cluster"])
	var src *fleet.OntapVolume
	if srcC != nil {
		src = srcC.VolumeByPath(a["source_path"])
	}
	if src == nil {
		return &opError{4, fmt.Sprintf("Source volume \"%s\" does not exist.", a["source_path"])}
	}
	if a["create_destination"] == "true" && c.VolumeByPath(a["destination_path"]) == nil {
		svm, name, _ := strings.Cut(a["destination_path"], ":")
		dst := &fleet.OntapVolume{
			UUID: c.NewUUID(), Name: name, SVM: svm, Type: "dp", Style: "flexvol", State: "online",
			CreateTime: at, MSID: 2160000000 + int64(c.Seq), Size: src.Size,
			SnapshotReservePercent: src.SnapshotReservePercent, SnapshotPolicy: "none",
			Root: &fleet.OntapFile{Type: "directory", Size: 4096, Inode: 64, Permissions: 755, ModifiedTime: at, CreationTime: at},
		}
		if len(c.Aggregates) > 0 {
			dst.Aggregate = c.Aggregates[0].Name
		}
		c.Volumes = append(c.Volumes, dst)
	}
	if dst := c.VolumeByPath(a["destination_path"]); dst == nil || dst.Type != "dp" {
		return &opError{2, fmt.Sprintf("Destination volume \"%s\" must exist as a data protection (DP) volume.", a["destination_path"])}
	}
	throttle, _ := strconv.ParseInt(a["throttle"], 10, 64)
	r := &fleet.OntapRelationship{
		UUID: a["uuid"], SourceCluster: srcC.Name, SourcePath: a["source_path"], DestinationPath: a["destination_path"],
		Policy: a["policy"], State: "uninitialized", Healthy: true, TransferSchedule: a["transfer_schedule"], Throttle: throttle,
	}
	c.Relationships = append(c.Relationships, r)
	if a["initialize"] == "true" {
		if _, err := s.startTransfer(c, r, "initialize", "", 0, at); err != nil {
			return &opError{int64(atoiCode(err.code)), err.message}
		}
	}
	return nil
}
