package safety

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Record is one line of the audit file. A non-read call writes an intent
// before it talks to any backend, a "sending" record right before its first
// change request (with what would identify the change afterwards), a
// "started" record when the backend names its task or job, and an outcome
// at the end; all carry the call's ID. A server killed mid-call leaves an
// intent without outcome, which the next start reconciles against the
// backend and records as phase "reconciled". A refusal is one outcome
// record without intent.
type Record struct {
	Time     time.Time      `json:"time"`
	ID       string         `json:"id,omitempty"`
	Phase    string         `json:"phase,omitempty"` // intent, sending, started, outcome, reconciled
	Client   string         `json:"client,omitempty"`
	Tool     string         `json:"tool"`
	Tier     Tier           `json:"tier"`
	Target   string         `json:"target,omitempty"`
	Args     map[string]any `json:"arguments,omitempty"`
	Outcome  string         `json:"outcome,omitempty"` // ok, error, confirmation_required, input_required, cancelled, refused; found, absent, unknown when reconciled
	Message  string         `json:"message,omitempty"`
	TaskID   string         `json:"task_id,omitempty"`
	Duration float64        `json:"duration_s,omitempty"`
	// Lookup says how to find the change on the backend if the answer is
	// lost (e.g. kind ontap_snapshot, volume, name), on "sending" records.
	Lookup map[string]string `json:"lookup,omitempty"`
	// Principal is who called (never a secret; see TokenPrincipal).
	Principal string `json:"principal,omitempty"`
}

// Audit phases.
const (
	PhaseIntent     = "intent"
	PhaseSending    = "sending"
	PhaseStarted    = "started"
	PhaseOutcome    = "outcome"
	PhaseReconciled = "reconciled"
)

// Audit outcomes.
const (
	OutcomeOK                   = "ok"
	OutcomeError                = "error"
	OutcomeConfirmationRequired = "confirmation_required"
	OutcomeCancelled            = "cancelled"
	OutcomeRefused              = "refused"
	// OutcomeInputRequired: the user was asked to confirm (elicitation);
	// the answer comes with a new call.
	OutcomeInputRequired = "input_required"
	// Reconciled outcomes of a call interrupted by a stop.
	OutcomeFound   = "found"
	OutcomeAbsent  = "absent"
	OutcomeUnknown = "unknown"
)

// Auditor appends records to a writer, one JSON object per line. It keeps
// the most recent records in memory for the recovery://audit resource.
type Auditor struct {
	mu     sync.Mutex
	w      io.Writer
	closer io.Closer
	recent []Record
	keep   int

	unfinished []Unfinished
	torn       bool // the file's last line was cut short
}

// NewAuditor writes to w (nil: memory only).
func NewAuditor(w io.Writer) *Auditor { return &Auditor{w: w, keep: 200} }

// OpenAuditFile appends to path, creating it with mode 0600. The records
// already there are read back, so recovery://audit and Unfinished survive a
// restart.
func OpenAuditFile(path string) (*Auditor, error) {
	a := NewAuditor(nil)
	if err := a.load(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit file: %w", err)
	}
	if a.torn {
		// End the line a kill cut short, so the next record starts on its own.
		if _, err := f.Write([]byte("\n")); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("repair audit file: %w", err)
		}
	}
	a.w, a.closer = f, f
	return a, nil
}

// load reads the existing file: the newest records for Recent, and every
// call whose intent has no outcome or reconciliation yet. A torn last line
// (a write cut by a kill) is skipped.
func (a *Auditor) load(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read audit file: %w", err)
	}
	defer f.Close()
	open := map[string][]Record{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		a.remember(r)
		if r.ID == "" {
			continue
		}
		switch r.Phase {
		case PhaseIntent:
			if _, ok := open[r.ID]; !ok {
				order = append(order, r.ID)
			}
			open[r.ID] = []Record{r}
		case PhaseSending, PhaseStarted:
			if recs, ok := open[r.ID]; ok {
				open[r.ID] = append(recs, r)
			}
		case PhaseOutcome, PhaseReconciled:
			delete(open, r.ID)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read audit file: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			a.torn = true
		}
	}
	for _, id := range order {
		if recs, ok := open[id]; ok {
			a.unfinished = append(a.unfinished, Unfinished{Records: recs})
		}
	}
	return nil
}

// Unfinished is a call that was cut off: its intent and whatever it
// recorded before the stop.
type Unfinished struct{ Records []Record }

// Intent is the call's first record.
func (u Unfinished) Intent() Record { return u.Records[0] }

// Last returns the newest record of the given phase, and whether there is one.
func (u Unfinished) Last(phase string) (Record, bool) {
	for i := len(u.Records) - 1; i >= 0; i-- {
		if u.Records[i].Phase == phase {
			return u.Records[i], true
		}
	}
	return Record{}, false
}

// Target is the target the call acted on, once it was known.
func (u Unfinished) Target() string {
	for i := len(u.Records) - 1; i >= 0; i-- {
		if u.Records[i].Target != "" {
			return u.Records[i].Target
		}
	}
	return ""
}

// Unfinished returns the calls cut off by an earlier stop that are not yet
// reconciled, oldest first.
func (a *Auditor) Unfinished() []Unfinished {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.unfinished)
}

// Reconciled records the reconciliation of u and drops it from Unfinished.
func (a *Auditor) Reconciled(u Unfinished, r Record) error {
	in := u.Intent()
	r.ID, r.Phase, r.Tool, r.Tier, r.Client, r.Principal = in.ID, PhaseReconciled, in.Tool, in.Tier, in.Client, in.Principal
	if r.Target == "" {
		r.Target = u.Target()
	}
	if err := a.Write(r); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.unfinished = slices.DeleteFunc(a.unfinished, func(x Unfinished) bool { return x.Intent().ID == in.ID })
	return nil
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
	a.remember(r)
	if a.w == nil {
		return nil
	}
	if _, err := a.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

func (a *Auditor) remember(r Record) {
	a.recent = append(a.recent, r)
	if len(a.recent) > 2*a.keep {
		a.recent = slices.Clone(a.recent[len(a.recent)-a.keep:])
	}
}

// Recent returns up to n of the newest records, newest first.
func (a *Auditor) Recent(n int) []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n <= 0 || n > a.keep {
		n = a.keep
	}
	n = min(n, len(a.recent))
	out := make([]Record, 0, n)
	for i := len(a.recent) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, a.recent[i])
	}
	return out
}

// Close closes the audit file, if any.
func (a *Auditor) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.w = nil // later records stay in memory only
	if a.closer != nil {
		c := a.closer
		a.closer = nil
		return c.Close()
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
