package nutanix_test

// Conformance: the official Nutanix Go SDKs (dataprotection v4.3.1, prism
// v4.3.1, vmm v4.2.2) drive the simulator over real HTTPS, unchanged and
// without workarounds, through every operation recovery-mcp uses.

import (
	"errors"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dpapi "github.com/nutanix/ntnx-api-golang-clients/dataprotection-go-client/v4/api"
	dpclient "github.com/nutanix/ntnx-api-golang-clients/dataprotection-go-client/v4/client"
	dpcommon "github.com/nutanix/ntnx-api-golang-clients/dataprotection-go-client/v4/models/dataprotection/v4/common"
	dpconfig "github.com/nutanix/ntnx-api-golang-clients/dataprotection-go-client/v4/models/dataprotection/v4/config"
	dptask "github.com/nutanix/ntnx-api-golang-clients/dataprotection-go-client/v4/models/prism/v4/config"
	prismapi "github.com/nutanix/ntnx-api-golang-clients/prism-go-client/v4/api"
	prismclient "github.com/nutanix/ntnx-api-golang-clients/prism-go-client/v4/client"
	prismconfig "github.com/nutanix/ntnx-api-golang-clients/prism-go-client/v4/models/prism/v4/config"
	vmmapi "github.com/nutanix/ntnx-api-golang-clients/vmm-go-client/v4/api"
	vmmclient "github.com/nutanix/ntnx-api-golang-clients/vmm-go-client/v4/client"
	vmmtask "github.com/nutanix/ntnx-api-golang-clients/vmm-go-client/v4/models/prism/v4/config"
	vmmconfig "github.com/nutanix/ntnx-api-golang-clients/vmm-go-client/v4/models/vmm/v4/ahv/config"
	volapi "github.com/nutanix/ntnx-api-golang-clients/volumes-go-client/v4/api"
	volclient "github.com/nutanix/ntnx-api-golang-clients/volumes-go-client/v4/client"
	volcommon "github.com/nutanix/ntnx-api-golang-clients/volumes-go-client/v4/models/common/v1/config"
	voltask "github.com/nutanix/ntnx-api-golang-clients/volumes-go-client/v4/models/prism/v4/config"
	volconfig "github.com/nutanix/ntnx-api-golang-clients/volumes-go-client/v4/models/volumes/v4/config"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

// silenceSDKLogs sends the SDK's logrus output (one logger per ApiClient,
// writing to the os.Stderr of the moment, not logrus' global logger) to
// /dev/null for the test, unless -v.
func silenceSDKLogs(t *testing.T) {
	if testing.Verbose() {
		return
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = devnull
	t.Cleanup(func() {
		os.Stderr = saved
		devnull.Close()
	})
}

type sdkTarget struct {
	host string
	port int
}

func target(t *testing.T, srv *httptest.Server) sdkTarget {
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(u.Host)
	p, _ := strconv.Atoi(port)
	return sdkTarget{host, p}
}

func dpClient(tg sdkTarget, user, pass string) *dpclient.ApiClient {
	c := dpclient.NewApiClient()
	c.Scheme, c.Host, c.Port = "https", tg.host, tg.port
	c.Username, c.Password = user, pass
	c.VerifySSL = false
	c.MaxRetryAttempts = 0
	return c
}

func prismClient(tg sdkTarget, user, pass string) *prismclient.ApiClient {
	c := prismclient.NewApiClient()
	c.Scheme, c.Host, c.Port = "https", tg.host, tg.port
	c.Username, c.Password = user, pass
	c.VerifySSL = false
	c.MaxRetryAttempts = 0
	return c
}

func vmmClient(tg sdkTarget, user, pass string) *vmmclient.ApiClient {
	c := vmmclient.NewApiClient()
	c.Scheme, c.Host, c.Port = "https", tg.host, tg.port
	c.Username, c.Password = user, pass
	c.VerifySSL = false
	c.MaxRetryAttempts = 0
	return c
}

func ptr[T any](v T) *T { return &v }

// waitSDKTask polls a task with the prism SDK until it ends.
func waitSDKTask(t *testing.T, tasks *prismapi.TasksApi, id string) prismconfig.Task {
	t.Helper()
	for range 100 {
		resp, err := tasks.GetTaskById(ptr(id), nil)
		if err != nil {
			t.Fatalf("GetTaskById(%s): %v", id, err)
		}
		task, ok := resp.GetData().(prismconfig.Task)
		if !ok {
			t.Fatalf("GetTaskById data is %T", resp.GetData())
		}
		switch *task.Status {
		case prismconfig.TASKSTATUS_SUCCEEDED:
			return task
		case prismconfig.TASKSTATUS_FAILED, prismconfig.TASKSTATUS_CANCELED:
			t.Fatalf("task %s ended %s: %+v", id, task.Status.GetName(), task.ErrorMessages)
		case prismconfig.TASKSTATUS_QUEUED, prismconfig.TASKSTATUS_RUNNING:
		default:
			t.Fatalf("task %s has status %s", id, task.Status.GetName())
		}
	}
	t.Fatalf("task %s never finished", id)
	return prismconfig.Task{}
}

func completion(t *testing.T, task prismconfig.Task, name string) string {
	t.Helper()
	for _, kv := range task.CompletionDetails {
		if kv.Name != nil && *kv.Name == name {
			if s, ok := kv.Value.GetValue().(string); ok {
				return s
			}
			t.Fatalf("completion detail %s is %T", name, kv.Value.GetValue())
		}
	}
	t.Fatalf("task %s has no completion detail %s: %+v", *task.ExtId, name, task.CompletionDetails)
	return ""
}

func dpTaskID(t *testing.T, data any) string {
	t.Helper()
	ref, ok := data.(dptask.TaskReference)
	if !ok || ref.ExtId == nil {
		t.Fatalf("data is %T, not a TaskReference", data)
	}
	return *ref.ExtId
}

func sdkStatus(err error) string {
	var ge dpclient.GenericOpenAPIError
	if errors.As(err, &ge) {
		return ge.Status
	}
	var gp prismclient.GenericOpenAPIError
	if errors.As(err, &gp) {
		return gp.Status
	}
	var gv vmmclient.GenericOpenAPIError
	if errors.As(err, &gv) {
		return gv.Status
	}
	return ""
}

func TestConformanceOfficialSDK(t *testing.T) {
	silenceSDKLogs(t)
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))}
	fleet.SmallNutanix(e)
	prod, dr := e.PrismCentralByName("pc-prod"), e.PrismCentralByName("pc-dr")
	prodSrv := httptest.NewTLSServer(simnutanix.New(e, prod, simnutanix.Options{}))
	defer prodSrv.Close()
	drSrv := httptest.NewTLSServer(simnutanix.New(e, dr, simnutanix.Options{}))
	defer drSrv.Close()
	pt, dt := target(t, prodSrv), target(t, drSrv)

	dpc := dpClient(pt, "admin", "Nutanix/4u!")
	rps := dpapi.NewRecoveryPointsApi(dpc)
	tasks := prismapi.NewTasksApi(prismClient(pt, "admin", "Nutanix/4u!"))
	vmc := vmmClient(pt, "admin", "Nutanix/4u!")
	vms := vmmapi.NewVmApi(vmc)

	// VMs: list with an OData filter, as a user finds a VM by name.
	vmList, err := vms.ListVms(nil, ptr(10), ptr("name eq 'sql-prod-01'"), nil, nil)
	if err != nil {
		t.Fatalf("ListVms: %v", err)
	}
	vmItems, ok := vmList.GetData().([]vmmconfig.Vm)
	if !ok || len(vmItems) != 1 || *vmItems[0].Name != "sql-prod-01" {
		t.Fatalf("ListVms data = %#v", vmList.GetData())
	}
	vmID := *vmItems[0].ExtId
	if vmItems[0].Cluster == nil || vmItems[0].Cluster.ExtId == nil || len(vmItems[0].Disks) != 3 {
		t.Fatalf("VM lacks cluster or disks: %+v", vmItems[0])
	}
	if vd, ok := vmItems[0].Disks[0].GetBackingInfo().(vmmconfig.VmDisk); !ok || *vd.DiskSizeBytes != 100<<30 {
		t.Fatalf("disk backing = %#v", vmItems[0].Disks[0].GetBackingInfo())
	}
	prod.Mu.Lock()
	vgID := prod.VolumeGroups[0].ExtID
	prodCluster := prod.Clusters[1].ExtID
	prod.Mu.Unlock()
	dr.Mu.Lock()
	drCluster := dr.Clusters[0].ExtID
	dr.Mu.Unlock()

	// Create a recovery point of a VM and a volume group.
	expires := e.Clock.Now().Add(6 * time.Hour).Truncate(time.Second)
	body := dpconfig.NewRecoveryPoint()
	body.Name = ptr("conformance-rp")
	body.ExpirationTime = ptr(expires)
	body.RecoveryPointType = dpcommon.RECOVERYPOINTTYPE_CRASH_CONSISTENT.Ref()
	vmrp := dpconfig.NewVmRecoveryPoint()
	vmrp.VmExtId = ptr(vmID)
	vgrp := dpconfig.NewVolumeGroupRecoveryPoint()
	vgrp.VolumeGroupExtId = ptr(vgID)
	body.VmRecoveryPoints = []dpconfig.VmRecoveryPoint{*vmrp}
	body.VolumeGroupRecoveryPoints = []dpconfig.VolumeGroupRecoveryPoint{*vgrp}
	created, err := rps.CreateRecoveryPoint(body)
	if err != nil {
		t.Fatalf("CreateRecoveryPoint: %v", err)
	}
	task := waitSDKTask(t, tasks, dpTaskID(t, created.GetData()))
	rpID := completion(t, task, "recoveryPointExtId")

	// Get it, with its ETag.
	got, err := rps.GetRecoveryPointById(ptr(rpID))
	if err != nil {
		t.Fatalf("GetRecoveryPointById: %v", err)
	}
	rp, ok := got.GetData().(dpconfig.RecoveryPoint)
	if !ok {
		t.Fatalf("GetRecoveryPointById data is %T", got.GetData())
	}
	etag := dpc.GetEtag(&rp)
	if etag == "" {
		t.Fatal("GetEtag found no ETag on the recovery point")
	}
	if *rp.Name != "conformance-rp" || !rp.ExpirationTime.Equal(expires) || *rp.Status != dpcommon.RECOVERYPOINTSTATUS_COMPLETE ||
		len(rp.VmRecoveryPoints) != 1 || len(rp.VolumeGroupRecoveryPoints) != 1 || len(rp.LocationReferences) != 1 {
		t.Fatalf("recovery point = %+v", rp)
	}
	vmrpID := *rp.VmRecoveryPoints[0].ExtId

	// List with OData filters, both by name and by VM.
	for _, f := range []string{
		"name eq 'conformance-rp'",
		"vmRecoveryPoints/any(a:a/vmExtId eq '" + vmID + "') and name eq 'conformance-rp'",
	} {
		listed, err := rps.ListRecoveryPoints(nil, ptr(0), ptr(10), ptr(f), ptr("creationTime desc"), nil)
		if err != nil {
			t.Fatalf("ListRecoveryPoints(%s): %v", f, err)
		}
		items, ok := listed.GetData().([]dpconfig.RecoveryPoint)
		if !ok || len(items) != 1 || *items[0].ExtId != rpID {
			t.Fatalf("ListRecoveryPoints(%s) data = %#v", f, listed.GetData())
		}
		if listed.Metadata == nil || *listed.Metadata.TotalAvailableResults != 1 {
			t.Fatalf("ListRecoveryPoints(%s) metadata = %+v", f, listed.Metadata)
		}
	}
	all, err := rps.ListRecoveryPoints(nil, ptr(1), ptr(5), nil, ptr("creationTime desc"), nil)
	if err != nil {
		t.Fatalf("ListRecoveryPoints page 1: %v", err)
	}
	if items, _ := all.GetData().([]dpconfig.RecoveryPoint); len(items) != 5 || *all.Metadata.TotalAvailableResults < 10 {
		t.Fatalf("page 1 of 5 = %d items of %d", len(items), *all.Metadata.TotalAvailableResults)
	}

	// Set the expiration with If-Match; a stale ETag is refused with 412.
	newExpiry := expires.Add(24 * time.Hour)
	spec := dpconfig.NewExpirationTimeSpec()
	spec.ExpirationTime = ptr(newExpiry)
	if _, err := rps.SetRecoveryPointExpirationTime(ptr(rpID), spec, map[string]any{"If-Match": ptr("stale-etag")}); err == nil || !strings.HasPrefix(sdkStatus(err), "412") {
		t.Fatalf("stale If-Match: err = %v (status %q), want 412", err, sdkStatus(err))
	}
	setResp, err := rps.SetRecoveryPointExpirationTime(ptr(rpID), spec, map[string]any{"If-Match": ptr(etag)})
	if err != nil {
		t.Fatalf("SetRecoveryPointExpirationTime: %v", err)
	}
	waitSDKTask(t, tasks, dpTaskID(t, setResp.GetData()))
	got, err = rps.GetRecoveryPointById(ptr(rpID))
	if err != nil {
		t.Fatalf("GetRecoveryPointById: %v", err)
	}
	rp = got.GetData().(dpconfig.RecoveryPoint)
	if !rp.ExpirationTime.Equal(newExpiry) {
		t.Fatalf("expiration = %v, want %v", rp.ExpirationTime, newExpiry)
	}
	if e2 := dpc.GetEtag(&rp); e2 == etag || e2 == "" {
		t.Fatalf("ETag did not change after set-expiration: %q", e2)
	}
	etag = dpc.GetEtag(&rp)

	// Get the VM recovery point.
	vmrpResp, err := rps.GetVmRecoveryPointById(ptr(rpID), ptr(vmrpID))
	if err != nil {
		t.Fatalf("GetVmRecoveryPointById: %v", err)
	}
	if v, ok := vmrpResp.GetData().(dpconfig.VmRecoveryPoint); !ok || *v.VmExtId != vmID || len(v.DiskRecoveryPoints) != 3 {
		t.Fatalf("VM recovery point = %#v", vmrpResp.GetData())
	}

	// Restore the VM under a new name on the other cluster.
	restore := dpconfig.NewRecoveryPointRestorationSpec()
	restore.ClusterExtId = ptr(prodCluster)
	override := dpconfig.NewVmRecoveryPointRestoreOverride()
	override.VmRecoveryPointExtId = ptr(vmrpID)
	ahv := dpconfig.NewAhvVmOverrideSpec()
	ahv.Name = ptr("sql-prod-01-restored")
	if err := override.SetVmOverrideSpec(*ahv); err != nil {
		t.Fatal(err)
	}
	restore.VmRecoveryPointRestoreOverrides = []dpconfig.VmRecoveryPointRestoreOverride{*override}
	restored, err := rps.RestoreRecoveryPoint(ptr(rpID), restore, map[string]any{"If-Match": ptr(etag)})
	if err != nil {
		t.Fatalf("RestoreRecoveryPoint: %v", err)
	}
	task = waitSDKTask(t, tasks, dpTaskID(t, restored.GetData()))
	newVMs := strings.Split(completion(t, task, "vmExtIds"), ",")
	if len(newVMs) != 1 {
		t.Fatalf("restored VMs = %v", newVMs)
	}
	newVM, err := vms.GetVmById(ptr(newVMs[0]))
	if err != nil {
		t.Fatalf("GetVmById(restored): %v", err)
	}
	if v := newVM.GetData().(vmmconfig.Vm); *v.Name != "sql-prod-01-restored" || *v.Cluster.ExtId != prodCluster {
		t.Fatalf("restored VM = %s on %s", *v.Name, *v.Cluster.ExtId)
	}

	// Before power-on a drill isolates the restored VM: ListNicsByVmId,
	// GetNicById, then UpdateNicById with the NIC moved to the isolated
	// subnet and disconnected (the v4.2 nicBackingInfo/nicNetworkInfo take
	// precedence over the deprecated objects the SDK also sends back), the
	// NIC's ETag in If-Match (the SDK takes it from $reserved), a task.
	prod.Mu.Lock()
	var isolated string
	for _, s := range prod.Subnets {
		if s.Name == fleet.IsolatedSubnetName && s.ClusterExtID == prodCluster {
			isolated = s.ExtID
		}
	}
	prod.Mu.Unlock()
	nicList, err := vms.ListNicsByVmId(ptr(newVMs[0]), nil, nil, nil)
	if err != nil {
		t.Fatalf("ListNicsByVmId: %v", err)
	}
	nicItems, ok := nicList.GetData().([]vmmconfig.Nic)
	if !ok || len(nicItems) != 1 || nicItems[0].ExtId == nil {
		t.Fatalf("ListNicsByVmId data = %#v", nicList.GetData())
	}
	gotNIC, err := vms.GetNicById(ptr(newVMs[0]), nicItems[0].ExtId)
	if err != nil {
		t.Fatalf("GetNicById: %v", err)
	}
	nic := gotNIC.GetData().(vmmconfig.Nic)
	if nic.NicBackingInfo == nil {
		t.Fatalf("restored NIC has no nicBackingInfo: %#v", nic)
	}
	nb, ok := nic.NicBackingInfo.GetValue().(vmmconfig.VirtualEthernetNic)
	if !ok || nb.IsConnected == nil || !*nb.IsConnected || nb.MacAddress == nil {
		t.Fatalf("restored NIC backing = %#v", nic.NicBackingInfo.GetValue())
	}
	nn, ok := nic.GetNicNetworkInfo().(vmmconfig.VirtualEthernetNicNetworkInfo)
	if !ok || nn.Subnet == nil || nn.Subnet.ExtId == nil || *nn.Subnet.ExtId == isolated {
		t.Fatalf("restored NIC network = %#v", nic.GetNicNetworkInfo())
	}
	if vmc.GetEtag(&nic) == "" {
		t.Fatal("GetEtag found no ETag on the NIC")
	}
	nb.IsConnected = ptr(false)
	nn.Subnet = vmmconfig.NewSubnetReference()
	nn.Subnet.ExtId = ptr(isolated)
	if err := nic.NicBackingInfo.SetValue(nb); err != nil {
		t.Fatal(err)
	}
	if err := nic.SetNicNetworkInfo(nn); err != nil {
		t.Fatal(err)
	}
	// The SDK sends the body's $reserved.ETag as If-Match.
	stale := nic
	stale.Reserved_ = map[string]any{"ETag": "stale-etag"}
	if _, err := vms.UpdateNicById(ptr(newVMs[0]), nic.ExtId, &stale); err == nil || !strings.HasPrefix(sdkStatus(err), "412") {
		t.Fatalf("UpdateNicById with a stale If-Match: err = %v, want 412", err)
	}
	updated, err := vms.UpdateNicById(ptr(newVMs[0]), nic.ExtId, &nic)
	if err != nil {
		t.Fatalf("UpdateNicById: %v", err)
	}
	uref, ok := updated.GetData().(vmmtask.TaskReference)
	if !ok {
		t.Fatalf("UpdateNicById data is %T", updated.GetData())
	}
	if task := waitSDKTask(t, tasks, *uref.ExtId); task.Status == nil || *task.Status != prismconfig.TASKSTATUS_SUCCEEDED {
		t.Fatalf("UpdateNicById task = %+v", task)
	}
	if gotNIC, err = vms.GetNicById(ptr(newVMs[0]), nicItems[0].ExtId); err != nil {
		t.Fatalf("GetNicById after the update: %v", err)
	}
	nic = gotNIC.GetData().(vmmconfig.Nic)
	nb, _ = nic.NicBackingInfo.GetValue().(vmmconfig.VirtualEthernetNic)
	nn, _ = nic.GetNicNetworkInfo().(vmmconfig.VirtualEthernetNicNetworkInfo)
	if nb.IsConnected == nil || *nb.IsConnected || nn.Subnet == nil || *nn.Subnet.ExtId != isolated ||
		nic.BackingInfo == nil || *nic.BackingInfo.IsConnected || *nic.NetworkInfo.Subnet.ExtId != isolated {
		t.Fatalf("NIC after UpdateNicById: backing %#v network %#v deprecated %#v %#v", nb, nn, nic.BackingInfo, nic.NetworkInfo)
	}
	// The VM's ETag covers its NICs: read it again before the power-on.
	if newVM, err = vms.GetVmById(ptr(newVMs[0])); err != nil {
		t.Fatalf("GetVmById after the NIC update: %v", err)
	}

	// The restored VM is off: PowerOnVm, then DeleteVmById, each with the
	// VM's current ETag and answered with a task (a recovery drill's
	// boot check and cleanup).
	clone := newVM.GetData().(vmmconfig.Vm)
	if clone.PowerState == nil || *clone.PowerState != vmmconfig.POWERSTATE_OFF {
		t.Fatalf("restored VM power state = %v, want OFF", clone.PowerState)
	}
	if _, err := vms.PowerOnVm(ptr(newVMs[0]), map[string]any{"If-Match": ptr("stale-etag")}); err == nil || !strings.HasPrefix(sdkStatus(err), "412") {
		t.Fatalf("PowerOnVm with a stale If-Match: err = %v, want 412", err)
	}
	powered, err := vms.PowerOnVm(ptr(newVMs[0]), map[string]any{"If-Match": ptr(vmc.GetEtag(&clone))})
	if err != nil {
		t.Fatalf("PowerOnVm: %v", err)
	}
	pref, ok := powered.GetData().(vmmtask.TaskReference)
	if !ok {
		t.Fatalf("PowerOnVm data is %T", powered.GetData())
	}
	waitSDKTask(t, tasks, *pref.ExtId)
	if newVM, err = vms.GetVmById(ptr(newVMs[0])); err != nil {
		t.Fatalf("GetVmById after power-on: %v", err)
	}
	clone = newVM.GetData().(vmmconfig.Vm)
	if *clone.PowerState != vmmconfig.POWERSTATE_ON {
		t.Fatalf("power state after PowerOnVm = %v", *clone.PowerState)
	}
	deletedVM, err := vms.DeleteVmById(ptr(newVMs[0]), map[string]any{"If-Match": ptr(vmc.GetEtag(&clone))})
	if err != nil {
		t.Fatalf("DeleteVmById: %v", err)
	}
	dref, ok := deletedVM.GetData().(vmmtask.TaskReference)
	if !ok {
		t.Fatalf("DeleteVmById data is %T", deletedVM.GetData())
	}
	waitSDKTask(t, tasks, *dref.ExtId)
	if _, err := vms.GetVmById(ptr(newVMs[0])); err == nil || !strings.HasPrefix(sdkStatus(err), "404") {
		t.Fatalf("GetVmById after DeleteVmById: err = %v, want 404", err)
	}

	// Replicate to the paired Prism Central and read the replica there.
	repl := dpconfig.NewRecoveryPointReplicationSpec()
	repl.PcExtId = ptr(dr.ExtID)
	repl.ClusterExtId = ptr(drCluster)
	replicated, err := rps.ReplicateRecoveryPoint(ptr(rpID), repl, map[string]any{"If-Match": ptr(etag)})
	if err != nil {
		t.Fatalf("ReplicateRecoveryPoint: %v", err)
	}
	task = waitSDKTask(t, tasks, dpTaskID(t, replicated.GetData()))
	replicaID := completion(t, task, "recoveryPointExtId")
	drRPs := dpapi.NewRecoveryPointsApi(dpClient(dt, "admin", "Nutanix/4u!"))
	replica, err := drRPs.GetRecoveryPointById(ptr(replicaID))
	if err != nil {
		t.Fatalf("GetRecoveryPointById on pc-dr: %v", err)
	}
	if r := replica.GetData().(dpconfig.RecoveryPoint); *r.LocationAgnosticId != *rp.LocationAgnosticId || *r.LocationReferences[0].LocationExtId != drCluster {
		t.Fatalf("replica = %+v", r)
	}

	// Revert the VM with the VM's own ETag.
	vmResp, err := vms.GetVmById(ptr(vmID))
	if err != nil {
		t.Fatalf("GetVmById: %v", err)
	}
	vm := vmResp.GetData().(vmmconfig.Vm)
	vmETag := vmc.GetEtag(&vm)
	if vmETag == "" {
		t.Fatal("no VM ETag")
	}
	rv := vmmconfig.NewRevertParams()
	rv.VmRecoveryPointExtId = ptr(vmrpID)
	reverted, err := vms.RevertVm(ptr(vmID), rv, map[string]any{"If-Match": ptr(vmETag)})
	if err != nil {
		t.Fatalf("RevertVm: %v", err)
	}
	ref, ok := reverted.GetData().(vmmtask.TaskReference)
	if !ok {
		t.Fatalf("RevertVm data is %T", reverted.GetData())
	}
	task = waitSDKTask(t, tasks, *ref.ExtId)
	if got := completion(t, task, "VM Recovery Point UUID"); got != vmrpID {
		t.Fatalf("revert completion = %s", got)
	}
	vmResp, err = vms.GetVmById(ptr(vmID))
	if err != nil {
		t.Fatalf("GetVmById: %v", err)
	}
	vm = vmResp.GetData().(vmmconfig.Vm)
	if vmc.GetEtag(&vm) == vmETag {
		t.Fatal("VM ETag did not change after revert")
	}

	// Delete with If-Match; the recovery point is then gone (404).
	deleted, err := rps.DeleteRecoveryPointById(ptr(rpID), map[string]any{"If-Match": ptr(etag)})
	if err != nil {
		t.Fatalf("DeleteRecoveryPointById: %v", err)
	}
	waitSDKTask(t, tasks, dpTaskID(t, deleted.GetData()))
	if _, err := rps.GetRecoveryPointById(ptr(rpID)); err == nil || !strings.HasPrefix(sdkStatus(err), "404") {
		t.Fatalf("GET after delete: err = %v, want 404", err)
	}

	// Domain managers: the Prism Central itself.
	dms, err := prismapi.NewDomainManagerApi(prismClient(pt, "admin", "Nutanix/4u!")).ListDomainManagers(nil)
	if err != nil {
		t.Fatalf("ListDomainManagers: %v", err)
	}
	if items, ok := dms.GetData().([]prismconfig.DomainManager); !ok || len(items) != 1 || *items[0].ExtId != prod.ExtID {
		t.Fatalf("domain managers = %#v", dms.GetData())
	}

	// Wrong credentials and an API key.
	if _, err := dpapi.NewRecoveryPointsApi(dpClient(pt, "admin", "wrong")).ListRecoveryPoints(nil, nil, nil, nil, nil, nil); !strings.HasPrefix(sdkStatus(err), "401") {
		t.Fatalf("bad password: err = %v, want 401", err)
	}
	keyed := dpClient(pt, "", "")
	if err := keyed.SetApiKey("prod-api-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := dpapi.NewRecoveryPointsApi(keyed).ListRecoveryPoints(nil, nil, ptr(1), nil, nil, nil); err != nil {
		t.Fatalf("API key: %v", err)
	}
}

