package ontap

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// obj is a JSON object under construction. Records are built in full (every
// field the simulator knows) and then projected to what the request asked for;
// encoding/json writes map keys in sorted order, so answers are byte-stable.
type obj = map[string]any

// kind describes how one type of record is selected and paged.
type kind struct {
	// model names the ONTAP model whose field list (modelFields) decides
	// which names fields= and filters accept ("" accepts any name).
	model string
	// keys are always returned.
	keys []string
	// defaults are returned by a collection GET without fields (besides keys).
	defaults []string
	// expensive fields are left out of fields=* and returned by fields=** or
	// by name.
	expensive []string
	// primary is the field the start.<primary> cursor of _links.next names.
	primary string
}

// reservedParams are query parameters that are never filters.
var reservedParams = map[string]bool{
	"fields": true, "max_records": true, "return_records": true, "return_timeout": true,
	"order_by": true, "validate_only": true, "ignore_unknown_fields": true,
}

// fieldSel is a parsed fields= parameter.
type fieldSel struct {
	given bool
	all   bool // **
	star  bool // *
	paths [][]string
}

func parseFields(q url.Values) fieldSel {
	var fs fieldSel
	for _, v := range q["fields"] {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			switch f {
			case "":
			case "**":
				fs.given, fs.all = true, true
			case "*":
				fs.given, fs.star = true, true
			default:
				fs.given = true
				fs.paths = append(fs.paths, strings.Split(f, "."))
			}
		}
	}
	return fs
}

// project returns the part of rec a request selects. single is true for the
// GET of one object, which returns the common fields (*) by default.
func project(rec obj, fs fieldSel, k *kind, single bool) obj {
	if fs.all {
		return rec
	}
	out := obj{}
	star := fs.star || (!fs.given && single)
	if star {
		out = deepCopy(rec).(obj)
		for _, e := range k.expensive {
			omitPath(out, strings.Split(e, "."))
		}
	}
	for _, key := range k.keys {
		pick(out, rec, strings.Split(key, "."))
	}
	if !fs.given && !single {
		for _, d := range k.defaults {
			pick(out, rec, strings.Split(d, "."))
		}
	}
	for _, p := range fs.paths {
		pick(out, rec, p)
	}
	if l, ok := rec["_links"]; ok {
		out["_links"] = l
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case obj:
		m := make(obj, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	default:
		return v
	}
}

// pick copies the subtree at path from src into dst, through arrays.
func pick(dst, src obj, path []string) {
	if len(path) == 0 {
		return
	}
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = deepCopy(v)
		return
	}
	switch t := v.(type) {
	case obj:
		d, ok := dst[path[0]].(obj)
		if !ok {
			d = obj{}
			dst[path[0]] = d
		}
		pick(d, t, path[1:])
	case []any:
		d, ok := dst[path[0]].([]any)
		if !ok || len(d) != len(t) {
			d = make([]any, len(t))
			dst[path[0]] = d
		}
		for i, el := range t {
			eo, ok := el.(obj)
			if !ok {
				d[i] = el
				continue
			}
			de, ok := d[i].(obj)
			if !ok {
				de = obj{}
				d[i] = de
			}
			pick(de, eo, path[1:])
		}
	}
}

// omitPath deletes the subtree at path, through arrays.
func omitPath(m obj, path []string) {
	if len(path) == 0 {
		return
	}
	if len(path) == 1 {
		delete(m, path[0])
		return
	}
	switch t := m[path[0]].(type) {
	case obj:
		omitPath(t, path[1:])
		if len(t) == 0 {
			delete(m, path[0])
		}
	case []any:
		for _, el := range t {
			if eo, ok := el.(obj); ok {
				omitPath(eo, path[1:])
			}
		}
	}
}

// lookup returns the scalar values at a dotted path (arrays are flattened).
func lookup(v any, path []string) []any {
	if len(path) == 0 {
		switch t := v.(type) {
		case []any:
			var out []any
			for _, el := range t {
				out = append(out, lookup(el, nil)...)
			}
			return out
		case obj:
			return nil
		case nil:
			return nil
		default:
			return []any{v}
		}
	}
	switch t := v.(type) {
	case obj:
		x, ok := t[path[0]]
		if !ok {
			return nil
		}
		return lookup(x, path[1:])
	case []any:
		var out []any
		for _, el := range t {
			out = append(out, lookup(el, path)...)
		}
		return out
	}
	return nil
}

