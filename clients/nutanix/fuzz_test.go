package nutanix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// Wire samples of Prism Central v4 answers (shapes from the reference),
// used as seeds.
var wireSamples = []string{
	`{"data":{"$objectType":"dataprotection.v4.error.ErrorResponse","error":[{"code":"DP-40401","errorGroup":"ENTITY_NOT_FOUND","message":"Recovery point x was not found.","severity":"ERROR","locale":"en_US","argumentsMap":{"extId":"x"}}]},"$objectType":"dataprotection.v4.error.ErrorResponse"}`,
	`{"data":{"error":{"error":"Bad Request","statusCode":400,"validationErrorMessages":[{"attributePath":"expirationTime","message":"must be a date-time"}]}}}`,
	`{"data":[{"extId":"4b0c3d2e-1f5a-4c8e-9a1b-2c3d4e5f6a7b","name":"db01-daily","creationTime":"2026-11-19T22:00:00Z","expirationTime":"2026-12-03T22:00:00Z","status":"COMPLETE","recoveryPointType":"CRASH_CONSISTENT","vmRecoveryPoints":[{"extId":"v1","vmExtId":"vm-1"}],"$reserved":{"ETag":"abc"}}],"metadata":{"totalAvailableResults":1,"links":[{"href":"https://pc:9440/api/dataprotection/v4.0/config/recovery-points?$page=0","rel":"self"}],"flags":[{"name":"isPaginated","value":true}]},"$objectType":"dataprotection.v4.config.RecoveryPoint"}`,
	`{"data":{"extId":"ZXJnb24=:4f1b2c3d","operation":"CreateRecoveryPoint","status":"SUCCEEDED","progressPercentage":100,"entitiesAffected":[{"extId":"rp-1","rel":"dataprotection:config:recovery-point"}],"completionDetails":[{"name":"recoveryPointExtId","value":"rp-1"},{"name":"vmExtIds","value":"a, b,,c"}]}}`,
	`{"data":{"extId":"t2","status":"FAILED","errorMessages":[{"code":"DP-50001","message":"Failed to create recovery point"}],"legacyErrorMessage":"legacy"}}`,
	`{"data":{"extId":"pp1","name":"gold","replicationLocations":[{"label":"src","isPrimary":true},{"label":"dst","domainManagerExtId":"pc-dr","replicationSubLocation":{"clusterExtIds":["c2"]}}],"replicationConfigurations":[{"sourceLocationLabel":"src","remoteLocationLabel":"dst","schedule":{"recoveryPointType":"CRASH_CONSISTENT","recoveryPointObjectiveTimeSeconds":3600,"retention":{"$objectType":"datapolicies.v4.config.LinearRetention","local":7,"remote":3}}}]}}`,
	`{"data":{"replicationConfigurations":[{"schedule":{"recoveryPointObjectiveTimeSeconds":86400,"retention":{"$objectType":"datapolicies.v4.config.AutoRollupRetention","local":{"snapshotIntervalType":"DAILY","frequency":7}}}}]}}`,
	`{"data":[],"metadata":{"totalAvailableResults":9223372036854775807}}`,
	`{"data":[{"extId":"a"}],"metadata":{"totalAvailableResults":1000000000000}}`,
	`{"data":{"extId":"x"},"$reserved":{"ETag":"e"}}`, `{"data":null}`, `{}`, ``, `not json`, `<html>`,
}

// checkAPIError holds for every error answer: a bounded, valid UTF-8
// message that says something.
func checkAPIError(t *testing.T, e *APIError, status int, body []byte) {
	t.Helper()
	if strings.TrimSpace(e.Message) == "" {
		t.Fatalf("HTTP %d %q: error without a message", status, body)
	}
	if !utf8.ValidString(e.Message) || !utf8.ValidString(e.Code) || !utf8.ValidString(e.ErrorGroup) {
		t.Fatalf("HTTP %d %q: invalid UTF-8 in %+v", status, body, e)
	}
	if len(e.Message) > maxErrorMessage+8 || len(e.Messages) > maxErrorMessages || len(e.Error()) > 4*maxErrorMessage {
		t.Fatalf("HTTP %d: error of %d bytes (%d messages) from a %d-byte answer", status, len(e.Error()), len(e.Messages), len(body))
	}
}

// FuzzParseAPIError: any error answer becomes an APIError with a message;
// the code and group are Prism Central's first message's when it sent one.
func FuzzParseAPIError(f *testing.F) {
	for _, s := range wireSamples {
		f.Add(404, []byte(s))
	}
	f.Add(400, []byte(`{"data":{"error":[{"message":"`+strings.Repeat("ü", 2000)+`"}]}}`))
	f.Add(503, []byte(strings.Repeat("upstream ", 100)))
	f.Add(409, []byte("caf\xc3"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		status = 400 + abs(status)%200
		resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"3"}}}
		e := parseAPIError(http.MethodGet, "/api/x", "rid", resp, body)
		checkAPIError(t, e, status, body)
		var env struct {
			Data struct {
				Error []AppMessage `json:"error"`
			} `json:"data"`
		}
		if json.Unmarshal(body, &env) == nil && len(env.Data.Error) > 0 {
			first := env.Data.Error[0]
			if utf8.ValidString(first.Code) && len(first.Code) <= 64 && e.Code != first.Code {
				t.Fatalf("%s: code %q read as %q", body, first.Code, e.Code)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n {
			return 0
		}
		return -n
	}
	return n
}

