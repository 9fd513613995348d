package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// stdioSession drives `recovery-mcp serve --demo` over stdio with mcp-go's
// stdio client, which declares no elicitation: destructive calls must go
// through the confirm-token flow.
type stdioSession struct {
	t *testing.T
	c *client.Client
}

func startStdio(t *testing.T) *stdioSession {
	t.Helper()
	c, err := client.NewStdioMCPClient(binary(t), nil, "serve", "--demo", "--log-level", "warn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e-stdio", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return &stdioSession{t: t, c: c}
}

func (s *stdioSession) call(name string, args map[string]any) (map[string]any, string, bool) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := s.c.CallTool(ctx, req)
	if err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	var m map[string]any
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &m)
	return m, text.String(), res.IsError
}

func (s *stdioSession) ok(name string, args map[string]any) map[string]any {
	s.t.Helper()
	m, text, isErr := s.call(name, args)
	if isErr {
		s.t.Fatalf("%s(%v) failed: %s", name, args, text)
	}
	return m
}

// confirmed runs a destructive call: preview and token first, then the call
// with the token.
func (s *stdioSession) confirmed(name string, args map[string]any) map[string]any {
	s.t.Helper()
	first := s.ok(name, args)
	tok, _ := first["confirm_token"].(string)
	if first["confirmation_required"] != true || tok == "" {
		s.t.Fatalf("%s did not ask for confirmation: %v", name, first)
	}
	with := map[string]any{"confirm_token": tok}
	for k, v := range args {
		with[k] = v
	}
	return s.ok(name, with)
}

func items(m map[string]any) []map[string]any {
	raw, _ := m["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		out = append(out, r.(map[string]any))
	}
	return out
}

// TestStdioNutanixSeedOperations performs the nine operations of the
// Ansible v2 recovery point modules plus discovery over stdio.
func TestStdioNutanixSeedOperations(t *testing.T) {
	s := startStdio(t)
	const pc = "pc-prod"
	if n := len(items(s.ok("list_targets", nil))); n != 5 {
		t.Fatalf("%d targets", n)
	}
	clusters := items(s.ok("nutanix_list_clusters", map[string]any{"target": pc}))
	vgs := items(s.ok("nutanix_list_volume_groups", map[string]any{"target": pc}))
	vms := items(s.ok("nutanix_list_vms", map[string]any{"target": pc, "name": "app-billing-01"}))
	s.ok("nutanix_list_protection_policies", map[string]any{"target": pc})
	if len(clusters) == 0 || len(vgs) == 0 || len(vms) != 1 {
		t.Fatalf("discovery: %d clusters, %d volume groups, %d VMs", len(clusters), len(vgs), len(vms))
	}
	vmID := vms[0]["ext_id"].(string)

	rp := s.ok("nutanix_create_recovery_point", map[string]any{"target": pc, "name": "e2e-stdio",
		"vms": []any{"app-billing-01"}, "volume_groups": []any{vgs[0]["name"]}, "expiration_time": "2d"})
	id := rp["ext_id"].(string)
	listed := items(s.ok("nutanix_list_recovery_points", map[string]any{"target": pc, "vm": vmID, "name": "e2e-stdio"}))
	if len(listed) != 1 || listed[0]["ext_id"] != id {
		t.Fatalf("list: %v", listed)
	}
	got := s.ok("nutanix_get_recovery_point", map[string]any{"target": pc, "ext_id": id})
	vmrp := got["vm_recovery_points"].([]any)[0].(map[string]any)["ext_id"].(string)
	if d := s.ok("nutanix_get_vm_recovery_point", map[string]any{"target": pc, "recovery_point_ext_id": id, "vm_recovery_point_ext_id": vmrp}); d["vm_ext_id"] != vmID {
		t.Fatalf("vm recovery point: %v", d)
	}
	if u := s.ok("nutanix_update_recovery_point", map[string]any{"target": pc, "ext_id": id, "expiration_time": "30d"}); u["confirmation_required"] == true {
		t.Fatalf("extending asked for confirmation: %v", u)
	}
	restored := s.ok("nutanix_restore_recovery_point", map[string]any{"target": pc, "ext_id": id, "cluster": clusters[0]["name"]})
	if len(restored["created_vm_ext_ids"].([]any)) != 1 {
		t.Fatalf("restore: %v", restored)
	}
	if r := s.ok("nutanix_replicate_recovery_point", map[string]any{"target": pc, "ext_id": id, "pc": "pc-dr"}); r["task"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Fatalf("replicate: %v", r)
	}
	if r := s.confirmed("nutanix_revert_vm", map[string]any{"target": pc, "vm": vmID, "vm_recovery_point_ext_id": vmrp}); r["task"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Fatalf("revert: %v", r)
	}
	if d := s.confirmed("nutanix_delete_recovery_point", map[string]any{"target": pc, "ext_id": id}); d["deleted"] != true {
		t.Fatalf("delete: %v", d)
	}
	if _, text, isErr := s.call("nutanix_get_recovery_point", map[string]any{"target": pc, "ext_id": id}); !isErr || !strings.Contains(text, "404") {
		t.Fatalf("deleted recovery point still readable: %s", text)
	}
}

