package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// FuzzFillStandardHeaders: a legacy SSE message from a 2026-07-28 client
// gets Mcp-Method and Mcp-Name derived from its own body. Whatever the
// body, the message passes on unchanged, headers the client sent are kept,
// and the headers filled in always agree with the body (so mcp-go's check
// of headers against body can only fail for a message without a name).
func FuzzFillStandardHeaders(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_targets","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"recovery://targets"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"triage","arguments":{"scope":"all"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`, `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"naïve tool\r\nX-Injected: 1"}}`,
		`{"method":"tools/call","params":{"name":123}}`, `{"method":"tools/call","params":[]}`, `[]`, ``, `{`,
		`{"method":"","params":{"name":"x"}}`, `{"method":"tools/call\n","params":{"name":"x"}}`,
	} {
		f.Add([]byte(s), "", false)
		f.Add([]byte(s), "tools/list", true)
	}
	var seen struct {
		body   []byte
		header http.Header
	}
	h := fillStandardHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.body, _ = io.ReadAll(r.Body)
		seen.header = r.Header.Clone()
	}))
	f.Fuzz(func(t *testing.T, body []byte, presetMethod string, preset bool) {
		const version = "2026-07-28"
		req := httptest.NewRequest(http.MethodPost, "/message?sessionId=s", bytes.NewReader(body))
		req.Header.Set(mcp.HeaderProtocolVersion, version)
		if preset {
			req.Header.Set(mcp.HeaderMethod, presetMethod)
		}
		seen.body, seen.header = nil, nil
		h.ServeHTTP(httptest.NewRecorder(), req)
		if seen.header == nil {
			t.Fatalf("%q: the message was not passed on", body)
		}
		if !bytes.Equal(seen.body, body) {
			t.Fatalf("%q passed on as %q", body, seen.body)
		}
		if preset && presetMethod != "" {
			if got := seen.header.Get(mcp.HeaderMethod); got != presetMethod {
				t.Fatalf("client's Mcp-Method %q replaced by %q", presetMethod, got)
			}
			return
		}
		var msg struct {
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		if json.Unmarshal(body, &msg) != nil || msg.Method == "" {
			return
		}
		if name, ok := mcp.ExtractHeaderName(mcp.MCPMethod(msg.Method), msg.Params); (!ok || name == "") && mcp.MethodRequiresNameHeader(mcp.MCPMethod(msg.Method)) {
			return // nothing to name: mcp-go refuses the message, as it should
		}
		if err := mcp.ValidateStandardHeaders(seen.header.Get, version, mcp.MCPMethod(msg.Method), msg.Params); err != nil {
			t.Fatalf("%q: filled headers %v disagree with the body: %v", body, seen.header, err)
		}
	})
}
