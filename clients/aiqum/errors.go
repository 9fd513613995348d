package aiqum

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
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
	var b strings.Builder
	fmt.Fprintf(&b, "aiqum: %s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Code != "" {
		b.WriteString(" (code " + e.Code)
		if e.Target != "" {
			b.WriteString(", target " + e.Target)
		}
		b.WriteString(")")
	}
	return b.String()
}

// flexString decodes a JSON string or number as a string.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status, Method: method, Path: path}
	var env struct {
		Error *struct {
			Code    flexString `json:"code"`
			Message string     `json:"message"`
			Target  string     `json:"target"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Code, e.Message, e.Target = string(env.Error.Code), env.Error.Message, env.Error.Target
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
