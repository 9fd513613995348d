package vendors_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors/aiqum"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors/ontap"
)

// named is a kind with only a name (the rest is nutanix's).
type named struct {
	nutanix.Kind
	name string
}

func (n named) Name() string { return n.name }

func TestNewRegistry(t *testing.T) {
	cases := []struct {
		name    string
		kinds   []vendors.Kind
		want    string
		wantErr bool
	}{
		{"built-ins in order", []vendors.Kind{nutanix.Kind{}, ontap.Kind{}, aiqum.Kind{}}, "nutanix,ontap,aiqum", false},
		{"empty", nil, "", false},
		{"duplicate", []vendors.Kind{ontap.Kind{}, named{name: "ontap"}}, "", true},
		{"upper case", []vendors.Kind{named{name: "Vault"}}, "", true},
		{"no name", []vendors.Kind{named{}}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := vendors.NewRegistry(c.kinds...)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want error %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if got := strings.Join(r.Names(), ","); got != c.want {
				t.Errorf("names %q, want %q", got, c.want)
			}
			if len(r.Config()) != len(c.kinds) {
				t.Errorf("%d config kinds", len(r.Config()))
			}
			if _, ok := r.Kind("nutanix"); ok != strings.Contains(c.want, "nutanix") {
				t.Errorf("Kind(nutanix) found %v", ok)
			}
		})
	}
}

// TestConfigRules checks each built-in kind's own configuration rules.
func TestConfigRules(t *testing.T) {
	cases := []struct {
		name             string
		kind             config.Kind
		target           config.Target
		port             int
		version          string
		wantKey, wantMsg string
		wantEnv          string
	}{
		{"nutanix defaults", nutanix.Kind{}, config.Target{}, 9440, "v4.0", "", "", "NUTANIX_"},
		{"nutanix keeps its port", nutanix.Kind{}, config.Target{Port: 9441, APIVersion: "v4.1"}, 9441, "v4.1", "", "", "NUTANIX_"},
		{"nutanix bad version", nutanix.Kind{}, config.Target{APIVersion: "v3"}, 9440, "v3", "api_version", `"v3": want v4.0`, "NUTANIX_"},
		{"ontap takes the common port", ontap.Kind{}, config.Target{}, 0, "", "", "", "ONTAP_"},
		{"ontap has no api_version", ontap.Kind{}, config.Target{APIVersion: "v4.0"}, 0, "v4.0", "api_version", "applies to nutanix targets only", "ONTAP_"},
		{"aiqum has no quick configuration", aiqum.Kind{}, config.Target{}, 0, "", "", "", ""},
		{"aiqum has no api_version", aiqum.Kind{}, config.Target{APIVersion: "v1"}, 0, "v1", "api_version", "applies to nutanix targets only", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := c.target
			c.kind.ApplyDefaults(&tg)
			if tg.Port != c.port || tg.APIVersion != c.version {
				t.Errorf("defaults: port %d version %q, want %d %q", tg.Port, tg.APIVersion, c.port, c.version)
			}
			key, msg := c.kind.Validate(tg)
			if key != c.wantKey || !strings.Contains(msg, c.wantMsg) || (c.wantMsg == "") != (msg == "") {
				t.Errorf("Validate = %q %q, want %q %q", key, msg, c.wantKey, c.wantMsg)
			}
			if c.kind.EnvPrefix() != c.wantEnv {
				t.Errorf("env prefix %q", c.kind.EnvPrefix())
			}
		})
	}
}

