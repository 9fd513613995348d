package ontap

import (
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Aggregates (local tiers): GET /storage/aggregates[/{uuid}]. Space is the
// aggregate's size and the provisioned size of the volumes on it (the
// simulator models thick provisioning: guarantee volume).

var kindAggregate = &kind{model: "Aggregate", keys: []string{"uuid", "name"}, primary: "uuid",
	expensive: []string{"metric", "statistics", "inode_attributes", "space.efficiency"}}

func (s *Server) renderAggregate(c *fleet.OntapCluster, a *fleet.OntapAggregate) obj {
	var used int64
	count := 0
	for _, v := range c.Volumes {
		if v.Aggregate == a.Name {
			used += v.Size
			count++
		}
	}
	avail := max(a.Size-used, 0)
	pct := int64(0)
	if a.Size > 0 {
		pct = used * 100 / a.Size
	}
	o := obj{
		"uuid": a.UUID, "name": a.Name, "state": "online", "volume-count": count,
		"space": obj{"block_storage": obj{"size": a.Size, "used": used, "available": avail, "used_percent": pct,
			"full_threshold_percent": 98}},
		"_links": selfLink("/api/storage/aggregates/" + a.UUID),
	}
	for _, n := range c.Nodes {
		if n.Name == a.Node {
			o["node"] = ref(n.Name, n.UUID, "/api/cluster/nodes/"+n.UUID)
			o["home_node"] = ref(n.Name, n.UUID, "/api/cluster/nodes/"+n.UUID)
		}
	}
	return o
}

func (rq *request) listAggregates(uuid string) *apiError {
	var recs []obj
	for _, a := range rq.c.Aggregates {
		if uuid == "" || a.UUID == uuid {
			recs = append(recs, rq.s.renderAggregate(rq.c, a))
		}
	}
	if uuid != "" {
		if len(recs) == 0 {
			return notFound("uuid", "entry doesn't exist")
		}
		rq.writeOne(kindAggregate, recs[0])
		return nil
	}
	return rq.writeCollection(kindAggregate, recs, nil)
}

// aggregateFor resolves the aggregate a volume POST names (aggregates as
// an array of {name|uuid}, or the dotted aggregates.name/uuid), or picks
// the one with the most free space when none is named. It refuses an
// aggregate that does not exist, and one without room for size bytes.
func (rq *request) aggregateFor(size int64) (*fleet.OntapAggregate, *apiError) {
	var name, uuid string
	if l, ok := rq.body["aggregates"].([]any); ok && len(l) > 0 {
		if m, ok := l[0].(map[string]any); ok {
			name, _ = m["name"].(string)
			uuid, _ = m["uuid"].(string)
		}
	}
	if n := rq.str("aggregates.name"); n != "" {
		name = n
	}
	if u := rq.str("aggregates.uuid"); u != "" {
		uuid = u
	}
	free := func(a *fleet.OntapAggregate) int64 {
		avail, _ := lookup(rq.s.renderAggregate(rq.c, a), []string{"space", "block_storage", "available"})[0].(int64)
		return avail
	}
	var pick *fleet.OntapAggregate
	switch {
	case name == "" && uuid == "":
		for _, a := range rq.c.Aggregates {
			if pick == nil || free(a) > free(pick) {
				pick = a
			}
		}
		if pick == nil {
			return nil, nil
		}
	default:
		for _, a := range rq.c.Aggregates {
			if (name == "" || a.Name == name) && (uuid == "" || a.UUID == uuid) {
				pick = a
			}
		}
		if pick == nil {
			what := name
			if what == "" {
				what = uuid
			}
			return nil, notFound("aggregates", "Aggregate \"%s\" does not exist.", what)
		}
	}
	if size > free(pick) {
		return nil, apiErr("2", "size", "Unable to create volume: aggregate \"%s\" has %d bytes available, %d requested.", pick.Name, free(pick), size)
	}
	return pick, nil
}
