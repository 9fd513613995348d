package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
)

// Scenario is a scenario file: an estate described in YAML, optionally on
// top of a generated one, with the HTTP faults and task/job faults to
// inject. Load it with LoadScenario and build the estate with Build.
//
// # Format
//
// Decoding is strict: an unknown key, a value of the wrong type or out of
// range, or a reference to something that does not exist is an error
// naming the file, the line and the key path (for example
// "scenario small.yaml:14: prism_centrals[0].vms[1].memory_gib: want an
// integer, got \"lots\""). Durations take Go syntax plus days and weeks
// ("90s", "4h", "7d", "2w"); times are RFC 3339 ("2026-11-19T22:00:00Z"),
// "now", or an offset from now ("-26h", "-3d"). Every key is optional.
//
//	description: free text
//	seed: 7                      # drives every random choice (default 1, or --seed)
//	now: 2026-11-20T09:00:00Z    # the simulated present (default fleet.DefaultNow)
//
//	generate:                    # the generated estate (see Generate); "generate: false" starts empty
//	  enabled: true
//	  vms: 200                   # on pc-prod
//	  volume_groups: 20
//	  volumes: 120               # on ontap-prod
//	  history_days: 90           # schedules replayed (applies to described entities too)
//	  task_history_days: 30      # Prism Central tasks kept
//	  prod_clusters: 3
//	  dr_clusters: 2
//	  success_rate: 0.97         # mean share of scheduled runs that succeed
//
//	conditions:                  # planted problems (see Conditions); all on by default,
//	  unprotected_vms: true      # "conditions: false" switches all off, then list the ones to keep
//	  unprotected_count: 10
//	  rpo_breach: true
//	  rpo_breach_failed_runs: 3
//	  failing_task_streak: true
//	  streak_length: 4
//	  snapmirror_lag: true
//	  snapmirror_lag_ratio: 2.0
//	  snapshot_reserve_full: true
//	  reserve_used_percent: 96
//	  ransomware_spike: true
//	  ransomware_factor: 30
//	  ransomware_since: 30h
//	  expiring_recovery_points: true
//	  expiring_in: 20h
//
//	prism_centrals:              # added, or extending the generated one of the same name
//	  - name: pc-lab
//	    username: admin          # default admin / "Nutanix/4u!"
//	    password: Nutanix/4u!
//	    api_keys: [lab-api-key]
//	    version: pc.2024.3
//	    address: 10.30.0.10
//	    remote: pc-dr            # paired Prism Central
//	    site: lab                # the target's site (default: from a name ending in prod or dr)
//	    clusters:
//	      - {name: lab-ahv-01, nodes: 3, version: 6.8.1, hypervisor: AHV, address: 10.30.1.10, unavailable: false}
//	    protection_policies:
//	      - name: lab-daily
//	        description: Daily at 22:00 UTC
//	        rpo: 24h             # schedule interval
//	        offset: 22h          # runs at 2024-01-07T00:00Z + offset + k*rpo (default 0, 22h from a day up)
//	        consistency: crash   # or application
//	        local_retention: 14
//	        remote: pc-dr        # replicate (needs remote_retention)
//	        remote_cluster: dr-ahv-01
//	        remote_retention: 3
//	        clusters: [lab-ahv-01]   # default: all
//	        categories: [Protection/Lab]
//	        success_rate: 0.9
//	        remote_fail_last_runs: 0 # the last N replications failed (local runs fine)
//	    vms:
//	      - name: lab-db-01
//	        cluster: lab-ahv-01  # default: the first
//	        description: Lab database
//	        power: on            # on, off or paused
//	        cpus: 4
//	        memory_gib: 16
//	        disks_gib: [80, 200]
//	        categories: [Environment/Lab]
//	        policy: lab-daily    # "" or absent: unprotected
//	        created: -200d
//	        change_rate_percent: 5   # daily; sizes of its recovery points
//	        used_percent: 60
//	        own_recovery_point: true # its own consistency group
//	        fail_last_runs: 2        # the last 2 scheduled runs failed
//	        spike: {factor: 30, since: -20h}   # recovery points hold 30x the change from then on
//	        deleted: -2d             # gone from then on; earlier recovery points stay
//	    volume_groups:
//	      - {name: lab-vg-01, cluster: lab-ahv-01, disks_gib: [256, 256], policy: lab-daily, shared: true}
//	    recovery_points:         # manual ones
//	      - {name: lab-db-01-pre-upgrade, vms: [lab-db-01], created: -2d, expires: +5d, consistency: crash, replicate_to: pc-dr}
//
//	ontap_clusters:              # added, or extending the generated one of the same name
//	  - name: ontap-lab
//	    username: admin          # default admin / "Netapp1!" + the name's last part after "-"
//	    password: Netapp1!lab
//	    location: Lab rack 2
//	    management_ip: 10.30.1.20
//	    site: lab                # the target's site (default: from a name ending in prod or dr)
//	    svms: [svm_lab, svm_lab_dr]  # the first is the default SVM
//	    snapshot_policies:       # besides default, default-1weekly, none, gold-4h
//	      - name: lab-hourly
//	        comment: 24 hourly
//	        copies: [{schedule: hourly, count: 24, prefix: hourly, snapmirror_label: hourly, retention_period: P2D}]
//	    volumes:
//	      - name: vol_lab
//	        svm: svm_lab
//	        size_gib: 500
//	        used_percent: 60
//	        snapshot_policy: lab-hourly   # default "default"; schedules replayed over the history
//	        snapshot_reserve_percent: 10  # default: fitted to the snapshots
//	        reserve_used_percent: 95      # scale the snapshots to fill the reserve
//	        change_rate_percent: 3        # daily; snapshot sizes
//	        files: share                  # home, share, finance, hr, project, eng, oracle, sql, vmware, logs, archive, generic
//	        comment: Lab share
//	        created: -300d
//	        spike: {factor: 40, since: -20h}   # ransomware-like: bigger, encrypted snapshots from then on
//	        usage_trend: {growth_percent_per_day: 1, noise_percent: 0.3}   # past used space (snapshot logical sizes)
//	    snapshots:               # manual ones
//	      - {volume: vol_lab, svm: svm_lab, name: before_upgrade, created: -3d, size_mib: 800, comment: pre-upgrade, expires: +4d}
//	      - {volume: vol_lab, name: torn, created: -2h, state: invalid}   # valid (default), invalid or partial
//	    relationships:           # held here, as their destination
//	      - source: ontap-lab:svm_lab:vol_lab   # or svm:volume on this cluster
//	        destination: svm_lab_dr:vol_lab_dr  # default <svm>_dr:<volume>_dr
//	        policy: MirrorAllSnapshots          # MirrorAndVault, Asynchronous, XDPDefault
//	        schedule: hourly
//	        state: snapmirrored                 # paused, broken_off, uninitialized
//	        lag: 2h                             # shape a lag spiral ending about this far behind
//	        transfer_rate_mib: 200
//	        throttle: 0                         # KB/s
//
//	events:                      # past events placed in the history
//	  - {kind: task, target: pc-lab, at: -3h, operation: CreateRecoveryPoint, entities: [lab-db-01],
//	     status: failed, error: "Failed to create recovery point: ...", duration: 90s, owner: admin}
//	  - {kind: ems, target: ontap-lab, at: -2h, name: wafl.vol.autoSize.done, severity: notice,
//	     message: "...", node: ontap-lab-01, parameters: {vol: vol_lab}}
//	  - {kind: transfer, target: ontap-lab, at: -30m, relationship: "svm_lab_dr:vol_lab_dr", status: failed, error: "..."}
//
//	faults:                      # HTTP faults in front of every simulator (fault.Rule)
//	  - {method: GET, path: "/api/storage/volumes*", latency: 200ms, jitter: 100ms,
//	     error_rate: 0.05, status: 503, rate_limit_rate: 0.1, retry_after: 2s, drop_rate: 0.01, count: 0}
//	task_faults:                 # the next Prism Central tasks fail or never finish
//	  - {target: pc-lab, operation: CreateRecoveryPoint, count: 1, message: "Injected failure", stuck: false}
//	job_faults:                  # the next ONTAP jobs or transfers fail or never finish
//	  - {target: ontap-lab, kind: job, match: snapshot, count: 1, code: 1638555, message: "Injected", stuck: false}
//
// The sample files live in testdata/scenarios (README.md there has the same
// reference).
type Scenario struct {
	// Path is the file the scenario was loaded from.
	Path string `yaml:"-"`

	Description   string             `yaml:"description"`
	Seed          *int64             `yaml:"seed"`
	Now           time.Time          `yaml:"now"`
	Generate      *GenerateSpec      `yaml:"generate"`
	Conditions    *Conditions        `yaml:"conditions"`
	PrismCentrals []PrismCentralSpec `yaml:"prism_centrals"`
	OntapClusters []OntapClusterSpec `yaml:"ontap_clusters"`
	Events        []EventSpec        `yaml:"events"`
	Faults        []fault.Rule       `yaml:"faults"`
	TaskFaults    []TaskFaultSpec    `yaml:"task_faults"`
	JobFaults     []JobFaultSpec     `yaml:"job_faults"`
	// Aiqum lists Active IQ Unified Manager servers (aiqum.go).
	Aiqum []AiqumSpec `yaml:"aiqum"`

	lines map[string]int
}

