package nutanix

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// AppMessage is a Prism Central error or warning message.
type AppMessage struct {
	Code         string            `json:"code,omitempty"`
	Message      string            `json:"message,omitempty"`
	ErrorGroup   string            `json:"errorGroup,omitempty"`
	Severity     string            `json:"severity,omitempty"`
	Locale       string            `json:"locale,omitempty"`
	ArgumentsMap map[string]string `json:"argumentsMap,omitempty"`
}

// APIError is a non-2xx answer from Prism Central.
type APIError struct {
	// HTTPStatus is the HTTP status code.
	HTTPStatus int
	// Code, ErrorGroup and Message come from the first message of the
	// ErrorResponse (Message falls back to the HTTP status text).
	Code       string
	ErrorGroup string
	Message    string
	// Messages are all messages of the ErrorResponse.
	Messages []AppMessage
	// Method and Path are the request's; RequestID its NTNX-Request-Id.
	Method, Path string
	RequestID    string
	// RetryAfter is the Retry-After header of a 429 or 503, if any.
	RetryAfter string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nutanix: %s %s: %d %s", e.Method, e.Path, e.HTTPStatus, http.StatusText(e.HTTPStatus))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" && e.Message != http.StatusText(e.HTTPStatus) {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsPreconditionFailed reports whether err is a 412 answer: the entity
// changed since its ETag was read.
func IsPreconditionFailed(err error) bool { return hasStatus(err, http.StatusPreconditionFailed) }

// IsUnauthorized reports whether err is a 401 answer (bad credentials).
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsForbidden reports whether err is a 403 answer.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsRateLimited reports whether err is a 429 answer (after retries).
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

// IsBadRequest reports whether err is a 400 answer.
func IsBadRequest(err error) bool { return hasStatus(err, http.StatusBadRequest) }

func hasStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.HTTPStatus == status
}

// parseAPIError builds an *APIError from an answer; both ErrorResponse
// variants (a list of AppMessage, or a SchemaValidationError) are read, and
// a body that is not JSON contributes a short excerpt.
func parseAPIError(method, path, requestID string, resp *http.Response, raw []byte) *APIError {
	e := &APIError{HTTPStatus: resp.StatusCode, Method: method, Path: path, RequestID: requestID}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = resp.Header.Get("Retry-After")
	}
	var env struct {
		Data struct {
			Error json.RawMessage `json:"error"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err == nil && len(env.Data.Error) > 0 {
		var list []AppMessage
		if json.Unmarshal(env.Data.Error, &list) == nil {
			e.Messages = list
		} else {
			var sv struct {
				Error                   string `json:"error"`
				Path                    string `json:"path"`
				ValidationErrorMessages []struct {
					AttributePath string `json:"attributePath"`
					Message       string `json:"message"`
				} `json:"validationErrorMessages"`
			}
			if json.Unmarshal(env.Data.Error, &sv) == nil {
				msg := sv.Error
				for _, m := range sv.ValidationErrorMessages {
					part := m.Message
					if m.AttributePath != "" {
						part = m.AttributePath + ": " + part
					}
					if msg != "" {
						msg += "; "
					}
					msg += part
				}
				e.Messages = []AppMessage{{Message: msg, ErrorGroup: "SCHEMA_VALIDATION"}}
			}
		}
	}
	if len(e.Messages) > maxErrorMessages {
		e.Messages = e.Messages[:maxErrorMessages]
	}
	for i := range e.Messages {
		m := &e.Messages[i]
		m.Code, m.ErrorGroup, m.Message = clip(m.Code, 64), clip(m.ErrorGroup, 128), clip(m.Message, maxErrorMessage)
		m.Severity, m.Locale = clip(m.Severity, 32), clip(m.Locale, 32)
		if len(m.ArgumentsMap) > 16 {
			m.ArgumentsMap = nil // a backend's bulk, not an explanation
		}
	}
	if len(e.Messages) > 0 {
		e.Code, e.ErrorGroup, e.Message = e.Messages[0].Code, e.Messages[0].ErrorGroup, e.Messages[0].Message
	} else if text := strings.TrimSpace(string(raw)); text != "" && utf8.ValidString(text) && !strings.HasPrefix(text, "{") && !strings.HasPrefix(text, "<") {
		e.Message = clip(text, 200)
	}
	if strings.TrimSpace(e.Message) == "" {
		// As documented: the HTTP status text when the answer says nothing
		// (an empty body, an HTML page, an ErrorResponse without messages).
		e.Message = http.StatusText(e.HTTPStatus)
		if e.Message == "" {
			e.Message = fmt.Sprintf("HTTP %d", e.HTTPStatus)
		}
	}
	return e
}

// Bounds on what an error answer contributes: the messages end up in tool
// results, and a backend (or a proxy before it) may answer megabytes.
const (
	maxErrorMessage  = 1000
	maxErrorMessages = 8
)

// clip returns s as valid UTF-8 of at most max bytes, cut at a rune
// boundary with "…" when it was longer.
func clip(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// TaskError is a task that ended FAILED or CANCELED.
type TaskError struct {
	Task *Task
	// Status is FAILED or CANCELED.
	Status string
	// Messages are the task's errorMessages.
	Messages []AppMessage
}

func (e *TaskError) Error() string {
	op := e.Task.OperationDescription
	if op == "" {
		op = e.Task.Operation
	}
	msg := e.Task.LegacyErrorMessage
	if len(e.Messages) > 0 {
		msg = e.Messages[0].Message
		if e.Messages[0].Code != "" {
			msg = e.Messages[0].Code + ": " + msg
		}
	}
	if msg == "" {
		msg = "no error message"
	}
	return fmt.Sprintf("nutanix: task %s (%s) %s: %s", e.Task.ExtID, op, strings.ToLower(e.Status), msg)
}
