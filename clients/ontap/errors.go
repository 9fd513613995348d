package ontap

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/recovery-mcp/recovery-mcp/clients/internal/rest"
)

// ONTAP error codes the client knows by meaning (reference section 1.3).
const (
	CodeDuplicate          = "1"        // an object with the same identifier exists
	CodeInvalidField       = "2"        // a field value is invalid or missing
	CodeNotSupported       = "3"        // the operation is not supported
	CodeNotFound           = "4"        // entry doesn't exist
	CodePermissionDenied   = "6"        // RBAC
	CodeInUse              = "8"        // the resource is in use
	CodeSnapshotBusy       = "1638555"  // snapshot not expired, locked or owned
	CodeTransferInProgress = "13303812" // SnapMirror transfer in progress
	CodeBreakFailed        = "13303808" // transition to broken_off failed
	CodeModifyInProgress   = "13303822" // SnapMirror modification in progress
	CodeVolumeBusy         = "524486"   // volume busy
)

// ErrNotFound is returned (wrapped) by lookups that found nothing, such as
// FindVolume. IsNotFound recognises it.
var ErrNotFound = errors.New("ontap: not found")

// ErrorArgument is one argument of an ONTAP error.
type ErrorArgument = rest.ErrorArgument

// APIError is an error answer of the ONTAP REST API: the HTTP status and
// the error envelope {"error":{"code","message","target","arguments"}}.
type APIError struct {
	HTTPStatus int
	Code       string
	Message    string
	Target     string
	Arguments  []ErrorArgument
	// Method and Path identify the request (the path has no query).
	Method string
	Path   string
}

func (e *APIError) Error() string {
	return rest.ErrorText("ontap", e.Method, e.Path, e.HTTPStatus, e.Message, e.Code, e.Target)
}

// flexString decodes a JSON string or number as a string (ONTAP documents
// error.code as a string and some payloads carry a number).
type flexString = rest.FlexString

// flexInt decodes a JSON number or a numeric string as an int64.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return err
		}
		*f = flexInt(i)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a number or a numeric string, got %s", b)
	}
	if s == "" {
		return nil
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a numeric string, got %q", s)
	}
	*f = flexInt(i)
	return nil
}

func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status, Method: method, Path: path}
	statusText := http.StatusText(status)
	if statusText == "" {
		statusText = "HTTP " + strconv.Itoa(status)
	}
	if env, ok := rest.ParseEnvelope(body); ok {
		e.Code = clip(env.Code, 64)
		e.Message = clip(env.Message, maxErrorMessage)
		e.Target = clip(env.Target, 256)
		e.Arguments = env.Arguments
		if len(e.Arguments) > 16 {
			e.Arguments = e.Arguments[:16]
		}
		for i := range e.Arguments {
			e.Arguments[i].Code = clip(e.Arguments[i].Code, 64)
			e.Arguments[i].Message = clip(e.Arguments[i].Message, 256)
		}
		if strings.TrimSpace(e.Message) == "" {
			e.Message = statusText // every error explains itself
		}
		return e
	}
	// Not an ONTAP envelope (a proxy page, an empty 401...).
	e.Message = statusText
	if s := strings.TrimSpace(string(body)); s != "" {
		e.Message += ": " + clip(s, 200)
	}
	return e
}

// maxErrorMessage bounds a backend error message kept in an APIError: the
// message ends up in a tool result, and a backend (or a proxy in front of
// it) may answer megabytes.
const maxErrorMessage = 1000

// clip returns s as valid UTF-8 of at most max bytes, cut at a rune
// boundary with "..." when it was longer.
func clip(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// JobError is a job that ended in failure.
type JobError struct {
	Job *Job
}

func (e *JobError) Error() string {
	j := e.Job
	msg := j.Message
	if msg == "" && j.Error != nil {
		msg = j.Error.Message
	}
	return fmt.Sprintf("ontap: job %s (%s) failed: %s (code %d)", j.UUID, j.Description, msg, j.Code)
}

// TransferError is a SnapMirror transfer that ended in failure or was
// aborted.
type TransferError struct {
	RelationshipUUID string
	Transfer         *SnapmirrorTransfer
}

func (e *TransferError) Error() string {
	t := e.Transfer
	msg, code := "", int64(0)
	if t.ErrorInfo != nil {
		msg, code = t.ErrorInfo.Message, t.ErrorInfo.Code
	}
	return fmt.Sprintf("ontap: SnapMirror transfer %s of relationship %s ended %s: %s (code %d)", t.UUID, e.RelationshipUUID, t.State, msg, code)
}

// ErrorCode returns the ONTAP error code carried by err (an APIError's
// code, a failed job's code, a failed transfer's code), or "".
func ErrorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	var je *JobError
	if errors.As(err, &je) && je.Job != nil {
		if je.Job.Code != 0 {
			return strconv.FormatInt(je.Job.Code, 10)
		}
		if je.Job.Error != nil {
			return je.Job.Error.Code
		}
	}
	var te *TransferError
	if errors.As(err, &te) && te.Transfer != nil && te.Transfer.ErrorInfo != nil {
		return strconv.FormatInt(te.Transfer.ErrorInfo.Code, 10)
	}
	return ""
}

// HTTPStatus returns the HTTP status of an APIError in err's chain, or 0.
func HTTPStatus(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatus
	}
	return 0
}

// IsNotFound reports a missing object: HTTP 404, code "4", or ErrNotFound.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || HTTPStatus(err) == http.StatusNotFound || ErrorCode(err) == CodeNotFound
}

// IsAlreadyExists reports a duplicate (code "1").
func IsAlreadyExists(err error) bool { return ErrorCode(err) == CodeDuplicate }

// IsUnauthorized reports rejected credentials (HTTP 401).
func IsUnauthorized(err error) bool { return HTTPStatus(err) == http.StatusUnauthorized }

// IsForbidden reports an RBAC denial (HTTP 403 or code "6").
func IsForbidden(err error) bool {
	return HTTPStatus(err) == http.StatusForbidden || ErrorCode(err) == CodePermissionDenied
}

// IsConflict reports HTTP 409.
func IsConflict(err error) bool { return HTTPStatus(err) == http.StatusConflict }

// IsBusy reports an object that is in use or locked: codes 8, 1638555
// (snapshot not expired, locked or owned by a clone or SnapMirror),
// 524486 (volume busy), 13303822 (SnapMirror modification in progress).
func IsBusy(err error) bool {
	switch ErrorCode(err) {
	case CodeInUse, CodeSnapshotBusy, CodeVolumeBusy, CodeModifyInProgress:
		return true
	}
	return false
}

// IsTransferInProgress reports that a SnapMirror transfer is already
// running (13303812, or 13303808 for a break).
func IsTransferInProgress(err error) bool {
	c := ErrorCode(err)
	return c == CodeTransferInProgress || c == CodeBreakFailed
}

// IsRetryable reports errors worth retrying later by the caller (the
// client has already retried what it safely could): 429, 502-504, busy
// objects and transfers in progress.
func IsRetryable(err error) bool {
	switch HTTPStatus(err) {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return IsBusy(err) || IsTransferInProgress(err)
}
