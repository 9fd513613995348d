package kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// Call is one tool call in progress: its arguments, the target it acts on,
// and the means to report progress and to ask for confirmation.
type Call struct {
	Env  *Env
	tool *Tool
	req  mcp.CallToolRequest

	args  map[string]any // as sent, without confirm_token
	token string

	target  string
	release func()
	// progress is the last progress value sent; the spec requires each
	// notification's value to be higher than the one before.
	progress    float64
	progressSet bool
	taskID      string
	outcome     string   // set by Confirm when the call stops before acting
	note        string   // why, for the audit record, when the result says otherwise
	id          string   // audit id of a non-read call
	sent        bool     // a sending record was written
	principal   string   // who called (safety.PrincipalFrom)
	touched     []string // every target resolved, whose cached estate a write drops
}

// Request returns the raw MCP request.
func (c *Call) Request() mcp.CallToolRequest { return c.req }

// Target resolves the target of kind named name (empty: the only one of that
// kind) and records it for the audit record and the confirmation binding.
// For a non-read tool it also takes the target's write slot, held until the
// call returns. Call it before Confirm.
func (c *Call) Target(ctx context.Context, kind, name string) (config.Target, error) {
	t, err := c.Env.Targets.Resolve(kind, name)
	if err != nil {
		return config.Target{}, InvalidArgs(err.Error())
	}
	c.target = t.Name
	if !slices.Contains(c.touched, t.Name) {
		c.touched = append(c.touched, t.Name)
	}
	if c.tool.Tier != safety.Read && c.release == nil && c.Env.Locks != nil {
		if c.Env.Locks.Busy(ctx, t.Name) {
			c.Progress(ctx, 0, 0, "waiting for another write on "+t.Name+" to finish")
		}
		rel, err := c.Env.Locks.Acquire(ctx, t.Name)
		if err != nil {
			return config.Target{}, err
		}
		c.release = rel
	}
	return t, nil
}

// TargetName returns the resolved target's name ("" before Target).
func (c *Call) TargetName() string { return c.target }

// SetTaskID records the backend task or job id for the audit record, at
// once, so a call cut off while waiting can be followed after a restart.
func (c *Call) SetTaskID(id string) {
	c.taskID = id
	if c.id != "" && id != "" {
		c.sent = true
		c.write(safety.Record{Phase: safety.PhaseStarted, TaskID: id})
	}
}

// Progress sends a progress notification when the client asked for them
// (the request carried a progress token), and only when done is higher than
// the last value sent, as the protocol requires. total 0 means unknown.
// Progress is not safe for concurrent use by one call. Delivery is
// best effort: mcp-go may drop or reorder the last one (see
// reference/mcp-go.md trap 6), so callers report during the work.
func (c *Call) Progress(ctx context.Context, done, total float64, message string) {
	if c.req.Params.Meta == nil || c.req.Params.Meta.ProgressToken == nil {
		return
	}
	if c.progressSet && done <= c.progress {
		return // progress must increase: a repeat (a poll at the same percentage) says nothing new
	}
	c.progress, c.progressSet = done, true
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return
	}
	params := map[string]any{"progressToken": c.req.Params.Meta.ProgressToken, "progress": done}
	if total > 0 {
		params["total"] = total
	}
	if message != "" {
		params["message"] = message
	}
	if err := srv.SendNotificationToClient(ctx, "notifications/progress", params); err != nil {
		c.Env.Logger.Debug("progress notification not sent", "tool", c.tool.Name, "err", err)
	}
}

// Confirmation is what a confirmable tool answers instead of acting: a
// preview and a token to repeat the call with, or the news that the user
// declined.
type Confirmation struct {
	ConfirmationRequired bool   `json:"confirmation_required"`
	ConfirmToken         string `json:"confirm_token,omitempty"`
	ExpiresAt            string `json:"expires_at,omitempty"`
	Cancelled            bool   `json:"cancelled,omitempty"`
	Message              string `json:"message"`
	Preview              any    `json:"preview,omitempty"`
}

// elicitID keys our confirmation in the multi-round-trip input requests.
const elicitID = "confirm"

