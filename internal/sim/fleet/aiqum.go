package fleet

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Aiqum is an Active IQ Unified Manager server that monitors some of the
// estate's ONTAP clusters. Its inventory is read from those clusters; its
// events are raised by the AIQUM simulator's monitoring cycle from the
// clusters' state (and, from a scenario, given outright) and kept here with
// their state history.
type Aiqum struct {
	Mu   sync.Mutex
	Name string
	UUID string
	// Username and Password are the Application Administrator's.
	Username string
	Password string
	// OperatorUsername and OperatorPassword, when set, are a user with the
	// Operator role: GET only, natively and through the gateway.
	OperatorUsername string
	OperatorPassword string
	// Clusters are the names of the managed ONTAP clusters.
	Clusters []string
	// Events, in the order raised.
	Events []*AiqumEvent
	// Jobs are AIQUM's own jobs (datasource acquisition), oldest first.
	Jobs []*AiqumJob
	// Seq numbers events raised at run time.
	Seq uint64
}

// AiqumEvent is one AIQUM event and its life cycle.
type AiqumEvent struct {
	Key      string
	Name     string
	Severity string // normal, information, warning, error, critical
	// State is new, acknowledged, resolved or obsolete.
	State        string
	Area         string // impact.area
	Level        string // impact.level: event, risk, incident, upgrade
	ResourceType string
	ResourceName string
	ResourceUUID string
	Cluster      string // cluster name
	SVM          string // SVM name, if SVM-scoped
	Cause        string
	Raised       time.Time
	History      []AiqumEventHistory
	AssignedUser string
	AssignedTime time.Time
	AckUser      string
	ResolvedUser string
	// Condition folds repeats: an active event with the same Condition is
	// the same event. Empty for scenario events, which no monitoring cycle
	// makes obsolete.
	Condition string
}

// AiqumEventHistory is one state change.
type AiqumEventHistory struct {
	State string
	Time  time.Time
	User  string
	Cause string
}

// Active reports an event in state new or acknowledged.
func (e *AiqumEvent) Active() bool { return e.State == "new" || e.State == "acknowledged" }

// AiqumJob is an AIQUM job.
type AiqumJob struct {
	Key, Name, Type, State, Status string
	Submit, Complete               time.Time
}

