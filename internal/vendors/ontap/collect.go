package ontap

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// eventWindow is how far back EMS events are read.
const eventWindow = 30 * 24 * time.Hour

// ontapPart keeps what linking across clusters needs.
type ontapPart struct {
	cluster   string // ONTAP's cluster name (relationship endpoints use it)
	target    string
	site      string
	relations []ontap.SnapmirrorRelationship
	transfers map[string][]ontap.SnapmirrorTransfer
	schedules map[string]time.Duration // schedule name -> interval
}

func collect(ctx context.Context, c vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	now := c.Now
	cl, err := client(c.Client, t)
	if err != nil {
		return err
	}
	cluster, err := cl.GetCluster(ctx)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	p.Target.Reachable = true
	op := &ontapPart{cluster: cluster.Name, target: t.Name, site: t.Site, transfers: map[string][]ontap.SnapmirrorTransfer{}, schedules: map[string]time.Duration{}}
	p.Cluster, p.Private = cluster.Name, op

	var (
		vols      []ontap.Volume
		schedules []ontap.Schedule
		policies  []ontap.SnapshotPolicy
		rels      []ontap.SnapmirrorRelationship
		events    []ontap.EMSEvent
		eventErr  error
	)
	err = vendors.Parallel(
		func() (err error) {
			if vols, err = cl.ListVolumes(ctx, nil); err != nil {
				err = fmt.Errorf("volumes: %w", err)
			}
			return err
		},
		func() (err error) {
			if schedules, err = cl.ListSchedules(ctx, nil); err != nil {
				err = fmt.Errorf("schedules: %w", err)
			}
			return err
		},
		func() (err error) {
			if policies, err = cl.ListSnapshotPolicies(ctx, nil); err != nil {
				err = fmt.Errorf("snapshot policies: %w", err)
			}
			return err
		},
		func() (err error) {
			if rels, err = cl.ListSnapmirrorRelationships(ctx, nil); err != nil {
				err = fmt.Errorf("snapmirror relationships: %w", err)
			}
			return err
		},
		func() error {
			events, eventErr = cl.ListEMSEvents(ctx, ontap.EMSFilter{DataProtection: true, Since: now.Add(-eventWindow), Limit: 500})
			return nil
		},
	)
	if err != nil {
		return err
	}
	for _, s := range schedules {
		op.schedules[s.Name] = scheduleInterval(s)
	}
	for _, pol := range policies {
		ip := inventory.Policy{Name: pol.Name, Target: t.Name}
		for _, cp := range pol.Copies {
			iv := op.schedules[cp.Schedule.Name]
			if iv > 0 && (ip.Schedule == 0 || iv < ip.Schedule.D()) {
				ip.Schedule, ip.RetentionCount = inventory.Duration(iv), cp.Count
			}
			if span := time.Duration(cp.Count) * iv; span > ip.Retention.D() {
				ip.Retention = inventory.Duration(span)
			}
		}
		// ONTAP states no RPO: the local check falls back to the schedule
		// (Policy.EffectiveRPO), and replication is held to its own
		// schedule, not to the local snapshot interval.
		p.Estate.Policies = append(p.Estate.Policies, ip)
	}

	uuids := make([]string, 0, len(vols))
	for i := range vols {
		v := &vols[i]
		if v.State == "offline" {
			continue
		}
		uuids = append(uuids, v.UUID)
		e := inventory.Entity{Kind: inventory.EntityVolume, ID: v.UUID, Name: v.Name, Target: t.Name, Site: t.Site,
			Cluster: cluster.Name, SVM: v.SVM.Name, SizeBytes: v.Size, Created: v.CreateTime, Tags: vendors.DerivedTags(v.Name)}
		if v.SnapshotPolicy != nil && v.SnapshotPolicy.Name != "none" {
			e.Policy = v.SnapshotPolicy.Name
		}
		if v.Space != nil {
			e.UsedBytes = v.Space.Used
			if v.Space.Size > 0 {
				e.SizeBytes = v.Space.Size
			}
			if s := v.Space.Snapshot; s != nil {
				e.SnapshotReserveBytes, e.SnapshotReserveUsedBytes = s.ReserveSize, s.Used
			}
			// Vendor-reported figures: fullness against the usable space
			// (not the size including the reserve), logical and physical use.
			e.UsableBytes = v.Space.AFSTotal
			e.UsedPercent = float64(v.Space.PercentUsed)
			e.PhysicalUsedBytes = v.Space.PhysicalUsed
			if l := v.Space.LogicalSpace; l != nil {
				e.LogicalUsedBytes = l.Used
			}
		}
		if v.Clone != nil && v.Clone.IsFlexclone {
			e.Excluded = true // a recovery-test clone, not production data
			e.Tags = append(e.Tags, "flexclone")
		}
		p.Estate.Entities = append(p.Estate.Entities, e)
	}
	// Snapshots of every volume and transfers of every relationship, both
	// fanned out (bounded by the client's MaxConcurrency), side by side.
	op.relations = rels
	var (
		snaps   map[string][]ontap.Snapshot
		snapErr error
		mu      sync.Mutex
	)
	_ = vendors.Parallel(
		func() error { snaps, snapErr = cl.ListSnapshotsForVolumes(ctx, uuids, nil); return nil },
		func() error {
			return ontap.FanOut(ctx, cl, rels, func(ctx context.Context, r ontap.SnapmirrorRelationship) error {
				if tr, err := cl.ListSnapmirrorTransfers(ctx, r.UUID, &ontap.ListOptions{Limit: 50}); err == nil {
					mu.Lock()
					op.transfers[r.UUID] = tr
					mu.Unlock()
				}
				return nil
			})
		},
	)
	if snapErr != nil {
		p.Target.Error = fmt.Sprintf("snapshots incomplete: %v", snapErr)
	}
	for i := range p.Estate.Entities {
		ent := &p.Estate.Entities[i]
		list := snaps[ent.ID]
		sort.Slice(list, func(a, b int) bool { return list[a].CreateTime.Before(list[b].CreateTime) })
		for j := range list {
			s := &list[j]
			rp := inventory.RecoveryPoint{ID: s.UUID, Name: s.Name, EntityID: ent.ID, EntityKind: inventory.EntityVolume, EntityName: ent.Name,
				Location: inventory.LocationLocal, Target: t.Name, Site: t.Site, Cluster: cluster.Name, SVM: ent.SVM, Volume: ent.Name,
				Created: s.CreateTime, Expires: s.ExpiryTime, Consistency: inventory.CrashConsistent, SizeBytes: s.Size,
				LogicalBytes: s.LogicalSize, Status: snapStatus(s.State)}
			if strings.HasPrefix(s.Name, "Anti_ransomware_backup") {
				rp.Flags = append(rp.Flags, inventory.FlagAntiRansomware)
			}
			if !s.ExpiryTime.IsZero() && s.ExpiryTime.After(now) {
				rp.Locked, rp.LockExpires = true, s.ExpiryTime
			}
			p.Estate.RecoveryPoints = append(p.Estate.RecoveryPoints, rp)
			// A snapshot's logical size is the used space when it was
			// taken: the volume's capacity history.
			if s.LogicalSize > 0 {
				p.Estate.Capacity = append(p.Estate.Capacity, inventory.CapacitySample{EntityID: ent.ID, Time: s.CreateTime,
					UsedBytes: s.LogicalSize, SizeBytes: cmp.Or(ent.UsableBytes, ent.SizeBytes)})
			}
		}
		p.Estate.ChangeRates = append(p.Estate.ChangeRates, deltaChange(ent.ID, list)...)
		p.Estate.Capacity = append(p.Estate.Capacity, inventory.CapacitySample{EntityID: ent.ID, Time: now, UsedBytes: ent.UsedBytes,
			SizeBytes: cmp.Or(ent.UsableBytes, ent.SizeBytes), SnapshotReserveBytes: ent.SnapshotReserveBytes, SnapshotReserveUsedBytes: ent.SnapshotReserveUsedBytes})
	}

	if eventErr != nil {
		p.Target.Error = fmt.Sprintf("events incomplete: %v", eventErr)
	}
	volID := map[string]string{} // "svm:volume" and "volume" -> uuid
	for _, v := range vols {
		volID[v.SVM.Name+":"+v.Name] = v.UUID
		if _, dup := volID[v.Name]; dup {
			volID[v.Name] = "" // ambiguous without the SVM
		} else {
			volID[v.Name] = v.UUID
		}
	}
	for _, ev := range events {
		p.Estate.Events = append(p.Estate.Events, inventory.Event{Time: ev.Time, Severity: strings.ToLower(ev.Message.Severity),
			Name: ev.Message.Name, Message: ev.LogMessage, Target: t.Name, EntityID: eventVolume(&ev, volID)})
	}
	return nil
}

