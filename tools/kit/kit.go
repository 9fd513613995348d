// Package kit is the small tool kit every toolset shares. A tool is declared
// once, from a typed argument struct and a typed result struct:
//
//	kit.Define(kit.Meta{Name: "ontap_list_snapshots", Tier: safety.Read, ...},
//	    func(ctx context.Context, c *kit.Call, a ListSnapshotsArgs) (SnapshotList, error) {...})
//
// From that one declaration come the input schema and output schema
// (invopop/jsonschema; set as raw schemas to avoid mcp-go's RawInputSchema
// trap), all four annotations (set explicitly from the tier, never mcp-go's
// defaults), strict argument decoding with errors that name the argument,
// the result as structuredContent plus a compact text form led by a one-line
// summary, the 40 KB cap on a result's JSON, actionable isError results, and
// the safety rails: target resolution with the per-target write lock,
// confirmation of destructive calls, and the audit record.
//
// Conditionally destructive tools (Meta.MayDestroy) are write-tier tools some
// of whose calls lose data: extending a recovery point's expiration adds
// protection, shortening it removes some. Their annotations say
// destructiveHint=true (the honest worst case for a client that only reads
// static hints), --disable-destructive keeps them listed, and each call that
// would lose data goes through Call.Confirm, which applies the same
// --disable-destructive refusal and the same confirmation as a destructive
// tool.
package kit

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

// Meta describes a tool for the model choosing between tools.
type Meta struct {
	Name        string
	Title       string
	Description string
	Toolset     string
	Tier        safety.Tier
	// MayDestroy marks a write-tier tool some of whose calls lose data; see
	// the package comment.
	MayDestroy bool
	// Idempotent marks a write whose repetition changes nothing further
	// (read tools are always idempotent).
	Idempotent bool
	// ClosedWorld marks a tool that touches no backend (e.g. pure
	// analysis over already collected data); vendor tools are open-world.
	ClosedWorld bool
}

// Destructive reports whether some call of the tool may lose data.
func (m Meta) Destructive() bool { return m.Tier == safety.Destructive || m.MayDestroy }

// Confirmable reports whether the tool may ask for confirmation and so
// accepts confirm_token.
func (m Meta) Confirmable() bool { return m.Destructive() }

// Annotations returns the four hints, every one set explicitly. The title
// lives on the tool itself (MCP 2025-06-18), not repeated here.
func (m Meta) Annotations() mcp.ToolAnnotation {
	return mcp.ToolAnnotation{
		ReadOnlyHint:    mcp.ToBoolPtr(m.Tier == safety.Read),
		DestructiveHint: mcp.ToBoolPtr(m.Destructive()),
		IdempotentHint:  mcp.ToBoolPtr(m.Tier == safety.Read || m.Idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(!m.ClosedWorld),
	}
}

// Tool is a declared tool, ready to register.
type Tool struct {
	Meta
	InputSchema  json.RawMessage
	OutputSchema json.RawMessage

	argsType reflect.Type
	input    *jsonschema.Schema
	run      func(ctx contextT, c *Call) (any, error)
}

var toolName = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)

// Define declares a tool from its metadata and typed handler. It panics on a
// malformed declaration: that is a programming error caught by every test.
func Define[A, R any](m Meta, h func(ctx contextT, c *Call, args A) (R, error)) Tool {
	if !toolName.MatchString(m.Name) {
		panic(fmt.Sprintf("kit: tool name %q is not snake_case", m.Name))
	}
	if !m.Tier.Valid() {
		panic(fmt.Sprintf("kit: tool %s has no valid tier", m.Name))
	}
	if m.MayDestroy && m.Tier != safety.Write {
		panic(fmt.Sprintf("kit: tool %s: MayDestroy applies to write tools only", m.Name))
	}
	if m.Title == "" || m.Description == "" || m.Toolset == "" {
		panic(fmt.Sprintf("kit: tool %s needs a title, a description and a toolset", m.Name))
	}
	in := inputSchema[A](m.Confirmable())
	inRaw, err := json.Marshal(in)
	if err != nil {
		panic(fmt.Sprintf("kit: tool %s input schema: %v", m.Name, err))
	}
	outRaw, err := outputSchema[R]()
	if err != nil {
		panic(fmt.Sprintf("kit: tool %s output schema: %v", m.Name, err))
	}
	t := Tool{Meta: m, InputSchema: inRaw, OutputSchema: outRaw, input: in, argsType: reflect.TypeFor[A]()}
	t.run = func(ctx contextT, c *Call) (any, error) {
		var args A
		if err := c.decode(&args); err != nil {
			return nil, err
		}
		if v, ok := any(&args).(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return nil, InvalidArgs(err.Error())
			}
		}
		r, err := h(ctx, c, args)
		if err != nil {
			return nil, err
		}
		return &r, nil
	}
	return t
}

// MCP returns the mcp-go tool: raw schemas (never mcp.WithRawInputSchema,
// which leaves the default InputSchema beside it and breaks tools/list) and
// every annotation set.
func (t Tool) MCP() mcp.Tool {
	return mcp.Tool{
		Name:            t.Name,
		Title:           t.Title,
		Description:     t.Description,
		RawInputSchema:  t.InputSchema,
		RawOutputSchema: t.OutputSchema,
		Annotations:     t.Annotations(),
	}
}

// FirstSentence returns the description's first sentence, for listings.
func (t Tool) FirstSentence() string { return FirstSentence(t.Description) }

// abbreviations end in a period without ending a sentence.
var abbreviations = map[string]bool{"e.g": true, "i.e": true, "etc": true, "vs": true, "approx": true, "incl": true, "cf": true}

// FirstSentence returns the first sentence of d: up to the first period
// that is followed by a space and a capital letter or digit and does not
// close an abbreviation such as "e.g." or "etc.". "(e.g. after a timeout)"
// stays whole.
func FirstSentence(d string) string {
	for i := 0; i+2 < len(d); i++ {
		if d[i] != '.' || d[i+1] != ' ' {
			continue
		}
		next := d[i+2]
		if (next < 'A' || next > 'Z') && (next < '0' || next > '9') {
			continue
		}
		word := d[strings.LastIndexAny(d[:i], " (")+1 : i]
		if abbreviations[strings.ToLower(word)] {
			continue
		}
		return d[:i+1]
	}
	return d
}

// Env is what tool calls share: targets and their clients, the safety rails
// and the settings that switch them.
type Env struct {
	Targets *targets.Registry
	Tokens  *safety.Tokens
	Audit   *safety.Auditor
	Locks   safety.WriteLocker
	Logger  *slog.Logger
	// Now is wall time (tokens, audit); Clock is the estate's time, by
	// which ages, RPO and expiry are judged (the simulated clock in --demo).
	Now   func() time.Time
	Clock func() time.Time

	ReadOnly           bool
	DisableDestructive bool
	ConfirmDestructive bool

	// Collector gathers the vendor-neutral estate for the analysis tools
	// and resources (cached briefly; writes invalidate it).
	Collector *collect.Collector
	// Rules are the analysis thresholds (config file section analysis:).
	Rules analysis.Rules
	// Workflows runs the workflows (nil: the workflow tools answer that
	// no engine is configured).
	Workflows workflow.Orchestrator
}
