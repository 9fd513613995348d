package safety

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/user"
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
		{"redeems once", func(tk *Tokens, code string) error { return tk.Redeem(context.Background(), code, b) }, nil},
		{"replay refused", func(tk *Tokens, code string) error {
			_ = tk.Redeem(context.Background(), code, b)
			return tk.Redeem(context.Background(), code, b)
		}, ErrTokenUnknown},
		{"other arguments refused", func(tk *Tokens, code string) error { return tk.Redeem(context.Background(), code, other) }, ErrTokenMismatch},
		{"mismatch leaves token valid", func(tk *Tokens, code string) error {
			_ = tk.Redeem(context.Background(), code, other)
			return tk.Redeem(context.Background(), code, b)
		}, nil},
		{"other target refused", func(tk *Tokens, code string) error {
			bb := b
			bb.Target = "ontap-dr"
			return tk.Redeem(context.Background(), code, bb)
		}, ErrTokenMismatch},
		{"expired", func(tk *Tokens, code string) error {
			clk.t = clk.t.Add(6 * time.Minute)
			return tk.Redeem(context.Background(), code, b)
		}, ErrTokenExpired},
		{"unknown", func(tk *Tokens, _ string) error { return tk.Redeem(context.Background(), "ct_nope", b) }, ErrTokenUnknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := NewTokens(5*time.Minute, clk.now)
			code, exp, err := tk.Issue(context.Background(), b)
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
	c1, _, _ := tk.Issue(context.Background(), b1)
	c2, _, _ := tk.Issue(context.Background(), b1)
	if c1 == c2 {
		t.Fatal("two tokens are equal")
	}
	if err := tk.Redeem(context.Background(), c1, b2); err != nil {
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
	if !l.Busy(context.Background(), "a") || l.Busy(context.Background(), "b") {
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

// Layered holds both layers or neither: a shared layer that cannot be
// had gives the local slot back.
func TestLayeredWriteLocks(t *testing.T) {
	local, shared := NewWriteLocks(1), NewWriteLocks(1)
	l := Layered{Local: local, Shared: shared}
	ctx := context.Background()
	relShared, err := shared.Acquire(ctx, "a") // another replica writes on a
	if err != nil {
		t.Fatal(err)
	}
	if !l.Busy(ctx, "a") || l.Busy(ctx, "b") {
		t.Fatal("busy state wrong")
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(short, "a"); err == nil {
		t.Fatal("acquired a target whose shared slot is held")
	}
	if local.Busy(ctx, "a") {
		t.Fatal("a failed shared acquire kept the local slot")
	}
	relShared()
	rel, err := l.Acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !local.Busy(ctx, "a") || !shared.Busy(ctx, "a") {
		t.Fatal("a layered hold must hold both layers")
	}
	rel()
	rel()
	if local.Busy(ctx, "a") || shared.Busy(ctx, "a") {
		t.Fatal("release left a layer held")
	}
}

func TestGrantsBindPrincipalSessionAndEffect(t *testing.T) {
	base := Binding{Tool: "ontap_restore_volume", Target: "ontap-prod", Args: map[string]any{"volume": "v"}, Principal: "token:a", Session: "s1",
		Effect: map[string]any{"deleted": []string{}}}
	changed := base
	changed.Effect = map[string]any{"deleted": []string{"snap-uuid-1", "snap-uuid-2"}}
	otherPrincipal := base
	otherPrincipal.Principal = "token:b"
	otherSession := base
	otherSession.Session = "s2"
	cases := []struct {
		name  string
		state bool
		use   Binding
		want  error
	}{
		{"token, same call", false, base, nil},
		{"token, effect changed", false, changed, ErrEffectChanged},
		{"token, other principal", false, otherPrincipal, ErrTokenMismatch},
		{"token, other session of the same principal", false, otherSession, nil},
		{"state, same call", true, base, nil},
		{"state, effect changed", true, changed, ErrEffectChanged},
		{"state, other principal", true, otherPrincipal, ErrUnsolicited},
		{"state, other session", true, otherSession, ErrUnsolicited},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := NewTokens(time.Minute, nil)
			issue, redeem := tk.Issue, tk.Redeem
			if c.state {
				issue, redeem = tk.IssueState, tk.RedeemState
			}
			code, _, err := issue(context.Background(), base)
			if err != nil {
				t.Fatal(err)
			}
			if got := redeem(context.Background(), code, c.use); !errors.Is(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if c.want == ErrEffectChanged {
				if again := redeem(context.Background(), code, base); again == nil {
					t.Error("a grant refused for a changed effect is still usable")
				}
			}
		})
	}
	// A token is no request state, nor the other way round.
	tk := NewTokens(time.Minute, nil)
	ct, _, _ := tk.Issue(context.Background(), base)
	if err := tk.RedeemState(context.Background(), ct, base); !errors.Is(err, ErrUnsolicited) {
		t.Errorf("token as state: %v", err)
	}
	cs, _, _ := tk.IssueState(context.Background(), base)
	if err := tk.Redeem(context.Background(), cs, base); !errors.Is(err, ErrTokenUnknown) {
		t.Errorf("state as token: %v", err)
	}
}

func TestAuditFileSurvivesRestartAndShowsUnfinishedCalls(t *testing.T) {
	path := t.TempDir() + "/audit.jsonl"
	a, err := OpenAuditFile(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []Record{
		{ID: "c1", Phase: PhaseIntent, Tool: "done"},
		{ID: "c1", Phase: PhaseOutcome, Tool: "done", Outcome: OutcomeOK},
		{ID: "c2", Phase: PhaseIntent, Tool: "cut", Args: map[string]any{"password": "p"}},
		{ID: "c2", Phase: PhaseSending, Tool: "cut", Target: "ontap-prod", Lookup: map[string]string{"kind": "ontap_snapshot", "name": "s"}},
		{ID: "c2", Phase: PhaseStarted, Tool: "cut", Target: "ontap-prod", TaskID: "job-1"},
		{ID: "c3", Phase: PhaseIntent, Tool: "early"},
		{Phase: PhaseOutcome, Tool: "refused", Outcome: OutcomeRefused},
	} {
		r.Time = now
		if err := a.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	_ = a.Close()
	// A kill can tear the last line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"id":"c4","phase":"inte`)
	_ = f.Close()

	b, err := OpenAuditFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Recent(0)); got != 7 {
		t.Errorf("recent after restart: %d records, want 7", got)
	}
	un := b.Unfinished()
	if len(un) != 2 || un[0].Intent().ID != "c2" || un[1].Intent().ID != "c3" || un[0].Target() != "ontap-prod" {
		t.Fatalf("unfinished: %+v", un)
	}
	if st, ok := un[0].Last(PhaseStarted); !ok || st.TaskID != "job-1" {
		t.Errorf("started record: %+v", st)
	}
	if err := b.Reconciled(un[0], Record{Outcome: OutcomeFound, Message: "job job-1 is running"}); err != nil {
		t.Fatal(err)
	}
	if left := b.Unfinished(); len(left) != 1 || left[0].Intent().ID != "c3" {
		t.Errorf("after reconciling c2: %+v", left)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "\n"+`{"time":"`) || strings.Contains(string(raw), `"p"`) {
		t.Errorf("audit file:\n%s", raw)
	}
	_ = b.Close()
	// A third life: the reconciliation was not glued to the torn line.
	c, err := OpenAuditFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if left := c.Unfinished(); len(left) != 1 || left[0].Intent().ID != "c3" {
		t.Errorf("third life: %+v", left)
	}
}

func TestLocalPrincipal(t *testing.T) {
	known := func() (*user.User, error) { return &user.User{Username: "alice"}, nil }
	unknown := func() (*user.User, error) { return nil, errors.New("user: unknown userid 4242") }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name    string
		current func() (*user.User, error)
		env     map[string]string
		want    string
	}{
		{"the OS user", known, map[string]string{"USER": "bob"}, "alice"},
		{"no user database: $USER", unknown, map[string]string{"USER": "bob", "USERNAME": "carol"}, "bob"},
		{"Windows-style $USERNAME", unknown, map[string]string{"USERNAME": "carol"}, "carol"},
		{"blank $USER skipped", unknown, map[string]string{"USER": "  ", "USERNAME": "carol"}, "carol"},
		{"nothing names one", unknown, nil, "local"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := localPrincipal(tc.current, env(tc.env)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
