package ontap

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Record kinds: key fields, default collection fields, expensive fields
// (from the ONTAP docs: not part of fields=*), and the paging key.
var (
	kindCluster  = &kind{model: "Cluster", keys: []string{"name", "uuid"}, primary: "uuid"}
	kindNode     = &kind{model: "Node", keys: []string{"uuid", "name"}, primary: "uuid"}
	kindSVM      = &kind{keys: []string{"uuid", "name"}, primary: "uuid"}
	kindJob      = &kind{model: "Job", keys: []string{"uuid"}, primary: "uuid"}
	kindSchedule = &kind{model: "Schedule", keys: []string{"uuid", "name"}, primary: "uuid"}
	kindSnapPol  = &kind{model: "SnapshotPolicy", keys: []string{"uuid", "name"}, primary: "uuid"}
	kindSMPolicy = &kind{model: "SnapmirrorPolicy", keys: []string{"uuid", "name"}, primary: "uuid"}
	kindVolume   = &kind{
		model:   "Volume",
		keys:    []string{"uuid", "name"},
		primary: "uuid",
		expensive: []string{
			"space.snapshot", "space.logical_space", "space.percent_used", "space.physical_used",
			"space.footprint", "space.snapshot_spill", "space.size_available_for_snapshots",
			"space.available_percent", "space.afs_total", "space.used_by_afs", "space.expected_available",
			"clone.parent_volume", "clone.parent_snapshot", "clone.parent_svm", "clone.split_initiated",
			"clone.split_complete_percent", "clone.split_estimate",
			"autosize", "guarantee", "nas.path", "nas.security_style", "error_state", "files",
			"is_svm_root", "snaplock", "efficiency", "qos", "statistics", "metric", "anti_ransomware",
			"application", "encryption",
		},
	}
	kindSnapshot     = &kind{model: "Snapshot", keys: []string{"uuid", "name"}, primary: "uuid", expensive: []string{"reclaimable_space", "delta"}}
	kindFile         = &kind{model: "FileInfo", keys: []string{"path", "name"}, primary: "name"}
	kindRelationship = &kind{model: "SnapmirrorRelationship", keys: []string{"uuid"}, defaults: []string{"source.path", "source.svm", "destination.path", "destination.svm"}, primary: "uuid"}
	kindTransfer     = &kind{model: "SnapmirrorTransfer", keys: []string{"uuid"}, defaults: []string{"state"}, primary: "uuid"}
	kindEvent        = &kind{model: "EmsEvent", keys: []string{"index"}, defaults: []string{"time", "message.name", "message.severity", "log_message", "node.name"}, primary: "index"}
)

func svmRef(c *fleet.OntapCluster, name string) obj {
	uuid := ""
	if s := c.SVM(name); s != nil {
		uuid = s.UUID
	}
	return ref(name, uuid, "/api/svm/svms/"+uuid)
}

func (s *Server) renderCluster(c *fleet.OntapCluster) obj {
	o := obj{
		"name": c.Name,
		"uuid": c.UUID,
		"version": obj{
			"full": c.Version.Full, "generation": c.Version.Generation,
			"major": c.Version.Major, "minor": c.Version.Minor,
		},
		"san_optimized": false,
		"_links":        selfLink("/api/cluster"),
	}
	if c.Location != "" {
		o["location"] = c.Location
	}
	if c.Contact != "" {
		o["contact"] = c.Contact
	}
	if len(c.DNSDomains) > 0 {
		o["dns_domains"] = strList(c.DNSDomains)
	}
	if len(c.NTPServers) > 0 {
		o["ntp_servers"] = strList(c.NTPServers)
	}
	if c.Timezone != "" {
		o["timezone"] = obj{"name": c.Timezone}
	}
	if c.ManagementIP != "" {
		o["management_interfaces"] = []any{obj{
			"name": "cluster_mgmt", "uuid": fleet.OntapUUID(c.UUID, "lif", "cluster_mgmt"),
			"ip": obj{"address": c.ManagementIP},
		}}
	}
	return o
}

func strList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func intList(l []int) []any {
	out := make([]any, len(l))
	for i, n := range l {
		out[i] = n
	}
	return out
}

