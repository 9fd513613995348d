package config

import (
	"encoding/json"
	"log/slog"
)

// Secret holds a password or API key. Every way of printing it (fmt verbs,
// JSON, slog) yields a fixed mask, so a secret cannot leak through a log line,
// an error message or a tool result by accident. Reveal is the only way out.
type Secret struct{ value string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Reveal returns the secret itself; call it only where the backend needs it.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s.value == "" }

const mask = "[redacted]"

// String masks the secret for %v and %s.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return mask
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue masks the secret for slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON masks the secret in JSON.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
