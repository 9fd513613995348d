package ontap_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

const (
	prod = "ontap-prod"
	dr   = "ontap-dr"
	// cloneBase is vol_finance's newest daily snapshot, which the estate's
	// FlexClone vol_finance_clone_q2 was made from.
	cloneBase = "daily.2026-11-20_0010"
)

// m reads a nested map field.
func m(v any, keys ...string) any {
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func names(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["name"].(string))
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// inject queues an injected job or transfer failure on a simulated cluster.
func inject(e *testenv.Env, cluster string, f fleet.OntapFault) {
	c := e.Demo.Estate.OntapClusterByName(cluster)
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.Faults = append(c.Faults, &f)
}

// callWithDeadline calls a tool's handler directly with a short deadline.
func callWithDeadline(t *testing.T, e *testenv.Env, name string, args map[string]any, d time.Duration) *mcp.CallToolResult {
	t.Helper()
	for _, tool := range e.Server.Tools {
		if tool.Name != name {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		req := mcp.CallToolRequest{}
		req.Params.Name = name
		req.Params.Arguments = args
		res, err := tool.Handler(e.Server.Env)(ctx, req)
		if err != nil {
			t.Fatalf("%s: protocol error %v", name, err)
		}
		return res
	}
	t.Fatalf("no tool %s", name)
	return nil
}

func TestListVolumes(t *testing.T) {
	e := start(t)
	all := e.OK("ontap_list_volumes", map[string]any{"target": prod})
	items := testenv.Items(t, all)
	if len(items) != 9 || all["total"].(float64) != 9 {
		t.Fatalf("%d volumes: %v", len(items), names(items))
	}
	byName := map[string]map[string]any{}
	for _, v := range items {
		byName[v["name"].(string)] = v
		if v["uuid"] == "" || v["svm"] != "svm_prod" {
			t.Errorf("volume without uuid or svm: %v", v)
		}
	}
	fin := byName["vol_finance"]
	mirrors, _ := fin["snapmirror"].([]any)
	if fin["snapshot_policy"] != "default" || fin["snapshot_count"].(float64) < 5 || fin["newest_snapshot_age"] == nil || len(mirrors) != 1 {
		t.Fatalf("vol_finance: %v", fin)
	}
	if mirror := mirrors[0]; m(mirror, "role") != "source" || m(mirror, "destination_path") != "svm_dr:vol_finance_dr" ||
		m(mirror, "target") != dr || m(mirror, "lag", "seconds").(float64) <= 0 {
		t.Errorf("vol_finance mirror: %v", mirror)
	}
	if arch := byName["vol_archive"]; arch["snapshot_policy"] != "none" || arch["snapmirror"] != nil || arch["newest_snapshot"] != nil {
		t.Errorf("vol_archive: %v", arch)
	}
	if cl := byName["vol_finance_clone_q2"]; cl["clone_of"] != "svm_prod:vol_finance@"+cloneBase {
		t.Errorf("clone: %v", cl)
	}
	if sp := byName["vol_db_oracle"]; sp["snapshot_reserve_percent"].(float64) != 20 || sp["snapshot_reserve_used_percent"].(float64) <= 0 ||
		sp["used_percent"].(float64) <= 0 || sp["used_bytes"].(float64) <= 0 || sp["size_bytes"].(float64) <= 0 {
		t.Errorf("space: %v", sp)
	}
	if s := testenv.Text(e.Call("ontap_list_volumes", map[string]any{"target": prod})); !strings.HasPrefix(s, "9 of 9 volumes on ontap-prod") {
		t.Errorf("summary: %s", s)
	}

	page := e.OK("ontap_list_volumes", map[string]any{"target": prod, "limit": 3, "page": 1})
	if len(testenv.Items(t, page)) != 3 || page["next_page"].(float64) != 2 {
		t.Errorf("paging: %v", page)
	}
	if fin := names(testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": prod, "name": "finance"}))); len(fin) != 2 {
		t.Errorf("name filter: %v", fin)
	}
	// On the destination the dp volumes show where they come from.
	for _, v := range testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": dr})) {
		mirrors, _ := v["snapmirror"].([]any)
		if v["type"] != "dp" || len(mirrors) != 1 || m(mirrors[0], "role") != "destination" {
			t.Errorf("dr volume: %v", v)
		}
	}
}

func TestListSnapshotsAndPolicies(t *testing.T) {
	e := start(t)
	list := e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_finance", "limit": 500})
	items := testenv.Items(t, list)
	if len(items) < 5 || list["volume"] != "svm_prod:vol_finance" {
		t.Fatalf("snapshots: %v", list)
	}
	for i := 1; i < len(items); i++ {
		if items[i-1]["create_time"].(string) < items[i]["create_time"].(string) {
			t.Fatal("not newest first")
		}
	}
	busy := map[string]string{}
	for _, s := range items {
		if b, _ := s["busy"].(string); b != "" {
			busy[s["name"].(string)] = b
		}
		if s["uuid"] == "" || s["age"] == nil || s["size_bytes"] == nil {
			t.Errorf("snapshot: %v", s)
		}
	}
	if !strings.Contains(busy[cloneBase], "svm_prod:vol_finance_clone_q2") {
		t.Errorf("clone base not marked busy: %v", busy)
	}
	mirrored := 0
	for n, b := range busy {
		if strings.HasPrefix(n, "snapmirror.") && strings.Contains(b, "SnapMirror") {
			mirrored++
		}
	}
	if mirrored != 1 {
		t.Errorf("SnapMirror common snapshot not marked busy: %v", busy)
	}
	daily := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "svm_prod:vol_finance", "name": "daily"}))
	if len(daily) == 0 || len(daily) >= len(items) || daily[0]["snapmirror_label"] != "daily" {
		t.Errorf("name filter: %v", daily)
	}
	// gold-4h snapshots carry an expiry time.
	ora := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_db_oracle", "name": "daily"}))
	if len(ora) == 0 || ora[0]["expiry_time"] == nil || !strings.Contains(ora[0]["busy"].(string), "locked until") {
		t.Errorf("expiry: %v", ora)
	}

	pol := testenv.Items(t, e.OK("ontap_list_snapshot_policies", map[string]any{"target": prod}))
	byName := map[string]map[string]any{}
	for _, p := range pol {
		byName[p["name"].(string)] = p
	}
	if len(pol) != 4 || byName["default"]["keeps"].(float64) != 10 || byName["default"]["volumes"].(float64) != 5 ||
		byName["none"]["keeps"].(float64) != 0 || byName["none"]["enabled"] != false {
		t.Fatalf("policies: %v", pol)
	}
	copies := byName["gold-4h"]["copies"].([]any)
	if len(copies) != 2 || m(copies[0], "when") != "30 0,4,8,12,16,20 * * *" || m(copies[1], "retention_period") != "P14D" || m(copies[1], "snapmirror_label") != "daily" {
		t.Errorf("gold-4h copies: %v", copies)
	}
}

