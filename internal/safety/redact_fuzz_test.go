package safety

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzRedact: tool arguments are outside input and are written to the
// audit log. Whatever their shape, every value under a secret-looking key,
// at any depth, comes out as "[redacted]", and everything else comes out
// as it went in.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		`{"volume":"vol1","password":"hunter2"}`, `{"nested":{"api_key":"k","list":[{"Token":"t"},{"x":1}]}}`,
		`{"confirm_token":"abc","Authorization":"Bearer x","credentials":["a","b"]}`, `{"a":[[{"secret":{"deep":"v"}}]]}`,
		`{"PASSWORD":null,"pass":"ok"}`, `{}`, `{"x":[1,"two",true,null,{"passwd":3}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var args map[string]any
		if json.Unmarshal(raw, &args) != nil || args == nil {
			return
		}
		before, _ := json.Marshal(args)
		out := Redact(args)
		if after, _ := json.Marshal(args); string(after) != string(before) {
			t.Fatalf("Redact changed its input: %s became %s", before, after)
		}
		checkRedacted(t, raw, args, out)
	})
}

func checkRedacted(t *testing.T, raw []byte, in, out any) {
	t.Helper()
	switch x := in.(type) {
	case map[string]any:
		o, ok := out.(map[string]any)
		if !ok || len(o) != len(x) {
			t.Fatalf("%s: object %v redacted as %v", raw, x, out)
		}
		for k, v := range x {
			if IsSecretKey(k) {
				if o[k] != "[redacted]" {
					t.Fatalf("%s: %q kept as %v", raw, k, o[k])
				}
				continue
			}
			checkRedacted(t, raw, v, o[k])
		}
	case []any:
		o, ok := out.([]any)
		if !ok || len(o) != len(x) {
			t.Fatalf("%s: list %v redacted as %v", raw, x, out)
		}
		for i := range x {
			checkRedacted(t, raw, x[i], o[i])
		}
	default:
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("%s: %v changed to %v", raw, in, out)
		}
	}
}