// TestStdioOntapScenario: snapshot, list, file restore to a new path, clone,
// the refused delete behind the clone, and a SnapMirror relationship
// through update, quiesce, resume, break and resync, over stdio.
func TestStdioOntapScenario(t *testing.T) {
	s := startStdio(t)
	rels := items(s.ok("ontap_list_snapmirror", map[string]any{"target": "ontap-dr", "state": "snapmirrored", "healthy": true}))
	if len(rels) == 0 {
		t.Fatal("no healthy relationship")
	}
	var relID, svm, vol string
	for _, r := range rels {
		src, _ := r["source_path"].(string)
		if a, b, ok := strings.Cut(src, ":"); ok && relID == "" {
			relID, svm, vol = r["uuid"].(string), a, b
		}
	}
	if relID == "" {
		t.Fatalf("relationships without source path: %v", rels[0])
	}
	v := map[string]any{"target": "ontap-prod", "volume": vol, "svm": svm}
	with := func(kv ...any) map[string]any {
		out := map[string]any{}
		for k, x := range v {
			out[k] = x
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	s.ok("ontap_create_snapshot", with("name", "e2e_snap"))
	if l := items(s.ok("ontap_list_snapshots", with("name", "e2e_snap"))); len(l) != 1 {
		t.Fatalf("snapshot not listed: %v", l)
	}
	// Find a file inside the snapshot.
	var file string
	dirs := []string{"/"}
	for len(dirs) > 0 && file == "" {
		d := dirs[0]
		dirs = dirs[1:]
		for _, f := range items(s.ok("ontap_list_files", with("snapshot", "e2e_snap", "path", d))) {
			p := strings.TrimSuffix(d, "/") + "/" + f["name"].(string)
			switch f["type"] {
			case "file":
				if file == "" {
					file = p
				}
			case "directory":
				dirs = append(dirs, p)
			}
		}
	}
	if file == "" {
		t.Fatalf("no file in %s:%s", svm, vol)
	}
	restorePath := "/e2e_restored_" + file[strings.LastIndex(file, "/")+1:]
	if rf := s.ok("ontap_restore_file", with("snapshot", "e2e_snap", "path", file, "restore_path", restorePath)); rf["confirmation_required"] == true {
		t.Fatalf("restore to a new path asked for confirmation: %v", rf)
	}
	found := false
	for _, f := range items(s.ok("ontap_list_files", with("path", "/"))) {
		found = found || "/"+f["name"].(string) == restorePath
	}
	if !found {
		t.Fatalf("%s not restored", restorePath)
	}
	if c := s.ok("ontap_clone_volume", with("snapshot", "e2e_snap", "clone_name", vol+"_e2e_clone")); c["name"] != vol+"_e2e_clone" {
		t.Fatalf("clone: %v", c)
	}
	if _, text, isErr := s.call("ontap_delete_snapshot", with("snapshot", "e2e_snap")); !isErr || !strings.Contains(text, "clone") {
		t.Fatalf("delete behind the clone: %s", text)
	}

	rel := map[string]any{"relationship": relID}
	state := func() string {
		return items(s.ok("ontap_list_snapmirror", map[string]any{"target": "ontap-dr", "relationship": relID}))[0]["state"].(string)
	}
	steps := []struct {
		tool, want  string
		destructive bool
	}{
		{"ontap_snapmirror_update", "snapmirrored", false},
		{"ontap_snapmirror_quiesce", "paused", false},
		{"ontap_snapmirror_resume", "snapmirrored", false},
		{"ontap_snapmirror_break", "broken_off", true},
		{"ontap_snapmirror_resync", "snapmirrored", true},
	}
	for _, st := range steps {
		if st.destructive {
			s.confirmed(st.tool, rel)
		} else {
			s.ok(st.tool, rel)
		}
		if got := state(); got != st.want {
			t.Fatalf("after %s: state %s, want %s", st.tool, got, st.want)
		}
	}
	t.Logf("drove %s:%s and relationship %s over stdio", svm, vol, relID)
}
