package ontap

import (
	"context"
	"errors"
	"net/http"
)

// ListJobs lists cluster jobs (GET /cluster/jobs), e.g. the queued and
// running ones with Query {"state": "queued|running|paused"}; fields default
// to JobFields. ONTAP keeps finished jobs for about 300 seconds only.
func (c *Client) ListJobs(ctx context.Context, opts *ListOptions) ([]Job, error) {
	return listAll[Job](ctx, c, "/cluster/jobs", opts.query(JobFields), opts.limit())
}

// MayHaveActed reports whether a failed change request may nevertheless
// have been carried out: the answer was lost (connection dropped, timeout)
// or came from a failing server or proxy (5xx) after the request was sent.
// A 4xx answer, or a failure before anything was sent, means ONTAP did not
// act. Callers reconcile by looking the object up before answering.
func MayHaveActed(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatus >= http.StatusInternalServerError || ae.HTTPStatus == 0
	}
	var je *JobError
	var te *TransferError
	if errors.As(err, &je) || errors.As(err, &te) {
		return false // the backend answered with a definite failure
	}
	return true
}
