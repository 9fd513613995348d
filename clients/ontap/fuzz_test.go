package ontap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// wireSamples adds the recorded ONTAP answers in testdata/ontap as seeds.
func wireSamples(f *testing.F, add func(body []byte)) {
	f.Helper()
	files, err := filepath.Glob("../../testdata/ontap/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no wire samples: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// checkAPIError holds for every error answer: it says what went wrong in
// a bounded, valid UTF-8 message.
func checkAPIError(t *testing.T, e *APIError, status int, body []byte) {
	t.Helper()
	if strings.TrimSpace(e.Message) == "" {
		t.Fatalf("HTTP %d %q: error without a message", status, body)
	}
	if !utf8.ValidString(e.Message) || !utf8.ValidString(e.Code) || !utf8.ValidString(e.Target) {
		t.Fatalf("HTTP %d %q: invalid UTF-8 in %+v", status, body, e)
	}
	if len(e.Message) > maxErrorMessage+64 || len(e.Error()) > maxErrorMessage+1000 {
		t.Fatalf("HTTP %d: error of %d bytes from a %d-byte answer", status, len(e.Error()), len(body))
	}
	if e.HTTPStatus != status {
		t.Fatalf("status %d recorded as %d", status, e.HTTPStatus)
	}
}

// FuzzAPIError: any error answer (an ONTAP envelope, a proxy's HTML, junk)
// becomes an APIError with a message; the code is ONTAP's when there is one.
func FuzzAPIError(f *testing.F) {
	wireSamples(f, func(b []byte) { f.Add(404, b) })
	for _, s := range []string{
		``, `{}`, `{"error":{}}`, `{"error":null}`, `{"error":{"code":4}}`, `{"error":{"code":"1638555","message":"` + strings.Repeat("é", 900) + `"}}`,
		`<html><body>502 Bad Gateway</body></html>`, "\xff\xfe", strings.Repeat("x", 300), `{"error":{"message":"","code":"13303812"}}`,
		`{"error":{"arguments":[{"code":"1","message":"a"}],"message":"m","target":"t"}}`, `{"error":"text"}`,
	} {
		f.Add(409, []byte(s))
		f.Add(599, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		status = 400 + abs(status)%200
		e := newAPIError(http.MethodGet, "/api/storage/volumes/x", status, body)
		checkAPIError(t, e, status, body)
		var env struct {
			Error *struct {
				Code flexString `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil && env.Error != nil && utf8.ValidString(string(env.Error.Code)) &&
			len(env.Error.Code) <= 64 && e.Code != string(env.Error.Code) {
			t.Fatalf("%s: code %q read as %q", body, env.Error.Code, e.Code)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // MinInt
			return 0
		}
		return -n
	}
	return n
}

// FuzzParseISODuration: lag times, retention periods and transfer
// durations come from the cluster as ISO 8601 text. Parsing never panics,
// keeps the sign, refuses what does not fit a time.Duration (it used to
// wrap), and agrees with FormatISODuration to the second.
func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{
		"PT8H35M42S", "P2DT3H", "P30D", "P1Y", "P2W", "PT0S", "P2DT", "-PT5M", "PT0.5S", "PT1,5S", "P1Y2M3W4DT5H6M7.25S",
		"P292Y", "P293Y", "P1e300D", "PT9223372036S", "PT9223372037S", "P", "PT", "P1", "PT1D", "P1H", "PTT1H", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err != nil {
			return
		}
		if strings.HasPrefix(s, "-") != (d < 0) && d != 0 {
			t.Fatalf("ParseISODuration(%q) = %v: sign lost", s, d)
		}
		iso := FormatISODuration(d)
		back, err := iso.Duration()
		if err != nil {
			t.Fatalf("ParseISODuration(%q) = %v formats as %q, which does not parse: %v", s, d, iso, err)
		}
		if want := d.Truncate(time.Second); back != want {
			t.Fatalf("ParseISODuration(%q) = %v formats as %q, which reads %v, want %v", s, d, iso, back, want)
		}
	})
}

// FuzzFormatISODuration: every time.Duration formats as ISO 8601 that reads
// back to its whole seconds.
func FuzzFormatISODuration(f *testing.F) {
	for _, n := range []int64{0, 1, -1, 1e9, -1e9, 86400e9 + 1, 1<<63 - 1, -1 << 63} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		d := time.Duration(n)
		iso := FormatISODuration(d)
		back, err := ParseISODuration(string(iso))
		if err != nil || back != d.Truncate(time.Second) {
			t.Fatalf("FormatISODuration(%d) = %q reads back as %v, %v", n, iso, back, err)
		}
	})
}

// FuzzDecodeModels: any JSON answer decodes into each record type or is an
// error, and what decodes re-encodes to a fixed point (the string-or-number
// codes and counts ONTAP sends settle on one form).
func FuzzDecodeModels(f *testing.F) {
	wireSamples(f, func(b []byte) { f.Add(b) })
	for _, s := range []string{`{"code":"12","error":{"code":5}}`, `{"retention":[{"count":"x"}]}`, `{"count":7,"label":"d"}`,
		`{"error_info":{"code":"9e99"}}`, `{"lag_time":"P1e400D"}`, `{"records":null,"_links":{"next":null}}`} {
		f.Add([]byte(s))
	}
	types := []func() any{
		func() any { return &Job{} }, func() any { return &Volume{} }, func() any { return &SnapmirrorRelationship{} },
		func() any { return &SnapmirrorTransfer{} }, func() any { return &SnapmirrorPolicy{} }, func() any { return &SnapmirrorRetention{} },
		func() any { return &SnapshotPolicy{} }, func() any { return &Page[Snapshot]{} }, func() any { return &Page[EMSEvent]{} },
		func() any { return &Page[FileInfo]{} }, func() any { return &jobLinkBody{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newV := range types {
			v := newV()
			if json.Unmarshal(body, v) != nil {
				continue
			}
			once, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%T from %s does not encode: %v", v, body, err)
			}
			w := newV()
			if err := json.Unmarshal(once, w); err != nil {
				t.Fatalf("%T: %s decodes, re-encodes as %s, which does not decode: %v", v, body, once, err)
			}
			twice, _ := json.Marshal(w)
			if !bytes.Equal(once, twice) {
				t.Fatalf("%T: %s re-encodes as %s, then as %s", v, body, once, twice)
			}
			if r, ok := v.(*SnapmirrorRelationship); ok {
				_, _ = r.LagTime.Duration()
			}
		}
	})
}

// FuzzClientAnswers puts the client in front of a cluster that answers
// every request with the same status and body, whatever was asked: every
// call ends (no hang, no panic), errors say what went wrong, and a paged
// listing whose next link repeats stops instead of looping.
func FuzzClientAnswers(f *testing.F) {
	wireSamples(f, func(b []byte) { f.Add(200, b); f.Add(202, b) })
	for _, s := range []string{
		`{"records":[{"uuid":"a"}],"num_records":1,"_links":{"next":{"href":"/api/storage/volumes/v1/snapshots?start.uuid=a"}}}`,
		`{"records":[],"_links":{"next":{"href":"https://elsewhere.example/api/x"}}}`, `{"job":{"uuid":""}}`, ``, `null`, `[]`,
	} {
		f.Add(200, []byte(s))
	}
	f.Add(404, []byte(`{"error":{"message":"entry doesn't exist","code":"4"}}`))
	f.Add(500, []byte(`<html>oops</html>`))
	type answer struct {
		status int
		body   []byte
	}
	var current atomic.Pointer[answer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := current.Load()
		w.Header().Set("Content-Type", "application/hal+json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, Username: "admin", Password: "secret-pw", RetryMax: -1,
		PollInterval: time.Millisecond, PollMaxInterval: time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, st int, b []byte) {
		status, body := st, b
		if status < 200 || status > 599 {
			status = 200 + abs(st)%400
		}
		if status == http.StatusNoContent || status == http.StatusNotModified {
			status = 200 // no body allowed
		}
		current.Store(&answer{status, body})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		calls := map[string]func() error{
			"GetVolume":      func() error { _, err := c.GetVolume(ctx, "v1"); return err },
			"ListSnapshots":  func() error { _, err := c.ListSnapshots(ctx, "v1", nil); return err },
			"GetJob":         func() error { _, err := c.GetJob(ctx, "j1"); return err },
			"CreateSnapshot": func() error { _, err := c.CreateSnapshot(ctx, "v1", SnapshotCreate{Name: "s"}, NoWait()); return err },
		}
		for name, call := range calls {
			err := call()
			if ctx.Err() != nil {
				t.Fatalf("%s against HTTP %d %q did not end in time", name, status, body)
			}
			if err == nil {
				if status >= 400 {
					t.Fatalf("%s: HTTP %d accepted as success", name, status)
				}
				continue
			}
			if strings.Contains(err.Error(), "secret-pw") {
				t.Fatalf("%s: error shows the password: %v", name, err)
			}
			var ae *APIError
			if errors.As(err, &ae) {
				checkAPIError(t, ae, status, body)
			} else if status >= 400 {
				t.Fatalf("%s: HTTP %d gave %T %v, not an APIError", name, status, err, err)
			}
		}
	})
}

// TestParseISODurationLinear: parsing allocates linearly in the input
// (numbers used to be built by string concatenation, quadratic in their
// length). Bytes allocated, not time: four times the input may cost at
// most six times the memory.
func TestParseISODurationLinear(t *testing.T) {
	alloc := func(s string) uint64 {
		best := ^uint64(0)
		for range 3 {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, _ = ParseISODuration(s)
			runtime.ReadMemStats(&after)
			best = min(best, after.TotalAlloc-before.TotalAlloc)
		}
		return best
	}
	for name, shape := range map[string]func(n int) string{
		"long number": func(n int) string { return "PT" + strings.Repeat("1", n) + "S" },
		"fraction":    func(n int) string { return "PT1." + strings.Repeat("5", n) + "S" },
		"many parts":  func(n int) string { return "P" + strings.Repeat("1D", n) },
	} {
		small, large := shape(1000), shape(4000)
		if a, b := alloc(small), alloc(large); b > 6*a+4096 {
			t.Errorf("%s: %d bytes of input allocate %d, %d bytes allocate %d: worse than linear", name, len(small), a, len(large), b)
		}
	}
}