// eventVolume finds the volume an EMS event names in its parameters.
func eventVolume(ev *ontap.EMSEvent, volID map[string]string) string {
	vol := firstParam(ev, "volume_name", "volume", "vol", "dst_vol", "dstvol")
	if vol == "" {
		return ""
	}
	if svm := firstParam(ev, "vserver_name", "vserver", "svm", "svm_name"); svm != "" {
		if id := volID[svm+":"+vol]; id != "" {
			return id
		}
	}
	return volID[vol]
}

func firstParam(ev *ontap.EMSEvent, names ...string) string {
	for _, n := range names {
		if v := ev.Parameter(n); v != "" {
			return v
		}
	}
	return ""
}

// deltaChange turns a volume's snapshots (oldest first) into one change
// sample per consecutive pair: each snapshot's size is read as the change
// over the period since the one before it, the finest granularity the
// data has, so an anomaly is placed between two snapshots and the one that
// opens the first anomalous delta is the last that predates it. (ONTAP
// accounts a block to the older snapshot once the active file system
// overwrites it, so on a real array the growth of an attack shows on the
// snapshot before; that only moves the clean cut-off earlier, never later.)
func deltaChange(entityID string, snaps []ontap.Snapshot) []inventory.ChangeSample {
	if len(snaps) < 2 {
		return nil
	}
	out := make([]inventory.ChangeSample, 0, len(snaps)-1)
	for j := 1; j < len(snaps); j++ {
		gap := snaps[j].CreateTime.Sub(snaps[j-1].CreateTime)
		if gap <= 0 {
			continue
		}
		out = append(out, inventory.ChangeSample{EntityID: entityID, Time: snaps[j].CreateTime,
			Period: inventory.Duration(gap), Bytes: snaps[j].Size})
	}
	return out
}

