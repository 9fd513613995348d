package nutanix

import (
	"errors"
	"net/http"
	"time"
)

// MayHaveActed reports whether a failed change request may nevertheless
// have been carried out: the answer was lost (connection dropped, timeout)
// or came from a failing server or proxy (5xx). A 4xx answer or a task
// that ended in failure is definite. Re-sending with the same
// NTNX-Request-Id is the safe way to learn the outcome: Prism Central
// answers it with the original task instead of acting twice.
func MayHaveActed(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatus >= http.StatusInternalServerError || ae.HTTPStatus == 0
	}
	var te *TaskError
	return !errors.As(err, &te)
}

// RetryWaitMin is the shortest wait between two attempts of a request.
func (c *Client) RetryWaitMin() time.Duration { return c.opts.RetryWaitMin }

// NewRequestID returns a fresh NTNX-Request-Id (a random UUID) for a
// caller that must know it before sending: to re-send the same change
// safely, or to journal it.
func NewRequestID() string { return newRequestID() }
