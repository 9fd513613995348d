package ontap_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// fieldsDir holds the reference field lists (the shared directory beside
// the repository).
const fieldsDir = "../../../../shared/reference/ontap-fields"

// fieldSpec is one line of an ontap_*.txt field list:
//
//	copies[].schedule.name  (string) Example: weekly  -- Job schedule name
//
// that is a dotted path ("[]" marks an array), two spaces, the type in
// parentheses (for arrays, the element type), then attributes separated by
// " | " (Example, Read Only, Format, Enum: [...], Min/Max ...) and "--" with
// the description.
type fieldSpec struct {
	path  string
	typ   string
	enum  map[string]bool
	attrs string
}

var (
	lineRE = regexp.MustCompile(`^(\S+)  \(([^)]*)\)(.*)$`)
	enumRE = regexp.MustCompile(`Enum: (\[[^\]]*\])`)
)

// loadFields parses ontap_<name>.txt; it skips the test when the shared
// reference is not beside the repository.
func loadFields(t *testing.T, name string) map[string]*fieldSpec {
	t.Helper()
	p := filepath.Join(fieldsDir, "ontap_"+name+".txt")
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("reference field list %s not found (the shared reference directory must sit beside the repository): %v", p, err)
		}
		t.Fatal(err)
	}
	defer f.Close()
	specs := map[string]*fieldSpec{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	header := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "=== ") {
			if strings.TrimPrefix(line, "=== ") != name {
				t.Fatalf("%s: header %q, want %q", p, line, name)
			}
			header = true
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: cannot parse line %q", p, line)
		}
		attrs := m[3]
		if i := strings.Index(attrs, "  -- "); i >= 0 {
			attrs = attrs[:i]
		}
		spec := &fieldSpec{path: m[1], typ: m[2], attrs: attrs}
		if em := enumRE.FindStringSubmatch(attrs); em != nil {
			var vals []string
			if err := json.Unmarshal([]byte(em[1]), &vals); err != nil {
				t.Fatalf("%s: enum of %s: %v", p, m[1], err)
			}
			spec.enum = map[string]bool{}
			for _, v := range vals {
				spec.enum[v] = true
			}
		}
		specs[m[1]] = spec
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !header || len(specs) == 0 {
		t.Fatalf("%s: no fields parsed", p)
	}
	return specs
}

// leaf is one field occurrence in a JSON document.
type leaf struct {
	path  string
	value any
	isArr bool
}

// walk lists every field path of v (objects included, "[]" after arrays,
// HAL _links skipped) with its values.
func walk(prefix string, v any, out *[]leaf) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, x := range m {
		if k == "_links" {
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if arr, ok := x.([]any); ok {
			p += "[]"
			*out = append(*out, leaf{path: p, value: x, isArr: true})
			for _, el := range arr {
				if em, ok := el.(map[string]any); ok {
					walk(p, em, out)
				} else {
					*out = append(*out, leaf{path: p, value: el})
				}
			}
			continue
		}
		*out = append(*out, leaf{path: p, value: x})
		walk(p, x, out)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkValue checks a value against the declared type and enum.
func checkValue(spec *fieldSpec, v any) error {
	if v == nil {
		return nil
	}
	switch spec.typ {
	case "obj":
		if _, ok := v.(map[string]any); !ok {
			return fmt.Errorf("want an object, got %T", v)
		}
	case "string", "strfmt.DateTime", "strfmt.UUID", "strfmt.Password", "IPAddress", "IPAddressReadonly", "IPNetmask":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a string, got %T (%v)", v, v)
		}
		switch spec.typ {
		case "strfmt.DateTime":
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return fmt.Errorf("not a date-time: %q", s)
			}
		case "strfmt.UUID":
			if !uuidRE.MatchString(s) {
				return fmt.Errorf("not a UUID: %q", s)
			}
		}
		if spec.enum != nil && !spec.enum[s] {
			return fmt.Errorf("value %q not in enum %v", s, keys(spec.enum))
		}
	case "int64", "int32":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("want an integer, got %T (%v)", v, v)
		}
		if _, err := n.Int64(); err != nil {
			return fmt.Errorf("want an integer, got %s", n)
		}
	case "float64":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("want a number, got %T", v)
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want a bool, got %T (%v)", v, v)
		}
	}
	return nil
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// conform checks every field of every document against the named list and
// returns the set of paths seen.
func conform(t *testing.T, name string, docs []map[string]any) map[string]bool {
	t.Helper()
	specs := loadFields(t, name)
	if len(docs) == 0 {
		t.Fatalf("%s: no documents to check", name)
	}
	seen := map[string]bool{}
	var bad []string
	for _, d := range docs {
		var leaves []leaf
		walk("", d, &leaves)
		for _, l := range leaves {
			seen[l.path] = true
			spec, ok := specs[l.path]
			if !ok {
				bad = append(bad, fmt.Sprintf("unknown field %q", l.path))
				continue
			}
			if l.isArr {
				continue
			}
			if err := checkValue(spec, l.value); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", l.path, err))
			}
		}
	}
	sort.Strings(bad)
	bad = dedupe(bad)
	for _, b := range bad {
		t.Errorf("%s: %s", name, b)
	}
	return seen
}

