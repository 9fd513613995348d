package kit

import (
	"context"
	"errors"
	"fmt"
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
	c := &Call{Env: env, tool: t, req: req, args: map[string]any{}}
	for k, v := range req.GetArguments() {
		if k == ConfirmTokenArg && t.Confirmable() {
			c.token, _ = v.(string)
			continue
		}
		c.args[k] = v
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
			env.Collector.Invalidate() // the estate may have changed
		}
		t.audit(env, c, res, start)
	}()

	if env.ReadOnly && t.Tier != safety.Read {
		c.outcome = safety.OutcomeRefused
		return errorResult(Refused(fmt.Sprintf("refused: %s changes data and this server runs with --read-only. Nothing was changed.", t.Name)))
	}
	if env.DisableDestructive && t.Tier == safety.Destructive {
		c.outcome = safety.OutcomeRefused
		return errorResult(Refused(fmt.Sprintf("refused: %s is destructive and this server runs with --disable-destructive. Nothing was changed.", t.Name)))
	}
	out, err := t.run(ctx, c)
	if err != nil {
		var in *interruption
		if errors.As(err, &in) {
			return in.res
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			err = &Error{Kind: KindTimeout, Msg: fmt.Sprintf("%s was cancelled or timed out: %v", t.Name, ctx.Err()), Err: err,
				Hint: "If it had started a task or job, check it with the get_task/get_job tool before retrying."}
		}
		return errorResult(err)
	}
	return render(out, t.Name)
}

func (t *Tool) audit(env *Env, c *Call, res *mcp.CallToolResult, start time.Time) {
	if t.Tier == safety.Read || env.Audit == nil || c.outcome == "input_required" {
		return
	}
	outcome := c.outcome
	msg := ""
	if outcome == "" {
		outcome = safety.OutcomeOK
		if res == nil || res.IsError {
			outcome = safety.OutcomeError
		}
	}
	if res != nil && res.IsError && len(res.Content) > 0 {
		if tc, ok := res.Content[0].(mcp.TextContent); ok {
			msg = tc.Text
		}
	}
	rec := safety.Record{
		Time:     start.UTC(),
		Client:   clientName(c.req),
		Tool:     t.Name,
		Tier:     t.Tier,
		Target:   c.target,
		Args:     c.args,
		Outcome:  outcome,
		Message:  msg,
		TaskID:   c.taskID,
		Duration: env.Now().Sub(start).Seconds(),
	}
	if err := env.Audit.Write(rec); err != nil {
		env.Logger.Error("audit record not written", "tool", t.Name, "err", err)
	}
}

func clientName(req mcp.CallToolRequest) string {
	if info := req.Params.Meta.ClientInfo(); info != nil {
		return info.Name
	}
	return ""
}
