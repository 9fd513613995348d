package nutanix

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
)

// Task history bounds: tasks are read newest first, created within
// TaskWindow (default 30 days) of now, at most MaxTasks (default 20,000);
// if the cap cuts the window, the target is marked partial with the time
// from which history is complete.
const (
	defaultTaskWindow = 30 * 24 * time.Hour
	defaultMaxTasks   = 20000
	taskPageSize      = 100
	// taskPageConcurrency bounds task pages read at once.
	taskPageConcurrency = 8
)

func collect(ctx context.Context, c vendors.CollectEnv, t config.Target, p *vendors.Part) error {
	now := c.Now
	cl, err := client(c.Client, t)
	if err != nil {
		return err
	}
	opts := nutanix.ListOptions{Limit: 100}
	clusters, err := cl.ListAllClusters(ctx, opts)
	if err != nil {
		return fmt.Errorf("clusters: %w", err)
	}
	p.Target.Reachable = true
	clusterName := map[string]string{}
	for _, x := range clusters {
		clusterName[x.ExtID] = x.Name
	}
	var (
		vms           []nutanix.VM
		vgs           []nutanix.VolumeGroup
		policies      []nutanix.ProtectionPolicy
		rps           []nutanix.RecoveryPoint
		cats          []nutanix.Category
		catErr        error
		tasks         []nutanix.Task
		tasksComplete bool
		taskErr       error
	)
	err = vendors.Parallel(
		func() (err error) {
			if vms, err = cl.ListAllVMs(ctx, opts); err != nil {
				err = fmt.Errorf("VMs: %w", err)
			}
			return err
		},
		func() (err error) {
			if vgs, err = cl.ListAllVolumeGroups(ctx, opts); err != nil {
				err = fmt.Errorf("volume groups: %w", err)
			}
			return err
		},
		func() (err error) {
			if policies, err = cl.ListAllProtectionPolicies(ctx, opts); err != nil {
				err = fmt.Errorf("protection policies: %w", err)
			}
			return err
		},
		func() (err error) {
			if rps, err = cl.ListAllRecoveryPoints(ctx, opts); err != nil {
				err = fmt.Errorf("recovery points: %w", err)
			}
			return err
		},
		func() error {
			// detailedAssociations names the volume groups of each category
			// in the same pages (v4 volume groups carry no categories).
			o := opts
			o.Expand = "detailedAssociations"
			cats, catErr = cl.ListAllCategories(ctx, o)
			return nil
		},
		func() error {
			tasks, tasksComplete, taskErr = taskHistory(ctx, cl, now, cmp.Or(c.TaskWindow, defaultTaskWindow), cmp.Or(c.MaxTasks, defaultMaxTasks))
			return nil
		},
	)
	if err != nil {
		return err
	}
	// Categories as "key:value" tags; a protection policy's scope is the
	// categories it selects.
	catName := map[string]string{}
	vgTags := map[string][]string{} // volume group ext id -> its category tags now
	assocKnown := false             // the categories came with their associations
	for _, c := range cats {
		catName[c.ExtID] = categoryTag(c.Key + "/" + c.Value)
		assocKnown = assocKnown || len(c.DetailedAssociations) > 0
		for _, a := range c.DetailedAssociations {
			if a.ResourceType == nutanix.ResourceVolumeGroup {
				vgTags[a.ResourceID] = append(vgTags[a.ResourceID], catName[c.ExtID])
			}
		}
	}
	scope := map[string]string{} // category tag -> policy name (first policy wins)
	policyName := map[string]string{}
	for _, pol := range policies {
		policyName[pol.ExtID] = pol.Name
		for _, id := range pol.CategoryIDs {
			if tag := catName[id]; tag != "" && scope[tag] == "" {
				scope[tag] = pol.Name
			}
		}
		ip := inventory.Policy{Name: pol.Name, Target: t.Name, RemoteCopy: len(pol.RemoteLocations()) > 0}
		rpo := pol.RPO()
		ip.RPO, ip.Schedule = inventory.Duration(rpo), inventory.Duration(rpo)
		for _, rc := range pol.ReplicationConfigurations {
			if rc.Schedule == nil {
				continue
			}
			if rc.Schedule.RecoveryPointType == "APPLICATION_CONSISTENT" {
				ip.AppConsistent = true
			}
			if r := rc.Schedule.Retention; r != nil {
				ip.RetentionCount = max(ip.RetentionCount, r.Local)
				ip.RemoteRetentionCount = max(ip.RemoteRetentionCount, r.Remote)
			}
		}
		p.Estate.Policies = append(p.Estate.Policies, ip)
	}

	local := map[string]*inventory.Entity{}
	for i := range vms {
		v := &vms[i]
		e := inventory.Entity{
			Kind: inventory.EntityVM, ID: v.ExtID, Name: v.Name, Target: t.Name, Site: t.Site,
			Cluster: clusterName[v.ClusterExtID()], SizeBytes: v.DiskBytes(), UsedBytes: v.DiskBytes(),
			Policy: policyName[v.ProtectionPolicyExtID()], PowerState: strings.ToLower(v.PowerState),
			Tags: vendors.DerivedTags(v.Name), Created: v.CreateTime,
		}
		for _, c := range v.Categories {
			if tag := catName[c.ExtID]; tag != "" {
				e.Tags = append(e.Tags, tag)
			}
		}
		p.Estate.Entities = append(p.Estate.Entities, e)
	}
	for i := range vgs {
		v := &vgs[i]
		p.Estate.Entities = append(p.Estate.Entities, inventory.Entity{
			Kind: inventory.EntityVolumeGroup, ID: v.ExtID, Name: v.Name, Target: t.Name, Site: t.Site,
			Cluster: clusterName[v.ClusterReference], Tags: append(vendors.DerivedTags(v.Name), vgTags[v.ExtID]...),
		})
	}
	for i := range p.Estate.Entities {
		local[p.Estate.Entities[i].ID] = &p.Estate.Entities[i]
	}

	// Volume groups: v4 has no policy field on them, and the policy
	// protects them by category. Their categories are the categories'
	// detailedAssociations (read above, what they carry now), and the
	// policy is the one whose scope holds one of them. Only when Prism
	// Central did not give the associations do the categories come from
	// their newest recovery point (volumeGroupCategories), and the policy,
	// failing those, from the VMs in their newest recovery point.
	vgPolicy := map[string]time.Time{}
	vgCats := map[string]time.Time{}
	for i := range rps {
		rp := &rps[i]
		members := len(rp.VMRecoveryPoints) + len(rp.VolumeGroupRecoveryPoints)
		cluster := ""
		if ids := rp.ClusterExtIDs(); len(ids) > 0 {
			cluster = clusterName[ids[0]]
		}
		base := inventory.RecoveryPoint{
			ID: rp.ExtID, Name: rp.Name, Target: t.Name, Site: t.Site, Cluster: cluster,
			Created: rp.CreationTime, Expires: rp.ExpirationTime, Consistency: consistency(rp.RecoveryPointType),
			Status: rpStatus(rp.Status), Locked: rp.IsSecure,
		}
		var policy string
		for _, m := range rp.VMRecoveryPoints {
			x := base
			x.MemberID, x.EntityID, x.EntityKind = m.ExtID, m.VMExtID, inventory.EntityVM
			x.SizeBytes = m.TotalExclusiveUsageBytes
			if x.SizeBytes == 0 && members > 0 {
				x.SizeBytes = rp.TotalExclusiveUsageBytes / int64(members)
			}
			x.Location = locationOf(local, m.VMExtID)
			if e := local[m.VMExtID]; e != nil {
				x.EntityName = e.Name
				policy = e.Policy
			}
			p.Estate.RecoveryPoints = append(p.Estate.RecoveryPoints, x)
		}
		for _, m := range rp.VolumeGroupRecoveryPoints {
			x := base
			x.MemberID, x.EntityID, x.EntityKind = m.ExtID, m.VolumeGroupExtID, inventory.EntityVolumeGroup
			x.SizeBytes = m.TotalExclusiveUsageBytes
			if x.SizeBytes == 0 && members > 0 {
				x.SizeBytes = rp.TotalExclusiveUsageBytes / int64(members)
			}
			x.Location = locationOf(local, m.VolumeGroupExtID)
			if e := local[m.VolumeGroupExtID]; e != nil {
				x.EntityName = e.Name
				if !assocKnown && len(m.VolumeGroupCategories) > 0 && rp.CreationTime.After(vgCats[e.ID]) {
					vgCats[e.ID] = rp.CreationTime
					e.Tags = vendors.DerivedTags(e.Name)
					for _, c := range m.VolumeGroupCategories {
						e.Tags = append(e.Tags, categoryTag(c))
					}
				}
				if !assocKnown && policy != "" && rp.CreationTime.After(vgPolicy[e.ID]) {
					e.Policy, vgPolicy[e.ID] = policy, rp.CreationTime
				}
			}
			p.Estate.RecoveryPoints = append(p.Estate.RecoveryPoints, x)
		}
	}

	for i := range p.Estate.Entities {
		e := &p.Estate.Entities[i]
		if e.Kind != inventory.EntityVolumeGroup {
			continue
		}
		for _, tag := range e.Tags {
			if pol := scope[tag]; pol != "" {
				e.Policy = pol // the policy's own scope decides
				break
			}
		}
	}
	if catErr != nil {
		p.Target.Error = fmt.Sprintf("categories unavailable (tiers, compliance scope and volume group protection by category are not known): %v", catErr)
	}
	p.Estate.ChangeRates = append(p.Estate.ChangeRates, recoveryPointDeltas(p.Estate.RecoveryPoints)...)
	p.Estate.ChangeRates = append(p.Estate.ChangeRates, vmWrites(ctx, c, cl, vms, now, p)...)

	// Task history: the outcomes of recovery point operations.
	switch {
	case taskErr != nil:
		p.Target.Error = fmt.Sprintf("task history incomplete: %v", taskErr)
	case !tasksComplete && len(tasks) > 0:
		oldest := tasks[len(tasks)-1].CreatedTime
		p.Target.Error = fmt.Sprintf("task history capped at the newest %d tasks: only tasks created after %s were read (window %s); older failures and streaks are not seen",
			len(tasks), oldest.UTC().Format(time.RFC3339), inventory.Human(cmp.Or(c.TaskWindow, defaultTaskWindow)))
	}
	for i := range tasks {
		p.Estate.Operations = append(p.Estate.Operations, taskOperations(&tasks[i], t.Name)...)
	}
	return nil
}