func dedupe(l []string) []string {
	var out []string
	for i, s := range l {
		if i == 0 || s != l[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func mustHave(t *testing.T, name string, seen map[string]bool, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if !seen[p] {
			t.Errorf("%s: field %q never served", name, p)
		}
	}
}

// TestConformance requests every object the simulator serves with
// fields=** and checks each field name (dotted path) and each enum value
// against the reference field lists.
func TestConformance(t *testing.T) {
	loadFields(t, "Volume") // skip early when the reference is absent
	ev := newEnv(t)

	// Put some life in: a running job, a failed job, an active transfer, a
	// failed transfer.
	fin := volUUID(ev, ev.prod, "vol_finance")
	okJob := ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin+"/snapshots",
		map[string]any{"name": "conf1", "comment": "c", "snapmirror_label": "daily", "expiry_time": "2030-01-01T00:00:00Z"}))
	ev.prodSim.FailNextJobs(1, 1638555, "busy")
	badJob := ev.waitJob(ev.prodURL, ev.do(ev.prodURL, "DELETE", "/api/storage/volumes/"+fin+"/snapshots/"+ev.prod.Volumes[0].Snapshots[0].UUID, nil))
	pend := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin+"/snapshots", map[string]any{"name": "conf2"})
	pendUUID := pend.json(t)["job"].(map[string]any)["uuid"].(string)
	pendJob := records(t, ev.prodGet("/api/cluster/jobs?fields=**&uuid="+pendUUID))[0]

	rels := records(t, ev.drGet("/api/snapmirror/relationships?fields=uuid,destination.path"))
	relFin := ""
	for _, r := range rels {
		if strings.HasPrefix(r["destination"].(map[string]any)["path"].(string), "svm_dr:vol_finance") {
			relFin = r["uuid"].(string)
		}
	}
	ev.drSim.FailNextTransfers(1, 0, "")
	if r := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+relFin+"/transfers", map[string]any{}); r.status != 201 {
		t.Fatalf("transfer: %d %s", r.status, r.body)
	}
	ev.estate.Clock.Advance(10 * time.Minute)
	if r := ev.do(ev.drURL, "POST", "/api/snapmirror/relationships/"+relFin+"/transfers", map[string]any{}); r.status != 201 {
		t.Fatalf("transfer: %d %s", r.status, r.body)
	}

	var docs []map[string]any

	t.Run("Volume", func(t *testing.T) {
		docs := append(records(t, ev.prodGet("/api/storage/volumes?fields=**")), records(t, ev.drGet("/api/storage/volumes?fields=**"))...)
		seen := conform(t, "Volume", docs)
		mustHave(t, "Volume", seen, "space.snapshot.reserve_percent", "space.snapshot.used", "space.snapshot.reserve_size",
			"snapshot_policy.name", "clone.parent_snapshot.name", "snapshot_count", "create_time")
	})
	t.Run("Snapshot", func(t *testing.T) {
		docs = nil
		for _, v := range append(ev.prod.Volumes, ev.dr.Volumes...) {
			base := ev.prodURL
			if strings.HasSuffix(v.Name, "_dr") {
				base = ev.drURL
			}
			docs = append(docs, records(t, ev.do(base, "GET", "/api/storage/volumes/"+v.UUID+"/snapshots?fields=**", nil))...)
		}
		seen := conform(t, "Snapshot", docs)
		mustHave(t, "Snapshot", seen, "create_time", "size", "owners[]", "expiry_time", "snapmirror_label", "volume.uuid")
	})
	t.Run("SnapshotPolicy", func(t *testing.T) {
		seen := conform(t, "SnapshotPolicy", records(t, ev.prodGet("/api/storage/snapshot-policies?fields=**")))
		mustHave(t, "SnapshotPolicy", seen, "copies[].schedule.name", "copies[].count", "copies[].retention_period")
	})
	t.Run("Schedule", func(t *testing.T) {
		seen := conform(t, "Schedule", records(t, ev.prodGet("/api/cluster/schedules?fields=**")))
		mustHave(t, "Schedule", seen, "cron.minutes[]", "interval", "type")
	})
	t.Run("SnapmirrorRelationship", func(t *testing.T) {
		docs := records(t, ev.drGet("/api/snapmirror/relationships?fields=**"))
		docs = append(docs, records(t, ev.prodGet("/api/snapmirror/relationships?fields=**&list_destinations_only=true"))...)
		seen := conform(t, "SnapmirrorRelationship", docs)
		mustHave(t, "SnapmirrorRelationship", seen, "lag_time", "healthy", "unhealthy_reason[].code",
			"unhealthy_reason[].arguments[]", "transfer.uuid", "transfer.state", "exported_snapshot", "policy.type")
	})
	t.Run("SnapmirrorTransfer", func(t *testing.T) {
		var docs []map[string]any
		for _, r := range records(t, ev.drGet("/api/snapmirror/relationships?fields=uuid")) {
			docs = append(docs, records(t, ev.drGet("/api/snapmirror/relationships/"+r["uuid"].(string)+"/transfers?fields=**"))...)
		}
		seen := conform(t, "SnapmirrorTransfer", docs)
		mustHave(t, "SnapmirrorTransfer", seen, "error_info.code", "bytes_transferred", "relationship.uuid", "snapshot")
	})
	t.Run("SnapmirrorPolicy", func(t *testing.T) {
		seen := conform(t, "SnapmirrorPolicy", records(t, ev.drGet("/api/snapmirror/policies?fields=**")))
		mustHave(t, "SnapmirrorPolicy", seen, "retention[].count", "type", "sync_type")
	})
	t.Run("Job", func(t *testing.T) {
		seen := conform(t, "Job", []map[string]any{okJob, badJob, pendJob})
		mustHave(t, "Job", seen, "state", "code", "error.code", "start_time", "end_time", "description")
	})
	t.Run("EmsEvent", func(t *testing.T) {
		docs := records(t, ev.drGet("/api/support/ems/events?fields=**"))
		docs = append(docs, records(t, ev.prodGet("/api/support/ems/events?fields=**"))...)
		seen := conform(t, "EmsEvent", docs)
		mustHave(t, "EmsEvent", seen, "index", "time", "message.name", "message.severity", "parameters[].name", "log_message")
	})
	t.Run("Cluster", func(t *testing.T) {
		conform(t, "Cluster", []map[string]any{ev.prodGet("/api/cluster?fields=**").json(t)})
	})
	t.Run("Node", func(t *testing.T) {
		conform(t, "Node", records(t, ev.prodGet("/api/cluster/nodes?fields=**")))
	})
	t.Run("FileInfo", func(t *testing.T) {
		docs := records(t, ev.prodGet("/api/storage/volumes/"+fin+"/files/reports?fields=**"))
		docs = append(docs, records(t, ev.prodGet("/api/storage/volumes/"+fin+"/files/%2Esnapshot?fields=**"))...)
		seen := conform(t, "FileInfo", docs)
		mustHave(t, "FileInfo", seen, "is_snapshot", "modified_time", "size", "type")
	})
	t.Run("ErrorResponse", func(t *testing.T) {
		r := ev.prodGet("/api/storage/volumes/00000000-0000-0000-0000-000000000000")
		if r.status != 404 {
			t.Fatalf("status %d", r.status)
		}
		r2 := ev.do(ev.prodURL, "POST", "/api/storage/volumes/"+fin+"/snapshots", map[string]any{"name": "conf1"})
		seen := conform(t, "ErrorResponse", []map[string]any{r.json(t), r2.json(t)})
		mustHave(t, "ErrorResponse", seen, "error.code", "error.message", "error.target")
	})
	t.Run("RecordedSamples", func(t *testing.T) {
		// The client's recorded wire samples must speak ONTAP too.
		dir := "../../../testdata/ontap"
		for file, spec := range map[string]string{
			"volume.json": "Volume", "snapshots.json": "Snapshot", "snapmirror_relationship.json": "SnapmirrorRelationship",
			"snapmirror_transfer.json": "SnapmirrorTransfer", "job_failure.json": "Job", "job_success.json": "Job",
			"ems_events.json": "EmsEvent", "snapmirror_policy.json": "SnapmirrorPolicy", "snapshot_policy.json": "SnapshotPolicy",
			"files.json": "FileInfo", "error_not_found.json": "ErrorResponse", "error_transfer_in_progress.json": "ErrorResponse",
		} {
			raw, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Skipf("recorded samples not found: %v", err)
			}
			var doc map[string]any
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			docs := []map[string]any{doc}
			if recs, ok := doc["records"].([]any); ok {
				docs = nil
				for _, r := range recs {
					docs = append(docs, r.(map[string]any))
				}
			}
			if spec == "ErrorResponse" {
				// error.code is a string in the schema; ONTAP also sends
				// numbers, which the client accepts.
				if e, ok := doc["error"].(map[string]any); ok {
					if n, ok := e["code"].(json.Number); ok {
						e["code"] = n.String()
					}
				}
			}
			conform(t, spec, docs)
		}
	})
}
