package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// A token named in the token file is known by that name; others by their
// hash.
func TestBearerNamesThePrincipal(t *testing.T) {
	const named, anon = "token-aaaaaaaaaaaaaaaa", "token-bbbbbbbbbbbbbbbb"
	var got string
	h := requireBearer([]string{named, anon}, map[string]string{named: "alice"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = safety.PrincipalFrom(r.Context())
	}))
	for _, c := range []struct{ token, want string }{{named, "alice"}, {anon, safety.TokenPrincipal(anon)}} {
		got = ""
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.Header.Set("Authorization", "Bearer "+c.token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || got != c.want {
			t.Errorf("%s: status %d, principal %q, want %q", c.token, w.Code, got, c.want)
		}
	}
}
