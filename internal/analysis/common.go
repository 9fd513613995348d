package analysis

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Severity of a finding, prediction or suggestion.
type Severity string

// Severities, most severe first. Info is used only for assessments that need
// no action (PredictEntity's quiet results).
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank orders severities: 0 for critical up to 4 for info.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 0
	case High:
		return 1
	case Medium:
		return 2
	case Low:
		return 3
	default:
		return 4
	}
}

// lower returns the next lower severity (low stays low).
func (s Severity) lower() Severity {
	switch s {
	case Critical:
		return High
	case High:
		return Medium
	default:
		return Low
	}
}

func maxSeverity(a, b Severity) Severity {
	if b.Rank() < a.Rank() {
		return b
	}
	return a
}

// SeverityCounts counts by severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Total    int `json:"total"`
}

func (c *SeverityCounts) add(s Severity) {
	switch s {
	case Critical:
		c.Critical++
	case High:
		c.High++
	case Medium:
		c.Medium++
	case Low:
		c.Low++
	}
	c.Total++
}

// EntityRef names what a result is about. Kind is an inventory entity kind,
// or "target", "replication" or "policy".
type EntityRef struct {
	Kind   string `json:"kind"`
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	Target string `json:"target,omitempty"`
}

// Ref kinds besides the inventory entity kinds.
const (
	RefTarget      = "target"
	RefReplication = "replication"
	RefPolicy      = "policy"
	RefEstate      = "estate" // an estate-wide finding
)

func refOf(en *inventory.Entity) EntityRef {
	return EntityRef{Kind: string(en.Kind), ID: en.ID, Name: en.Name, Target: en.Target}
}

func compareRefs(a, b EntityRef) int {
	return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}

// ToolCall is the MCP tool call to make next: {"tool": ..., "arguments": {...}}.
type ToolCall struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
}

// Evidence holds the numbers a result is based on. Keys are snake_case;
// durations appear as <key>_seconds plus <key> in human form, times as RFC
// 3339 UTC strings, ratios rounded to 4 decimals.
type Evidence map[string]any

func (ev Evidence) num(k string, v float64) Evidence {
	ev[k] = round4(v)
	return ev
}

func (ev Evidence) dur(k string, d time.Duration) Evidence {
	ev[k+"_seconds"] = math.Round(d.Seconds())
	ev[k] = inventory.Human(d)
	return ev
}

func (ev Evidence) time(k string, t time.Time) Evidence {
	if !t.IsZero() {
		ev[k] = ts(t)
	}
	return ev
}

// round4 rounds to 4 decimals and maps NaN and infinities to 0, so results
// always marshal.
func round4(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	if math.Abs(v) >= 1e12 {
		return math.Round(v)
	}
	return math.Round(v*1e4) / 1e4
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func dptr(d time.Duration) *inventory.Duration {
	v := inventory.Duration(d)
	return &v
}

func fptr(v float64) *float64 {
	v = round4(v)
	return &v
}

// gib formats bytes for sentences.
func gib(b int64) string {
	const (
		k = 1024
		m = k * k
		g = m * k
		t = g * k
	)
	f := float64(b)
	switch {
	case math.Abs(f) >= t:
		return trimFloat(f/t) + " TiB"
	case math.Abs(f) >= g:
		return trimFloat(f/g) + " GiB"
	case math.Abs(f) >= m:
		return trimFloat(f/m) + " MiB"
	case math.Abs(f) >= k:
		return trimFloat(f/k) + " KiB"
	}
	return trimFloat(f) + " B"
}

func trimFloat(f float64) string {
	s := strings.TrimRight(strings.TrimRight(formatFloat(f, 1), "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func formatFloat(f float64, prec int) string {
	return strconv.FormatFloat(f, 'f', prec, 64)
}

func pct(f float64) string { return trimFloat(f) + "%" }

// sortedKeys returns a map's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// boundRefs sorts refs and keeps at most n.
func boundRefs(refs []EntityRef, n int) []EntityRef {
	slices.SortFunc(refs, compareRefs)
	refs = slices.CompactFunc(refs, func(a, b EntityRef) bool { return a == b })
	if n >= 0 && len(refs) > n {
		refs = refs[:n:n]
	}
	return refs
}

// vendorOf returns the vendor of an entity's target.
func vendorOf(ix *inventory.Index, en *inventory.Entity) inventory.TargetKind {
	return ix.Vendor(en.Target, en.Kind.Vendor())
}

// siteOf returns the entity's site, or its target's.
func siteOf(ix *inventory.Index, site, target string) string {
	if site != "" {
		return site
	}
	if t := ix.Target(target); t != nil {
		return t.Site
	}
	return ""
}

// criticalEntity reports whether the entity carries one of the rules'
// critical tags.
func criticalEntity(en *inventory.Entity, r *Rules) bool { return en.HasAnyTag(r.CriticalTags) }
