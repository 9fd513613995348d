package ontap_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/testenv"
)

// viaAIQUM is the parent test whose subtests run the toolset's tests with
// no direct ONTAP target: both clusters are reached through the demo's
// AIQUM API gateway.
const viaAIQUM = "TestEveryToolThroughAIQUM/"

// start starts the demo server; under TestEveryToolThroughAIQUM it
// configures the AIQUM target alone (the mode travels in the test's name,
// so no state is shared between tests).
func start(t *testing.T) *testenv.Env {
	t.Helper()
	if strings.HasPrefix(t.Name(), viaAIQUM) {
		return testenv.Start(t, testenv.ONTAPViaAIQUM())
	}
	return testenv.Start(t)
}

// TestEveryToolThroughAIQUM runs the ONTAP tool tests against clusters
// known only through AIQUM: every ONTAP tool, read and write, on both
// clusters, with the same expectations as for direct targets.
func TestEveryToolThroughAIQUM(t *testing.T) {
	for name, f := range throughAIQUM {
		t.Run(name, f)
	}
}

// throughAIQUM names the toolset's tests that also run through AIQUM.
var throughAIQUM = map[string]func(*testing.T){
	"ListVolumes":                      TestListVolumes,
	"ListSnapshotsAndPolicies":         TestListSnapshotsAndPolicies,
	"CreateAndDeleteSnapshot":          TestCreateAndDeleteSnapshot,
	"ListFilesAndRestoreFile":          TestListFilesAndRestoreFile,
	"RestoreVolume":                    TestRestoreVolume,
	"SetVolumeSnapshotPolicy":          TestSetVolumeSnapshotPolicy,
	"ListSnapmirrorTransfersAndEvents": TestListSnapmirrorTransfersAndEvents,
	"BadInput":                         TestBadInput,
	"InvalidStateTransitions":          TestInvalidStateTransitions,
	"AcceptanceScenario":               TestAcceptanceScenario,
	"ProgressDuringLongOperations":     TestProgressDuringLongOperations,
	"BackendFailures":                  TestBackendFailures,
}

// TestThroughAIQUMCoversEveryTest keeps TestEveryToolThroughAIQUM complete:
// every test of ontap_test.go that starts the demo runs through AIQUM too.
func TestThroughAIQUMCoversEveryTest(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "ontap_test.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "Test") {
			continue
		}
		if _, ok := throughAIQUM[strings.TrimPrefix(fn.Name.Name, "Test")]; !ok {
			missing = append(missing, fn.Name.Name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("add to throughAIQUM (keyed by the name without Test): %v", missing)
	}
}
