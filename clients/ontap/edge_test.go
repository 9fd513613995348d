package ontap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
)

const secret = "s3cr3t-Pa55word!"

// backend is a scripted ONTAP: each request gets the next answer.
type backend struct {
	mu      sync.Mutex
	answers []answer
	reqs    []*http.Request
	bodies  []string
	hits    atomic.Int32
}

type answer struct {
	status int
	body   string
	header map[string]string
	hangup bool // close the connection without answering
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	n := int(b.hits.Add(1)) - 1
	b.reqs = append(b.reqs, r)
	b.bodies = append(b.bodies, string(raw))
	a := answer{status: 200, body: "{}"}
	if n < len(b.answers) {
		a = b.answers[n]
	} else if len(b.answers) > 0 {
		a = b.answers[len(b.answers)-1]
	}
	b.mu.Unlock()
	if a.hangup {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/hal+json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func newBackend(t *testing.T, answers ...answer) (*backend, *ontap.Client) {
	t.Helper()
	b := &backend{answers: answers}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	opts := fastOpts(srv.URL, secret)
	opts.RetryMax = 3
	c, err := ontap.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b, c
}

const notFoundBody = `{"error":{"message":"entry doesn't exist","code":"4","target":"uuid"}}`

func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	hr := func(c *ontap.Client) error { _, err := c.GetVolume(ctx, "v1"); return err }
	post := func(c *ontap.Client) error {
		_, err := c.CreateSnapshot(ctx, "v1", ontap.SnapshotCreate{Name: "s"}, ontap.NoWait())
		return err
	}
	patchState := func(c *ontap.Client) error {
		_, err := c.QuiesceSnapmirror(ctx, "r1", ontap.NoWait())
		return err
	}
	restore := func(c *ontap.Client) error {
		_, err := c.RestoreVolume(ctx, "v1", ontap.VolumeRestore{SnapshotName: "s"}, ontap.NoWait())
		return err
	}
	del := func(c *ontap.Client) error { _, err := c.DeleteSnapshot(ctx, "v1", "s1", ontap.NoWait()); return err }
	e503 := answer{status: 503, body: `{"error":{"message":"busy","code":"503"}}`}
	e429 := answer{status: 429, body: `{"error":{"message":"slow down","code":"429"}}`, header: map[string]string{"Retry-After": "0"}}
	ok := answer{status: 200, body: `{"uuid":"v1","name":"vol1"}`}
	accepted := answer{status: 202, body: `{"job":{"uuid":"j1","_links":{"self":{"href":"/api/cluster/jobs/j1"}}}}`}
	cases := []struct {
		name    string
		call    func(*ontap.Client) error
		answers []answer
		hits    int
		wantErr bool
		status  int
	}{
		{"GET 503 then OK", hr, []answer{e503, e503, ok}, 3, false, 0},
		{"GET 429 then OK", hr, []answer{e429, ok}, 2, false, 0},
		{"GET 502 until give up", hr, []answer{{status: 502, body: "<html>bad gateway</html>"}}, 4, true, 502},
		{"GET 500 not retried", hr, []answer{{status: 500, body: `{"error":{"message":"internal","code":"1"}}`}}, 1, true, 500},
		{"GET 404 not retried", hr, []answer{{status: 404, body: notFoundBody}}, 1, true, 404},
		{"GET dropped connection", hr, []answer{{hangup: true}, ok}, 2, false, 0},
		{"POST 503 not retried", post, []answer{e503, accepted}, 1, true, 503},
		{"POST 504 not retried", post, []answer{{status: 504}, accepted}, 1, true, 504},
		{"POST dropped connection not retried", post, []answer{{hangup: true}, accepted}, 1, true, 0},
		{"POST 429 retried", post, []answer{e429, accepted}, 2, false, 0},
		{"restore 503 not retried", restore, []answer{e503, accepted}, 1, true, 503},
		{"PATCH state 503 retried", patchState, []answer{e503, accepted}, 2, false, 0},
		{"PATCH state dropped connection retried", patchState, []answer{{hangup: true}, accepted}, 2, false, 0},
		{"DELETE 503 retried", del, []answer{e503, accepted}, 2, false, 0},
		{"DELETE retried then gone", del, []answer{e503, {status: 404, body: notFoundBody}}, 2, false, 0},
		{"DELETE gone at first", del, []answer{{status: 404, body: notFoundBody}}, 1, true, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, c := newBackend(t, tc.answers...)
			err := tc.call(c)
			if got := int(b.hits.Load()); got != tc.hits {
				t.Errorf("server saw %d requests, want %d", got, tc.hits)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.status != 0 && ontap.HTTPStatus(err) != tc.status {
				t.Errorf("status %d, want %d (%v)", ontap.HTTPStatus(err), tc.status, err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Error("error leaks the password")
			}
		})
	}
}

// logCounter counts retry warnings.
type logCounter struct {
	mu      sync.Mutex
	retries int
	buf     bytes.Buffer
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Message == "ontap request retry" {
		l.retries++
	}
	fmt.Fprintf(&l.buf, "%s %s", r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&l.buf, " %s=%v", a.Key, a.Value); return true })
	l.buf.WriteString("\n")
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

func TestDialErrorRetriedEvenForPOST(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	lc := &logCounter{}
	opts := fastOpts("http://"+addr, secret)
	opts.RetryMax = 2
	opts.Logger = slog.New(lc)
	c, err := ontap.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateSnapshot(context.Background(), "v1", ontap.SnapshotCreate{Name: "s"})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err %v", err)
	}
	if lc.retries != 2 {
		t.Errorf("retries %d, want 2 (a refused connection never reached the server)", lc.retries)
	}
	if strings.Contains(lc.buf.String(), secret) {
		t.Error("log leaks the password")
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	b := &backend{answers: []answer{{status: 503, header: map[string]string{"Retry-After": "5"}}}}
	srv := httptest.NewServer(b)
	defer srv.Close()
	opts := fastOpts(srv.URL, secret)
	opts.RetryWaitMax = 10 * time.Second
	c, _ := ontap.New(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetCluster(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestErrorEnvelope(t *testing.T) {
	cases := []struct {
		name          string
		ans           answer
		code, message string
		target        string
		check         func(error) bool
	}{
		{"string code", answer{status: 404, body: notFoundBody}, "4", "entry doesn't exist", "uuid", ontap.IsNotFound},
		{"numeric code", answer{status: 409, body: `{"error":{"message":"Transfer in progress","code":13303812,"arguments":[{"code":"1","message":"x"}]}}`}, "13303812", "Transfer in progress", "", ontap.IsTransferInProgress},
		{"duplicate", answer{status: 409, body: `{"error":{"message":"duplicate entry","code":"1","target":"name"}}`}, "1", "duplicate entry", "name", ontap.IsAlreadyExists},
		{"rbac", answer{status: 403, body: `{"error":{"message":"not authorized","code":"6"}}`}, "6", "not authorized", "", ontap.IsForbidden},
		{"html", answer{status: 502, body: "<html><body>Bad Gateway</body></html>"}, "", "Bad Gateway: <html><body>Bad Gateway</body></html>", "", ontap.IsRetryable},
		{"empty 401", answer{status: 401, body: ""}, "", "Unauthorized", "", ontap.IsUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newBackend(t, tc.ans)
			_, err := c.GetSnapmirrorRelationship(context.Background(), "r1")
			var ae *ontap.APIError
			if !errors.As(fmt.Errorf("wrapped: %w", err), &ae) {
				t.Fatalf("not an APIError: %v", err)
			}
			if ae.Code != tc.code || ae.Message != tc.message || ae.Target != tc.target || ae.HTTPStatus != tc.ans.status || ae.Method != "GET" || ae.Path != "/api/snapmirror/relationships/r1" {
				t.Errorf("APIError %+v", ae)
			}
			if !tc.check(err) {
				t.Errorf("helper false for %v", err)
			}
		})
	}
}

func TestJobFailureDecoding(t *testing.T) {
	job := `{"uuid":"j1","description":"DELETE /api/storage/volumes/v1/snapshots/s1","state":"failure",
	  "message":"Snapshot copy \"s\" of volume \"v\" on Vserver \"svm\" has not expired or is locked.","code":"1638555",
	  "error":{"code":1638555,"message":"locked"},"start_time":"2021-04-30T07:21:00-04:00","end_time":"2021-04-30T07:21:10-04:00"}`
	b, c := newBackend(t,
		answer{status: 202, body: `{"job":{"uuid":"j1","_links":{"self":{"href":"/api/cluster/jobs/j1"}}}}`},
		answer{status: 200, body: `{"uuid":"j1","state":"queued","message":"Queued","code":0}`},
		answer{status: 200, body: `{"uuid":"j1","state":"running","code":0}`},
		answer{status: 200, body: job},
	)
	var states []string
	res, err := c.DeleteSnapshot(context.Background(), "v1", "s1", ontap.WithProgress(func(p ontap.JobProgress) { states = append(states, p.State) }))
	var je *ontap.JobError
	if !errors.As(err, &je) || je.Job.Code != 1638555 || je.Job.Error.Code != "1638555" || !ontap.IsBusy(err) {
		t.Fatalf("err %v", err)
	}
	if res == nil || res.Job == nil || res.Job.EndTime.Sub(res.Job.StartTime) != 10*time.Second {
		t.Errorf("result %+v", res)
	}
	if strings.Join(states, ",") != "queued,running,failure" {
		t.Errorf("progress %v", states)
	}
	if b.reqs[1].URL.Path != "/api/cluster/jobs/j1" || !strings.Contains(b.reqs[1].URL.RawQuery, "fields=") {
		t.Errorf("poll request %s", b.reqs[1].URL)
	}
	// A purged job: not found.
	_, c = newBackend(t, answer{status: 202, body: `{"job":{"uuid":"j2"}}`}, answer{status: 404, body: notFoundBody})
	if _, err := c.DeleteSnapshot(context.Background(), "v1", "s1"); !ontap.IsNotFound(err) {
		t.Errorf("purged job: %v", err)
	}
}

func TestWireRequests(t *testing.T) {
	ctx := context.Background()
	b, c := newBackend(t)
	_, _ = c.RestoreVolume(ctx, "v1", ontap.VolumeRestore{SnapshotName: "daily.2024-01-01_0010", Force: true})
	_, _ = c.RestoreFile(ctx, "v1", ontap.FileRestore{SnapshotName: "s", Path: "/dir/a.txt", RestorePath: "/dir/a.restored.txt"})
	_, _ = c.CloneVolume(ctx, ontap.CloneRequest{Name: "c1", SVMName: "svm1", ParentVolumeName: "vol1", ParentSnapshotName: "snap1"})
	_, _ = c.ListSnapshotFiles(ctx, "v1", "hourly.2025-01-01_0105", "/dir/sub", nil)
	_, _ = c.SetVolumeSnapshotPolicy(ctx, "v1", "default")
	_, _ = c.ListEMSEvents(ctx, ontap.EMSFilter{DataProtection: true, Since: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Severities: []string{"error", "alert"}})
	_, _ = c.BreakSnapmirror(ctx, "r1", "snap1")
	_, _ = c.UpdateSnapmirror(ctx, "r1", ontap.TransferRequest{SourceSnapshot: "s1"})
	if len(b.reqs) != 8 {
		t.Fatalf("requests %d", len(b.reqs))
	}
	checks := []struct {
		method, path string
		query        []string
		body         string
	}{
		{"PATCH", "/api/storage/volumes/v1", []string{"restore_to.snapshot.name=daily.2024-01-01_0010", "restore_to.snapshot.force=true"}, ""},
		{"PATCH", "/api/storage/volumes/v1", []string{"restore_to.path=%2Fdir%2Fa.txt", "restore_to.restore_path=%2Fdir%2Fa.restored.txt", "restore_to.snapshot.name=s"}, ""},
		{"POST", "/api/storage/volumes", []string{"return_records=true"}, `{"clone":{"is_flexclone":true,"parent_snapshot":{"name":"snap1"},"parent_volume":{"name":"vol1"}},"name":"c1","svm":{"name":"svm1"}}`},
		{"GET", "/api/storage/volumes/v1/files/%2Esnapshot%2Fhourly%2E2025-01-01_0105%2Fdir%2Fsub", []string{"fields="}, ""},
		{"PATCH", "/api/storage/volumes/v1", nil, `{"snapshot_policy":{"name":"default"}}`},
		{"GET", "/api/support/ems/events", []string{"message.name=sms.%2A%7Csmc.%2A", "message.severity=error%7Calert", "time=%3E%3D2024-05-01T00%3A00%3A00Z", "order_by=time+desc"}, ""},
		{"PATCH", "/api/snapmirror/relationships/r1", nil, `{"restore_to_snapshot":"snap1","state":"broken_off"}`},
		{"POST", "/api/snapmirror/relationships/r1/transfers", []string{"return_records=true"}, `{"source_snapshot":"s1"}`},
	}
	for i, ck := range checks {
		r := b.reqs[i]
		if r.Method != ck.method || r.URL.EscapedPath() != ck.path {
			t.Errorf("%d: %s %s, want %s %s", i, r.Method, r.URL.EscapedPath(), ck.method, ck.path)
		}
		for _, q := range ck.query {
			if !strings.Contains(r.URL.RawQuery, q) {
				t.Errorf("%d: query %q lacks %q", i, r.URL.RawQuery, q)
			}
		}
		if ck.body != "" && strings.TrimSpace(b.bodies[i]) != ck.body {
			t.Errorf("%d: body %s, want %s", i, b.bodies[i], ck.body)
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != secret {
			t.Errorf("%d: basic auth missing", i)
		}
		wantAccept := "application/hal+json" // writes: the job link comes as HAL
		if ck.method == "GET" {
			wantAccept = "application/json" // reads: no HAL links but next
		}
		if r.Header.Get("Accept") != wantAccept {
			t.Errorf("%d: Accept %q, want %q", i, r.Header.Get("Accept"), wantAccept)
		}
	}
}

func TestPaginationEdges(t *testing.T) {
	page := func(n int, next string) answer {
		recs := []string{}
		for i := 0; i < 2; i++ {
			recs = append(recs, fmt.Sprintf(`{"uuid":"u%d","name":"vol%d"}`, n*2+i, n*2+i))
		}
		links := `"_links":{"self":{"href":"/api/storage/volumes"}}`
		if next != "" {
			links = `"_links":{"self":{"href":"/api/storage/volumes"},"next":{"href":"` + next + `"}}`
		}
		return answer{status: 200, body: `{"records":[` + strings.Join(recs, ",") + `],"num_records":2,` + links + `}`}
	}
	ctx := context.Background()
	// Next links are followed verbatim.
	b, c := newBackend(t, page(0, "/api/storage/volumes?start.uuid=u2&fields=name&max_records=2"), page(1, "/api/storage/volumes?start.uuid=u4&fields=name&max_records=2"), page(2, ""))
	vols, err := c.ListVolumes(ctx, &ontap.ListOptions{MaxRecords: 2, Fields: []string{"name"}})
	if err != nil || len(vols) != 6 || vols[5].Name != "vol5" {
		t.Fatalf("vols %v %v", vols, err)
	}
	if got := b.reqs[1].URL.RawQuery; got != "start.uuid=u2&fields=name&max_records=2" {
		t.Errorf("second page query %q", got)
	}
	// Limit stops early.
	b, c = newBackend(t, page(0, "/api/storage/volumes?start.uuid=u2"), page(1, "/api/storage/volumes?start.uuid=u4"), page(2, ""))
	vols, err = c.ListVolumes(ctx, &ontap.ListOptions{Limit: 3})
	if err != nil || len(vols) != 3 || b.hits.Load() != 2 {
		t.Errorf("limit: %d records, %d requests, %v", len(vols), b.hits.Load(), err)
	}
	if !strings.Contains(b.reqs[0].URL.RawQuery, "max_records=3") {
		t.Errorf("limit sets max_records: %s", b.reqs[0].URL.RawQuery)
	}
	// A looping next link is an error, not a hang.
	_, c = newBackend(t, page(0, "/api/storage/volumes?start.uuid=u2"), page(1, "/api/storage/volumes?start.uuid=u2"))
	if _, err := c.ListVolumes(ctx, nil); err == nil || !strings.Contains(err.Error(), "loops") {
		t.Errorf("loop: %v", err)
	}
	// Walk page by page.
	_, c = newBackend(t, page(0, "/api/storage/volumes?start.uuid=u2"), page(1, ""))
	var sizes []int
	err = ontap.Walk(ctx, c, "/storage/volumes", nil, func(recs []ontap.Volume) error { sizes = append(sizes, len(recs)); return nil })
	if err != nil || len(sizes) != 2 {
		t.Errorf("walk %v %v", sizes, err)
	}
}

func TestTransferWaitFallsBackToRelationship(t *testing.T) {
	_, c := newBackend(t,
		answer{status: 200, body: `{"uuid":"t1","state":"transferring","bytes_transferred":4096}`},
		answer{status: 404, body: notFoundBody},
		answer{status: 200, body: `{"uuid":"r1","transfer":{"state":"failed","type":"update","end_time":"2024-05-01T00:05:40+00:00"},"unhealthy_reason":[{"code":6619546,"message":"Transfer failed.","arguments":[]}]}`},
	)
	tr, err := c.WaitSnapmirrorTransfer(context.Background(), "r1", "t1", nil)
	var te *ontap.TransferError
	if !errors.As(err, &te) || tr.State != "failed" || tr.ErrorInfo.Code != 6619546 || ontap.ErrorCode(err) != "6619546" {
		t.Errorf("fallback: %+v %v", tr, err)
	}
}

func TestMaxConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(3 * time.Millisecond)
		inFlight.Add(-1)
		_, _ = io.WriteString(w, `{"records":[],"num_records":0}`)
	}))
	defer srv.Close()
	opts := fastOpts(srv.URL, secret)
	opts.MaxConcurrency = 2
	c, _ := ontap.New(opts)
	uuids := make([]string, 12)
	for i := range uuids {
		uuids[i] = fmt.Sprintf("v%d", i)
	}
	if _, err := c.ListSnapshotsForVolumes(context.Background(), uuids, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.ListSVMs(context.Background(), nil) }()
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak concurrency %d, want <= 2", p)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	opts := ontap.Options{Endpoint: "https://cluster1.example.com", Username: "admin", Password: secret}
	c, err := ontap.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		out = append(out, fmt.Sprintf(verb, opts), fmt.Sprintf(verb, &opts), fmt.Sprintf(verb, c))
	}
	var logBuf bytes.Buffer
	lg := slog.New(slog.NewJSONHandler(&logBuf, nil))
	lg.Info("config", "opts", opts, "client", c)
	out = append(out, logBuf.String())
	raw, _ := json.Marshal(opts)
	out = append(out, string(raw))
	for _, s := range out {
		if strings.Contains(s, secret) {
			t.Errorf("password leaked: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprint(opts), "cluster1.example.com") || !strings.Contains(logBuf.String(), "cluster1.example.com") {
		t.Error("redacted forms should still name the endpoint")
	}
	for _, bad := range []string{"https://admin:" + secret + "@cluster1", "ftp://x", "https://x/api", ""} {
		if _, err := ontap.New(ontap.Options{Endpoint: bad, Username: "admin", Password: secret}); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("endpoint %q: %v", strings.ReplaceAll(bad, secret, "***"), err)
		}
	}
}

