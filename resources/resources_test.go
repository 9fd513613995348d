package resources_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func read(t *testing.T, e *testenv.Env, uri string) (string, error) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := e.Client.ReadResource(context.Background(), req)
	if err != nil {
		return "", err
	}
	return res.Contents[0].(mcp.TextResourceContents).Text, nil
}

func TestResourcesOnDemoEstate(t *testing.T) {
	e := testenv.Start(t)
	health, err := read(t, e, "recovery://health")
	if err != nil || !strings.HasPrefix(health, "# Backup health: ") || !strings.Contains(health, "vol_eng_src") {
		t.Fatalf("health: %v\n%s", err, health)
	}
	rp := testenv.Items(t, e.OK("nutanix_list_recovery_points", map[string]any{"target": "pc-prod", "limit": 1}))[0]["ext_id"].(string)
	vol := testenv.Items(t, e.OK("ontap_list_volumes", map[string]any{"target": "ontap-prod", "name": "vol_finance"}))[0]["uuid"].(string)
	cases := []struct{ uri, want string }{
		{"nutanix://pc-prod/recovery-points/" + rp, `"extId":"` + rp},
		{"ontap://ontap-prod/volumes/" + vol, `"name":"vol_finance"`},
	}
	for _, c := range cases {
		got, err := read(t, e, c.uri)
		if err != nil || !strings.Contains(got, c.want) {
			t.Errorf("%s: %v %s", c.uri, err, got)
		}
	}
	if _, err := read(t, e, "ontap://pc-prod/volumes/"+vol); err == nil || !strings.Contains(err.Error(), "nutanix target") {
		t.Errorf("wrong target kind: %v", err)
	}
	tpls, err := e.Client.ListResourceTemplates(context.Background(), mcp.ListResourceTemplatesRequest{})
	if err != nil || len(tpls.ResourceTemplates) != 5 {
		t.Errorf("templates: %v %v", err, tpls)
	}
}

func TestPromptsAndCompletion(t *testing.T) {
	e := testenv.Start(t)
	list, err := e.Client.ListPrompts(context.Background(), mcp.ListPromptsRequest{})
	if err != nil || len(list.Prompts) != 6 {
		t.Fatalf("prompts: %v %+v", err, list)
	}
	for _, p := range list.Prompts {
		req := mcp.GetPromptRequest{}
		req.Params.Name = p.Name
		req.Params.Arguments = map[string]string{"entity": "vol_finance", "framework": "sox", "volume": "vol_finance"}
		res, err := e.Client.GetPrompt(context.Background(), req)
		if err != nil || len(res.Messages) == 0 {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		text := res.Messages[0].Content.(mcp.TextContent).Text
		if len(text) < 200 || !strings.Contains(text, "Call ") {
			t.Errorf("%s playbook too thin: %s", p.Name, text)
		}
	}
	cases := []struct{ arg, prefix, want string }{
		{"target", "ontap", "ontap-dr"},
		{"entity", "vol_f", "vol_finance"},
		{"framework", "h", "hipaa"},
	}
	for _, c := range cases {
		req := mcp.CompleteRequest{}
		req.Params.Ref = mcp.PromptReference{Type: "ref/prompt", Name: "plan_recovery"}
		req.Params.Argument.Name, req.Params.Argument.Value = c.arg, c.prefix
		res, err := e.Client.Complete(context.Background(), req)
		if err != nil {
			t.Fatalf("complete %s: %v", c.arg, err)
		}
		found := false
		for _, v := range res.Completion.Values {
			found = found || v == c.want
			if !strings.HasPrefix(strings.ToLower(v), c.prefix) {
				t.Errorf("%s completion %q does not start with %q", c.arg, v, c.prefix)
			}
		}
		if !found {
			t.Errorf("%s completions for %q: %v", c.arg, c.prefix, res.Completion.Values)
		}
	}
}

func TestRunResources(t *testing.T) {
	e := testenv.Start(t)
	run := e.OK("workflow_start", map[string]any{"kind": "recovery_testing", "params": map[string]any{"target": "ontap-prod", "volume": "vol_finance"}})
	id := run["id"].(string)
	list, err := read(t, e, "recovery://runs")
	if err != nil || !strings.Contains(list, `"URI":"recovery://runs/`+id+`"`) {
		t.Fatalf("runs: %v %s", err, list)
	}
	req := mcp.ReadResourceRequest{}
	req.Params.URI = "recovery://runs/" + id
	res, err := e.Client.ReadResource(context.Background(), req)
	if err != nil || len(res.Contents) != 2 {
		t.Fatalf("run: %v %+v", err, res)
	}
	md := res.Contents[0].(mcp.TextResourceContents)
	js := res.Contents[1].(mcp.TextResourceContents)
	if md.MIMEType != "text/markdown" || !strings.Contains(md.Text, "## Timeline") || !strings.Contains(md.Text, "| clone | done |") {
		t.Errorf("markdown:\n%s", md.Text)
	}
	if js.MIMEType != "application/json" || !strings.Contains(js.Text, `"evidence"`) {
		t.Errorf("json: %s", js.Text)
	}
	if _, err := read(t, e, "recovery://runs/run_nope"); err == nil {
		t.Error("an unknown run was read")
	}
}
