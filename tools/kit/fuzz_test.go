package kit

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// fuzzArgs has one argument of each kind of constraint real tools declare:
// required, string lengths, integer and number bounds, an enum, a list, an
// optional boolean and a time.
type fuzzArgs struct {
	Target   string   `json:"target,omitempty"`
	Name     string   `json:"name" jsonschema:"required,minLength=1,maxLength=40"`
	Limit    int      `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500"`
	Ratio    float64  `json:"ratio,omitempty" jsonschema:"minimum=0,maximum=1"`
	Severity string   `json:"severity,omitempty" jsonschema:"enum=critical,enum=high,enum=medium,enum=low"`
	Kinds    []string `json:"kinds,omitempty" jsonschema:"enum=vm,enum=volume_group,enum=volume"`
	Wait     *bool    `json:"wait,omitempty"`
	Expires  string   `json:"expires,omitempty"`
}

type fuzzResult struct {
	Name    string `json:"name"`
	Expires string `json:"expires,omitempty"`
}

// FuzzToolArguments sends arbitrary JSON as a tool call's arguments through
// the handler every tool is served by. Whatever arrives, the call ends in a
// result (never a panic, which the handler would turn into "internal
// error"); an error result says something; and a handler only ever sees
// arguments that satisfy the input schema it declared.
func FuzzToolArguments(f *testing.F) {
	for _, s := range []string{
		`{"name":"vol1"}`,
		`{"name":"vol1","limit":500,"ratio":0.5,"severity":"high","kinds":["vm","volume"],"wait":true,"expires":"7d"}`,
		`{"name":"vol1","target":"ontap-prod","expires":"2026-11-20T09:00:00Z"}`,
		`{"name":"vol1","limit":501}`, `{"name":"vol1","limit":0}`, `{"name":"vol1","limit":1.5}`,
		`{"name":"vol1","limit":"10"}`, `{"name":"vol1","severity":"urgent"}`, `{"name":"vol1","kinds":["disk"]}`,
		`{"name":"vol1","ratio":-0.1}`, `{"name":""}`, `{}`, `{"name":null}`, `{"name":"vol1","nme":"x"}`,
		`{"name":"vol1","expires":"99999d"}`, `{"name":"vol1","expires":"yesterday"}`,
		`{"name":"` + strings.Repeat("x", 41) + `"}`, `{"name":"vol1","wait":"yes"}`, `[]`, `"x"`, `null`, `1`,
		`{"name":"vol1","severity":"` + strings.Repeat("é", 50000) + `"}`, `{"` + strings.Repeat("k", 50000) + `":1,"name":"v"}`,
		`{"name":"vol1","LIMIT":1000}`, `{"name":"vol1","Severity":"urgent"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var got *fuzzArgs
	tool := Define(Meta{Name: "fuzz_tool", Title: "Fuzz", Description: "Takes every kind of argument.", Toolset: "fuzz", Tier: safety.Read},
		func(_ context.Context, _ *Call, a fuzzArgs) (fuzzResult, error) {
			got = &a
			r := fuzzResult{Name: a.Name}
			if a.Expires != "" {
				t, err := ParseTime("expires", a.Expires, now, true)
				if err != nil {
					return fuzzResult{}, err
				}
				r.Expires = Time(t)
			}
			return r, nil
		})
	// A tool whose arguments are all optional: anything that is not an
	// object (or absent) must still be refused, never read as {}.
	var optionalRan bool
	optional := Define(Meta{Name: "fuzz_optional", Title: "Fuzz", Description: "Takes optional arguments.", Toolset: "fuzz", Tier: safety.Read},
		func(_ context.Context, _ *Call, a struct {
			Limit int `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500"`
		}) (fuzzResult, error) {
			optionalRan = true
			return fuzzResult{}, nil
		})
	env := &Env{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, Clock: func() time.Time { return now }}
	handler, optionalHandler := tool.Handler(env), optional.Handler(env)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var args any
		if json.Unmarshal(raw, &args) != nil {
			return // the JSON-RPC layer refuses it before any tool sees it
		}
		var req mcp.CallToolRequest
		req.Params.Arguments = args
		optionalRan = false
		req.Params.Name = optional.Name
		if res, err := optionalHandler(context.Background(), req); err != nil || res == nil {
			t.Fatalf("arguments %s: handler returned %v, %v; want a result", raw, res, err)
		}
		if _, isObject := args.(map[string]any); optionalRan && !isObject && args != nil {
			t.Fatalf("arguments %s (not an object) reached a handler", raw)
		}
		req.Params.Name = tool.Name
		got = nil
		res, err := handler(context.Background(), req)
		if err != nil || res == nil {
			t.Fatalf("arguments %s: handler returned %v, %v; want a result", raw, res, err)
		}
		text := ""
		if len(res.Content) > 0 {
			if tc, ok := res.Content[0].(mcp.TextContent); ok {
				text = tc.Text
			}
		}
		if strings.Contains(text, "internal error") {
			t.Fatalf("arguments %s made the tool panic: %s", raw, text)
		}
		if res.IsError && strings.TrimSpace(text) == "" {
			t.Fatalf("arguments %s: error result without a message", raw)
		}
		if res.IsError && len(text) > MaxErrorBytes+64 {
			t.Fatalf("arguments of %d bytes: error of %d bytes", len(raw), len(text))
		}
		if got == nil {
			if !res.IsError {
				t.Fatalf("arguments %s: success without the handler running", raw)
			}
			return
		}
		if err := schemaHolds(*got); err != "" {
			t.Fatalf("arguments %s reached the handler as %+v: %s", raw, *got, err)
		}
	})
}