// taskHistory reads the tasks created in the window, newest first, up to
// maxTasks. complete is false when the cap cut the window. The first page
// gives the total; the rest are read concurrently (bounded), which is safe
// because the window's lower bound and the order keep pages stable.
func taskHistory(ctx context.Context, cl *nutanix.Client, now time.Time, window time.Duration, maxTasks int) (tasks []nutanix.Task, complete bool, err error) {
	opts := func(page int) nutanix.ListOptions {
		return nutanix.ListOptions{Page: page, Limit: taskPageSize,
			Filter: nutanix.Gt("createdTime", now.Add(-window)), OrderBy: "createdTime desc"}
	}
	first, err := cl.ListTasks(ctx, opts(0))
	if err != nil {
		return nil, false, err
	}
	total := max(first.Total, len(first.Items))
	pages := min((total+taskPageSize-1)/taskPageSize, (maxTasks+taskPageSize-1)/taskPageSize)
	got := make([][]nutanix.Task, max(pages, 1))
	got[0] = first.Items
	errs := make([]error, len(got))
	sem := make(chan struct{}, taskPageConcurrency)
	var wg sync.WaitGroup
	for page := 1; page < pages; page++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tp, err := cl.ListTasks(ctx, opts(page))
			if err != nil {
				errs[page] = err
				return
			}
			got[page] = tp.Items
		}()
	}
	wg.Wait()
	for page, items := range got {
		if errs[page] != nil {
			return tasks, false, errs[page]
		}
		tasks = append(tasks, items...)
	}
	if len(tasks) > maxTasks {
		tasks = tasks[:maxTasks]
	}
	return tasks, total <= maxTasks, nil
}