// Confirm stops a call that would lose data until the user has agreed to
// exactly what the preview shows:
//   - with --disable-destructive it refuses;
//   - with confirmation turned off in config it returns nil at once;
//   - with a valid confirm_token for exactly this tool, target, arguments
//     and principal it uses the token up and returns nil;
//   - with an elicitation answer, it accepts it only for a request this
//     server sent for this very call and session (the request state it
//     issued, echoed back): an unsolicited answer is refused and audited;
//   - when the client can elicit, it asks the user (for either protocol era)
//     with a fresh request state;
//   - otherwise it answers with the preview and a single-use token.
//
// action is one line for the user ("Delete recovery point rp-1 (db01, 3 VMs)");
// preview holds exactly what will change. effect is a stable fingerprint of
// the state the preview describes (the uuids of snapshots a restore would
// delete, ETags), never anything that moves with the clock: when it differs
// at redemption, the user agreed to something else, so the call is refused
// with a fresh preview. When Confirm returns an error, the handler must
// return it unchanged.
func (c *Call) Confirm(ctx context.Context, action string, preview, effect any) error {
	if c.Env.DisableDestructive {
		c.outcome = safety.OutcomeRefused
		return Refused(fmt.Sprintf("refused: %s would lose data, and destructive operations are disabled on this server (--disable-destructive). Nothing was changed.", lowerFirst(action)))
	}
	if !c.Env.ConfirmDestructive {
		return nil
	}
	binding := safety.Binding{Tool: c.tool.Name, Target: c.target, Args: c.args,
		Principal: safety.PrincipalFrom(ctx), Session: sessionID(ctx), Effect: effect}
	if c.token != "" {
		err := c.Env.Tokens.Redeem(ctx, c.token, binding)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, safety.ErrEffectChanged):
			c.outcome = safety.OutcomeRefused
			c.note = "confirm_token refused: the state changed since the preview"
			return c.askToken(ctx, action, preview, binding,
				"Not done: what this call would change is no longer what the confirmed preview showed (the state changed meanwhile), so the token was not honoured. Nothing was changed. Show the user this new preview; if they agree, call %[1]s again with the same arguments plus the new confirm_token (valid %[2]s, single use).")
		default:
			c.outcome = safety.OutcomeRefused
			return &Error{Msg: err.Error() + " Nothing was changed.", Kind: KindConfirm}
		}
	}
	if len(c.req.Params.InputResponses) > 0 || c.req.Params.RequestState != "" {
		err := c.Env.Tokens.RedeemState(ctx, c.req.Params.RequestState, binding)
		switch {
		case errors.Is(err, safety.ErrEffectChanged):
			// The user answered about a state that no longer holds: ask again.
			return c.elicit(ctx, binding, "The state changed while you were being asked; this is the current preview.\n\n"+action, preview)
		case err != nil:
			c.outcome = safety.OutcomeRefused
			return &Error{Kind: KindConfirm, Msg: err.Error() + ". Nothing was changed.",
				Hint: "Call " + c.tool.Name + " without inputResponses: the server then asks the user itself, or returns a preview and a confirm_token."}
		}
		resp := server.ElicitationResponse(c.req.Params.InputResponses, elicitID)
		if resp != nil && resp.Action == mcp.ElicitationResponseActionAccept && acceptedConfirm(resp.Content) {
			return nil
		}
		c.outcome = safety.OutcomeCancelled
		return interrupt(structured(Confirmation{
			Cancelled: true,
			Message:   "Cancelled: the user did not confirm. Nothing was changed.",
			Preview:   preview,
		}, "Cancelled: the user did not confirm "+lowerFirst(action)+". Nothing was changed."))
	}
	if clientCanElicit(ctx) {
		return c.elicit(ctx, binding, action, preview)
	}
	c.outcome = safety.OutcomeConfirmationRequired
	return c.askToken(ctx, action, preview, binding,
		"Confirmation required: %[3]s. Show the preview to the user; if they agree, call %[1]s again with the same arguments plus confirm_token (valid %[2]s, single use).")
}

