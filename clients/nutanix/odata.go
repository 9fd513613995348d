package nutanix

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Filter is an OData $filter expression built from typed values. Build it
// with Eq, Ne, Gt, Ge, Lt, Le, StartsWith, Contains, Any, And, Or, Not (or
// Raw for a trusted literal expression). The zero Filter matches everything.
//
// Values are rendered as Prism Central expects: strings quoted with single
// quotes and every quote doubled, time.Time as an unquoted RFC 3339 UTC
// literal, numbers and booleans as such. Field names are chosen by the
// program, not its users: an invalid one (anything but letters, digits, _
// and / between names) panics, like regexp.MustCompile.
type Filter struct {
	s        string
	compound bool // an and/or chain, parenthesised when nested
}

// String returns the expression ("" for the zero Filter).
func (f Filter) String() string { return f.s }

// IsZero reports whether f is empty.
func (f Filter) IsZero() bool { return f.s == "" }

// Raw wraps an expression that is already valid OData. Never build one
// from user input; use the typed builders.
func Raw(expr string) Filter { return Filter{s: strings.TrimSpace(expr), compound: true} }

func checkField(field string) string {
	if field == "" {
		panic("nutanix: empty OData field name")
	}
	for seg := range strings.SplitSeq(field, "/") {
		if seg == "" {
			panic(fmt.Sprintf("nutanix: invalid OData field name %q", field))
		}
		for i, r := range seg {
			if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
				panic(fmt.Sprintf("nutanix: invalid OData field name %q", field))
			}
		}
	}
	return field
}

// Quote renders s as an OData string literal.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Literal renders a Go value as an OData literal: strings (and named string
// types) quoted, time.Time as RFC 3339 UTC, integers, finite floats,
// booleans, nil as null. Other types panic.
func Literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return Quote(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return "null"
		}
		return x.UTC().Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return Quote(x.String())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return Quote(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			panic("nutanix: OData number must be finite")
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	}
	panic(fmt.Sprintf("nutanix: no OData literal for %T", v))
}

func compare(op, field string, v any) Filter {
	return Filter{s: checkField(field) + " " + op + " " + Literal(v)}
}

// Eq is "field eq value".
func Eq(field string, v any) Filter { return compare("eq", field, v) }

// Ne is "field ne value".
func Ne(field string, v any) Filter { return compare("ne", field, v) }

// Gt is "field gt value".
func Gt(field string, v any) Filter { return compare("gt", field, v) }

// Ge is "field ge value".
func Ge(field string, v any) Filter { return compare("ge", field, v) }

// Lt is "field lt value".
func Lt(field string, v any) Filter { return compare("lt", field, v) }

// Le is "field le value".
func Le(field string, v any) Filter { return compare("le", field, v) }

// StartsWith is "startswith(field, 'prefix')".
func StartsWith(field, prefix string) Filter {
	return Filter{s: "startswith(" + checkField(field) + "," + Quote(prefix) + ")"}
}

// Contains is "contains(field, 'part')".
func Contains(field, part string) Filter {
	return Filter{s: "contains(" + checkField(field) + "," + Quote(part) + ")"}
}

// Any is "collection/any(v:cond)": cond's fields start with v, e.g.
// Any("vmRecoveryPoints", "a", Eq("a/vmExtId", id)).
func Any(collection, variable string, cond Filter) Filter {
	checkField(variable)
	if strings.Contains(variable, "/") {
		panic("nutanix: invalid lambda variable " + variable)
	}
	return Filter{s: checkField(collection) + "/any(" + variable + ":" + cond.s + ")"}
}

func join(op string, fs []Filter) Filter {
	var parts []string
	for _, f := range fs {
		if f.IsZero() {
			continue
		}
		if f.compound && len(fs) > 1 {
			parts = append(parts, "("+f.s+")")
		} else {
			parts = append(parts, f.s)
		}
	}
	switch len(parts) {
	case 0:
		return Filter{}
	case 1:
		// A single operand keeps its own shape.
		for _, f := range fs {
			if !f.IsZero() {
				return f
			}
		}
	}
	return Filter{s: strings.Join(parts, " "+op+" "), compound: true}
}

// And joins filters with "and", skipping zero ones.
func And(fs ...Filter) Filter { return join("and", fs) }

// Or joins filters with "or", skipping zero ones.
func Or(fs ...Filter) Filter { return join("or", fs) }

// Not negates f.
func Not(f Filter) Filter {
	if f.IsZero() {
		return f
	}
	return Filter{s: "not (" + f.s + ")"}
}

// RecoveryPointsOfVM matches recovery points that captured the VM.
func RecoveryPointsOfVM(vmExtID string) Filter {
	return Any("vmRecoveryPoints", "a", Eq("a/vmExtId", vmExtID))
}

// RecoveryPointsOfVolumeGroup matches recovery points that captured the
// volume group.
func RecoveryPointsOfVolumeGroup(vgExtID string) Filter {
	return Any("volumeGroupRecoveryPoints", "v", Eq("v/volumeGroupExtId", vgExtID))
}

// ListOptions select one page of a list. Page is 0-based; Limit is 1-100
// (0 leaves the server's default of 50).
type ListOptions struct {
	Page    int
	Limit   int
	Filter  Filter
	OrderBy string // e.g. "creationTime desc"
	Select  string // e.g. "extId,name"
	Expand  string // e.g. "detailedAssociations" (categories)
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.Page > 0 {
		q.Set("$page", strconv.Itoa(o.Page))
	}
	if o.Limit > 0 {
		q.Set("$limit", strconv.Itoa(o.Limit))
	}
	if !o.Filter.IsZero() {
		q.Set("$filter", o.Filter.String())
	}
	if o.OrderBy != "" {
		q.Set("$orderby", o.OrderBy)
	}
	if o.Select != "" {
		q.Set("$select", o.Select)
	}
	if o.Expand != "" {
		q.Set("$expand", o.Expand)
	}
	return q
}
