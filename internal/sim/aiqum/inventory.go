package aiqum

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Timestamps are RFC 3339 with milliseconds and an offset, as AIQUM
// writes them.
const tsLayout = "2006-01-02T15:04:05.000-07:00"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func clusterKey(c *fleet.OntapCluster) string { return c.UUID + ":type=cluster,uuid=" + c.UUID }

func link(href string) obj { return obj{"self": obj{"href": href}} }

func clusterRef(c *fleet.OntapCluster) obj {
	return obj{"key": clusterKey(c), "name": c.Name, "uuid": c.UUID,
		"_links": link("/api/datacenter/cluster/clusters/" + clusterKey(c))}
}

func svmKey(c *fleet.OntapCluster, svm *fleet.OntapSVM) string {
	return c.UUID + ":type=vserver,uuid=" + svm.UUID
}

func svmRef(c *fleet.OntapCluster, name string) obj {
	svm := c.SVM(name)
	if svm == nil {
		return obj{"name": name}
	}
	return obj{"key": svmKey(c, svm), "name": svm.Name, "uuid": svm.UUID,
		"_links": link("/api/datacenter/svm/svms/" + svmKey(c, svm))}
}

func version(v fleet.OntapVersion) obj {
	return obj{"full": v.Full, "generation": v.Generation, "major": v.Major, "minor": v.Minor}
}

func (s *Server) clusterRecords(now time.Time) []obj {
	var out []obj
	for _, c := range s.managed() {
		var total, used int64
		for _, a := range c.Aggregates {
			total += a.Size
		}
		for _, v := range c.Volumes {
			used += v.Used + snapshotUsed(v)
		}
		nodes := []any{}
		for _, n := range c.Nodes {
			nk := c.UUID + ":type=cluster_node,uuid=" + n.UUID
			partners := []any{}
			if p := nodeByName(c, n.HAPartner); p != nil {
				partners = append(partners, obj{"key": c.UUID + ":type=cluster_node,uuid=" + p.UUID, "name": p.Name, "uuid": p.UUID})
			}
			up := int64(0)
			if !n.BootTime.IsZero() {
				up = int64(now.Sub(n.BootTime).Seconds())
			}
			nodes = append(nodes, obj{"key": nk, "uuid": n.UUID, "name": n.Name, "location": n.Location, "model": n.Model,
				"serial_number": n.SerialNumber, "system_id": n.SystemID, "uptime": up, "health": n.State == "up",
				"performance_capacity": obj{"used": 0.0}, "version": version(c.Version), "ha": obj{"partners": partners},
				"cluster": clusterRef(c), "_links": link("/api/datacenter/cluster/nodes/" + nk)})
		}
		out = append(out, obj{
			"key": clusterKey(c), "name": c.Name, "uuid": c.UUID, "contact": c.Contact, "location": c.Location,
			"management_ip": c.ManagementIP, "version": version(c.Version), "is_san_optimized": false, "isSanOptimized": false,
			"storage_capacity":   obj{"total": total, "used": min(used, total), "available": max(0, total-used)},
			"protocol_breakdown": obj{"cifs": int64(0), "fcp": int64(0), "iscsi": int64(0), "nfs": used},
			"nodes":              nodes,
			"_links":             link("/api/datacenter/cluster/clusters/" + clusterKey(c)),
		})
	}
	return out
}

func nodeByName(c *fleet.OntapCluster, name string) *fleet.OntapNode {
	for _, n := range c.Nodes {
		if n.Name == name && name != "" {
			return n
		}
	}
	return nil
}

func (s *Server) svmRecords() []obj {
	var out []obj
	for _, c := range s.managed() {
		for _, svm := range c.SVMs {
			state := svm.State
			if state == "initializing" {
				state = "starting"
			}
			sub := svm.Subtype
			if sub == "" {
				sub = "default"
			}
			rec := obj{"key": svmKey(c, svm), "uuid": svm.UUID, "name": svm.Name, "state": state, "subtype": sub,
				"language": "c.utf_8", "cluster": clusterRef(c), "_links": link("/api/datacenter/svm/svms/" + svmKey(c, svm))}
			out = append(out, rec)
		}
	}
	return out
}

