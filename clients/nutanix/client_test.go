package nutanix_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

const password = "Nutanix/4u!"

var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

type env struct {
	estate   *fleet.Estate
	prod, dr *fleet.PrismCentral
	prodSim  *simnutanix.Server
	c, drC   *nutanix.Client
	prodURL  string
	tls      *tls.Config
}

// fastOptions poll and retry quickly.
func fastOptions(endpoint string) nutanix.Options {
	return nutanix.Options{
		Endpoint: endpoint, Username: "admin", Password: password,
		PollInterval: time.Millisecond, PollMaxInterval: 4 * time.Millisecond,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 4 * time.Millisecond,
	}
}

// newEnv serves SmallNutanix over HTTPS (prod) and HTTP (dr); wrap, if
// set, wraps the prod handler.
func newEnv(t *testing.T, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	e := &fleet.Estate{Clock: fleet.NewClock(t0)}
	fleet.SmallNutanix(e)
	en := &env{estate: e, prod: e.PrismCentralByName("pc-prod"), dr: e.PrismCentralByName("pc-dr")}
	en.prodSim = simnutanix.New(e, en.prod, simnutanix.Options{})
	var h http.Handler = en.prodSim
	if wrap != nil {
		h = wrap(h)
	}
	ps := httptest.NewTLSServer(h)
	ds := httptest.NewServer(simnutanix.New(e, en.dr, simnutanix.Options{}))
	t.Cleanup(ps.Close)
	t.Cleanup(ds.Close)
	en.prodURL = ps.URL
	opts := fastOptions(ps.URL)
	opts.TLSConfig = ps.Client().Transport.(*http.Transport).TLSClientConfig
	en.tls = opts.TLSConfig
	var err error
	if en.c, err = nutanix.New(opts); err != nil {
		t.Fatal(err)
	}
	if en.drC, err = nutanix.New(fastOptions(ds.URL)); err != nil {
		t.Fatal(err)
	}
	return en
}

func (en *env) vm(t *testing.T, name string) nutanix.VM {
	t.Helper()
	vms, err := en.c.ListAllVMs(context.Background(), nutanix.ListOptions{Filter: nutanix.Eq("name", name)})
	if err != nil || len(vms) != 1 {
		t.Fatalf("VM %s: %v (%d found)", name, err, len(vms))
	}
	return vms[0]
}

// wait returns a function that waits for the task a mutation started:
// en.wait(t)(en.c.DeleteRecoveryPoint(...)).
func (en *env) wait(t *testing.T) func(nutanix.TaskRef, error) *nutanix.Task {
	return func(ref nutanix.TaskRef, err error) *nutanix.Task {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		task, err := en.c.WaitTask(context.Background(), ref.ExtID, nil)
		if err != nil {
			t.Fatalf("task %s: %v", ref.ExtID, err)
		}
		return task
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		opts nutanix.Options
		err  string
	}{
		{"ok basic", nutanix.Options{Endpoint: "https://pc:9440", Username: "a", Password: "b"}, ""},
		{"ok key", nutanix.Options{Endpoint: "https://pc:9440/", APIKey: "k", APIVersion: "v4.3"}, ""},
		{"ok beta version", nutanix.Options{Endpoint: "http://pc", APIKey: "k", APIVersion: "v4.0.b1"}, ""},
		{"bad version", nutanix.Options{Endpoint: "https://pc:9440", APIKey: "k", APIVersion: "v3"}, "not a v4 version"},
		{"bad scheme", nutanix.Options{Endpoint: "ftp://pc", APIKey: "k"}, "not an http(s) URL"},
		{"no host", nutanix.Options{Endpoint: "https://", APIKey: "k"}, "not an http(s) URL"},
		{"no credentials", nutanix.Options{Endpoint: "https://pc:9440"}, "no credentials"},
		{"credentials in URL", nutanix.Options{Endpoint: "https://admin:secret@pc:9440", APIKey: "k"}, "not in the endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := nutanix.New(tt.opts)
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Fatal("error leaks the password")
			}
		})
	}
}

