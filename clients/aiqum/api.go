package aiqum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// badValue reports a filter value AIQUM refuses: "?" is banned (reference
// section 1.4).
func badValue(v string) bool { return strings.Contains(v, "?") }

func addFilter(q url.Values, key, val string) error {
	if val == "" {
		return nil
	}
	if badValue(val) {
		return fmt.Errorf("aiqum: filter %s: a value must not contain '?'", key)
	}
	q.Set(key, val)
	return nil
}

// System reads the management server's description (a cheap probe).
func (c *Client) System(ctx context.Context) (*System, error) {
	var s System
	if err := c.getJSON(ctx, "/management-server/system", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListClusters lists the managed clusters; filters are AIQUM field=value
// pairs (name, uuid, ...).
func (c *Client) ListClusters(ctx context.Context, filters map[string]string) ([]Cluster, error) {
	q := url.Values{}
	for k, v := range filters {
		if err := addFilter(q, k, v); err != nil {
			return nil, err
		}
	}
	out, _, err := listAll[Cluster](ctx, c, "/datacenter/cluster/clusters", q, 0)
	return out, err
}

// ListVolumes lists volumes (filters such as cluster.name, svm.name, name).
func (c *Client) ListVolumes(ctx context.Context, filters map[string]string) ([]Volume, error) {
	q := url.Values{}
	for k, v := range filters {
		if err := addFilter(q, k, v); err != nil {
			return nil, err
		}
	}
	out, _, err := listAll[Volume](ctx, c, "/datacenter/storage/volumes", q, 0)
	return out, err
}

// ListGateways lists the clusters the API gateway reaches. /gateways has
// no documented paging and no total_records, so it is read in one GET.
func (c *Client) ListGateways(ctx context.Context) ([]Gateway, error) {
	var resp struct {
		Records []Gateway `json:"records"`
	}
	if err := c.getJSON(ctx, "/api/gateways", nil, &resp); err != nil {
		return nil, err
	}
	return resp.Records, nil
}

// EventFilter selects events. Empty fields do not filter; a field may hold
// AIQUM's "a|b" (or) and "*" (wildcard) syntax.
type EventFilter struct {
	Key          string
	Name         string
	Severity     string
	State        string // current_state
	Area         string // impact.area
	ResourceType string // impact.resource_type
	Cluster      string // cluster.name
	SVM          string // svm.name
	// Since keeps events raised after this time (history.state=new with
	// history.timestamp=>T, the one documented time filter).
	Since time.Time
	// OrderBy is an order_by value, e.g. "severity".
	OrderBy string
	// Limit stops after this many events (0: all).
	Limit int
}

// ListEvents lists events and returns them with total_records.
func (c *Client) ListEvents(ctx context.Context, f EventFilter) ([]Event, int, error) {
	q := url.Values{}
	for _, kv := range [][2]string{
		{"key", f.Key}, {"name", f.Name}, {"severity", f.Severity}, {"current_state", f.State},
		{"impact.area", f.Area}, {"impact.resource_type", f.ResourceType},
		{"cluster.name", f.Cluster}, {"svm.name", f.SVM}, {"order_by", f.OrderBy},
	} {
		if err := addFilter(q, kv[0], kv[1]); err != nil {
			return nil, 0, err
		}
	}
	if !f.Since.IsZero() {
		q.Set("history.state", StateNew)
		q.Set("history.timestamp", ">"+f.Since.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	}
	return listAll[Event](ctx, c, "/management-server/events", q, f.Limit)
}

// GetEvent reads one event by key.
func (c *Client) GetEvent(ctx context.Context, key string) (*Event, error) {
	var e Event
	if err := c.getJSON(ctx, "/management-server/events/"+url.PathEscape(key), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Event actions.
const (
	ActionAcknowledge = "acknowledge"
	ActionResolve     = "resolve"
	ActionAssign      = "assign"
)

// UpdateEvent acknowledges, resolves or assigns the event with the
// documented PATCH bodies and returns the updated event (the PATCH is
// synchronous).
func (c *Client) UpdateEvent(ctx context.Context, key, action, user string) (*Event, error) {
	if user == "" {
		return nil, errors.New("aiqum: a user name is required")
	}
	var body any
	switch action {
	case ActionAcknowledge:
		body = map[string]string{"current_state": StateAcknowledged, "acknowledged_username": user}
	case ActionResolve:
		body = map[string]string{"current_state": StateResolved, "resolved_username": user}
	case ActionAssign:
		body = map[string]any{"assigned": map[string]string{"user": user}}
	default:
		return nil, fmt.Errorf("aiqum: unknown event action %q (acknowledge, resolve or assign)", action)
	}
	b, _, err := c.do(ctx, http.MethodPatch, "/management-server/events/"+url.PathEscape(key), nil, body, retryIdempotent)
	if err != nil {
		return nil, err
	}
	var e Event
	if len(b) > 0 {
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("aiqum: decode event %s: %w", key, err)
		}
	}
	if e.Key == "" { // an empty 200: read it back
		return c.GetEvent(ctx, key)
	}
	return &e, nil
}

// ListJobs lists AIQUM jobs (without filters AIQUM returns the last 20).
func (c *Client) ListJobs(ctx context.Context, filters map[string]string) ([]Job, error) {
	q := url.Values{}
	for k, v := range filters {
		if err := addFilter(q, k, v); err != nil {
			return nil, err
		}
	}
	out, _, err := listAll[Job](ctx, c, "/management-server/jobs", q, 0)
	return out, err
}

// GetJob reads one job.
func (c *Client) GetJob(ctx context.Context, key string) (*Job, error) {
	var j Job
	if err := c.getJSON(ctx, "/management-server/jobs/"+url.PathEscape(key), nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// JobError is a job that completed without status normal.
type JobError struct{ Job *Job }

func (e *JobError) Error() string {
	msg := ""
	for _, t := range e.Job.TaskReports {
		if t.FailureReason != "" {
			msg = ": " + t.FailureReason
			break
		}
	}
	return fmt.Sprintf("aiqum: job %s (%s) completed with status %s%s", e.Job.Key, e.Job.Name, e.Job.Status, msg)
}

// WaitJob polls the job with exponential backoff until it completes; a
// status other than normal is a *JobError.
func (c *Client) WaitJob(ctx context.Context, key string) (*Job, error) {
	wait := c.pollMin
	for {
		j, err := c.GetJob(ctx, key)
		if err != nil {
			return nil, err
		}
		if j.Done() {
			if !j.Succeeded() {
				return j, &JobError{Job: j}
			}
			return j, nil
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, c.pollMax)
	}
}

// JobKeyOf reads the job key of a 202 answer {"job":{"key",...}}.
func JobKeyOf(body []byte) (string, error) {
	var r struct {
		Job struct {
			Key string `json:"key"`
		} `json:"job"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Job.Key == "" {
		return "", errors.New("aiqum: the 202 answer holds no job key")
	}
	return r.Job.Key, nil
}
