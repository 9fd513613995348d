package ontap

// Shared reads: getJSON sends its GET through Client.reads, a
// flight.Group keyed by the request URL (with its query), so a GET
// identical to one in flight waits for that request instead of sending its
// own; every other method calls reads.Wrote before and after, so no GET
// started before a write is joined after it. See package
// clients/internal/flight for the rules.