func TestCreateAndDeleteSnapshot(t *testing.T) {
	e := start(t)
	s := e.OK("ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_hr", "comment": "before payroll", "snapmirror_label": "daily"})
	if s["name"] != "manual.2026-11-20_0900" || m(s, "snapshot", "comment") != "before payroll" || m(s, "snapshot", "snapmirror_label") != "daily" || m(s, "job", "state") != "success" {
		t.Fatalf("create: %v", s)
	}
	job := e.OK("ontap_get_job", map[string]any{"uuid": m(s, "job", "uuid")})
	if job["state"] != "success" || job["target"] != prod {
		t.Errorf("get_job: %v", job)
	}
	preview, del := e.Confirmed("ontap_delete_snapshot", map[string]any{"target": prod, "volume": "vol_hr", "snapshot": s["uuid"]})
	if m(preview, "preview", "snapshot", "name") != "manual.2026-11-20_0900" || !strings.Contains(preview["message"].(string), "delete snapshot manual.2026-11-20_0900") || del["uuid"] != s["uuid"] {
		t.Fatalf("delete: %v %v", preview, del)
	}
	if left := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_hr", "name": "manual"})); len(left) != 0 {
		t.Errorf("still there: %v", left)
	}

	// What ONTAP would refuse is refused up front, before confirmation.
	locked := e.OK("ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_hr", "name": "locked", "expiry_time": "7d"})
	if !strings.HasPrefix(m(locked, "snapshot", "expiry_time").(string), "2026-11-27") {
		t.Errorf("expiry: %v", locked)
	}
	common := ""
	for _, x := range testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_finance", "name": "snapmirror."})) {
		common = x["name"].(string)
	}
	for _, c := range []struct {
		volume, snapshot string
		want             []string
	}{
		{"vol_hr", "locked", []string{"locked until", "2026-11-27"}},
		{"vol_finance", cloneBase, []string{"FlexClone svm_prod:vol_finance_clone_q2", "split", "Delete the clone"}},
		{"vol_finance", common, []string{"SnapMirror common snapshot", "ontap_snapmirror_update"}},
	} {
		msg := e.Err("ontap_delete_snapshot", map[string]any{"target": prod, "volume": c.volume, "snapshot": c.snapshot})
		for _, w := range c.want {
			if !strings.Contains(msg, w) || !strings.Contains(msg, "Nothing was changed") {
				t.Errorf("delete %s: %q lacks %q", c.snapshot, msg, w)
			}
		}
	}
}

func TestListFilesAndRestoreFile(t *testing.T) {
	e := start(t)
	snap := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_finance", "name": "hourly", "limit": 1}))[0]["name"].(string)
	live := names(testenv.Items(t, e.OK("ontap_list_files", map[string]any{"target": prod, "volume": "vol_finance", "path": "reports"})))
	old := testenv.Items(t, e.OK("ontap_list_files", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": snap, "path": "/reports/"}))
	if has(live, "budget_2025.xlsx") || !has(names(old), "budget_2025.xlsx") {
		t.Fatalf("live %v, snapshot %v", live, names(old))
	}
	if old[0]["path"] != "/reports/"+old[0]["name"].(string) {
		t.Errorf("path: %v", old[0])
	}
	one := testenv.Items(t, e.OK("ontap_list_files", map[string]any{"target": prod, "volume": "vol_finance", "path": "/README.txt"}))
	if len(one) != 1 || one[0]["path"] != "/README.txt" || one[0]["type"] != "file" {
		t.Errorf("single file: %v", one)
	}
	snaps := testenv.Items(t, e.OK("ontap_list_files", map[string]any{"target": prod, "volume": "vol_finance", "path": "/.snapshot"}))
	if len(snaps) < 5 || snaps[0]["is_snapshot"] != true {
		t.Errorf(".snapshot: %v", snaps)
	}
	if l := e.OK("ontap_list_files", map[string]any{"target": prod, "volume": "vol_finance", "limit": 1}); l["truncated"] != true || l["total"].(float64) != 3 {
		t.Errorf("limit: %v", l)
	}

	// A deleted file back in place: confirmed, though nothing is overwritten.
	preview, res := e.Confirmed("ontap_restore_file", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": snap, "path": "/reports/budget_2025.xlsx"})
	if !strings.HasPrefix(m(preview, "preview", "overwritten").(string), "none") || res["overwrote"] != false || m(res, "file", "size_bytes").(float64) != 212992 {
		t.Fatalf("in place: %v %v", preview, res)
	}
	// Over an existing file: confirmed, and the preview shows what is lost.
	preview, res = e.Confirmed("ontap_restore_file", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": snap, "path": "/reports/q1_close.xlsx", "restore_path": "/reports/q2_close.xlsx"})
	if m(preview, "preview", "overwritten", "size_bytes") == nil || res["overwrote"] != true || m(res, "file", "size_bytes").(float64) != 482304 {
		t.Fatalf("overwrite: %v %v", preview, res)
	}
	// To a new path: no confirmation.
	res = e.OK("ontap_restore_file", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": snap, "path": "ledger/ap_2024.db", "restore_path": "/recovered/ap_2024.db"})
	if res["confirmation_required"] == true || res["overwrote"] != false || m(res, "job", "state") != "success" {
		t.Fatalf("new path: %v", res)
	}
	for _, bad := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"path": "/reports/nope.xlsx"}, "no file /reports/nope.xlsx"},
		{map[string]any{"path": "/reports"}, "is a directory"},
		{map[string]any{"path": "/README.txt", "restore_path": "/reports"}, "existing directory"},
		{map[string]any{"path": "/README.txt", "restore_path": "/.snapshot/x"}, "outside .snapshot"},
	} {
		args := map[string]any{"target": prod, "volume": "vol_finance", "snapshot": snap}
		for k, v := range bad.args {
			args[k] = v
		}
		if msg := e.Err("ontap_restore_file", args); !strings.Contains(msg, bad.want) {
			t.Errorf("%v: %q lacks %q", bad.args, msg, bad.want)
		}
	}
}

func TestRestoreVolume(t *testing.T) {
	e := start(t)
	logs := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_logs"}))
	target := logs[2]["name"].(string)
	preview, res := e.Confirmed("ontap_restore_volume", map[string]any{"target": prod, "volume": "vol_logs", "snapshot": target})
	lost := m(preview, "preview", "snapshots_deleted").([]any)
	if len(lost) != 2 || !strings.Contains(m(preview, "preview", "data_lost").(string), "since") || len(res["deleted_snapshots"].([]any)) != 2 || m(res, "job", "state") != "success" {
		t.Fatalf("restore: %v %v", preview, res)
	}
	after := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_logs"}))
	if len(after) != len(logs)-2 || after[0]["name"] != target {
		t.Errorf("after restore: %v", names(after))
	}

	fin := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_finance", "name": "hourly"}))
	older := fin[len(fin)-1]["name"].(string) // older than the newest snapmirror snapshot, newer than cloneBase
	for _, c := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"volume": "vol_finance", "snapshot": "daily.2026-11-19_0010"}, []string{"newer snapshot " + cloneBase + " backs FlexClone svm_prod:vol_finance_clone_q2"}},
		{map[string]any{"volume": "vol_finance", "snapshot": older}, []string{"SnapMirror common snapshot", "force=true"}},
		{map[string]any{"target": dr, "volume": "vol_finance_dr", "snapshot": older}, []string{"SnapMirror destination", "ontap_snapmirror_break"}},
	} {
		args := map[string]any{"target": prod}
		for k, v := range c.args {
			args[k] = v
		}
		msg := e.Err("ontap_restore_volume", args)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%v: %q lacks %q", c.args, msg, w)
			}
		}
	}
	preview, res = e.Confirmed("ontap_restore_volume", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": older, "force": true})
	if !strings.Contains(m(preview, "preview", "snapmirror").(string), "new baseline") || res["snapshot"] != older {
		t.Errorf("forced: %v %v", preview, res)
	}
}

func TestSetVolumeSnapshotPolicy(t *testing.T) {
	e := start(t)
	args := func(p string) map[string]any {
		return map[string]any{"target": prod, "volume": "vol_archive", "policy": p}
	}
	// More protection: a plain write.
	up := e.OK("ontap_set_volume_snapshot_policy", args("default"))
	if up["changed"] != true || up["previous_policy"] != "none" || up["snapshot_policy"] != "default" || up["confirmation_required"] == true {
		t.Fatalf("none -> default: %v", up)
	}
	if same := e.OK("ontap_set_volume_snapshot_policy", args("default")); same["changed"] != false {
		t.Errorf("same policy: %v", same)
	}
	// Fewer copies, then none: confirmed.
	preview, down := e.Confirmed("ontap_set_volume_snapshot_policy", args("default-1weekly"))
	if !strings.Contains(m(preview, "preview", "effect").(string), "keeps 9 scheduled snapshots instead of 10") || down["snapshot_policy"] != "default-1weekly" {
		t.Fatalf("default -> default-1weekly: %v %v", preview, down)
	}
	preview, off := e.Confirmed("ontap_set_volume_snapshot_policy", args("none"))
	if !strings.Contains(m(preview, "preview", "effect").(string), "scheduled snapshots stop") || off["snapshot_policy"] != "none" {
		t.Fatalf("-> none: %v %v", preview, off)
	}
	vols := testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": prod, "name": "archive"}))
	if vols[0]["snapshot_policy"] != "none" {
		t.Errorf("policy after: %v", vols[0])
	}
	if msg := e.Err("ontap_set_volume_snapshot_policy", args("platinum")); !strings.Contains(msg, `no snapshot policy "platinum"`) || !strings.Contains(msg, "gold-4h") {
		t.Errorf("unknown policy: %s", msg)
	}
}

func TestListSnapmirrorTransfersAndEvents(t *testing.T) {
	e := start(t)
	all := e.OK("ontap_list_snapmirror", map[string]any{})
	if len(testenv.Items(t, all)) != 6 || len(all["targets"].([]any)) != 2 {
		t.Fatalf("all: %v", all)
	}
	for _, c := range []struct {
		args map[string]any
		want int
	}{
		{map[string]any{"state": "paused"}, 1},
		{map[string]any{"healthy": false}, 1},
		{map[string]any{"relationship": "finance"}, 1},
		{map[string]any{"target": prod}, 0},
		{map[string]any{"target": dr, "state": "snapmirrored", "healthy": true}, 4},
	} {
		if got := testenv.Items(t, e.OK("ontap_list_snapmirror", c.args)); len(got) != c.want {
			t.Errorf("%v: %d relationships, want %d", c.args, len(got), c.want)
		}
	}
	bad := testenv.Items(t, e.OK("ontap_list_snapmirror", map[string]any{"healthy": false}))[0]
	if bad["name"] != "svm_dr:vol_eng_src_dr" || len(bad["unhealthy_reasons"].([]any)) != 1 || m(bad, "lag", "seconds").(float64) < 7*3600 || m(bad, "last_transfer", "state") != "failed" || bad["policy"] != "MirrorAllSnapshots" || bad["schedule"] != "hourly" {
		t.Errorf("unhealthy: %v", bad)
	}

	trs := e.OK("ontap_list_snapmirror_transfers", map[string]any{"relationship": "svm_prod:vol_eng_src", "limit": 3})
	items := testenv.Items(t, trs)
	if len(items) != 3 || trs["total"].(float64) != 10 || items[0]["state"] != "failed" || !strings.Contains(items[0]["error"].(string), "volume busy") ||
		items[0]["end_time"].(string) < items[1]["end_time"].(string) {
		t.Errorf("transfers: %v", trs)
	}

	for _, c := range []struct {
		args  map[string]any
		count int
		check func(map[string]any) bool
	}{
		{map[string]any{}, 4, nil},
		{map[string]any{"target": dr}, 2, func(ev map[string]any) bool { return ev["name"] == "smc.snapmir.update.fail" }},
		{map[string]any{"severity": "error"}, 3, func(ev map[string]any) bool { return ev["severity"] == "error" }},
		{map[string]any{"name": "schedSnap"}, 1, func(ev map[string]any) bool { return strings.Contains(ev["message"].(string), "vol_logs") }},
		{map[string]any{"since": "3h"}, 2, func(ev map[string]any) bool { return ev["target"] == dr }},
		{map[string]any{"limit": 1}, 1, func(ev map[string]any) bool { return ev["time"] == "2026-11-20T07:05:47Z" }},
	} {
		got := testenv.Items(t, e.OK("ontap_list_events", c.args))
		if len(got) != c.count {
			t.Errorf("events %v: %d, want %d", c.args, len(got), c.count)
		}
		for _, ev := range got {
			if c.check != nil && !c.check(ev) {
				t.Errorf("events %v: %v", c.args, ev)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	e := start(t)
	// A second SVM with a volume of the same name makes the name ambiguous.
	c := e.Demo.Estate.OntapClusterByName(prod)
	c.Mu.Lock()
	c.SVMs = append(c.SVMs, &fleet.OntapSVM{Name: "svm_test", UUID: fleet.OntapUUID(c.UUID, "svm", "svm_test"), State: "running", Subtype: "default"})
	c.Volumes = append(c.Volumes, &fleet.OntapVolume{UUID: fleet.OntapUUID(c.UUID, "volume", "svm_test:vol_hr"), Name: "vol_hr", SVM: "svm_test",
		Type: "rw", Style: "flexvol", State: "online", Size: 10 << 30, SnapshotPolicy: "none", Root: &fleet.OntapFile{Type: "directory"}})
	c.Mu.Unlock()
	// A second relationship from vol_finance makes its source path ambiguous.
	d := e.Demo.Estate.OntapClusterByName(dr)
	d.Mu.Lock()
	d.Relationships = append(d.Relationships, &fleet.OntapRelationship{UUID: fleet.OntapUUID(d.UUID, "relationship", "vault"), SourceCluster: prod,
		SourcePath: "svm_prod:vol_finance", DestinationPath: "svm_dr:vol_finance_vault", Policy: "XDPDefault", State: "uninitialized", Healthy: true})
	d.Mu.Unlock()

	if got := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_hr", "svm": "svm_test"})); len(got) != 0 {
		t.Errorf("svm picks the volume: %v", got)
	}
	for _, c := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"ontap_list_snapshots", map[string]any{"target": prod, "volume": "nope"}, []string{`no volume named "nope" on ontap-prod`, "ontap_list_volumes"}},
		{"ontap_list_snapshots", map[string]any{"target": prod, "volume": "vol_hr"}, []string{`2 volumes are named "vol_hr"`, "svm_prod:vol_hr", "svm_test:vol_hr", "svm"}},
		{"ontap_list_snapshots", map[string]any{"target": prod, "volume": "svm_prod:vol_hr", "svm": "svm_test"}, []string{"names SVM svm_prod"}},
		{"ontap_list_snapshots", map[string]any{"target": prod, "volume": "00000000-0000-1000-8000-000000000000"}, []string{"HTTP 404", "ontap_list_"}},
		{"ontap_list_volumes", map[string]any{}, []string{"2 ontap targets are configured", "ontap-dr, ontap-prod"}},
		{"ontap_list_volumes", map[string]any{"target": "nope"}, []string{"unknown ontap target"}},
		{"ontap_list_volumes", map[string]any{"target": "pc-prod"}, []string{"is a nutanix target"}},
		{"ontap_list_volumes", map[string]any{"target": prod, "limit": "all"}, []string{"argument limit: want an integer"}},
		{"ontap_list_volumes", map[string]any{"target": prod, "sort": "name"}, []string{`unknown argument "sort"`}},
		{"ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_finance", "expiry_time": "soon"}, []string{"expiry_time", "not a time"}},
		{"ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_finance", "expiry_time": "2020-01-01"}, []string{"in the past"}},
		{"ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_finance", "name": "bad name"}, []string{"HTTP 400", "name"}},
		{"ontap_create_snapshot", map[string]any{"target": dr, "volume": "vol_finance_dr"}, []string{"data protection volume"}},
		{"ontap_delete_snapshot", map[string]any{"target": prod, "volume": "vol_finance"}, []string{"argument snapshot is required"}},
		{"ontap_delete_snapshot", map[string]any{"target": dr, "volume": "vol_finance_dr", "snapshot": "x"}, []string{"SnapMirror destination", "follow the source"}},
		{"ontap_restore_file", map[string]any{"target": dr, "volume": "vol_finance_dr", "snapshot": "x", "path": "/README.txt"}, []string{"SnapMirror destination", "ontap_clone_volume"}},
		{"ontap_delete_snapshot", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": "nope"}, []string{`no snapshot named "nope"`, "ontap_list_snapshots"}},
		{"ontap_clone_volume", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": cloneBase}, []string{"argument clone_name is required"}},
		{"ontap_clone_volume", map[string]any{"target": prod, "volume": "vol_finance", "snapshot": cloneBase, "clone_name": "vol_hr"}, []string{"Duplicate volume name"}},
		{"ontap_list_files", map[string]any{"target": prod, "volume": "vol_finance", "path": "/nope"}, []string{"HTTP 404"}},
		{"ontap_list_events", map[string]any{"since": "yesterday"}, []string{"argument since", "not a time"}},
		{"ontap_list_events", map[string]any{"severity": "fatal"}, []string{"use one of emergency"}},
		{"ontap_get_job", map[string]any{"uuid": "00000000-0000-1000-8000-000000000000"}, []string{"no job", "ontap-prod, ontap-dr", "5 minutes"}},
		{"ontap_snapmirror_update", map[string]any{"relationship": "svm_x:nope"}, []string{`no SnapMirror relationship "svm_x:nope"`, "ontap_list_snapmirror"}},
		{"ontap_snapmirror_update", map[string]any{"target": prod, "relationship": "svm_dr:vol_hr_dr"}, []string{"no SnapMirror relationship", "omit target"}},
		{"ontap_snapmirror_quiesce", map[string]any{"relationship": "svm_prod:vol_finance"}, []string{"2 SnapMirror relationships match", "svm_dr:vol_finance_vault", "svm_dr:vol_finance_dr"}},
		{"ontap_list_snapmirror_transfers", map[string]any{}, []string{"argument relationship is required"}},
	} {
		msg := e.Err(c.tool, c.args)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s %v: %q lacks %q", c.tool, c.args, msg, w)
			}
		}
	}
}

