// Package ontap is an HTTP simulator of the ONTAP REST API (9.x) for one
// cluster of a fleet.Estate, in the scope recovery-mcp uses: cluster, nodes,
// SVMs, volumes (space accounting, SnapRestore, single-file restore,
// FlexClone), the files API (including .snapshot), snapshots, snapshot
// policies, schedules, SnapMirror relationships, transfers and policies,
// jobs and EMS events. Other packages import it as simontap.
//
// Design decisions:
//
//   - Wire facts follow /work/shared/reference/ontap-rest-api.md and the field
//     lists in ontap-fields/: HAL collections ({records, num_records,
//     _links.self/next}), fields= projection (a collection returns its key
//     fields by default, the GET of one object returns fields=*; "**" adds
//     the expensive fields, names select subtrees), max_records with an
//     opaque start.<key> cursor in _links.next, query filters on any
//     returned field (exact, * wildcard, | alternatives, !, <, >, <=, >=,
//     null, ISO-8601 durations and times, KB..PB size suffixes), order_by,
//     return_records, Accept: application/json (no HAL links but next).
//     Names are checked against the ONTAP 9.19.1 model field lists
//     (fieldnames.go, generated from reference/ontap-fields): a query
//     parameter that is neither reserved nor a field is refused with 262179
//     "Unexpected argument", an unknown name in fields= with 262197 "The
//     value ... is invalid for field "fields"" unless
//     ignore_unknown_fields=true (ONTAP 9.11+), which drops such names. A
//     write refuses a query parameter that is neither one it takes nor a
//     field (262179). Unknown body fields are refused with code 2.
//   - The bulk collection GET /storage/volumes/*/snapshots lists snapshots
//     across volumes (each record names its volume), as ONTAP documents
//     for its "bulk snapshot APIs" (GET /api/storage/volumes/*/snapshots in
//     the netapp_ontap library's generated docs, resources/snapshot.py).
//   - /storage/aggregates lists the local tiers with their space; a volume
//     POST must name an existing aggregate (404, code 4) with room for its
//     size (400, code 2), or gets the one with most room.
//   - Snapshot policies: PATCH (name, comment, enabled) and DELETE (refused
//     with code 8 while volumes use it) are synchronous, as is the
//     schedules sub-resource (/storage/snapshot-policies/{uuid}/schedules
//     [/{schedule.uuid}]: add, change, remove one schedule; the last one of
//     an enabled policy cannot go).
//   - SnapMirror relationships are created (POST, on the destination, with
//     create_destination.enabled to make the DP volume, state=snapmirrored
//     to initialize) and deleted (DELETE) through jobs; see protect.go and
//     smdelete.go.
//   - Errors use the envelope {"error":{"message","code","target"}} with the
//     reference's codes: 4/404 for unknown UUIDs, 1/409 for duplicates,
//     2/400 for invalid values and state transitions, 3 for unsupported
//     operations, 8/409 for objects in use, 1638555 for busy snapshots,
//     13303812 for a transfer already running, 13303808 for a break during a
//     transfer. The 401 body is not documented; the simulator sends code 6.
//   - Time is the estate's simulated clock and nothing else: no global
//     random source; the clock stands still unless run (fleet.Clock.Run,
//     "sim --clock-rate"), when jobs and transfers finish as time flows,
//     polled or not; run-time UUIDs come from a per-cluster
//     counter (fleet.OntapCluster.NewUUID). The same estate and the same
//     request sequence give byte-identical answers (maps are encoded with
//     sorted keys).
//   - Writes are validated synchronously (errors before any job exists) and
//     then run as jobs: queued for Options.QueueDelay, running for a
//     per-operation duration, then success or failure. A job's effect is
//     plain data on the model (Op, Args) and is applied when the clock passes
//     its end, in time order across the estate ("settling", done at the
//     start of every request); so results become visible when the job
//     succeeds. A GET of an unfinished job (or transfer, or of a
//     relationship with a transfer under way) advances the clock by
//     PollStep. return_timeout=0 (the default for writes) answers 202 with
//     the job link at once; return_timeout=N moves the clock up to N seconds
//     and answers 200 (PATCH/DELETE) or 201 (POST) when the job finished in
//     time, or the job's error as an error answer when it failed (ONTAP's
//     behaviour there is undocumented). Finished jobs are purged after
//     JobRetention (300 s), then GET answers 404.
//   - SnapRestore and single-file restore are PATCH /storage/volumes/{uuid}
//     with restore_to.* given as query parameters, dotted body keys or a
//     nested body (all three are read the same way). A volume restore
//     replaces the active file system with the snapshot's tree and deletes
//     the newer snapshots (refused with 1638555 when one of them is locked,
//     unless restore_to.snapshot.force); a file restore copies the file from
//     the snapshot to restore_to.restore_path (or in place), creating parent
//     directories; a byte-range restore is in place.
//   - Space: space.snapshot.reserve_size = size x reserve_percent;
//     snapshots' sizes sum to space.snapshot.used and fill the reserve
//     first, the excess spills (space.snapshot_spill) into used;
//     available = size - reserve - used.
//   - A snapshot's owners are computed: volume_clone while a FlexClone uses
//     it, snapmirror while it is a relationship's exported snapshot on either
//     side. Deleting it (or one with a future expiry_time) fails the job
//     with 1638555 and ONTAP's "has not expired or is locked" message.
//   - SnapMirror (async): relationships live on the destination cluster;
//     list_destinations_only=true on the source lists the outgoing ones.
//     States uninitialized -> snapmirrored (initialize transfer) ->
//     paused / broken_off (destination turns rw) -> snapmirrored (resume,
//     or resync: revert to the common snapshot, destination dp, resync
//     transfer). A transfer takes a snapmirror.<svm-uuid>_<msid>.<time>
//     snapshot on the source, moves the data changed since the exported
//     snapshot at Options.TransferRate (or the throttle), and on success
//     copies the snapshots the policy keeps to the destination, replaces
//     the destination's image, and resets health; lag_time is now minus the
//     exported snapshot's creation time (ONTAP's definition). A failed
//     transfer marks the relationship unhealthy with unhealthy_reason and
//     logs an EMS event (smc.snapmir.init.fail, smc.snapmir.update.fail or
//     sms.resync.attempt.failed); a failed snapshot-create job logs
//     mgmtgwd.schedSnap.createFail. Transfers of a relationship are listed
//     (the last 50, finished ones included) by GET .../transfers.
//   - Fault hooks (FailNextJobs, StickNextJobs, FailNextTransfers,
//     StickNextTransfers, InjectFault) queue fleet.OntapFault records on the
//     cluster, so scenarios can hold them too. Latency, 429s and error rates
//     belong to the shared HTTP fault middleware, not here.
//   - Every request locks all ONTAP clusters of the estate, always in estate
//     order, because SnapMirror work touches both ends.
//
// Not simulated: schedules do not fire by themselves (no automatic policy
// snapshots or scheduled SnapMirror updates as the clock moves), FlexGroups,
// SVM-DR, SnapMirror synchronous, restore relationships, directory restore,
// job pause/cancel.
package ontap
