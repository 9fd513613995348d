package ontap

import (
	"net/http"
	"strconv"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// relationshipOwner finds a relationship by UUID among those this cluster
// holds as destination.
func (rq *request) relationship(uuid string) (*fleet.OntapRelationship, *apiError) {
	r := rq.c.Relationship(uuid)
	if r == nil {
		return nil, notFound("uuid", "entry doesn't exist")
	}
	return r, nil
}

// listRelationships serves /snapmirror/relationships[/{uuid}]. As on ONTAP,
// the destination cluster lists its relationships; with
// list_destinations_only=true the source cluster lists the relationships
// whose source it holds. A GET of one relationship with a transfer under
// way moves the clock forward by PollStep.
func (rq *request) listRelationships(uuid string) *apiError {
	s := rq.s
	if uuid != "" {
		r, e := rq.relationship(uuid)
		if e != nil {
			// The source side answers for its outgoing relationships too.
			for _, oc := range s.clusters() {
				if oc == rq.c {
					continue
				}
				if x := oc.Relationship(uuid); x != nil && x.SourceCluster == rq.c.Name {
					rq.writeOne(kindRelationship, s.renderRelationship(oc, x))
					return nil
				}
			}
			return e
		}
		if activeTransfer(r) != nil {
			s.estate.Clock.Advance(s.opts.PollStep)
			s.settle()
		}
		rq.writeOne(kindRelationship, s.renderRelationship(rq.c, r))
		return nil
	}
	var recs []obj
	if rq.q.Get("list_destinations_only") == "true" {
		for _, oc := range s.clusters() {
			for _, r := range oc.Relationships {
				if r.SourceCluster == rq.c.Name {
					recs = append(recs, s.renderRelationship(oc, r))
				}
			}
		}
	} else {
		for _, r := range rq.c.Relationships {
			recs = append(recs, s.renderRelationship(rq.c, r))
		}
	}
	return rq.writeCollection(kindRelationship, recs, map[string]bool{"list_destinations_only": true})
}

// patchRelationship serves PATCH /snapmirror/relationships/{uuid}: state
// changes (initialize, quiesce, resume, break, resync) and policy, schedule
// and throttle changes, through a job. Invalid transitions are refused up
// front with code 2; a break while a transfer runs with 13303808.
func (rq *request) patchRelationship(uuid string) *apiError {
	r, e := rq.relationship(uuid)
	if e != nil {
		return e
	}
	if e := rq.checkBody("state", "restore_to_snapshot", "preserve", "quick_resync", "recover_after_break",
		"policy.", "transfer_schedule.", "transfer_schedule", "throttle", "backoff_level"); e != nil {
		return e
	}
	for _, k := range []string{"failover", "failback", "force-failover"} {
		if rq.q.Get(k) == "true" {
			return apiErr("3", k, "The \"%s\" parameter is supported only for SVM-DR SnapMirror relationships.", k)
		}
	}
	args := map[string]string{"relationship": r.UUID}
	if st := rq.str("state"); st != "" {
		if e := validTransition(r, st); e != nil {
			return e
		}
		if st == "broken_off" && r.State != "broken_off" && activeTransfer(r) != nil && rq.q.Get("force") != "true" {
			return apiErr(strconv.Itoa(codeBreakFailed), "state", "Transition to broken_off failed for relationship with destination \"%s\": a transfer is in progress.", r.DestinationPath)
		}
		if st == "snapmirrored" && (r.State == "uninitialized" || r.State == "broken_off") && activeTransfer(r) != nil {
			return apiErr(strconv.Itoa(codeTransferInProgress), "state", "Another transfer is in progress for relationship with destination \"%s\".", r.DestinationPath)
		}
		args["state"] = st
	}
	if snap := rq.str("restore_to_snapshot"); snap != "" {
		if args["state"] != "broken_off" {
			return apiErr("2", "restore_to_snapshot", "\"restore_to_snapshot\" is valid only when breaking the relationship.")
		}
		dst := rq.c.VolumeByPath(r.DestinationPath)
		if dst == nil || dst.Snapshot(snap) == nil {
			return notFound("restore_to_snapshot", "Snapshot \"%s\" does not exist on the destination volume.", snap)
		}
		args["restore_to_snapshot"] = snap
	}
	if b, e := rq.boolParam("preserve"); e != nil {
		return e
	} else if b {
		args["preserve"] = "true"
	}
	if n := rq.str("policy.name"); n != "" {
		if rq.c.SnapmirrorPolicy(n) == nil {
			return notFound("policy.name", "SnapMirror policy \"%s\" does not exist.", n)
		}
		args["policy"] = n
	} else if u := rq.str("policy.uuid"); u != "" {
		for _, p := range rq.c.SnapmirrorPolicies {
			if p.UUID == u {
				args["policy"] = p.Name
			}
		}
		if args["policy"] == "" {
			return notFound("policy.uuid", "SnapMirror policy \"%s\" does not exist.", u)
		}
	}
	if v, ok := rq.body["transfer_schedule"]; ok && v == nil {
		args["transfer_schedule"] = ""
	}
	if _, ok := rq.body["transfer_schedule.name"]; ok {
		n := rq.str("transfer_schedule.name")
		if n != "" && rq.c.Schedule(n) == nil {
			return notFound("transfer_schedule.name", "Schedule \"%s\" does not exist.", n)
		}
		args["transfer_schedule"] = n
	}
	if n, ok, e := rq.intParam("throttle"); e != nil {
		return e
	} else if ok {
		args["throttle"] = strconv.FormatInt(n, 10)
	}
	if len(args) == 1 {
		return apiErr("2", "", "No fields to modify.")
	}
	job := rq.newJob("snapmirror.modify", args, "")
	return rq.respondJob(job, nil, "")
}

// validTransition checks an async state change (same state: accepted, no
// change).
func validTransition(r *fleet.OntapRelationship, to string) *apiError {
	switch to {
	case "snapmirrored", "paused", "broken_off":
	case "in_sync", "out_of_sync", "synchronizing":
		return apiErr("2", "state", "State \"%s\" requires a synchronous policy; relationship with destination \"%s\" uses an asynchronous policy.", to, r.DestinationPath)
	default:
		return apiErr("2", "state", "The value \"%s\" is invalid for field \"state\".", to)
	}
	if to == r.State {
		return nil
	}
	ok := map[string]map[string]bool{
		"uninitialized": {"snapmirrored": true},
		"snapmirrored":  {"paused": true, "broken_off": true},
		"paused":        {"snapmirrored": true, "broken_off": true},
		"broken_off":    {"snapmirrored": true},
	}
	if !ok[r.State][to] {
		return apiErr("2", "state", "Invalid state transition from \"%s\" to \"%s\" for relationship with destination \"%s\".", r.State, to, r.DestinationPath)
	}
	return nil
}

func (rq *request) listTransfers(relUUID, uuid string) *apiError {
	r, e := rq.relationship(relUUID)
	if e != nil {
		return e
	}
	s := rq.s
	if uuid != "" {
		for _, t := range r.Transfers {
			if t.UUID == uuid {
				if t.State == "" {
					s.estate.Clock.Advance(s.opts.PollStep)
					s.settle()
				}
				rq.writeOne(kindTransfer, s.renderTransfer(rq.c, r, t))
				return nil
			}
		}
		return notFound("uuid", "entry doesn't exist")
	}
	recs := make([]obj, 0, len(r.Transfers))
	for _, t := range r.Transfers {
		recs = append(recs, s.renderTransfer(rq.c, r, t))
	}
	return rq.writeCollection(kindTransfer, recs, nil)
}

// createTransfer serves POST /snapmirror/relationships/{uuid}/transfers
// (update, or initialize when uninitialized): 201 with a Location header and,
// with return_records=true, the transfer record.
func (rq *request) createTransfer(relUUID string) *apiError {
	r, e := rq.relationship(relUUID)
	if e != nil {
		return e
	}
	if e := rq.checkBody("source_snapshot", "throttle", "storage_efficiency_enabled", "files", "options", "on_demand_attrs"); e != nil {
		return e
	}
	if _, ok := rq.body["files"]; ok {
		return apiErr("3", "files", "\"files\" is supported only for restore relationships.")
	}
	if t := activeTransfer(r); t != nil {
		return apiErr(strconv.Itoa(codeTransferInProgress), "", "Another transfer is in progress for relationship with destination \"%s\" (transfer %s).", r.DestinationPath, t.UUID)
	}
	typ := "update"
	switch r.State {
	case "uninitialized":
		typ = "initialize"
	case "snapmirrored":
	case "paused":
		return apiErr("3", "", "Relationship with destination \"%s\" is quiesced; resume it before starting a transfer.", r.DestinationPath)
	case "broken_off":
		return apiErr("3", "", "Relationship with destination \"%s\" is broken-off; resync it before starting a transfer.", r.DestinationPath)
	}
	throttle, _, e := rq.intParam("throttle")
	if e != nil {
		return e
	}
	t, e := rq.s.startTransfer(rq.c, r, typ, rq.str("source_snapshot"), throttle, rq.s.now())
	if e != nil {
		return e
	}
	href := "/api/snapmirror/relationships/" + r.UUID + "/transfers/" + t.UUID
	rq.w.Header().Set("Location", href)
	body := obj{}
	if rq.q.Get("return_records") == "true" {
		rec := project(rq.s.renderTransfer(rq.c, r, t), fieldSel{star: true, given: true}, kindTransfer, true)
		body = obj{"num_records": 1, "records": []any{rec}}
	}
	rq.writeJSON(http.StatusCreated, body)
	return nil
}

// patchTransfer aborts a transfer ({"state":"aborted"} or "hard_aborted").
func (rq *request) patchTransfer(relUUID, uuid string) *apiError {
	r, e := rq.relationship(relUUID)
	if e != nil {
		return e
	}
	if e := rq.checkBody("state"); e != nil {
		return e
	}
	var t *fleet.OntapTransfer
	for _, x := range r.Transfers {
		if x.UUID == uuid {
			t = x
		}
	}
	if t == nil {
		return notFound("uuid", "entry doesn't exist")
	}
	st := rq.str("state")
	if st != "aborted" && st != "hard_aborted" {
		return apiErr("2", "state", "The value \"%s\" is invalid for field \"state\" (aborted, hard_aborted).", st)
	}
	if t.State != "" {
		return apiErr("3", "state", "Transfer %s is not in progress.", t.UUID)
	}
	now := rq.s.now()
	t.BytesTransferred = transferProgress(t, now)
	t.State, t.EndTime = st, now
	t.ErrorCode, t.ErrorMessage = codeTransferAborted, "Transfer aborted"
	r.Healthy = false
	r.UnhealthyReasons = []fleet.OntapUnhealthyReason{{Code: strconv.Itoa(codeTransferAborted), Message: "Transfer aborted", Arguments: []string{}}}
	rq.writeJSON(http.StatusOK, obj{})
	return nil
}
