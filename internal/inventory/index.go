package inventory

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Index holds the lookups the engines need, built once from an Estate. All
// slices it returns are shared and sorted as documented; callers must not
// change them.
type Index struct {
	estate *Estate

	targets        map[string]*Target
	entities       map[string]*Entity
	byName         map[string][]*Entity
	byFoldedName   map[string][]*Entity
	policies       map[policyKey]*Policy
	policyOf       map[*Entity]*Policy
	policyEntities map[*Policy][]*Entity

	rps         map[string][]*RecoveryPoint
	orphanNames map[string][]string // entity name -> ids, for entities known only from recovery points
	orphans     []string
	reps        map[string][]*Replication
	repsByDest  map[string][]*Replication
	ops         map[string][]*Operation
	opsByTarget map[string][]*Operation
	events      map[string][]*Event
	capacity    map[string][]*CapacitySample
	changes     map[string][]*ChangeSample

	// DuplicateIDs lists entity ids that occur more than once (the first
	// occurrence is indexed).
	DuplicateIDs []string
}

type policyKey struct{ target, name string }

// Index returns the estate's index, building it on first use.
func (e *Estate) Index() *Index {
	if ix := e.idx.Load(); ix != nil {
		return ix
	}
	ix := buildIndex(e)
	if e.idx.CompareAndSwap(nil, ix) {
		return ix
	}
	return e.idx.Load()
}

// Reindex drops the cached index and memoized results; the next Index call
// rebuilds it.
func (e *Estate) Reindex() {
	e.idx.Store(nil)
	e.derived.Clear()
}

// Memo returns what compute derives from the estate under key, computing it
// once: a collected estate is not changed afterwards, and the engines over
// it are pure, so fifty callers asking for its health in the same second
// share one computation. Callers must treat the result as read-only, and
// the key must name everything besides the estate that the result depends
// on (engine, rules, arguments). Concurrent first calls may both compute;
// one result wins and is returned to both.
func (e *Estate) Memo(key string, compute func() any) any {
	if v, ok := e.derived.Load(key); ok {
		return v
	}
	v, _ := e.derived.LoadOrStore(key, compute())
	return v
}

func buildIndex(e *Estate) *Index {
	ix := &Index{
		estate:         e,
		targets:        make(map[string]*Target, len(e.Targets)),
		entities:       make(map[string]*Entity, len(e.Entities)),
		byName:         make(map[string][]*Entity, len(e.Entities)),
		byFoldedName:   make(map[string][]*Entity, len(e.Entities)),
		policies:       make(map[policyKey]*Policy, len(e.Policies)),
		policyOf:       make(map[*Entity]*Policy, len(e.Entities)),
		policyEntities: make(map[*Policy][]*Entity, len(e.Policies)),
		rps:            make(map[string][]*RecoveryPoint, len(e.Entities)),
		orphanNames:    map[string][]string{},
		reps:           map[string][]*Replication{},
		repsByDest:     map[string][]*Replication{},
		ops:            map[string][]*Operation{},
		opsByTarget:    map[string][]*Operation{},
		events:         map[string][]*Event{},
		capacity:       map[string][]*CapacitySample{},
		changes:        map[string][]*ChangeSample{},
	}
	for i := range e.Targets {
		t := &e.Targets[i]
		if _, dup := ix.targets[t.Name]; !dup {
			ix.targets[t.Name] = t
		}
	}
	for i := range e.Policies {
		p := &e.Policies[i]
		k := policyKey{p.Target, p.Name}
		if _, dup := ix.policies[k]; !dup {
			ix.policies[k] = p
		}
	}
	for i := range e.Entities {
		en := &e.Entities[i]
		if _, dup := ix.entities[en.ID]; dup {
			ix.DuplicateIDs = append(ix.DuplicateIDs, en.ID)
			continue
		}
		ix.entities[en.ID] = en
		ix.byName[en.Name] = append(ix.byName[en.Name], en)
		f := strings.ToLower(en.Name)
		ix.byFoldedName[f] = append(ix.byFoldedName[f], en)
		if en.Policy != "" {
			if p := ix.Policy(en.Target, en.Policy); p != nil {
				ix.policyOf[en] = p
				ix.policyEntities[p] = append(ix.policyEntities[p], en)
			}
		}
	}
	sort.Strings(ix.DuplicateIDs)
	byTargetName := func(a, b *Entity) int {
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}
	for _, m := range []map[string][]*Entity{ix.byName, ix.byFoldedName} {
		for _, l := range m {
			slices.SortFunc(l, byTargetName)
		}
	}
	for _, l := range ix.policyEntities {
		slices.SortFunc(l, byTargetName)
	}

	for i := range e.RecoveryPoints {
		rp := &e.RecoveryPoints[i]
		ix.rps[rp.EntityID] = append(ix.rps[rp.EntityID], rp)
	}
	for id, l := range ix.rps {
		slices.SortFunc(l, compareRecoveryPoints)
		if _, known := ix.entities[id]; !known {
			ix.orphans = append(ix.orphans, id)
			names := map[string]bool{}
			for _, rp := range l {
				if rp.EntityName != "" && !names[rp.EntityName] {
					names[rp.EntityName] = true
					ix.orphanNames[rp.EntityName] = append(ix.orphanNames[rp.EntityName], id)
				}
			}
		}
	}
	sort.Strings(ix.orphans)
	for _, l := range ix.orphanNames {
		sort.Strings(l)
	}

	for i := range e.Replications {
		r := &e.Replications[i]
		ix.reps[r.SourceEntityID] = append(ix.reps[r.SourceEntityID], r)
		if r.DestinationEntityID != "" {
			ix.repsByDest[r.DestinationEntityID] = append(ix.repsByDest[r.DestinationEntityID], r)
		}
	}
	byRepID := func(a, b *Replication) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.DestinationTarget, b.DestinationTarget))
	}
	for _, l := range ix.reps {
		slices.SortFunc(l, byRepID)
	}
	for _, l := range ix.repsByDest {
		slices.SortFunc(l, byRepID)
	}

	for i := range e.Operations {
		o := &e.Operations[i]
		if o.EntityID != "" {
			ix.ops[o.EntityID] = append(ix.ops[o.EntityID], o)
		}
		ix.opsByTarget[o.Target] = append(ix.opsByTarget[o.Target], o)
	}
	byStart := func(a, b *Operation) int {
		return cmp.Or(a.Start.Compare(b.Start), a.When().Compare(b.When()), cmp.Compare(a.ID, b.ID))
	}
	for _, l := range ix.ops {
		slices.SortFunc(l, byStart)
	}
	for _, l := range ix.opsByTarget {
		slices.SortFunc(l, byStart)
	}

	for i := range e.Events {
		ev := &e.Events[i]
		ix.events[ev.EntityID] = append(ix.events[ev.EntityID], ev)
	}
	for _, l := range ix.events {
		slices.SortFunc(l, func(a, b *Event) int {
			return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Message, b.Message))
		})
	}
	for i := range e.Capacity {
		c := &e.Capacity[i]
		ix.capacity[c.EntityID] = append(ix.capacity[c.EntityID], c)
	}
	for _, l := range ix.capacity {
		slices.SortStableFunc(l, func(a, b *CapacitySample) int { return a.Time.Compare(b.Time) })
	}
	for i := range e.ChangeRates {
		c := &e.ChangeRates[i]
		ix.changes[c.EntityID] = append(ix.changes[c.EntityID], c)
	}
	for _, l := range ix.changes {
		slices.SortStableFunc(l, func(a, b *ChangeSample) int { return a.Time.Compare(b.Time) })
	}
	return ix
}

// compareRecoveryPoints orders by creation time, then deterministically;
// at equal times replicas come first, so the "newest" copy is the local one.
func compareRecoveryPoints(a, b *RecoveryPoint) int {
	return cmp.Or(a.Created.Compare(b.Created),
		cmp.Compare(b.Location, a.Location), // replica before local
		cmp.Compare(a.Target, b.Target),
		cmp.Compare(a.ID, b.ID),
		cmp.Compare(a.MemberID, b.MemberID),
		cmp.Compare(a.Volume, b.Volume))
}

// Estate returns the estate the index was built from.
func (ix *Index) Estate() *Estate { return ix.estate }

// Target returns the target with that name, or nil.
func (ix *Index) Target(name string) *Target { return ix.targets[name] }

// Vendor returns the kind of the named target, or def when it is unknown.
func (ix *Index) Vendor(target string, def TargetKind) TargetKind {
	if t := ix.targets[target]; t != nil && t.Kind != "" {
		return t.Kind
	}
	return def
}

