package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/demo"
)

const scenarios = "../../testdata/scenarios/"

// TestSimServesScenarioToAnyClient runs `recovery-mcp sim --scenario` and
// reads the printed targets with plain net/http, with the fault flag's
// latency on every answer.
func TestSimServesScenarioToAnyClient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := newSimCmd()
	pr, pw := io.Pipe()
	cmd.SetOut(pw)
	cmd.SetArgs([]string{"--scenario", scenarios + "small.yaml", "--plain-http", "--latency", "60ms", "--log-level", "error"})
	errc := make(chan error, 1)
	go func() { errc <- cmd.ExecuteContext(ctx); pw.Close() }()
	var out struct {
		Targets []demo.Target `json:"targets"`
	}
	if err := json.NewDecoder(pr).Decode(&out); err != nil {
		t.Fatalf("decode the targets: %v (command: %v)", err, <-errc)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	// The Prism Central, the ONTAP cluster and the AIQUM managing it.
	if len(out.Targets) != 3 {
		t.Fatalf("targets %+v", out.Targets)
	}
	get := func(tg demo.Target, path string, v any) time.Duration {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d%s", tg.Host, tg.Port, path), nil)
		req.SetBasicAuth(tg.Username, tg.Password)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	for _, tg := range out.Targets {
		switch tg.Kind {
		case "ontap":
			var vols struct {
				NumRecords int `json:"num_records"`
			}
			if el := get(tg, "/api/storage/volumes", &vols); vols.NumRecords != 2 || el < 60*time.Millisecond {
				t.Errorf("%s: %d volumes after %s; want 2 after the 60ms latency", tg.Name, vols.NumRecords, el)
			}
		case "aiqum":
			var gws struct {
				Records []struct {
					Name string `json:"name"`
				} `json:"records"`
			}
			if get(tg, "/api/gateways", &gws); len(gws.Records) != 1 || gws.Records[0].Name != "ontap-lab" {
				t.Errorf("%s: gateways %+v, want ontap-lab", tg.Name, gws)
			}
			var vols struct {
				NumRecords int `json:"num_records"`
			}
			if get(tg, "/api/v2/datacenter/storage/volumes", &vols); vols.NumRecords != 2 {
				t.Errorf("%s: %d volumes in the inventory, want 2", tg.Name, vols.NumRecords)
			}
		case "nutanix":
			var vms struct {
				Metadata struct {
					TotalAvailableResults int `json:"totalAvailableResults"`
				} `json:"metadata"`
			}
			if get(tg, "/api/vmm/v4.0/ahv/config/vms", &vms); vms.Metadata.TotalAvailableResults != 3 {
				t.Errorf("%s: %d VMs, want 3", tg.Name, vms.Metadata.TotalAvailableResults)
			}
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("sim: %v", err)
	}
}

func TestSimFaultFlagsChecked(t *testing.T) {
	cmd := newSimCmd()
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"--scenario", scenarios + "small.yaml", "--error-rate", "0.7", "--drop-rate", "0.5", "--log-level", "error"})
	err := cmd.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--error-rate") {
		t.Errorf("got %v, want an error naming the fault flags", err)
	}
}

func TestDemoEstate(t *testing.T) {
	est, faults, err := demoEstate(&serverFlags{seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if est.Seed != 4 || len(faults) != 0 || len(est.PrismCentralByName("pc-prod").VMs) != 200 || len(est.Planted) == 0 {
		t.Errorf("default: seed %d, %d faults", est.Seed, len(faults))
	}
	est, faults, err = demoEstate(&serverFlags{seed: 4, scenario: scenarios + "flaky-network.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if est.Seed != 4 || len(faults) < 3 || len(est.PrismCentralByName("pc-prod").TaskFaults) == 0 {
		t.Errorf("flaky-network: seed %d, %d faults", est.Seed, len(faults))
	}
	est, _, err = demoEstate(&serverFlags{seed: 4, scenario: scenarios + "small.yaml"})
	if err != nil || est.Seed != 7 {
		t.Errorf("small.yaml: %v, seed %d (the scenario's 7 wins)", err, est.Seed)
	}
	if _, _, err := demoEstate(&serverFlags{scenario: scenarios + "missing.yaml"}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}
