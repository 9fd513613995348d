package kit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
)

// validateArgs checks the top-level constraints of the input schema that
// json decoding does not: required arguments, enums, numeric bounds and
// string lengths. Messages name the argument and the allowed values.
func validateArgs(s *jsonschema.Schema, args map[string]any) error {
	if s == nil {
		return nil
	}
	for _, r := range s.Required {
		v, ok := args[r]
		if !ok || v == nil || v == "" {
			return InvalidArgs(fmt.Sprintf("argument %s is required", r))
		}
	}
	if s.Properties == nil {
		return nil
	}
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		v, ok := args[p.Key]
		if !ok || v == nil {
			continue
		}
		if err := checkValue(p.Key, p.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(name string, s *jsonschema.Schema, v any) error {
	if len(s.Enum) > 0 {
		for _, e := range s.Enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				goto bounds
			}
		}
		return InvalidArgs(fmt.Sprintf("argument %s: %v is not allowed; use one of %s", name, v, joinAny(s.Enum)))
	}
bounds:
	if n, ok := number(v); ok {
		if m, err := strconv.ParseFloat(string(s.Minimum), 64); err == nil && s.Minimum != "" && n < m {
			return InvalidArgs(fmt.Sprintf("argument %s: %v is below the minimum %s", name, v, s.Minimum))
		}
		if m, err := strconv.ParseFloat(string(s.Maximum), 64); err == nil && s.Maximum != "" && n > m {
			return InvalidArgs(fmt.Sprintf("argument %s: %v is above the maximum %s", name, v, s.Maximum))
		}
	}
	if str, ok := v.(string); ok {
		if s.MinLength != nil && uint64(len(str)) < *s.MinLength {
			return InvalidArgs(fmt.Sprintf("argument %s must not be empty", name))
		}
		if s.MaxLength != nil && uint64(len(str)) > *s.MaxLength {
			return InvalidArgs(fmt.Sprintf("argument %s is longer than %d characters", name, *s.MaxLength))
		}
	}
	if list, ok := v.([]any); ok && s.Items != nil {
		for i, e := range list {
			if err := checkValue(fmt.Sprintf("%s[%d]", name, i), s.Items, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func joinAny(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}
