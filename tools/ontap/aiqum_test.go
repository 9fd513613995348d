package ontap_test

import (
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
	if testing.Short() {
		t.Skip("runs the toolset's tests a second time")
	}
	for name, f := range map[string]func(*testing.T){
		"ListVolumes":                   TestListVolumes,
		"ListSnapshotsAndPolicies":      TestListSnapshotsAndPolicies,
		"CreateAndDeleteSnapshot":       TestCreateAndDeleteSnapshot,
		"ListFilesAndRestoreFile":       TestListFilesAndRestoreFile,
		"RestoreVolume":                 TestRestoreVolume,
		"SetVolumeSnapshotPolicy":       TestSetVolumeSnapshotPolicy,
		"ListSnapmirrorTransfersEvents": TestListSnapmirrorTransfersAndEvents,
		"BadInput":                      TestBadInput,
		"InvalidStateTransitions":       TestInvalidStateTransitions,
		"AcceptanceScenario":            TestAcceptanceScenario,
		"ProgressDuringLongOperations":  TestProgressDuringLongOperations,
		"BackendFailures":               TestBackendFailures,
	} {
		t.Run(name, f)
	}
}
