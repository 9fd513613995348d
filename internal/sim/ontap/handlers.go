package ontap

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

func (rq *request) getCluster() *apiError {
	rq.writeOne(kindCluster, rq.s.renderCluster(rq.c))
	return nil
}

func (rq *request) listNodes(uuid string) *apiError {
	var recs []obj
	for _, n := range rq.c.Nodes {
		if uuid != "" && n.UUID != uuid {
			continue
		}
		recs = append(recs, rq.s.renderNode(rq.c, n))
	}
	if uuid != "" {
		if len(recs) == 0 {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindNode, recs[0])
		return nil
	}
	return rq.writeCollection(kindNode, recs, nil)
}

func (rq *request) listSVMs(uuid string) *apiError {
	var recs []obj
	for _, s := range rq.c.SVMs {
		if uuid != "" && s.UUID != uuid {
			continue
		}
		recs = append(recs, renderSVM(s))
	}
	if uuid != "" {
		if len(recs) == 0 {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindSVM, recs[0])
		return nil
	}
	return rq.writeCollection(kindSVM, recs, nil)
}

// listJobs serves /cluster/jobs[/{uuid}]. A GET of an unfinished job moves
// the estate clock forward by PollStep, so that polling clients see it
// progress in simulated time.
func (rq *request) listJobs(uuid string) *apiError {
	s := rq.s
	if uuid != "" {
		var job *fleet.OntapJob
		for _, j := range rq.c.Jobs {
			if j.UUID == uuid {
				job = j
			}
		}
		if job == nil {
			return notFound("uuid", "entry doesn't exist")
		}
		if job.State == "" {
			s.estate.Clock.Advance(s.opts.PollStep)
			s.settle()
		}
		rq.writeOne(kindJob, s.renderJob(rq.c, job))
		return nil
	}
	var recs []obj
	for _, j := range rq.c.Jobs {
		recs = append(recs, s.renderJob(rq.c, j))
	}
	return rq.writeCollection(kindJob, recs, nil)
}

func (rq *request) listSchedules(uuid string) *apiError {
	var recs []obj
	for _, sc := range rq.c.Schedules {
		if uuid != "" && sc.UUID != uuid {
			continue
		}
		recs = append(recs, rq.s.renderSchedule(rq.c, sc))
	}
	if uuid != "" {
		if len(recs) == 0 {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindSchedule, recs[0])
		return nil
	}
	return rq.writeCollection(kindSchedule, recs, nil)
}

func intsOf(v any, field string) ([]int, *apiError) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, apiErr("2", field, "The value for field \"%s\" must be an array of integers.", field)
	}
	out := make([]int, 0, len(l))
	for _, x := range l {
		n, ok := x.(json.Number)
		if !ok {
			return nil, apiErr("2", field, "The value for field \"%s\" must be an array of integers.", field)
		}
		i, err := n.Int64()
		if err != nil {
			return nil, apiErr("2", field, "The value \"%s\" is invalid for field \"%s\".", n, field)
		}
		out = append(out, int(i))
	}
	return out, nil
}

