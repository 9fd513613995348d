// Package fleet is the estate the simulators serve: Prism Centrals with their
// clusters, VMs, volume groups and recovery points, and ONTAP clusters with
// their SVMs, volumes, snapshots and SnapMirror relationships, all on one
// simulated clock.
//
// The model is plain data guarded by a mutex per site; the HTTP simulators in
// internal/sim/nutanix and internal/sim/ontap read and change it. Nothing here
// speaks HTTP.
package fleet

// Estate is everything the simulators serve.
type Estate struct {
	Clock *Clock
	// Seed is the seed the estate was generated from (0 for hand-built ones).
	Seed int64

	PrismCentrals []*PrismCentral
	OntapClusters []*OntapCluster
	// Aiqums are the Active IQ Unified Manager servers monitoring some of
	// the ONTAP clusters (see aiqum.go).
	Aiqums []*Aiqum

	// Planted lists the conditions an estate generator or scenario planted
	// on purpose (see Conditions), so tests and tours can name them.
	Planted []PlantedCondition
}

// PrismCentralByName returns the Prism Central with that name, or nil.
func (e *Estate) PrismCentralByName(name string) *PrismCentral {
	for _, pc := range e.PrismCentrals {
		if pc.Name == name {
			return pc
		}
	}
	return nil
}

// OntapClusterByName returns the ONTAP cluster with that name, or nil.
func (e *Estate) OntapClusterByName(name string) *OntapCluster {
	for _, c := range e.OntapClusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}
