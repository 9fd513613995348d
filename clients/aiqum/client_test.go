package aiqum

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newTest(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	c, err := New(Options{Endpoint: s.URL, Username: "u", Password: "secret-pw", RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	for _, ep := range []string{"", "ftp://h", "https://u:p@h", "https://h/api", "https://h?x=1"} {
		if _, err := New(Options{Endpoint: ep, Username: "u"}); err == nil {
			t.Errorf("%q accepted", ep)
		}
	}
	if _, err := New(Options{Endpoint: "https://h"}); err == nil {
		t.Error("missing username accepted")
	}
	o := Options{Endpoint: "https://h", Username: "u", Password: "hunter2"}
	for _, s := range []string{fmt.Sprint(o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password printed: %s", s)
		}
	}
}

func TestPagingFollowsNextAndChecksTotals(t *testing.T) {
	cases := []struct {
		name    string
		pages   []string
		want    int
		wantErr string
	}{
		{"two pages", []string{
			`{"records":[{"key":"a"},{"key":"b"}],"num_records":2,"total_records":3,"_links":{"self":{"href":"/api/x"},"next":{"href":"/api/datacenter/cluster/clusters?max_records=2&offset=2"}}}`,
			`{"records":[{"key":"c"}],"num_records":1,"total_records":3,"_links":{"self":{"href":"/api/x"}}}`,
		}, 3, ""},
		{"missing total_records", []string{`{"records":[],"num_records":0,"_links":{}}`}, 0, "total_records"},
		{"missing _links", []string{`{"records":[],"num_records":0,"total_records":0}`}, 0, "_links"},
		{"next without href", []string{`{"records":[{"key":"a"}],"total_records":2,"_links":{"next":{}}}`}, 0, "without href"},
		{"short of the total", []string{`{"records":[{"key":"a"}],"total_records":2,"_links":{"self":"/api/x"}}`}, 0, "total_records is 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n atomic.Int32
			var queries []string
			cl := newTest(t, func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
				if u, p, _ := r.BasicAuth(); u != "u" || p != "secret-pw" {
					w.WriteHeader(401)
					return
				}
				if i >= len(c.pages) {
					w.WriteHeader(500)
					return
				}
				fmt.Fprint(w, c.pages[i])
			})
			got, err := cl.ListClusters(context.Background(), map[string]string{"name": "prod*"})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || len(got) != c.want {
				t.Fatalf("%d records, %v", len(got), err)
			}
			if queries[0] != "/api/v2/datacenter/cluster/clusters?max_records=2&name=prod%2A&offset=0" {
				t.Errorf("first request %s", queries[0])
			}
			if queries[1] != "/api/datacenter/cluster/clusters?max_records=2&offset=2" {
				t.Errorf("next request %s: the link must be followed verbatim", queries[1])
			}
		})
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name     string
		method   string
		statuses []int
		attempts int32
		ok       bool
	}{
		{"GET retries 500", "GET", []int{500, 500, 200}, 3, true},
		{"GET retries 429 and 503", "GET", []int{429, 503, 200}, 3, true},
		{"PATCH does not retry 500", "PATCH", []int{500, 200}, 1, false},
		{"PATCH retries 503", "PATCH", []int{503, 200}, 2, true},
		{"GET does not retry 404", "GET", []int{404, 200}, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n atomic.Int32
			cl := newTest(t, func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				st := c.statuses[min(i, len(c.statuses)-1)]
				w.WriteHeader(st)
				if st == 200 {
					fmt.Fprint(w, `{"key":"e1","current_state":"acknowledged"}`)
				} else {
					fmt.Fprint(w, `{"error":{"code":500,"message":"boom"}}`)
				}
			})
			var err error
			if c.method == "GET" {
				_, err = cl.GetEvent(context.Background(), "e1")
			} else {
				_, err = cl.UpdateEvent(context.Background(), "e1", ActionAcknowledge, "ops")
			}
			if (err == nil) != c.ok {
				t.Fatalf("err %v", err)
			}
			if n.Load() != c.attempts {
				t.Fatalf("%d attempts, want %d", n.Load(), c.attempts)
			}
			if err != nil {
				var ae *APIError
				if !errors.As(err, &ae) || ae.HTTPStatus == 0 || strings.Contains(err.Error(), "secret-pw") {
					t.Fatalf("error %v", err)
				}
			}
		})
	}
}

func TestErrorEnvelopeAndBodies(t *testing.T) {
	var body []byte
	cl := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			b := make([]byte, 512)
			n, _ := r.Body.Read(b)
			body = b[:n]
			fmt.Fprint(w, `{"key":"e1","current_state":"resolved"}`)
			return
		}
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":{"code":"404","message":"entry doesn't exist","target":"key"}}`)
	})
	_, err := cl.GetEvent(context.Background(), "nope")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "404" || ae.Target != "key" || !IsNotFound(err) {
		t.Fatalf("%#v", err)
	}
	for action, want := range map[string]string{
		ActionAcknowledge: `{"acknowledged_username":"ops","current_state":"acknowledged"}`,
		ActionResolve:     `{"current_state":"resolved","resolved_username":"ops"}`,
		ActionAssign:      `{"assigned":{"user":"ops"}}`,
	} {
		if _, err := cl.UpdateEvent(context.Background(), "e1", action, "ops"); err != nil {
			t.Fatal(err)
		}
		if string(body) != want {
			t.Errorf("%s body %s, want %s", action, body, want)
		}
	}
	if _, err := cl.UpdateEvent(context.Background(), "e1", "obsolete", "ops"); err == nil {
		t.Error("unknown action accepted")
	}
	if _, _, err := cl.ListEvents(context.Background(), EventFilter{Name: "a?b"}); err == nil {
		t.Error("a '?' in a filter value must be refused before sending")
	}
	if k, err := JobKeyOf([]byte(`{"job":{"key":"85b6:-44:16e:-6fac","_links":{"self":{"href":"/api/management-server/jobs/x"}}}}`)); err != nil || k != "85b6:-44:16e:-6fac" {
		t.Errorf("job key %q %v", k, err)
	}
}

func TestNonJSONErrorKeepsStatus(t *testing.T) {
	cl := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		fmt.Fprint(w, "<html>forbidden</html>")
	})
	_, err := cl.System(context.Background())
	if StatusOf(err) != 403 || !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("%v", err)
	}
}

func TestWaitJob(t *testing.T) {
	var n atomic.Int32
	cl := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			fmt.Fprint(w, `{"key":"j","state":"running","status":"normal"}`)
		default:
			fmt.Fprint(w, `{"key":"j","state":"completed","status":"error","task_reports":[{"failure_reason":"disk full"}]}`)
		}
	})
	cl.pollMin, cl.pollMax = time.Millisecond, time.Millisecond
	j, err := cl.WaitJob(context.Background(), "j")
	var je *JobError
	if !errors.As(err, &je) || j.Status != "error" || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("%v %+v", err, j)
	}
}
