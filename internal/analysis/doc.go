// Package analysis holds the Day-2 engines: pure, deterministic functions
// over an inventory.Estate that return findings, predictions, recovery
// recommendations, optimisation suggestions and compliance verdicts, each
// with the numbers it is based on, a recommendation a storage administrator
// can act on, and the MCP tool call to make next.
//
//	Health(e, rules)                         -> HealthReport   (named checks, score)
//	Predict(e, rules)                        -> []Prediction   (capacity, lag, anomalies, failure risk)
//	PredictEntity(e, ref, rules)             -> []Prediction   (one entity, including quiet assessments)
//	Recommend(e, ref, incident, scenario, r) -> Recommendation (ranked recovery options with tool steps)
//	Optimize(e, rules)                       -> []Suggestion   (schedule and retention changes)
//	Comply(e, audit, framework, rules)       -> ComplianceReport (sox, hipaa, gdpr, 3-2-1-1-0)
//	Metrics(MetricsInput)                    -> MetricsReport  (success metrics over a period, metrics.go)
//	ForecastCapacity(e, volume, rules)       -> CapacityForecast (days-to-full series for a chart)
//
// # Design decisions
//
//   - Pure and deterministic. "Now" is e.AsOf (or, if unset, the latest time
//     in the estate), never the wall clock. Output never depends on map
//     order: everything is sorted (severity, then entity target/kind/name/id,
//     then check/kind), evidence maps marshal with sorted keys, floats are
//     rounded to 4 decimals and NaN/Inf never reach the output. The same
//     estate gives byte-identical JSON.
//   - The engines only read the estate. They use the estate's cached index
//     (inventory.Estate.Index), so several analyses of one collected estate
//     share one index build; each engine is then O(entities + recovery
//     points + samples) with small constant work per item. See the
//     benchmarks in bench_test.go.
//   - Rules carry every threshold, each default citing its source in
//     shared/reference/day2-analytics.md or marked [assumption]. They are
//     YAML-loadable (snake_case keys) and validated by Rules.Validate.
//   - Severities: critical, high, medium, low (info only for PredictEntity's
//     quiet assessments). Critical is reserved for data at immediate risk: no
//     usable recovery point while a policy requires one, RPO or replication
//     lag beyond Rules.RPO.CriticalFactor × RPO, the last recovery point of a
//     protected entity expiring with none due, a volume at 98 % or at the
//     snapshot maximum, a change-rate spike corroborated by a ransomware
//     signal. A healthy entity is never flagged.
//   - Change anomalies per delta. Change samples are one per consecutive
//     snapshot or recovery point pair (the finest granularity the data has),
//     judged as rates per day against a baseline of the previous deltas that
//     leaves anomalies out (until BaselineWindow of them in a row say the
//     level moved). A spike's onset walks back over deltas already above
//     normal (Anomaly.OnsetRatio/OnsetZ): an attack that began late in a
//     delta is diluted by normal change there. The clean point for
//     ransomware is the newest one taken at or before the start of the first
//     anomalous (or elevated) delta, never later; the recommendation states
//     its confidence, the next older point, and how long before the cut-off
//     an attack could hide in normal change at the spike's rate (a
//     fundamental limit of size-based detection, said rather than hidden).
//     Active anomalies are backup_health findings (change_anomaly: critical
//     with an anti-ransomware event or snapshot, high otherwise). An entity
//     with no change samples is "no change data", never "no anomaly".
//     Each signal (snapshot/recovery point deltas; daily bytes written from
//     Nutanix VM I/O statistics) is its own series; the cut-off comes from
//     the recovery points' own deltas when they show the spike, from the
//     I/O series otherwise.
//   - One finding per root cause. On one entity, RPO, replication lag and
//     health, remote copy, failed and stuck runs and application
//     consistency are symptoms of one protection chain: the most severe is
//     the finding, the others its contributing signals (CheckResult counts
//     both). 3-2-1-1-0 is one estate-wide low finding with counts per
//     missing leg and the most critical examples; a policy that requires
//     locked snapshots the entity lacks is a per-entity medium finding.
//   - Ranking: severity, then business tier (Rules.Tiers: categories, names,
//     SVMs, clusters; targets and estate-wide findings lead their severity),
//     then impact (used bytes), then name. A prefix of the sorted list never
//     cuts a critical or high finding while showing a lower one; counts by
//     severity are always in the report.
//   - Right objective per check. Replication lag is held to the
//     relationship's own schedule (AIQUM 150 %/250 %, critical at
//     Replication.LagCriticalRatio) and to an RPO stated for the relationship
//     or the policy, never to the source's local snapshot interval.
//     Replicas are usable copies everywhere (RPO, expiry, 3-2-1-1-0). An
//     entity created less than one schedule interval ago (two for its
//     replica) is not judged yet.
//   - Honest arithmetic. Volume fullness is the array's percent_used against
//     the usable space (not the size including the reserve); failure
//     probability after a failure uses a prior centred on the entity's own
//     rate (never 50 % after 1 failure in 41); an only copy expiring before
//     the next run is due is found however far out; ransomware RTO includes
//     scanning the data, and measured drills raise the estimate.
//   - Partial estates are said, not hidden. Unreachable targets are a
//     finding (high), lower the score, and turn compliance passes into
//     unknown.
//   - Metrics report, never invent. Each number carries its Source (counts
//     and ids of the tasks, jobs, workflow runs, drills, recovery points,
//     volumes or controls behind it); a number that cannot be computed is
//     nil with Missing saying why. Workflow runs enter as RunRecords, so
//     the engine stays pure (the tool layer reads the journal). Achieved RPO
//     is the longest gap between usable copies, measured only over the span
//     the policy keeps in full (retention count x shortest schedule), so
//     retention thinning is not reported as a missed backup; MTTR includes
//     approval waits (they are part of the time to recover); compliance
//     scores count unknown controls against the score.
//   - Compliance never passes without evidence: missing data (encryption
//     state, restore timings, history too short to prove absence) is
//     "unknown", with the reason in the evidence.
//   - Recommendations are advisory. Steps name the exact tool calls, flag
//     destructive ones, and prefer non-destructive methods where the
//     scenario calls for evidence (ransomware) or only part of the data is
//     lost. Values the engine cannot know (a file path, the ext_id a
//     replication will create) are placeholders in angle brackets listed in
//     the step's needs_input.
//
// # Results as MCP tool results
//
// Every result type marshals to JSON with snake_case names; times are RFC
// 3339 UTC; durations are inventory.Duration ({"seconds": n, "human":
// "3h20m"}), and in evidence maps <name>_seconds plus <name> (human).
// Result lists can be long (one finding per entity); the tool layer cuts
// them to its response budget (findings are sorted most severe first, so a
// prefix is the right cut) and says so in "truncated".
//
// # Next-tool contract
//
// next_tool and recovery steps use these tool names and argument names; the
// tools package should accept them as written:
//
//	nutanix_create_recovery_point   {vms: [name]} | {volume_groups: [name]}, target, [recovery_point_type: "APPLICATION_CONSISTENT"]
//	nutanix_list_recovery_points    {vm: name} | {volume_group: name}, target
//	nutanix_update_recovery_point   {ext_id, expiration_time (RFC 3339), target}
//	nutanix_list_vms                {name, target}
//	nutanix_get_task                {ext_id, target}
//	nutanix_revert_vm               {vm, vm_recovery_point_ext_id, target}
//	nutanix_restore_recovery_point  {ext_id, cluster, target}
//	nutanix_replicate_recovery_point {ext_id, target, pc}
//	ontap_create_snapshot           {volume, svm, target}
//	ontap_list_snapshots            {volume, svm, target}
//	ontap_list_volumes              {name, svm, target}
//	ontap_set_volume_snapshot_policy {volume, svm, policy, target}
//	ontap_get_job                   {uuid, target}
//	ontap_list_snapmirror_transfers {relationship, target} (failed transfers)
//	ontap_list_events               {name, since, target}
//	ontap_list_snapmirror           {relationship, target} | {target}
//	ontap_snapmirror_update / _resync / _break {relationship (uuid), target (destination cluster)}
//	ontap_restore_volume            {volume, svm, snapshot (name), target}
//	ontap_restore_file              {volume, svm, snapshot, path, restore_path, target}
//	ontap_clone_volume              {volume, svm, snapshot, clone_name, target}
//	recommend_recovery              {entity, target, scenario, incident_time}
//	predict_backup_failures         {entity, target}
//	list_targets                    {}
//
// Left for later (not implemented here): recovering a deleted Nutanix VM by
// name (v4 recovery points carry the VM's ext_id, not its name; an entity
// directory in the store would remember it), policy RPOs separate from the
// schedule set in config (Nutanix and ONTAP state none apart from it),
// hourly (seasonal) I/O statistics, job duration against a backup
// window (reference §2.3, the model has no window), EWMA slow-ramp detection
// (§2.2), discontinuity resets in the capacity runway (§2.1), and seasonal
// (STL/Holt-Winters) capacity models.
package analysis
