package nutanix

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file is the OData subset Prism Central v4 list calls accept, the way
// real clients use it: $filter with eq ne gt ge lt le, and or not,
// parentheses, startswith/endswith/contains/tolower/toupper, any/all lambdas
// over collections (vmRecoveryPoints/any(a:a/vmExtId eq '…')), string
// literals with '' escaping, qualified enum literals (Ns.Type'VALUE'),
// numbers, true/false/null and unquoted date-time literals; $orderby with
// asc/desc; $select of properties and of paths into complex properties.
// Expressions are evaluated against the JSON-shaped wire object (maps,
// slices, strings, numbers, bools) the simulator renders, so any wire field
// path works; callers restrict which root fields may be used.

const (
	maxFilterLen   = 8 << 10
	maxFilterDepth = 64
)

// odataError is a $filter/$orderby/$select syntax or semantic error; it
// becomes a 400 answer.
type odataError struct{ msg string }

func (e *odataError) Error() string { return e.msg }

func odataErrorf(format string, args ...any) error {
	return &odataError{msg: fmt.Sprintf(format, args...)}
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokTime
	tokLParen
	tokRParen
	tokComma
	tokColon
	tokSlash
)

type token struct {
	kind tokKind
	text string // identifier, decoded string, number text
	num  float64
	tm   time.Time
	pos  int
}

func lex(src string) ([]token, error) {
	if len(src) > maxFilterLen {
		return nil, odataErrorf("expression longer than %d bytes", maxFilterLen)
	}
	if !utf8.ValidString(src) {
		return nil, odataErrorf("expression is not valid UTF-8")
	}
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, pos: i})
			i++
		case c == ':':
			toks = append(toks, token{kind: tokColon, pos: i})
			i++
		case c == '/':
			toks = append(toks, token{kind: tokSlash, pos: i})
			i++
		case c == '\'':
			start := i
			i++
			var b strings.Builder
			closed := false
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, odataErrorf("unterminated string literal at position %d", start)
			}
			toks = append(toks, token{kind: tokString, text: b.String(), pos: start})
		case c == '-' || (c >= '0' && c <= '9'):
			start := i
			i++
			for i < len(src) && (isAlnum(src[i]) || src[i] == '.' || src[i] == ':' || src[i] == '-' || src[i] == '+') {
				i++
			}
			text := src[start:i]
			if t, ok := parseODataTime(text); ok {
				toks = append(toks, token{kind: tokTime, text: text, tm: t, pos: start})
				continue
			}
			n, err := strconv.ParseFloat(text, 64)
			if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
				return nil, odataErrorf("invalid literal %q at position %d", text, start)
			}
			toks = append(toks, token{kind: tokNumber, text: text, num: n, pos: start})
		case isIdentStart(c):
			start := i
			for i < len(src) && (isAlnum(src[i]) || src[i] == '_' || src[i] == '$') {
				i++
			}
			// A qualified enum literal: Namespace.Type'VALUE', e.g.
			// Dataprotection.Common.RecoveryPointType'CRASH_CONSISTENT'
			// (OData's enum literal form, which Prism Central accepts);
			// it compares as the string VALUE.
			if j := enumLiteralEnd(src, i); j > 0 {
				end := strings.IndexByte(src[j+1:], '\'')
				if end < 0 {
					return nil, odataErrorf("unterminated enum literal at position %d", start)
				}
				toks = append(toks, token{kind: tokString, text: src[j+1 : j+1+end], pos: start})
				i = j + 1 + end + 1
				continue
			}
			toks = append(toks, token{kind: tokIdent, text: src[start:i], pos: start})
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, odataErrorf("unexpected character %q at position %d", r, i)
		}
	}
	toks = append(toks, token{kind: tokEOF, pos: len(src)})
	return toks, nil
}

