package kit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// Handler returns the mcp-go handler of t bound to env.
func (t Tool) Handler(env *Env) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return t.call(ctx, env, req), nil
	}
}

// ServerTool returns t ready for server.AddTools.
func (t Tool) ServerTool(env *Env) server.ServerTool {
	return server.ServerTool{Tool: t.MCP(), Handler: t.Handler(env)}
}

func (t *Tool) call(ctx context.Context, env *Env, req mcp.CallToolRequest) (res *mcp.CallToolResult) {
	start := env.Now()
	c := &Call{Env: env, tool: t, req: req, args: map[string]any{}, principal: safety.PrincipalFrom(ctx)}
	args, argsErr := requestArgs(req)
	for k, v := range args {
		if k == ConfirmTokenArg && t.Confirmable() {
			c.token, _ = v.(string)
			continue
		}
		c.args[k] = v
	}
	refusal := t.refusal(env, argsErr)
	if t.Tier != safety.Read && refusal == nil {
		c.id = newCallID()
		c.write(safety.Record{Time: start.UTC(), Phase: safety.PhaseIntent, Args: c.args})
	}
	defer func() {
		if p := recover(); p != nil {
			env.Logger.Error("tool panicked", "tool", t.Name, "panic", p, "stack", string(debug.Stack()))
			res = errorResult(fmt.Errorf("internal error in %s; the call was stopped (this is a bug: please report it with the server log)", t.Name))
		}
		if c.release != nil {
			c.release()
		}
		if t.Tier != safety.Read && env.Collector != nil && c.outcome == "" {
			env.Collector.InvalidateTargets(c.touched...) // what it acted on may have changed
		}
		t.audit(env, c, res, start)
	}()

	if refusal != nil {
		c.outcome = safety.OutcomeRefused
		return errorResult(refusal)
	}
	out, err := t.run(ctx, c)
	if err != nil {
		var in *interruption
		if errors.As(err, &in) {
			return in.res
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			err = &Error{Kind: KindTimeout, Msg: fmt.Sprintf("%s was cancelled or timed out: %v", t.Name, ctx.Err()), Err: err,
				Hint: "If it had started a task or job, check it with nutanix_get_task or ontap_get_job before retrying."}
		}
		return errorResult(err)
	}
	return render(out, t.Name, t.Tier != safety.Read)
}

// refusal is why the call may not run at all: arguments that are not an
// object, or the server's mode.
func (t *Tool) refusal(env *Env, argsErr error) error {
	switch {
	case argsErr != nil:
		return argsErr
	case env.ReadOnly && t.Tier != safety.Read:
		return Refused(fmt.Sprintf("refused: %s changes data and this server runs with --read-only. Nothing was changed.", t.Name))
	case env.DisableDestructive && t.Tier == safety.Destructive:
		return Refused(fmt.Sprintf("refused: %s is destructive and this server runs with --disable-destructive. Nothing was changed.", t.Name))
	}
	return nil
}

// requestArgs returns the call's arguments, which must be a JSON object
// (or absent): a list or a string is an error, never silently {}.
func requestArgs(req mcp.CallToolRequest) (map[string]any, error) {
	switch a := req.Params.Arguments.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return a, nil
	default:
		return nil, InvalidArgs(fmt.Sprintf("arguments must be a JSON object of named arguments, not %s", jsonKind(reflect.TypeOf(a).Kind().String())))
	}
}

func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "call_" + hex.EncodeToString(b[:])
}

// write appends an audit record of this call, filled with what the call
// knows.
func (c *Call) write(r safety.Record) {
	if c.Env.Audit == nil {
		return
	}
	if r.Time.IsZero() {
		r.Time = c.Env.Now().UTC()
	}
	r.ID, r.Tool, r.Tier, r.Client, r.Principal = c.id, c.tool.Name, c.tool.Tier, clientName(c.req), c.principal
	if r.Target == "" {
		r.Target = c.target
	}
	if err := c.Env.Audit.Write(r); err != nil {
		c.Env.Logger.Error("audit record not written", "tool", c.tool.Name, "phase", r.Phase, "err", err)
	}
}

