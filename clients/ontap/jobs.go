package ontap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// JobFields are the job fields the client asks for when polling.
const JobFields = "uuid,description,state,message,code,error,start_time,end_time,node,svm"

// JobProgress is reported at every poll of a job.
type JobProgress struct {
	UUID        string
	Description string
	State       string // queued, running, paused, success, failure
	Message     string
	Code        int64
	// Polls counts the polls so far (1 for the first).
	Polls int
}

// GetJob reads a job (GET /cluster/jobs/{uuid}). ONTAP deletes finished
// jobs after about 300 seconds; then this answers a not-found error.
func (c *Client) GetJob(ctx context.Context, uuid string) (*Job, error) {
	var j Job
	if err := c.getJSON(ctx, "/cluster/jobs/"+url.PathEscape(uuid), url.Values{"fields": {JobFields}}, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// WaitJob polls a job with exponential backoff (PollInterval doubling up to
// PollMaxInterval) until it succeeds or fails, reporting each poll to
// progress (which may be nil). A failed job returns the job and a
// *JobError. Cancelling ctx stops the wait (the job keeps running on the
// cluster). A job purged before it was seen finishing gives a not-found
// error: check the object itself.
func (c *Client) WaitJob(ctx context.Context, uuid string, progress func(JobProgress)) (*Job, error) {
	wait := c.pollMin
	for polls := 1; ; polls++ {
		j, err := c.GetJob(ctx, uuid)
		if err != nil {
			return nil, fmt.Errorf("ontap: wait for job %s: %w", uuid, err)
		}
		if progress != nil {
			progress(JobProgress{UUID: j.UUID, Description: j.Description, State: j.State, Message: j.Message, Code: j.Code, Polls: polls})
		}
		switch j.State {
		case "success":
			return j, nil
		case "failure":
			return j, &JobError{Job: j}
		}
		if err := sleep(ctx, wait); err != nil {
			return j, err
		}
		wait *= 2
		if wait > c.pollMax {
			wait = c.pollMax
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Result is the outcome of a write.
type Result struct {
	// HTTPStatus is the status of the write itself (200, 201 or 202).
	HTTPStatus int
	// Job is the job the write started, in its last known state (nil when
	// ONTAP answered synchronously without a job). With NoWait it holds
	// only the UUID.
	Job *Job
	// UUID is the created object's UUID when ONTAP told it (records or the
	// Location header).
	UUID string
	// Location is the Location header, if any.
	Location string
}

// CallOption adjusts a write.
type CallOption func(*callOpts)

type callOpts struct {
	progress      func(JobProgress)
	noWait        bool
	returnTimeout *int
}

// WithProgress reports each poll of the write's job.
func WithProgress(fn func(JobProgress)) CallOption { return func(o *callOpts) { o.progress = fn } }

// NoWait returns as soon as ONTAP accepted the write; Result.Job.UUID
// names the job to wait for with WaitJob.
func NoWait() CallOption { return func(o *callOpts) { o.noWait = true } }

// WithReturnTimeout sends return_timeout (0-120 s): how long ONTAP may hold
// the request for the job to finish before answering 202. The default is
// ONTAP's (0 for writes: answer at once).
func WithReturnTimeout(seconds int) CallOption {
	return func(o *callOpts) { o.returnTimeout = &seconds }
}

// jobLinkBody is the body of a 201/202 answer.
type jobLinkBody struct {
	Job *struct {
		UUID  string `json:"uuid"`
		Links *Links `json:"_links"`
	} `json:"job"`
	NumRecords int               `json:"num_records"`
	Records    []json.RawMessage `json:"records"`
}

// mutate performs a write and, when it started a job, waits for the job.
func (c *Client) mutate(ctx context.Context, method, path string, q url.Values, body any, class retryClass, opts []CallOption) (*Result, error) {
	var o callOpts
	for _, f := range opts {
		f(&o)
	}
	if q == nil {
		q = url.Values{}
	}
	if o.returnTimeout != nil {
		q.Set("return_timeout", strconv.Itoa(*o.returnTimeout))
	}
	if method == http.MethodPost {
		q.Set("return_records", "true")
	}
	r, err := c.do(ctx, call{method: method, path: path, query: q, body: body, class: class})
	if err != nil {
		// A DELETE that was retried and now finds nothing did its work on
		// an earlier attempt.
		if method == http.MethodDelete && r != nil && r.attempts > 1 && r.status == http.StatusNotFound {
			return &Result{HTTPStatus: r.status}, nil
		}
		return nil, err
	}
	res := &Result{HTTPStatus: r.status, Location: r.header.Get("Location")}
	var jb jobLinkBody
	if err := decode(r.body, &jb, path); err != nil {
		return res, err
	}
	if len(jb.Records) > 0 {
		var rec struct {
			UUID string `json:"uuid"`
		}
		_ = json.Unmarshal(jb.Records[0], &rec)
		res.UUID = rec.UUID
	}
	if res.UUID == "" && res.Location != "" {
		if u, err := url.Parse(res.Location); err == nil {
			p := strings.TrimSuffix(u.Path, "/")
			if i := strings.LastIndex(p, "/"); i >= 0 && !strings.Contains(p, "/cluster/jobs") {
				res.UUID = p[i+1:]
			}
		}
	}
	if jb.Job == nil || jb.Job.UUID == "" {
		return res, nil
	}
	if o.noWait {
		res.Job = &Job{UUID: jb.Job.UUID, Links: jb.Job.Links}
		return res, nil
	}
	job, err := c.WaitJob(ctx, jb.Job.UUID, o.progress)
	res.Job = job
	return res, err
}
