package analysis_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

func metricOf(t *testing.T, rep map[string]any, id string) map[string]any {
	t.Helper()
	for _, m := range rep["metrics"].([]any) {
		if mm := m.(map[string]any); mm["id"] == id {
			return mm
		}
	}
	t.Fatalf("no metric %s", id)
	return nil
}

func images(t *testing.T, res *mcp.CallToolResult) int {
	t.Helper()
	n := 0
	for _, c := range res.Content {
		img, ok := c.(mcp.ImageContent)
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(img.Data)
		if err != nil || img.MIMEType != "image/png" {
			t.Fatalf("image block: %v %s", err, img.MIMEType)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(raw))
		if err != nil || cfg.Width != 800 || cfg.Height != 450 {
			t.Fatalf("PNG %dx%d: %v", cfg.Width, cfg.Height, err)
		}
		n++
	}
	return n
}

func notes(res map[string]any) (included int, reasons []string) {
	for _, c := range res["charts"].([]any) {
		n := c.(map[string]any)
		if n["included"] == true {
			included++
		} else {
			reasons = append(reasons, n["name"].(string)+": "+n["reason"].(string))
		}
	}
	return
}

// TestMetricsOnTheDemoEstate runs drills, a failover and a backup through
// the workflow tools, then checks that get_metrics counts exactly those
// runs (by id), computes drill RTO and MTTR from their own records, carries
// PNG charts beside the structured content (and none with charts=false),
// and that recovery://metrics serves the same report.
func TestMetricsOnTheDemoEstate(t *testing.T) {
	e := testenv.Start(t)
	before := e.OK("get_metrics", map[string]any{"charts": false})["report"].(map[string]any)
	if m := metricOf(t, before, "drill_rto_met"); m["value"] != nil || m["missing"] != "no drill in the period" {
		t.Errorf("before any drill: %v", m)
	}
	if m := metricOf(t, before, "mttr"); m["value"] != nil || !strings.Contains(m["missing"].(string), "no recovery") {
		t.Errorf("before any recovery: %v", m)
	}

	var drills []map[string]any
	for range 2 {
		r := e.OK("workflow_start", map[string]any{"kind": "recovery_testing", "params": map[string]any{"target": "ontap-prod", "volume": "vol_hr"}})
		if r["status"] != "succeeded" {
			t.Fatalf("drill %v", r)
		}
		drills = append(drills, r)
	}
	dr := e.OK("workflow_start", map[string]any{"kind": "disaster_recovery", "params": map[string]any{"target": "ontap-prod", "volume": "vol_finance", "type": "planned"}})
	_, done := e.Confirmed("workflow_decide", map[string]any{"id": dr["id"], "decision": "approve"})
	if done["status"] != "succeeded" {
		t.Fatalf("failover %v", done)
	}
	bk := e.OK("workflow_start", map[string]any{"kind": "scheduled_backup", "params": map[string]any{"target": "ontap-prod", "volume": "vol_hr"}})
	if bk["status"] != "succeeded" {
		t.Fatalf("backup %v", bk)
	}

	res := e.Call("get_metrics", map[string]any{"period": "7d"})
	out := testenv.Structured(t, res)
	rep := out["report"].(map[string]any)
	if p := rep["period"].(map[string]any); p["label"] != "last 7 days" {
		t.Errorf("period %v", p)
	}

	// drills: both runs, by id, each RTO against its own target
	m := metricOf(t, rep, "drill_rto_met")
	src := m["source"].(map[string]any)
	ids := src["ids"].([]any)
	if src["counts"].(map[string]any)["drills"] != 2.0 || len(ids) != 2 || ids[0] == ids[1] ||
		!(ids[0] == drills[0]["id"] || ids[0] == drills[1]["id"]) {
		t.Errorf("drill source %v", src)
	}
	met := 0
	for _, d := range drills {
		r := d["result"].(map[string]any)
		if r["rto_s"].(float64) <= r["rto_target_s"].(float64) {
			met++
		}
	}
	if m["value"].(float64) != float64(50*met) {
		t.Errorf("drill RTO met %v, want %d%%", m["value"], 50*met)
	}
	if got := rep["drills"].([]any); len(got) != 2 {
		t.Errorf("drills %v", got)
	}

	// MTTR: the one failover, end - start as the journal has them
	m = metricOf(t, rep, "mttr")
	run, err := e.Server.Env.Workflows.Describe(context.Background(), done["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m["value"].(float64); !ok || math.Abs(v-run.Updated.Sub(run.Created).Seconds()) > 1e-3 {
		t.Errorf("mttr %v, want %v (failover %s)", m["value"], run.Updated.Sub(run.Created).Seconds(), done["id"])
	}
	if ids := m["source"].(map[string]any)["ids"].([]any); len(ids) != 1 || ids[0] != done["id"] {
		t.Errorf("mttr source %v", m["source"])
	}

	// the backup run is among the backup success sources; drills among the recovery tests
	if c := metricOf(t, rep, "backup_success_rate")["source"].(map[string]any)["counts"].(map[string]any); c["workflow_runs"] != 1.0 {
		t.Errorf("backup success counts %v", c)
	}
	if c := metricOf(t, rep, "recovery_test_success_rate")["source"].(map[string]any)["counts"].(map[string]any); c["workflow_runs"] != 2.0 {
		t.Errorf("recovery test counts %v", c)
	}
	// storage efficiency from the arrays' own logical and physical figures
	// (the simulator gives each volume a 1.2:1 to 3:1 reduction)
	if m := metricOf(t, rep, "storage_efficiency"); m["value"] == nil || m["value"].(float64) < 1.2 || m["value"].(float64) > 3 ||
		m["source"].(map[string]any)["counts"].(map[string]any)["volumes"].(float64) < 1 {
		t.Errorf("storage efficiency %v", m)
	}
	// every metric has a value with a source, or says what is missing
	for _, x := range rep["metrics"].([]any) {
		mm := x.(map[string]any)
		if (mm["value"] == nil) == (mm["missing"] == nil) || mm["source"] == nil {
			t.Errorf("metric %s: value %v, missing %v", mm["id"], mm["value"], mm["missing"])
		}
	}

	// charts: one image per included chart; the others say why
	included, reasons := notes(out)
	if n := images(t, res); n != included || n < 2 {
		t.Errorf("%d images, %d charts included (not drawn: %v)", n, included, reasons)
	}
	if !strings.Contains(testenv.Text(res), "metrics of the estate over last 7 days") {
		t.Errorf("summary: %.200s", testenv.Text(res))
	}
	off := e.Call("get_metrics", map[string]any{"period": "7d", "charts": false})
	if n := images(t, off); n != 0 {
		t.Errorf("charts=false: %d images", n)
	}
	if inc, why := notes(testenv.Structured(t, off)); inc != 0 || len(why) != 4 || !strings.Contains(why[0], "charts=false") {
		t.Errorf("charts=false notes %v", why)
	}

	// scope and period arguments
	md := testenv.Text(e.Call("get_metrics", map[string]any{"entity": "vol_hr", "period": "30d/now", "format": "markdown", "charts": false}))
	if !strings.Contains(md, "# Backup success metrics: entity vol_hr") || !strings.Contains(md, "| Drills within RTO target |") {
		t.Errorf("markdown: %.300s", md)
	}
	for _, bad := range []map[string]any{{"period": "5d"}, {"period": "/now"}, {"entity": "no_such_volume"}, {"period": "1d/7d"}} {
		if msg := e.Err("get_metrics", bad); msg == "" {
			t.Errorf("%v: no error", bad)
		}
	}

	// the resource: Markdown and the JSON report over the last 30 days
	rr, err := e.Client.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "recovery://metrics"}})
	if err != nil || len(rr.Contents) != 2 {
		t.Fatalf("read recovery://metrics: %v", err)
	}
	if txt := rr.Contents[0].(mcp.TextResourceContents).Text; !strings.Contains(txt, "| Backup success rate |") {
		t.Errorf("resource markdown: %.300s", txt)
	}
	var jr struct {
		Period  struct{ Label string }
		Metrics []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(rr.Contents[1].(mcp.TextResourceContents).Text), &jr); err != nil || jr.Period.Label != "last 30 days" || len(jr.Metrics) != 11 {
		t.Errorf("resource JSON: %v %+v", err, jr)
	}

	// the forecast chart beside predictions, or the reason it is missing
	pr := e.Call("predict_backup_failures", map[string]any{})
	inc, why := notes(testenv.Structured(t, pr))
	if n := images(t, pr); n != inc || inc+len(why) != 1 {
		t.Errorf("forecast: %d images, %d included, %v", n, inc, why)
	}
}
