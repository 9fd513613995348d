package prompts

import (
	"strings"
	"testing"
)

func TestRunRecoveryDrillRendersEachKind(t *testing.T) {
	p := runRecoveryDrill()
	cases := []struct {
		args map[string]string
		want []string
	}{
		{map[string]string{"volume": "vol_erp_db", "target": "ontap-prod"}, []string{"Run a volume recovery drill of volume \"vol_erp_db\" on ontap-prod", `params={"volume": "vol_erp_db", "type": "volume", "target": "ontap-prod"}`}},
		{map[string]string{"volume": "vol_erp_db", "type": "file"}, []string{`"type": "file"`}},
		{map[string]string{"vm": "db-erp-prod-01", "target": "pc-prod"}, []string{"Run a vm recovery drill of VM \"db-erp-prod-01\"", `{"type": "vm", "vm": "db-erp-prod-01", "target": "pc-prod", "dr_target": `}},
		{map[string]string{"vm": "db-erp-prod-01", "volume": "vol_erp_db", "type": "dr"}, []string{`{"type": "dr", "volumes": ["vol_erp_db"], "vms": ["db-erp-prod-01"]`, "a VM its tier's RTO"}},
		{map[string]string{"volume": "vol_erp_db", "type": "dr"}, []string{`{"type": "dr", "volumes": ["vol_erp_db"], "target": `}},
		{map[string]string{"vm": "db-erp-prod-01", "type": "dr"}, []string{`{"type": "dr", "vms": ["db-erp-prod-01"], "nutanix_target": `}},
	}
	for _, c := range cases {
		got := p.Render(c.args)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: the text lacks %q:\n%s", c.args, w, got)
			}
		}
		// An argument not given is never rendered as an empty name: the
		// model would call with it and the run would fail.
		for _, bad := range []string{`""`, `[""]`} {
			if strings.Contains(got, bad) {
				t.Errorf("%v: the text names an empty value %s:\n%s", c.args, bad, got)
			}
		}
	}
}