func TestISODurations(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT8H35M42S", 8*time.Hour + 35*time.Minute + 42*time.Second, true},
		{"P2DT3H", 51 * time.Hour, true},
		{"P2DT", 48 * time.Hour, true},
		{"PT0S", 0, true},
		{"P30D", 30 * 24 * time.Hour, true},
		{"P1W", 7 * 24 * time.Hour, true},
		{"PT1.5S", 1500 * time.Millisecond, true},
		{"P1Y", 365 * 24 * time.Hour, true},
		{"PT", 0, true},
		{"", 0, false},
		{"P", 0, false},
		{"8h", 0, false},
		{"PT5X", 0, false},
		{"P1H", 0, false},
	}
	for _, tc := range cases {
		got, err := ontap.ParseISODuration(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%q: %v %v", tc.in, got, err)
		}
	}
	for d, want := range map[time.Duration]ontap.ISODuration{
		0: "PT0S", 45 * time.Second: "PT45S", 26*time.Hour + 5*time.Minute + 12*time.Second: "P1DT2H5M12S",
		48 * time.Hour: "P2D", 3*time.Hour + 21*time.Second: "PT3H21S",
	} {
		if got := ontap.FormatISODuration(d); got != want {
			t.Errorf("format %v = %s, want %s", d, got, want)
		}
		if back, _ := want.Duration(); back != d {
			t.Errorf("round trip %s = %v", want, back)
		}
	}
}
