// Package safety holds the rails every non-read tool call passes: tiers,
// confirmation tokens for destructive calls, the JSON-lines audit log and the
// per-target write lock. It knows nothing of MCP; tools/kit wires it into
// tool calls.
package safety

// Tier says what a tool can do to data. It sets the tool's annotations and
// decides whether --read-only or --disable-destructive remove it.
type Tier string

const (
	// Read changes nothing.
	Read Tier = "read"
	// Write adds or copies data (create, clone, restore as new, replicate,
	// extend expiration, SnapMirror update/quiesce/resume).
	Write Tier = "write"
	// Destructive loses or overwrites data or protection (delete, revert,
	// in-place restore, SnapMirror break/resync, shortening retention,
	// removing a policy).
	Destructive Tier = "destructive"
)

// Valid reports whether t is one of the three tiers.
func (t Tier) Valid() bool { return t == Read || t == Write || t == Destructive }
