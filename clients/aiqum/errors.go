package aiqum

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/recovery-mcp/recovery-mcp/clients/internal/rest"
)

// APIError is an error answer of AIQUM: the HTTP status and the envelope
// {"error":{"code","message","target"}}. Through the gateway, errors of the
// ONTAP cluster are relayed unchanged and decode the same way.
type APIError struct {
	HTTPStatus int
	Code       string
	Message    string
	Target     string
	Method     string
	Path       string
}

func (e *APIError) Error() string {
	return rest.ErrorText("aiqum", e.Method, e.Path, e.HTTPStatus, e.Message, e.Code, e.Target)
}

func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status, Method: method, Path: path}
	if env, ok := rest.ParseEnvelope(body); ok {
		e.Code, e.Message, e.Target = env.Code, env.Message, env.Target
		return e
	}
	e.Message = http.StatusText(status)
	if s := strings.TrimSpace(string(body)); s != "" && utf8.ValidString(s) && len(s) < 200 && !strings.HasPrefix(s, "<") {
		e.Message += ": " + s
	}
	return e
}

// StatusOf returns the HTTP status of an *APIError in err's chain (0 if none).
func StatusOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.HTTPStatus
	}
	return 0
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }
