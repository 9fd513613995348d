package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

func addLocalSnapshots(e *inventory.Estate, id string, n int, age time.Duration, size int64) {
	for k := range n {
		e.RecoveryPoints = append(e.RecoveryPoints, inventory.RecoveryPoint{ID: id + "-old-" + string(rune('a'+k)), Name: "old", EntityID: id,
			Location: inventory.LocationLocal, Target: "ontap-prod", Created: now.Add(-age - time.Duration(k)*hr), Status: inventory.StatusComplete,
			Consistency: inventory.CrashConsistent, SizeBytes: size})
	}
}

func TestOptimize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(e *inventory.Estate)
		want   []brief
		check  func(t *testing.T, s []Suggestion)
	}{
		{"healthy", func(*inventory.Estate) {}, nil, nil},
		{"schedule too sparse", func(e *inventory.Estate) {
			p := policy(e, "gold")
			p.Schedule, p.RetentionCount = d(4*hr), 6
		}, []brief{{SuggestScheduleTooSparse, "high", "gold"}}, func(t *testing.T, s []Suggestion) {
			x := s[0]
			if x.Proposed["schedule_interval_seconds"] != 3600.0 || x.Proposed["retention_count"] != int64(24) {
				t.Errorf("proposed = %v", x.Proposed)
			}
			if x.Effect.SnapshotCountChange != 18 || x.Effect.RPOImprovement.D() != 3*hr || x.EntityCount != 1 || x.Entities[0].Name != "db01" {
				t.Errorf("effect = %+v entities %v", x.Effect, x.Entities)
			}
		}},
		{"schedule too frequent for the change rate", func(e *inventory.Estate) {
			policy(e, "gold").RPO = d(24 * hr)
			for i := range e.ChangeRates {
				if e.ChangeRates[i].EntityID == "vm-db01" {
					e.ChangeRates[i].Bytes = gb / 2
				}
			}
		}, []brief{{SuggestScheduleTooFrequent, "low", "gold"}}, func(t *testing.T, s []Suggestion) {
			x := s[0]
			if x.Proposed["schedule_interval_seconds"] != 43200.0 || x.Effect.SnapshotCountChange != -22 ||
				x.Effect.RetentionSpanAfter.D() != 24*hr || !strings.Contains(x.Effect.Note, "22 fewer snapshot operations per day") {
				t.Errorf("proposed %v effect %+v", x.Proposed, x.Effect)
			}
		}},
		{"frequent but busy", func(e *inventory.Estate) { policy(e, "gold").RPO = d(24 * hr) }, nil, nil},
		{"copies beyond retention on a filling volume", func(e *inventory.Estate) {
			entity(e, "vol-1").SnapshotReserveUsedBytes = 85 * gb
			addLocalSnapshots(e, "vol-1", 5, 10*dy, 2*gb)
		}, []brief{{SuggestRetentionExcess, "medium", "hourly"}}, func(t *testing.T, s []Suggestion) {
			if s[0].Effect.BytesSaved != 10*gb || s[0].Effect.SnapshotCountChange != -5 {
				t.Errorf("effect = %+v", s[0].Effect)
			}
		}},
		{"copies beyond retention, space fine", func(e *inventory.Estate) { addLocalSnapshots(e, "vol-1", 5, 10*dy, 2*gb) }, nil, nil},
		{"retention longer than needed on a full reserve", func(e *inventory.Estate) {
			p := policy(e, "hourly")
			p.RetentionCount, p.Retention = 0, d(90*dy)
			entity(e, "vol-1").SnapshotReserveUsedBytes = 95 * gb
			addLocalSnapshots(e, "vol-1", 4, 40*dy, 3*gb)
		}, []brief{{SuggestRetentionReduce, "high", "hourly"}}, func(t *testing.T, s []Suggestion) {
			x := s[0]
			if x.Effect.BytesSaved != 12*gb || x.Effect.SnapshotCountChange != -4 || x.Effect.RetentionSpanAfter.D() != 35*dy ||
				x.Proposed["retention_count"] != int64(840) {
				t.Errorf("effect %+v proposed %v", x.Effect, x.Proposed)
			}
			if x.NextTool == nil || x.NextTool.Tool != ToolOntapSetVolumeSnapshotPolicy {
				t.Errorf("next tool = %+v", x.NextTool)
			}
		}},
		{"long retention required by compliance", func(e *inventory.Estate) {
			p := policy(e, "hourly")
			p.RetentionCount, p.Retention = 0, d(90*dy)
			en := entity(e, "vol-1")
			en.SnapshotReserveUsedBytes, en.Tags = 95*gb, []string{"sox"}
			addLocalSnapshots(e, "vol-1", 4, 40*dy, 3*gb)
		}, nil, nil},
		{"missing remote copy", func(e *inventory.Estate) {
			policy(e, "gold").RemoteCopy = false
			dropRecoveryPointsAt(e, "vm-db01", inventory.LocationReplica, time.Time{})
		}, []brief{{SuggestMissingRemoteCopy, "high", "gold"}}, func(t *testing.T, s []Suggestion) {
			if s[0].Effect.BytesSaved != -150*gb || s[0].Effect.OffsiteCopiesAdded != 1 {
				t.Errorf("effect = %+v", s[0].Effect)
			}
		}},
		{"no remote copy in policy but replicated anyway", func(e *inventory.Estate) { policy(e, "gold").RemoteCopy = false }, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := healthyEstate()
			tc.mutate(e)
			s := Optimize(e, DefaultRules())
			got := []brief{}
			for _, x := range s {
				got = append(got, brief{x.Kind, string(x.Priority), x.Policy.Name})
				if x.Summary == "" || x.Rationale == "" || x.Current == nil || x.Proposed == nil {
					t.Errorf("%s incomplete", x.Kind)
				}
			}
			sameBriefs(t, got, tc.want)
			if tc.check != nil && len(s) > 0 && !t.Failed() {
				tc.check(t, s)
			}
		})
	}
}
