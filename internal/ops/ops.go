// Package ops holds the storage operations that tools and workflow
// activities share: name resolution, preflight checks, idempotent creates
// (deterministic names checked before create; Nutanix NTNX-Request-Id given
// by the caller), task and job waiting with a progress callback, and error
// mapping into Error, which says what failed and what to do next.
//
// # Design decisions
//
//   - Plain Go: a context, typed input, a Progress callback. No MCP types,
//     so tools (through tools/kit) and workflow activities call the same
//     code; the kit maps Error kinds onto its own.
//   - Idempotent by construction. Every create takes the name (ONTAP) or the
//     request id (Nutanix) from the caller, who stores it before the call
//     (the workflow journal does), and checks what exists before creating,
//     so a step re-run after a crash finds its own object instead of making
//     a second one.
//   - Per vendor, one file each (ontap.go, nutanix.go); a new storage kind
//     adds one file and its client.
package ops

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies an operation error.
type Kind string

// Error kinds.
const (
	KindNotFound    Kind = "not_found"
	KindInvalidArgs Kind = "invalid_arguments"
	KindConflict    Kind = "conflict"
	KindBackend     Kind = "backend_error"
	KindPrecheck    Kind = "precheck_failed"
)

// Error is an operation failure with a hint for the next action.
type Error struct {
	Kind Kind
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + " (" + e.Hint + ")"
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns err's kind, KindBackend for an unclassified error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindBackend
}

func fail(kind Kind, err error, hint string, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint, Err: err}
}

// Progress receives one-line progress messages while an operation waits
// for a task, job or transfer; it may be nil.
type Progress func(msg string)

func (p Progress) say(format string, args ...any) {
	if p != nil {
		p(fmt.Sprintf(format, args...))
	}
}

// JobJournal records the job, task or transfer a change started, so that
// after a crash the change is followed to its end instead of being sent
// again. The workflow engine puts one in the context of each step
// (WithJobJournal); RunJob and UpdateMirror use it.
type JobJournal interface {
	// Started records the id of the job a change just started.
	Started(id string)
	// Resume returns the job recorded by an earlier attempt of the same
	// step, once; "" when there is none.
	Resume() string
}

type journalKey struct{}

// WithJobJournal returns ctx carrying j.
func WithJobJournal(ctx context.Context, j JobJournal) context.Context {
	return context.WithValue(ctx, journalKey{}, j)
}

func journalFrom(ctx context.Context) JobJournal {
	j, _ := ctx.Value(journalKey{}).(JobJournal)
	return j
}