// FuzzBackoff: whatever Retry-After says (seconds, an HTTP date, junk, a
// number too large for a Duration), the wait is between zero and the cap.
func FuzzBackoff(f *testing.F) {
	for _, s := range []string{"7", "0", "-3", "99999", "9223372036854775807", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT",
		"Mon, 02 Jan 2006 15:04:05 GMT", "soon", "", " 5 "} {
		f.Add(429, 0, s)
		f.Add(503, 3, s)
	}
	f.Fuzz(func(t *testing.T, status, attempt int, retryAfter string) {
		resp := &http.Response{StatusCode: 400 + abs(status)%200, Header: http.Header{"Retry-After": {retryAfter}}}
		d := backoff(100*time.Millisecond, time.Second, abs(attempt)%1000, resp)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("backoff with Retry-After %q = %v", retryAfter, d)
		}
	})
}

// FuzzDecodeModels: any JSON decodes into each entity or is an error; what
// decodes re-encodes to a fixed point, and the helpers that read decoded
// entities neither panic nor invent negative durations and sizes.
func FuzzDecodeModels(f *testing.F) {
	for _, s := range wireSamples {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"replicationConfigurations":[{"schedule":{"recoveryPointObjectiveTimeSeconds":9223372036854775807}}]}`))
	f.Add([]byte(`{"disks":[{"diskSizeBytes":9223372036854775807},{"diskSizeBytes":9223372036854775807}]}`))
	check := func(t *testing.T, v any) {
		switch x := v.(type) {
		case *ProtectionPolicy:
			if rpo := x.RPO(); rpo < 0 {
				t.Fatalf("negative RPO %v from %+v", rpo, x.ReplicationConfigurations)
			}
			_ = x.RemoteLocations()
		case *Task:
			_, _, _, _ = x.RecoveryPointExtID(), x.VMExtIDs(), x.VolumeGroupExtIDs(), x.Done()
			_ = progressOf(x)
			_ = (&TaskError{Task: x, Status: x.Status, Messages: x.ErrorMessages}).Error()
		case *RecoveryPoint:
			_, _ = x.ClusterExtIDs(), x.Expires()
		case *VM:
			_, _ = x.ClusterExtID(), x.ProtectionPolicyExtID()
			if x.DiskBytes() < 0 {
				t.Fatalf("negative disk bytes from %+v", x)
			}
		case *Cluster:
			_, _ = x.IsPrismCentral(), x.Version()
		case *DomainManager:
			_ = x.Name()
		}
	}
	types := []func() any{
		func() any { return &RecoveryPoint{} }, func() any { return &Task{} }, func() any { return &ProtectionPolicy{} },
		func() any { return &VM{} }, func() any { return &VolumeGroup{} }, func() any { return &Cluster{} },
		func() any { return &DomainManager{} }, func() any { return &envelope{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var env envelope
		datas := [][]byte{body}
		if json.Unmarshal(body, &env) == nil && len(env.Data) > 0 {
			datas = append(datas, env.Data)
		}
		for _, data := range datas {
			for _, newV := range types {
				v := newV()
				if json.Unmarshal(data, v) != nil {
					continue
				}
				check(t, v)
				once, err := json.Marshal(v)
				if err != nil {
					t.Fatalf("%T from %s does not encode: %v", v, data, err)
				}
				w := newV()
				if err := json.Unmarshal(once, w); err != nil {
					t.Fatalf("%T: %s re-encodes as %s, which does not decode: %v", v, data, once, err)
				}
				if twice, _ := json.Marshal(w); !bytes.Equal(once, twice) {
					t.Fatalf("%T: %s re-encodes as %s, then as %s", v, data, once, twice)
				}
			}
		}
	})
}

// FuzzClientAnswers puts the client in front of a Prism Central that
// answers every request with the same status and body: every call ends
// (no hang, no panic, no allocation sized by a bogus total), errors say
// what went wrong, and credentials never show.
func FuzzClientAnswers(f *testing.F) {
	for _, s := range wireSamples {
		f.Add(200, []byte(s))
	}
	f.Add(404, []byte(wireSamples[0]))
	f.Add(202, []byte(`{"data":{"extId":"task-1"}}`))
	type answer struct {
		status int
		body   []byte
	}
	var current atomic.Pointer[answer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := current.Load()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, Username: "admin", Password: "secret-pw", RetryMax: -1,
		PollInterval: time.Millisecond, PollMaxInterval: time.Millisecond, MaxConcurrency: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, st int, body []byte) {
		status := st
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
			"GetRecoveryPoint":          func() error { _, err := c.GetRecoveryPoint(ctx, "rp-1"); return err },
			"ListAllRecoveryPoints":     func() error { _, err := c.ListAllRecoveryPoints(ctx, ListOptions{Limit: 100}); return err },
			"ListVMs":                   func() error { _, err := c.ListVMs(ctx, ListOptions{Limit: 10}); return err },
			"GetTask":                   func() error { _, err := c.GetTask(ctx, "task-1"); return err },
			"DeleteRecoveryPoint":       func() error { _, err := c.DeleteRecoveryPoint(ctx, "rp-1", Mutation{IfMatch: "e"}); return err },
			"ListAllProtectionPolicies": func() error { _, err := c.ListAllProtectionPolicies(ctx, ListOptions{}); return err },
		}
		for name, call := range calls {
			err := call()
			if ctx.Err() != nil {
				t.Fatalf("%s against HTTP %d %q did not end in time", name, status, body)
			}
			if err == nil {
				if status >= 300 {
					t.Fatalf("%s: HTTP %d accepted as success", name, status)
				}
				continue
			}
			if strings.Contains(err.Error(), "secret-pw") {
				t.Fatalf("%s: error shows the password: %v", name, err)
			}
			var ae *APIError
			if errors.As(err, &ae) {
				checkAPIError(t, ae, ae.HTTPStatus, body)
			} else if status >= 300 {
				t.Fatalf("%s: HTTP %d gave %T %v, not an APIError", name, status, err, err)
			}
		}
	})
}
