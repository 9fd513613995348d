package nutanix

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	ntx "github.com/recovery-mcp/recovery-mcp/clients/nutanix"
)

// FuzzFilterRoundTrip builds a $filter with the client's builder (the
// only way the server writes filters), parses it with the simulator's
// parser, and checks that the parsed filter selects exactly what the built
// expression means. ops is a small stack program: each byte pushes a
// comparison or combines the top of the stack with and, or or not.
func FuzzFilterRoundTrip(f *testing.F) {
	f.Add([]byte{0, 1, 5}, "web-01", "prod", int64(10))
	f.Add([]byte{2, 3, 6, 4, 5, 7}, "o'brien", "x' or name ne '", int64(-3))
	f.Add([]byte{0, 7, 7, 1, 6}, "", "''", int64(1<<62))
	f.Add([]byte{4, 2, 3, 0, 1, 5, 5, 6}, "é(ü)", "a) or (b eq 'c", int64(0))
	f.Fuzz(func(t *testing.T, ops []byte, s1, s2 string, n int64) {
		if len(ops) > 24 || !utf8.ValidString(s1) || !utf8.ValidString(s2) {
			return // the parser's depth and encoding limits are tested elsewhere
		}
		type node struct {
			f    ntx.Filter
			eval func(o map[string]any) bool
		}
		str := func(o map[string]any, k string) string { return o[k].(string) }
		var stack []node
		pop := func() node { n := stack[len(stack)-1]; stack = stack[:len(stack)-1]; return n }
		for _, op := range ops {
			switch op % 8 {
			case 0:
				stack = append(stack, node{ntx.Eq("name", s1), func(o map[string]any) bool { return str(o, "name") == s1 }})
			case 1:
				stack = append(stack, node{ntx.Ne("description", s2), func(o map[string]any) bool { return str(o, "description") != s2 }})
			case 2:
				stack = append(stack, node{ntx.StartsWith("name", s2), func(o map[string]any) bool { return strings.HasPrefix(str(o, "name"), s2) }})
			case 3:
				stack = append(stack, node{ntx.Contains("description", s1), func(o map[string]any) bool { return strings.Contains(str(o, "description"), s1) }})
			case 4:
				stack = append(stack, node{ntx.Gt("size", n), func(o map[string]any) bool { return o["size"].(float64) > float64(n) }})
			case 5, 6:
				if len(stack) < 2 {
					continue
				}
				b, a := pop(), pop()
				if op%8 == 5 {
					stack = append(stack, node{ntx.And(a.f, b.f), func(o map[string]any) bool { return a.eval(o) && b.eval(o) }})
				} else {
					stack = append(stack, node{ntx.Or(a.f, b.f), func(o map[string]any) bool { return a.eval(o) || b.eval(o) }})
				}
			case 7:
				if len(stack) < 1 {
					continue
				}
				a := pop()
				stack = append(stack, node{ntx.Not(a.f), func(o map[string]any) bool { return !a.eval(o) }})
			}
		}
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		src := top.f.String()
		if len(src) > maxFilterLen {
			return
		}
		flt, err := parseFilter(src)
		if err != nil {
			t.Fatalf("the builder wrote %q, which does not parse: %v", src, err)
		}
		objs := []map[string]any{
			{"name": s1, "description": s2, "size": float64(n)},
			{"name": s2, "description": s1, "size": float64(n) + 1},
			{"name": s1 + s2, "description": s2 + s1, "size": float64(n) - 1},
			{"name": "", "description": "", "size": 0.0},
		}
		for i, o := range objs {
			if got, want := flt.match(o), top.eval(o); got != want {
				t.Fatalf("%q on object %d %v: parsed filter says %v, the expression means %v", src, i, o, got, want)
			}
		}
	})
}