// TestProbes checks each built-in kind's probe request and how it reads
// the answer.
func TestProbes(t *testing.T) {
	base := config.Target{Name: "t", Host: "h", Port: 443, Username: "u", Password: config.NewSecret("pw"), APIVersion: "v4.0"}
	withKey := base
	withKey.APIKey = config.NewSecret("key")
	via := base
	via.Via, via.ClusterUUID, via.APIVersion = "um", "c-1", ""
	cases := []struct {
		name   string
		kind   vendors.Kind
		target config.Target
		path   string
		apiKey bool
		status int
		body   string
		want   vendors.ProbeAnswer
	}{
		{"nutanix", nutanix.Kind{}, base, "/api/clustermgmt/v4.0/config/clusters?$limit=1", false, 200, `{}`,
			vendors.ProbeAnswer{Product: "Nutanix Prism Central", APIVersion: "v4.0"}},
		{"nutanix api key", nutanix.Kind{}, withKey, "/api/clustermgmt/v4.0/config/clusters?$limit=1", true, 200, `{}`,
			vendors.ProbeAnswer{Product: "Nutanix Prism Central", APIVersion: "v4.0"}},
		{"nutanix without the version", nutanix.Kind{}, base, "/api/clustermgmt/v4.0/config/clusters?$limit=1", false, 404, ``,
			vendors.ProbeAnswer{Error: "HTTP 404: this Prism Central does not serve API version v4.0; set api_version"}},
		{"ontap", ontap.Kind{}, base, "/api/cluster?fields=version,name", false, 200, `{"version":{"full":"NetApp Release 9.15.1"}}`,
			vendors.ProbeAnswer{Product: "NetApp ONTAP", APIVersion: "NetApp Release 9.15.1"}},
		{"ontap through an AIQUM", ontap.Kind{}, via, "/api/gateways/c-1/cluster?fields=version,name", false, 200, `{"version":{"full":"9.14"}}`,
			vendors.ProbeAnswer{Product: "NetApp ONTAP via AIQUM um", APIVersion: "9.14"}},
		{"ontap error left to the caller", ontap.Kind{}, base, "/api/cluster?fields=version,name", false, 500, `{}`, vendors.ProbeAnswer{}},
		{"aiqum", aiqum.Kind{}, base, "/api/v2/management-server/system", false, 200, `{"product":"Active IQ Unified Manager","version":"9.16"}`,
			vendors.ProbeAnswer{Product: "Active IQ Unified Manager", APIVersion: "9.16"}},
		{"aiqum without a product", aiqum.Kind{}, base, "/api/v2/management-server/system", false, 200, `{}`,
			vendors.ProbeAnswer{Product: "Active IQ Unified Manager"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := c.kind.ProbeRequest(context.Background(), c.target)
			if err != nil {
				t.Fatal(err)
			}
			if got := req.URL.RequestURI(); got != c.path || req.URL.Host != "h:443" {
				t.Errorf("probe %s on %s, want %s", got, req.URL.Host, c.path)
			}
			_, _, basic := req.BasicAuth()
			if key := req.Header.Get("X-ntnx-api-key"); (key == "key") != c.apiKey || basic == c.apiKey {
				t.Errorf("auth: api key %q, basic %v", key, basic)
			}
			if got := c.kind.ProbeResult(c.target, c.status, []byte(c.body)); got != c.want {
				t.Errorf("result %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParallel(t *testing.T) {
	first, second := errors.New("first"), errors.New("second")
	cases := []struct {
		name string
		errs []error
		want error
	}{
		{"none", []error{nil, nil}, nil},
		{"first in argument order", []error{nil, first, second}, first},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fns []func() error
			ran := make([]bool, len(c.errs))
			for i, e := range c.errs {
				fns = append(fns, func() error { ran[i] = true; return e })
			}
			if got := vendors.Parallel(fns...); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			for i, r := range ran {
				if !r {
					t.Errorf("fn %d did not run", i)
				}
			}
		})
	}
}

// TestClientOf: a kind gets its own client type back; another kind's
// client, or a failed get, is an error naming the target.
func TestClientOf(t *testing.T) {
	type mine struct{ n int }
	type theirs struct{}
	tg := config.Target{Name: "pc-1"}
	boom := errors.New("no client: bad TLS")
	cases := []struct {
		name    string
		c       any
		getErr  error
		want    int
		wantErr string
	}{
		{"its own type", &mine{7}, nil, 7, ""},
		{"another kind's client", &theirs{}, nil, 0, "target pc-1: not a mine client"},
		{"nil", nil, nil, 0, "target pc-1: not a mine client"},
		{"get failed", nil, boom, 0, "bad TLS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			get := func(config.Target) (any, error) { return c.c, c.getErr }
			cl, err := vendors.ClientOf[*mine](get, tg, "a mine")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || cl == nil || cl.n != c.want {
				t.Fatalf("got %v %v, want n=%d", cl, err, c.want)
			}
		})
	}
}