// enumLiteralEnd reports, for an identifier ending at i, whether it goes
// on as a dotted type name followed by a quote; it returns the quote's
// index (0 when it is no enum literal).
func enumLiteralEnd(src string, i int) int {
	dotted := false
	for i < len(src) && src[i] == '.' && i+1 < len(src) && isIdentStart(src[i+1]) {
		dotted = true
		i++
		for i < len(src) && (isAlnum(src[i]) || src[i] == '_') {
			i++
		}
	}
	if dotted && i < len(src) && src[i] == '\'' {
		return i
	}
	return 0
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

// parseODataTime accepts RFC 3339 date-times (Z or offset, optional
// fraction) and plain dates.
func parseODataTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// expr is a parsed filter expression node.
type expr interface {
	eval(env *evalEnv) any
}

type evalEnv struct {
	root any
	vars map[string]any
}

type literal struct{ v any }

func (l literal) eval(*evalEnv) any { return l.v }

type pathExpr struct {
	segs []string
}

func (p pathExpr) eval(env *evalEnv) any {
	var cur any
	segs := p.segs
	if v, ok := env.vars[segs[0]]; ok {
		cur = v
		segs = segs[1:]
	} else {
		cur = env.root
	}
	for _, s := range segs {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[s]
	}
	return cur
}

type lambdaExpr struct {
	coll pathExpr
	all  bool
	v    string
	body expr // nil for any()
}

func (l lambdaExpr) eval(env *evalEnv) any {
	items, _ := l.coll.eval(env).([]any)
	if l.body == nil {
		return len(items) > 0
	}
	saved, had := env.vars[l.v]
	defer func() {
		if had {
			env.vars[l.v] = saved
		} else {
			delete(env.vars, l.v)
		}
	}()
	for _, it := range items {
		env.vars[l.v] = it
		ok := truthy(l.body.eval(env))
		if l.all && !ok {
			return false
		}
		if !l.all && ok {
			return true
		}
	}
	return l.all
}

type notExpr struct{ e expr }

func (n notExpr) eval(env *evalEnv) any { return !truthy(n.e.eval(env)) }

type boolExpr struct {
	and  bool
	l, r expr
}

func (b boolExpr) eval(env *evalEnv) any {
	if b.and {
		return truthy(b.l.eval(env)) && truthy(b.r.eval(env))
	}
	return truthy(b.l.eval(env)) || truthy(b.r.eval(env))
}

type cmpExpr struct {
	op   string
	l, r expr
}

func (c cmpExpr) eval(env *evalEnv) any {
	return compareValues(c.op, c.l.eval(env), c.r.eval(env))
}

type callExpr struct {
	fn   string
	args []expr
}

func (c callExpr) eval(env *evalEnv) any {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		vals[i] = a.eval(env)
	}
	switch c.fn {
	case "tolower", "toupper", "length":
		s, ok := vals[0].(string)
		if !ok {
			return nil
		}
		switch c.fn {
		case "tolower":
			return strings.ToLower(s)
		case "toupper":
			return strings.ToUpper(s)
		default:
			return float64(utf8.RuneCountInString(s))
		}
	}
	a, ok1 := vals[0].(string)
	b, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return false
	}
	switch c.fn {
	case "startswith":
		return strings.HasPrefix(a, b)
	case "endswith":
		return strings.HasSuffix(a, b)
	default: // contains
		return strings.Contains(a, b)
	}
}

var funcArity = map[string]int{
	"startswith": 2, "endswith": 2, "contains": 2,
	"tolower": 1, "toupper": 1, "length": 1,
}

func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func compareValues(op string, l, r any) bool {
	if l == nil || r == nil {
		switch op {
		case "eq":
			return l == nil && r == nil
		case "ne":
			return !(l == nil && r == nil)
		}
		return false
	}
	c, ok := orderValues(l, r)
	if !ok {
		return op == "ne"
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	default: // le
		return c <= 0
	}
}

// orderValues compares two non-nil values of compatible types; a string
// compares with a time as the time it spells.
func orderValues(l, r any) (int, bool) {
	if lt, ok := l.(time.Time); ok {
		rt, ok := asTime(r)
		return lt.Compare(rt), ok
	}
	if rt, ok := r.(time.Time); ok {
		lt, ok := asTime(l)
		return lt.Compare(rt), ok
	}
	if lf, ok := toFloat(l); ok {
		rf, ok := toFloat(r)
		return cmp.Compare(lf, rf), ok
	}
	switch lv := l.(type) {
	case string:
		rv, ok := r.(string)
		return strings.Compare(lv, rv), ok
	case bool:
		rv, ok := r.(bool)
		if !ok {
			return 0, false
		}
		switch {
		case lv == rv:
			return 0, true
		case !lv:
			return -1, true
		}
		return 1, true
	}
	return 0, false
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}