func (s *Server) renderNode(c *fleet.OntapCluster, n *fleet.OntapNode) obj {
	o := obj{
		"name": n.Name, "uuid": n.UUID, "model": n.Model, "serial_number": n.SerialNumber,
		"system_id": n.SystemID, "state": n.State, "membership": "member",
		"version": obj{
			"full": c.Version.Full, "generation": c.Version.Generation,
			"major": c.Version.Major, "minor": c.Version.Minor,
		},
		"_links": selfLink("/api/cluster/nodes/" + n.UUID),
	}
	if n.Location != "" {
		o["location"] = n.Location
	}
	if !n.BootTime.IsZero() && n.State == "up" {
		o["uptime"] = int64(s.now().Sub(n.BootTime) / time.Second)
	}
	ha := obj{"enabled": n.HAPartner != ""}
	if n.HAPartner != "" {
		for _, p := range c.Nodes {
			if p.Name == n.HAPartner {
				ha["partners"] = []any{ref(p.Name, p.UUID, "/api/cluster/nodes/"+p.UUID)}
			}
		}
	}
	o["ha"] = ha
	return o
}

func renderSVM(s *fleet.OntapSVM) obj {
	return obj{
		"name": s.Name, "uuid": s.UUID, "state": s.State, "subtype": s.Subtype,
		"_links": selfLink("/api/svm/svms/" + s.UUID),
	}
}

// volumeSpace is the space accounting of a volume: the snapshot reserve is
// a share of the size, snapshots use it first and spill into the active file
// system's space beyond it.
type volumeSpace struct {
	size, reserve, afsTotal, usedByAFS, snapUsed, spill, used, available int64
	reserveAvailable, sizeForSnapshots                                   int64
}

func spaceOf(v *fleet.OntapVolume) volumeSpace {
	var sp volumeSpace
	sp.size = v.Size
	sp.reserve = v.Size * int64(v.SnapshotReservePercent) / 100
	sp.afsTotal = v.Size - sp.reserve
	sp.usedByAFS = v.Used
	for _, s := range v.Snapshots {
		sp.snapUsed += s.Size
	}
	if sp.snapUsed > sp.reserve {
		sp.spill = sp.snapUsed - sp.reserve
	} else {
		sp.reserveAvailable = sp.reserve - sp.snapUsed
	}
	sp.used = sp.usedByAFS + sp.spill
	sp.available = sp.afsTotal - sp.used
	if sp.available < 0 {
		sp.available = 0
	}
	sp.sizeForSnapshots = sp.available + sp.reserveAvailable
	return sp
}

// logicalUsed is ONTAP's space.logical_space.used: the physical use plus
// what deduplication and compression saved. The fleet models no
// efficiency, so each volume gets a data reduction ratio between 1.2:1
// and 3:1 derived from its uuid (day2-analytics §5: "≥2:1 usual, 3:1
// common").
func logicalUsed(v *fleet.OntapVolume, physical int64) int64 {
	h := fnv.New32a()
	h.Write([]byte(v.UUID))
	ratio := 1.2 + float64(h.Sum32()%181)/100
	return int64(float64(physical) * ratio)
}

func pct(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return a * 100 / b
}

// mirrorSource reports whether v (on c) is the source of a relationship.
func (s *Server) mirrorSource(c *fleet.OntapCluster, v *fleet.OntapVolume) bool {
	for _, oc := range s.clusters() {
		for _, r := range oc.Relationships {
			if r.SourceCluster == c.Name && r.SourcePath == v.Path() {
				return true
			}
		}
	}
	return false
}

