package ontap

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// FuzzQueryExpr: ONTAP query expressions (field=value with *, |, !, <, >,
// <=, >= and null) evaluate without panicking against every kind of record
// value; a plain value always selects a record holding exactly it, "*"
// selects every string, and ! negates.
func FuzzQueryExpr(f *testing.F) {
	for _, s := range [][2]string{
		{"vol1", "vol1"}, {"vol1", "vol*"}, {"vol1", "!vol1"}, {"vol1", "vol2|vol1"}, {"PT2H", ">PT1H"},
		{"2025-06-18T09:41:00+00:00", ">=2025-06-18T00:00:00Z"}, {"2025-06-18T09:41:00Z", "<1750239660"},
		{"1073741824", ">=1GB"}, {"x", "null"}, {"x", "!null"}, {"a*b", "a*b"}, {"P1e300D", "P1D"}, {"", ""},
		{"VOL1", "vol1"}, {"P99999999999999999999Y", ">P1D"}, {"snapmirror.dst", "snapmirror.*,wafl.*"}, {strings.Repeat("!", 64) + "x", "x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, value, expr string) {
		vals := []any{value}
		got := matchExpr(vals, expr, false)
		_ = matchExpr([]any{3.0, int64(7), true, nil}, expr, true)
		_ = matchExpr(nil, expr, false)
		if plain(value) && expr == value && !got {
			t.Fatalf("%q does not select a record holding %q", expr, value)
		}
		if !matchExpr(vals, "*", false) {
			t.Fatalf(`"*" does not select %q`, value)
		}
		if !strings.ContainsAny(expr, "|,") && strings.TrimSpace(expr) == expr {
			if matchExpr(vals, "!"+expr, false) == matchExpr(vals, expr, false) {
				t.Fatalf("!%q and %q agree on %q", expr, expr, value)
			}
		}
		if d, err := parseISODuration(value); err == nil && d < 0 {
			t.Fatalf("parseISODuration(%q) = %v", value, d)
		}
		_ = wildcard(value, expr)
		_, _ = parseSize(expr)
		_, _ = parseQueryTime(expr)
	})
}

// plain reports a value that has no query syntax in it: no operator
// prefix, wildcard, alternative or surrounding space, and not the null
// keyword.
func plain(s string) bool {
	return s != "" && s != "null" && strings.TrimSpace(s) == s && !strings.ContainsAny(s, "*|,") &&
		!strings.HasPrefix(s, "!") && !strings.HasPrefix(s, "<") && !strings.HasPrefix(s, ">")
}

// FuzzCollectionQuery sends arbitrary query strings to collection GETs of
// a small cluster: the simulator answers every one with JSON and without a
// server error, num_records counts the records, and a record never holds a
// field the full record lacks.
func FuzzCollectionQuery(f *testing.F) {
	for _, q := range []string{
		"", "fields=*", "fields=**", "fields=name,svm.name,space.snapshot.used", "name=vol*&svm.name=svm1",
		"max_records=1", "max_records=-1", "max_records=x", "order_by=name desc", "order_by=space.size,uuid",
		"state=!offline&fields=state", "lag_time=>PT1H", "healthy=false", "return_records=false",
		"start.uuid=x", "name=a|b|c", "fields=" + strings.Repeat("a.", 200) + "b", "size=>=1GB&order_by=size",
		"name=%zz", "fields=..,.", "order_by=,,,desc",
	} {
		f.Add(0, q)
	}
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 6, 18, 9, 41, 0, 0, time.UTC))}
	fleet.SmallOntap(e)
	c := e.OntapClusterByName("ontap-prod")
	srv := New(e, c, Options{})
	paths := []string{"/api/storage/volumes", "/api/snapmirror/relationships", "/api/cluster/jobs", "/api/storage/snapshot-policies", "/api/support/ems/events"}
	full := map[string]map[string]bool{} // path -> top-level keys of fields=**
	for _, p := range paths {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, p+"?fields=**", nil)
		req.SetBasicAuth("admin", c.Password)
		srv.ServeHTTP(rec, req)
		var body struct {
			Records []map[string]any `json:"records"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 200 {
			f.Fatalf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
		keys := map[string]bool{}
		for _, r := range body.Records {
			for k := range r {
				keys[k] = true
			}
		}
		full[p] = keys
	}
	f.Fuzz(func(t *testing.T, which int, rawQuery string) {
		if which < 0 {
			which = -which
		}
		p := paths[which%len(paths)]
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.URL.RawQuery = rawQuery
		req.SetBasicAuth("admin", c.Password)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %s?%s: %d %s", p, rawQuery, rec.Code, rec.Body)
		}
		var body struct {
			Records    []map[string]any `json:"records"`
			NumRecords *int             `json:"num_records"`
			Error      *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s?%s: %d, not JSON: %q", p, rawQuery, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK {
			if body.Error == nil || body.Error.Message == "" {
				t.Fatalf("GET %s?%s: %d without an error message: %s", p, rawQuery, rec.Code, rec.Body)
			}
			return
		}
		if body.NumRecords == nil || (body.Records != nil && *body.NumRecords != len(body.Records)) {
			t.Fatalf("GET %s?%s: num_records %v for %d records", p, rawQuery, body.NumRecords, len(body.Records))
		}
		for _, r := range body.Records {
			for k := range r {
				if !full[p][k] {
					t.Fatalf("GET %s?%s: record field %q that no full record has", p, rawQuery, k)
				}
			}
		}
	})
}

// TestQueryManyNegations: each leading ! negates, a million of them
// included, without a stack frame each.
func TestQueryManyNegations(t *testing.T) {
	vals := []any{"vol1"}
	for _, tc := range []struct {
		n    int
		want bool
	}{{0, true}, {1, false}, {2, true}, {1 << 20, true}, {1<<20 + 1, false}} {
		if got := matchExpr(vals, strings.Repeat("!", tc.n)+"vol1", false); got != tc.want {
			t.Errorf("%d !s: %v, want %v", tc.n, got, tc.want)
		}
	}
}
