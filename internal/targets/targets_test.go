package targets

import (
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
	vaiqum "github.com/recovery-mcp/recovery-mcp/internal/vendors/aiqum"
	vnutanix "github.com/recovery-mcp/recovery-mcp/internal/vendors/nutanix"
	vontap "github.com/recovery-mcp/recovery-mcp/internal/vendors/ontap"
)

func TestResolve(t *testing.T) {
	r := New([]config.Target{
		{Name: "pc-prod", Kind: config.KindNutanix},
		{Name: "ontap-prod", Kind: config.KindONTAP},
		{Name: "ontap-dr", Kind: config.KindONTAP},
	}, builtin(t), nil)
	cases := []struct {
		kind, name, want, err string
	}{
		{config.KindNutanix, "", "pc-prod", ""},
		{config.KindONTAP, "ontap-dr", "ontap-dr", ""},
		{config.KindONTAP, "", "", "2 ontap targets are configured, so target is required: one of ontap-dr, ontap-prod"},
		{config.KindONTAP, "pc-prod", "", "is a nutanix target, not ontap"},
		{config.KindONTAP, "nope", "", "unknown ontap target \"nope\": use one of ontap-dr, ontap-prod"},
	}
	for _, c := range cases {
		got, err := r.Resolve(c.kind, c.name)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Resolve(%s, %q) error %v, want %q", c.kind, c.name, err, c.err)
			}
			continue
		}
		if err != nil || got.Name != c.want {
			t.Errorf("Resolve(%s, %q) = %s, %v", c.kind, c.name, got.Name, err)
		}
	}
	if _, err := New(nil, builtin(t), nil).Resolve(config.KindNutanix, ""); err == nil || !strings.Contains(err.Error(), "NUTANIX_HOST") {
		t.Errorf("no targets: %v", err)
	}
}

func TestTLSConfig(t *testing.T) {
	if c, err := TLSConfig(config.Target{InsecureSkipVerify: true}); err != nil || !c.InsecureSkipVerify {
		t.Errorf("insecure: %v", err)
	}
	if _, err := TLSConfig(config.Target{CAFile: "/nonexistent.pem"}); err == nil {
		t.Error("missing CA file accepted")
	}
	if c, err := TLSConfig(config.Target{}); err != nil || c.InsecureSkipVerify {
		t.Errorf("default must verify: %v", err)
	}
}

// builtin returns the built-in storage kinds.
func builtin(t *testing.T) *vendors.Registry {
	t.Helper()
	r, err := vendors.NewRegistry(vnutanix.Kind{}, vontap.Kind{}, vaiqum.Kind{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
