package nutanix

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// FuzzListQuery sends arbitrary query strings ($filter, $orderby, $select,
// $page, $limit and anything else) to the list calls of a small Prism
// Central: every answer is JSON without a server error, an error says
// what is wrong, and a page never holds more than $limit items.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{
		"", "$limit=1", "$page=1&$limit=2", "$page=9223372036854775807", "$page=92233720368547758&$limit=100",
		"$limit=0", "$limit=101", "$page=-1", "$filter=name eq 'x'", "$filter=startswith(name,'db')&$orderby=name desc",
		"$orderby=creationTime desc&$select=extId,name", "$select=", "$filter=((((", "$filter=%zz", "$orderby=name,",
		"$filter=vmRecoveryPoints/any(a:a/vmExtId eq 'x')", "$page=3&$limit=100&$filter=extId ne null",
	} {
		f.Add(0, q)
	}
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 6, 18, 9, 41, 0, 0, time.UTC))}
	fleet.SmallNutanix(e)
	pc := e.PrismCentralByName("pc-prod")
	srv := New(e, pc, Options{})
	paths := []string{
		"/api/dataprotection/v4.0/config/recovery-points", "/api/vmm/v4.0/ahv/config/vms", "/api/prism/v4.0/config/tasks",
		"/api/clustermgmt/v4.0/config/clusters", "/api/datapolicies/v4.0/config/protection-policies",
	}
	f.Fuzz(func(t *testing.T, which int, rawQuery string) {
		if which < 0 {
			which = -which
		}
		p := paths[which%len(paths)]
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.URL.RawQuery = rawQuery
		req.SetBasicAuth(pc.Username, pc.Password)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %s?%s: %d %s", p, rawQuery, rec.Code, rec.Body)
		}
		var body struct {
			Data     json.RawMessage `json:"data"`
			Metadata *struct {
				Total *int `json:"totalAvailableResults"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s?%s: %d, not JSON: %q", p, rawQuery, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK {
			if !strings.Contains(rec.Body.String(), `"message"`) {
				t.Fatalf("GET %s?%s: %d without a message: %s", p, rawQuery, rec.Code, rec.Body)
			}
			return
		}
		var items []json.RawMessage
		if len(body.Data) > 0 && string(body.Data) != "null" {
			if err := json.Unmarshal(body.Data, &items); err != nil {
				t.Fatalf("GET %s?%s: data is not a list: %s", p, rawQuery, body.Data)
			}
		}
		if len(items) > 100 || body.Metadata == nil || body.Metadata.Total == nil || len(items) > *body.Metadata.Total {
			t.Fatalf("GET %s?%s: %d items, metadata %+v", p, rawQuery, len(items), body.Metadata)
		}
	})
}