func TestSecretsRedacted(t *testing.T) {
	const pass, key = "hunter2-very-secret", "api-key-very-secret"
	var logs bytes.Buffer
	opts := nutanix.Options{Endpoint: "https://pc:9440", Username: "admin", Password: pass, APIKey: key,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	c, err := nutanix.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, format+"\n", opts)
		fmt.Fprintf(&out, format+"\n", c)
		fmt.Fprintf(&out, format+"\n", &opts)
	}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "opts", opts, "client", c)
	if strings.Contains(out.String(), pass) || strings.Contains(out.String(), key) {
		t.Fatalf("secret in output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "[REDACTED]") || !strings.Contains(out.String(), "admin") {
		t.Fatalf("output lacks the redacted form:\n%s", out.String())
	}

	// Requests, errors and logs of a failing call carry no secret either.
	en := newEnv(t, nil)
	o := fastOptions(en.drURL(t))
	o.Password = pass
	o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bad, err := nutanix.New(o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.ListVMs(context.Background(), nutanix.ListOptions{})
	if !nutanix.IsUnauthorized(err) {
		t.Fatalf("err = %v, want 401", err)
	}
	if strings.Contains(err.Error(), pass) || strings.Contains(logs.String(), pass) || strings.Contains(logs.String(), key) {
		t.Fatalf("secret leaked: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "nutanix request") {
		t.Fatalf("no request log line:\n%s", logs.String())
	}
}

func (en *env) drURL(t *testing.T) string {
	t.Helper()
	// drC's endpoint is the plain-HTTP pc-dr server.
	return en.drC.Endpoint()
}

func TestReadsAgainstSimulator(t *testing.T) {
	en := newEnv(t, nil)
	ctx := context.Background()
	vm := en.vm(t, "sql-prod-01")
	if vm.ClusterExtID() == "" || vm.DiskBytes() != 800<<30 || vm.ProtectionPolicyExtID() == "" || vm.PowerState != "ON" {
		t.Fatalf("VM %+v", vm)
	}
	full, err := en.c.GetVM(ctx, vm.ExtID)
	if err != nil || full.ETag == "" || full.Name != vm.Name {
		t.Fatalf("GetVM: %+v, %v", full, err)
	}
	if _, err := en.c.GetVM(ctx, "11111111-2222-4333-8444-555555555555"); !nutanix.IsNotFound(err) {
		t.Fatalf("missing VM: %v", err)
	}

	clusters, err := en.c.ListAllClusters(ctx, nutanix.ListOptions{})
	if err != nil || len(clusters) != 3 {
		t.Fatalf("clusters %v, %v", clusters, err)
	}
	pcs := slices.IndexFunc(clusters, func(c nutanix.Cluster) bool { return c.IsPrismCentral() })
	if pcs < 0 || clusters[0].Version() != "6.8.1" || clusters[0].Network.ExternalAddress.String() == "" {
		t.Fatalf("clusters %+v", clusters)
	}
	if _, err := en.c.GetCluster(ctx, clusters[0].ExtID); err != nil {
		t.Fatal(err)
	}

	vgs, err := en.c.ListAllVolumeGroups(ctx, nutanix.ListOptions{OrderBy: "name"})
	if err != nil || len(vgs) != 2 || vgs[0].Name != "file-share-vg" {
		t.Fatalf("volume groups %+v, %v", vgs, err)
	}
	vg, err := en.c.GetVolumeGroup(ctx, vgs[0].ExtID)
	if err != nil || vg.ETag == "" || vg.ClusterReference == "" {
		t.Fatalf("GetVolumeGroup %+v, %v", vg, err)
	}
	disks, err := en.c.ListVolumeGroupDisks(ctx, vg.ExtID)
	if err != nil || len(disks) != 2 || disks[0].DiskSizeBytes != 256<<30 {
		t.Fatalf("disks %+v, %v", disks, err)
	}

	policies, err := en.c.ListAllProtectionPolicies(ctx, nutanix.ListOptions{})
	if err != nil || len(policies) != 1 {
		t.Fatalf("policies %v, %v", policies, err)
	}
	p, err := en.c.GetProtectionPolicy(ctx, policies[0].ExtID)
	if err != nil || p.RPO() != 4*time.Hour || len(p.RemoteLocations()) != 1 {
		t.Fatalf("policy %+v, %v", p, err)
	}
	remote := p.RemoteLocations()[0]
	if remote.DomainManagerExtID != en.dr.ExtID || len(remote.ClusterExtIDs()) != 1 {
		t.Fatalf("remote location %+v", remote)
	}
	sched := p.ReplicationConfigurations[0].Schedule
	if sched.Retention == nil || sched.Retention.Local != 18 || sched.Retention.Remote != 6 {
		t.Fatalf("retention %+v", sched.Retention)
	}

	dms, err := en.c.ListDomainManagers(ctx)
	if err != nil || len(dms) != 1 || dms[0].ExtID != en.prod.ExtID || dms[0].Name() != "pc-prod" {
		t.Fatalf("domain managers %+v, %v", dms, err)
	}
	if dm, err := en.c.GetDomainManager(ctx, en.prod.ExtID); err != nil || dm.Name() != "pc-prod" {
		t.Fatalf("GetDomainManager %v, %v", dm, err)
	}

	// Recovery points of a VM, newest first, one page and all pages.
	page, err := en.c.ListRecoveryPoints(ctx, nutanix.ListOptions{Limit: 5, Filter: nutanix.RecoveryPointsOfVM(vm.ExtID), OrderBy: "creationTime desc"})
	if err != nil || len(page.Items) != 5 || page.Total != 18 || !page.HasNext() {
		t.Fatalf("page %+v, %v", page, err)
	}
	all, err := en.c.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Limit: 5, Filter: nutanix.RecoveryPointsOfVM(vm.ExtID), OrderBy: "creationTime desc"})
	if err != nil || len(all) != 18 {
		t.Fatalf("all %d, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].CreationTime.After(all[i-1].CreationTime) {
			t.Fatal("ListAll lost the order")
		}
	}
	if all[0].ExtID != page.Items[0].ExtID || !all[0].Expires() || len(all[0].ClusterExtIDs()) != 1 {
		t.Fatalf("first %+v", all[0])
	}
	// A filter on a field Prism Central does not filter on is a 400.
	if _, err := en.c.ListRecoveryPoints(ctx, nutanix.ListOptions{Filter: nutanix.Lt("expirationTime", t0)}); !nutanix.IsBadRequest(err) {
		t.Fatalf("unfilterable field: %v", err)
	}
	// Empty list: no data in the envelope.
	none, err := en.c.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", "nothing")})
	if err != nil || len(none) != 0 {
		t.Fatalf("empty list %v, %v", none, err)
	}
	if _, err := en.c.ListRecoveryPoints(ctx, nutanix.ListOptions{Limit: 101}); err == nil {
		t.Fatal("limit 101 accepted")
	}
}

