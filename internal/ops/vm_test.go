package ops_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simnutanix "github.com/recovery-mcp/recovery-mcp/internal/sim/nutanix"
)

func prismClient(t *testing.T) *nutanix.Client {
	t.Helper()
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))}
	fleet.SmallNutanix(e)
	srv := httptest.NewServer(simnutanix.New(e, e.PrismCentralByName("pc-prod"), simnutanix.Options{RequireIfMatch: true}))
	t.Cleanup(srv.Close)
	cl, err := nutanix.New(nutanix.Options{Endpoint: srv.URL, Username: "admin", Password: "Nutanix/4u!",
		PollInterval: time.Millisecond, PollMaxInterval: 4 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestVMDrillOperations: a restore under a deterministic name happens
// once however often it is asked for, power-on acts only on a VM that is
// off, and the delete removes exactly the named VM, once.
func TestVMDrillOperations(t *testing.T) {
	cl := prismClient(t)
	ctx := context.Background()
	const pc = "pc-prod"
	vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var src *nutanix.VM
	var rp *nutanix.RecoveryPoint
	var vrp *nutanix.VMRecoveryPoint
	for i := range vms {
		if rp, vrp, err = ops.NewestRecoveryPointOf(ctx, cl, pc, vms[i].ExtID); err != nil {
			t.Fatal(err)
		}
		if vrp != nil {
			src = &vms[i]
			break
		}
	}
	if src == nil {
		t.Fatal("no VM with a recovery point in the small estate")
	}
	const name = "rmcp_test_vmdrill"
	steps := []struct {
		what string
		do   func() (bool, error)
		want bool
	}{
		{"restore", func() (bool, error) {
			_, did, err := ops.EnsureRestoredVM(ctx, cl, pc, rp.ExtID, vrp.ExtID, name, nutanix.NewRequestID(), nil)
			return did, err
		}, true},
		{"restore again (new request id: the name check stops it)", func() (bool, error) {
			_, did, err := ops.EnsureRestoredVM(ctx, cl, pc, rp.ExtID, vrp.ExtID, name, nutanix.NewRequestID(), nil)
			return did, err
		}, false},
		{"power on", func() (bool, error) {
			vm, err := ops.FindVM(ctx, cl, pc, name)
			if err != nil || vm == nil {
				t.Fatalf("restored vm: %v %v", vm, err)
			}
			if vm.PowerState != "OFF" {
				t.Errorf("restored vm is %s, want OFF", vm.PowerState)
			}
			return ops.PowerOnVM(ctx, cl, pc, vm.ExtID, nutanix.NewRequestID(), nil)
		}, true},
		{"power on again", func() (bool, error) {
			vm, _ := ops.FindVM(ctx, cl, pc, name)
			return ops.PowerOnVM(ctx, cl, pc, vm.ExtID, nutanix.NewRequestID(), nil)
		}, false},
		{"delete", func() (bool, error) { return ops.DeleteVMIfExists(ctx, cl, pc, name, nutanix.NewRequestID(), nil) }, true},
		{"delete again", func() (bool, error) { return ops.DeleteVMIfExists(ctx, cl, pc, name, nutanix.NewRequestID(), nil) }, false},
	}
	for _, s := range steps {
		got, err := s.do()
		if err != nil || got != s.want {
			t.Fatalf("%s: acted=%v err=%v, want acted=%v", s.what, got, err, s.want)
		}
	}
	if vm, err := ops.FindVM(ctx, cl, pc, name); vm != nil || err != nil {
		t.Fatalf("after delete: %v %v", vm, err)
	}
	if _, err := cl.GetVM(ctx, src.ExtID); err != nil {
		t.Fatalf("the source vm must be untouched: %v", err)
	}
	// Two VMs of one name: a conflict, never a guess.
	for range 2 {
		if _, err := ops.RestoreVM(ctx, cl, pc, rp.ExtID, vrp.ExtID, "dup", nutanix.NewRequestID(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ops.FindVM(ctx, cl, pc, "dup"); ops.KindOf(err) != ops.KindConflict {
		t.Fatalf("two vms named dup: %v, want a conflict", err)
	}
	if _, err := ops.DeleteVMIfExists(ctx, cl, pc, "dup", nutanix.NewRequestID(), nil); ops.KindOf(err) != ops.KindConflict {
		t.Fatalf("delete of an ambiguous name: %v, want a conflict", err)
	}
}

func TestVMTags(t *testing.T) {
	cl := prismClient(t)
	ctx := context.Background()
	vms, err := cl.ListAllVMs(ctx, nutanix.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tagged := 0
	for i := range vms {
		tags, err := ops.VMTags(ctx, cl, "pc-prod", &vms[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(tags) != len(vms[i].Categories) {
			t.Errorf("%s: %d tags for %d categories", vms[i].Name, len(tags), len(vms[i].Categories))
		}
		for _, tag := range tags {
			if k, v, ok := strings.Cut(tag, ":"); !ok || k == "" || v == "" {
				t.Errorf("%s: tag %q is not key:value", vms[i].Name, tag)
			}
		}
		if len(tags) > 0 {
			tagged++
		}
	}
	if tagged == 0 {
		t.Fatal("no VM of the small estate has categories: the test proves nothing")
	}
}
