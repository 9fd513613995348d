package aiqum

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Thresholds of the monitoring cycle (reference section 7, 9.9 defaults);
// a space threshold is breached when use exceeds it.
const (
	lagWarnRatio     = 1.5
	lagErrorRatio    = 2.5
	spaceNearlyFull  = 0.80
	spaceFull        = 0.90
	reserveFull      = 0.90
	daysUntilFullMax = 15
	// reraiseAfter is how long a resolved event's condition must persist
	// before a new event is raised for it (one monitoring interval).
	reraiseAfter = 15 * time.Minute
	arwWindow    = 7 * 24 * time.Hour
)

// raised is a condition the monitoring cycle found.
type raised struct {
	cond, name, severity, area, level, rtype, rname, ruuid, svm, cause string
	cluster                                                            *fleet.OntapCluster
	since                                                              time.Time
}

// monitor runs one monitoring cycle at now: it raises events for new
// conditions, folds repeats into the active event, and makes active events
// obsolete when their condition has cleared. Callers hold the locks.
func (s *Server) monitor(now time.Time) {
	found := map[string]raised{}
	for _, c := range s.managed() {
		for _, r := range s.conditions(c, now) {
			found[r.cond] = r
		}
	}
	latest := map[string]*fleet.AiqumEvent{}
	for _, ev := range s.a.Events {
		if ev.Condition != "" {
			latest[ev.Condition] = ev
		}
	}
	// Obsolete what cleared or was overwritten by a different event.
	for _, ev := range s.a.Events {
		if ev.Condition == "" || !ev.Active() {
			continue
		}
		r, ok := found[ev.Condition]
		switch {
		case !ok:
			obsolete(ev, now, "system_resolved")
		case r.name != ev.Name:
			obsolete(ev, now, "event_overwritten")
		}
	}
	conds := make([]string, 0, len(found))
	for k := range found {
		conds = append(conds, k)
	}
	sort.Strings(conds)
	for _, k := range conds {
		r := found[k]
		if ev := latest[k]; ev != nil {
			if ev.Active() && ev.Name == r.name {
				continue // folded into the open event
			}
			if ev.State == "resolved" && ev.Name == r.name && now.Sub(ev.History[len(ev.History)-1].Time) < reraiseAfter {
				continue
			}
		}
		at := r.since
		if at.IsZero() || at.After(now) {
			at = now
		}
		if ev := latest[k]; ev != nil && !ev.Active() {
			last := ev.History[len(ev.History)-1].Time
			if at.Before(last) {
				at = last
			}
		}
		at = at.Truncate(time.Millisecond)
		s.a.Seq++
		s.a.Events = append(s.a.Events, &fleet.AiqumEvent{
			Key: fleet.OntapUUID("aiqum-event", s.a.Name, fmt.Sprint(s.a.Seq), k), Name: r.name, Severity: r.severity,
			State: "new", Area: r.area, Level: r.level, ResourceType: r.rtype, ResourceName: r.rname, ResourceUUID: r.ruuid,
			Cluster: r.cluster.Name, SVM: r.svm, Cause: r.cause, Raised: at, Condition: k,
			History: []fleet.AiqumEventHistory{{State: "new", Time: at}},
		})
	}
}

func obsolete(ev *fleet.AiqumEvent, now time.Time, cause string) {
	ev.State = "obsolete"
	ev.History = append(ev.History, fleet.AiqumEventHistory{State: "obsolete", Time: now, Cause: cause})
}

// relationshipFamily names the event family of a SnapMirror policy.
func relationshipFamily(policy string) string {
	switch {
	case strings.Contains(policy, "AndVault"):
		return "Asynchronous Mirror and Vault "
	case strings.Contains(policy, "Vault") || policy == "XDPDefault":
		return "Asynchronous Vault "
	}
	return "Mirror Replication "
}

// scheduleInterval is the time between the two latest firings of s.
func scheduleInterval(s *fleet.OntapSchedule, now time.Time) time.Duration {
	if s == nil {
		return 0
	}
	if s.Type == "interval" {
		return s.Interval
	}
	last := fleet.PreviousFiring(s, now)
	if last.IsZero() {
		return 0
	}
	before := fleet.PreviousFiring(s, last.Add(-time.Minute))
	if before.IsZero() {
		return 0
	}
	return last.Sub(before)
}

