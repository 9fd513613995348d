package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// AIQUM events as corroborating evidence.
//
// Active IQ Unified Manager evaluates its own thresholds (lag at 150 %/250 %
// of the transfer schedule, volume space, snapshot reserve, days until full,
// anti-ransomware) and raises events; the collector keeps the open ones about
// protection, capacity and security and links them to the volume or the
// relationship they are about. The engines never trust them alone where
// they have their own measurement; they cite them, by event key, as a
// second opinion:
//   - a health or prediction result about a volume or relationship lists the
//     open AIQUM events of the matching family in Evidence["aiqum_events"]
//     ({key, name, severity, state, target});
//   - a replication-lag or unhealthy finding with a matching AIQUM event of
//     severity error or critical is raised to at least high (AIQUM's "Lag
//     Error" is its 250 % threshold);
//   - a change-rate spike with an AIQUM anti-ransomware event on the volume
//     is critical with confidence 0.95, as with an ARP EMS event;
//   - a volume that AIQUM says will be full within its days-until-full
//     threshold gets a capacity_full prediction (high) when the engine's own
//     fit made none, and a capacity prediction is raised to high otherwise;
//   - backup_health reports the open error and critical (and warning)
//     events that no other finding cites, under check aiqum_event, so
//     nothing AIQUM complains about is lost.
//
// Event names drift between AIQUM releases ("Volume Full" vs "Volume Space
// Full"), so families match on area, resource type and a tolerant name
// pattern, never on one exact name.

// CheckAIQUMEvent is the health check of AIQUM events no other finding
// cites.
const CheckAIQUMEvent = "aiqum_event"

type aiqumFamily int

const (
	famLag aiqumFamily = iota
	famReplication
	famSpace
	famDaysUntilFull
	famReserve
	famRansomware
)

func (f aiqumFamily) matches(ev *inventory.AIQUMEvent) bool {
	n := strings.ToLower(ev.Name)
	switch f {
	case famLag:
		return ev.Area == "protection" && strings.Contains(n, "lag")
	case famReplication:
		return ev.Area == "protection" && ev.ResourceType == "snap_mirror" && !strings.Contains(n, "lag")
	case famSpace:
		return ev.Area == "capacity" && !strings.Contains(n, "snapshot") && (strings.Contains(n, "full") || strings.Contains(n, "growth"))
	case famDaysUntilFull:
		return ev.Area == "capacity" && !strings.Contains(n, "snapshot") && strings.Contains(n, "days until full")
	case famReserve:
		return ev.Area == "capacity" && strings.Contains(n, "snapshot reserve")
	case famRansomware:
		return ev.Area == "security" && (strings.Contains(n, "ransomware") || strings.Contains(n, "anti-ransomware"))
	}
	return false
}

// aiqumEvents returns the open AIQUM events of family f about the entity
// or the relationship.
func aiqumEvents(e *inventory.Estate, entityID, relID string, f aiqumFamily) []*inventory.AIQUMEvent {
	var out []*inventory.AIQUMEvent
	for i := range e.AIQUMEvents {
		ev := &e.AIQUMEvents[i]
		if ev.State != "new" && ev.State != "acknowledged" {
			continue
		}
		about := (relID != "" && ev.ReplicationID == relID) || (relID == "" && entityID != "" && ev.EntityID == entityID && ev.ReplicationID == "")
		if about && f.matches(ev) {
			out = append(out, ev)
		}
	}
	return out
}

func aiqumSeverityRank(s string) int {
	return slices.Index([]string{"critical", "error", "warning", "information", "normal"}, s)
}

// cite adds the events to the evidence and returns the most severe AIQUM
// severity among them ("" for none).
func cite(ev Evidence, evs []*inventory.AIQUMEvent) string {
	if len(evs) == 0 {
		return ""
	}
	list, _ := ev["aiqum_events"].([]map[string]string)
	worst := ""
	for _, x := range evs {
		list = append(list, map[string]string{"key": x.Key, "name": x.Name, "severity": x.Severity, "state": x.State, "target": x.Target})
		if worst == "" || aiqumSeverityRank(x.Severity) < aiqumSeverityRank(worst) {
			worst = x.Severity
		}
	}
	ev["aiqum_events"] = list
	return worst
}

