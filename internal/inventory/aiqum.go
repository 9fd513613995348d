package inventory

import "time"

// AIQUMEvent is an open Active IQ Unified Manager event that bears on
// backups (impact area protection, capacity or security), as the collector
// read it. Analysis cites it as corroborating evidence by Key.
type AIQUMEvent struct {
	// Key is AIQUM's event key; Target is the AIQUM target it came from.
	Key    string `json:"key"`
	Target string `json:"target"`
	Name   string `json:"name"`
	// Severity is normal, information, warning, error or critical; State is
	// new or acknowledged (the collector keeps open events only).
	Severity string    `json:"severity"`
	State    string    `json:"state"`
	Area     string    `json:"area"`
	Time     time.Time `json:"time"`
	// ResourceType is AIQUM's impact.resource_type (volume, snap_mirror,
	// ...); ResourceName is "svm:volume" for volumes and relationship
	// destinations; ResourceUUID the ONTAP object's UUID.
	ResourceType string `json:"resource_type"`
	ResourceName string `json:"resource_name"`
	ResourceUUID string `json:"resource_uuid,omitempty"`
	// Cluster is the ONTAP cluster name the event is about.
	Cluster string `json:"cluster"`
	Cause   string `json:"cause,omitempty"`
	// EntityID and ReplicationID link the event to the estate (the volume,
	// or the relationship), when the collector found them.
	EntityID      string `json:"entity_id,omitempty"`
	ReplicationID string `json:"replication_id,omitempty"`
}
