package ontap

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// resolveVolume finds one volume by uuid, "svm:name" or name (in svm when
// given); internal/ops holds the logic workflows share.
func resolveVolume(ctx context.Context, cl *ontap.Client, target, ref, svm string) (*ontap.Volume, error) {
	v, err := ops.ResolveVolume(ctx, cl, target, ref, svm)
	return v, kit.FromOps(err)
}

// resolveSnapshot finds a snapshot of v by uuid or exact name.
func resolveSnapshot(ctx context.Context, cl *ontap.Client, target string, v *ontap.Volume, ref string) (*ontap.Snapshot, error) {
	if isUUID(ref) {
		s, err := cl.GetSnapshot(ctx, v.UUID, ref)
		if err != nil {
			return nil, backendError(err, target, "snapshot "+ref+" of "+volPath(v))
		}
		return s, nil
	}
	snaps, err := cl.ListSnapshots(ctx, v.UUID, &ontap.ListOptions{Query: map[string]string{"name": ref}})
	if err != nil {
		return nil, backendError(err, target, "look up snapshot "+ref+" of "+volPath(v))
	}
	for i := range snaps {
		if snaps[i].Name == ref {
			return &snaps[i], nil
		}
	}
	return nil, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no snapshot named %q on volume %s on %s", ref, volPath(v), target),
		Hint: "List them with ontap_list_snapshots volume=" + volPath(v) + "."}
}