// conditions evaluates the backup-relevant thresholds on c.
func (s *Server) conditions(c *fleet.OntapCluster, now time.Time) []raised {
	var out []raised
	for _, r := range c.Relationships {
		svm, _, _ := strings.Cut(r.DestinationPath, ":")
		fam := relationshipFamily(r.Policy)
		base := raised{rtype: "snap_mirror", rname: r.DestinationPath, ruuid: r.UUID, svm: svm, cluster: c, area: "protection", level: "risk"}
		if pol := c.SnapmirrorPolicy(r.Policy); pol != nil && pol.Type != "async" && pol.Type != "" {
			continue // lag and these events are for asynchronous relationships
		}
		switch {
		case r.State == "broken_off":
			x := base
			x.cond, x.name, x.severity = "state:"+r.UUID, fam+"Broken-off", "error"
			x.cause = fmt.Sprintf("The relationship %s to %s is broken off.", r.SourcePath, r.DestinationPath)
			out = append(out, x)
			continue
		case !r.Healthy:
			x := base
			x.cond, x.name, x.severity = "state:"+r.UUID, fam+"Unhealthy", "warning"
			reason := "unknown"
			if len(r.UnhealthyReasons) > 0 {
				reason = r.UnhealthyReasons[0].Message
			}
			x.cause = fmt.Sprintf("The relationship %s to %s is unhealthy: %s", r.SourcePath, r.DestinationPath, reason)
			out = append(out, x)
		}
		if n := len(r.Transfers); n > 0 && r.Transfers[n-1].State == "failed" {
			t := r.Transfers[n-1]
			x := base
			x.cond, x.name, x.severity, x.since = "update:"+r.UUID, fam+"Update Failed", "error", t.EndTime
			x.cause = fmt.Sprintf("The last transfer to %s failed: %s", r.DestinationPath, t.ErrorMessage)
			out = append(out, x)
		}
		sched := r.TransferSchedule
		if sched == "" {
			if pol := c.SnapmirrorPolicy(r.Policy); pol != nil {
				sched = pol.TransferSchedule
			}
		}
		iv := scheduleInterval(c.Schedule(sched), now)
		if r.State != "snapmirrored" || iv <= 0 || r.ExportedSnapshotTime.IsZero() {
			continue // no schedule: no lag status (reference section 7)
		}
		lag := now.Sub(r.ExportedSnapshotTime)
		ratio := lag.Seconds() / iv.Seconds()
		if ratio < lagWarnRatio {
			continue
		}
		x := base
		x.cond = "lag:" + r.UUID
		x.name, x.severity = fam+"Lag Warning", "warning"
		thr := lagWarnRatio
		if ratio >= lagErrorRatio {
			x.name, x.severity, thr = fam+"Lag Error", "error", lagErrorRatio
		}
		x.since = r.ExportedSnapshotTime.Add(time.Duration(thr * float64(iv)))
		x.cause = fmt.Sprintf("The lag of %s (%s) exceeds the %s threshold of %.0f%% of the %s schedule interval.",
			r.DestinationPath, isoDuration(lag), strings.ToLower(strings.TrimPrefix(x.name, fam)), thr*100, sched)
		out = append(out, x)
	}
	for _, v := range c.Volumes {
		if v.State != "online" {
			continue
		}
		base := raised{rtype: "volume", rname: v.Path(), ruuid: v.UUID, svm: v.SVM, cluster: c, area: "capacity", level: "risk"}
		data := v.Size - v.Size*int64(v.SnapshotReservePercent)/100
		if data > 0 && v.Type == "rw" {
			pct := float64(v.Used) / float64(data)
			x := base
			x.cond = "space:" + v.UUID
			switch {
			case pct > spaceFull:
				x.name, x.severity = "Volume Space Full", "error"
			case pct > spaceNearlyFull:
				x.name, x.severity = "Volume Space Nearly Full", "warning"
			}
			if x.name != "" {
				x.cause = fmt.Sprintf("The full threshold set at %.0f%% is breached. %.2f%% of the volume space is used.", threshold(x.severity), pct*100)
				out = append(out, x)
			}
			if days, ok := daysUntilFull(v, data, now); ok && days <= daysUntilFullMax {
				x := base
				x.cond, x.name, x.severity = "days:"+v.UUID, "Volume Days Until Full", "error"
				x.cause = fmt.Sprintf("The volume will be full in %.1f days, within the threshold of %d days.", days, daysUntilFullMax)
				out = append(out, x)
			}
		}
		if res := v.Size * int64(v.SnapshotReservePercent) / 100; res > 0 {
			if pct := float64(snapshotUsed(v)) / float64(res); pct > reserveFull {
				x := base
				x.cond, x.name, x.severity = "reserve:"+v.UUID, "Volume Snapshot Reserve Space Full", "warning"
				x.cause = fmt.Sprintf("The snapshot reserve full threshold set at %.0f%% is breached. %.2f%% of the snapshot reserve is used.", reserveFull*100, pct*100)
				out = append(out, x)
			}
		}
	}
	for _, e := range c.Events {
		if now.Sub(e.Time) > arwWindow || e.Time.After(now) || !strings.HasPrefix(e.Name, "callhome.arw") {
			continue
		}
		for _, v := range c.Volumes {
			if strings.Contains(e.LogMessage, "'"+v.Name+"'") && strings.Contains(e.LogMessage, "'"+v.SVM+"'") {
				out = append(out, raised{cond: "arw:" + v.UUID, name: "Ransomware Activity Seen", severity: "critical", area: "security",
					level: "incident", rtype: "volume", rname: v.Path(), ruuid: v.UUID, svm: v.SVM, cluster: c, since: e.Time,
					cause: "Anti-ransomware reported abnormal activity on the volume: " + e.LogMessage})
			}
		}
	}
	return out
}

func threshold(sev string) float64 {
	if sev == "error" {
		return spaceFull * 100
	}
	return spaceNearlyFull * 100
}

// daysUntilFull fits the growth of the used space over the last week (the
// snapshots' logical sizes and the current use) and says when it reaches
// the data capacity.
func daysUntilFull(v *fleet.OntapVolume, data int64, now time.Time) (float64, bool) {
	type pt struct{ x, y float64 }
	var pts []pt
	for _, s := range v.Snapshots {
		if now.Sub(s.CreateTime) <= 7*24*time.Hour && s.LogicalSize > 0 {
			pts = append(pts, pt{s.CreateTime.Sub(now).Hours() / 24, float64(s.LogicalSize)})
		}
	}
	pts = append(pts, pt{0, float64(v.Used)})
	if len(pts) < 4 {
		return 0, false
	}
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		sx, sy, sxx, sxy = sx+p.x, sy+p.y, sxx+p.x*p.x, sxy+p.x*p.y
	}
	n := float64(len(pts))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	slope := (n*sxy - sx*sy) / den
	if slope <= 0 {
		return 0, false
	}
	return (float64(data) - float64(v.Used)) / slope, true
}

func (s *Server) eventRecords(now time.Time) []obj {
	out := make([]obj, 0, len(s.a.Events))
	for _, ev := range s.a.Events {
		out = append(out, s.eventRecord(ev, now))
	}
	return out
}

func (s *Server) eventRecord(ev *fleet.AiqumEvent, now time.Time) obj {
	hist := []any{}
	for _, h := range ev.History {
		x := obj{"state": h.State, "timestamp": ts(h.Time)}
		if h.User != "" {
			x["user"] = h.User
		}
		if h.Cause != "" {
			x["cause"] = h.Cause
		}
		hist = append(hist, x)
	}
	rec := obj{
		"key": ev.Key, "name": ev.Name, "severity": ev.Severity, "current_state": ev.State,
		"impact": obj{"area": ev.Area, "level": ev.Level, "resource_type": ev.ResourceType,
			"resource_name": ev.ResourceName, "resource_uuid": ev.ResourceUUID},
		"cause": ev.Cause, "duration": isoDuration(now.Sub(ev.Raised)), "group": group(ev.Area),
		"origin": "Management Server", "history": hist,
	}
	if ev.AssignedUser != "" {
		rec["assigned"] = obj{"user": ev.AssignedUser, "timestamp": ts(ev.AssignedTime)}
	}
	if ev.AckUser != "" {
		rec["acknowledged_username"] = ev.AckUser
	}
	if ev.ResolvedUser != "" {
		rec["resolved_username"] = ev.ResolvedUser
	}
	if c := s.estate.OntapClusterByName(ev.Cluster); c != nil {
		ref := clusterRef(c)
		delete(ref, "_links")
		rec["cluster"] = ref
		if ev.SVM != "" {
			if svm := c.SVM(ev.SVM); svm != nil {
				rec["svm"] = obj{"key": svmKey(c, svm), "name": svm.Name, "uuid": svm.UUID}
			}
		}
	}
	return rec
}

func group(area string) string {
	switch area {
	case "capacity":
		return "storage_capacity"
	case "security":
		return "security"
	}
	return "none"
}

