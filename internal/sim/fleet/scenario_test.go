package fleet

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const samples = "../../../testdata/scenarios"

// TestLargeScenarioSamples parses the large samples (building them takes
// too long for every test run) and checks their options are valid.
func TestLargeScenarioSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samples, "large", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("large samples: %v %v", files, err)
	}
	for _, f := range files {
		sc, err := LoadScenario(f)
		if err != nil {
			t.Fatal(err)
		}
		o, on := sc.Options()
		if _, err := o.check(); err != nil || !on || o.VMs != 5000 || o.TaskHistoryDays != 60 {
			t.Errorf("%s: options %+v (generated %v): %v", f, o, on, err)
		}
	}
}

func TestScenarioSamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(samples, "*.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := LoadScenario(f)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Description == "" {
				t.Error("no description")
			}
			e, err := sc.Build()
			if err != nil {
				t.Fatal(err)
			}
			switch filepath.Base(f) {
			case "default.yaml":
				_, sum := defaultEstate(t)
				if jsonSum(t, e) != sum {
					t.Error("default.yaml does not build the default estate")
				}
			case "small.yaml":
				checkSmall(t, e)
			case "ransomware.yaml":
				if len(e.Planted) != 1 || e.Planted[0].Kind != ConditionRansomwareSpike || !strings.Contains(e.Planted[0].Detail, "40x") {
					t.Errorf("planted %+v", e.Planted)
				}
				checkConditions(t, e, map[string]bool{ConditionRansomwareSpike: true})
			case "flaky-network.yaml":
				var latency, limit, errs bool
				for _, r := range sc.Faults {
					latency = latency || r.Latency > 0
					limit = limit || (r.RateLimitRate > 0 && r.RetryAfter > 0)
					errs = errs || r.ErrorRate > 0
				}
				if !latency || !limit || !errs {
					t.Errorf("faults %+v: want latency, 429 and error rate", sc.Faults)
				}
				pc := e.PrismCentralByName("pc-prod")
				if len(pc.TaskFaults) != 2 || !pc.TaskFaults[1].Stuck {
					t.Errorf("task faults %+v", pc.TaskFaults)
				}
				if f := e.OntapClusterByName("ontap-prod").Faults; len(f) != 1 || f[0].Kind != "job" || f[0].Code != 1638555 {
					t.Errorf("ontap-prod faults %+v", f)
				}
				if f := e.OntapClusterByName("ontap-dr").Faults; len(f) != 1 || f[0].Kind != "transfer" || !f[0].Stuck {
					t.Errorf("ontap-dr faults %+v", f)
				}
			}
		})
	}
}