func (s *Server) renderVolume(c *fleet.OntapCluster, v *fleet.OntapVolume) obj {
	sp := spaceOf(v)
	o := obj{
		"uuid": v.UUID, "name": v.Name, "svm": svmRef(c, v.SVM),
		"type": v.Type, "style": v.Style, "state": v.State,
		"create_time": ts(v.CreateTime), "size": v.Size, "msid": v.MSID,
		"language": "c.utf_8", "is_svm_root": false, "is_object_store": false,
		"snapshot_count":                    len(v.Snapshots),
		"snapshot_directory_access_enabled": v.SnapshotDirectoryAccess,
		"snapshot_locking_enabled":          false,
		"_links":                            selfLink("/api/storage/volumes/" + v.UUID),
		"space": obj{
			"size": sp.size, "available": sp.available, "used": sp.used,
			"afs_total": sp.afsTotal, "used_by_afs": sp.usedByAFS,
			"percent_used": pct(sp.used, sp.afsTotal), "available_percent": pct(sp.available, sp.afsTotal),
			"size_available_for_snapshots": sp.sizeForSnapshots, "snapshot_spill": sp.spill,
			"snapshot_reserve_unusable": 0, "expected_available": sp.available,
			"full_threshold_percent": 98, "nearly_full_threshold_percent": 95,
			"physical_used": sp.used + sp.snapUsed - sp.spill, "footprint": sp.usedByAFS + sp.snapUsed,
			"physical_used_percent": pct(sp.used+sp.snapUsed-sp.spill, sp.size),
			"logical_space": obj{
				"used": logicalUsed(v, sp.used+sp.snapUsed-sp.spill), "available": sp.available, "used_by_afs": sp.usedByAFS,
				"used_by_snapshots": sp.snapUsed, "used_percent": pct(sp.used, sp.afsTotal),
				"enforcement": false, "reporting": false,
			},
			"snapshot": obj{
				"reserve_percent": v.SnapshotReservePercent, "used": sp.snapUsed,
				"reserve_size": sp.reserve, "reserve_available": sp.reserveAvailable,
				"space_used_percent": pct(sp.snapUsed, sp.reserve),
				"autodelete_enabled": v.SnapshotAutodeleteEnable, "autodelete_trigger": "volume",
				"autodelete": obj{
					"enabled": v.SnapshotAutodeleteEnable, "trigger": "volume", "commitment": "try",
					"delete_order": "oldest_first", "defer_delete": "user_created", "target_free_space": 20,
				},
			},
		},
		"autosize":  obj{"mode": "off", "maximum": v.Size + v.Size/5, "minimum": v.Size, "grow_threshold": 85, "shrink_threshold": 50},
		"guarantee": obj{"type": "none", "honored": true},
		"snapmirror": obj{
			"is_protected": s.mirrorSource(c, v),
			"destinations": obj{"is_ontap": s.mirrorSource(c, v), "is_cloud": false},
		},
		"efficiency": obj{"compression": "inline", "dedupe": "both", "compaction": "inline"},
		"encryption": obj{"enabled": false},
		"tiering":    obj{"policy": "none"},
	}
	if len(c.Aggregates) > 0 {
		for _, a := range c.Aggregates {
			if a.Name == v.Aggregate {
				o["aggregates"] = []any{ref(a.Name, a.UUID, "")}
			}
		}
	}
	if v.Comment != "" {
		o["comment"] = v.Comment
	}
	nas := obj{"security_style": "unix"}
	if v.JunctionPath != "" {
		nas["path"] = v.JunctionPath
	}
	o["nas"] = nas
	if p := c.SnapshotPolicy(v.SnapshotPolicy); p != nil {
		o["snapshot_policy"] = ref(p.Name, p.UUID, "/api/storage/snapshot-policies/"+p.UUID)
	} else if v.SnapshotPolicy != "" {
		o["snapshot_policy"] = obj{"name": v.SnapshotPolicy}
	}
	clone := obj{"is_flexclone": v.CloneParentVolume != "", "has_flexclone": len(clonesOf(c, v)) > 0, "split_initiated": false}
	if v.CloneParentVolume != "" {
		if pv := c.Volume(v.CloneParentVolume); pv != nil {
			clone["parent_volume"] = ref(pv.Name, pv.UUID, "/api/storage/volumes/"+pv.UUID)
			clone["parent_svm"] = svmRef(c, pv.SVM)
			if ps := pv.Snapshot(v.CloneParentSnapshot); ps != nil {
				clone["parent_snapshot"] = ref(ps.Name, ps.UUID, "/api/storage/volumes/"+pv.UUID+"/snapshots/"+ps.UUID)
			} else {
				clone["parent_snapshot"] = obj{"name": v.CloneParentSnapshot}
			}
		}
		clone["split_complete_percent"] = 0
		clone["split_estimate"] = v.Used
	}
	o["clone"] = clone
	return o
}

// clonesOf lists the FlexClones whose parent is v.
func clonesOf(c *fleet.OntapCluster, v *fleet.OntapVolume) []*fleet.OntapVolume {
	var out []*fleet.OntapVolume
	for _, x := range c.Volumes {
		if x.CloneParentVolume == v.UUID {
			out = append(out, x)
		}
	}
	return out
}