// A VM whose name contains quotes and OData keywords is found by exact
// name, and only it.
func TestFilterInjectionAgainstSimulator(t *testing.T) {
	en := newEnv(t, nil)
	en.prod.Mu.Lock()
	names := []string{"o'brien", "x' or name ne '", "a') or (name eq 'web-01", "''", "'"}
	for i, n := range names {
		en.prod.VMs = append(en.prod.VMs, &fleet.NutanixVM{ExtID: fleet.NewNutanixID("inject", i), Name: n, ClusterExtID: en.prod.Clusters[0].ExtID, PowerState: "OFF"})
	}
	en.prod.Mu.Unlock()
	for _, n := range append(names, "web-01") {
		vms, err := en.c.ListAllVMs(context.Background(), nutanix.ListOptions{Filter: nutanix.Eq("name", n)})
		if err != nil || len(vms) != 1 || vms[0].Name != n {
			t.Fatalf("name %q: %d VMs, %v", n, len(vms), err)
		}
		vms, err = en.c.ListAllVMs(context.Background(), nutanix.ListOptions{Filter: nutanix.StartsWith("name", n)})
		if err != nil || slices.ContainsFunc(vms, func(v nutanix.VM) bool { return !strings.HasPrefix(v.Name, n) }) {
			t.Fatalf("startswith %q: %v, %v", n, vms, err)
		}
	}
}

