package nutanix

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type powerState string

func TestFilterBuilder(t *testing.T) {
	ts := time.Date(2025, 3, 10, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{}, ""},
		{Eq("name", "web-01"), "name eq 'web-01'"},
		{Eq("name", "o'brien"), "name eq 'o''brien'"},
		{Eq("name", "x' or name ne '"), "name eq 'x'' or name ne '''"},
		{Ne("powerState", powerState("ON")), "powerState ne 'ON'"},
		{Gt("creationTime", ts), "creationTime gt 2025-03-10T11:00:00Z"},
		{Ge("size", 10), "size ge 10"},
		{Lt("ratio", 0.5), "ratio lt 0.5"},
		{Le("count", uint8(3)), "count le 3"},
		{Eq("isSecure", true), "isSecure eq true"},
		{Eq("description", nil), "description eq null"},
		{StartsWith("name", "sql'"), "startswith(name,'sql''')"},
		{Contains("name", "prod"), "contains(name,'prod')"},
		{RecoveryPointsOfVM("abc"), "vmRecoveryPoints/any(a:a/vmExtId eq 'abc')"},
		{RecoveryPointsOfVolumeGroup("vg"), "volumeGroupRecoveryPoints/any(v:v/volumeGroupExtId eq 'vg')"},
		{And(Eq("a", 1), Filter{}, Eq("b", 2)), "a eq 1 and b eq 2"},
		{And(Eq("a", 1)), "a eq 1"},
		{And(), ""},
		{And(Or(Eq("a", 1), Eq("b", 2)), Eq("c", 3)), "(a eq 1 or b eq 2) and c eq 3"},
		{Or(And(Eq("a", 1), Eq("b", 2)), Not(Eq("c", 3))), "(a eq 1 and b eq 2) or not (c eq 3)"},
		{Not(Filter{}), ""},
		{Eq("cluster/extId", "c1"), "cluster/extId eq 'c1'"},
		{And(Raw("x eq 1 or y eq 2"), Eq("z", 3)), "(x eq 1 or y eq 2) and z eq 3"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestFilterBuilderPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"empty field":      func() { Eq("", 1) },
		"field with space": func() { Eq("name eq 'x' or name", "y") },
		"field with quote": func() { Eq("na'me", "y") },
		"double slash":     func() { Eq("a//b", 1) },
		"digit first":      func() { Eq("1a", 1) },
		"NaN":              func() { Eq("a", nanValue()) },
		"struct":           func() { Eq("a", struct{}{}) },
		"lambda var":       func() { Any("items", "a/b", Eq("a/b", 1)) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func TestListOptionsQuery(t *testing.T) {
	q := ListOptions{Page: 2, Limit: 25, Filter: Eq("name", "a b"), OrderBy: "name desc", Select: "extId,name"}.query()
	if got := q.Encode(); got != "%24filter=name+eq+%27a+b%27&%24limit=25&%24orderby=name+desc&%24page=2&%24select=extId%2Cname" {
		t.Fatalf("query %s", got)
	}
	if got := (ListOptions{}).query().Encode(); got != "" {
		t.Fatalf("empty options give %q", got)
	}
}

// parseEqString parses "name eq '<literal>'" the way an OData server does
// and returns the decoded literal, failing if anything else is present.
func parseEqString(t *testing.T, expr string) string {
	t.Helper()
	const prefix = "name eq '"
	if !strings.HasPrefix(expr, prefix) {
		t.Fatalf("expression %q does not start with %q", expr, prefix)
	}
	rest := expr[len(prefix):]
	var b strings.Builder
	for i := 0; i < len(rest); i++ {
		if rest[i] != '\'' {
			b.WriteByte(rest[i])
			continue
		}
		if i+1 < len(rest) && rest[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if i != len(rest)-1 {
			t.Fatalf("literal ends early: %q continues with %q", expr, rest[i+1:])
		}
		return b.String()
	}
	t.Fatalf("unterminated literal in %q", expr)
	return ""
}

// FuzzFilterQuote: whatever a name holds, Eq renders one string literal
// that decodes back to the name, so it can never change the query.
func FuzzFilterQuote(f *testing.F) {
	for _, s := range []string{"", "web-01", "o'brien", "'", "''", "x' or name ne '", "a') or (b eq 'c", "\x00", "é'ü", "'; DROP"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		expr := Eq("name", name).String()
		if got := parseEqString(t, expr); got != name {
			t.Fatalf("literal decodes to %q, want %q", got, name)
		}
		if utf8.ValidString(name) != utf8.ValidString(expr) {
			t.Fatalf("quoting changed UTF-8 validity of %q", name)
		}
		combined := And(Eq("name", name), StartsWith("name", name)).String()
		if !strings.HasSuffix(combined, ","+Quote(name)+")") {
			t.Fatalf("combined filter %q", combined)
		}
	})
}