// snapmirrorPrefix is the name prefix of the snapshots a relationship's
// transfers create on the source.
func (s *Server) snapmirrorPrefix(dstC *fleet.OntapCluster, r *fleet.OntapRelationship) string {
	dst := dstC.VolumeByPath(r.DestinationPath)
	svm := ""
	if dst != nil {
		if sv := dstC.SVM(dst.SVM); sv != nil {
			svm = sv.UUID
		}
		return "snapmirror." + svm + "_" + strconv.FormatInt(dst.MSID, 10) + "."
	}
	return "snapmirror." + r.UUID + "."
}

// owners are a snapshot's fixed owners plus volume_clone when a FlexClone
// uses it and snapmirror when it is a relationship's exported (common)
// snapshot on either side.
func (s *Server) owners(c *fleet.OntapCluster, v *fleet.OntapVolume, snap *fleet.OntapSnapshot) []string {
	return s.ownersWith(c, v, snap, nil)
}

// ownersIndex holds what makes snapshots of cluster c owned, for rendering
// many snapshots at once (the model must not change while it is used).
type ownersIndex struct {
	clone  map[[2]string]bool // volume uuid, snapshot name
	mirror map[[2]string]bool // volume path, snapshot name
}

func (s *Server) ownersIndex(c *fleet.OntapCluster) *ownersIndex {
	ix := &ownersIndex{clone: map[[2]string]bool{}, mirror: map[[2]string]bool{}}
	for _, x := range c.Volumes {
		if x.CloneParentVolume != "" {
			ix.clone[[2]string{x.CloneParentVolume, x.CloneParentSnapshot}] = true
		}
	}
	for _, oc := range s.clusters() {
		for _, r := range oc.Relationships {
			if r.ExportedSnapshot == "" || r.State == "broken_off" {
				continue
			}
			if oc == c {
				ix.mirror[[2]string{r.DestinationPath, r.ExportedSnapshot}] = true
			}
			if r.SourceCluster == c.Name {
				ix.mirror[[2]string{r.SourcePath, r.ExportedSnapshot}] = true
			}
		}
	}
	return ix
}