// vmWrites reads each VM's daily write volume from the VM stats API (the
// change signal a VM has even without recovery points): one sample per day
// over VMStatsWindow, bytes = average write bandwidth × the day. Daily, so
// that the usual intraday rhythm (nightly batch jobs, backups) is not read
// as an anomaly; the finer recovery point deltas place an onset within the
// day. VMs that could not be read are noted on the target.
func vmWrites(ctx context.Context, c vendors.CollectEnv, cl *nutanix.Client, vms []nutanix.VM, now time.Time, p *vendors.Part) []inventory.ChangeSample {
	window := cmp.Or(c.StatsWindow, 30*24*time.Hour)
	if window < 0 || len(vms) == 0 {
		return nil
	}
	const day = 24 * time.Hour
	end := now.Truncate(day)
	start := end.Add(-window)
	maxVMs := cmp.Or(c.MaxStatsEntities, 2000)
	todo := vms
	if len(todo) > maxVMs {
		todo = todo[:maxVMs]
		p.Target.Notes = append(p.Target.Notes, fmt.Sprintf("VM I/O statistics read for %d of %d VMs (the cap); the others have no I/O change data", maxVMs, len(vms)))
	}
	out := make([][]inventory.ChangeSample, len(todo))
	errs := make([]error, len(todo))
	sem := make(chan struct{}, taskPageConcurrency)
	var wg sync.WaitGroup
	for i := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			st, err := cl.GetVMWriteStats(ctx, todo[i].ExtID, start, end, day)
			if err != nil {
				errs[i] = err
				return
			}
			for _, s := range st.Stats {
				if s.ControllerWriteIoBandwidthKbps == nil || s.Timestamp.IsZero() {
					continue
				}
				bytes := *s.ControllerWriteIoBandwidthKbps * 1024 * int64(day/time.Second)
				out[i] = append(out[i], inventory.ChangeSample{EntityID: todo[i].ExtID, Time: s.Timestamp.Add(day),
					Period: inventory.Duration(day), Bytes: bytes, Source: inventory.ChangeSourceIO})
			}
		}()
	}
	wg.Wait()
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			first = cmp.Or(first, err)
		}
	}
	if failed > 0 {
		p.Target.Notes = append(p.Target.Notes, fmt.Sprintf("VM I/O statistics unavailable for %d of %d VMs (%v); they have no I/O change data", failed, len(todo), first))
	}
	var all []inventory.ChangeSample
	for _, l := range out {
		all = append(all, l...)
	}
	return all
}