// GenerateSpec is the scenario's "generate" section (see GenerateOptions).
type GenerateSpec struct {
	// Enabled is true unless set false ("generate: false" is short for it).
	Enabled         *bool   `yaml:"enabled"`
	VMs             int     `yaml:"vms"`
	VolumeGroups    int     `yaml:"volume_groups"`
	Volumes         int     `yaml:"volumes"`
	HistoryDays     int     `yaml:"history_days"`
	TaskHistoryDays int     `yaml:"task_history_days"`
	ProdClusters    int     `yaml:"prod_clusters"`
	DRClusters      int     `yaml:"dr_clusters"`
	SuccessRate     float64 `yaml:"success_rate"`
}

func (g *GenerateSpec) applyBool(on bool) { g.Enabled = &on }

// ScenarioError is a problem in a scenario file, at a line and key.
type ScenarioError struct {
	File string
	Line int
	// Key is the dotted key path, e.g. "prism_centrals[0].vms[2].cluster".
	Key string
	Msg string
}

func (e *ScenarioError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "(scenario)"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Key == "" {
		return fmt.Sprintf("scenario %s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("scenario %s: %s: %s", loc, e.Key, e.Msg)
}

// LoadScenario reads and checks a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ScenarioError{File: path, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	return ParseScenario(data, path)
}

// ParseScenario decodes a scenario strictly; name is used in errors.
func ParseScenario(data []byte, name string) (*Scenario, error) {
	s := &Scenario{Path: name, lines: map[string]int{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return s, nil // empty file: the default estate
		}
		return nil, &ScenarioError{File: name, Line: yamlErrLine(err), Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ScenarioError{File: name, Line: extra.Line, Msg: "a scenario file holds one YAML document"}
	}
	d := &strictDecoder{file: name, lines: s.lines}
	if err := d.decode(&doc, reflect.ValueOf(s).Elem(), ""); err != nil {
		return nil, err
	}
	for i, r := range s.Faults {
		if err := r.Validate(); err != nil {
			return nil, s.errAt(fmt.Sprintf("faults[%d]", i), err.Error())
		}
	}
	if s.Conditions != nil {
		if key, err := s.Conditions.check(); err != nil {
			return nil, s.errAt("conditions."+key, err.Error())
		}
	}
	return s, nil
}

func yamlErrLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(rest[:j])
		return n
	}
	return 0
}

