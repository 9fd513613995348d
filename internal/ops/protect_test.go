package ops

import (
	"testing"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
)

// TestPolicyOf: a policy protects the entities carrying one of its
// categories; the first such policy wins, none gives "".
func TestPolicyOf(t *testing.T) {
	policies := []nutanix.ProtectionPolicy{
		{ExtID: "p-none", Name: "none"},
		{ExtID: "p-gold", Name: "gold", CategoryIDs: []string{"c-gold", "c-tier1"}},
		{ExtID: "p-silver", Name: "silver", CategoryIDs: []string{"c-silver", "c-tier1"}},
	}
	for _, tc := range []struct {
		name string
		cats []string
		want string
	}{
		{"no categories", nil, ""},
		{"unrelated category", []string{"c-env-prod"}, ""},
		{"gold", []string{"c-env-prod", "c-gold"}, "p-gold"},
		{"silver", []string{"c-silver"}, "p-silver"},
		{"shared category: first policy", []string{"c-tier1"}, "p-gold"},
	} {
		if got := PolicyOf(policies, tc.cats); got != tc.want {
			t.Errorf("%s: PolicyOf(%v) = %q, want %q", tc.name, tc.cats, got, tc.want)
		}
	}
	for _, tc := range []struct {
		ref, want string
	}{{"gold", "p-gold"}, {"p-silver", "p-silver"}, {"bronze", ""}} {
		p, err := FindPolicy(policies, "pc-prod", tc.ref)
		switch {
		case tc.want == "" && (err == nil || KindOf(err) != KindNotFound):
			t.Errorf("FindPolicy(%s) = %v, %v; want not found", tc.ref, p, err)
		case tc.want != "" && (err != nil || p.ExtID != tc.want):
			t.Errorf("FindPolicy(%s) = %v, %v; want %s", tc.ref, p, err, tc.want)
		}
	}
}
