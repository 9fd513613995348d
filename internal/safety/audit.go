package safety

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Record is one audited call: a JSON line in the audit file.
type Record struct {
	Time     time.Time      `json:"time"`
	Client   string         `json:"client,omitempty"`
	Tool     string         `json:"tool"`
	Tier     Tier           `json:"tier"`
	Target   string         `json:"target,omitempty"`
	Args     map[string]any `json:"arguments,omitempty"`
	Outcome  string         `json:"outcome"` // ok, error, confirmation_required, cancelled, refused
	Message  string         `json:"message,omitempty"`
	TaskID   string         `json:"task_id,omitempty"`
	Duration float64        `json:"duration_s"`
}

// Audit outcomes.
const (
	OutcomeOK                   = "ok"
	OutcomeError                = "error"
	OutcomeConfirmationRequired = "confirmation_required"
	OutcomeCancelled            = "cancelled"
	OutcomeRefused              = "refused"
)

// Auditor appends records to a writer, one JSON object per line. It keeps
// the most recent records in memory for the recovery://audit resource.
type Auditor struct {
	mu     sync.Mutex
	w      io.Writer
	closer io.Closer
	recent []Record
	keep   int
}

// NewAuditor writes to w (nil: memory only).
func NewAuditor(w io.Writer) *Auditor { return &Auditor{w: w, keep: 200} }

// OpenAuditFile appends to path, creating it with mode 0600.
func OpenAuditFile(path string) (*Auditor, error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit file: %w", err)
	}
	a := NewAuditor(f)
	a.closer = f
	return a, nil
}

// Write redacts and appends r.
func (a *Auditor) Write(r Record) error {
	r.Args = Redact(r.Args)
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode audit record: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recent = append(a.recent, r)
	if len(a.recent) > a.keep {
		a.recent = a.recent[len(a.recent)-a.keep:]
	}
	if a.w == nil {
		return nil
	}
	if _, err := a.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

// Recent returns up to n of the newest records, newest first.
func (a *Auditor) Recent(n int) []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n <= 0 || n > len(a.recent) {
		n = len(a.recent)
	}
	out := make([]Record, 0, n)
	for i := len(a.recent) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, a.recent[i])
	}
	return out
}

// Close closes the audit file, if any.
func (a *Auditor) Close() error {
	if a.closer != nil {
		return a.closer.Close()
	}
	return nil
}

var secretWords = []string{"password", "passwd", "secret", "token", "api_key", "apikey", "credential", "authorization"}

// IsSecretKey reports whether an argument named k may hold a secret.
func IsSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Redact returns a copy of args in which every value under a secret-looking
// key, at any depth, is replaced by "[redacted]".
func Redact(args map[string]any) map[string]any {
	if args == nil {
		return nil
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if IsSecretKey(k) {
			out[k] = "[redacted]"
			continue
		}
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return Redact(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	default:
		return v
	}
}