// Sending records, before the first request that changes anything, how to
// find the change on the backend should the answer be lost or the server
// stop (lookup: e.g. kind=ontap_snapshot, volume, name). Call it right
// before the request; a second call records nothing.
func (c *Call) Sending(lookup map[string]string) {
	if c.sent || c.id == "" {
		return
	}
	c.sent = true
	c.write(safety.Record{Phase: safety.PhaseSending, Lookup: lookup})
}

func (t *Tool) audit(env *Env, c *Call, res *mcp.CallToolResult, start time.Time) {
	if t.Tier == safety.Read || env.Audit == nil {
		return
	}
	outcome := c.outcome
	msg := c.note
	if outcome == "" {
		outcome = safety.OutcomeOK
		if res == nil || res.IsError {
			outcome = safety.OutcomeError
		}
	}
	if res != nil && res.IsError && len(res.Content) > 0 {
		if tc, ok := res.Content[0].(mcp.TextContent); ok {
			msg = clip(tc.Text, 1000)
		}
	}
	c.write(safety.Record{
		Time:     start.UTC(),
		Phase:    safety.PhaseOutcome,
		Args:     c.args,
		Outcome:  outcome,
		Message:  msg,
		TaskID:   c.taskID,
		Duration: env.Now().Sub(start).Seconds(),
	})
}

// AuditRefusal records a call refused before any handler ran (a tool hidden
// by --read-only or --disable-destructive, called anyway).
func AuditRefusal(ctx context.Context, env *Env, m Meta, req mcp.CallToolRequest, why string) {
	if env.Audit == nil {
		return
	}
	args, _ := requestArgs(req)
	if err := env.Audit.Write(safety.Record{Time: env.Now().UTC(), Phase: safety.PhaseOutcome, Client: clientName(req),
		Tool: m.Name, Tier: m.Tier, Args: args, Outcome: safety.OutcomeRefused, Message: why, Principal: safety.PrincipalFrom(ctx)}); err != nil {
		env.Logger.Error("audit record not written", "tool", m.Name, "err", err)
	}
}

func clientName(req mcp.CallToolRequest) string {
	if info := req.Params.Meta.ClientInfo(); info != nil {
		return info.Name
	}
	return ""
}

// Reconciler establishes, against the backend, what became of a call that a
// stop cut off: found (the change was made, or its task or job exists),
// absent (nothing was made) or unknown, with a message saying what was
// checked.
type Reconciler func(ctx context.Context, env *Env, u safety.Unfinished) (outcome, message string)

// ReconcileUnfinished reconciles every call the audit file shows cut off
// by an earlier stop, with the reconciler of its target's kind, and records
// the result. A call that stopped before sending any change request is
// absent without asking anyone.
func ReconcileUnfinished(ctx context.Context, env *Env, byKind map[string]Reconciler) {
	if len(env.Audit.Unfinished()) > 0 {
		_ = env.Targets.Refresh(ctx) // a call may have gone to a cluster behind AIQUM
	}
	for _, u := range env.Audit.Unfinished() {
		outcome, msg := safety.OutcomeAbsent, "the server stopped before this call sent any change request"
		_, sending := u.Last(safety.PhaseSending)
		started, hasTask := u.Last(safety.PhaseStarted)
		if sending || hasTask {
			outcome, msg = safety.OutcomeUnknown, "no reconciler for target "+u.Target()
			for _, t := range env.Targets.All() {
				if r := byKind[t.Kind]; t.Name == u.Target() && r != nil {
					outcome, msg = r(ctx, env, u)
				}
			}
		}
		rec := safety.Record{Time: env.Now().UTC(), Outcome: outcome, Message: "reconciled after a restart: " + msg}
		if hasTask {
			rec.TaskID = started.TaskID
		}
		if err := env.Audit.Reconciled(u, rec); err != nil {
			env.Logger.Error("reconciliation not recorded", "id", u.Intent().ID, "err", err)
			continue
		}
		env.Logger.Warn("reconciled a call cut off by a stop", "tool", u.Intent().Tool, "target", u.Target(), "outcome", outcome, "detail", msg)
	}
}