// Entity returns the entity with that id, or nil.
func (ix *Index) Entity(id string) *Entity { return ix.entities[id] }

// EntitiesByName returns the entities with exactly that name, sorted by
// target, name and id.
func (ix *Index) EntitiesByName(name string) []*Entity { return ix.byName[name] }

// Resolve finds entities by id, else by exact name, else by name ignoring
// case. More than one result means the reference is ambiguous.
func (ix *Index) Resolve(ref string) []*Entity {
	if en := ix.entities[ref]; en != nil {
		return []*Entity{en}
	}
	if l := ix.byName[ref]; len(l) > 0 {
		return l
	}
	return ix.byFoldedName[strings.ToLower(ref)]
}

// OrphanEntityIDs returns, sorted, the ids of entities that have recovery
// points but are not in Entities (deleted, or not collected).
func (ix *Index) OrphanEntityIDs() []string { return ix.orphans }

// ResolveOrphan finds entities known only from their recovery points, by
// id or by the entity name the recovery points carry.
func (ix *Index) ResolveOrphan(ref string) []string {
	if _, ok := ix.rps[ref]; ok {
		if _, known := ix.entities[ref]; !known {
			return []string{ref}
		}
	}
	return ix.orphanNames[ref]
}

// Policy returns the policy named name on target, else the estate-wide
// policy of that name, or nil.
func (ix *Index) Policy(target, name string) *Policy {
	if p := ix.policies[policyKey{target, name}]; p != nil {
		return p
	}
	return ix.policies[policyKey{"", name}]
}

// PolicyFor returns the entity's policy, or nil when it has none or its
// policy is not in the estate.
func (ix *Index) PolicyFor(en *Entity) *Policy { return ix.policyOf[en] }

// PolicyEntities returns the entities using p, sorted by target, name, id.
func (ix *Index) PolicyEntities(p *Policy) []*Entity { return ix.policyEntities[p] }

// RecoveryPoints returns the entity's recovery points (all locations and
// statuses), oldest first (at equal times, replicas before local copies).
func (ix *Index) RecoveryPoints(entityID string) []*RecoveryPoint { return ix.rps[entityID] }

// RecoveryPointsBetween returns the entity's recovery points created in
// [from, to), oldest first. A zero from or to is unbounded.
func (ix *Index) RecoveryPointsBetween(entityID string, from, to time.Time) []*RecoveryPoint {
	l := ix.rps[entityID]
	lo, hi := 0, len(l)
	if !from.IsZero() {
		lo = sort.Search(len(l), func(i int) bool { return !l[i].Created.Before(from) })
	}
	if !to.IsZero() {
		hi = sort.Search(len(l), func(i int) bool { return !l[i].Created.Before(to) })
	}
	if lo >= hi {
		return nil
	}
	return l[lo:hi]
}

// NewestRecoveryPoint returns the newest recovery point of the entity for
// which keep returns true (nil keep: any), or nil.
func (ix *Index) NewestRecoveryPoint(entityID string, keep func(*RecoveryPoint) bool) *RecoveryPoint {
	l := ix.rps[entityID]
	for i := len(l) - 1; i >= 0; i-- {
		if keep == nil || keep(l[i]) {
			return l[i]
		}
	}
	return nil
}

// Replications returns the relationships whose source is the entity,
// sorted by id.
func (ix *Index) Replications(entityID string) []*Replication { return ix.reps[entityID] }

// ReplicationsTo returns the relationships whose destination is the entity.
func (ix *Index) ReplicationsTo(entityID string) []*Replication { return ix.repsByDest[entityID] }

// Operations returns the entity's operations, oldest start first.
func (ix *Index) Operations(entityID string) []*Operation { return ix.ops[entityID] }

// TargetOperations returns all operations on a target, oldest start first.
func (ix *Index) TargetOperations(target string) []*Operation { return ix.opsByTarget[target] }

// Events returns the entity's events ("" for events on no entity), oldest
// first.
func (ix *Index) Events(entityID string) []*Event { return ix.events[entityID] }

// Capacity returns the entity's capacity samples, oldest first.
func (ix *Index) Capacity(entityID string) []*CapacitySample { return ix.capacity[entityID] }

// ChangeRates returns the entity's change samples, oldest first.
func (ix *Index) ChangeRates(entityID string) []*ChangeSample { return ix.changes[entityID] }
