package nutanix

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func testObjects(t *testing.T) []map[string]any {
	t.Helper()
	var objs []map[string]any
	src := `[
	 {"extId":"1","name":"sql-prod-01","creationTime":"2025-03-10T08:00:00Z","size":10,"on":true,
	  "cluster":{"extId":"c1"},"vmRecoveryPoints":[{"vmExtId":"vm-a"},{"vmExtId":"vm-b"}]},
	 {"extId":"2","name":"o'brien","creationTime":"2025-03-09T08:00:00Z","size":20,"on":false,
	  "cluster":{"extId":"c2"},"vmRecoveryPoints":[{"vmExtId":"vm-c"}]},
	 {"extId":"3","name":"web-01","creationTime":"2025-03-11T08:00:00.5Z","size":5,
	  "cluster":{"extId":"c1"},"vmRecoveryPoints":[]}
	]`
	if err := json.Unmarshal([]byte(src), &objs); err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestFilterMatches(t *testing.T) {
	objs := testObjects(t)
	tests := []struct {
		filter string
		want   string // ext ids that match, in order
	}{
		{"name eq 'sql-prod-01'", "1"},
		{"name eq 'o''brien'", "2"},
		{"name ne 'sql-prod-01'", "2,3"},
		{"size gt 5", "1,2"},
		{"size ge 5 and size le 10", "1,3"},
		{"size lt 10 or name eq 'o''brien'", "2,3"},
		{"not (size lt 10)", "1,2"},
		{"not size lt 10", "1,2"},
		{"(size gt 15 or size lt 6) and cluster/extId eq 'c1'", "3"},
		{"startswith(name,'sql')", "1"},
		{"contains(name, 'eb')", "3"},
		{"endswith(name,'01')", "1,3"},
		{"tolower(name) eq 'WEB-01'", ""},
		{"toupper(name) eq 'WEB-01'", "3"},
		{"creationTime gt 2025-03-09T12:00:00Z", "1,3"},
		{"creationTime ge 2025-03-11T08:00:00.5Z", "3"},
		{"creationTime lt 2025-03-10", "2"},
		{"creationTime gt 2025-03-10T09:00:00+02:00", "1,3"},
		{"vmRecoveryPoints/any(a:a/vmExtId eq 'vm-c')", "2"},
		{"vmRecoveryPoints/any(a:a/vmExtId eq 'vm-a' or a/vmExtId eq 'vm-c')", "1,2"},
		{"vmRecoveryPoints/any()", "1,2"},
		{"vmRecoveryPoints/all(a:startswith(a/vmExtId,'vm-'))", "1,2,3"},
		{"not vmRecoveryPoints/any()", "3"},
		{"on eq true", "1"},
		{"on", "1"},
		{"on eq null", "3"},
		{"missing eq null", "1,2,3"},
		{"missing eq 'x'", ""},
		{"name eq 5", ""},
		{"extId eq '1' or extId eq '2' or extId eq '3'", "1,2,3"},
		{"size eq -1", ""},
		{"size eq 1e1", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatalf("parseFilter: %v", err)
			}
			var got []string
			for _, o := range objs {
				if f.match(o) {
					got = append(got, o["extId"].(string))
				}
			}
			if g := strings.Join(got, ","); g != tt.want {
				t.Fatalf("matched %q, want %q", g, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []string{
		"",
		"name eq",
		"name eq 'unterminated",
		"name eq 'a' and",
		"(name eq 'a'",
		"name eq 'a')",
		"name eq 'a' extra",
		"frobnicate(name)",
		"startswith(name)",
		"vmRecoveryPoints/any(a a/vmExtId eq 'x')",
		"vmRecoveryPoints/any(a:a/vmExtId)x",
		"name eq 'a' and 5",
		"not 'x'",
		"'x'",
		"name eq @",
		"name eq 'é' and size gt 1.2.3",
		strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200),
		strings.Repeat("a", maxFilterLen+1),
		"name eq '\xff'",
	}
	for _, src := range tests {
		if _, err := parseFilter(src); err == nil {
			t.Errorf("parseFilter(%q) succeeded, want an error", src)
		}
	}
}

func TestFilterFields(t *testing.T) {
	f, err := parseFilter("vmRecoveryPoints/any(a:a/vmExtId eq 'x') and name eq 'y' and cluster/extId eq 'z' and name ne 'q'")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.fields, ","); got != "vmRecoveryPoints,name,cluster" {
		t.Fatalf("fields = %s", got)
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct {
		orderby, want string
	}{
		{"creationTime desc", "3,1,2"},
		{"creationTime", "2,1,3"},
		{"cluster/extId asc, size desc", "1,3,2"},
		{"name DESC", "3,1,2"},
		{"missing, extId desc", "3,2,1"},
	}
	for _, tt := range tests {
		objs := testObjects(t)
		keys, err := parseOrderBy(tt.orderby)
		if err != nil {
			t.Fatalf("%s: %v", tt.orderby, err)
		}
		sortObjects(objs, keys)
		var got []string
		for _, o := range objs {
			got = append(got, o["extId"].(string))
		}
		if g := strings.Join(got, ","); g != tt.want {
			t.Errorf("$orderby=%s: %s, want %s", tt.orderby, g, tt.want)
		}
	}
	for _, bad := range []string{"", "name sideways", "name asc desc", "a//b", "name,", "na-me"} {
		if _, err := parseOrderBy(bad); err == nil {
			t.Errorf("parseOrderBy(%q) succeeded", bad)
		}
	}
}

func TestSelect(t *testing.T) {
	if got, err := parseSelect("extId, name,vmRecoveryPoints/vmExtId"); err != nil || fmt.Sprint(got) != "[[extId] [name] [vmRecoveryPoints vmExtId]]" {
		t.Fatalf("parseSelect = %v, %v", got, err)
	}
	for _, bad := range []string{"", "a,,b", "a b", "a//b", "/a", "a/"} {
		if _, err := parseSelect(bad); err == nil {
			t.Errorf("parseSelect(%q) succeeded", bad)
		}
	}
}

// FuzzParseFilter: the parser never panics or hangs on outside input, and
// a string literal always round-trips through quoting.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"name eq 'x'", "name eq 'o''brien'", "vmRecoveryPoints/any(a:a/vmExtId eq 'x')",
		"not (a lt 1 or b ge 2025-01-01T00:00:00Z)", "startswith(name,'a') and contains(name,'b')",
		"((((", "'", "a/any(", "name eq '' or ''''", "x eq -", "2025-13-45T99:99:99Z",
	} {
		f.Add(s)
	}
	objs := []map[string]any{{"name": "o'brien", "a": 1.0, "vmRecoveryPoints": []any{map[string]any{"vmExtId": "x"}}}}
	f.Fuzz(func(t *testing.T, src string) {
		flt, err := parseFilter(src)
		if err == nil {
			for _, o := range objs {
				flt.match(o)
			}
		}
		// Quoting any name keeps it one literal that matches only itself.
		q := "name eq '" + strings.ReplaceAll(src, "'", "''") + "'"
		flt, err = parseFilter(q)
		if len(q) > maxFilterLen || !utf8Valid(src) {
			return
		}
		if err != nil {
			t.Fatalf("quoted literal %q did not parse: %v", q, err)
		}
		if !flt.match(map[string]any{"name": src}) {
			t.Fatalf("quoted %q does not match itself", src)
		}
		if flt.match(map[string]any{"name": src + "x"}) {
			t.Fatalf("quoted %q matches another name", src)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