// TestConformanceVolumesSDK: the official volumes SDK (v4.2.1) puts an
// unprotected volume group under a protection policy the v4 way, by
// associating the policy's category (VolumeGroupsApi.AssociateCategory, a
// task), and reads it back (ListCategoryAssociationsByVolumeGroupId); the
// prism SDK then sees the association in the categories'
// detailedAssociations.
func TestConformanceVolumesSDK(t *testing.T) {
	silenceSDKLogs(t)
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))}
	fleet.SmallNutanix(e)
	prod := e.PrismCentralByName("pc-prod")
	srv := httptest.NewTLSServer(simnutanix.New(e, prod, simnutanix.Options{}))
	defer srv.Close()
	pt := target(t, srv)
	prod.Mu.Lock()
	var vgID string
	for _, vg := range prod.VolumeGroups {
		if vg.ProtectionPolicyExtID == "" && len(vg.Categories) == 0 {
			vgID = vg.ExtID
		}
	}
	polID := prod.ProtectionPolicies[0].ExtID
	prod.Mu.Unlock()
	if vgID == "" {
		t.Fatal("fixture: no unprotected volume group")
	}
	pc := prismClient(pt, "admin", "Nutanix/4u!")
	cats := prismapi.NewCategoriesApi(pc)
	tasks := prismapi.NewTasksApi(pc)
	// associated lists, per category ext id, the resources of a type.
	associated := func(resourceType prismconfig.ResourceType) map[string][]string {
		t.Helper()
		resp, err := cats.ListCategories(nil, ptr(100), nil, nil, ptr("detailedAssociations"), nil)
		if err != nil {
			t.Fatalf("ListCategories: %v", err)
		}
		items, ok := resp.GetData().([]prismconfig.Category)
		if !ok || len(items) == 0 {
			t.Fatalf("ListCategories data = %#v", resp.GetData())
		}
		out := map[string][]string{}
		for _, c := range items {
			for _, a := range c.DetailedAssociations {
				if a.ResourceType != nil && *a.ResourceType == resourceType {
					out[*c.ExtId] = append(out[*c.ExtId], *a.ResourceId)
				}
			}
		}
		return out
	}
	var catID string
	for id, pols := range associated(prismconfig.RESOURCETYPE_PROTECTION_RULE) {
		if slices.Contains(pols, polID) {
			catID = id
		}
	}
	if catID == "" {
		t.Fatalf("no category is associated with policy %s", polID)
	}

	vc := volclient.NewApiClient()
	vc.Scheme, vc.Host, vc.Port = "https", pt.host, pt.port
	vc.Username, vc.Password = "admin", "Nutanix/4u!"
	vc.VerifySSL = false
	vc.MaxRetryAttempts = 0
	vgs := volapi.NewVolumeGroupsApi(vc)
	ref := volcommon.NewEntityReference()
	ref.ExtId, ref.EntityType = ptr(catID), volcommon.ENTITYTYPE_CATEGORY.Ref()
	body := volconfig.NewCategoryEntityReferences()
	body.Categories = []volcommon.EntityReference{*ref}
	resp, err := vgs.AssociateCategory(ptr(vgID), body)
	if err != nil {
		t.Fatalf("AssociateCategory: %v", err)
	}
	tr, ok := resp.GetData().(voltask.TaskReference)
	if !ok || tr.ExtId == nil {
		t.Fatalf("AssociateCategory data is %T, not a TaskReference", resp.GetData())
	}
	waitSDKTask(t, tasks, *tr.ExtId)

	list, err := vgs.ListCategoryAssociationsByVolumeGroupId(ptr(vgID), nil, nil)
	if err != nil {
		t.Fatalf("ListCategoryAssociationsByVolumeGroupId: %v", err)
	}
	got, ok := list.GetData().([]volconfig.CategoryDetails)
	if !ok || len(got) != 1 || *got[0].ExtId != catID || *got[0].EntityType != volcommon.ENTITYTYPE_CATEGORY {
		t.Fatalf("category associations = %#v", list.GetData())
	}
	if vgsOf := associated(prismconfig.RESOURCETYPE_VOLUMEGROUP); !slices.Contains(vgsOf[catID], vgID) {
		t.Errorf("category %s's volume groups %v lack %s", catID, vgsOf[catID], vgID)
	}
	prod.Mu.Lock()
	protectedBy := prod.VolumeGroupByExtID(vgID).ProtectionPolicyExtID
	prod.Mu.Unlock()
	if protectedBy != polID {
		t.Errorf("volume group protected by %q, want %s", protectedBy, polID)
	}
}
