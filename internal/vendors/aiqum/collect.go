package aiqum

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/aiqum"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// aiqumAreas are the impact areas whose events bear on backups.
const aiqumAreas = aiqum.AreaProtection + "|" + aiqum.AreaCapacity + "|" + aiqum.AreaSecurity

// aiqum reads an AIQUM target: its managed clusters (a cheap check that
// it answers, and the names its events use) and its open protection,
// capacity and security events. The clusters themselves are collected as
// ONTAP targets through the gateway.
func collect(ctx context.Context, c vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	cl, err := client(c.Client, t)
	if err != nil {
		return err
	}
	clusters, err := cl.ListClusters(ctx, nil)
	if err != nil {
		return fmt.Errorf("clusters: %w", err)
	}
	p.Target.Reachable = true
	names := map[string]string{}
	for _, k := range clusters {
		names[k.UUID] = k.Name
	}
	evs, _, err := cl.ListEvents(ctx, aiqum.EventFilter{Area: aiqumAreas, State: aiqum.StateNew + "|" + aiqum.StateAcknowledged})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	for _, ev := range evs {
		x := inventory.AIQUMEvent{Key: ev.Key, Target: t.Name, Name: ev.Name, Severity: ev.Severity, State: ev.CurrentState,
			Area: ev.Impact.Area, ResourceType: ev.Impact.ResourceType, ResourceName: ev.Impact.ResourceName,
			ResourceUUID: ev.Impact.ResourceUUID, Cause: ev.Cause, Time: raisedAt(ev)}
		if ev.Cluster != nil {
			x.Cluster = ev.Cluster.Name
			if n := names[ev.Cluster.UUID]; n != "" {
				x.Cluster = n
			}
		}
		p.Estate.AIQUMEvents = append(p.Estate.AIQUMEvents, x)
	}
	return nil
}

// raisedAt is when the event was raised: its history entry "new".
func raisedAt(ev aiqum.Event) time.Time {
	for _, h := range ev.History {
		if h.State == aiqum.StateNew {
			for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05-07:00"} {
				if t, err := time.Parse(l, h.Timestamp); err == nil {
					return t.UTC()
				}
			}
		}
	}
	return time.Time{}
}

// linkAIQUM ties each AIQUM event to the volume or relationship it is
// about: by ONTAP UUID first, else by "svm:volume" on the cluster's target.
func linkAIQUM(e *inventory.Estate, clusterTarget map[string]string) {
	ents := map[string]*inventory.Entity{}
	byPath := map[string]*inventory.Entity{}
	for i := range e.Entities {
		en := &e.Entities[i]
		ents[en.ID] = en
		if en.Kind == inventory.EntityVolume {
			byPath[en.Target+"|"+en.SVM+":"+en.Name] = en
		}
	}
	reps := map[string]*inventory.Replication{}
	repByDst := map[string]*inventory.Replication{}
	for i := range e.Replications {
		r := &e.Replications[i]
		reps[r.ID] = r
		repByDst[r.DestinationTarget+"|"+r.DestinationPath] = r
	}
	for i := range e.AIQUMEvents {
		ev := &e.AIQUMEvents[i]
		target := clusterTarget[ev.Cluster]
		if target == "" {
			target = ev.Cluster
		}
		if r := reps[ev.ResourceUUID]; r != nil {
			ev.ReplicationID, ev.EntityID = r.ID, r.SourceEntityID
			continue
		}
		if en := ents[ev.ResourceUUID]; en != nil {
			ev.EntityID = en.ID
			continue
		}
		if ev.ResourceType == "snap_mirror" {
			if r := repByDst[target+"|"+ev.ResourceName]; r != nil {
				ev.ReplicationID, ev.EntityID = r.ID, r.SourceEntityID
			}
			continue
		}
		if strings.Contains(ev.ResourceName, ":") {
			if en := byPath[target+"|"+ev.ResourceName]; en != nil {
				ev.EntityID = en.ID
			}
		}
	}
}