func (s *Scenario) where(path string) (int, bool) {
	n, ok := s.lines[path]
	return n, ok
}

func (s *Scenario) errAt(path, msg string) error {
	line, ok := s.where(path)
	for p := path; !ok && p != ""; {
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
		line, ok = s.where(p)
	}
	return &ScenarioError{File: s.Path, Line: line, Key: path, Msg: msg}
}

// Options returns the generator options the scenario asks for (defaults
// applied) and whether the generated estate is wanted.
func (s *Scenario) Options() (GenerateOptions, bool) {
	o := GenerateOptions{Seed: 1, Now: s.Now}
	if s.Seed != nil {
		o.Seed = *s.Seed
	}
	on := true
	if g := s.Generate; g != nil {
		if g.Enabled != nil {
			on = *g.Enabled
		}
		o.VMs, o.VolumeGroups, o.Volumes = g.VMs, g.VolumeGroups, g.Volumes
		o.HistoryDays, o.TaskHistoryDays = g.HistoryDays, g.TaskHistoryDays
		o.ProdClusters, o.DRClusters, o.SuccessRate = g.ProdClusters, g.DRClusters, g.SuccessRate
	}
	if s.Conditions != nil {
		c := *s.Conditions
		o.Conditions = &c
	}
	return o.withDefaults(), on
}