func TestRecoveryPointLifecycle(t *testing.T) {
	en := newEnv(t, nil)
	ctx := context.Background()
	vm := en.vm(t, "app-01")
	vgs, _ := en.c.ListAllVolumeGroups(ctx, nutanix.ListOptions{})
	var progress []nutanix.TaskProgress
	ref, err := en.c.CreateRecoveryPoint(ctx, nutanix.RecoveryPointSpec{
		Name: "before-upgrade", ExpirationTime: t0.Add(72 * time.Hour),
		VMExtIDs: []string{vm.ExtID}, VolumeGroupExtIDs: []string{vgs[0].ExtID},
		RecoveryPointType: "APPLICATION_CONSISTENT",
		VSS:               &nutanix.VSSProperties{BackupType: "FULL_BACKUP"},
	}, nutanix.Mutation{})
	if err != nil || ref.RequestID == "" {
		t.Fatalf("create: %+v, %v", ref, err)
	}
	task, err := en.c.WaitTask(ctx, ref.ExtID, func(p nutanix.TaskProgress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) < 3 || progress[0].Status != "QUEUED" || progress[len(progress)-1].Status != "SUCCEEDED" || progress[len(progress)-1].Percent != 100 {
		t.Fatalf("progress %+v", progress)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Percent < progress[i-1].Percent {
			t.Fatalf("progress went back: %+v", progress)
		}
	}
	if !strings.Contains(progress[1].Message, "Create Recovery Point") {
		t.Fatalf("progress message %q", progress[1].Message)
	}
	rpID := task.RecoveryPointExtID()
	rp, err := en.c.GetRecoveryPoint(ctx, rpID)
	if err != nil || rp.ETag == "" || rp.RecoveryPointType != "APPLICATION_CONSISTENT" || len(rp.VMRecoveryPoints) != 1 || len(rp.VolumeGroupRecoveryPoints) != 1 || rp.Status != "COMPLETE" {
		t.Fatalf("recovery point %+v, %v", rp, err)
	}
	if len(task.EntityExtIDs(nutanix.RelVM)) != 1 {
		t.Fatalf("entities %+v", task.EntitiesAffected)
	}
	vmrp, err := en.c.GetVMRecoveryPoint(ctx, rpID, rp.VMRecoveryPoints[0].ExtID)
	if err != nil || vmrp.VMExtID != vm.ExtID || len(vmrp.DiskRecoveryPoints) != 2 {
		t.Fatalf("VM recovery point %+v, %v", vmrp, err)
	}

	// Set expiration with the ETag read; the same ETag is stale afterwards.
	newExp := t0.Add(96 * time.Hour)
	en.wait(t)(en.c.SetRecoveryPointExpirationTime(ctx, rpID, newExp, nutanix.Mutation{IfMatch: rp.ETag}))
	if _, err := en.c.SetRecoveryPointExpirationTime(ctx, rpID, newExp.Add(time.Hour), nutanix.Mutation{IfMatch: rp.ETag}); !nutanix.IsPreconditionFailed(err) {
		t.Fatalf("stale ETag: %v", err)
	}
	rp2, _ := en.c.GetRecoveryPoint(ctx, rpID)
	if !rp2.ExpirationTime.Equal(newExp) || rp2.ETag == rp.ETag {
		t.Fatalf("after set-expiration %+v", rp2)
	}

	// Restore (ETag fetched by the method), renamed, on the other cluster.
	clusters, _ := en.c.ListAllClusters(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", "prod-ahv-01")})
	task = en.wait(t)(en.c.RestoreRecoveryPoint(ctx, rpID, nutanix.RestoreSpec{
		ClusterExtID: clusters[0].ExtID,
		VMs:          []nutanix.VMRestoreOverride{{VMRecoveryPointExtID: rp.VMRecoveryPoints[0].ExtID, Name: "app-01-clone"}},
		VolumeGroups: []nutanix.VolumeGroupRestoreOverride{{VolumeGroupRecoveryPointExtID: rp.VolumeGroupRecoveryPoints[0].ExtID, Name: "vg-clone"}},
	}, nutanix.Mutation{}))
	if len(task.VMExtIDs()) != 1 || len(task.VolumeGroupExtIDs()) != 1 {
		t.Fatalf("restore task %+v", task.CompletionDetails)
	}
	clone, err := en.c.GetVM(ctx, task.VMExtIDs()[0])
	if err != nil || clone.Name != "app-01-clone" || clone.ClusterExtID() != clusters[0].ExtID {
		t.Fatalf("clone %+v, %v", clone, err)
	}
	if vg, err := en.c.GetVolumeGroup(ctx, task.VolumeGroupExtIDs()[0]); err != nil || vg.Name != "vg-clone" {
		t.Fatalf("vg clone %+v, %v", vg, err)
	}

	// Replicate to the policy's remote location; read the replica on pc-dr.
	policies, _ := en.c.ListAllProtectionPolicies(ctx, nutanix.ListOptions{})
	loc := policies[0].RemoteLocations()[0]
	task = en.wait(t)(en.c.ReplicateRecoveryPoint(ctx, rpID, nutanix.ReplicateSpec{PCExtID: loc.DomainManagerExtID, ClusterExtID: loc.ClusterExtIDs()[0]}, nutanix.Mutation{}))
	replica, err := en.drC.GetRecoveryPoint(ctx, task.RecoveryPointExtID())
	if err != nil || replica.LocationAgnosticID != rp.LocationAgnosticID || replica.SourceLocation == nil || replica.SourceLocation.DomainManagerExtID != en.prod.ExtID {
		t.Fatalf("replica %+v, %v", replica, err)
	}

	// Revert the VM (its ETag fetched by the method); a stale VM ETag fails.
	if _, err := en.c.RevertVM(ctx, vm.ExtID, rp.VMRecoveryPoints[0].ExtID, nutanix.Mutation{IfMatch: "stale"}); !nutanix.IsPreconditionFailed(err) {
		t.Fatalf("stale VM ETag: %v", err)
	}
	task = en.wait(t)(en.c.RevertVM(ctx, vm.ExtID, rp.VMRecoveryPoints[0].ExtID, nutanix.Mutation{}))
	if got, _ := task.CompletionDetail("VM Recovery Point UUID"); got != rp.VMRecoveryPoints[0].ExtID {
		t.Fatalf("revert details %+v", task.CompletionDetails)
	}

	// The restored clone is off: power it on (vmm power-on action), then
	// delete it (DeleteVmById); a stale ETag is refused on both.
	if clone.PowerState != "OFF" {
		t.Fatalf("restored clone is %s, want OFF", clone.PowerState)
	}
	if _, err := en.c.PowerOnVM(ctx, clone.ExtID, nutanix.Mutation{IfMatch: "stale"}); !nutanix.IsPreconditionFailed(err) {
		t.Fatalf("power-on with a stale ETag: %v", err)
	}
	task = en.wait(t)(en.c.PowerOnVM(ctx, clone.ExtID, nutanix.Mutation{}))
	if got := task.EntityExtIDs(nutanix.RelVM); len(got) != 1 || got[0] != clone.ExtID {
		t.Fatalf("power-on task entities %v", got)
	}
	if on, err := en.c.GetVM(ctx, clone.ExtID); err != nil || on.PowerState != "ON" || on.ETag == clone.ETag {
		t.Fatalf("after power-on: %+v, %v", on, err)
	}
	if _, err := en.c.DeleteVM(ctx, clone.ExtID, nutanix.Mutation{IfMatch: clone.ETag}); !nutanix.IsPreconditionFailed(err) {
		t.Fatalf("delete with the pre-power-on ETag: %v", err)
	}
	en.wait(t)(en.c.DeleteVM(ctx, clone.ExtID, nutanix.Mutation{}))
	if _, err := en.c.GetVM(ctx, clone.ExtID); !nutanix.IsNotFound(err) {
		t.Fatalf("clone after delete: %v", err)
	}
	if _, err := en.c.DeleteVM(ctx, clone.ExtID, nutanix.Mutation{}); !nutanix.IsNotFound(err) {
		t.Fatalf("delete the clone twice: %v", err)
	}

	// Delete; then it is not found.
	en.wait(t)(en.c.DeleteRecoveryPoint(ctx, rpID, nutanix.Mutation{}))
	if _, err := en.c.GetRecoveryPoint(ctx, rpID); !nutanix.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := en.c.DeleteRecoveryPoint(ctx, rpID, nutanix.Mutation{}); !nutanix.IsNotFound(err) {
		t.Fatalf("delete twice: %v", err)
	}
	tasks, err := en.c.ListTasks(ctx, nutanix.ListOptions{Filter: nutanix.Eq("status", "SUCCEEDED")})
	if err != nil || tasks.Total != 8 {
		t.Fatalf("tasks %v, %v", tasks.Total, err)
	}
}

func TestWaitTaskFailures(t *testing.T) {
	en := newEnv(t, nil)
	ctx := context.Background()
	vm := en.vm(t, "web-01")
	en.prodSim.FailNextTasks(fleet.OpCreateRecoveryPoint, 1, "Not enough space on container default.")
	ref, err := en.c.CreateRecoveryPoint(ctx, nutanix.RecoveryPointSpec{Name: "x", VMExtIDs: []string{vm.ExtID}}, nutanix.Mutation{})
	if err != nil {
		t.Fatal(err)
	}
	task, err := en.c.WaitTask(ctx, ref.ExtID, nil)
	var te *nutanix.TaskError
	if !errors.As(err, &te) || te.Status != "FAILED" || len(te.Messages) != 1 || task == nil || task.Status != "FAILED" {
		t.Fatalf("failed task: %v (%+v)", err, task)
	}
	if !strings.Contains(err.Error(), "Not enough space") || !strings.Contains(err.Error(), ref.ExtID) {
		t.Fatalf("error text %q", err.Error())
	}

	en.prodSim.StickNextTasks(fleet.OpCreateRecoveryPoint, 1)
	ref, err = en.c.CreateRecoveryPoint(ctx, nutanix.RecoveryPointSpec{Name: "y", VMExtIDs: []string{vm.ExtID}}, nutanix.Mutation{})
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	task, err = en.c.WaitTask(tctx, ref.ExtID, nil)
	if !errors.Is(err, context.DeadlineExceeded) || task == nil || task.Status != "RUNNING" {
		t.Fatalf("stuck task: %v (%+v)", err, task)
	}
	cctx, cancel2 := context.WithCancel(ctx)
	cancel2()
	if _, err := en.c.WaitTask(cctx, ref.ExtID, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestRetriedCreateIsIdempotent: the backend does the work, then the
// answer is lost (503, or a dropped connection); the client's retry carries
// the same NTNX-Request-Id, so only one recovery point exists.
func TestRetriedCreateIsIdempotent(t *testing.T) {
	for _, mode := range []string{"503", "drop"} {
		t.Run(mode, func(t *testing.T) {
			var mu sync.Mutex
			var ids []string
			failed := false
			en := newEnv(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodPost {
						h.ServeHTTP(w, r)
						return
					}
					mu.Lock()
					ids = append(ids, r.Header.Get("NTNX-Request-Id"))
					first := !failed
					failed = true
					mu.Unlock()
					if !first {
						h.ServeHTTP(w, r)
						return
					}
					h.ServeHTTP(httptest.NewRecorder(), r) // the work is done...
					if mode == "drop" {
						panic(http.ErrAbortHandler) // ...and the connection drops
					}
					w.WriteHeader(http.StatusServiceUnavailable) // ...or the answer is a 503
				})
			})
			ctx := context.Background()
			vm := en.vm(t, "web-02")
			task := en.wait(t)(en.c.CreateRecoveryPoint(ctx, nutanix.RecoveryPointSpec{Name: "once", VMExtIDs: []string{vm.ExtID}}, nutanix.Mutation{}))
			if len(ids) != 2 || ids[0] != ids[1] || ids[0] == "" {
				t.Fatalf("request ids %v", ids)
			}
			rps, err := en.c.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Filter: nutanix.Eq("name", "once")})
			if err != nil || len(rps) != 1 || rps[0].ExtID != task.RecoveryPointExtID() {
				t.Fatalf("%d recovery points named once, %v", len(rps), err)
			}
		})
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		statuses []int // answers in order; the last repeats
		header   http.Header
		wantN    int // requests made
		wantCode int // final status; 0 = success
	}{
		{"GET 503 then ok", "GET", []int{503, 200}, nil, 2, 0},
		{"GET 502 504 then ok", "GET", []int{502, 504, 200}, nil, 3, 0},
		{"GET 429 Retry-After 0", "GET", []int{429, 200}, http.Header{"Retry-After": {"0"}}, 2, 0},
		{"POST 503 then ok", "POST", []int{503, 202}, nil, 2, 0},
		{"DELETE 429 then ok", "DELETE", []int{429, 202}, nil, 2, 0},
		{"GET 500 not retried", "GET", []int{500}, nil, 1, 500},
		{"GET 404 not retried", "GET", []int{404}, nil, 1, 404},
		{"POST 400 not retried", "POST", []int{400}, nil, 1, 400},
		{"POST 412 not retried", "POST", []int{412}, nil, 1, 412},
		{"GET 401 not retried", "GET", []int{401}, nil, 1, 401},
		{"GET 503 gives up", "GET", []int{503}, nil, 3, 503},
		{"GET 429 gives up", "GET", []int{429}, http.Header{"Retry-After": {"0"}}, 3, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			var rids sync.Map
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if r.Method != http.MethodGet {
					rids.Store(r.Header.Get("NTNX-Request-Id"), true)
				}
				st := tt.statuses[min(i, len(tt.statuses)-1)]
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(st)
				switch {
				case st == 200:
					io.WriteString(w, `{"$objectType":"x","$reserved":{},"data":{"$objectType":"prism.v4.config.Task","extId":"t1","status":"SUCCEEDED"}}`)
				case st == 202:
					io.WriteString(w, `{"$objectType":"x","$reserved":{},"data":{"$objectType":"prism.v4.config.TaskReference","$reserved":{},"extId":"ZXJnb24=:t1"}}`)
				default:
					fmt.Fprintf(w, `{"data":{"$objectType":"prism.v4.error.ErrorResponse","error":[{"code":"X-%d","message":"status %d"}]}}`, st, st)
				}
			}))
			defer srv.Close()
			o := fastOptions(srv.URL)
			o.RetryMax = 2
			c, err := nutanix.New(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			switch tt.method {
			case "GET":
				_, err = c.GetTask(ctx, "t1")
			case "POST":
				_, err = c.CreateRecoveryPoint(ctx, nutanix.RecoveryPointSpec{VMExtIDs: []string{"v"}}, nutanix.Mutation{})
			case "DELETE":
				_, err = c.DeleteRecoveryPoint(ctx, "rp", nutanix.Mutation{IfMatch: "e"})
			}
			if got := int(n.Load()); got != tt.wantN {
				t.Errorf("%d requests, want %d", got, tt.wantN)
			}
			count := 0
			rids.Range(func(any, any) bool { count++; return true })
			if tt.method != "GET" && count != 1 {
				t.Errorf("%d distinct request ids across retries, want 1", count)
			}
			var ae *nutanix.APIError
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantCode != 0 && (!errors.As(err, &ae) || ae.HTTPStatus != tt.wantCode || ae.Code != fmt.Sprintf("X-%d", tt.wantCode)):
				t.Fatalf("err = %v, want APIError %d", err, tt.wantCode)
			}
		})
	}
}

func TestConnectionErrorsRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, `{"data":{"$objectType":"prism.v4.config.Task","extId":"t1","status":"RUNNING"}}`)
	}))
	defer srv.Close()
	c, err := nutanix.New(fastOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if task, err := c.GetTask(context.Background(), "t1"); err != nil || task.Status != "RUNNING" || n.Load() != 2 {
		t.Fatalf("task %v, err %v, %d requests", task, err, n.Load())
	}
	// A server that is not there: retried, then a plain error (not an APIError).
	srv.Close()
	o := fastOptions(srv.URL)
	o.RetryMax = 1
	c, _ = nutanix.New(o)
	_, err = c.GetTask(context.Background(), "t1")
	var ae *nutanix.APIError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("closed server: %v", err)
	}
}

// TestListAllConcurrency: pages are fetched concurrently, never more than
// MaxConcurrency at once, and reassembled in order.
func TestListAllConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	var pages atomic.Int32
	en := newEnv(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/recovery-points") {
				pages.Add(1)
				cur := inFlight.Add(1)
				for {
					p := peak.Load()
					if cur <= p || peak.CompareAndSwap(p, cur) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				defer inFlight.Add(-1)
			}
			h.ServeHTTP(w, r)
		})
	})
	o := fastOptions(en.prodURL)
	o.MaxConcurrency = 2
	o.TLSConfig = en.tls
	c, err := nutanix.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := c.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Limit: 100, OrderBy: "creationTime desc"})
	if err != nil {
		t.Fatal(err)
	}
	pages.Store(0)
	got, err := c.ListAllRecoveryPoints(ctx, nutanix.ListOptions{Limit: 3, OrderBy: "creationTime desc"})
	if err != nil {
		t.Fatal(err)
	}
	want := (len(ref) + 2) / 3
	if int(pages.Load()) != want || peak.Load() > 2 || peak.Load() < 2 {
		t.Fatalf("%d page requests (want %d), peak concurrency %d (want 2)", pages.Load(), want, peak.Load())
	}
	a, _ := json.Marshal(ref)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Fatal("paged ListAll differs from the single-page list")
	}
}

// A server that sends no totalAvailableResults is paged until a short page.
func TestListAllWithoutTotal(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		page := r.URL.Query().Get("$page")
		n := map[string]int{"": 2, "1": 2, "2": 1}[page]
		var items []string
		for i := range n {
			items = append(items, fmt.Sprintf(`{"$objectType":"vmm.v4.ahv.config.Vm","extId":"vm-%s-%d"}`, page, i))
		}
		fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(items, ","))
	}))
	defer srv.Close()
	c, _ := nutanix.New(fastOptions(srv.URL))
	vms, err := c.ListAllVMs(context.Background(), nutanix.ListOptions{Limit: 2})
	if err != nil || len(vms) != 5 || calls.Load() != 3 || vms[4].ExtID != "vm-2-0" {
		t.Fatalf("%d VMs in %d calls, %v", len(vms), calls.Load(), err)
	}
}