// schemaHolds checks a decoded fuzzArgs against the constraints its schema
// declares; it returns what is violated, or "".
func schemaHolds(a fuzzArgs) string {
	switch {
	case a.Name == "":
		return "required name is empty"
	case len(a.Name) > 40:
		return "name is longer than maxLength 40"
	case a.Limit != 0 && (a.Limit < 1 || a.Limit > 500):
		return "limit is outside 1..500"
	case math.IsNaN(a.Ratio) || a.Ratio < 0 || a.Ratio > 1:
		return "ratio is outside 0..1"
	case a.Severity != "" && !slices.Contains([]string{"critical", "high", "medium", "low"}, a.Severity):
		return "severity is not one of the enum"
	}
	for _, k := range a.Kinds {
		if !slices.Contains([]string{"vm", "volume_group", "volume"}, k) {
			return "kinds holds a value outside the enum"
		}
	}
	return ""
}

// FuzzParseTime: a time argument is RFC 3339, a date or a duration from
// now. Durations count forward for expirations and backward otherwise,
// whatever their size (a float that does not fit an int64 used to wrap to
// the other side of now), and every time read renders as RFC 3339 that
// reads back to the same second.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-20T09:00:00Z", "2026-11-20T10:00:00+01:00", "2026-11-20", "36h", "7d", "2w", "1.5d", "90m",
		"99999d", "1e300d", "NaNd", "Infw", "0x10d", "-1d", "9223372036854775807ns", "106751d", "106752d",
		"", " 7d ", "d", "yesterday", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string, future bool) {
		got, err := ParseTime("expires", s, now, future)
		if err != nil {
			var ke *Error
			if !errors.As(err, &ke) || ke.Kind != KindInvalidArgs || !strings.Contains(ke.Msg, "expires") {
				t.Fatalf("ParseTime(%q): error %v does not name the argument", s, err)
			}
			return
		}
		trimmed := strings.TrimSpace(s)
		_, errRFC := time.Parse(time.RFC3339, trimmed)
		_, errDate := time.Parse("2006-01-02", trimmed)
		if errRFC != nil && errDate != nil { // a duration from now
			if future && got.Before(now) {
				t.Fatalf("ParseTime(%q, future) = %v, before now", s, got)
			}
			if !future && got.After(now) {
				t.Fatalf("ParseTime(%q, past) = %v, after now", s, got)
			}
		}
		if got.IsZero() {
			return // Time renders the zero time as "" (unset)
		}
		back, err := ParseTime("expires", Time(got), now, future)
		if err != nil || !back.Equal(got.Truncate(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v renders as %q, which reads back as %v, %v", s, got, Time(got), back, err)
		}
	})
}