func checkSmall(t *testing.T, e *Estate) {
	t.Helper()
	if len(e.PrismCentrals) != 1 || len(e.OntapClusters) != 1 || len(e.Planted) != 0 || e.Seed != 7 {
		t.Fatalf("%d PCs, %d ONTAP clusters, planted %v", len(e.PrismCentrals), len(e.OntapClusters), e.Planted)
	}
	pc := e.PrismCentrals[0]
	if pc.Name != "pc-lab" || len(pc.VMs) != 3 || len(pc.Clusters) != 1 || pc.APIKeys[0] != "lab-api-key" {
		t.Fatalf("pc-lab: %d VMs", len(pc.VMs))
	}
	count := map[string]int{}
	manual := false
	for _, rp := range pc.RecoveryPoints {
		for _, v := range rp.VMRecoveryPoints {
			count[pc.VMByExtID(v.VMExtID).Name]++
		}
		manual = manual || (rp.Name == "lab-db-01-before-upgrade" && rp.ProtectionPolicyExtID == "" && rp.ExpirationTime.Equal(DefaultNow.Add(5*24*time.Hour)))
	}
	// 4-hourly, 18 kept; plus the manual one for lab-db-01.
	if count["lab-db-01"] < 17 || count["lab-web-01"] < 16 || count["lab-scratch-01"] != 0 || !manual {
		t.Errorf("recovery points per VM %v, manual %v", count, manual)
	}
	failed := 0
	for _, tk := range pc.Tasks {
		if tk.ErrorMessage != "" && tk.EntitiesAffected[0].Name == "lab-web-01" && tk.CreatedTime.Equal(DefaultNow.Add(-26*time.Hour)) {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("the failed task event is missing")
	}
	c := e.OntapClusters[0]
	if c.Name != "ontap-lab" || c.Password != "Netapp1!lab" || len(c.Volumes) != 2 || len(c.Relationships) != 1 {
		t.Fatalf("ontap-lab: %d volumes, %d relationships", len(c.Volumes), len(c.Relationships))
	}
	src, dst := c.VolumeByName("svm_lab", "vol_app"), c.VolumeByName("svm_lab", "vol_app_mirror")
	if src == nil || dst == nil || dst.Type != "dp" || src.Snapshot("before_upgrade") == nil || dst.Snapshot("before_upgrade") == nil {
		t.Fatal("vol_app, its manual snapshot or its mirror is missing")
	}
	r := c.Relationships[0]
	if r.SourceCluster != "ontap-lab" || !r.Healthy || DefaultNow.Sub(r.ExportedSnapshotTime) > 90*time.Minute {
		t.Errorf("relationship %+v", r)
	}
	if !slices.ContainsFunc(c.Events, func(ev *OntapEvent) bool { return ev.Name == "wafl.vol.autoSize.done" }) {
		t.Error("the EMS event is missing")
	}
}

func TestScenarioStrict(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"unknown top key", "seed: 1\nsede: 2\n", 2, "sede", "unknown key"},
		{"unknown nested key", "generate: false\nprism_centrals:\n  - name: a\n    clusters: [{name: c}]\n    vms:\n      - name: v\n        colour: red\n", 7, "prism_centrals[0].vms[0].colour", "unknown key"},
		{"bad integer", "generate: false\nprism_centrals:\n  - name: a\n    vms:\n      - {name: v, memory_gib: lots}\n", 5, "prism_centrals[0].vms[0].memory_gib", "want an integer"},
		{"bad duration", "generate: false\nprism_centrals:\n  - name: a\n    protection_policies:\n      - name: p\n        rpo: 4\n", 6, "prism_centrals[0].protection_policies[0].rpo", "want a duration"},
		{"bad time", "now: yesterday\n", 1, "now", "RFC 3339"},
		{"bad offset", "generate: false\nevents:\n  - {kind: task, at: -3 hours}\n", 3, "events[0].at", "offset"},
		{"list expected", "prism_centrals: {name: a}\n", 1, "prism_centrals", "want a list"},
		{"mapping expected", "generate: [1]\n", 1, "generate", "want a mapping"},
		{"repeated key", "seed: 1\nseed: 2\n", 2, "seed", "repeated"},
		{"bad fault", "faults:\n  - {latency: 10ms}\n  - {error_rate: 1.5}\n", 3, "faults[1]", "error_rate"},
		{"fault latency without unit", "faults:\n  - {latency: 200}\n", 2, "faults[0].latency", "want a duration"},
		{"condition out of range", "conditions:\n  streak_length: 1\n", 2, "conditions.streak_length", "streak_length"},
		{"bad bool", "conditions:\n  rpo_breach: maybe\n", 2, "conditions.rpo_breach", "true or false"},
		{"two documents", "seed: 1\n---\nseed: 2\n", 2, "", "one YAML document"},
		{"syntax", "seed: [1\n", 1, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tc.yaml), "test.yaml")
			checkScenarioError(t, err, tc.line, tc.key, tc.msg)
		})
	}
}

func checkScenarioError(t *testing.T, err error, line int, key, msg string) {
	t.Helper()
	var se *ScenarioError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a *ScenarioError", err, err)
	}
	if se.File != "test.yaml" || se.Line != line || se.Key != key || !strings.Contains(se.Msg, msg) {
		t.Fatalf("got file %q line %d key %q msg %q; want line %d key %q msg ~%q", se.File, se.Line, se.Key, se.Msg, line, key, msg)
	}
	if want := "test.yaml:"; line > 0 && !strings.Contains(err.Error(), want+strconv.Itoa(line)) {
		t.Errorf("message %q does not name %s%d", err, want, line)
	}
}