// filter is a parsed $filter.
type filter struct {
	root expr
	// fields are the root fields the expression reads.
	fields []string
}

// match reports whether the wire object obj satisfies the filter.
func (f *filter) match(obj any) bool {
	if f == nil {
		return true
	}
	return truthy(f.root.eval(&evalEnv{root: obj, vars: map[string]any{}}))
}

type parser struct {
	toks   []token
	i      int
	depth  int
	vars   []string
	fields []string
}

// parseFilter parses a $filter expression.
func parseFilter(src string) (*filter, error) {
	if strings.TrimSpace(src) == "" {
		return nil, odataErrorf("empty $filter")
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, odataErrorf("unexpected %s at position %d", describe(t), t.pos)
	}
	if _, isBool := e.(cmpExpr); !isBool && !isBoolean(e) {
		return nil, odataErrorf("$filter must be a boolean expression")
	}
	return &filter{root: e, fields: p.fields}, nil
}

func isBoolean(e expr) bool {
	switch x := e.(type) {
	case cmpExpr, boolExpr, notExpr, lambdaExpr:
		return true
	case callExpr:
		return funcArity[x.fn] == 2
	case literal:
		_, ok := x.v.(bool)
		return ok
	case pathExpr:
		return true // a boolean field
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokString:
		return "string literal"
	case tokNumber, tokTime:
		return "literal " + t.text
	case tokIdent:
		return strconv.Quote(t.text)
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokComma:
		return "','"
	case tokColon:
		return "':'"
	}
	return "'/'"
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == word
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxFilterDepth {
		return odataErrorf("expression nested deeper than %d", maxFilterDepth)
	}
	return nil
}

func (p *parser) parseOr() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if !isBoolean(l) || !isBoolean(r) {
			return nil, odataErrorf("operands of 'or' must be boolean")
		}
		l = boolExpr{and: false, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		p.next()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if !isBoolean(l) || !isBoolean(r) {
			return nil, odataErrorf("operands of 'and' must be boolean")
		}
		l = boolExpr{and: true, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseUnary() (expr, error) {
	if p.isKeyword("not") {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		e, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if !isBoolean(e) {
			return nil, odataErrorf("operand of 'not' must be boolean")
		}
		return notExpr{e: e}, nil
	}
	return p.parseComparison()
}

var compareOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *parser) parseComparison() (expr, error) {
	l, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tokIdent && compareOps[t.text] {
		p.next()
		r, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		if _, ok := l.(lambdaExpr); ok {
			return nil, odataErrorf("cannot compare a lambda expression")
		}
		return cmpExpr{op: t.text, l: l, r: r}, nil
	}
	return l, nil
}

func (p *parser) parseOperand() (expr, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, odataErrorf("expected ')' at position %d, found %s", c.pos, describe(c))
		}
		return e, nil
	case tokString:
		return literal{v: t.text}, nil
	case tokNumber:
		return literal{v: t.num}, nil
	case tokTime:
		return literal{v: t.tm}, nil
	case tokIdent:
		switch t.text {
		case "true":
			return literal{v: true}, nil
		case "false":
			return literal{v: false}, nil
		case "null":
			return literal{v: nil}, nil
		case "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le":
			return nil, odataErrorf("unexpected keyword %q at position %d", t.text, t.pos)
		}
		if p.peek().kind == tokLParen {
			return p.parseCall(t)
		}
		return p.parsePath(t)
	}
	return nil, odataErrorf("unexpected %s at position %d", describe(t), t.pos)
}