// filter is one field=expression query parameter.
type filter struct {
	path []string
	expr string
}

func parseFilters(q url.Values, extra map[string]bool) []filter {
	var fs []filter
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reservedParams[k] || extra[k] || strings.HasPrefix(k, "start.") {
			continue
		}
		for _, v := range q[k] {
			fs = append(fs, filter{path: strings.Split(k, "."), expr: v})
		}
	}
	return fs
}

func matchAll(rec obj, fs []filter) bool {
	for _, f := range fs {
		if !matchExpr(lookup(rec, f.path), f.expr, f.path[len(f.path)-1] == "name" && len(f.path) > 1 && f.path[0] == "message") {
			return false
		}
	}
	return true
}

// matchExpr evaluates an ONTAP query expression against the values of a
// field: alternatives separated by |, each optionally prefixed with !, <, >,
// <= or >=, with * wildcards and the null / !null keywords. commaOR also
// splits on commas (EMS message.name lists).
func matchExpr(vals []any, expr string, commaOR bool) bool {
	alts := strings.Split(expr, "|")
	if commaOR {
		var more []string
		for _, a := range alts {
			more = append(more, strings.Split(a, ",")...)
		}
		alts = more
	}
	for _, a := range alts {
		if matchOne(vals, strings.TrimSpace(a)) {
			return true
		}
	}
	return false
}

func matchOne(vals []any, alt string) bool {
	// Each leading ! negates; counted rather than recursed on, so a query
	// of a million !s costs no stack.
	rest := strings.TrimLeft(alt, "!")
	neg := (len(alt)-len(rest))%2 == 1
	return matchPlain(vals, rest) != neg
}

// matchPlain evaluates one alternative without a leading !.
func matchPlain(vals []any, alt string) bool {
	op := "="
	for _, p := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(alt, p) {
			op, alt = p, alt[len(p):]
			break
		}
	}
	if alt == "null" {
		return len(vals) == 0
	}
	for _, v := range vals {
		if compareOp(v, op, alt) {
			return true
		}
	}
	return false
}

func compareOp(v any, op, s string) bool {
	c, ok := compareValue(v, s, op == "=")
	if !ok {
		return false
	}
	switch op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	case ">=":
		return c >= 0
	}
	return false
}

// compareValue compares a record value with a query literal: -1, 0, 1.
func compareValue(v any, s string, eq bool) (int, bool) {
	switch t := v.(type) {
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return 0, false
		}
		if t == b {
			return 0, true
		}
		return 1, true
	case int, int64, float64:
		x := toFloat(t)
		if eq && strings.Contains(s, "*") {
			return boolCmp(wildcard(strconv.FormatFloat(x, 'f', -1, 64), s)), true
		}
		y, ok := parseSize(s)
		if !ok {
			return 0, false
		}
		return cmpFloat(x, y), true
	case string:
		if eq && strings.Contains(s, "*") {
			return boolCmp(wildcard(t, s)), true
		}
		if tt, err := time.Parse(time.RFC3339, t); err == nil {
			if qt, ok := parseQueryTime(s); ok {
				return cmpFloat(float64(tt.UnixNano()), float64(qt.UnixNano())), true
			}
		}
		if strings.HasPrefix(t, "P") && strings.HasPrefix(s, "P") {
			a, err1 := parseISODuration(t)
			b, err2 := parseISODuration(s)
			if err1 == nil && err2 == nil {
				return cmpFloat(float64(a), float64(b)), true
			}
		}
		return strings.Compare(strings.ToLower(t), strings.ToLower(s)), true
	}
	return 0, false
}

func boolCmp(b bool) int {
	if b {
		return 0
	}
	return 1
}

