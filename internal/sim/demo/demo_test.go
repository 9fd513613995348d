package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// The default generated estate is built once and served once for the
// read-only tests of this package (reads do not move the clock).
var (
	genOnce sync.Once
	genDemo *Demo
	genErr  error
	genTook time.Duration
)

func generated(t testing.TB) *Demo {
	t.Helper()
	genOnce.Do(func() {
		start := time.Now()
		est, err := fleet.Generate(fleet.GenerateOptions{Seed: 1})
		genTook = time.Since(start)
		if err != nil {
			genErr = err
			return
		}
		genDemo, genErr = Start(context.Background(), Options{Estate: est})
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genDemo
}

func target(t testing.TB, d *Demo, name string) Target {
	t.Helper()
	for _, tg := range d.Targets {
		if tg.Name == name {
			return tg
		}
	}
	t.Fatalf("no target %s", name)
	return Target{}
}

func baseURL(tg Target) string {
	scheme := "https"
	if tg.PlainHTTP {
		scheme = "http"
	}
	return fmt.Sprintf("%s://%s:%d", scheme, tg.Host, tg.Port)
}

// getJSON is what any HTTP client does: a GET with basic auth.
func getJSON(t *testing.T, hc *http.Client, tg Target, path string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL(tg)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(tg.Username, tg.Password)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestGeneratedEstateWithPlainHTTP reads the generated estate's simulators
// with nothing but net/http, as any client of `recovery-mcp sim` would.
func TestGeneratedEstateWithPlainHTTP(t *testing.T) {
	d := generated(t)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: d.CA.ClientTLS()}, Timeout: 30 * time.Second}

	var vols struct {
		NumRecords int `json:"num_records"`
		Records    []struct {
			UUID, Name string
			SVM        struct{ Name string } `json:"svm"`
		} `json:"records"`
	}
	getJSON(t, hc, target(t, d, "ontap-prod"), "/api/storage/volumes?fields=name,svm.name", &vols)
	if vols.NumRecords != fleet.DefaultVolumes || len(vols.Records) != vols.NumRecords {
		t.Fatalf("ontap-prod volumes: num_records %d, %d records; want %d", vols.NumRecords, len(vols.Records), fleet.DefaultVolumes)
	}
	found := false
	for _, v := range vols.Records {
		found = found || (v.Name == fleet.PlantedRansomwareVol && v.SVM.Name == "svm_nas")
	}
	if !found {
		t.Errorf("ontap-prod lists no svm_nas:%s", fleet.PlantedRansomwareVol)
	}

	var vms struct {
		Data []struct {
			ExtID string `json:"extId"`
			Name  string `json:"name"`
		} `json:"data"`
		Metadata struct {
			TotalAvailableResults int `json:"totalAvailableResults"`
		} `json:"metadata"`
	}
	getJSON(t, hc, target(t, d, "pc-prod"), "/api/vmm/v4.0/ahv/config/vms?$limit=100", &vms)
	if vms.Metadata.TotalAvailableResults != fleet.DefaultVMs || len(vms.Data) != 100 {
		t.Fatalf("pc-prod VMs: total %d, page %d; want %d and 100", vms.Metadata.TotalAvailableResults, len(vms.Data), fleet.DefaultVMs)
	}
	getJSON(t, hc, target(t, d, "pc-prod"), "/api/vmm/v4.0/ahv/config/vms?$filter="+strings.ReplaceAll("name eq '"+fleet.PlantedRPOBreachVM+"'", " ", "%20"), &vms)
	if len(vms.Data) != 1 || vms.Data[0].Name != fleet.PlantedRPOBreachVM {
		t.Fatalf("filter by name: %+v", vms.Data)
	}
}

func nutanixClient(t testing.TB, d *Demo, name string, mod func(*nutanix.Options)) *nutanix.Client {
	t.Helper()
	tg := target(t, d, name)
	o := nutanix.Options{Endpoint: baseURL(tg), Username: tg.Username, Password: tg.Password, TLSConfig: d.CA.ClientTLS()}
	if mod != nil {
		mod(&o)
	}
	c, err := nutanix.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ontapClient(t testing.TB, d *Demo, name string, mod func(*ontap.Options)) *ontap.Client {
	t.Helper()
	tg := target(t, d, name)
	o := ontap.Options{Endpoint: baseURL(tg), Username: tg.Username, Password: tg.Password, TLSConfig: d.CA.ClientTLS()}
	if mod != nil {
		mod(&o)
	}
	c, err := ontap.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fullListings lists what nutanix_list_vms / nutanix_list_recovery_points
// and ontap_list_volumes / ontap_list_snapshots read for a whole site.
func fullListings(t testing.TB, d *Demo) (vms, rps, tasks, vols, snaps int, took [5]time.Duration) {
	ctx := context.Background()
	nc := nutanixClient(t, d, "pc-prod", nil)
	oc := ontapClient(t, d, "ontap-prod", nil)
	start := time.Now()
	v, err := nc.ListAllVMs(ctx, nutanix.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	took[0] = time.Since(start)
	start = time.Now()
	r, err := nc.ListAllRecoveryPoints(ctx, nutanix.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	took[1] = time.Since(start)
	// The task history, page by page as the inventory collector reads it.
	start = time.Now()
	for page := 0; ; page++ {
		p, err := nc.ListTasks(ctx, nutanix.ListOptions{Page: page, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		tasks += len(p.Items)
		if !p.HasNext() {
			break
		}
	}
	took[4] = time.Since(start)
	start = time.Now()
	vl, err := oc.ListVolumes(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	took[2] = time.Since(start)
	start = time.Now()
	uuids := make([]string, len(vl))
	for i, x := range vl {
		uuids[i] = x.UUID
	}
	sn, err := oc.ListSnapshotsForVolumes(ctx, uuids, nil)
	if err != nil {
		t.Fatal(err)
	}
	took[3] = time.Since(start)
	for _, l := range sn {
		snaps += len(l)
	}
	return len(v), len(r), tasks, len(vl), snaps, took
}

// TestFullListingTimings measures full listings of the generated estate
// through our clients (run with -v to see the numbers).
func TestFullListingTimings(t *testing.T) {
	d := generated(t)
	vms, rps, tasks, vols, snaps, took := fullListings(t, d)
	t.Logf("fleet.Generate (default estate): %s", genTook)
	t.Logf("pc-prod: %d VMs in %s, %d recovery points in %s, %d tasks (pages of 100) in %s", vms, took[0], rps, took[1], tasks, took[4])
	t.Logf("ontap-prod: %d volumes in %s, %d snapshots of all volumes in %s", vols, took[2], snaps, took[3])
	pc := d.Estate.PrismCentralByName("pc-prod")
	pc.Mu.Lock()
	wantRPs, wantTasks := len(pc.RecoveryPoints), len(pc.Tasks)
	pc.Mu.Unlock()
	if vms != fleet.DefaultVMs || rps != wantRPs || tasks != wantTasks || vols != fleet.DefaultVolumes || snaps < 1000 {
		t.Errorf("listed %d VMs, %d recovery points (want %d), %d tasks (want %d), %d volumes, %d snapshots", vms, rps, wantRPs, tasks, wantTasks, vols, snaps)
	}
	for i, d := range took {
		if d > 20*time.Second {
			t.Errorf("listing %d took %s", i, d)
		}
	}
}

func BenchmarkFullListings(b *testing.B) {
	d := generated(b)
	for b.Loop() {
		fullListings(b, d)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := fleet.Generate(fleet.GenerateOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// small serves the small hand-built estate with the given faults.
func small(t *testing.T, rules ...fault.Rule) *Demo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := Start(ctx, Options{Estate: fleet.Small(fleet.DefaultNow), Faults: rules})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); d.Close() })
	return d
}

// TestClientsHonourRetryAfter: a 429 with Retry-After is retried after the
// wait the server asked for, by both clients.
func TestClientsHonourRetryAfter(t *testing.T) {
	d := small(t,
		fault.Rule{Path: "/api/vmm/*", RateLimitRate: 1, RetryAfter: time.Second, Count: 1},
		fault.Rule{Path: "/api/storage/volumes", RateLimitRate: 1, RetryAfter: time.Second, Count: 1},
	)
	ctx := context.Background()
	nc := nutanixClient(t, d, "pc-prod", func(o *nutanix.Options) { o.RetryWaitMin, o.RetryWaitMax = 10*time.Millisecond, 5*time.Second })
	start := time.Now()
	vms, err := nc.ListAllVMs(ctx, nutanix.ListOptions{})
	if err != nil {
		t.Fatalf("nutanix: %v", err)
	}
	if el := time.Since(start); len(vms) == 0 || el < 900*time.Millisecond {
		t.Errorf("nutanix: %d VMs after %s; want the list after waiting Retry-After (1s)", len(vms), el)
	}
	oc := ontapClient(t, d, "ontap-prod", func(o *ontap.Options) { o.RetryWaitMin, o.RetryWaitMax = 10*time.Millisecond, 5*time.Second })
	start = time.Now()
	vols, err := oc.ListVolumes(ctx, nil)
	if err != nil {
		t.Fatalf("ontap: %v", err)
	}
	if el := time.Since(start); len(vols) == 0 || el < 900*time.Millisecond {
		t.Errorf("ontap: %d volumes after %s; want the list after waiting Retry-After (1s)", len(vols), el)
	}
}

// TestClientsFailClearlyOnErrors: with every request failing, the clients
// give up after their retries with an error naming the status.
func TestClientsFailClearlyOnErrors(t *testing.T) {
	d := small(t, fault.Rule{ErrorRate: 1, Status: http.StatusServiceUnavailable})
	ctx := context.Background()
	nc := nutanixClient(t, d, "pc-prod", func(o *nutanix.Options) {
		o.RetryMax, o.RetryWaitMin, o.RetryWaitMax = 2, 5*time.Millisecond, 10*time.Millisecond
	})
	_, err := nc.ListAllVMs(ctx, nutanix.ListOptions{})
	var ne *nutanix.APIError
	if err == nil || !errors.As(err, &ne) || ne.HTTPStatus != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "503") {
		t.Errorf("nutanix: got %v (%T), want an APIError with status 503", err, err)
	}
	oc := ontapClient(t, d, "ontap-prod", func(o *ontap.Options) {
		o.RetryMax, o.RetryWaitMin, o.RetryWaitMax = 2, 5*time.Millisecond, 10*time.Millisecond
	})
	_, err = oc.ListVolumes(ctx, nil)
	if err == nil || ontap.HTTPStatus(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "503") {
		t.Errorf("ontap: got %v, want an error with status 503", err)
	}
	t.Logf("ontap error: %v", err)
}

// TestScenarioFaultsReachTheSimulators: a scenario's fault rules, given to
// Start, shape the answers.
func TestScenarioFaultsReachTheSimulators(t *testing.T) {
	sc, err := fleet.ParseScenario([]byte(`
generate: false
prism_centrals:
  - name: pc-lab
    clusters: [{name: lab-01}]
    vms: [{name: vm-a}]
faults:
  - {path: "/api/vmm/*", latency: 150ms}
  - {path: "/api/clustermgmt/*", rate_limit_rate: 1, retry_after: 3s}
`), "inline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	est, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := Start(ctx, Options{Estate: est, Faults: sc.Faults, PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tg := target(t, d, "pc-lab")
	get := func(path string) (*http.Response, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, baseURL(tg)+path, nil)
		req.SetBasicAuth(tg.Username, tg.Password)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp, time.Since(start)
	}
	if resp, el := get("/api/vmm/v4.0/ahv/config/vms"); resp.StatusCode != 200 || el < 150*time.Millisecond {
		t.Errorf("vms: %s after %s; want 200 after the injected 150ms", resp.Status, el)
	}
	if resp, _ := get("/api/clustermgmt/v4.0/config/clusters"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("clusters: %s Retry-After %q; want 429 with Retry-After 3", resp.Status, resp.Header.Get("Retry-After"))
	}
}