func snapshotUsed(v *fleet.OntapVolume) int64 {
	var n int64
	for _, s := range v.Snapshots {
		n += s.Size
	}
	return n
}

// protected reports whether v is the source of an initialized SnapMirror
// relationship somewhere in the estate.
func (s *Server) protected(c *fleet.OntapCluster, v *fleet.OntapVolume) bool {
	for _, d := range s.estate.OntapClusters {
		for _, r := range d.Relationships {
			if r.SourceCluster == c.Name && r.SourcePath == v.Path() && r.State != "uninitialized" {
				return true
			}
		}
	}
	return false
}

func (s *Server) volumeRecords() []obj {
	var out []obj
	for _, c := range s.managed() {
		for _, v := range c.Volumes {
			key := c.UUID + ":type=volume,uuid=" + v.UUID
			state := v.State
			if state == "restricted" {
				state = "offline"
			}
			aggr := []any{}
			for _, a := range c.Aggregates {
				if a.Name == v.Aggregate {
					aggr = append(aggr, obj{"key": c.UUID + ":type=aggregate,uuid=" + a.UUID, "name": a.Name, "uuid": a.UUID,
						"_links": link("/api/datacenter/storage/aggregates/" + c.UUID + ":type=aggregate,uuid=" + a.UUID)})
				}
			}
			used := v.Used + max(0, snapshotUsed(v)-v.Size*int64(v.SnapshotReservePercent)/100)
			rec := obj{
				"key": key, "uuid": v.UUID, "name": v.Name, "type": v.Type, "style": or(v.Style, "flexvol"), "state": state,
				"create_time": ts(v.CreateTime), "language": "c.utf_8",
				"space":      obj{"size": v.Size, "used": used, "available": max(0, v.Size-used)},
				"autosize":   obj{"mode": "off", "maximum": v.Size},
				"snapmirror": obj{"is_protected": s.protected(c, v)},
				"tiering":    obj{"policy": "none"},
				"aggregates": aggr,
				"cluster":    clusterRef(c),
				"svm":        svmRef(c, v.SVM),
				"nas":        obj{"export_policy": obj{"id": int64(8589934593), "key": c.UUID + ":type=export_policy,uuid=8589934593", "name": "default"}},
				"_links":     link("/api/datacenter/storage/volumes/" + key),
			}
			if v.SnapshotPolicy != "" {
				svm := c.SVM(v.SVM)
				su := ""
				if svm != nil {
					su = svm.UUID
				}
				rec["snapshot_policy"] = obj{"key": c.UUID + ":type=snapshot_policy,vserver_uuid=" + su + ",name=" + v.SnapshotPolicy,
					"name": v.SnapshotPolicy, "uuid": c.UUID + "." + su + "." + v.SnapshotPolicy}
			}
			out = append(out, rec)
		}
	}
	return out
}

func (s *Server) jobRecords() []obj {
	var out []obj
	for _, j := range s.a.Jobs {
		rec := obj{"key": j.Key, "name": j.Name, "type": j.Type, "state": j.State, "status": j.Status,
			"submit_time": ts(j.Submit), "job_results": []any{}, "task_reports": []any{},
			"_links": link("/api/management-server/jobs/" + j.Key)}
		if !j.Complete.IsZero() {
			rec["complete_time"] = ts(j.Complete)
		}
		out = append(out, rec)
	}
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isoDuration writes d as AIQUM does: PT8H6M12.345S.
func isoDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	h := int64(d / time.Hour)
	m := int64(d % time.Hour / time.Minute)
	sec := float64(d%time.Minute) / float64(time.Second)
	return fmt.Sprintf("PT%dH%dM%sS", h, m, strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(sec, 'f', 3, 64), "0"), "."))
}
