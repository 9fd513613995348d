package ontap

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Round-trip economy of the list tools (issue 13). A list call costs a
// constant number of ONTAP requests whatever its page size, and as few
// round trips as the data allows:
//
//   - ontap_list_volumes reads, all at once, the volumes (one collection
//     call with the fields a page shows), the cluster's identity, the
//     SnapMirror relationships of every ONTAP target (one call each), and a
//     speculative bulk read of recent snapshots across the matching volumes
//     (GET /storage/volumes/*/snapshots, newest first, bounded by time and
//     max_records). Only page volumes whose newest snapshot that read
//     missed cost a second round: one bulk request per 100 of them.
//   - ontap_list_snapshots reads the volume, its snapshots (by volume name
//     through the bulk collection, or by uuid) and its FlexClones at once.
//
// Cluster-level reads are made once per call; the client keeps its
// connections alive (and speaks HTTP/2 where the cluster offers it).

// recentWindow bounds the speculative newest-snapshot read: most protected
// volumes have a snapshot younger than this.
const recentWindow = 26 * time.Hour

// speculativeRecords caps the records of that read (or 10 per volume
// shown, if more).
const speculativeRecords = 1000

// parallel runs fns at once and waits for all of them.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// volumePageFields are the volume fields ontap_list_volumes shows.
var volumePageFields = []string{"uuid", "name", "svm.name", "type", "state", "size", "snapshot_policy.name", "snapshot_count",
	"space.size", "space.used", "space.percent_used", "space.snapshot.reserve_percent", "space.snapshot.space_used_percent",
	"clone.is_flexclone", "clone.parent_volume.name", "clone.parent_snapshot.name", "clone.parent_svm.name"}

// mirrorPageFields are the relationship fields a page of volumes shows
// (mirror, isSourceOn): a third of the default set's bytes.
var mirrorPageFields = []string{"uuid", "source.path", "source.cluster", "destination.path", "state", "healthy", "lag_time"}

func listVolumePage(ctx context.Context, c *kit.Call, cl *ontap.Client, t config.Target, a ListVolumesArgs) (VolumeList, error) {
	now := c.Env.Clock()
	limit := kit.Limit(a.Limit)
	volQ, snapQ := map[string]string{}, map[string]string{
		"create_time": ">=" + now.Add(-recentWindow).UTC().Format(time.RFC3339),
	}
	if a.Name != "" {
		volQ["name"], snapQ["volume.name"] = contains(a.Name), contains(a.Name)
	}
	if a.SVM != "" {
		volQ["svm.name"], snapQ["svm.name"] = a.SVM, a.SVM
	}
	var (
		vols              []ontap.Volume
		volErr, recentErr error
		recent            []ontap.Snapshot
		id                *ontap.Cluster
		idErr             error
		rels              []heldRel
		relFailed         []string
	)
	parallel(
		func() { vols, volErr = cl.ListVolumes(ctx, &ontap.ListOptions{Fields: volumePageFields, Query: volQ}) },
		func() {
			recent, recentErr = cl.ListSnapshotsBulk(ctx, &ontap.ListOptions{Fields: []string{"create_time"}, Query: snapQ,
				OrderBy: "create_time desc", Limit: max(speculativeRecords, 10*limit)})
		},
		func() { id, idErr = clusterIdentity(ctx, cl) },
		func() {
			rels, relFailed = relationshipsOn(ctx, c, c.Env.Targets.OfKind(t.Kind), mirrorPageFields...)
		},
	)
	if volErr != nil {
		return VolumeList{}, backendError(volErr, t.Name, "list volumes")
	}
	sort.Slice(vols, func(i, j int) bool { return volPath(&vols[i]) < volPath(&vols[j]) })
	page := kit.PageOf(vols, a.Page, limit)
	items := make([]Volume, len(page))
	newest := map[string]ontap.Snapshot{}
	for _, s := range recent { // newest first: keep each volume's first
		if s.Volume != nil {
			if _, seen := newest[s.Volume.UUID]; !seen {
				newest[s.Volume.UUID] = s
			}
		}
	}
	var missing []string
	for i := range page {
		items[i] = volume(&page[i])
		if _, ok := newest[page[i].UUID]; !ok && (page[i].SnapshotCount == nil || *page[i].SnapshotCount > 0) {
			missing = append(missing, page[i].UUID)
		}
	}
	var notes []string
	if recentErr != nil {
		notes = append(notes, "recent snapshots not read: "+recentErr.Error())
	}
	if len(missing) > 0 {
		older, err := cl.ListSnapshotsForVolumes(ctx, missing, &ontap.ListOptions{Fields: []string{"create_time"}, OrderBy: "create_time desc", Limit: 1})
		if err != nil {
			notes = append(notes, "newest snapshots not all read: "+err.Error())
		}
		for u, s := range older {
			if len(s) > 0 {
				newest[u] = s[0]
			}
		}
	}
	for i := range items {
		if s, ok := newest[items[i].UUID]; ok {
			items[i].NewestSnapshot, items[i].NewestSnapshotTime = s.Name, kit.Time(s.CreateTime)
			items[i].NewestSnapshotAge = age(now, s.CreateTime)
		}
	}
	// SnapMirror: relationships are held by their destination cluster,
	// which may be any configured ONTAP target.
	if idErr != nil {
		notes = append(notes, "cluster identity not read: "+idErr.Error())
	}
	notes = append(notes, relFailed...)
	byPath := map[string]int{}
	for i := range items {
		byPath[items[i].SVM+":"+items[i].Name] = i
	}
	for _, h := range rels {
		if i, ok := byPath[h.Rel.Source.Path]; ok && isSourceOn(h, id, t.Name) {
			items[i].SnapMirror = append(items[i].SnapMirror, mirror(h, "source"))
		}
		if i, ok := byPath[h.Rel.Destination.Path]; ok && h.Target.Name == t.Name {
			items[i].SnapMirror = append(items[i].SnapMirror, mirror(h, "destination"))
		}
	}
	out := VolumeList{List: kit.NewList(items, len(vols), a.Page, limit), Target: t.Name}
	if len(notes) > 0 {
		out.Note = "partial: " + strings.Join(notes, "; ")
	}
	return out, nil
}