// aboutOf returns the entity and relationship a finding or prediction is
// about.
func aboutOf(ref EntityRef, ev Evidence) (entityID, relID string) {
	if id, ok := ev["relationship_id"].(string); ok {
		relID = id
	}
	if ref.Kind == RefReplication {
		return "", cmp2(relID, ref.ID)
	}
	return ref.ID, relID
}

func cmp2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// citeAIQUMFinding attaches AIQUM events to a health finding and raises a
// replication finding AIQUM rates error or critical to at least high.
func citeAIQUMFinding(e *inventory.Estate, f *Finding) {
	if len(e.AIQUMEvents) == 0 {
		return
	}
	ent, rel := aboutOf(f.Entity, f.Evidence)
	var fams []aiqumFamily
	switch f.Check {
	case CheckReplicationLag:
		fams = []aiqumFamily{famLag}
	case CheckReplicationUnhealthy:
		fams = []aiqumFamily{famReplication}
	case CheckVolumeCapacity:
		fams, rel = []aiqumFamily{famSpace}, ""
	case CheckSnapshotReserve:
		fams, rel = []aiqumFamily{famReserve}, ""
	case CheckChangeAnomaly:
		// An anti-ransomware event corroborates a spike as an ARP EMS event
		// does: the same root cause, one finding.
		if f.Evidence["direction"] != "spike" {
			return
		}
		evs := aiqumEvents(e, ent, "", famRansomware)
		if cite(f.Evidence, evs) == "" {
			return
		}
		if f.Evidence["second_signal"] == nil {
			f.Evidence["second_signal"] = fmt.Sprintf("AIQUM event %s (%s)", evs[0].Name, evs[0].Key)
			f.Summary = strings.TrimSuffix(f.Summary, ": a ransomware-like churn signal.") + ", and AIQUM reports " + evs[0].Name + ": likely ransomware."
		}
		f.Severity = Critical
		return
	default:
		return
	}
	for _, fam := range fams {
		worst := cite(f.Evidence, aiqumEvents(e, ent, rel, fam))
		if (worst == "error" || worst == "critical") && (fam == famLag || fam == famReplication) && f.Severity.Rank() > High.Rank() {
			f.Severity = High
			f.Summary = strings.TrimSuffix(f.Summary, ".") + "; AIQUM rates it " + worst + "."
		}
	}
}

// citeAIQUMPrediction attaches AIQUM events to a prediction and applies
// their corroboration.
func citeAIQUMPrediction(e *inventory.Estate, p *Prediction) {
	if len(e.AIQUMEvents) == 0 || p.Severity == Info {
		return
	}
	ent, rel := aboutOf(p.Entity, p.Evidence)
	switch p.Kind {
	case PredictChangeRateAnomaly:
		if p.Evidence["direction"] != "spike" {
			return
		}
		evs := aiqumEvents(e, ent, "", famRansomware)
		if cite(p.Evidence, evs) == "" {
			return
		}
		if p.Evidence["second_signal"] == nil {
			p.Evidence["second_signal"] = fmt.Sprintf("AIQUM event %s (%s)", evs[0].Name, evs[0].Key)
			p.Summary = strings.TrimSuffix(p.Summary, ": a ransomware-like churn signal.") + ", and AIQUM reports " + evs[0].Name + ": likely ransomware."
		}
		p.Severity, p.Confidence = Critical, fptr(0.95)
	case PredictCapacityFull:
		cite(p.Evidence, aiqumEvents(e, ent, "", famSpace))
		if len(aiqumEvents(e, ent, "", famDaysUntilFull)) > 0 && p.Severity.Rank() > High.Rank() {
			p.Severity = High
		}
	case PredictReserveFull:
		cite(p.Evidence, aiqumEvents(e, ent, "", famReserve))
	case PredictReplicationBreach, PredictReplicationSpiral:
		cite(p.Evidence, aiqumEvents(e, ent, rel, famLag))
	}
}