// recoveryPointDeltas turns each entity's local recovery points (complete,
// with a reported size) into change samples over the delta since the one
// before.
func recoveryPointDeltas(rps []inventory.RecoveryPoint) []inventory.ChangeSample {
	by := map[string][]*inventory.RecoveryPoint{}
	var ids []string
	for i := range rps {
		rp := &rps[i]
		if rp.Location != inventory.LocationLocal || rp.Status != inventory.StatusComplete || rp.SizeBytes <= 0 {
			continue
		}
		if by[rp.EntityID] == nil {
			ids = append(ids, rp.EntityID)
		}
		by[rp.EntityID] = append(by[rp.EntityID], rp)
	}
	sort.Strings(ids)
	var out []inventory.ChangeSample
	for _, id := range ids {
		l := by[id]
		sort.SliceStable(l, func(a, b int) bool { return l[a].Created.Before(l[b].Created) })
		for j := 1; j < len(l); j++ {
			gap := l[j].Created.Sub(l[j-1].Created)
			if gap <= 0 {
				continue
			}
			out = append(out, inventory.ChangeSample{EntityID: id, Time: l[j].Created, Period: inventory.Duration(gap), Bytes: l[j].SizeBytes})
		}
	}
	return out
}

// categoryTag turns a Nutanix "key/value" category into the tag
// "key:value" (lower-cased by Normalize).
func categoryTag(name string) string {
	k, v, ok := strings.Cut(name, "/")
	if !ok {
		return name
	}
	return k + ":" + v
}

func consistency(t string) inventory.Consistency {
	if t == "APPLICATION_CONSISTENT" {
		return inventory.ApplicationConsistent
	}
	return inventory.CrashConsistent
}

func rpStatus(s string) string {
	switch s {
	case "COMPLETE", "":
		return inventory.StatusComplete
	default:
		return strings.ToLower(s)
	}
}

func locationOf(local map[string]*inventory.Entity, id string) inventory.Location {
	if _, ok := local[id]; ok {
		return inventory.LocationLocal
	}
	return inventory.LocationReplica
}