// AiqumByName returns the AIQUM server with that name, or nil.
func (e *Estate) AiqumByName(name string) *Aiqum {
	for _, a := range e.Aiqums {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// AiqumSpec describes an AIQUM server in a scenario (key "aiqum", a list).
// Without the key, a generated or built-in estate gets one server named
// "aiqum" that manages every ONTAP cluster.
type AiqumSpec struct {
	specPos

	Name     string `yaml:"name"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// OperatorPassword is the password of the read-only user umoperator.
	OperatorPassword string `yaml:"operator_password"`
	// Clusters it manages (default: every ONTAP cluster).
	Clusters []string `yaml:"clusters"`
	// Events are given outright, besides those the monitoring raises.
	Events []AiqumEventSpec `yaml:"events"`
}

// AiqumEventSpec is an AIQUM event in a scenario.
type AiqumEventSpec struct {
	specPos

	// Name is the display name, e.g. "Mirror Replication Lag Error".
	Name     string `yaml:"name"`
	Severity string `yaml:"severity"` // default warning
	// Area is the impact area (default protection).
	Area  string `yaml:"area"`
	Level string `yaml:"level"` // default risk
	// ResourceType is the impact resource type (default volume; snap_mirror
	// for a relationship).
	ResourceType string `yaml:"resource_type"`
	// Cluster and Resource ("svm:volume" for a volume or the destination
	// path of a relationship; empty for the cluster) locate the source.
	Cluster  string   `yaml:"cluster"`
	Resource string   `yaml:"resource"`
	State    string   `yaml:"state"` // default new
	At       TimeSpec `yaml:"at"`
	Cause    string   `yaml:"cause"`
}

// DefaultAiqum is the AIQUM server a built-in or generated estate gets.
func DefaultAiqum(e *Estate) *Aiqum {
	a := &Aiqum{Name: "aiqum", UUID: OntapUUID("aiqum", "aiqum"), Username: "umadmin", Password: "aiqum-" + fmt.Sprint(len(e.OntapClusters)) + "-demo",
		OperatorUsername: "umoperator", OperatorPassword: "aiqum-operator-demo"}
	for _, c := range e.OntapClusters {
		a.Clusters = append(a.Clusters, c.Name)
	}
	a.addAcquisitionJobs(e.Clock.Now())
	return a
}

func (a *Aiqum) addAcquisitionJobs(now time.Time) {
	for i, c := range a.Clusters {
		at := now.Add(-time.Duration(90-i) * 24 * time.Hour)
		a.Jobs = append(a.Jobs, &AiqumJob{
			Key:  fmt.Sprintf("%s:-%x:%x:-%x", strings.ReplaceAll(a.UUID, "-", "")[:16], i+1, at.Unix(), 0x7fb0+i),
			Name: "Add Cluster " + c, Type: "datasource_add", State: "completed", Status: "normal",
			Submit: at, Complete: at.Add(3 * time.Minute),
		})
	}
}

// buildAiqums adds the scenario's AIQUM servers, or the default one.
func (b *builder) buildAiqums() error {
	if b.s.Aiqum == nil {
		if len(b.e.OntapClusters) > 0 {
			b.e.Aiqums = append(b.e.Aiqums, DefaultAiqum(b.e))
		}
		return nil
	}
	for i, as := range b.s.Aiqum {
		src := fmt.Sprintf("aiqum[%d]", i)
		if as.Name == "" {
			return b.errAt(src, "name", "is required")
		}
		a := &Aiqum{Name: as.Name, UUID: OntapUUID("aiqum", as.Name), Username: or(as.Username, "umadmin"), Password: or(as.Password, "aiqum-demo"),
			OperatorUsername: "umoperator", OperatorPassword: or(as.OperatorPassword, "aiqum-operator-demo")}
		if len(as.Clusters) == 0 {
			for _, c := range b.e.OntapClusters {
				a.Clusters = append(a.Clusters, c.Name)
			}
		}
		for _, name := range as.Clusters {
			if b.e.OntapClusterByName(name) == nil {
				return b.errAt(src, "clusters", "unknown ONTAP cluster %q", name)
			}
			a.Clusters = append(a.Clusters, name)
		}
		a.addAcquisitionJobs(b.now)
		for j, es := range as.Events {
			ev, err := b.aiqumEvent(a, es)
			if err != nil {
				return b.errAt(fmt.Sprintf("%s.events[%d]", src, j), "", "%v", err)
			}
			a.Events = append(a.Events, ev)
		}
		b.e.Aiqums = append(b.e.Aiqums, a)
	}
	return nil
}

func (b *builder) aiqumEvent(a *Aiqum, s AiqumEventSpec) (*AiqumEvent, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("name is required")
	}
	ev := &AiqumEvent{
		Name: s.Name, Severity: or(s.Severity, "warning"), Area: or(s.Area, "protection"), Level: or(s.Level, "risk"),
		ResourceType: or(s.ResourceType, "volume"), State: or(s.State, "new"), Cause: s.Cause, Cluster: s.Cluster,
	}
	if !oneOf(ev.Severity, "normal", "information", "warning", "error", "critical") {
		return nil, fmt.Errorf("severity %q: want normal, information, warning, error or critical", ev.Severity)
	}
	if !oneOf(ev.Area, "availability", "capacity", "configuration", "performance", "protection", "security") {
		return nil, fmt.Errorf("area %q: want availability, capacity, configuration, performance, protection or security", ev.Area)
	}
	if !oneOf(ev.Level, "event", "risk", "incident", "upgrade") {
		return nil, fmt.Errorf("level %q: want event, risk, incident or upgrade", ev.Level)
	}
	if !oneOf(ev.State, "new", "acknowledged", "resolved", "obsolete") {
		return nil, fmt.Errorf("state %q: want new, acknowledged, resolved or obsolete", ev.State)
	}
	if ev.Cluster == "" && len(a.Clusters) > 0 {
		ev.Cluster = a.Clusters[0]
	}
	c := b.e.OntapClusterByName(ev.Cluster)
	if c == nil {
		return nil, fmt.Errorf("unknown ONTAP cluster %q", ev.Cluster)
	}
	ev.ResourceName, ev.ResourceUUID = c.Name, c.UUID
	if s.Resource != "" {
		switch ev.ResourceType {
		case "snap_mirror":
			found := false
			for _, r := range c.Relationships {
				if r.DestinationPath == s.Resource {
					ev.ResourceName, ev.ResourceUUID, found = r.DestinationPath, r.UUID, true
					ev.SVM, _, _ = strings.Cut(r.DestinationPath, ":")
				}
			}
			if !found {
				return nil, fmt.Errorf("no relationship with destination %q on %s", s.Resource, c.Name)
			}
		default:
			v := c.VolumeByPath(s.Resource)
			if v == nil {
				return nil, fmt.Errorf("no volume %q on %s", s.Resource, c.Name)
			}
			ev.ResourceName, ev.ResourceUUID, ev.SVM = v.Path(), v.UUID, v.SVM
		}
	}
	ev.Raised = s.At.Resolve(b.now, b.now.Add(-time.Hour)).Truncate(time.Millisecond)
	a.Seq++
	ev.Key = OntapUUID("aiqum-event", a.Name, fmt.Sprint(a.Seq), s.Name)
	ev.History = []AiqumEventHistory{{State: "new", Time: ev.Raised}}
	if ev.State != "new" {
		ev.History = append(ev.History, AiqumEventHistory{State: ev.State, Time: ev.Raised.Add(time.Minute), User: a.Username})
	}
	return ev, nil
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}
