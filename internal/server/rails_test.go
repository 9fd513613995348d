package server

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func TestModeFilteringAtListAndCall(t *testing.T) {
	cases := []struct {
		name        string
		readOnly    bool
		noDestroy   bool
		visible     []string
		hidden      []string
		refusedCall string
	}{
		{"default", false, false, []string{"list_targets", "probe_write", "probe_delete", "probe_maybe"}, nil, ""},
		{"read-only", true, false, []string{"list_targets"}, []string{"probe_write", "probe_delete", "probe_maybe"}, "probe_write"},
		{"disable-destructive", false, true, []string{"list_targets", "probe_write", "probe_maybe"}, []string{"probe_delete"}, "probe_delete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t, func(o *Options) { o.ReadOnly, o.DisableDestructive = c.readOnly, c.noDestroy })
			cl := connect(t, s.Server)
			names := toolNames(t, cl)
			for _, v := range c.visible {
				if !slices.Contains(names, v) {
					t.Errorf("%s not listed: %v", v, names)
				}
			}
			for _, h := range c.hidden {
				if slices.Contains(names, h) {
					t.Errorf("%s listed in %s mode", h, c.name)
				}
			}
			if c.refusedCall != "" {
				req := mcp.CallToolRequest{}
				req.Params.Name = c.refusedCall
				req.Params.Arguments = map[string]any{"name": "x"}
				res, err := cl.CallTool(t.Context(), req)
				if err == nil && !res.IsError {
					t.Fatalf("%s ran in %s mode: %s", c.refusedCall, c.name, text(res))
				}
				if s.ran.Load() != 0 {
					t.Fatal("handler executed")
				}
			}
		})
	}
}

func TestMayDestroyUnderDisableDestructive(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.DisableDestructive = true })
	cl := connect(t, s.Server)
	if res := callTool(t, cl, "probe_maybe", map[string]any{"name": "a", "mode": "fast"}); res.IsError {
		t.Fatalf("harmless call refused: %s", text(res))
	}
	res := callTool(t, cl, "probe_maybe", map[string]any{"name": "a", "mode": "slow"})
	if !res.IsError || !strings.Contains(text(res), "--disable-destructive") {
		t.Fatalf("lossy call not refused: %s", text(res))
	}
	if s.ran.Load() != 1 {
		t.Fatalf("ran %d times, want 1", s.ran.Load())
	}
}

func TestConfirmTokenFlow(t *testing.T) {
	s := newTestServer(t, nil)
	cl := connect(t, s.Server) // no elicitation handler: token fallback
	args := map[string]any{"name": "snap1"}

	first := callTool(t, cl, "probe_delete", args)
	if first.IsError {
		t.Fatalf("preview is an error: %s", text(first))
	}
	m := structuredMap(t, first)
	tok, _ := m["confirm_token"].(string)
	if m["confirmation_required"] != true || tok == "" || m["preview"] == nil {
		t.Fatalf("preview: %v", m)
	}
	if s.ran.Load() != 0 {
		t.Fatal("executed before confirmation")
	}

	other := map[string]any{"name": "snap2", "confirm_token": tok}
	if res := callTool(t, cl, "probe_delete", other); !res.IsError || !strings.Contains(text(res), "different tool, target") {
		t.Fatalf("token for other arguments: %s", text(res))
	}
	confirmed := map[string]any{"name": "snap1", "confirm_token": tok}
	res := callTool(t, cl, "probe_delete", confirmed)
	if res.IsError || structuredMap(t, res)["done"] != "snap1" {
		t.Fatalf("confirmed call: %s", text(res))
	}
	if res := callTool(t, cl, "probe_delete", confirmed); !res.IsError || !strings.Contains(text(res), "already used") {
		t.Fatalf("replayed token: %s", text(res))
	}
	if s.ran.Load() != 1 {
		t.Fatalf("ran %d times, want 1", s.ran.Load())
	}
	audit := s.audit.String()
	for _, want := range []string{`"outcome":"confirmation_required"`, `"outcome":"ok"`, `"outcome":"refused"`, `"target":"ontap-a"`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, tok) || strings.Contains(audit, "pw-not-for-logs") {
		t.Errorf("audit leaks a secret:\n%s", audit)
	}
}

func TestConfirmTokenExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, func(o *Options) { o.Now = func() time.Time { return now } })
	cl := connect(t, s.Server)
	tok := structuredMap(t, callTool(t, cl, "probe_delete", map[string]any{"name": "a"}))["confirm_token"]
	now = now.Add(6 * time.Minute)
	res := callTool(t, cl, "probe_delete", map[string]any{"name": "a", "confirm_token": tok})
	if !res.IsError || !strings.Contains(text(res), "expired") || s.ran.Load() != 0 {
		t.Fatalf("expired token: %s", text(res))
	}
}

func TestConfirmByElicitation(t *testing.T) {
	cases := []struct {
		name    string
		action  mcp.ElicitationResponseAction
		confirm bool
		runs    int32
	}{
		{"accept", mcp.ElicitationResponseActionAccept, true, 1},
		{"accept without ticking confirm", mcp.ElicitationResponseActionAccept, false, 0},
		{"decline", mcp.ElicitationResponseActionDecline, false, 0},
		{"cancel", mcp.ElicitationResponseActionCancel, false, 0},
	}
	for _, era := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.ProtocolVersion20251125} {
		for _, c := range cases {
			t.Run(era+"/"+c.name, func(t *testing.T) {
				s := newTestServer(t, nil)
				asked := &atomic.Int32{}
				cl := connect(t, s.Server, client.WithElicitationHandler(answer(c.action, c.confirm, asked)), client.WithProtocolVersion(era))
				res := callTool(t, cl, "probe_delete", map[string]any{"name": "vm1"})
				if asked.Load() != 1 {
					t.Fatalf("asked %d times", asked.Load())
				}
				if s.ran.Load() != c.runs {
					t.Fatalf("ran %d times, want %d: %s", s.ran.Load(), c.runs, text(res))
				}
				if c.runs == 0 && !strings.Contains(text(res), "Nothing was changed") {
					t.Errorf("decline result: %s", text(res))
				}
				want := `"outcome":"ok"`
				if c.runs == 0 {
					want = `"outcome":"cancelled"`
				}
				if !strings.Contains(s.audit.String(), want) {
					t.Errorf("audit lacks %s: %s", want, s.audit.String())
				}
				if open := unfinishedCalls(t, s.audit.String()); len(open) > 0 {
					t.Errorf("calls %v look cut off (intent without outcome):\n%s", open, s.audit.String())
				}
			})
		}
	}
}

func TestConfirmationOffInConfig(t *testing.T) {
	s := newTestServer(t, func(o *Options) { off := false; o.Config.Safety.ConfirmDestructive = &off })
	cl := connect(t, s.Server)
	if res := callTool(t, cl, "probe_delete", map[string]any{"name": "a"}); res.IsError || s.ran.Load() != 1 {
		t.Fatalf("automation mode: %s", text(res))
	}
}

func TestArgumentErrorsAreActionable(t *testing.T) {
	s := newTestServer(t, nil)
	cl := connect(t, s.Server)
	cases := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{}, "argument name is required"},
		{map[string]any{"name": "a", "colour": "red"}, `unknown argument "colour"; probe_write takes: count, mode, name, target`},
		{map[string]any{"name": "a", "count": "three"}, "argument count: want an integer"},
		{map[string]any{"name": "a", "count": 9}, "above the maximum 5"},
		{map[string]any{"name": "a", "mode": "warp"}, "use one of fast, slow"},
		{map[string]any{"name": "a", "target": "nope"}, "unknown ontap target \"nope\": use one of ontap-a"},
		// encoding/json would bind these case-insensitively, past the checks.
		{map[string]any{"name": "a", "COUNT": 9}, `unknown argument "COUNT" (argument names are case-sensitive: did you mean "count"?)`},
		{map[string]any{"name": "a", "Mode": "warp"}, `did you mean "mode"?`},
		{map[string]any{"Name": "a"}, `did you mean "name"?`},
		// A megabyte of bad input does not come back as a megabyte of error.
		{map[string]any{"name": "a", "mode": strings.Repeat("w", 1<<20)}, "bytes cut"},
		{map[string]any{"name": "a", strings.Repeat("k", 1<<20): 1}, "bytes cut"},
	}
	for _, c := range cases {
		res := callTool(t, cl, "probe_write", c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) {
			t.Errorf("args %v: got %q, want it to contain %q", c.args, text(res), c.want)
		}
	}
	if s.ran.Load() != 0 {
		t.Fatal("handler ran on bad input")
	}
	for _, c := range cases {
		if res := callTool(t, cl, "probe_write", c.args); len(text(res)) > 5000 {
			t.Errorf("error of %d bytes", len(text(res)))
		}
	}
}