func (p *parser) parseCall(name token) (expr, error) {
	arity, ok := funcArity[name.text]
	if !ok {
		return nil, odataErrorf("unsupported function %q at position %d", name.text, name.pos)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.next() // (
	var args []expr
	for {
		a, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		t := p.next()
		if t.kind == tokRParen {
			break
		}
		if t.kind != tokComma {
			return nil, odataErrorf("expected ',' or ')' at position %d, found %s", t.pos, describe(t))
		}
	}
	if len(args) != arity {
		return nil, odataErrorf("%s takes %d argument(s), got %d", name.text, arity, len(args))
	}
	return callExpr{fn: name.text, args: args}, nil
}

func (p *parser) parsePath(first token) (expr, error) {
	segs := []string{first.text}
	for p.peek().kind == tokSlash {
		p.next()
		t := p.next()
		if t.kind != tokIdent {
			return nil, odataErrorf("expected a property name after '/' at position %d", t.pos)
		}
		if (t.text == "any" || t.text == "all") && p.peek().kind == tokLParen {
			return p.parseLambda(segs, t)
		}
		segs = append(segs, t.text)
	}
	p.noteField(segs[0])
	return pathExpr{segs: segs}, nil
}

func (p *parser) noteField(root string) {
	if slices.Contains(p.vars, root) || slices.Contains(p.fields, root) {
		return
	}
	p.fields = append(p.fields, root)
}

func (p *parser) parseLambda(coll []string, kw token) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.noteField(coll[0])
	p.next() // (
	l := lambdaExpr{coll: pathExpr{segs: coll}, all: kw.text == "all"}
	if p.peek().kind == tokRParen {
		if l.all {
			return nil, odataErrorf("all() needs a lambda expression")
		}
		p.next()
		return l, nil
	}
	v := p.next()
	if v.kind != tokIdent || !isLambdaVar(v.text) {
		return nil, odataErrorf("expected a lambda variable at position %d", v.pos)
	}
	if c := p.next(); c.kind != tokColon {
		return nil, odataErrorf("expected ':' after lambda variable at position %d", c.pos)
	}
	p.vars = append(p.vars, v.text)
	body, err := p.parseOr()
	p.vars = p.vars[:len(p.vars)-1]
	if err != nil {
		return nil, err
	}
	if !isBoolean(body) {
		return nil, odataErrorf("lambda body must be boolean")
	}
	if c := p.next(); c.kind != tokRParen {
		return nil, odataErrorf("expected ')' at position %d, found %s", c.pos, describe(c))
	}
	l.v, l.body = v.text, body
	return l, nil
}

func isLambdaVar(s string) bool {
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// orderKey is one $orderby term.
type orderKey struct {
	path []string
	desc bool
}

// parseOrderBy parses "a/b desc, c asc, d".
func parseOrderBy(src string) ([]orderKey, error) {
	var keys []orderKey
	for part := range strings.SplitSeq(src, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, odataErrorf("invalid $orderby term %q", strings.TrimSpace(part))
		}
		k := orderKey{path: strings.Split(fields[0], "/")}
		for _, s := range k.path {
			if s == "" || !isLambdaVar(strings.ReplaceAll(s, "$", "_")) {
				return nil, odataErrorf("invalid $orderby property %q", fields[0])
			}
		}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, odataErrorf("invalid $orderby direction %q", fields[1])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// sortObjects sorts wire objects by keys, stably; missing values sort first
// in ascending order.
func sortObjects(objs []map[string]any, keys []orderKey) {
	slices.SortStableFunc(objs, func(a, b map[string]any) int {
		for _, k := range keys {
			pa := pathExpr{segs: k.path}.eval(&evalEnv{root: a})
			pb := pathExpr{segs: k.path}.eval(&evalEnv{root: b})
			c := 0
			switch {
			case pa == nil && pb == nil:
			case pa == nil:
				c = -1
			case pb == nil:
				c = 1
			default:
				if v, ok := orderValues(pa, pb); ok {
					c = v
				} else {
					// Values that do not compare (a number and a string,
					// two objects) order by kind, then by their printed
					// form (fmt sorts map keys), so the order is total and
					// does not depend on the order the objects came in.
					if c = cmp.Compare(kindRank(pa), kindRank(pb)); c == 0 {
						c = strings.Compare(fmt.Sprint(pa), fmt.Sprint(pb))
					}
				}
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// kindRank orders values of different JSON kinds for sorting.
func kindRank(v any) int {
	switch v.(type) {
	case bool:
		return 1
	case float64, int, int64:
		return 2
	case string:
		return 3
	case time.Time:
		return 4
	case []any:
		return 5
	case map[string]any:
		return 6
	}
	return 7
}

// parseSelect parses "a,b/c" into property paths (OData select items:
// a property, or a path into a complex property, segments joined by /).
func parseSelect(src string) ([][]string, error) {
	var out [][]string
	for part := range strings.SplitSeq(src, ",") {
		f := strings.TrimSpace(part)
		segs := strings.Split(f, "/")
		for _, seg := range segs {
			if !isLambdaVar(seg) {
				return nil, odataErrorf("invalid $select property %q", f)
			}
		}
		out = append(out, segs)
	}
	return out, nil
}
