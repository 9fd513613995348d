package fleet

import "time"

// DefaultNow is the simulated "now" of built-in estates: fixed, so the same
// seed always gives byte-identical answers. Scenario files may set another.
var DefaultNow = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// Small returns the small hand-built estate: a paired pair of Prism
// Centrals and a pair of ONTAP clusters with a few days of history.
func Small(now time.Time) *Estate {
	e := &Estate{Clock: NewClock(now)}
	SmallNutanix(e)
	SmallOntap(e)
	e.Aiqums = append(e.Aiqums, DefaultAiqum(e))
	return e
}
