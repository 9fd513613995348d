// Package inventory is the vendor-neutral model of a backup and recovery
// estate as of one moment: the targets (Prism Centrals, ONTAP clusters), the
// entities they protect (VMs, volume groups, volumes), their recovery points
// and snapshots, replication relationships, protection policies, operation
// outcomes (tasks and jobs), events, and the capacity and change-rate history
// the Day-2 engines in internal/analysis predict from.
//
// The collectors that fill an Estate from the Nutanix and ONTAP clients live
// beside this model; the engines read it and never change it.
//
// # Design decisions
//
//   - Flat slices, joined by id. Every record is a plain struct in one slice
//     of Estate, and records refer to each other by id (EntityID,
//     SourceEntityID, ...), never by pointer, so a collector can append to the
//     slices concurrently per target and merge them, a scenario file can hold
//     an estate as JSON, and the model carries no cycles.
//   - Ids are unique across the estate. An entity id is the Nutanix ext_id or
//     the ONTAP uuid; both are UUIDs, so collisions across targets do not
//     happen in practice. If a collector cannot guarantee it, it prefixes the
//     id with the target name. The index keeps the first of duplicate ids and
//     reports the others in Index.DuplicateIDs.
//   - One recovery point row per entity. A Nutanix recovery point may cover up
//     to 30 VMs and volume groups: it becomes one RecoveryPoint row per member,
//     all sharing ID (the recovery point ext_id), each with its own MemberID
//     (the VM or volume group recovery point ext_id, which a VM revert needs).
//     An ONTAP snapshot is one row with ID = snapshot uuid.
//   - Replicas belong to the source entity. A recovery point replicated to
//     another availability zone, or a snapshot on a SnapMirror destination
//     volume, is a row with EntityID = the source entity, Location = replica,
//     Target/Site/Cluster = where the copy lives, and (ONTAP) SVM/Volume = the
//     destination volume that holds it. So "all copies of this entity" is one
//     lookup, and 3-2-1-1-0 counting needs no join. A SnapMirror destination
//     volume may also be listed as an Entity with ReplicaOf set; protection
//     checks skip it.
//   - Normalised vocabularies. Collectors map vendor values onto the small
//     closed sets below (status complete, consistency crash|application,
//     operation status succeeded|failed|running, ...). Vendor detail that has
//     no slot goes into Flags, Tags or an error/message string.
//   - Tri-state where absence matters. Whether an entity is encrypted is a
//     *bool: nil means the collector could not tell, so compliance can say
//     "unknown" instead of "pass".
//   - Times are UTC. Normalize converts every time in the estate to UTC;
//     collectors call it once. Zero time means "none" (e.g. no expiration).
//   - Durations are Duration: a time.Duration that marshals to JSON as
//     {"seconds": 12000, "human": "3h20m"} and parses from text as Go
//     durations with day and week units ("90d", "1d12h"), plain seconds, or
//     ISO 8601 ("P30D", "PT1H30M") as ONTAP reports them.
//   - Indexes are built once. Estate.Index builds (and caches) maps and
//     per-entity time-sorted slices, so lookups are O(1) and time range
//     queries O(log n). Building the index reads the estate and never writes
//     it; concurrent callers may build it twice, and one result wins. An
//     estate must not be changed once indexed; call Reindex after a change.
//   - Partial estates. A target that failed to collect stays in Targets with
//     Reachable false and Error set; Partial reports it and the engines say so
//     in their results instead of treating the missing data as healthy.
package inventory
