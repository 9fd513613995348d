// Package aiqum is the Active IQ Unified Manager toolset: list AIQUM's
// events and acknowledge, resolve or assign one. The clusters behind an
// AIQUM need no tools of their own: they are ONTAP targets (reached through
// the AIQUM API gateway), so every ONTAP tool works on them.
package aiqum

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Toolset is this toolset's name.
const Toolset = "aiqum"

// Tools returns the toolset.
func Tools() []kit.Tool { return []kit.Tool{listEvents(), updateEvent()} }

// ListEventsArgs filter AIQUM events.
type ListEventsArgs struct {
	Target   string `json:"target,omitempty" jsonschema_description:"AIQUM target. Default: all."`
	Cluster  string `json:"cluster,omitempty" jsonschema_description:"Cluster name the event is about."`
	Object   string `json:"object,omitempty" jsonschema_description:"Source object name contains (svm:volume)."`
	Name     string `json:"name,omitempty" jsonschema_description:"Event name contains."`
	Severity string `json:"severity,omitempty" jsonschema:"enum=critical,enum=error,enum=warning,enum=information" jsonschema_description:"Minimum severity."`
	State    string `json:"state,omitempty" jsonschema:"enum=open,enum=new,enum=acknowledged,enum=resolved,enum=obsolete,enum=any" jsonschema_description:"Default open (new or acknowledged)."`
	Area     string `json:"area,omitempty" jsonschema:"enum=protection,enum=capacity,enum=security,enum=availability,enum=configuration,enum=performance" jsonschema_description:"Impact area; backups care about protection, capacity and security."`
	Since    string `json:"since,omitempty" jsonschema_description:"Raised after: time or age (24h, 7d)."`
	Limit    int    `json:"limit,omitempty"`
}

// Event is one AIQUM event.
type Event struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	State    string `json:"state"`
	Area     string `json:"area"`
	Source   string `json:"source"`
	Type     string `json:"source_type"`
	Cluster  string `json:"cluster,omitempty"`
	Raised   string `json:"raised,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Assigned string `json:"assigned_to,omitempty"`
	Target   string `json:"target"`

	at time.Time
}

// EventList lists events.
type EventList struct {
	kit.List[Event]
}

// Summary leads the text result.
func (l EventList) Summary() string {
	n := map[string]int{}
	for _, e := range l.Items {
		n[e.Severity]++
	}
	return fmt.Sprintf("%d of %d AIQUM events (critical %d, error %d, warning %d), most severe first", l.Returned, l.Total, n["critical"], n["error"], n["warning"])
}

var severities = []string{"critical", "error", "warning", "information", "normal"}

func rank(s string) int {
	for i, x := range severities {
		if x == s {
			return i
		}
	}
	return len(severities)
}

// aiqumTargets returns the named AIQUM target, or all of them.
func aiqumTargets(c *kit.Call, name string) ([]config.Target, error) {
	if name != "" {
		t, err := c.Env.Targets.Resolve(config.KindAIQUM, name)
		if err != nil {
			return nil, kit.InvalidArgs(err.Error())
		}
		return []config.Target{t}, nil
	}
	all := c.Env.Targets.OfKind(config.KindAIQUM)
	if len(all) == 0 {
		_, err := c.Env.Targets.Resolve(config.KindAIQUM, "")
		return nil, kit.InvalidArgs(err.Error())
	}
	return all, nil
}

func event(t string, e aiqum.Event) Event {
	ev := Event{Key: e.Key, Name: e.Name, Severity: e.Severity, State: e.CurrentState, Area: e.Impact.Area,
		Source: e.Impact.ResourceName, Type: e.Impact.ResourceType, Cause: e.Cause, Target: t}
	if e.Cluster != nil {
		ev.Cluster = e.Cluster.Name
	}
	if e.Assigned != nil {
		ev.Assigned = e.Assigned.User
	}
	for _, h := range e.History {
		if h.State == aiqum.StateNew {
			if at, err := time.Parse(time.RFC3339Nano, h.Timestamp); err == nil {
				ev.at, ev.Raised = at, kit.Time(at)
			}
		}
	}
	return ev
}

func listEvents() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "aiqum_list_events", Title: "List AIQUM events", Toolset: Toolset, Tier: safety.Read,
		Description: "List Active IQ Unified Manager events (SnapMirror lag, capacity, ransomware...), most severe first.",
	}, func(ctx context.Context, c *kit.Call, a ListEventsArgs) (EventList, error) {
		ts, err := aiqumTargets(c, a.Target)
		if err != nil {
			return EventList{}, err
		}
		f := aiqum.EventFilter{Area: a.Area, Cluster: a.Cluster, OrderBy: "severity"}
		switch a.State {
		case "", "open":
			f.State = aiqum.StateNew + "|" + aiqum.StateAcknowledged
		case "any":
		default:
			f.State = a.State
		}
		if a.Severity != "" {
			f.Severity = strings.Join(severities[:rank(a.Severity)+1], "|")
		}
		if a.Name != "" {
			f.Name = "*" + strings.Trim(a.Name, "*") + "*"
		}
		if a.Since != "" {
			if f.Since, err = kit.ParseTime("since", a.Since, c.Env.Clock(), false); err != nil {
				return EventList{}, err
			}
		}
		var (
			mu     sync.Mutex
			all    []Event
			failed []string
			wg     sync.WaitGroup
		)
		for _, t := range ts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				evs, err := readEvents(ctx, c, t, f)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed = append(failed, fmt.Sprintf("%s: %v", t.Name, err))
					return
				}
				for _, e := range evs {
					if a.Object == "" || strings.Contains(strings.ToLower(e.Impact.ResourceName), strings.ToLower(a.Object)) {
						all = append(all, event(t.Name, e))
					}
				}
			}()
		}
		wg.Wait()
		if len(failed) == len(ts) {
			return EventList{}, &kit.Error{Kind: kit.KindBackend, Msg: "list AIQUM events: " + strings.Join(failed, "; "),
				Hint: "Check the arguments and that the AIQUM targets are reachable (list_targets)."}
		}
		sort.SliceStable(all, func(i, j int) bool {
			if ri, rj := rank(all[i].Severity), rank(all[j].Severity); ri != rj {
				return ri < rj
			}
			return all[i].at.After(all[j].at)
		})
		limit := kit.Limit(a.Limit)
		out := EventList{List: kit.NewList(kit.PageOf(all, 0, limit), len(all), 0, 0)}
		if len(all) > limit {
			out.Truncated, out.Note = true, "more events exist: narrow with area, severity, cluster or object, or raise limit"
		}
		if len(failed) > 0 {
			out.Note = strings.TrimPrefix(out.Note+"; partial: "+strings.Join(failed, "; "), "; ")
		}
		return out, nil
	})
}

func readEvents(ctx context.Context, c *kit.Call, t config.Target, f aiqum.EventFilter) ([]aiqum.Event, error) {
	cl, err := c.Env.Targets.AIQUM(t)
	if err != nil {
		return nil, err
	}
	evs, _, err := cl.ListEvents(ctx, f)
	return evs, err
}

// UpdateEventArgs name an event and what to do with it.
type UpdateEventArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"AIQUM target. Default: the only one."`
	Key    string `json:"key" jsonschema:"required" jsonschema_description:"Event key (aiqum_list_events)."`
	Action string `json:"action" jsonschema:"required,enum=acknowledge,enum=resolve,enum=assign" jsonschema_description:"acknowledge (seen), resolve (fixed), or assign to user."`
	User   string `json:"user,omitempty" jsonschema_description:"Assignee (assign); for acknowledge and resolve, default the target's user."`
}

