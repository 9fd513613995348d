package main

import "github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"

// demoEstate builds the estate --demo serves.
func demoEstate(_ *serverFlags) (*fleet.Estate, error) {
	return fleet.Small(fleet.DefaultNow), nil
}
