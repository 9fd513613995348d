package kit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// ErrorKind classifies tool failures for the audit log and for tests.
type ErrorKind string

// Kinds of tool failure.
const (
	KindInvalidArgs ErrorKind = "invalid_arguments"
	KindNotFound    ErrorKind = "not_found"
	KindConflict    ErrorKind = "conflict"
	KindBackend     ErrorKind = "backend"
	KindRefused     ErrorKind = "refused"
	KindConfirm     ErrorKind = "confirmation"
	KindTimeout     ErrorKind = "timeout"
)

// Error is a tool failure the model can act on: what failed and why (Msg)
// and what to do next (Hint). It becomes a result with isError=true.
type Error struct {
	Kind ErrorKind
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Hint != "" {
		s = strings.TrimRight(s, ". ") + ". " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// InvalidArgs is an error in the call's arguments.
func InvalidArgs(msg string) error { return &Error{Kind: KindInvalidArgs, Msg: msg} }

// Refused is a call the server's settings do not allow.
func Refused(msg string) error { return &Error{Kind: KindRefused, Msg: msg} }

// Fail wraps err with a hint about what to do next.
func Fail(kind ErrorKind, err error, hint string) error {
	return &Error{Kind: kind, Msg: err.Error(), Hint: hint, Err: err}
}

// interruption carries a finished result out of a handler: a confirmation
// preview, an elicitation request or a cancellation.
type interruption struct{ res *mcp.CallToolResult }

func (i *interruption) Error() string { return "call interrupted for confirmation" }

func interrupt(res *mcp.CallToolResult) error { return &interruption{res: res} }

// MaxErrorBytes caps an error message: a bad input of a megabyte must not
// come back as a megabyte of error.
const MaxErrorBytes = 4_000

// errorResult renders err as an isError result.
func errorResult(err error) *mcp.CallToolResult {
	msg := err.Error()
	var e *Error
	if !errors.As(err, &e) {
		msg = "failed: " + msg
	}
	msg = clip(msg, MaxErrorBytes)
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(msg)}, IsError: true}
}

// clip shortens s to about n bytes, keeping its start and end (where the
// advice usually is) and saying how much was cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := n*2/3, n/6
	cut := len(s) - head - tail
	return strings.ToValidUTF8(s[:head], "") + fmt.Sprintf(" [... %d bytes cut ...] ", cut) + strings.ToValidUTF8(s[len(s)-tail:], "")
}
