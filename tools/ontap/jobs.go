package ontap

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// ---- job

// GetJobArgs name a job.
type GetJobArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"Default: all."`
	UUID   string `json:"uuid" jsonschema:"required" jsonschema_description:"Job uuid."`
}

// JobResult is one job.
type JobResult struct {
	JobInfo
	Target string `json:"target"`
}

// Summary leads the text result.
func (r JobResult) Summary() string {
	s := fmt.Sprintf("job %s on %s is %s", r.UUID, r.Target, r.State)
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

func getJob() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_get_job", Title: "Get an ONTAP job", Toolset: Toolset, Tier: safety.Read,
		Description: "Get an ONTAP job's state, to follow one after a timeout.",
	}, func(ctx context.Context, c *kit.Call, a GetJobArgs) (JobResult, error) {
		ts, err := ontapTargets(ctx, c, a.Target)
		if err != nil {
			return JobResult{}, err
		}
		found, failed := eachTarget(ctx, c, ts, func(ctx context.Context, t config.Target, cl *ontap.Client) ([]JobResult, error) {
			j, err := cl.GetJob(ctx, a.UUID)
			if ontap.IsNotFound(err) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return []JobResult{{JobInfo: *jobInfo(&ontap.Result{Job: j}), Target: t.Name}}, nil
		})
		if len(found) > 0 {
			return found[0], nil
		}
		var names []string
		for _, t := range ts {
			names = append(names, t.Name)
		}
		if len(failed) > 0 {
			return JobResult{}, &kit.Error{Kind: kit.KindBackend, Msg: fmt.Sprintf("job %s not found, and some targets could not be read: %s", a.UUID, strings.Join(failed, "; ")),
				Hint: "Check that the targets are reachable (list_targets), then call again."}
		}
		return JobResult{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no job %s on %s", a.UUID, strings.Join(names, ", ")),
			Hint: "ONTAP keeps finished jobs about 5 minutes: check the object itself instead (ontap_list_snapshots, ontap_list_volumes, ontap_list_snapmirror)."}
	})
}

// ---- EMS events

// ListEventsArgs filter EMS events.
type ListEventsArgs struct {
	Target   string `json:"target,omitempty" jsonschema_description:"Default: all."`
	Severity string `json:"severity,omitempty" jsonschema:"enum=emergency,enum=alert,enum=error,enum=notice,enum=informational" jsonschema_description:"Minimum severity."`
	Since    string `json:"since,omitempty" jsonschema_description:"Time or age (24h, 7d)."`
	Name     string `json:"name,omitempty" jsonschema_description:"Name contains this."`
	Limit    int    `json:"limit,omitempty"`
}

// Event is one EMS event.
type Event struct {
	Index    int64  `json:"index"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Time     string `json:"time"`
	Target   string `json:"target"`
	Node     string `json:"node,omitempty"`
	Message  string `json:"message"`

	at time.Time
}

// EventList lists events.
type EventList struct {
	kit.List[Event]
	Targets []string `json:"targets"`
}

// Summary leads the text result.
func (l EventList) Summary() string {
	bad := 0
	for _, e := range l.Items {
		if severityRank[e.Severity] <= severityRank["error"] {
			bad++
		}
	}
	return fmt.Sprintf("%d of %d data-protection events on %s, newest first (%d shown of severity error or worse)", l.Returned, l.Total, strings.Join(l.Targets, ", "), bad)
}

var severities = []string{"emergency", "alert", "error", "notice", "informational", "debug"}

var severityRank = func() map[string]int {
	m := map[string]int{}
	for i, s := range severities {
		m[s] = i
	}
	return m
}()

func listEvents() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "ontap_list_events", Title: "List ONTAP events", Toolset: Toolset, Tier: safety.Read,
		Description: "List data-protection EMS events (SnapMirror, snapshots, space), newest first.",
	}, func(ctx context.Context, c *kit.Call, a ListEventsArgs) (EventList, error) {
		ts, err := ontapTargets(ctx, c, a.Target)
		if err != nil {
			return EventList{}, err
		}
		limit := kit.Limit(a.Limit)
		f := ontap.EMSFilter{DataProtection: true, Limit: limit + 1}
		if a.Since != "" {
			if f.Since, err = kit.ParseTime("since", a.Since, c.Env.Clock(), false); err != nil {
				return EventList{}, err
			}
		}
		if a.Severity != "" {
			f.Severities = severities[:severityRank[a.Severity]+1]
		}
		if a.Name != "" {
			f.DataProtection, f.Names = false, []string{contains(a.Name)}
		}
		events, failed := eachTarget(ctx, c, ts, func(ctx context.Context, t config.Target, cl *ontap.Client) ([]Event, error) {
			evs, err := cl.ListEMSEvents(ctx, f)
			out := make([]Event, 0, len(evs))
			for _, e := range evs {
				ev := Event{Index: e.Index, Name: e.Message.Name, Severity: e.Message.Severity, Time: kit.Time(e.Time), Target: t.Name, Message: e.LogMessage, at: e.Time}
				if e.Node != nil {
					ev.Node = e.Node.Name
				}
				out = append(out, ev)
			}
			return out, err
		})
		if len(failed) == len(ts) {
			return EventList{}, &kit.Error{Kind: kit.KindBackend, Msg: "list EMS events: " + strings.Join(failed, "; "),
				Hint: "Check the arguments and that the targets are reachable (list_targets)."}
		}
		sort.SliceStable(events, func(i, j int) bool { return events[i].at.After(events[j].at) })
		out := EventList{List: kit.NewList(kit.PageOf(events, 0, limit), len(events), 0, 0)}
		if len(events) > limit {
			out.Truncated = true
			out.Note = "more events exist: narrow with since, severity or name, or raise limit"
		}
		for _, t := range ts {
			out.Targets = append(out.Targets, t.Name)
		}
		if len(failed) > 0 {
			out.Note = strings.TrimPrefix(out.Note+"; partial: "+strings.Join(failed, "; "), "; ")
		}
		return out, nil
	})
}
