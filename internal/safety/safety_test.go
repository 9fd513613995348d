package safety

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

func TestTokens(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	b := Binding{Tool: "ontap_delete_snapshot", Target: "ontap-prod", Args: map[string]any{"volume": "vol1", "snapshot": "hourly.1"}}
	other := Binding{Tool: "ontap_delete_snapshot", Target: "ontap-prod", Args: map[string]any{"volume": "vol1", "snapshot": "hourly.2"}}
	cases := []struct {
		name string
		run  func(tk *Tokens, code string) error
		want error
	}{
		{"redeems once", func(tk *Tokens, code string) error { return tk.Redeem(code, b) }, nil},
		{"replay refused", func(tk *Tokens, code string) error { _ = tk.Redeem(code, b); return tk.Redeem(code, b) }, ErrTokenUnknown},
		{"other arguments refused", func(tk *Tokens, code string) error { return tk.Redeem(code, other) }, ErrTokenMismatch},
		{"mismatch leaves token valid", func(tk *Tokens, code string) error { _ = tk.Redeem(code, other); return tk.Redeem(code, b) }, nil},
		{"other target refused", func(tk *Tokens, code string) error {
			bb := b
			bb.Target = "ontap-dr"
			return tk.Redeem(code, bb)
		}, ErrTokenMismatch},
		{"expired", func(tk *Tokens, code string) error { clk.t = clk.t.Add(6 * time.Minute); return tk.Redeem(code, b) }, ErrTokenExpired},
		{"unknown", func(tk *Tokens, _ string) error { return tk.Redeem("ct_nope", b) }, ErrTokenUnknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := NewTokens(5*time.Minute, clk.now)
			code, exp, err := tk.Issue(b)
			if err != nil {
				t.Fatal(err)
			}
			if !exp.Equal(clk.t.Add(5 * time.Minute)) {
				t.Errorf("expiry %v", exp)
			}
			if got := c.run(tk, code); !errors.Is(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestTokensAreUniqueAndArgOrderFree(t *testing.T) {
	tk := NewTokens(time.Minute, nil)
	b1 := Binding{Tool: "x", Args: map[string]any{"a": 1.0, "b": "two"}}
	b2 := Binding{Tool: "x", Args: map[string]any{"b": "two", "a": 1.0}}
	c1, _, _ := tk.Issue(b1)
	c2, _, _ := tk.Issue(b1)
	if c1 == c2 {
		t.Fatal("two tokens are equal")
	}
	if err := tk.Redeem(c1, b2); err != nil {
		t.Fatalf("same arguments in another order: %v", err)
	}
}

func TestAuditRedactsSecrets(t *testing.T) {
	var buf bytes.Buffer
	a := NewAuditor(&buf)
	err := a.Write(Record{Tool: "t", Tier: Write, Outcome: OutcomeOK, Args: map[string]any{
		"volume": "vol1", "password": "p1", "confirm_token": "ct_1",
		"nested": map[string]any{"api_key": "k1", "ok": "fine"},
		"list":   []any{map[string]any{"secret": "s1"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, leak := range []string{"p1", "ct_1", "k1", "s1"} {
		if strings.Contains(line, `"`+leak+`"`) {
			t.Errorf("audit line leaks %s: %s", leak, line)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("not a JSON line: %v", err)
	}
	if rec["arguments"].(map[string]any)["volume"] != "vol1" || !strings.HasSuffix(line, "\n") {
		t.Errorf("record: %s", line)
	}
	if got := a.Recent(5); len(got) != 1 || got[0].Args["password"] != "[redacted]" {
		t.Errorf("recent: %+v", got)
	}
}

func TestWriteLocks(t *testing.T) {
	l := NewWriteLocks(1)
	rel, err := l.Acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Busy("a") || l.Busy("b") {
		t.Fatal("busy state wrong")
	}
	if _, err := l.Acquire(context.Background(), "b"); err != nil {
		t.Fatalf("other target blocked: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(ctx, "a"); err == nil || !strings.Contains(err.Error(), "target a") {
		t.Fatalf("second writer on a: %v", err)
	}
	rel()
	rel() // releasing twice is harmless
	rel2, err := l.Acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	rel2()
}