// taskOperations maps a task to one operation per VM or volume group it
// affected (a recovery point of several entities is an outcome for each of
// them), or one target-level operation when it names none. Ids of the
// extra rows are "<task ext_id>/<entity ext_id>".
func taskOperations(t *nutanix.Task, target string) []inventory.Operation {
	op := inventory.Operation{ID: t.ExtID, Target: target, Start: t.StartedTime, End: t.CompletedTime, Description: t.Operation}
	if op.Start.IsZero() {
		op.Start = t.CreatedTime
	}
	switch t.Operation {
	case "CreateRecoveryPoint":
		op.Kind = inventory.OpSnapshot
	case "EntitySnapshotReplicate":
		op.Kind = inventory.OpReplication
	case "RestoreRecoveryPoint":
		op.Kind = inventory.OpRestore
	case "RevertVm":
		op.Kind = inventory.OpRevert
	case "DeleteRecoveryPoint":
		op.Kind = inventory.OpDelete
	default:
		op.Kind = inventory.OpOther
	}
	switch t.Status {
	case nutanix.TaskSucceeded:
		op.Status = inventory.OpSucceeded
	case nutanix.TaskFailed, nutanix.TaskCanceled:
		op.Status = inventory.OpFailed
	default:
		op.Status = inventory.OpRunning
	}
	for _, m := range t.ErrorMessages {
		op.Error = m.Message
	}
	if op.Error == "" {
		op.Error = t.LegacyErrorMessage
	}
	var out []inventory.Operation
	for _, e := range t.EntitiesAffected {
		if e.Rel != nutanix.RelVM && e.Rel != nutanix.RelVolumeGroup {
			continue
		}
		x := op
		x.EntityID = e.ExtID
		if len(out) > 0 {
			x.ID = t.ExtID + "/" + e.ExtID
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		out = append(out, op)
	}
	return out
}

// linkNutanixReplicas names replicas after their source entities and
// synthesises one replication per protected entity whose policy copies to a
// remote Prism Central: its lag is the age of the newest replica.
func linkNutanixReplicas(e *inventory.Estate) {
	byID := map[string]*inventory.Entity{}
	for i := range e.Entities {
		if e.Entities[i].Kind != inventory.EntityVolume {
			byID[e.Entities[i].ID] = &e.Entities[i]
		}
	}
	newest := map[string]*inventory.RecoveryPoint{}
	for i := range e.RecoveryPoints {
		rp := &e.RecoveryPoints[i]
		if rp.EntityKind == inventory.EntityVolume || rp.Location != inventory.LocationReplica {
			continue
		}
		if src := byID[rp.EntityID]; src != nil {
			rp.EntityName = src.Name
		}
		if n := newest[rp.EntityID]; n == nil || rp.Created.After(n.Created) {
			newest[rp.EntityID] = rp
		}
	}
	policies := map[string]*inventory.Policy{}
	for i := range e.Policies {
		policies[e.Policies[i].Target+"/"+e.Policies[i].Name] = &e.Policies[i]
	}
	for i := range e.Entities {
		src := &e.Entities[i]
		pol := policies[src.Target+"/"+src.Policy]
		if src.Kind == inventory.EntityVolume || pol == nil || !pol.RemoteCopy {
			continue
		}
		r := inventory.Replication{
			ID: "nutanix:" + src.ID, SourceEntityID: src.ID, SourceTarget: src.Target, SourceSite: src.Site,
			Policy: src.Policy, Schedule: pol.Schedule, State: "uninitialized",
		}
		if n := newest[src.ID]; n != nil {
			r.DestinationTarget, r.DestinationSite, r.DestinationPath = n.Target, n.Site, n.Cluster
			r.State = "snapmirrored"
			r.Lag = inventory.Duration(e.AsOf.Sub(n.Created))
			r.LastTransfer = inventory.Transfer{End: n.Created, Bytes: n.SizeBytes}
			r.Healthy = pol.Schedule == 0 || r.Lag.D() <= 2*pol.Schedule.D()
			if !r.Healthy {
				r.UnhealthyReason = "newest replica is older than twice the schedule"
			}
			if pol.RemoteTarget == "" {
				pol.RemoteTarget = n.Target
			}
		} else {
			r.UnhealthyReason = "no replica found on any configured Prism Central"
		}
		e.Replications = append(e.Replications, r)
	}
}
