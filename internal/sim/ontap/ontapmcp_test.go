package ontap_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// replayStep is one request of a recorded client session
// (testdata/ontap/ontap-mcp/requests.json).
type replayStep struct {
	Name    string            `json:"name"`
	Cluster string            `json:"cluster"` // "" or "prod", or "dr"
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Body    any               `json:"body"`
	Status  []int             `json:"status"`
	Expect  map[string]any    `json:"expect"`
	Save    map[string]string `json:"save"`
	Job     bool              `json:"job"`
	Until   *struct {
		Field  string `json:"field"`
		Equals string `json:"equals"`
	} `json:"until"`
}

var placeholder = regexp.MustCompile(`\{([a-z]+)\}`)

// field reads a dotted path ("records.0.uuid") from a decoded answer.
func field(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// TestOntapMCPSessionReplay sends the requests NetApp's ontap-mcp sends
// (their shapes recorded from its source, pinned in the fixture) to the
// simulator, in session order, and checks the answers its code relies on.
func TestOntapMCPSessionReplay(t *testing.T) {
	raw, err := os.ReadFile("../../../testdata/ontap/ontap-mcp/requests.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Source string       `json:"source"`
		Steps  []replayStep `json:"steps"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.Source, "NetApp/ontap-mcp@") || len(doc.Steps) < 20 {
		t.Fatalf("fixture %q with %d steps", doc.Source, len(doc.Steps))
	}
	ev := newEnv(t)
	saved := map[string]string{}
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			k := m[1 : len(m)-1]
			v, ok := saved[k]
			if !ok {
				t.Fatalf("placeholder %s not saved yet", m)
			}
			return v
		})
	}
	for _, st := range doc.Steps {
		base := ev.prodURL
		if st.Cluster == "dr" {
			base = ev.drURL
		}
		var body any
		if st.Body != nil {
			b, _ := json.Marshal(st.Body)
			body = fill(string(b))
		}
		path := fill(st.Path)
		r := ev.do(base, st.Method, path, body)
		for i := 0; st.Until != nil && i < 200; i++ {
			if r.status == 200 && fmt.Sprint(field(r.json(t), st.Until.Field)) == st.Until.Equals {
				break
			}
			r = ev.do(base, st.Method, path, body)
		}
		if !slices.Contains(st.Status, r.status) {
			t.Fatalf("%s: %s %s answered %d, want %v: %s", st.Name, st.Method, path, r.status, st.Status, r.body)
		}
		var m map[string]any
		if len(r.body) > 0 {
			m = r.json(t)
		}
		if st.Until != nil && fmt.Sprint(field(m, st.Until.Field)) != st.Until.Equals {
			t.Fatalf("%s: %s never became %s: %s", st.Name, st.Until.Field, st.Until.Equals, r.body)
		}
		if st.Job && r.status == 202 {
			if j := ev.waitJob(base, r); j["state"] != "success" {
				t.Fatalf("%s: job %v", st.Name, j)
			}
		}
		for k, want := range st.Expect {
			switch k {
			case "min_records":
				if n, _ := strconv.Atoi(fmt.Sprint(m["num_records"])); float64(n) < want.(float64) {
					t.Fatalf("%s: %d records, want at least %v", st.Name, n, want)
				}
			default:
				if got := fmt.Sprint(field(m, k)); got != fmt.Sprint(want) {
					t.Fatalf("%s: %s = %s, want %v: %s", st.Name, k, got, want, r.body)
				}
			}
		}
		for k, p := range st.Save {
			v := field(m, p)
			if v == nil {
				t.Fatalf("%s: nothing at %s to save as %s: %s", st.Name, p, k, r.body)
			}
			saved[k] = fmt.Sprint(v)
		}
	}
}
