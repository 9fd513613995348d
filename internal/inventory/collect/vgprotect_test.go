package collect_test

import (
	"context"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// TestCollectVolumeGroupProtection: a volume group's policy comes from the
// categories it carries now (the categories' detailedAssociations), so a
// group given a policy's category is protected in the next collection, with
// no recovery point yet. When the categories cannot be read, the collector
// falls back to what the recovery points say: the newly tagged group is not
// known protected, the one in the policy's recovery points still is.
func TestCollectVolumeGroupProtection(t *testing.T) {
	for _, tc := range []struct {
		name       string
		faults     []fault.Rule
		want       map[string]string // volume group -> policy
		targetNote string
	}{
		{"categories with associations", nil, map[string]string{"file-share-vg": "gold-4h-dr", "oracle-asm-vg": "gold-4h-dr"}, ""},
		{"categories unavailable", []fault.Rule{{Path: "/api/prism/*/config/categories", ErrorRate: 1, Status: 403}},
			map[string]string{"file-share-vg": "", "oracle-asm-vg": "gold-4h-dr"}, "categories unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testenv.Start(t)
			pc := e.Demo.Estate.PrismCentralByName("pc-prod")
			pc.Mu.Lock()
			for _, vg := range pc.VolumeGroups {
				if vg.Name == "file-share-vg" {
					vg.Categories = []string{"Protection/Gold"} // tagged, as by nutanix_protect
				}
			}
			pc.Mu.Unlock()
			e.Faults(tc.faults...)
			est, err := collect.New(e.Server.Env.Targets, e.Server.Env.Clock).Collect(context.Background(), collect.Scope{Targets: []string{"pc-prod"}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, x := range est.Entities {
				if x.Kind == inventory.EntityVolumeGroup {
					got[x.Name] = x.Policy
				}
			}
			for vg, want := range tc.want {
				if got[vg] != want {
					t.Errorf("%s: policy %q, want %q (all: %v)", vg, got[vg], want, got)
				}
			}
			note := ""
			for _, tg := range est.Targets {
				note += tg.Error
			}
			if tc.targetNote == "" && note != "" || !strings.Contains(note, tc.targetNote) {
				t.Errorf("target notes %q, want %q", note, tc.targetNote)
			}
		})
	}
}
