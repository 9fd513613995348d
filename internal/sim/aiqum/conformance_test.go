package aiqum

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	clientaiqum "github.com/recovery-mcp/recovery-mcp/clients/aiqum"
)

// The reference field lists (swagger dumps of AIQUM's own definitions) are
// kept in testdata/aiqum so this test never depends on a directory outside
// the repository.
const fieldsDir = "../../../testdata/aiqum"

type refField struct {
	typ  string
	enum map[string]bool
}

var fieldLine = regexp.MustCompile(`^(\S+) \((\w+)\)(.*)$`)

func loadFields(t *testing.T, name string) map[string]refField {
	t.Helper()
	f, err := os.Open(filepath.Join(fieldsDir, name))
	if err != nil {
		t.Fatalf("reference field list: %v", err)
	}
	defer f.Close()
	out := map[string]refField{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := fieldLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		rf := refField{typ: strings.ToLower(m[2])}
		if i := strings.Index(m[3], "enum="); i >= 0 {
			rf.enum = map[string]bool{}
			list := strings.Fields(m[3][i+5:])[0]
			for _, v := range strings.Split(list, ",") {
				// A YAML 1.1 artefact of the dump: False stands for off / no.
				if v == "False" {
					rf.enum["off"], rf.enum["no"] = true, true
				}
				rf.enum[v] = true
			}
		}
		out[m[1]] = rf
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no fields", name)
	}
	return out
}

// walk visits every leaf and object of v with its swagger-style path
// ("nodes[].ha.partners[].key"), skipping HAL _links.
func walk(prefix string, v any, visit func(path string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		if prefix != "" {
			visit(prefix, x)
		}
		for k, y := range x {
			if k == "_links" {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, y, visit)
		}
	case []any:
		visit(prefix+"[]", x)
		for _, y := range x {
			walk(prefix+"[]", y, visit)
		}
	default:
		visit(prefix, x)
	}
}

func typeOK(want string, v any) bool {
	switch want {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return true
}

// conform checks that every field of rec is in the reference with its
// type and enum, and that the required fields are there.
func conform(t *testing.T, what string, ref map[string]refField, rec map[string]any, required []string) {
	t.Helper()
	seen := map[string]bool{}
	walk("", rec, func(path string, v any) {
		seen[path] = true
		rf, ok := ref[path]
		if !ok {
			if _, isArr := v.([]any); isArr {
				if _, ok := ref[path]; !ok {
					t.Errorf("%s: field %s is not in the reference", what, path)
				}
				return
			}
			t.Errorf("%s: field %s is not in the reference", what, path)
			return
		}
		if _, isArr := v.([]any); isArr {
			return
		}
		if !typeOK(rf.typ, v) {
			t.Errorf("%s: %s = %v (%T), reference type %s", what, path, v, v, rf.typ)
		}
		if rf.enum != nil {
			if s, ok := v.(string); ok && !rf.enum[s] {
				t.Errorf("%s: %s = %q is not in the reference enum", what, path, s)
			}
		}
	})
	for _, r := range required {
		if !seen[r] {
			t.Errorf("%s: required field %s missing", what, r)
		}
	}
}

func TestFieldConformance(t *testing.T) {
	est := generated(t)
	r := newRig(t, est)
	ctx := context.Background()
	if _, _, err := r.cl.ListEvents(ctx, clientaiqum.EventFilter{}); err != nil {
		t.Fatal(err)
	}
	key := r.a.Events[0].Key
	if _, err := r.cl.UpdateEvent(ctx, key, clientaiqum.ActionAssign, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cl.UpdateEvent(ctx, key, clientaiqum.ActionAcknowledge, "bob"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, path string
		required   []string
	}{
		{"aiqum_cluster.txt", "/api/v2/datacenter/cluster/clusters", []string{"key", "name", "uuid", "version.full", "version.generation",
			"version.major", "version.minor", "management_ip", "storage_capacity.total", "nodes[].key", "nodes[].uuid", "nodes[].cluster.key"}},
		{"aiqum_volume.txt", "/api/v2/datacenter/storage/volumes", []string{"key", "uuid", "name", "type", "style", "state", "create_time",
			"space.size", "space.used", "space.available", "snapmirror.is_protected", "snapshot_policy.key", "cluster.key", "svm.key", "aggregates[].key"}},
		{"aiqum_event.txt", "/api/v2/management-server/events", []string{"key", "name", "severity", "current_state", "impact.area",
			"impact.level", "impact.resource_type", "impact.resource_name", "impact.resource_uuid", "cause", "duration", "history[].state",
			"history[].timestamp", "cluster.key", "origin"}},
		{"aiqum_job.txt", "/api/v2/management-server/jobs", []string{"key", "name", "type", "state", "status", "submit_time", "complete_time"}},
	}
	for _, c := range cases {
		ref := loadFields(t, c.file)
		st, page := r.get(t, c.path)
		if st != 200 {
			t.Fatalf("GET %s: %d", c.path, st)
		}
		recs := page["records"].([]any)
		if len(recs) == 0 {
			t.Fatalf("GET %s: no records", c.path)
		}
		var union []string
		for i, x := range recs {
			conform(t, fmt.Sprintf("%s record %d", c.file, i), ref, x.(map[string]any), nil)
			walk("", x, func(p string, _ any) { union = append(union, p) })
		}
		sort.Strings(union)
		have := map[string]bool{}
		for _, p := range union {
			have[p] = true
		}
		for _, req := range c.required {
			if !have[req] {
				t.Errorf("%s: no record has %s", c.file, req)
			}
		}
		// A key in the path answers the bare object with the same fields.
		k := recs[0].(map[string]any)["key"].(string)
		_, one := r.get(t, c.path+"/"+url.PathEscape(k))
		conform(t, c.file+" by key", ref, one, []string{"key"})
	}
	// The acknowledged, assigned event carries the writable fields too.
	evRef := loadFields(t, "aiqum_event.txt")
	_, ev := r.get(t, "/api/management-server/events/"+key)
	conform(t, "acknowledged event", evRef, ev, []string{"assigned.user", "assigned.timestamp", "acknowledged_username", "history[].user"})

	gwRef := loadFields(t, "aiqum_gateways_service_response.txt")
	_, gw := r.get(t, "/api/gateways")
	delete(gw, "total_records") // sent on every collection; the gateway schema predates it
	conform(t, "gateways", gwRef, gw, []string{"num_records", "records[].uuid", "records[].name", "records[].ip_address", "records[].type"})

	errRef := loadFields(t, "aiqum_error_response.txt")
	_, e := r.get(t, "/api/management-server/events/no-such-key")
	conform(t, "error", errRef, e, []string{"error.code", "error.message", "error.target"})
}