// TestInvalidStateTransitions checks that SnapMirror actions the state does
// not allow are refused before anything is sent, naming the state and the
// tool to call instead.
func TestInvalidStateTransitions(t *testing.T) {
	e := start(t)
	for _, c := range []struct {
		tool, rel string
		want      []string
	}{
		{"ontap_snapmirror_resume", "svm_dr:vol_finance_dr", []string{"state is snapmirrored", "nothing to resume", "ontap_snapmirror_update"}},
		{"ontap_snapmirror_resync", "svm_dr:vol_finance_dr", []string{"state is snapmirrored", "ontap_snapmirror_update"}},
		{"ontap_snapmirror_update", "svm_dr:vol_hr_dr", []string{"state is paused", "ontap_snapmirror_resume"}},
		{"ontap_snapmirror_quiesce", "svm_dr:vol_hr_dr", []string{"already quiesced", "ontap_snapmirror_resume"}},
		{"ontap_snapmirror_resync", "svm_dr:vol_hr_dr", []string{"state is paused", "ontap_snapmirror_resume"}},
	} {
		if msg := e.Err(c.tool, map[string]any{"relationship": c.rel}); !containsAll(msg, c.want...) {
			t.Errorf("%s %s: %q lacks %v", c.tool, c.rel, msg, c.want)
		}
	}
	e.Confirmed("ontap_snapmirror_break", map[string]any{"relationship": "svm_dr:vol_hr_dr"})
	for _, tool := range []string{"ontap_snapmirror_quiesce", "ontap_snapmirror_resume", "ontap_snapmirror_update", "ontap_snapmirror_break"} {
		if msg := e.Err(tool, map[string]any{"relationship": "svm_dr:vol_hr_dr"}); !containsAll(msg, "state is broken_off", "ontap_snapmirror_resync", "Nothing was changed") {
			t.Errorf("%s on broken_off: %q", tool, msg)
		}
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// TestAcceptanceScenario is the scenario end to end.
func TestAcceptanceScenario(t *testing.T) {
	e := start(t)
	vol := map[string]any{"target": prod, "volume": "vol_finance"}
	with := func(kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range vol {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}

	// 1. Create a snapshot and list it.
	snap := e.OK("ontap_create_snapshot", with("name", "pre_audit", "comment", "before the audit"))
	if snap["uuid"] == "" || m(snap, "job", "state") != "success" {
		t.Fatalf("create: %v", snap)
	}
	listed := testenv.Items(t, e.OK("ontap_list_snapshots", with("name", "pre_audit")))
	if len(listed) != 1 || listed[0]["uuid"] != snap["uuid"] || listed[0]["comment"] != "before the audit" {
		t.Fatalf("list: %v", listed)
	}

	// 2. Restore a file from it to a new path: no confirmation.
	rf := e.OK("ontap_restore_file", with("snapshot", "pre_audit", "path", "/reports/q1_close.xlsx", "restore_path", "/restored/q1_close.xlsx"))
	if rf["confirmation_required"] == true || rf["overwrote"] != false || m(rf, "job", "state") != "success" {
		t.Fatalf("restore file: %v", rf)
	}
	files := testenv.Items(t, e.OK("ontap_list_files", with("path", "/restored")))
	if len(files) != 1 || files[0]["name"] != "q1_close.xlsx" || files[0]["size_bytes"].(float64) != 482304 {
		t.Fatalf("restored file: %v", files)
	}

	// 3. Clone the volume from it, then try to delete the snapshot behind
	// the clone: a clear error naming the clone.
	cl := e.OK("ontap_clone_volume", with("snapshot", "pre_audit", "clone_name", "vol_finance_audit", "junction_path", "/finance_audit"))
	if cl["uuid"] == "" || cl["name"] != "vol_finance_audit" || cl["parent_snapshot"] != "pre_audit" || cl["junction_path"] != "/finance_audit" {
		t.Fatalf("clone: %v", cl)
	}
	clones := testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": prod, "name": "audit"}))
	if len(clones) != 1 || clones[0]["clone_of"] != "svm_prod:vol_finance@pre_audit" {
		t.Fatalf("clone listed: %v", clones)
	}
	msg := e.Err("ontap_delete_snapshot", with("snapshot", "pre_audit"))
	if !containsAll(msg, "cannot delete snapshot pre_audit", "FlexClone svm_prod:vol_finance_audit", "split", "Delete the clone") {
		t.Fatalf("delete behind clone: %s", msg)
	}
	if still := testenv.Items(t, e.OK("ontap_list_snapshots", with("name", "pre_audit"))); len(still) != 1 || !strings.Contains(still[0]["busy"].(string), "vol_finance_audit") {
		t.Fatalf("snapshot after refused delete: %v", still)
	}

	// 4. Drive a SnapMirror relationship through its states. The target is
	// omitted: the relationship is found on ontap-dr.
	rel := map[string]any{"relationship": "svm_dr:vol_finance_dr"}
	state := func() string {
		return testenv.Items(t, e.OK("ontap_list_snapmirror", map[string]any{"relationship": "vol_finance_dr"}))[0]["state"].(string)
	}
	up := e.OK("ontap_snapmirror_update", rel)
	if up["state"] != "snapmirrored" || m(up, "transfer", "state") != "success" || up["target"] != dr || m(up, "relationship", "lag", "seconds").(float64) > 60 {
		t.Fatalf("update: %v", up)
	}
	if q := e.OK("ontap_snapmirror_quiesce", rel); q["state"] != "paused" || q["previous_state"] != "snapmirrored" || state() != "paused" {
		t.Fatalf("quiesce: %v", q)
	}
	if r := e.OK("ontap_snapmirror_resume", rel); r["state"] != "snapmirrored" || state() != "snapmirrored" {
		t.Fatalf("resume: %v", r)
	}
	preview, br := e.Confirmed("ontap_snapmirror_break", rel)
	if !strings.Contains(m(preview, "preview", "effect").(string), "becomes writable") || br["state"] != "broken_off" || state() != "broken_off" {
		t.Fatalf("break: %v %v", preview, br)
	}
	dst := testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": dr, "name": "vol_finance_dr"}))[0]
	if dst["type"] != "rw" {
		t.Fatalf("destination after break: %v", dst)
	}
	// The destination is now writable: a snapshot taken there is what a
	// resync discards.
	e.OK("ontap_create_snapshot", map[string]any{"target": dr, "volume": "vol_finance_dr", "name": "dr_test"})
	preview, rs := e.Confirmed("ontap_snapmirror_resync", rel)
	if gone := m(preview, "preview", "destination_snapshots_deleted").([]any); len(gone) != 1 || gone[0] != "dr_test" ||
		!strings.Contains(m(preview, "preview", "data_discarded").(string), "svm_dr:vol_finance_dr") {
		t.Fatalf("resync preview: %v", preview)
	}
	if rs["state"] != "snapmirrored" || rs["previous_state"] != "broken_off" || m(rs, "transfer", "state") != "success" || state() != "snapmirrored" {
		t.Fatalf("resync: %v", rs)
	}
	dst = testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": dr, "name": "vol_finance_dr"}))[0]
	if dst["type"] != "dp" {
		t.Errorf("destination after resync: %v", dst)
	}
	if left := testenv.Items(t, e.OK("ontap_list_snapshots", map[string]any{"target": dr, "volume": "vol_finance_dr", "name": "dr_test"})); len(left) != 0 {
		t.Errorf("resync kept %v", left)
	}
}

func TestBackendFailures(t *testing.T) {
	e := start(t)

	// A job that fails says why.
	inject(e, prod, fleet.OntapFault{Kind: "job", Match: "snapshot.create", Count: 1, Code: 13, Message: "No space left on device"})
	if msg := e.Err("ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_hr"}); !containsAll(msg, "job", "failed", "No space left on device", "code 13") {
		t.Errorf("failed job: %s", msg)
	}

	// A failed delete job that ONTAP calls busy is explained.
	e.OK("ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_hr", "name": "x1"})
	args := map[string]any{"target": prod, "volume": "vol_hr", "snapshot": "x1"}
	first := e.OK("ontap_delete_snapshot", args)
	inject(e, prod, fleet.OntapFault{Kind: "job", Match: "snapshot.delete", Count: 1, Code: 1638555, Message: "Snapshot copy \"x1\" has not expired or is locked."})
	args["confirm_token"] = first["confirm_token"]
	if msg := e.Err("ontap_delete_snapshot", args); !containsAll(msg, "1638555", "has not expired or is locked", "ontap_list_snapshots") {
		t.Errorf("busy delete: %s", msg)
	}

	// A transfer that fails leaves the relationship unhealthy and says where
	// to look.
	inject(e, dr, fleet.OntapFault{Kind: "transfer", Match: "vol_home_dr", Count: 1, Message: "Transfer failed. (network unreachable)"})
	if msg := e.Err("ontap_snapmirror_update", map[string]any{"relationship": "svm_dr:vol_home_dr"}); !containsAll(msg, "network unreachable", "ontap_list_snapmirror_transfers", "ontap_list_events") {
		t.Errorf("failed transfer: %s", msg)
	}
	home := testenv.Items(t, e.OK("ontap_list_snapmirror", map[string]any{"relationship": "vol_home_dr"}))[0]
	if home["healthy"] != false || !strings.Contains(home["unhealthy_reasons"].([]any)[0].(string), "network unreachable") {
		t.Errorf("after failed transfer: %v", home)
	}
	if evs := testenv.Items(t, e.OK("ontap_list_events", map[string]any{"target": dr, "name": "update.fail", "limit": 1})); !strings.Contains(evs[0]["message"].(string), "network unreachable") {
		t.Errorf("event: %v", evs)
	}

	// 5xx from the cluster.
	e.Faults(fault.Rule{Path: "/api/storage/volumes", ErrorRate: 1, Status: 500})
	if msg := e.Err("ontap_list_volumes", map[string]any{"target": prod}); !containsAll(msg, "HTTP 500", "Try again") {
		t.Errorf("500: %s", msg)
	}
	e.Faults()
	// One unreachable target makes multi-target lists partial, not failed.
	e.Faults(fault.Rule{Path: "/api/snapmirror/relationships", ErrorRate: 1, Status: 500, Count: 1})
	if part := e.OK("ontap_list_snapmirror", map[string]any{}); !strings.Contains(part["note"].(string), "partial") {
		t.Errorf("partial: %v", part)
	}
	e.Faults()

	// A job that never finishes ends with the caller's deadline, naming the
	// job to follow.
	inject(e, prod, fleet.OntapFault{Kind: "job", Match: "snapshot.create", Count: 1, Stuck: true})
	res := callWithDeadline(t, e, "ontap_create_snapshot", map[string]any{"target": prod, "volume": "vol_hr", "name": "stuck"}, 500*time.Millisecond)
	if !res.IsError || !containsAll(testenv.Text(res), "timed out", "keeps running", "ontap_get_job uuid=") {
		t.Errorf("stuck job: %s", testenv.Text(res))
	}
	// So does a transfer.
	inject(e, dr, fleet.OntapFault{Kind: "transfer", Match: "vol_db_oracle_dr", Count: 1, Stuck: true})
	res = callWithDeadline(t, e, "ontap_snapmirror_update", map[string]any{"relationship": "svm_dr:vol_db_oracle_dr"}, 500*time.Millisecond)
	if !res.IsError || !containsAll(testenv.Text(res), "timed out", "ontap_list_snapmirror_transfers relationship=svm_dr:vol_db_oracle_dr") {
		t.Errorf("stuck transfer: %s", testenv.Text(res))
	}
	// ... and the relationship now refuses a break while it runs.
	if msg := e.Err("ontap_snapmirror_break", map[string]any{"relationship": "svm_dr:vol_db_oracle_dr"}); !containsAll(msg, "is transferring", "Wait for it") {
		t.Errorf("break during transfer: %s", msg)
	}
}

func TestProgressDuringLongOperations(t *testing.T) {
	e := start(t)
	// vol_eng_src has not replicated for hours: its update moves gigabytes
	// over several polls.
	res, got := e.CallWithProgress("ontap_snapmirror_update", map[string]any{"relationship": "svm_dr:vol_eng_src_dr"})
	if res.IsError {
		t.Fatalf("%s", testenv.Text(res))
	}
	if len(got) < 2 {
		t.Fatalf("progress notifications: %v", got)
	}
}