func TestArgumentsMustBeAnObject(t *testing.T) {
	for _, args := range []any{[]any{"name", "a"}, "name=a", 42.0, true} {
		s := newTestServer(t, nil)
		req := mcp.CallToolRequest{}
		req.Params.Name = "probe_write"
		req.Params.Arguments = args
		res := sendRaw(t, s, req, "")
		if !res.IsError || !strings.Contains(text(res), "arguments must be a JSON object") || s.ran.Load() != 0 {
			t.Errorf("arguments %v: %s", args, text(res))
		}
		if !strings.Contains(s.audit.String(), `"outcome":"refused"`) {
			t.Errorf("arguments %v: refusal not audited", args)
		}
	}
}

func TestLongEchoDoesNotTurnAWriteIntoAnError(t *testing.T) {
	s := newTestServer(t, nil)
	cl := connect(t, s.Server)
	res := callTool(t, cl, "probe_write", map[string]any{"name": strings.Repeat("n", 60_000)})
	if res.IsError || s.ran.Load() != 1 {
		t.Fatalf("the write ran (%d) but was reported as: %.300s", s.ran.Load(), text(res))
	}
	if raw, _ := json.Marshal(res.StructuredContent); len(raw) > 40_000 || !strings.Contains(string(raw), "bytes cut") {
		t.Errorf("structured content of %d bytes", len(raw))
	}
	if !strings.Contains(s.audit.String(), `"outcome":"ok"`) {
		t.Errorf("audit: %.500s", s.audit.String())
	}
}

func TestResultCarriesSummaryAndStructuredContent(t *testing.T) {
	s := newTestServer(t, nil)
	cl := connect(t, s.Server)
	res := callTool(t, cl, "probe_write", map[string]any{"name": "a"})
	lines := strings.SplitN(text(res), "\n", 2)
	if len(lines) != 2 || lines[0] != "did a" {
		t.Fatalf("text: %q", text(res))
	}
	var fromText map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &fromText); err != nil || strings.Contains(lines[1], "\n ") {
		t.Fatalf("text JSON not compact: %q", lines[1])
	}
	if structuredMap(t, res)["target"] != "ontap-a" || fromText["target"] != "ontap-a" {
		t.Fatalf("structured: %v", res.StructuredContent)
	}
}

func TestHiddenToolCallsAreAuditedAsRefused(t *testing.T) {
	for _, mode := range []struct {
		name string
		set  func(*Options)
		tool string
	}{
		{"--read-only", func(o *Options) { o.ReadOnly = true }, "probe_write"},
		{"--disable-destructive", func(o *Options) { o.DisableDestructive = true }, "probe_delete"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			s := newTestServer(t, mode.set)
			cl := connect(t, s.Server)
			req := mcp.CallToolRequest{}
			req.Params.Name = mode.tool
			req.Params.Arguments = map[string]any{"name": "a", "password": "hunter2"}
			if res, err := cl.CallTool(context.Background(), req); err == nil && !res.IsError {
				t.Fatalf("hidden tool ran: %s", text(res))
			}
			audit := s.audit.String()
			if s.ran.Load() != 0 || !strings.Contains(audit, `"outcome":"refused"`) || !strings.Contains(audit, mode.name) || !strings.Contains(audit, mode.tool) {
				t.Errorf("audit: %s", audit)
			}
			if strings.Contains(audit, "hunter2") {
				t.Errorf("audit leaks a secret: %s", audit)
			}
		})
	}
}
