package nutanix

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	now := time.Now()
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		want    time.Duration
	}{
		{"first", 0, nil, 100 * time.Millisecond},
		{"second", 1, resp(502, ""), 200 * time.Millisecond},
		{"capped", 10, resp(504, ""), time.Second},
		{"huge attempt", 500, nil, time.Second},
		{"429 seconds", 0, resp(429, "7"), 7 * time.Second},
		{"503 seconds", 3, resp(503, "2"), 2 * time.Second},
		{"429 zero", 2, resp(429, "0"), 0},
		{"429 date", 0, resp(429, now.Add(30*time.Second).UTC().Format(http.TimeFormat)), 30 * time.Second},
		{"429 past date", 0, resp(429, now.Add(-time.Hour).UTC().Format(http.TimeFormat)), 0},
		{"429 garbage", 1, resp(429, "soon"), 200 * time.Millisecond},
		{"429 negative", 0, resp(429, "-3"), 100 * time.Millisecond},
		{"429 absurd", 0, resp(429, "99999"), maxRetryAfter},
		{"502 ignores Retry-After", 0, resp(502, "9"), 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backoff(100*time.Millisecond, time.Second, tt.attempt, tt.resp)
			if d := got - tt.want; d < -2*time.Second || d > 2*time.Second || (tt.want < time.Second && got != tt.want) {
				t.Fatalf("backoff = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseAPIError(t *testing.T) {
	tests := []struct {
		name, body           string
		status               int
		code, group, message string
	}{
		{"app messages", `{"data":{"$objectType":"dataprotection.v4.error.ErrorResponse","error":[{"code":"DP-40401","errorGroup":"ENTITY_NOT_FOUND","message":"Recovery point x was not found.","severity":"ERROR"},{"message":"second"}]}}`,
			404, "DP-40401", "ENTITY_NOT_FOUND", "Recovery point x was not found."},
		{"schema validation", `{"data":{"error":{"error":"Bad Request","statusCode":400,"validationErrorMessages":[{"attributePath":"expirationTime","message":"must be a date-time"}]}}}`,
			400, "", "SCHEMA_VALIDATION", "Bad Request; expirationTime: must be a date-time"},
		{"plain text", "upstream connect error", 503, "", "", "upstream connect error"},
		{"html", "<html><body>Bad gateway</body></html>", 502, "", "", "Bad Gateway"},
		{"empty", "", 401, "", "", "Unauthorized"},
		{"no messages", `{"data":{"$objectType":"vmm.v4.error.ErrorResponse","error":[]}}`, 409, "", "", "Conflict"},
		{"unknown status", "", 599, "", "", "HTTP 599"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseAPIError("GET", "/api/x", "rid", &http.Response{StatusCode: tt.status, Header: http.Header{}}, []byte(tt.body))
			if e.HTTPStatus != tt.status || e.Code != tt.code || e.ErrorGroup != tt.group || e.Message != tt.message {
				t.Fatalf("got %+v", e)
			}
			if !strings.Contains(e.Error(), http.StatusText(tt.status)) || !strings.Contains(e.Error(), "/api/x") {
				t.Fatalf("Error() = %q", e.Error())
			}
		})
	}
}

func TestNewRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newRequestID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsAny(id[19:20], "89ab") || seen[id] {
			t.Fatalf("bad or repeated request id %q", id)
		}
		seen[id] = true
	}
}

func TestNICBody(t *testing.T) {
	read := `{"$objectType":"vmm.v4.ahv.config.Nic","$reserved":{"ETag":"x"},"extId":"n1","links":[{"href":"h"}],
"backingInfo":{"$objectType":"vmm.v4.ahv.config.EmulatedNic","isConnected":true,"macAddress":"50:6b:8d:00:00:01","model":"VIRTIO","numQueues":2},
"networkInfo":{"$objectType":"vmm.v4.ahv.config.NicNetworkInfo","subnet":{"extId":"s-prod"},"ipv4Config":{"ipAddress":{"value":"10.0.0.5"}},"vlanMode":"ACCESS","trunkedVlans":[1,2]},
"nicNetworkInfo":{"$objectType":"vmm.v4.ahv.config.VirtualEthernetNicNetworkInfo","subnet":{"extId":"s-prod"},"ipv4Config":{"ipAddress":{"value":"10.0.0.5"}}}}`
	tests := []struct {
		name       string
		in         string
		ch         NICChange
		want       []string // substrings of the body
		notWant    []string
		wantSubnet string
		wantConn   bool
	}{
		{name: "move drops the old address, keeps the rest",
			in: read, ch: NICChange{SubnetExtID: "s-iso", Connected: true},
			want:    []string{`"extId":"s-iso"`, `"numQueues":2`, `"trunkedVlans":[1,2]`, `"model":"VIRTIO"`, `"isConnected":true`},
			notWant: []string{"s-prod", "10.0.0.5", `"$reserved"`, `"links"`}, wantSubnet: "s-prod", wantConn: true},
		{name: "disconnect keeps the subnet and address",
			in: read, ch: NICChange{Connected: false},
			want:    []string{`"extId":"s-prod"`, `"isConnected":false`, "10.0.0.5"},
			notWant: []string{`"isConnected":true`}, wantSubnet: "s-prod", wantConn: true},
		{name: "a NIC without backing or network gets both",
			in: `{"extId":"n2","backingInfo":{"isConnected":false}}`, ch: NICChange{SubnetExtID: "s-iso"},
			want:     []string{`"networkInfo":{"$objectType":"vmm.v4.ahv.config.NicNetworkInfo","subnet":{"$objectType":"vmm.v4.ahv.config.SubnetReference","extId":"s-iso"}}`, `"isConnected":false`},
			wantConn: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n NIC
			if err := n.UnmarshalJSON([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if n.SubnetExtID != tt.wantSubnet || n.Connected != tt.wantConn {
				t.Fatalf("read %+v", n)
			}
			b, err := n.body(tt.ch)
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(b)
			for _, w := range tt.want {
				if !strings.Contains(string(js), w) {
					t.Errorf("body lacks %s: %s", w, js)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(js), w) {
					t.Errorf("body has %s: %s", w, js)
				}
			}
			if again, _ := json.Marshal(n); !strings.Contains(string(again), `"extId":"n`) {
				t.Errorf("the read NIC changed: %s", again)
			}
		})
	}
	if _, err := (&NIC{ExtID: "n"}).body(NICChange{}); err == nil {
		t.Error("a NIC not read from Prism Central made a body")
	}
}