// createSchedule serves POST /cluster/schedules (synchronous, 201).
func (rq *request) createSchedule() *apiError {
	if e := rq.checkBody("name", "cron.", "interval", "svm.", "cluster."); e != nil {
		return e
	}
	name := rq.str("name")
	if name == "" || len(name) > 256 {
		return apiErr("2", "name", "Field \"name\" is required (1 to 256 characters).")
	}
	if rq.c.Schedule(name) != nil {
		return apiErr("1", "name", "Duplicate entry: schedule \"%s\" already exists.", name)
	}
	sc := &fleet.OntapSchedule{Name: name, SVM: rq.str("svm.name")}
	if iv := rq.str("interval"); iv != "" {
		d, err := parseISODuration(iv)
		if err != nil || d <= 0 {
			return apiErr("2", "interval", "The value \"%s\" is invalid for field \"interval\".", iv)
		}
		sc.Type, sc.Interval = "interval", d
	} else {
		sc.Type = "cron"
		var e *apiError
		if sc.Cron.Minutes, e = intsOf(rq.body["cron.minutes"], "cron.minutes"); e != nil {
			return e
		}
		if len(sc.Cron.Minutes) == 0 {
			return apiErr("2", "cron.minutes", "Field \"cron.minutes\" is required for a cron schedule.")
		}
		if sc.Cron.Hours, e = intsOf(rq.body["cron.hours"], "cron.hours"); e != nil {
			return e
		}
		if sc.Cron.Days, e = intsOf(rq.body["cron.days"], "cron.days"); e != nil {
			return e
		}
		if sc.Cron.Months, e = intsOf(rq.body["cron.months"], "cron.months"); e != nil {
			return e
		}
		if sc.Cron.Weekdays, e = intsOf(rq.body["cron.weekdays"], "cron.weekdays"); e != nil {
			return e
		}
	}
	if sc.SVM != "" && rq.c.SVM(sc.SVM) == nil {
		return notFound("svm.name", "SVM \"%s\" does not exist.", sc.SVM)
	}
	sc.UUID = rq.c.NewUUID()
	rq.c.Schedules = append(rq.c.Schedules, sc)
	rq.created("/api/cluster/schedules/"+sc.UUID, rq.s.renderSchedule(rq.c, sc))
	return nil
}

// created answers a synchronous POST.
func (rq *request) created(location string, rec obj) {
	rq.w.Header().Set("Location", location)
	body := obj{}
	if rq.q.Get("return_records") == "true" {
		body = obj{"num_records": 1, "records": []any{rec}}
	}
	rq.writeJSON(http.StatusCreated, body)
}

func (rq *request) listSnapshotPolicies(uuid string) *apiError {
	var recs []obj
	for _, p := range rq.c.SnapshotPolicies {
		if uuid != "" && p.UUID != uuid {
			continue
		}
		recs = append(recs, rq.s.renderSnapshotPolicy(rq.c, p))
	}
	if uuid != "" {
		if len(recs) == 0 {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindSnapPol, recs[0])
		return nil
	}
	return rq.writeCollection(kindSnapPol, recs, nil)
}

var labelRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,31}$`)

// createSnapshotPolicy serves POST /storage/snapshot-policies (synchronous).
func (rq *request) createSnapshotPolicy() *apiError {
	if e := rq.checkBody("name", "comment", "enabled", "copies", "svm.", "scope"); e != nil {
		return e
	}
	name := rq.str("name")
	if name == "" {
		return apiErr("2", "name", "Field \"name\" is required.")
	}
	if rq.c.SnapshotPolicy(name) != nil {
		return apiErr("1", "name", "Duplicate entry: snapshot policy \"%s\" already exists.", name)
	}
	enabled := true
	if _, ok := rq.body["enabled"]; ok {
		b, e := rq.boolParam("enabled")
		if e != nil {
			return e
		}
		enabled = b
	}
	p := &fleet.OntapSnapshotPolicy{Name: name, Comment: rq.str("comment"), Enabled: enabled, SVM: rq.str("svm.name")}
	if p.SVM != "" && rq.c.SVM(p.SVM) == nil {
		return notFound("svm.name", "SVM \"%s\" does not exist.", p.SVM)
	}
	list, _ := rq.body["copies"].([]any)
	if len(list) == 0 && enabled {
		return apiErr("2", "copies", "At least one schedule is required in \"copies\" for an enabled policy.")
	}
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return apiErr("2", "copies", "Invalid copies entry %d.", i)
		}
		f := map[string]any{}
		flatten("", m, f)
		cp, e := rq.policyCopy(f, "copies.")
		if e != nil {
			return e
		}
		p.Copies = append(p.Copies, cp)
	}
	p.UUID = rq.c.NewUUID()
	rq.c.SnapshotPolicies = append(rq.c.SnapshotPolicies, p)
	rq.created("/api/storage/snapshot-policies/"+p.UUID, rq.s.renderSnapshotPolicy(rq.c, p))
	return nil
}

// policyCopy reads one schedule of a snapshot policy from flattened
// fields (prefix names them in errors: "copies." or "").
func (rq *request) policyCopy(f map[string]any, prefix string) (fleet.OntapSnapshotPolicyCopy, *apiError) {
	cp := fleet.OntapSnapshotPolicyCopy{}
	for k, v := range f {
		sv := fmt.Sprint(v)
		switch k {
		case "count":
			n, ok := v.(json.Number)
			c, err := n.Int64()
			if !ok || err != nil || c < 1 || c > 1023 {
				return cp, apiErr("2", prefix+"count", "The value \"%v\" is invalid for field \"%scount\" (1-1023).", v, prefix)
			}
			cp.Count = int(c)
		case "schedule.name":
			cp.Schedule = sv
		case "schedule.uuid":
			for _, sc := range rq.c.Schedules {
				if sc.UUID == sv {
					cp.Schedule = sc.Name
				}
			}
			if cp.Schedule == "" {
				return cp, notFound(prefix+"schedule.uuid", "Schedule \"%s\" does not exist.", sv)
			}
		case "prefix":
			cp.Prefix = sv
		case "snapmirror_label":
			if !labelRE.MatchString(sv) {
				return cp, apiErr("2", prefix+"snapmirror_label", "The value \"%s\" is invalid for field \"%ssnapmirror_label\".", sv, prefix)
			}
			cp.SnapmirrorLabel = sv
		case "retention_period":
			if _, err := parseISODuration(sv); err != nil {
				return cp, apiErr("2", prefix+"retention_period", "The value \"%s\" is invalid for field \"%sretention_period\".", sv, prefix)
			}
			cp.RetentionPeriod = sv
		default:
			return cp, apiErr("2", prefix+k, "Unexpected argument \"%s%s\".", prefix, k)
		}
	}
	if rq.c.Schedule(cp.Schedule) == nil {
		return cp, notFound(prefix+"schedule.name", "Schedule \"%s\" does not exist.", cp.Schedule)
	}
	if cp.Count == 0 {
		return cp, apiErr("2", prefix+"count", "Field \"%scount\" is required.", prefix)
	}
	if cp.Prefix == "" {
		cp.Prefix = cp.Schedule
	}
	return cp, nil
}

func (rq *request) listSnapmirrorPolicies(uuid string) *apiError {
	var recs []obj
	for _, p := range rq.c.SnapmirrorPolicies {
		if uuid != "" && p.UUID != uuid {
			continue
		}
		recs = append(recs, rq.s.renderSnapmirrorPolicy(rq.c, p))
	}
	if uuid != "" {
		if len(recs) == 0 {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindSMPolicy, recs[0])
		return nil
	}
	return rq.writeCollection(kindSMPolicy, recs, nil)
}

// listEvents serves /support/ems/events. Without a message.severity
// filter, debug events are left out (as on ONTAP).
func (rq *request) listEvents() *apiError {
	_, sevGiven := rq.q["message.severity"]
	var recs []obj
	for _, e := range rq.c.Events {
		if !sevGiven && e.Severity == "debug" {
			continue
		}
		recs = append(recs, rq.s.renderEvent(rq.c, e))
	}
	return rq.writeCollection(kindEvent, recs, map[string]bool{"filter.name": true})
}

// parseTimeParam reads an RFC 3339 time from a body or query value.
func parseTimeParam(v any, field string) (time.Time, *apiError) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apiErr("2", field, "The value for field \"%s\" must be a date-time string.", field)
	}
	t, ok2 := parseQueryTime(s)
	if !ok2 || strings.TrimSpace(s) == "" {
		return time.Time{}, apiErr("2", field, "The value \"%s\" is invalid for field \"%s\".", s, field)
	}
	return t.UTC(), nil
}
