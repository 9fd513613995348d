package server

import (
	"fmt"

	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
	vaiqum "github.com/recovery-mcp/recovery-mcp/internal/vendors/aiqum"
	vnutanix "github.com/recovery-mcp/recovery-mcp/internal/vendors/nutanix"
	vontap "github.com/recovery-mcp/recovery-mcp/internal/vendors/ontap"
	"github.com/recovery-mcp/recovery-mcp/tools/aiqum"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
	"github.com/recovery-mcp/recovery-mcp/tools/nutanix"
	"github.com/recovery-mcp/recovery-mcp/tools/ontap"
)

// storageKind is one storage kind as the server wires it: the kind
// (configuration rules, client, probe, collection; internal/vendors/<kind>)
// and, at the tools layer, its toolset and the reconciler of its calls cut
// off by a stop. This list is the one place that names every kind: a new
// kind is its package under internal/vendors, its toolset under tools, and
// one line here.
type storageKind struct {
	kind vendors.Kind
	// tools is the kind's toolset (nil: none), described for dynamic
	// toolsets by description.
	tools       func() []kit.Tool
	description string
	// reconcile establishes what became of its interrupted calls (nil:
	// they stay unknown).
	reconcile kit.Reconciler
}

// storageKinds returns the built-in kinds, in link order (ONTAP's
// SnapMirror links before AIQUM's events are tied to relationships).
func storageKinds() []storageKind {
	return []storageKind{
		{kind: vnutanix.Kind{}, tools: nutanix.Tools, reconcile: nutanix.Reconcile,
			description: "Prism Central: VMs, volume groups, recovery points (create, restore, replicate, revert), protection policies, tasks."},
		{kind: vontap.Kind{}, tools: ontap.Tools, reconcile: ontap.Reconcile,
			description: "ONTAP: volumes, snapshots, restores, FlexClone, SnapMirror, snapshot policies, jobs, EMS events."},
		{kind: vaiqum.Kind{}, tools: aiqum.Tools},
	}
}

// Vendors returns a registry of the built-in storage kinds, built anew on
// each call (no registry lives in a global): serve passes it to
// config.Load, and the server to its targets and collector.
func Vendors() (*vendors.Registry, error) {
	var kinds []vendors.Kind
	for _, s := range storageKinds() {
		kinds = append(kinds, s.kind)
	}
	r, err := vendors.NewRegistry(kinds...)
	if err != nil {
		return nil, fmt.Errorf("storage kinds: %w", err)
	}
	return r, nil
}

// vendorToolsetDescription describes a storage kind's toolset ("" when
// there is none).
func vendorToolsetDescription(toolset string) string {
	for _, s := range storageKinds() {
		if s.kind.Name() == toolset {
			return s.description
		}
	}
	return ""
}