// clonesOf maps each snapshot name of v to the FlexClones made from it
// ("svm:volume").
func clonesOf(ctx context.Context, cl *ontap.Client, v *ontap.Volume) (map[string][]string, error) {
	vols, err := cl.ListVolumes(ctx, &ontap.ListOptions{
		Fields: []string{"uuid", "name", "svm", "clone.parent_volume", "clone.parent_snapshot"},
		Query:  map[string]string{"clone.parent_volume.uuid": v.UUID},
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for i := range vols {
		x := &vols[i]
		if x.Clone != nil && x.Clone.ParentSnapshot != nil && x.Clone.ParentVolume != nil && x.Clone.ParentVolume.UUID == v.UUID {
			out[x.Clone.ParentSnapshot.Name] = append(out[x.Clone.ParentSnapshot.Name], volPath(x))
		}
	}
	return out, nil
}

// stat reads one path of a volume's active file system (or, with
// snapshot, of that snapshot) as a single record; nil when it does not
// exist.
func stat(ctx context.Context, cl *ontap.Client, volUUID, snapshot, p string) (*ontap.FileInfo, error) {
	opts := &ontap.ListOptions{Query: map[string]string{"return_metadata": "true"}}
	var recs []ontap.FileInfo
	var err error
	if snapshot != "" {
		recs, err = cl.ListSnapshotFiles(ctx, volUUID, snapshot, p, opts)
	} else {
		recs, err = cl.ListFiles(ctx, volUUID, p, opts)
	}
	if ontap.IsNotFound(err) {
		return nil, nil
	}
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return &recs[0], nil
}

// cleanPath makes a volume path absolute and clean ("/dir/file").
func cleanPath(p string) string { return path.Clean("/" + strings.TrimSpace(p)) }

// ontapTargets returns the named target, or every ONTAP target (direct or
// behind an AIQUM) when name is empty.
func ontapTargets(ctx context.Context, c *kit.Call, name string) ([]config.Target, error) {
	refreshAIQUM(ctx, c)
	if name != "" {
		t, err := c.Env.Targets.Resolve(config.KindONTAP, name)
		if err != nil {
			return nil, kit.InvalidArgs(err.Error())
		}
		return []config.Target{t}, nil
	}
	all := c.Env.Targets.OfKind(config.KindONTAP)
	if len(all) == 0 {
		_, err := c.Env.Targets.Resolve(config.KindONTAP, "")
		return nil, kit.InvalidArgs(err.Error())
	}
	return all, nil
}

// fanOutLimit bounds the targets read at once.
const fanOutLimit = 4

// eachTarget calls fn for every target, at most fanOutLimit at a time, and
// returns the targets' results in order and the failures, each naming its
// target.
func eachTarget[T any](ctx context.Context, c *kit.Call, targets []config.Target, fn func(context.Context, config.Target, *ontap.Client) ([]T, error)) ([]T, []string) {
	results := make([][]T, len(targets))
	errs := make([]error, len(targets))
	sem := make(chan struct{}, fanOutLimit)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			cl, err := c.Env.Targets.ONTAP(t)
			if err == nil {
				results[i], err = fn(ctx, t, cl)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	var out []T
	var failed []string
	for i := range targets {
		out = append(out, results[i]...)
		if errs[i] != nil {
			failed = append(failed, backendError(errs[i], targets[i].Name, "read").Error())
		}
	}
	return out, failed
}

// heldRel is a SnapMirror relationship and the target that holds it (its
// destination cluster).
type heldRel struct {
	Target config.Target
	Rel    ontap.SnapmirrorRelationship
}

// relationshipsOn lists the relationships the targets hold.
func relationshipsOn(ctx context.Context, c *kit.Call, targets []config.Target, fields ...string) ([]heldRel, []string) {
	var opts *ontap.ListOptions
	if fields != nil {
		opts = &ontap.ListOptions{Fields: fields}
	}
	return eachTarget(ctx, c, targets, func(ctx context.Context, t config.Target, cl *ontap.Client) ([]heldRel, error) {
		rels, err := cl.ListSnapmirrorRelationships(ctx, opts)
		out := make([]heldRel, 0, len(rels))
		for _, r := range rels {
			out = append(out, heldRel{Target: t, Rel: r})
		}
		return out, err
	})
}

// findRelationship finds one relationship by uuid, destination path or
// (when only one relationship has it) source path, on the named target or
// on every ONTAP target.
func findRelationship(ctx context.Context, c *kit.Call, target, ref string) (heldRel, error) {
	ts, err := ontapTargets(ctx, c, target)
	if err != nil {
		return heldRel{}, err
	}
	all, failed := relationshipsOn(ctx, c, ts)
	var exact, bySource []heldRel
	for _, h := range all {
		switch {
		case h.Rel.UUID == ref || h.Rel.Destination.Path == ref:
			exact = append(exact, h)
		case h.Rel.Source.Path == ref:
			bySource = append(bySource, h)
		}
	}
	hits := exact
	if len(hits) == 0 {
		hits = bySource
	}
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		if len(failed) > 0 {
			return heldRel{}, &kit.Error{Kind: kit.KindBackend,
				Msg:  fmt.Sprintf("SnapMirror relationship %q was not found, and some targets could not be read: %s", ref, strings.Join(failed, "; ")),
				Hint: "Check that the targets are reachable (list_targets), then call again."}
		}
		hint := "Give its uuid, destination path (svm:volume) or source path; list them with ontap_list_snapmirror."
		if target != "" {
			hint += " Relationships are held by the destination cluster: omit target to search every ONTAP target."
		}
		return heldRel{}, &kit.Error{Kind: kit.KindNotFound, Msg: fmt.Sprintf("no SnapMirror relationship %q on %s", ref, strings.Join(names, ", ")), Hint: hint}
	}
	var cands []string
	for _, h := range hits {
		cands = append(cands, fmt.Sprintf("%s -> %s on %s (%s)", h.Rel.Source.Path, h.Rel.Destination.Path, h.Target.Name, h.Rel.UUID))
	}
	return heldRel{}, &kit.Error{Kind: kit.KindInvalidArgs,
		Msg:  fmt.Sprintf("%d SnapMirror relationships match %q: %s", len(hits), ref, strings.Join(cands, "; ")),
		Hint: "Pass the destination path or uuid of the one you mean (and its target)."}
}

// relSession finds a relationship, takes its target's write slot (for
// write tools) and reads the relationship again under it.
func relSession(ctx context.Context, c *kit.Call, target, ref string) (*ontap.Client, config.Target, *ontap.SnapmirrorRelationship, error) {
	h, err := findRelationship(ctx, c, target, ref)
	if err != nil {
		return nil, config.Target{}, nil, err
	}
	cl, t, err := session(ctx, c, h.Target.Name)
	if err != nil {
		return nil, t, nil, err
	}
	rel, err := cl.GetSnapmirrorRelationship(ctx, h.Rel.UUID)
	if err != nil {
		return nil, t, nil, backendError(err, t.Name, "SnapMirror relationship "+h.Rel.Destination.Path)
	}
	return cl, t, rel, nil
}

// clusterIdentity reads the cluster's own name and uuid (relationships
// name their source cluster so).
func clusterIdentity(ctx context.Context, cl *ontap.Client) (*ontap.Cluster, error) {
	return cl.Identity(ctx)
}

// isSourceOn reports whether rel's source is on the cluster id, which is
// target t (a relationship without a source cluster is intra-cluster).
func isSourceOn(h heldRel, id *ontap.Cluster, t string) bool {
	sc := h.Rel.Source.Cluster
	if sc == nil || (sc.Name == "" && sc.UUID == "") {
		return h.Target.Name == t
	}
	return id != nil && (sc.UUID == id.UUID || (sc.UUID == "" && sc.Name == id.Name))
}
