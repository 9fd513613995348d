package kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	outcome     string // set by Confirm when the call stops before acting
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
	if c.tool.Tier != safety.Read && c.release == nil && c.Env.Locks != nil {
		if c.Env.Locks.Busy(t.Name) {
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

// SetTaskID records the backend task or job id for the audit record.
func (c *Call) SetTaskID(id string) { c.taskID = id }

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

// Confirm stops a call that would lose data until the user has agreed:
//   - with --disable-destructive it refuses;
//   - with confirmation turned off in config it returns nil at once;
//   - with a valid confirm_token for exactly this tool, target and arguments
//     it uses the token up and returns nil;
//   - when the client can elicit, it asks the user (for either protocol era)
//     and returns nil on accept;
//   - otherwise it answers with the preview and a single-use token.
//
// action is one line for the user ("Delete recovery point rp-1 (db01, 3 VMs)");
// preview holds exactly what will change. When Confirm returns an error,
// the handler must return it unchanged.
func (c *Call) Confirm(ctx context.Context, action string, preview any) error {
	if c.Env.DisableDestructive {
		c.outcome = safety.OutcomeRefused
		return Refused(fmt.Sprintf("refused: %s would lose data, and destructive operations are disabled on this server (--disable-destructive). Nothing was changed.", lowerFirst(action)))
	}
	if !c.Env.ConfirmDestructive {
		return nil
	}
	binding := safety.Binding{Tool: c.tool.Name, Target: c.target, Args: c.args}
	if c.token != "" {
		if err := c.Env.Tokens.Redeem(c.token, binding); err != nil {
			c.outcome = safety.OutcomeRefused
			return &Error{Msg: err.Error() + " Nothing was changed.", Kind: KindConfirm}
		}
		return nil
	}
	if resp := server.ElicitationResponse(c.req.Params.InputResponses, elicitID); resp != nil {
		if resp.Action == mcp.ElicitationResponseActionAccept && acceptedConfirm(resp.Content) {
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
		c.outcome = "input_required"
		msg := action + "\n\n" + previewText(preview) + "\n\nThis cannot be undone. Confirm?"
		return interrupt(server.NewInputRequestBuilder("").Elicit(elicitID, mcp.ElicitationParams{
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
	code, exp, err := c.Env.Tokens.Issue(binding)
	if err != nil {
		return err
	}
	c.outcome = safety.OutcomeConfirmationRequired
	ttl := exp.Sub(c.Env.Now()).Round(time.Second)
	return interrupt(structured(Confirmation{
		ConfirmationRequired: true,
		ConfirmToken:         code,
		ExpiresAt:            exp.UTC().Format(time.RFC3339),
		Message: fmt.Sprintf("Confirmation required: %s. Show the preview to the user; if they agree, call %s again with the same arguments plus confirm_token (valid %s, single use).",
			lowerFirst(action), c.tool.Name, ttl),
		Preview: preview,
	}, ""))
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