// aiqumCapacity adds a capacity_full prediction for each volume AIQUM says
// will fill within its days-until-full threshold when the engine's own fit
// predicted nothing for it.
func (p *predictor) aiqumCapacity() {
	have := map[string]bool{}
	for _, pr := range p.out {
		if pr.Kind == PredictCapacityFull && pr.Severity != Info {
			have[pr.Entity.ID] = true
		}
	}
	for i := range p.e.AIQUMEvents {
		ev := &p.e.AIQUMEvents[i]
		en := p.ix.Entity(ev.EntityID)
		if en == nil || have[en.ID] || !famDaysUntilFull.matches(ev) || (ev.State != "new" && ev.State != "acknowledged") {
			continue
		}
		have[en.ID] = true
		evd := Evidence{"source": "aiqum", "cause": ev.Cause}
		cite(evd, []*inventory.AIQUMEvent{ev})
		evd.time("raised", ev.Time)
		p.out = append(p.out, Prediction{Kind: PredictCapacityFull, Severity: High, Entity: refOf(en),
			Summary:  fmt.Sprintf("Volume %s will be full within AIQUM's days-until-full threshold (event %s); the collected history is too short or irregular to date it here.", en.Name, ev.Key),
			Evidence: evd, Confidence: fptr(0.7),
			Recommendation: fmt.Sprintf("Grow volume %s or enable autogrow, or free space by shortening snapshot retention.", en.Name),
			NextTool:       listVolumeCall(en)})
	}
}

// aiqumEvents reports the open AIQUM events of severity warning or worse
// that no other finding cites.
func (h *healthRun) aiqumEvents() {
	cited := map[string]bool{}
	for _, f := range h.f {
		list, _ := f.Evidence["aiqum_events"].([]map[string]string)
		for _, x := range list {
			cited[x["key"]] = true
		}
	}
	for i := range h.e.AIQUMEvents {
		ev := &h.e.AIQUMEvents[i]
		if ev.State != "new" && ev.State != "acknowledged" {
			continue
		}
		h.evaluated(CheckAIQUMEvent)
		var sev Severity
		switch ev.Severity {
		case "critical":
			sev = Critical
		case "error":
			sev = High
		case "warning":
			sev = Medium
		}
		if sev == "" || cited[ev.Key] {
			continue
		}
		ref := EntityRef{Kind: "aiqum_event", ID: ev.Key, Name: ev.ResourceName, Target: ev.Target}
		if en := h.ix.Entity(ev.EntityID); en != nil {
			ref = refOf(en)
		}
		evd := Evidence{"area": ev.Area, "cluster": ev.Cluster, "source": ev.ResourceName, "cause": ev.Cause}
		cite(evd, []*inventory.AIQUMEvent{ev})
		evd.time("raised", ev.Time)
		rec := fmt.Sprintf("Investigate %s on %s; acknowledge the event in AIQUM once someone owns it.", ev.Name, ev.ResourceName)
		if famRansomware.matches(ev) {
			rec = fmt.Sprintf("Treat %s as a possible ransomware attack: isolate it, keep the snapshots from before the event and plan a clean recovery.", ev.ResourceName)
		}
		h.add(Finding{Check: CheckAIQUMEvent, Severity: sev, Entity: ref,
			Summary:        fmt.Sprintf("AIQUM %s event %s on %s (%s).", ev.Severity, ev.Name, ev.ResourceName, ev.Cluster),
			Evidence:       evd,
			Recommendation: rec,
			NextTool:       &ToolCall{Tool: "aiqum_list_events", Arguments: map[string]any{"target": ev.Target, "object": ev.ResourceName}}})
	}
}
