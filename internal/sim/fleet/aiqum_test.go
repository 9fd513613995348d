package fleet

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestAiqumScenario(t *testing.T) {
	sc, err := LoadScenario(filepath.Join(samples, "aiqum.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Aiqums) != 1 {
		t.Fatalf("%d AIQUMs", len(e.Aiqums))
	}
	a := e.Aiqums[0]
	if a.Name != "um-prod" || a.Password != "Aiqum!prod" || strings.Join(a.Clusters, ",") != "ontap-prod,ontap-dr" || len(a.Jobs) != 2 {
		t.Fatalf("aiqum %+v", a)
	}
	if len(a.Events) != 2 {
		t.Fatalf("events %+v", a.Events)
	}
	d, p := a.Events[0], a.Events[1]
	vol := e.OntapClusterByName("ontap-prod").VolumeByPath("svm_nas:vol_logs_erp")
	if d.ResourceUUID != vol.UUID || d.Severity != "error" || d.Area != "capacity" || d.State != "new" || d.Condition != "" ||
		!d.Raised.Equal(e.Clock.Now().Add(-5*3600e9)) {
		t.Errorf("days until full %+v", d)
	}
	if p.ResourceType != "snap_mirror" || p.ResourceUUID == "" || p.State != "acknowledged" || len(p.History) != 2 || p.SVM != "svm_db_dr" {
		t.Errorf("protection job %+v", p)
	}
}

func TestAiqumDefaultsAndErrors(t *testing.T) {
	small := Small(DefaultNow)
	if len(small.Aiqums) != 1 || strings.Join(small.Aiqums[0].Clusters, ",") != "ontap-prod,ontap-dr" {
		t.Fatalf("small estate AIQUM %+v", small.Aiqums)
	}
	cases := []struct{ name, yaml, want string }{
		{"none", "description: x\ngenerate: false\nontap_clusters: [{name: ontap-lab}]\naiqum: []\n", ""},
		{"unknown cluster", "description: x\naiqum:\n  - {name: um, clusters: [nope]}\n", "unknown ONTAP cluster"},
		{"no name", "description: x\naiqum:\n  - {clusters: [ontap-prod]}\n", "name"},
		{"bad severity", "description: x\naiqum:\n  - name: um\n    events: [{name: X, severity: fatal}]\n", "severity"},
		{"unknown volume", "description: x\naiqum:\n  - name: um\n    events: [{name: X, cluster: ontap-prod, resource: \"svm_nas:nope\"}]\n", "no volume"},
		{"unknown key", "description: x\naiqum:\n  - {name: um, bogus: 1}\n", "bogus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := ParseScenario([]byte(c.yaml), "test.yaml")
			if err == nil {
				var e *Estate
				e, err = sc.Build()
				if err == nil && c.want == "" && len(e.Aiqums) != 0 {
					t.Errorf("aiqum: [] built %d AIQUMs", len(e.Aiqums))
				}
			}
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
}