// Validate checks the combination.
func (a *UpdateEventArgs) Validate() error {
	if a.Action == aiqum.ActionAssign && a.User == "" {
		return errors.New("user is required to assign an event")
	}
	return nil
}

// EventResult is the event after the change.
type EventResult struct {
	Event
	Action string `json:"action"`
}

// Summary leads the text result.
func (r EventResult) Summary() string {
	return fmt.Sprintf("%s: event %s (%s on %s) is %s", r.Action, r.Key, r.Name, r.Source, r.State)
}

func updateEvent() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "aiqum_update_event", Title: "Acknowledge, resolve or assign an AIQUM event", Toolset: Toolset,
		Tier: safety.Write, Idempotent: true,
		Description: "Acknowledge, resolve or assign an AIQUM event. Resolving does not fix the cause.",
	}, func(ctx context.Context, c *kit.Call, a UpdateEventArgs) (EventResult, error) {
		t, err := c.Target(ctx, config.KindAIQUM, a.Target)
		if err != nil {
			return EventResult{}, err
		}
		cl, err := c.Env.Targets.AIQUM(t)
		if err != nil {
			return EventResult{}, err
		}
		user := a.User
		if user == "" {
			user = t.Username
		}
		ev, err := cl.UpdateEvent(ctx, a.Key, a.Action, user)
		if err != nil {
			return EventResult{}, backendError(err, t.Name, a.Action+" event "+a.Key)
		}
		c.Env.Collector.Invalidate()
		return EventResult{Event: event(t.Name, *ev), Action: a.Action}, nil
	})
}

// backendError says what failed and what to do.
func backendError(err error, target, what string) error {
	var ae *aiqum.APIError
	if !errors.As(err, &ae) {
		return kit.Fail(kit.KindBackend, fmt.Errorf("%s on %s: %w", what, target, err), "Check that the target is reachable (list_targets), then call again.")
	}
	base := fmt.Errorf("%s on %s: HTTP %d: %s", what, target, ae.HTTPStatus, ae.Message)
	switch ae.HTTPStatus {
	case 404:
		return kit.Fail(kit.KindNotFound, base, "Find the event's key with aiqum_list_events.")
	case 400, 409:
		return kit.Fail(kit.KindConflict, base, "Obsolete events cannot change, resolved ones cannot be acknowledged and information events cannot be acknowledged; check the state with aiqum_list_events.")
	case 401, 403:
		return kit.Fail(kit.KindBackend, base, "The AIQUM user needs a role that may change events; check the target's credentials.")
	}
	return kit.Fail(kit.KindBackend, base, "Check the event with aiqum_list_events, then call again.")
}