func toFloat(v any) float64 {
	switch t := v.(type) {
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case float64:
		return t
	}
	return math.NaN()
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseSize reads a number with an optional KB/MB/GB/TB/PB suffix (x1024).
func parseSize(s string) (float64, bool) {
	mult := 1.0
	u := strings.ToUpper(s)
	for i, suf := range []string{"KB", "MB", "GB", "TB", "PB"} {
		if strings.HasSuffix(u, suf) {
			mult = math.Pow(1024, float64(i+1))
			s = s[:len(s)-2]
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, false
	}
	return f * mult, true
}

// parseQueryTime accepts RFC 3339 (a '+' turned into a space by form
// decoding is put back) or Unix epoch seconds.
func parseQueryTime(s string) (time.Time, bool) {
	s = strings.ReplaceAll(s, " ", "+")
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// wildcard matches s against a pattern with * (case-insensitive).
func wildcard(s, pat string) bool {
	s, pat = strings.ToLower(s), strings.ToLower(pat)
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts); i++ {
		p := parts[i]
		if i == len(parts)-1 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return s == ""
}

// orderBy sorts records by an order_by parameter ("name desc, uuid").
func orderBy(recs []obj, spec string) {
	type key struct {
		path []string
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(spec, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		keys = append(keys, key{path: strings.Split(f[0], "."), desc: len(f) > 1 && strings.EqualFold(f[1], "desc")})
	}
	if len(keys) == 0 {
		return
	}
	sort.SliceStable(recs, func(i, j int) bool {
		for _, k := range keys {
			a, b := lookup(recs[i], k.path), lookup(recs[j], k.path)
			var c int
			switch {
			case len(a) == 0 && len(b) == 0:
				c = 0
			case len(a) == 0:
				c = -1
			case len(b) == 0:
				c = 1
			default:
				c = compareAny(a[0], b[0])
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			if c, ok := compareValue(x, y, false); ok {
				return c
			}
		}
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	default:
		return cmpFloat(toFloat(a), toFloat(b))
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// flatten turns a JSON body into dotted keys, so that nested objects and
// dotted keys ({"restore_to":{"snapshot":{"name":"s"}}} and
// {"restore_to.snapshot.name":"s"}) read the same. Arrays stay whole.
func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok || (len(m) == 0 && prefix != "") {
		out[prefix] = v
		return
	}
	for k, x := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		flatten(key, x, out)
	}
}

// formatISODuration writes d as an ISO-8601 duration (P2DT3H4M5S, PT0S).
func formatISODuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	secs := int64(d / time.Second)
	days := secs / 86400
	secs %= 86400
	h, m, s := secs/3600, (secs%3600)/60, secs%60
	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h > 0 || m > 0 || s > 0 || days == 0 {
		b.WriteString("T")
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s > 0 || (h == 0 && m == 0) {
			fmt.Fprintf(&b, "%dS", s)
		}
	}
	return b.String()
}

// parseISODuration reads P[nY][nM][nW][nD][T[nH][nM][n.nS]]; years and
// months count as 365 and 30 days. A bare trailing T ("P2DT") is accepted.
func parseISODuration(s string) (time.Duration, error) {
	if !strings.HasPrefix(s, "P") {
		return 0, fmt.Errorf("invalid ISO-8601 duration %q", s)
	}
	rest := s[1:]
	var d float64
	inTime := false
	var num []byte // appended to, not concatenated: linear in the input
	for _, r := range rest {
		switch {
		case r == 'T':
			inTime = true
		case (r >= '0' && r <= '9') || r == '.':
			num = append(num, byte(r))
		default:
			if len(num) == 0 {
				return 0, fmt.Errorf("invalid ISO-8601 duration %q", s)
			}
			n, err := strconv.ParseFloat(string(num), 64)
			if err != nil {
				return 0, fmt.Errorf("invalid ISO-8601 duration %q", s)
			}
			num = num[:0]
			var unit float64
			switch {
			case r == 'Y' && !inTime:
				unit = 365 * 86400
			case r == 'M' && !inTime:
				unit = 30 * 86400
			case r == 'W' && !inTime:
				unit = 7 * 86400
			case r == 'D' && !inTime:
				unit = 86400
			case r == 'H' && inTime:
				unit = 3600
			case r == 'M' && inTime:
				unit = 60
			case r == 'S' && inTime:
				unit = 1
			default:
				return 0, fmt.Errorf("invalid ISO-8601 duration %q", s)
			}
			d += n * unit
		}
	}
	if len(num) != 0 {
		return 0, fmt.Errorf("invalid ISO-8601 duration %q", s)
	}
	if ns := d * float64(time.Second); ns >= 1<<63 { // does not convert to an int64
		return 0, fmt.Errorf("ISO-8601 duration %q is out of range", s)
	}
	return time.Duration(d * float64(time.Second)), nil
}

// ts formats a time the way ONTAP does: RFC 3339 with a numeric offset.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }
