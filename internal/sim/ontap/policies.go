package ontap

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Snapshot policy changes (synchronous on ONTAP, like POST):
// PATCH and DELETE /storage/snapshot-policies/{uuid}, and the schedules
// sub-resource /storage/snapshot-policies/{uuid}/schedules[/{schedule.uuid}]
// that adds, changes and removes one schedule (copy) of a policy.

// kindPolicySchedule is a snapshot_policy_schedule record, keyed by its
// schedule.
var kindPolicySchedule = &kind{keys: []string{"schedule.uuid", "schedule.name"}, primary: "schedule.uuid"}

func (rq *request) snapshotPolicy(uuid string) (*fleet.OntapSnapshotPolicy, *apiError) {
	for _, p := range rq.c.SnapshotPolicies {
		if p.UUID == uuid {
			return p, nil
		}
	}
	return nil, notFound("uuid", "entry doesn't exist")
}

// policyUsers are the volumes that use policy p.
func (rq *request) policyUsers(p *fleet.OntapSnapshotPolicy) []string {
	var out []string
	for _, v := range rq.c.Volumes {
		if v.SnapshotPolicy == p.Name {
			out = append(out, v.SVM+":"+v.Name)
		}
	}
	return out
}

// ok answers a synchronous PATCH or DELETE.
func (rq *request) ok() { rq.writeJSON(http.StatusOK, obj{}) }

func (rq *request) patchSnapshotPolicy(uuid string) *apiError {
	p, e := rq.snapshotPolicy(uuid)
	if e != nil {
		return e
	}
	if e := rq.checkBody("name", "comment", "enabled"); e != nil {
		return e
	}
	if n, ok := rq.body["name"]; ok {
		name, _ := n.(string)
		if name == "" {
			return apiErr("2", "name", "The value for field \"name\" must not be empty.")
		}
		if other := rq.c.SnapshotPolicy(name); other != nil && other != p {
			return apiErr("1", "name", "Duplicate entry: snapshot policy \"%s\" already exists.", name)
		}
		for _, v := range rq.c.Volumes {
			if v.SnapshotPolicy == p.Name {
				v.SnapshotPolicy = name
			}
		}
		p.Name = name
	}
	if _, ok := rq.body["comment"]; ok {
		p.Comment = rq.str("comment")
	}
	if _, ok := rq.body["enabled"]; ok {
		b, e := rq.boolParam("enabled")
		if e != nil {
			return e
		}
		if b && len(p.Copies) == 0 {
			return apiErr("2", "enabled", "A snapshot policy without schedules cannot be enabled.")
		}
		p.Enabled = b
	}
	rq.ok()
	return nil
}

func (rq *request) deleteSnapshotPolicy(uuid string) *apiError {
	p, e := rq.snapshotPolicy(uuid)
	if e != nil {
		return e
	}
	if users := rq.policyUsers(p); len(users) > 0 {
		return apiErr("8", "uuid", "Snapshot policy \"%s\" is in use by %d volumes (%s); assign them another policy first.", p.Name, len(users), strings.Join(users, ", "))
	}
	rq.c.SnapshotPolicies = slices.DeleteFunc(rq.c.SnapshotPolicies, func(x *fleet.OntapSnapshotPolicy) bool { return x == p })
	rq.ok()
	return nil
}

func (rq *request) renderPolicySchedule(p *fleet.OntapSnapshotPolicy, cp fleet.OntapSnapshotPolicyCopy) obj {
	o := obj{"count": cp.Count, "prefix": cp.Prefix, "snapshot_policy": ref(p.Name, p.UUID, "/api/storage/snapshot-policies/"+p.UUID)}
	schedUUID := ""
	if sc := rq.c.Schedule(cp.Schedule); sc != nil {
		schedUUID = sc.UUID
	}
	o["schedule"] = ref(cp.Schedule, schedUUID, "/api/cluster/schedules/"+schedUUID)
	if cp.SnapmirrorLabel != "" {
		o["snapmirror_label"] = cp.SnapmirrorLabel
	}
	if cp.RetentionPeriod != "" {
		o["retention_period"] = cp.RetentionPeriod
	}
	o["_links"] = selfLink("/api/storage/snapshot-policies/" + p.UUID + "/schedules/" + schedUUID)
	return o
}