// Errors found while building (references, values in range) also name the
// line and key.
func TestScenarioBuildErrors(t *testing.T) {
	base := "generate: false\nprism_centrals:\n  - name: a\n    clusters: [{name: c1}]\n"
	for _, tc := range []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"unknown cluster", base + "    vms:\n      - name: v\n        cluster: c9\n", 7, "prism_centrals[0].vms[0].cluster", "no cluster \"c9\""},
		{"unknown policy", base + "    vms:\n      - {name: v, policy: gold}\n", 6, "prism_centrals[0].vms[0].policy", "no protection policy"},
		{"repeated VM", base + "    vms:\n      - {name: v}\n      - {name: v}\n", 7, "prism_centrals[0].vms[1].name", "repeated"},
		{"bad power", base + "    vms:\n      - {name: v, power: sideways}\n", 6, "prism_centrals[0].vms[0].power", "on, off or paused"},
		{"remote unknown", base + "    protection_policies:\n      - {name: p, rpo: 1h, remote: pc-x}\n", 6, "prism_centrals[0].protection_policies[0].remote", "pc-x"},
		{"generate option", "generate:\n  vms: 5\n", 2, "generate.vms", "want 20 to 5000"},
		{"conditions without generation", "generate: false\nconditions: false\n", 2, "conditions", "generated estate"},
		{"event target", base + "events:\n  - {kind: task, target: nope, at: -1h}\n", 6, "events[0].target", "nope"},
		{"event kind", base + "events:\n  - {kind: alarm, target: a, at: -1h}\n", 6, "events[0].kind", "task, ems or transfer"},
		{"volume svm", "generate: false\nontap_clusters:\n  - name: o\n    svms: [s1]\n    volumes:\n      - {name: v, svm: s2}\n", 6, "ontap_clusters[0].volumes[0].svm", "no SVM"},
		{"relationship source", "generate: false\nontap_clusters:\n  - name: o\n    relationships:\n      - {source: \"x:y:z\"}\n", 5, "ontap_clusters[0].relationships[0].source", "no ONTAP cluster"},
		{"files kind", "generate: false\nontap_clusters:\n  - name: o\n    volumes:\n      - name: v\n        files: photos\n", 6, "ontap_clusters[0].volumes[0].files", "photos"},
		{"task fault target", "task_faults:\n  - {target: pc-nowhere, count: 1}\n", 2, "task_faults[0].target", "pc-nowhere"},
		{"clash with generated", "prism_centrals:\n  - name: pc-prod\n    vms:\n      - {name: db-erp-prod-01, cluster: prod-ahv-01}\n", 4, "prism_centrals[0].vms[0].name", "repeated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := ParseScenario([]byte(tc.yaml), "test.yaml")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = sc.Build()
			checkScenarioError(t, err, tc.line, tc.key, tc.msg)
		})
	}
}

func TestScenarioExtendsGenerated(t *testing.T) {
	sc, err := ParseScenario([]byte(`
seed: 3
now: 2026-06-01T12:00:00Z
generate: {vms: 40, volume_groups: 4, volumes: 20, history_days: 30, task_history_days: 10}
conditions: false
prism_centrals:
  - name: pc-prod
    password: S3cret!
    vms:
      - {name: sap-hana-01, cluster: prod-ahv-02, cpus: 32, memory_gib: 512, disks_gib: [200, 2048], policy: gold-4h-dr}
ontap_clusters:
  - name: ontap-prod
    volumes:
      - {name: vol_sap, svm: svm_db, size_gib: 4096, snapshot_policy: gold-4h, files: sql}
  - name: ontap-dr
    relationships:
      - {source: "ontap-prod:svm_db:vol_sap", policy: MirrorAllSnapshots, lag: 3h}
events:
  - {kind: transfer, target: ontap-dr, at: -20m, relationship: "svm_db_dr:vol_sap_dr", error: "Transfer failed. (injected by the scenario)"}
task_faults:
  - {target: pc-prod, operation: RestoreRecoveryPoint, count: 2, message: no}
`), "extend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	if !e.Clock.Now().Equal(now) || e.Seed != 3 || len(e.Planted) != 0 {
		t.Fatalf("now %s seed %d planted %v", e.Clock.Now(), e.Seed, e.Planted)
	}
	prod := e.PrismCentralByName("pc-prod")
	if prod.Password != "S3cret!" || len(prod.VMs) != 41 {
		t.Fatalf("pc-prod: password %q, %d VMs", prod.Password, len(prod.VMs))
	}
	var sap *NutanixVM
	for _, v := range prod.VMs {
		if v.Name == "sap-hana-01" {
			sap = v
		}
	}
	n := 0
	for _, rp := range prod.RecoveryPoints {
		for _, v := range rp.VMRecoveryPoints {
			if v.VMExtID == sap.ExtID {
				n++
			}
		}
	}
	if n < 30 || !slices.Contains(sap.Categories, "Protection/Gold") {
		t.Errorf("sap-hana-01: %d recovery points, categories %v", n, sap.Categories)
	}
	if f := prod.TaskFaults; len(f) != 1 || f[0].Operation != OpRestoreRecoveryPoint || f[0].Count != 2 {
		t.Errorf("task faults %+v", f)
	}
	vol := e.OntapClusterByName("ontap-prod").VolumeByName("svm_db", "vol_sap")
	if vol == nil || len(vol.Snapshots) < 20 {
		t.Fatal("vol_sap or its snapshots missing")
	}
	var rel *OntapRelationship
	for _, r := range e.OntapClusterByName("ontap-dr").Relationships {
		if r.DestinationPath == "svm_db_dr:vol_sap_dr" {
			rel = r
		}
	}
	if rel == nil || rel.Healthy || len(rel.UnhealthyReasons) != 1 {
		t.Fatalf("relationship: %+v", rel)
	}
	if lag := now.Sub(rel.ExportedSnapshotTime); lag < 150*time.Minute || lag > 210*time.Minute {
		t.Errorf("lag %s, want about 3h", lag)
	}
}

