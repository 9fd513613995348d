package aiqum_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func generated(t *testing.T) *fleet.Estate {
	t.Helper()
	est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1, Volumes: 30, VMs: 20, VolumeGroups: 2, HistoryDays: 20, TaskHistoryDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	return est
}

func TestListAndAcknowledgeEvents(t *testing.T) {
	e := testenv.StartEstate(t, generated(t), testenv.ONTAPViaAIQUM())
	all := testenv.Items(t, e.OK("aiqum_list_events", map[string]any{}))
	if len(all) != 3 {
		t.Fatalf("open events: %v", all)
	}
	if all[0]["name"] != "Ransomware Activity Seen" || all[0]["severity"] != "critical" || all[0]["source"] != "svm_nas:vol_fin_share" {
		t.Errorf("most severe first: %v", all[0])
	}
	cases := []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"area": "protection"}, []string{"Mirror Replication Lag Warning"}},
		{map[string]any{"severity": "critical"}, []string{"Ransomware Activity Seen"}},
		{map[string]any{"object": "vol_logs"}, []string{"Volume Snapshot Reserve Space Full"}},
		{map[string]any{"name": "lag", "cluster": "ontap-dr"}, []string{"Mirror Replication Lag Warning"}},
		{map[string]any{"cluster": "ontap-dr", "area": "security"}, nil},
		{map[string]any{"state": "resolved"}, nil},
		{map[string]any{"since": "1h", "area": "capacity"}, []string{"Volume Snapshot Reserve Space Full"}},
	}
	for _, c := range cases {
		var got []string
		for _, it := range testenv.Items(t, e.OK("aiqum_list_events", c.args)) {
			got = append(got, it["name"].(string))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%v: %v, want %v", c.args, got, c.want)
		}
	}

	lag := testenv.Items(t, e.OK("aiqum_list_events", map[string]any{"area": "protection"}))[0]
	key := lag["key"].(string)
	ack := e.OK("aiqum_update_event", map[string]any{"key": key, "action": "acknowledge"})
	if ack["state"] != "acknowledged" || ack["action"] != "acknowledge" {
		t.Fatalf("acknowledge: %v", ack)
	}
	as := e.OK("aiqum_update_event", map[string]any{"key": key, "action": "assign", "user": "storage-oncall"})
	if as["assigned_to"] != "storage-oncall" || as["state"] != "acknowledged" {
		t.Fatalf("assign: %v", as)
	}
	res := e.OK("aiqum_update_event", map[string]any{"key": key, "action": "resolve"})
	if res["state"] != "resolved" {
		t.Fatalf("resolve: %v", res)
	}
	msg := e.Err("aiqum_update_event", map[string]any{"key": key, "action": "acknowledge"})
	if !strings.Contains(msg, "HTTP 400") || !strings.Contains(msg, "aiqum_list_events") {
		t.Errorf("acknowledging a resolved event: %s", msg)
	}
	if msg := e.Err("aiqum_update_event", map[string]any{"key": key, "action": "assign"}); !strings.Contains(msg, "user is required") {
		t.Errorf("assign without user: %s", msg)
	}
	if msg := e.Err("aiqum_update_event", map[string]any{"key": "nope", "action": "resolve"}); !strings.Contains(msg, "HTTP 404") {
		t.Errorf("unknown key: %s", msg)
	}
	// The writes are audited with the AIQUM target.
	n := 0
	for _, r := range e.Server.Env.Audit.Recent(20) {
		if r.Tool == "aiqum_update_event" && r.Target == "aiqum" {
			n++
		}
	}
	if n < 3 {
		t.Errorf("%d audit records of aiqum_update_event, want at least 3", n)
	}
	// Read-only mode hides the write.
	ro := testenv.StartEstate(t, fleet.Small(fleet.DefaultNow), testenv.ONTAPViaAIQUM(), func(o *server.Options) { o.ReadOnly = true })
	tools, err := ro.Client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tl := range tools.Tools {
		listed[tl.Name] = true
	}
	if !listed["aiqum_list_events"] || listed["aiqum_update_event"] {
		t.Errorf("read-only lists %v", listed)
	}
}

// TestBackupHealthCitesAIQUMEvents runs the analysis with the AIQUM target
// alone: the clusters are collected through the gateway and AIQUM's events
// are cited by key in the findings about the planted conditions.
func TestBackupHealthCitesAIQUMEvents(t *testing.T) {
	e := testenv.StartEstate(t, generated(t), testenv.ONTAPViaAIQUM())
	keys := map[string]string{}
	for _, it := range testenv.Items(t, e.OK("aiqum_list_events", map[string]any{})) {
		keys[it["name"].(string)] = it["key"].(string)
	}
	rep := e.OK("backup_health", map[string]any{"limit": 100})
	if rep["partial"] == true {
		t.Fatalf("partial estate: %v", rep["incomplete_targets"])
	}
	cites := func(f map[string]any, key string) bool {
		list, _ := f["evidence"].(map[string]any)["aiqum_events"].([]any)
		for _, x := range list {
			if x.(map[string]any)["key"] == key {
				return true
			}
		}
		return false
	}
	want := []struct{ check, entity, event string }{
		{"replication_lag", "vol_erp_db", "Mirror Replication Lag Warning"},
		{"snapshot_reserve", "vol_logs_erp", "Volume Snapshot Reserve Space Full"},
		{"change_anomaly", "vol_fin_share", "Ransomware Activity Seen"}, // the spike finding cites it: one root cause
	}
	for _, w := range want {
		found := false
		for _, x := range rep["findings"].([]any) {
			f := x.(map[string]any)
			if f["check"] == w.check && f["entity"].(map[string]any)["name"] == w.entity && cites(f, keys[w.event]) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s finding on %s citing AIQUM event %s (%s)", w.check, w.entity, w.event, keys[w.event])
		}
	}
}
