package aiqum

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeAnswers feeds arbitrary bodies to the decoders of outside
// input: the error envelope, a collection page and an event. None may
// panic, and an error always keeps its HTTP status.
func FuzzDecodeAnswers(f *testing.F) {
	for _, s := range []string{
		`{"error":{"code":"404","message":"entry doesn't exist","target":"key"}}`,
		`{"error":{"code":12,"message":"x"}}`,
		`{"records":[{"key":"a"}],"num_records":1,"total_records":3,"_links":{"self":"/api/x","next":{"href":"/api/x?offset=1"}}}`,
		`{"key":"e","history":[{"state":"new","timestamp":"2020-02-19T08:15:31.123+00:00"}],"assigned":{"user":"u"}}`,
		`<html>`, ``, `null`, `{"error":null}`, `{"_links":{"next":7}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if e := newAPIError("GET", "/api/x", 503, b); e.HTTPStatus != 503 || e.Error() == "" {
			t.Fatalf("%+v", e)
		}
		var p page
		_ = json.Unmarshal(b, &p)
		var ev Event
		_ = json.Unmarshal(b, &ev)
		_, _ = JobKeyOf(b)
	})
}