func TestScenarioShorthands(t *testing.T) {
	sc, err := ParseScenario([]byte("generate: false\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, on := sc.Options(); on {
		t.Error("generate: false left generation on")
	}
	sc, err = ParseScenario([]byte("conditions: false\n"), "b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o, on := sc.Options()
	if !on || *o.Conditions != NoConditions() {
		t.Errorf("conditions: false gave %+v", o.Conditions)
	}
	sc, err = ParseScenario([]byte("conditions:\n  rpo_breach: false\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConditions()
	want.RPOBreach = false
	if o, _ := sc.Options(); *o.Conditions != want {
		t.Errorf("one switch off gave %+v", o.Conditions)
	}
	// An empty file is the default estate.
	sc, err = ParseScenario(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if o, on := sc.Options(); !on || o.Seed != 1 || !o.Now.Equal(DefaultNow) || *o.Conditions != DefaultConditions() {
		t.Errorf("empty scenario options %+v", o)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "4h": 4 * time.Hour, "7d": 7 * 24 * time.Hour, "2w": 14 * 24 * time.Hour,
		"1d12h": 36 * time.Hour, "-3h": -3 * time.Hour, "1.5h": 90 * time.Minute, "200ms": 200 * time.Millisecond, "0": 0,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "4", "h", "3 hours", "1y", "--1h"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

// TestScenarioReadmeExample builds the complete example of the format
// reference, so that the documentation stays true.
func TestScenarioReadmeExample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(samples, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "## A complete example")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	example, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no complete example")
	}
	sc, err := ParseScenario([]byte(example), "README.md example")
	if err != nil {
		t.Fatal(err)
	}
	e, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	lab := e.PrismCentralByName("pc-lab")
	if lab == nil || len(lab.VMs) != 2 || len(e.PrismCentralByName("pc-prod").VMs) != 120 || len(sc.Faults) != 3 {
		t.Fatalf("example estate not as described")
	}
	for _, p := range e.Planted {
		if p.Kind == ConditionRansomwareSpike {
			t.Error("ransomware_spike is off in the example")
		}
	}
	var newest time.Time
	for _, rp := range lab.RecoveryPoints {
		if rp.ProtectionPolicyExtID != "" && rp.CreationTime.After(newest) {
			for _, v := range rp.VMRecoveryPoints {
				if lab.VMByExtID(v.VMExtID).Name == "lab-db-01" {
					newest = rp.CreationTime
				}
			}
		}
	}
	if age := e.Clock.Now().Sub(newest); age < 48*time.Hour || age > 72*time.Hour {
		t.Errorf("lab-db-01's newest scheduled recovery point is %s old", age)
	}
}

// TestScenarioDocExample builds the format reference of the Scenario doc
// comment.
func TestScenarioDocExample(t *testing.T) {
	src, err := os.ReadFile("scenario.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "//\tdescription: free text")
	body, _, ok2 := strings.Cut(rest, "// The sample files live")
	if !ok || !ok2 {
		t.Fatal("the doc comment has no format reference")
	}
	var y []string
	for _, l := range strings.Split("description: free text"+body, "\n") {
		l = strings.TrimPrefix(l, "//")
		y = append(y, strings.TrimPrefix(l, "\t"))
	}
	sc, err := ParseScenario([]byte(strings.Join(y, "\n")), "scenario.go doc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Build(); err != nil {
		t.Fatal(err)
	}
}
