// Package bench holds the side-by-side benchmarks of issue 13 (go test
// -bench . ./internal/bench): recovery-mcp's list tools, called over MCP
// (in process, over the stdio transport on pipes, and over streamable HTTP)
// against the simulators, beside a
// reference: an MCP tool, called through the same in-process MCP client,
// that makes 3 requests per call on fresh TLS connections (a new TCP
// connection and TLS handshake per request, as a client without connection
// reuse does, like ontap-mcp) and answers with the bodies as text; at 0 and
// 20 ms of injected latency per request.
// Each benchmark reports p50 and p99 latency in milliseconds, backend
// requests per call (counted by the simulators) and, for the 8 x 100 load,
// calls per second and the p50 and p99 of one call under it, as custom
// metrics. Use -benchtime 200x for the side-by-side p99s (with 30 calls the
// p99 is the single slowest). The package has no non-test code.
package bench