// elicit asks the user through the client, with a fresh request state bound
// to this call, so that only the answer to this question confirms it.
func (c *Call) elicit(ctx context.Context, b safety.Binding, action string, preview any) error {
	state, _, err := c.Env.Tokens.IssueState(ctx, b)
	if err != nil {
		return err
	}
	if c.outcome == "" {
		c.outcome = safety.OutcomeInputRequired
	}
	msg := action + "\n\n" + previewText(preview) + "\n\nThis cannot be undone. Confirm?"
	return interrupt(server.NewInputRequestBuilder(state).Elicit(elicitID, mcp.ElicitationParams{
		Message: msg,
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"confirm": map[string]any{"type": "boolean", "title": "Confirm", "description": action},
			},
			"required": []string{"confirm"},
		},
	}).ToolResult())
}

// askToken answers with the preview and a new single-use confirm token.
// format gets the tool name, the token's lifetime and the action.
func (c *Call) askToken(ctx context.Context, action string, preview any, b safety.Binding, format string) error {
	code, exp, err := c.Env.Tokens.Issue(ctx, b)
	if err != nil {
		return err
	}
	ttl := exp.Sub(c.Env.Now()).Round(time.Second)
	return interrupt(structured(Confirmation{
		ConfirmationRequired: true,
		ConfirmToken:         code,
		ExpiresAt:            exp.UTC().Format(time.RFC3339),
		Message:              fmt.Sprintf(format, c.tool.Name, ttl, lowerFirst(action)),
		Preview:              preview,
	}, ""))
}

// sessionID is the MCP session of the request ("" in the stateless
// 2026-07-28 era, where the request itself carries everything).
func sessionID(ctx context.Context) string {
	if s := server.ClientSessionFromContext(ctx); s != nil {
		return s.SessionID()
	}
	return ""
}

func acceptedConfirm(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return false
	}
	v, ok := m["confirm"].(bool)
	return ok && v
}

// clientCanElicit reports whether this request's client can answer an
// elicitation: per request in the 2026-07-28 era, per session before it
// (and only on transports whose sessions can carry the request).
func clientCanElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities != nil && info.ClientCapabilities.Elicitation != nil
	}
	sess := server.ClientSessionFromContext(ctx)
	if _, ok := sess.(server.SessionWithElicitation); !ok {
		return false
	}
	ci, ok := sess.(server.SessionWithClientInfo)
	return ok && ci.GetClientCapabilities().Elicitation != nil
}

func previewText(p any) string {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Sprint(p)
	}
	return string(b)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// decode binds the arguments to a typed struct strictly: unknown arguments
// and wrong types are errors that name the argument and list the valid ones.
func (c *Call) decode(dst any) error {
	// encoding/json matches field names case-insensitively, so "LIMIT"
	// would bind to limit and slip past the checks on "limit": names must
	// match exactly.
	names := c.tool.argNames()
	for k := range c.args {
		if slices.Contains(names, k) {
			continue
		}
		hint := ""
		for _, n := range names {
			if strings.EqualFold(n, k) {
				hint = fmt.Sprintf(" (argument names are case-sensitive: did you mean %q?)", n)
			}
		}
		return InvalidArgs(fmt.Sprintf("unknown argument %q%s; %s takes: %s", clip(k, 64), hint, c.tool.Name, strings.Join(names, ", ")))
	}
	if err := validateArgs(c.tool.input, c.args); err != nil {
		return err
	}
	raw, err := json.Marshal(c.args)
	if err != nil {
		return InvalidArgs("arguments are not valid JSON: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return InvalidArgs(fmt.Sprintf("argument %s: want %s, got %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return InvalidArgs(fmt.Sprintf("unknown argument %q; %s takes: %s", name, c.tool.Name, strings.Join(c.tool.argNames(), ", ")))
		default:
			return InvalidArgs("arguments: " + err.Error())
		}
	}
	return nil
}

func (t *Tool) argNames() []string {
	var names []string
	if t.input != nil && t.input.Properties != nil {
		for p := t.input.Properties.Oldest(); p != nil; p = p.Next() {
			names = append(names, p.Key)
		}
	}
	sort.Strings(names)
	return names
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	default:
		return "a " + goKind
	}
}
