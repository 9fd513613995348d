package ontap

import (
	"strconv"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// SnapMirror relationship delete, on the destination cluster (create is in
// protect.go): DELETE /snapmirror/relationships/{uuid} refuses a
// relationship with a transfer under way (13303812) and otherwise runs a
// job that removes it; the destination volume stays (as ONTAP leaves it),
// and the snapmirror snapshots stop being owned. source_only,
// source_info_only and destination_only are accepted, one at a time (the
// simulator keeps one record per relationship, so each removes it).

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
