// Package ontap is a client of the NetApp ONTAP REST API (9.x) for backup
// and recovery: cluster, nodes, SVMs, volumes (space, snapshot policy,
// SnapRestore, single-file restore, FlexClone, the files API with
// .snapshot browsing), snapshots, snapshot policies, schedules, SnapMirror
// relationships, transfers and policies, jobs and EMS events.
//
// Design decisions:
//
//   - Transport: one go-retryablehttp client per cluster over a pooled
//     keep-alive transport that speaks HTTP/2 where the cluster offers it
//     (one connection carries every request), HTTP basic auth, TLS
//     verification on (Options.TLSConfig for a CA pool). Reads send
//     Accept: application/json, so ONTAP leaves out the HAL links except
//     _links.next; writes send application/hal+json. MaxConcurrency slots
//     bound the HTTP attempts in flight (held per attempt, never during
//     backoff), and FanOut bounds concurrent work.
//   - Round trips: ListSnapshotsForVolumes and ListSnapshotsBulk read the
//     bulk collection GET /storage/volumes/*/snapshots (one request per 100
//     volumes, not one per volume), falling back to per-volume reads on a
//     cluster that lacks it; Identity keeps the cluster's name and uuid
//     for IdentityTTL.
//   - Shared reads (clients/internal/flight): a GET identical to one in
//     flight (method, URL, query) waits for that request instead of sending
//     its own, so concurrent tool calls that read the same collections cost
//     the cluster one request each, and the MaxConcurrency slots (4 by
//     default, sized to spare the management LIF) go to requests that
//     differ. Nothing outlives the request (no cache), and a write through
//     the client starts a new generation that no older GET is joined from.
//   - Retries (see retryClass): GETs and writes that set an absolute state
//     (PATCH of a snapshot policy, expiry time or SnapMirror state; DELETE
//     by UUID) are retried after connection errors, 429 and 502/503/504,
//     with exponential backoff and Retry-After honoured up to RetryWaitMax.
//     POSTs that create something and restores are retried only when the
//     server provably did not act (429, dial errors). A DELETE that was
//     retried and then finds the object gone counts as done.
//   - Selection: every list and get sends fields= explicitly (the *Fields
//     constants), naming the expensive fields it needs, because ONTAP's
//     fields=* leaves out space.snapshot.*, clone.parent_* and the like.
//     ListOptions.Fields overrides them ("**" for everything).
//   - Pagination: list methods follow _links.next verbatim until it is
//     absent (or ListOptions.Limit is reached); Walk and GetPage expose the
//     pages, and a next link that repeats is an error rather than a loop.
//   - Writes: a 202 carries {"job":{"uuid"}}; the client polls GET
//     /cluster/jobs/{uuid} with exponential backoff (PollInterval doubling
//     up to PollMaxInterval), reports each poll to WithProgress, stops on
//     ctx, and turns a failed job into a *JobError (message, code). A 200
//     or 201 that still names a job is checked the same way (ONTAP answers
//     so when return_timeout covered the job). POSTs send
//     return_records=true, so Result.UUID names the new object (or the
//     Location header does). NoWait returns the job for WaitJob later.
//   - Restores use the restore_to.* query parameters of PATCH
//     /storage/volumes/{uuid}, the encoding of ONTAP's API definition.
//   - SnapMirror transfers (POST .../transfers) answer 201 without a job:
//     WaitSnapmirrorTransfer polls the transfer, and falls back to the
//     relationship's transfer field when ONTAP no longer lists it.
//   - Errors: an error answer is an *APIError (HTTP status, error.code as a
//     string even when ONTAP sends a number, message, target, arguments);
//     IsNotFound, IsAlreadyExists, IsBusy, IsTransferInProgress,
//     IsUnauthorized and ErrorCode work through wrapping (errors.As).
//   - Secrets: the password lives in an unexported field; Options and
//     Client format, log (slog.LogValuer) and marshal without it, an
//     endpoint with user information is refused, and transport errors are
//     scrubbed of it.
//   - Durations such as lag_time are ISODuration strings with a parser
//     (ParseISODuration), since time.ParseDuration does not read ISO 8601.
package ontap