// volumeSnapshots reads, at once, the volume a names, its snapshots
// (newest first, filtered by a.Name) and the FlexClones made from them:
// one round trip. By name, the snapshots come from the bulk collection
// filtered on volume.name (and svm.name), and those of the volume that
// resolves are kept; the clones are found by parent volume name the same
// way.
func volumeSnapshots(ctx context.Context, cl *ontap.Client, target string, a ListSnapshotsArgs) (*ontap.Volume, []ontap.Snapshot, map[string][]string, error) {
	ref, svm := a.Volume, a.SVM
	if s, n, ok := strings.Cut(ref, ":"); ok && !isUUID(ref) && (svm == "" || svm == s) {
		svm, ref = s, n
	}
	snapQ, cloneQ := map[string]string{}, map[string]string{}
	if isUUID(ref) {
		cloneQ["clone.parent_volume.uuid"] = ref
	} else {
		snapQ["volume.name"], cloneQ["clone.parent_volume.name"] = ref, ref
		if svm != "" {
			snapQ["svm.name"], cloneQ["clone.parent_svm.name"] = svm, svm
		}
	}
	if a.Name != "" {
		snapQ["name"] = contains(a.Name)
	}
	var (
		v                 *ontap.Volume
		snaps             []ontap.Snapshot
		clones            []ontap.Volume
		vErr, sErr, cErr  error
		snapOpts          = &ontap.ListOptions{OrderBy: "create_time desc", Query: snapQ}
		cloneFields       = []string{"uuid", "name", "svm", "clone.parent_volume", "clone.parent_snapshot"}
		listSnapshotsByID = isUUID(ref)
	)
	parallel(
		func() { v, vErr = resolveVolume(ctx, cl, target, a.Volume, a.SVM) },
		func() {
			if listSnapshotsByID {
				snaps, sErr = cl.ListSnapshots(ctx, ref, snapOpts)
			} else {
				snaps, sErr = cl.ListSnapshotsBulk(ctx, snapOpts)
			}
		},
		func() { clones, cErr = cl.ListVolumes(ctx, &ontap.ListOptions{Fields: cloneFields, Query: cloneQ}) },
	)
	if vErr != nil {
		return nil, nil, nil, vErr
	}
	if sErr != nil {
		return nil, nil, nil, backendError(sErr, target, "list snapshots of "+volPath(v))
	}
	if cErr != nil {
		return nil, nil, nil, backendError(cErr, target, "list FlexClones of "+volPath(v))
	}
	mine := snaps[:0:0]
	for _, s := range snaps {
		if s.Volume == nil || s.Volume.UUID == "" || s.Volume.UUID == v.UUID {
			mine = append(mine, s)
		}
	}
	byName := map[string][]string{}
	for i := range clones {
		x := &clones[i]
		if x.Clone != nil && x.Clone.ParentSnapshot != nil && x.Clone.ParentVolume != nil && x.Clone.ParentVolume.UUID == v.UUID {
			byName[x.Clone.ParentSnapshot.Name] = append(byName[x.Clone.ParentSnapshot.Name], volPath(x))
		}
	}
	return v, mine, byName, nil
}
