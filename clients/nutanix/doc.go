// Package nutanix is a Prism Central v4 REST client for backup and recovery:
// dataprotection recovery points, vmm VMs (and revert), volumes volume
// groups, clustermgmt clusters, datapolicies protection policies, prism
// tasks and domain managers. It speaks the wire format directly (see
// shared/reference/nutanix-v4-api.md) on top of go-retryablehttp; the
// official SDKs are not used at run time.
//
// Design decisions:
//
//   - One version segment for every namespace (Options.APIVersion, default
//     "v4.0", any "v4.N" accepted): paths are /api/{namespace}/{version}/...
//     There is no version negotiation; the v4.0 wire is a subset of later
//     ones for everything used here.
//   - Envelopes are decoded by hand: data may be an object, a list, absent
//     (an empty list) or an ErrorResponse. Typed models carry the wire's
//     camelCase names; unknown fields are ignored.
//   - Errors: any non-2xx answer becomes an *APIError carrying the HTTP
//     status and the first AppMessage's code, errorGroup and message (both
//     ErrorResponse variants are understood). IsNotFound, IsUnauthorized,
//     IsPreconditionFailed and IsRateLimited classify it. A task that ends
//     FAILED or CANCELED becomes a *TaskError carrying the task and its
//     errorMessages. Credentials never appear in errors, logs or %v output:
//     Options and Client redact themselves.
//   - Retries (Options.RetryMax, default 4): connection errors, 429
//     (honouring Retry-After) and 502/503/504. Other statuses, 4xx included,
//     are never retried. GETs are safe to retry; mutations are retried too
//     because every mutation carries an NTNX-Request-Id that is generated once
//     per logical call (or supplied by the caller in Mutation.RequestID) and
//     reused on every attempt, so Prism Central answers a retried create with
//     the task it already started instead of starting a second one.
//   - Concurrency control: methods that change an existing entity (set
//     expiration, delete, restore, replicate, revert) send If-Match. Pass the
//     ETag you read (RecoveryPoint.ETag, VM.ETag) in Mutation.IfMatch to act
//     only if the entity is unchanged since you looked (412 otherwise,
//     IsPreconditionFailed); leave it empty and the method GETs the entity
//     first and uses its current ETag, as the Ansible modules do. Revert uses
//     the VM's ETag, the others the recovery point's.
//   - Asynchronous operations return a TaskRef at once; WaitTask polls
//     /api/prism/{v}/config/tasks/{extId} with exponential backoff
//     (Options.PollInterval to PollMaxInterval), reports progress through a
//     callback, stops when ctx is done, and returns the finished Task, whose
//     helpers (RecoveryPointExtID, VMExtIDs, VolumeGroupExtIDs, EntityExtIDs)
//     say what was created.
//   - Lists: the List* methods fetch one page (ListOptions: $page, $limit,
//     $filter, $orderby, $select); the ListAll* methods fetch page 0, read
//     metadata.totalAvailableResults and fetch the remaining pages
//     concurrently (at most Options.MaxConcurrency at a time), keeping order.
//     Filters are built with Eq, And, Any... which quote string values
//     (a single quote is doubled), so a name can never change the query.
//   - Shared reads: a GET identical to one in flight (same URL and query,
//     no NTNX-Request-Id or If-Match) waits for that request and shares its
//     decoded answer; a write opens a new generation, so no read after it
//     is answered by a request started before it (clients/internal/flight).
//   - Replication targets: a recovery point is replicated to a Prism Central
//     (domain manager) and cluster by ext id. The paired Prism Central and its
//     cluster are found in a protection policy's replicationLocations
//     (ProtectionPolicy.RemoteLocations); a Prism Central's own ext id is the
//     one ListDomainManagers returns.
package nutanix