// policyCopyIndex finds the copy of p whose schedule has uuid.
func (rq *request) policyCopyIndex(p *fleet.OntapSnapshotPolicy, schedUUID string) int {
	for i, cp := range p.Copies {
		if sc := rq.c.Schedule(cp.Schedule); sc != nil && sc.UUID == schedUUID {
			return i
		}
	}
	return -1
}

func (rq *request) policySchedules(policyUUID, schedUUID string) *apiError {
	p, e := rq.snapshotPolicy(policyUUID)
	if e != nil {
		return e
	}
	m := rq.r.Method
	switch {
	case schedUUID == "" && m == "GET":
		var recs []obj
		for _, cp := range p.Copies {
			recs = append(recs, rq.renderPolicySchedule(p, cp))
		}
		return rq.writeCollection(kindPolicySchedule, recs, nil)
	case schedUUID == "" && m == "POST":
		if e := rq.checkBody("schedule.", "count", "prefix", "snapmirror_label", "retention_period"); e != nil {
			return e
		}
		cp, e := rq.policyCopy(rq.body, "")
		if e != nil {
			return e
		}
		for _, x := range p.Copies {
			if x.Schedule == cp.Schedule {
				return apiErr("1", "schedule", "Schedule \"%s\" is already part of snapshot policy \"%s\".", cp.Schedule, p.Name)
			}
		}
		if len(p.Copies) >= 5 {
			return apiErr("2", "schedule", "A snapshot policy has at most 5 schedules.")
		}
		p.Copies = append(p.Copies, cp)
		sc := rq.c.Schedule(cp.Schedule)
		rq.created("/api/storage/snapshot-policies/"+p.UUID+"/schedules/"+sc.UUID, rq.renderPolicySchedule(p, cp))
		return nil
	case schedUUID == "":
		return methodNotAllowed(m)
	}
	i := rq.policyCopyIndex(p, schedUUID)
	if i < 0 {
		return notFound("schedule.uuid", "entry doesn't exist")
	}
	switch m {
	case "GET":
		rq.writeOne(kindPolicySchedule, rq.renderPolicySchedule(p, p.Copies[i]))
		return nil
	case "PATCH":
		if e := rq.checkBody("count", "snapmirror_label", "retention_period"); e != nil {
			return e
		}
		f := map[string]any{"schedule.name": p.Copies[i].Schedule, "prefix": p.Copies[i].Prefix}
		for k, v := range rq.body {
			f[k] = v
		}
		if _, ok := f["count"]; !ok {
			f["count"] = jsonInt(p.Copies[i].Count)
		}
		cp, e := rq.policyCopy(f, "")
		if e != nil {
			return e
		}
		if _, ok := rq.body["snapmirror_label"]; !ok {
			cp.SnapmirrorLabel = p.Copies[i].SnapmirrorLabel
		}
		if _, ok := rq.body["retention_period"]; !ok {
			cp.RetentionPeriod = p.Copies[i].RetentionPeriod
		}
		p.Copies[i] = cp
		rq.ok()
		return nil
	case "DELETE":
		if len(p.Copies) == 1 && p.Enabled {
			return apiErr("2", "schedule.uuid", "Cannot remove the last schedule of enabled snapshot policy \"%s\"; disable the policy first.", p.Name)
		}
		p.Copies = slices.Delete(p.Copies, i, i+1)
		rq.ok()
		return nil
	}
	return methodNotAllowed(m)
}

// jsonInt is n as a decoded JSON number.
func jsonInt(n int) json.Number { return json.Number(strconv.Itoa(n)) }
