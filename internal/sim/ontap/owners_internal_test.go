package ontap

import (
	"slices"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// TestOwnersIndexAgrees: the index used to render many snapshots at once
// gives every snapshot the owners the direct computation gives.
func TestOwnersIndexAgrees(t *testing.T) {
	e := &fleet.Estate{Clock: fleet.NewClock(time.Date(2025, 6, 18, 9, 41, 0, 0, time.UTC))}
	fleet.SmallOntap(e)
	owned := 0
	for _, c := range e.OntapClusters {
		s := New(e, c, Options{})
		ix := s.ownersIndex(c)
		for _, v := range c.Volumes {
			for _, sn := range v.Snapshots {
				want, got := s.owners(c, v, sn), s.ownersWith(c, v, sn, ix)
				if !slices.Equal(want, got) {
					t.Fatalf("%s %s@%s: index %v, direct %v", c.Name, v.Path(), sn.Name, got, want)
				}
				if len(want) > 0 {
					owned++
				}
			}
		}
	}
	if owned == 0 {
		t.Fatal("no owned snapshot in the estate: the comparison proves nothing")
	}
}
