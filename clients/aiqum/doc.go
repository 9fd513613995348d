// Package aiqum is a client of the Active IQ Unified Manager (AIQUM) REST
// API v2: inventory (/datacenter/...), events (/management-server/events,
// with the acknowledge, resolve and assign PATCH bodies), jobs and the API
// gateway (/gateways) that passes ONTAP REST calls through to a managed
// cluster.
//
// Wire decisions (../shared/reference/aiqum-api.md):
//   - Native calls use the versioned /api/v2/... paths; the gateway is
//     /api/gateways/{cluster-uuid}/{ontap path without /api} (the documented
//     form; whether /api/v2/gateways exists is unverified). GatewayPrefix
//     returns that prefix for an ONTAP client.
//   - Collections always send max_records (at most 1000) and offset, follow
//     _links.next.href verbatim against the server origin (no parameters
//     added: they are in the link), require total_records on every page
//     (as NetApp's own Ansible collection does) and fail when the pages
//     end with fewer records than total_records promised.
//   - fields= is never sent to native endpoints (AIQUM does not declare it).
//   - Retries: GETs are retried after connection errors, 429, 500 (AIQUM
//     documents that a GET may be retried at least 5 times after a 500)
//     and 502/503/504. An event PATCH sets an absolute state, so it is
//     retried after connection errors, 429 and 502/503/504 but not after a
//     500, which may hide a change that was made. Nothing else writes.
//   - Errors: the envelope {"error":{"code","message","target"}} decodes
//     leniently (code may be a string or a number; a body that is not JSON
//     keeps the HTTP status text) into *APIError.
package aiqum