func snapStatus(s string) string {
	switch s {
	case "valid", "":
		return inventory.StatusComplete
	case "partial":
		return inventory.StatusPartial
	default:
		return inventory.StatusInvalid
	}
}

// scheduleInterval is a schedule's period: its interval, or for cron the
// typical gap between runs.
func scheduleInterval(s ontap.Schedule) time.Duration {
	if s.Interval != "" {
		if d, err := s.Interval.Duration(); err == nil {
			return d
		}
	}
	c := s.Cron
	if c == nil {
		return 0
	}
	switch {
	case len(c.Weekdays) > 0:
		return 7 * 24 * time.Hour / time.Duration(len(c.Weekdays))
	case len(c.Days) > 0:
		return 30 * 24 * time.Hour / time.Duration(len(c.Days))
	case len(c.Hours) > 0:
		return 24 * time.Hour / time.Duration(len(c.Hours))
	case len(c.Minutes) > 0:
		return time.Hour / time.Duration(len(c.Minutes))
	}
	return time.Minute
}

// linkOntap turns each SnapMirror relationship (read on its destination
// cluster) into a replication from the source volume, and re-labels the
// destination volume's snapshots as replicas of the source.
func linkOntap(e *inventory.Estate, parts []*vendors.Part) {
	targetOfCluster := map[string]string{}
	for _, p := range parts {
		if op, ok := p.Private.(*ontapPart); ok {
			targetOfCluster[op.cluster] = op.target
		}
	}
	type key struct{ target, svm, vol string }
	vol := map[key]*inventory.Entity{}
	for i := range e.Entities {
		x := &e.Entities[i]
		if x.Kind == inventory.EntityVolume {
			vol[key{x.Target, x.SVM, x.Name}] = x
		}
	}
	split := func(path string) (string, string) {
		svm, v, _ := strings.Cut(path, ":")
		return svm, v
	}
	replicaOf := map[string]*inventory.Entity{} // destination volume id -> source
	for _, p := range parts {
		op, ok := p.Private.(*ontapPart)
		if !ok {
			continue
		}
		for _, r := range op.relations {
			srcTarget := op.target
			if r.Source.Cluster != nil && r.Source.Cluster.Name != "" {
				srcTarget = targetOfCluster[r.Source.Cluster.Name]
			}
			ssvm, svol := split(r.Source.Path)
			dsvm, dvol := split(r.Destination.Path)
			rep := inventory.Replication{ID: r.UUID, SourceTarget: srcTarget, SourcePath: r.Source.Path,
				DestinationTarget: op.target, DestinationSite: op.site, DestinationPath: r.Destination.Path,
				State: r.State, Healthy: r.Healthy == nil || *r.Healthy}
			if r.Policy != nil {
				rep.Policy = r.Policy.Name
			}
			if src := vol[key{srcTarget, ssvm, svol}]; src != nil {
				rep.SourceEntityID, rep.SourceSite = src.ID, src.Site
				if dst := vol[key{op.target, dsvm, dvol}]; dst != nil {
					rep.DestinationEntityID = dst.ID
					dst.ReplicaOf = src.ID
					replicaOf[dst.ID] = src
				}
			}
			var reasons []string
			for _, u := range r.UnhealthyReason {
				reasons = append(reasons, u.Message)
			}
			rep.UnhealthyReason = strings.Join(reasons, "; ")
			if d, err := r.LagTime.Duration(); err == nil {
				rep.Lag = inventory.Duration(d)
			}
			if r.TransferSchedule != nil {
				rep.Schedule = inventory.Duration(op.schedules[r.TransferSchedule.Name])
			}
			for _, tr := range op.transfers[r.UUID] {
				x := inventory.Transfer{End: tr.EndTime, Bytes: tr.BytesTransferred, Failed: tr.State == "failed" || tr.State == "aborted" || tr.State == "hard_aborted"}
				if d, err := tr.TotalDuration.Duration(); err == nil && !tr.EndTime.IsZero() {
					x.Start = tr.EndTime.Add(-d)
				}
				if tr.ErrorInfo != nil {
					x.Error = tr.ErrorInfo.Message
				}
				rep.Transfers = append(rep.Transfers, x)
				if x.End.After(rep.LastTransfer.End) {
					rep.LastTransfer = x
				}
				status := inventory.OpSucceeded
				switch {
				case x.Failed:
					status = inventory.OpFailed
				case !tr.Finished():
					status = inventory.OpRunning
				}
				e.Operations = append(e.Operations, inventory.Operation{ID: tr.UUID, Kind: inventory.OpReplication, EntityID: rep.SourceEntityID,
					Target: op.target, Start: x.Start, End: x.End, Status: status, Error: x.Error, Bytes: x.Bytes, Description: "snapmirror transfer"})
			}
			e.Replications = append(e.Replications, rep)
		}
	}
	for i := range e.RecoveryPoints {
		rp := &e.RecoveryPoints[i]
		if src := replicaOf[rp.EntityID]; src != nil {
			rp.EntityID, rp.EntityName, rp.Location = src.ID, src.Name, inventory.LocationReplica
		}
	}
	// Capacity and change history belong to the source, not its mirror.
	keepC := e.Capacity[:0]
	for _, c := range e.Capacity {
		if replicaOf[c.EntityID] == nil {
			keepC = append(keepC, c)
		}
	}
	e.Capacity = keepC
	keepR := e.ChangeRates[:0]
	for _, c := range e.ChangeRates {
		if replicaOf[c.EntityID] == nil {
			keepR = append(keepR, c)
		}
	}
	e.ChangeRates = keepR
}