// patchEvent applies the documented PATCH bodies.
func (s *Server) patchEvent(w http.ResponseWriter, r *http.Request, key, user string) *apiError {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	unlock := s.lock()
	defer unlock()
	now := s.estate.Clock.Now()
	s.monitor(now)
	var ev *fleet.AiqumEvent
	for _, x := range s.a.Events {
		if x.Key == key {
			ev = x
		}
	}
	if ev == nil {
		return errf(http.StatusNotFound, "key", "entry doesn't exist")
	}
	var state, ackUser, resUser, assign string
	hasAssign := false
	for k, v := range body {
		str, _ := v.(string)
		switch k {
		case "current_state":
			state = str
		case "acknowledged_username":
			ackUser = str
		case "resolved_username":
			resUser = str
		case "assigned":
			m, ok := v.(map[string]any)
			if !ok {
				return errf(http.StatusBadRequest, "assigned", "assigned must be an object with user")
			}
			for ak := range m {
				if ak != "user" {
					return errf(http.StatusBadRequest, "assigned."+ak, "Field assigned.%s cannot be modified.", ak)
				}
			}
			assign, _ = m["user"].(string)
			hasAssign = true
		default:
			return errf(http.StatusBadRequest, k, "Field %s cannot be modified.", k)
		}
	}
	if state == "" && !hasAssign {
		return errf(http.StatusBadRequest, "current_state", "Nothing to modify: set current_state or assigned.user.")
	}
	if hasAssign {
		if assign == "" {
			return errf(http.StatusBadRequest, "assigned.user", "assigned.user is required.")
		}
		if ev.State == "obsolete" {
			return errf(http.StatusBadRequest, "key", "An obsolete event cannot be assigned.")
		}
		ev.AssignedUser, ev.AssignedTime = assign, now
	}
	switch state {
	case "":
	case "obsolete":
		return errf(http.StatusBadRequest, "current_state", "The user cannot modify the state to obsolete.")
	case "new":
		if ev.State != "new" {
			return errf(http.StatusBadRequest, "current_state", "The event cannot be moved from %s to new.", ev.State)
		}
	case "acknowledged":
		switch {
		case ev.State == "obsolete" || ev.State == "resolved":
			return errf(http.StatusBadRequest, "current_state", "A %s event cannot be acknowledged.", ev.State)
		case ev.Severity == "information":
			return errf(http.StatusBadRequest, "current_state", "Information events cannot be acknowledged.")
		case ev.State == "new":
			ev.State, ev.AckUser = "acknowledged", or(ackUser, user)
			ev.History = append(ev.History, fleet.AiqumEventHistory{State: "acknowledged", Time: now, User: ev.AckUser})
		}
	case "resolved":
		switch ev.State {
		case "obsolete":
			return errf(http.StatusBadRequest, "current_state", "An obsolete event cannot be resolved.")
		case "new", "acknowledged":
			ev.State, ev.ResolvedUser = "resolved", or(resUser, user)
			ev.History = append(ev.History, fleet.AiqumEventHistory{State: "resolved", Time: now, User: ev.ResolvedUser})
		}
	default:
		return errf(http.StatusBadRequest, "current_state", "Invalid value %q: want acknowledged or resolved.", state)
	}
	writeJSON(w, http.StatusOK, s.eventRecord(ev, now))
	return nil
}

// historyFilter is the events' history.* filters: history.state with at
// most one of history.timestamp, history.user and history.cause, all
// holding on one history entry.
type historyFilter struct {
	state, field, value string
}

func parseHistory(q url.Values) (*historyFilter, *apiError) {
	h := &historyFilter{state: q.Get("history.state")}
	n := 0
	for _, f := range []string{"timestamp", "user", "cause"} {
		if v := q.Get("history." + f); v != "" {
			h.field, h.value = f, v
			n++
		}
	}
	switch {
	case n > 1:
		return nil, errf(http.StatusBadRequest, "history", "Multiple history based field filters are not supported.")
	case n == 1 && h.state == "":
		return nil, errf(http.StatusBadRequest, "history.state", "history.%s needs history.state.", h.field)
	case h.state == "":
		return nil, nil
	}
	return h, nil
}

func (h *historyFilter) match(rec obj) bool {
	hist, _ := rec["history"].([]any)
	for _, x := range hist {
		e := x.(obj)
		if !match([]string{fmt.Sprint(e["state"])}, h.state) {
			continue
		}
		if h.field == "" {
			return true
		}
		if v, ok := e[h.field]; ok && match([]string{fmt.Sprint(v)}, h.value) {
			return true
		}
	}
	return false
}