// Build builds the scenario's estate: the generated one (unless generate
// is off) with the described Prism Centrals, ONTAP clusters, events and
// task/job faults added. The HTTP faults are in s.Faults, for the
// simulators' injector.
func (s *Scenario) Build() (*Estate, error) {
	es, err := s.spec()
	if err != nil {
		return nil, err
	}
	return build(es)
}

func (s *Scenario) spec() (*estateSpec, error) {
	o, on := s.Options()
	if key, err := o.check(); err != nil {
		if !strings.HasPrefix(key, "conditions.") {
			key = "generate." + key
		}
		return nil, s.errAt(key, err.Error())
	}
	var es *estateSpec
	if on {
		es = generateSpec(o)
	} else {
		if s.Conditions != nil {
			return nil, s.errAt("conditions", "planted conditions belong to the generated estate: remove them or set generate: true")
		}
		es = &estateSpec{Seed: o.Seed, Now: o.Now, HistoryDays: o.HistoryDays, TaskHistoryDays: o.TaskHistoryDays, SuccessRate: o.SuccessRate}
	}
	es.where, es.file = s.where, s.Path
	for i := range s.PrismCentrals {
		p := s.PrismCentrals[i]
		var into *PrismCentralSpec
		for _, q := range es.PrismCentrals {
			if q.Name == p.Name {
				into = q
			}
		}
		if into == nil {
			es.PrismCentrals = append(es.PrismCentrals, &p)
			continue
		}
		into.Username, into.Password = or(p.Username, into.Username), or(p.Password, into.Password)
		into.Version, into.Address, into.Remote = or(p.Version, into.Version), or(p.Address, into.Address), or(p.Remote, into.Remote)
		into.Site = or(p.Site, into.Site)
		if p.APIKeys != nil {
			into.APIKeys = p.APIKeys
		}
		into.Clusters = append(into.Clusters, p.Clusters...)
		into.ProtectionPolicies = append(into.ProtectionPolicies, p.ProtectionPolicies...)
		into.VMs = append(into.VMs, p.VMs...)
		into.VolumeGroups = append(into.VolumeGroups, p.VolumeGroups...)
		into.RecoveryPoints = append(into.RecoveryPoints, p.RecoveryPoints...)
	}
	for i := range s.OntapClusters {
		p := s.OntapClusters[i]
		var into *OntapClusterSpec
		for _, q := range es.OntapClusters {
			if q.Name == p.Name {
				into = q
			}
		}
		if into == nil {
			es.OntapClusters = append(es.OntapClusters, &p)
			continue
		}
		into.Username, into.Password = or(p.Username, into.Username), or(p.Password, into.Password)
		into.Location, into.ManagementIP = or(p.Location, into.Location), or(p.ManagementIP, into.ManagementIP)
		into.Site = or(p.Site, into.Site)
		into.SVMs = append(into.SVMs, p.SVMs...)
		into.SnapshotPolicies = append(into.SnapshotPolicies, p.SnapshotPolicies...)
		into.Volumes = append(into.Volumes, p.Volumes...)
		into.Snapshots = append(into.Snapshots, p.Snapshots...)
		into.Relationships = append(into.Relationships, p.Relationships...)
	}
	es.Events = append(es.Events, s.Events...)
	es.TaskFaults = append(es.TaskFaults, s.TaskFaults...)
	es.JobFaults = append(es.JobFaults, s.JobFaults...)
	if s.Aiqum != nil {
		es.Aiqum = append([]AiqumSpec{}, s.Aiqum...)
	}
	return es, nil
}

// --- strict YAML decoding ---

// strictDecoder decodes a YAML node tree into Go values by their yaml
// tags, refusing unknown and repeated keys and wrong types, and records the
// line of every key path.
type strictDecoder struct {
	file  string
	lines map[string]int
	// nodes counts the values decoded, aliases expanded: YAML aliases
	// nest, so a few kilobytes can otherwise describe billions of values
	// (yaml.v3 guards its own decoding against this, but not a walk of
	// its node tree).
	nodes int
}

