package nutanix_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

// Fidelity cases found by clients we did not write (issue 13).

func TestQualifiedEnumLiterals(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	a := en.createRP(t, "enum-probe", firstVM(en).ExtID)
	en.waitTask(t, en.prodURL, taskID(t, a))
	cases := []struct {
		name, path, filter string
		wantSame           string // the unqualified filter that must select the same items
	}{
		{"recovery point type", "/api/dataprotection/v4.0/config/recovery-points",
			"recoveryPointType eq Dataprotection.Common.RecoveryPointType'CRASH_CONSISTENT'", "recoveryPointType eq 'CRASH_CONSISTENT'"},
		{"task status", "/api/prism/v4.0/config/tasks",
			"status eq Prism.Config.TaskStatus'SUCCEEDED'", "status eq 'SUCCEEDED'"},
		{"in a conjunction", "/api/dataprotection/v4.0/config/recovery-points",
			"name eq 'enum-probe' and recoveryPointType ne Dataprotection.Common.RecoveryPointType'APPLICATION_CONSISTENT'", "name eq 'enum-probe'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := en.get(t, tc.path+"?$limit=100&$filter="+url.QueryEscape(tc.filter))
			plain := en.get(t, tc.path+"?$limit=100&$filter="+url.QueryEscape(tc.wantSame))
			if q.status != 200 || plain.status != 200 {
				t.Fatalf("status %d / %d: %s", q.status, plain.status, q.raw)
			}
			if q.total() == 0 || q.total() != plain.total() {
				t.Fatalf("%d items with the enum literal, %d without", q.total(), plain.total())
			}
		})
	}
	if a := en.get(t, "/api/dataprotection/v4.0/config/recovery-points?$filter="+url.QueryEscape("recoveryPointType eq Dataprotection.Common.RecoveryPointType'CRASH")); a.status != 400 {
		t.Fatalf("unterminated enum literal: %d", a.status)
	}
}

func TestSelect(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	const path = "/api/dataprotection/v4.0/config/recovery-points?$limit=5&$select="
	cases := []struct {
		name, sel string
		status    int
	}{
		{"top-level properties", "extId,name,creationTime", 200},
		{"paths into members", "extId,vmRecoveryPoints/vmExtId", 200},
		{"whole members keep their disks", "extId,vmRecoveryPoints", 200},
		{"a member's disks", "extId,vmRecoveryPoints/vmExtId,vmRecoveryPoints/diskRecoveryPoints", 200},
		{"unknown property", "extId,bogusProperty", 400},
		{"unknown member property", "vmRecoveryPoints/bogus", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := en.get(t, path+url.QueryEscape(tc.sel))
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			if tc.status != 200 {
				return
			}
			for _, it := range a.items() {
				m := it.(map[string]any)
				if m["$objectType"] != "dataprotection.v4.config.RecoveryPointProjection" {
					t.Fatalf("item type %v", m["$objectType"])
				}
				for _, f := range strings.Split(tc.sel, ",") {
					if root, _, _ := strings.Cut(f, "/"); m[root] == nil {
						t.Fatalf("item lacks %s: %v", root, m)
					}
				}
				wantDisks := strings.Contains(tc.sel, "diskRecoveryPoints") || strings.HasSuffix(tc.sel, ",vmRecoveryPoints")
				if vms, ok := m["vmRecoveryPoints"].([]any); ok {
					for _, v := range vms {
						vm := v.(map[string]any)
						if vm["vmExtId"] == nil || (vm["diskRecoveryPoints"] != nil) != wantDisks {
							t.Fatalf("member projection %v (disks wanted: %v)", vm, wantDisks)
						}
					}
				}
			}
		})
	}
}

func TestReplicaKeepsMemberIdentity(t *testing.T) {
	en := newEnv(t, simnutanix.Options{})
	vm := firstVM(en)
	const rpPath = "/api/dataprotection/v4.0/config/recovery-points"
	a := en.do(t, en.prodURL, call{method: http.MethodPost, path: rpPath, body: map[string]any{
		"$objectType": "dataprotection.v4.config.RecoveryPoint", "name": "vss-probe",
		"recoveryPointType": "APPLICATION_CONSISTENT", "expirationTime": t0.Add(24 * time.Hour).Format(time.RFC3339),
		"vmRecoveryPoints": []any{map[string]any{
			"$objectType": "dataprotection.v4.config.VmRecoveryPoint", "vmExtId": vm.ExtID,
			"$applicationConsistentPropertiesItemDiscriminator": "dataprotection.v4.common.VssProperties",
			"applicationConsistentProperties": map[string]any{"$objectType": "dataprotection.v4.common.VssProperties",
				"backupType": "COPY_BACKUP", "shouldIncludeWriters": true, "writers": []any{"SqlServerWriter"}, "shouldStoreVssMetadata": true},
		}},
	}})
	task := en.waitTask(t, en.prodURL, taskID(t, a))
	rpID := detail(task, "recoveryPointExtId")
	rp := en.get(t, rpPath+"/"+rpID).data()
	member := rp["vmRecoveryPoints"].([]any)[0].(map[string]any)
	vss, _ := member["applicationConsistentProperties"].(map[string]any)
	if vss == nil || vss["$objectType"] != "dataprotection.v4.common.VssProperties" || vss["backupType"] != "COPY_BACKUP" ||
		vss["shouldIncludeWriters"] != true || vss["shouldStoreVssMetadata"] != true || len(vss["writers"].([]any)) != 1 {
		t.Fatalf("VSS properties not returned: %v", member)
	}
	// The member recovery point by itself says the same.
	one := en.get(t, rpPath+"/"+rpID+"/vm-recovery-points/"+member["extId"].(string))
	if one.status == 200 {
		if p, _ := one.data()["applicationConsistentProperties"].(map[string]any); p == nil || p["backupType"] != "COPY_BACKUP" {
			t.Fatalf("VM recovery point GET: %s", one.raw)
		}
	}
	bad := en.do(t, en.prodURL, call{method: http.MethodPost, path: rpPath, body: map[string]any{
		"name": "bad-vss", "vmRecoveryPoints": []any{map[string]any{"vmExtId": vm.ExtID,
			"applicationConsistentProperties": map[string]any{"$objectType": "dataprotection.v4.common.VssProperties", "backupType": "SOMETIMES"}}},
	}})
	en.mustStatus(t, bad, 400)

	// Replicate: the replica's members keep their location agnostic ids.
	a = en.do(t, en.prodURL, call{method: "POST", path: rpPath + "/" + rpID + "/$actions/replicate",
		body: map[string]any{"pcExtId": en.dr.ExtID, "clusterExtId": en.dr.Clusters[0].ExtID}})
	task = en.waitTask(t, en.prodURL, taskID(t, a))
	replica := en.do(t, en.drURL, call{method: "GET", path: rpPath + "/" + detail(task, "recoveryPointExtId")})
	en.mustStatus(t, replica, 200)
	rm := replica.data()["vmRecoveryPoints"].([]any)[0].(map[string]any)
	if rm["extId"] == member["extId"] || rm["locationAgnosticId"] != member["locationAgnosticId"] || member["locationAgnosticId"] == nil {
		t.Fatalf("replica member %v, source member %v", rm, member)
	}
	if p, _ := rm["applicationConsistentProperties"].(map[string]any); p == nil || p["backupType"] != "COPY_BACKUP" {
		t.Fatalf("replica lost the VSS properties: %v", rm)
	}
}