func (s *Server) ownersWith(c *fleet.OntapCluster, v *fleet.OntapVolume, snap *fleet.OntapSnapshot, ix *ownersIndex) []string {
	set := map[string]bool{}
	for _, o := range snap.Owners {
		set[o] = true
	}
	if ix != nil {
		if ix.clone[[2]string{v.UUID, snap.Name}] {
			set["volume_clone"] = true
		}
		if ix.mirror[[2]string{v.Path(), snap.Name}] {
			set["snapmirror"] = true
		}
	} else {
		for _, x := range c.Volumes {
			if x.CloneParentVolume == v.UUID && x.CloneParentSnapshot == snap.Name {
				set["volume_clone"] = true
			}
		}
		for _, oc := range s.clusters() {
			for _, r := range oc.Relationships {
				if r.ExportedSnapshot != snap.Name || r.State == "broken_off" {
					continue
				}
				if (oc == c && r.DestinationPath == v.Path()) || (r.SourceCluster == c.Name && r.SourcePath == v.Path()) {
					set["snapmirror"] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for o := range set {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

func (s *Server) renderSnapshot(c *fleet.OntapCluster, v *fleet.OntapVolume, sn *fleet.OntapSnapshot) obj {
	return s.renderSnapshotWith(c, v, sn, nil)
}

func (s *Server) renderSnapshotWith(c *fleet.OntapCluster, v *fleet.OntapVolume, sn *fleet.OntapSnapshot, ix *ownersIndex) obj {
	o := obj{
		"uuid": sn.UUID, "name": sn.Name, "create_time": ts(sn.CreateTime),
		"size": sn.Size, "logical_size": sn.LogicalSize, "state": sn.State,
		"svm":               svmRef(c, v.SVM),
		"volume":            ref(v.Name, v.UUID, "/api/storage/volumes/"+v.UUID),
		"version_uuid":      sn.UUID,
		"provenance_volume": obj{"uuid": v.UUID},
		"reclaimable_space": sn.Size,
		"_links":            selfLink("/api/storage/volumes/" + v.UUID + "/snapshots/" + sn.UUID),
	}
	if sn.State == "" {
		o["state"] = "valid"
	}
	if sn.Comment != "" {
		o["comment"] = sn.Comment
	}
	if sn.SnapmirrorLabel != "" {
		o["snapmirror_label"] = sn.SnapmirrorLabel
	}
	if !sn.ExpiryTime.IsZero() {
		o["expiry_time"] = ts(sn.ExpiryTime)
	}
	if own := s.ownersWith(c, v, sn, ix); len(own) > 0 {
		o["owners"] = strList(own)
	}
	return o
}

func (s *Server) renderSchedule(c *fleet.OntapCluster, sc *fleet.OntapSchedule) obj {
	o := obj{
		"uuid": sc.UUID, "name": sc.Name, "type": sc.Type, "scope": "cluster",
		"cluster": obj{"name": c.Name, "uuid": c.UUID},
		"_links":  selfLink("/api/cluster/schedules/" + sc.UUID),
	}
	if sc.SVM != "" {
		o["scope"] = "svm"
		o["svm"] = svmRef(c, sc.SVM)
	}
	if sc.Type == "interval" {
		o["interval"] = formatISODuration(sc.Interval)
	} else {
		cron := obj{}
		for name, l := range map[string][]int{"minutes": sc.Cron.Minutes, "hours": sc.Cron.Hours, "days": sc.Cron.Days, "months": sc.Cron.Months, "weekdays": sc.Cron.Weekdays} {
			if len(l) > 0 {
				cron[name] = intList(l)
			}
		}
		o["cron"] = cron
	}
	return o
}

func (s *Server) renderSnapshotPolicy(c *fleet.OntapCluster, p *fleet.OntapSnapshotPolicy) obj {
	copies := []any{}
	for _, cp := range p.Copies {
		e := obj{"count": cp.Count, "prefix": cp.Prefix}
		if sc := c.Schedule(cp.Schedule); sc != nil {
			e["schedule"] = ref(sc.Name, sc.UUID, "")
		} else {
			e["schedule"] = obj{"name": cp.Schedule}
		}
		if cp.SnapmirrorLabel != "" {
			e["snapmirror_label"] = cp.SnapmirrorLabel
		}
		if cp.RetentionPeriod != "" {
			e["retention_period"] = cp.RetentionPeriod
		}
		copies = append(copies, e)
	}
	o := obj{
		"uuid": p.UUID, "name": p.Name, "enabled": p.Enabled, "scope": "cluster",
		"copies": copies,
		"_links": selfLink("/api/storage/snapshot-policies/" + p.UUID),
	}
	if p.Comment != "" {
		o["comment"] = p.Comment
	}
	if p.SVM != "" {
		o["scope"] = "svm"
		o["svm"] = svmRef(c, p.SVM)
	}
	return o
}

func (s *Server) renderSnapmirrorPolicy(c *fleet.OntapCluster, p *fleet.OntapSnapmirrorPolicy) obj {
	o := obj{
		"uuid": p.UUID, "name": p.Name, "type": p.Type, "scope": "cluster",
		"throttle": p.Throttle, "network_compression_enabled": p.NetworkCompression,
		"create_snapshot_on_source": p.CreateSnapshotOnSource,
		"_links":                    selfLink("/api/snapmirror/policies/" + p.UUID),
	}
	if p.Comment != "" {
		o["comment"] = p.Comment
	}
	if p.SVM != "" {
		o["scope"] = "svm"
		o["svm"] = svmRef(c, p.SVM)
	}
	if p.SyncType != "" {
		o["sync_type"] = p.SyncType
	}
	if p.CopyAllSourceSnapshots {
		o["copy_all_source_snapshots"] = true
	}
	if p.CopyLatestSourceSnapshot {
		o["copy_latest_source_snapshot"] = true
	}
	if p.IdentityPreservation != "" {
		o["identity_preservation"] = p.IdentityPreservation
	}
	if p.Type != "async" {
		o["rpo"] = p.RPO
	}
	if p.TransferSchedule != "" {
		if sc := c.Schedule(p.TransferSchedule); sc != nil {
			o["transfer_schedule"] = ref(sc.Name, sc.UUID, "")
		}
	}
	ret := []any{}
	for _, r := range p.Retention {
		e := obj{"label": r.Label, "count": strconv.Itoa(r.Count), "preserve": r.Preserve, "warn": r.Warn}
		if r.Prefix != "" {
			e["prefix"] = r.Prefix
		}
		if r.Period != "" {
			e["period"] = r.Period
		}
		if r.CreationSchedule != "" {
			if sc := c.Schedule(r.CreationSchedule); sc != nil {
				e["creation_schedule"] = ref(sc.Name, sc.UUID, "")
			}
		}
		ret = append(ret, e)
	}
	o["retention"] = ret
	return o
}

// endpoint renders one side of a relationship.
func (s *Server) endpoint(c *fleet.OntapCluster, path string) obj {
	o := obj{"path": path}
	if c != nil {
		svm, _, _ := strings.Cut(path, ":")
		o["svm"] = svmRef(c, svm)
		o["cluster"] = obj{"name": c.Name, "uuid": c.UUID, "_links": selfLink("/api/cluster/peers/" + c.UUID)}
	}
	return o
}

// activeTransfer returns the relationship's transfer still under way.
func activeTransfer(r *fleet.OntapRelationship) *fleet.OntapTransfer {
	if n := len(r.Transfers); n > 0 && r.Transfers[n-1].State == "" {
		return r.Transfers[n-1]
	}
	return nil
}

// transferState is a transfer's state at now.
func transferState(t *fleet.OntapTransfer, now time.Time) string {
	if t.State != "" {
		return t.State
	}
	if now.Before(t.StartTime) {
		return "queued"
	}
	return "transferring"
}

// transferProgress is the bytes moved by now.
func transferProgress(t *fleet.OntapTransfer, now time.Time) int64 {
	if t.State != "" {
		return t.BytesTransferred
	}
	if !now.After(t.StartTime) {
		return 0
	}
	total := t.EndTime.Sub(t.StartTime)
	if total <= 0 {
		return t.Bytes
	}
	f := float64(now.Sub(t.StartTime)) / float64(total)
	if f > 0.97 {
		f = 0.97
	}
	return int64(f*float64(t.Bytes)) / 4096 * 4096
}

func (s *Server) renderRelationship(c *fleet.OntapCluster, r *fleet.OntapRelationship) obj {
	now := s.now()
	src := s.clusterByName(r.SourceCluster)
	o := obj{
		"uuid":        r.UUID,
		"source":      s.endpoint(src, r.SourcePath),
		"destination": s.endpoint(c, r.DestinationPath),
		"state":       r.State, "healthy": r.Healthy,
		"group_type": "none", "backoff_level": "high", "restore": false,
		"throttle":                r.Throttle,
		"total_transfer_bytes":    r.TotalTransferBytes,
		"total_transfer_duration": formatISODuration(r.TotalTransferDuration),
		"_links":                  selfLink("/api/snapmirror/relationships/" + r.UUID),
	}
	if p := c.SnapmirrorPolicy(r.Policy); p != nil {
		o["policy"] = obj{"name": p.Name, "uuid": p.UUID, "type": p.Type, "_links": selfLink("/api/snapmirror/policies/" + p.UUID)}
	} else {
		o["policy"] = obj{"name": r.Policy}
	}
	if !r.Healthy {
		reasons := []any{}
		for _, u := range r.UnhealthyReasons {
			args := strList(u.Arguments)
			reasons = append(reasons, obj{"code": u.Code, "message": u.Message, "arguments": args})
		}
		o["unhealthy_reason"] = reasons
	}
	if r.ExportedSnapshot != "" {
		o["exported_snapshot"] = r.ExportedSnapshot
		o["lag_time"] = formatISODuration(now.Sub(r.ExportedSnapshotTime))
	}
	if r.LastTransferType != "" {
		o["last_transfer_type"] = r.LastTransferType
	}
	if sc := c.Schedule(r.TransferSchedule); sc != nil {
		o["transfer_schedule"] = ref(sc.Name, sc.UUID, "/api/cluster/schedules/"+sc.UUID)
	}
	if n := len(r.Transfers); n > 0 {
		t := r.Transfers[n-1]
		tr := obj{
			"state": transferState(t, now), "type": t.Type,
			"bytes_transferred": transferProgress(t, now),
		}
		if t.State == "" {
			tr["uuid"] = t.UUID
			tr["last_updated_time"] = ts(now)
			tr["total_duration"] = formatISODuration(maxDur(now.Sub(t.StartTime)))
			tr["_links"] = selfLink("/api/snapmirror/relationships/" + r.UUID + "/transfers/" + t.UUID)
		} else {
			tr["end_time"] = ts(t.EndTime)
			tr["last_updated_time"] = ts(t.EndTime)
			tr["total_duration"] = formatISODuration(maxDur(t.EndTime.Sub(t.StartTime)))
		}
		o["transfer"] = tr
	}
	return o
}

func maxDur(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

func (s *Server) renderTransfer(c *fleet.OntapCluster, r *fleet.OntapRelationship, t *fleet.OntapTransfer) obj {
	now := s.now()
	o := obj{
		"uuid": t.UUID, "state": transferState(t, now),
		"bytes_transferred": transferProgress(t, now), "checkpoint_size": int64(0),
		"throttle": t.Throttle,
		"relationship": obj{
			"uuid": r.UUID, "restore": false,
			"destination": s.endpoint(c, r.DestinationPath),
			"_links":      selfLink("/api/snapmirror/relationships/" + r.UUID),
		},
		"_links": selfLink("/api/snapmirror/relationships/" + r.UUID + "/transfers/" + t.UUID),
	}
	if t.Snapshot != "" {
		o["snapshot"] = t.Snapshot
	}
	if t.SourceSnapshot != "" {
		o["source_snapshot"] = t.SourceSnapshot
	}
	if t.State == "" {
		o["last_updated_time"] = ts(now)
		o["total_duration"] = formatISODuration(maxDur(now.Sub(t.QueueTime)))
		o["network_compression_ratio"] = "1"
	} else {
		o["end_time"] = ts(t.EndTime)
		o["last_updated_time"] = ts(t.EndTime)
		o["total_duration"] = formatISODuration(maxDur(t.EndTime.Sub(t.QueueTime)))
	}
	if t.ErrorCode != 0 {
		o["error_info"] = obj{"code": t.ErrorCode, "message": t.ErrorMessage}
	}
	return o
}

func (s *Server) jobState(j *fleet.OntapJob) string {
	if j.State != "" {
		return j.State
	}
	if s.now().Before(j.StartTime) {
		return "queued"
	}
	return "running"
}

func (s *Server) renderJob(c *fleet.OntapCluster, j *fleet.OntapJob) obj {
	st := s.jobState(j)
	o := obj{
		"uuid": j.UUID, "description": j.Description, "state": st,
		"start_time": ts(j.QueueTime),
		"_links":     selfLink("/api/cluster/jobs/" + j.UUID),
	}
	if j.Node != "" {
		o["node"] = obj{"name": j.Node}
	}
	if j.SVM != "" {
		o["svm"] = svmRef(c, j.SVM)
	}
	switch st {
	case "queued":
		o["message"] = "Queued"
		o["code"] = 0
	case "running":
		o["message"] = runningMessage(j.Op)
		o["code"] = 0
	case "success":
		o["message"] = j.Message
		o["code"] = 0
		o["end_time"] = ts(j.EndTime)
	case "failure":
		o["message"] = j.Message
		o["code"] = j.Code
		o["end_time"] = ts(j.EndTime)
		o["error"] = obj{"code": strconv.FormatInt(j.Code, 10), "message": j.Message, "arguments": []any{}}
	}
	return o
}

func runningMessage(op string) string {
	switch op {
	case "snapshot.create":
		return "Creating snapshot"
	case "snapshot.delete":
		return "Deleting snapshot"
	case "volume.restore":
		return "Restoring volume from snapshot"
	case "file.restore":
		return "Restoring file from snapshot"
	case "volume.clone":
		return "Creating FlexClone volume"
	case "volume.create":
		return "Creating volume"
	case "volume.delete":
		return "Deleting volume"
	}
	return "Running"
}

func (s *Server) renderEvent(c *fleet.OntapCluster, e *fleet.OntapEvent) obj {
	node := obj{"name": e.Node}
	for _, n := range c.Nodes {
		if n.Name == e.Node {
			node = ref(n.Name, n.UUID, "/api/cluster/nodes/"+n.UUID)
		}
	}
	params := []any{}
	for _, p := range e.Parameters {
		params = append(params, obj{"name": p.Name, "value": p.Value})
	}
	o := obj{
		"index": e.Index, "time": ts(e.Time),
		"message":     obj{"name": e.Name, "severity": e.Severity},
		"log_message": e.LogMessage,
		"node":        node,
		"parameters":  params,
		"_links":      selfLink("/api/support/ems/events/" + e.Node + "/" + strconv.FormatInt(e.Index, 10)),
	}
	if e.Source != "" {
		o["source"] = e.Source
	}
	return o
}