// maxScenarioNodes bounds the values a scenario expands to: 250,000 is
// some 10,000 described entities (generated ones do not count), and
// decoding that many takes about a second.
const maxScenarioNodes = 250_000

type boolShorthand interface{ applyBool(bool) }

type srcSetter interface{ setSrc(string) }

// defaulter fills a freshly allocated value with its defaults before the
// keys given are decoded over them.
type defaulter interface{ setDefaults() }

var (
	durationType  = reflect.TypeFor[time.Duration]()
	timeType      = reflect.TypeFor[time.Time]()
	unmarshalType = reflect.TypeFor[yaml.Unmarshaler]()
)

func (d *strictDecoder) fail(n *yaml.Node, path, format string, args ...any) error {
	return &ScenarioError{File: d.file, Line: n.Line, Key: path, Msg: fmt.Sprintf(format, args...)}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (d *strictDecoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	if d.nodes++; d.nodes > maxScenarioNodes {
		return d.fail(n, path, "the scenario expands to more than %d values (YAML aliases nested too deep?)", maxScenarioNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return d.decode(n.Content[0], v, path)
	case yaml.AliasNode:
		return d.decode(n.Alias, v, path)
	}
	if v.Kind() == reflect.Pointer {
		if isNull(n) {
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
			if df, ok := v.Interface().(defaulter); ok {
				df.setDefaults()
			}
		}
		return d.decode(n, v.Elem(), path)
	}
	if isNull(n) {
		return nil
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalType) {
		if n.Kind != yaml.ScalarNode {
			return d.fail(n, path, "want a single value, not a %s", kindName(n))
		}
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			return d.fail(n, path, "%v", err)
		}
		return nil
	}
	switch v.Type() {
	case durationType:
		if n.Kind != yaml.ScalarNode {
			return d.fail(n, path, "want a duration such as 200ms or 2s, not a %s", kindName(n))
		}
		x, err := ParseDuration(n.Value)
		if err != nil {
			return d.fail(n, path, "%v", err)
		}
		v.SetInt(int64(x))
		return nil
	case timeType:
		var t TimeSpec
		if n.Kind != yaml.ScalarNode {
			return d.fail(n, path, "want an RFC 3339 time, not a %s", kindName(n))
		}
		if err := t.UnmarshalYAML(n); err != nil || t.Relative {
			return d.fail(n, path, "want an RFC 3339 time such as 2026-11-20T09:00:00Z, got %q", n.Value)
		}
		v.Set(reflect.ValueOf(t.At))
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			if bs, ok := v.Addr().Interface().(boolShorthand); ok {
				bs.applyBool(n.Value == "true")
				return nil
			}
		}
		if n.Kind != yaml.MappingNode {
			return d.fail(n, path, "want a mapping of keys, not a %s", kindName(n))
		}
		fields := yamlFields(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key := k.Value
			p := join(path, key)
			if seen[key] {
				return d.fail(k, p, "key repeated")
			}
			seen[key] = true
			idx, ok := fields[key]
			if !ok {
				return d.fail(k, p, "unknown key (valid keys: %s)", strings.Join(sortedKeys(fields), ", "))
			}
			d.lines[p] = k.Line
			if err := d.decode(val, v.Field(idx), p); err != nil {
				return err
			}
		}
		if ss, ok := v.Addr().Interface().(srcSetter); ok {
			ss.setSrc(path)
		}
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.fail(n, path, "want a list, not a %s", kindName(n))
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, el := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.lines[p] = el.Line
			if err := d.decode(el, out.Index(i), p); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return d.fail(n, path, "want a mapping of keys, not a %s", kindName(n))
		}
		out := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(val, ev, p); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(out)
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return d.fail(n, path, "want %s, not a %s", typeWord(v.Kind()), kindName(n))
	}
	if v.Kind() == reflect.String {
		v.SetString(n.Value)
		return nil
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		return d.fail(n, path, "want %s, got %q", typeWord(v.Kind()), n.Value)
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "single value"
}

func typeWord(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "a string"
}

// yamlFields maps the yaml keys of a struct to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || name == "" {
			continue
		}
		out[name] = i
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