// FuzzParseOrderBy: $orderby and $select never panic, and sorting by a
// parsed $orderby is deterministic whatever order the objects come in.
func FuzzParseOrderBy(f *testing.F) {
	for _, s := range []string{"creationTime desc", "name", "cluster/extId asc, size desc", "name DESC", "missing, extId desc",
		"", "name sideways", "a//b", "name,", "na-me", strings.Repeat("a/", 100) + "b", "extId,name,creationTime"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if _, err := parseSelect(src); err != nil && err.Error() == "" {
			t.Fatalf("parseSelect(%q): empty error", src)
		}
		keys, err := parseOrderBy(src)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("parseOrderBy(%q): empty error", src)
			}
			return
		}
		objs := func(rev bool) []map[string]any {
			o := []map[string]any{
				{"extId": "1", "name": "b", "size": 2.0, "on": true, "cluster": map[string]any{"extId": "c1"}, "creationTime": "2025-03-10T08:00:00Z"},
				{"extId": "2", "name": "a", "size": 2.0, "cluster": map[string]any{"extId": "c2"}, "creationTime": "2025-03-09T08:00:00Z"},
				{"extId": "3", "name": "B", "on": false, "cluster": "flat", "creationTime": 7.0},
				{"extId": "4", "name": nil, "size": "big", "vmRecoveryPoints": []any{map[string]any{"vmExtId": "x"}}},
			}
			if rev {
				for i, j := 0, len(o)-1; i < j; i, j = i+1, j-1 {
					o[i], o[j] = o[j], o[i]
				}
			}
			return o
		}
		a, b := objs(false), objs(true)
		sortObjects(a, keys)
		sortObjects(b, keys)
		ids := func(o []map[string]any) string {
			var s []string
			for _, x := range o {
				s = append(s, fmt.Sprint(x["extId"]))
			}
			return strings.Join(s, ",")
		}
		// Objects equal under every key may keep their input order; only
		// the sorted keys' values must agree.
		for i := range a {
			for _, k := range keys {
				if fmt.Sprint(keyValue(a[i], k)) != fmt.Sprint(keyValue(b[i], k)) {
					t.Fatalf("$orderby=%q sorts %s one way and %s the other", src, ids(a), ids(b))
				}
			}
		}
	})
}

func keyValue(o map[string]any, k orderKey) any {
	return pathExpr{segs: k.path}.eval(&evalEnv{root: o})
}

// allocBytes returns the bytes f allocates, the least of a few runs.
func allocBytes(f func()) uint64 {
	best := ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		best = min(best, after.TotalAlloc-before.TotalAlloc)
	}
	return best
}

// TestParseFilterLinear: the work of parsing grows linearly with the
// input, whatever its shape. Measured in bytes allocated, which does not
// depend on the machine's speed: four times the input may cost at most
// six times the memory (a quadratic step would cost sixteen).
func TestParseFilterLinear(t *testing.T) {
	shapes := map[string]func(n int) string{
		"or chain":   func(n int) string { return strings.Repeat("name eq 'a' or ", n) + "name eq 'b'" },
		"quotes":     func(n int) string { return "name eq '" + strings.Repeat("''", n) + "'" },
		"nested not": func(n int) string { return strings.Repeat("not ", min(n, maxFilterDepth-2)) + "on" },
		"parentheses": func(n int) string {
			return strings.Repeat("(", min(n, maxFilterDepth-2)) + "on" + strings.Repeat(")", min(n, maxFilterDepth-2))
		},
		"long number":   func(n int) string { return "size eq " + strings.Repeat("9", n) },
		"any lambdas":   func(n int) string { return strings.Repeat("vmRecoveryPoints/any(a:a/vmExtId eq 'x') and ", n) + "on" },
		"function args": func(n int) string { return strings.Repeat("contains(name,'x') or ", n) + "on" },
	}
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			small, large := shape(40), shape(160)
			if len(large) > maxFilterLen {
				t.Fatalf("input of %d bytes is over the limit", len(large))
			}
			a := allocBytes(func() { _, _ = parseFilter(small) })
			b := allocBytes(func() { _, _ = parseFilter(large) })
			if b > 6*a+4096 {
				t.Fatalf("%d bytes of input allocate %d, %d bytes allocate %d: worse than linear", len(small), a, len(large), b)
			}
		})
	}
}
