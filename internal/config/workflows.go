package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Workflows configures the workflow engine (config file section
// workflows:). The types are this package's own: config imports no engine.
type Workflows struct {
	// Engine is embedded (the default: SQLite under the state directory)
	// or temporal (runs, approvals and schedules in a Temporal cluster;
	// run `recovery-mcp worker` beside it).
	Engine string `yaml:"engine"`
	// Temporal is where the temporal engine connects.
	Temporal Temporal `yaml:"temporal"`
	// StateFile is the SQLite store of runs, steps, approvals and
	// schedules. Default: $XDG_STATE_HOME/recovery-mcp/state.db (or
	// ~/.local/state/...). "off" disables the workflow engine.
	StateFile string `yaml:"state_file"`
	// Hooks are the commands or webhooks workflow steps call by name
	// (notify, dns, app_restart, ...).
	Hooks map[string]WorkflowHook `yaml:"hooks"`
	// Approvals are the approval policies by workflow kind.
	Approvals map[string]ApprovalPolicy `yaml:"approvals"`
	// Roles grant roles (read, write, destructive, approve) to principals
	// (the OS user name on stdio and the CLI, token:<hash> or a token's
	// principal over HTTP).
	// Empty: every principal holds every role.
	Roles map[string][]string `yaml:"roles"`
	// Drills configures the recovery drills.
	Drills Drills `yaml:"drills"`
}

// Drills configures the recovery drills (workflows.drills).
type Drills struct {
	// IsolatedSubnet is, per Prism Central target name, the subnet (name
	// or ext_id) every NIC of a VM a drill restores is moved to before the
	// VM is powered on; the key "*" covers the Prism Centrals not named.
	// A Prism Central without one gets the NICs disconnected instead.
	IsolatedSubnet map[string]string `yaml:"isolated_subnet"`
}

// IsolatedSubnetOf is the isolated subnet configured for target ("" for
// none: disconnect).
func (d Drills) IsolatedSubnetOf(target string) string {
	if s, ok := d.IsolatedSubnet[target]; ok {
		return s
	}
	return d.IsolatedSubnet["*"]
}

// Temporal locates a Temporal cluster.
type Temporal struct {
	// Address is host:port of the frontend (default 127.0.0.1:7233).
	Address string `yaml:"address"`
	// Namespace (default "default").
	Namespace string `yaml:"namespace"`
	// TaskQueue the workers poll (default "recovery-mcp").
	TaskQueue string `yaml:"task_queue"`
	// TLS turns TLS on; CAFile trusts a private CA; CertFile and KeyFile
	// authenticate the client (mTLS); ServerName overrides the name
	// checked.
	TLS        bool   `yaml:"tls"`
	CAFile     string `yaml:"ca_file"`
	CertFile   string `yaml:"cert_file"`
	KeyFile    string `yaml:"key_file"`
	ServerName string `yaml:"server_name"`
}

// WithDefaults fills the unset fields.
func (t Temporal) WithDefaults() Temporal {
	if t.Address == "" {
		t.Address = "127.0.0.1:7233"
	}
	if t.Namespace == "" {
		t.Namespace = "default"
	}
	if t.TaskQueue == "" {
		t.TaskQueue = "recovery-mcp"
	}
	return t
}

// WorkflowHook is a command (argv; the event arrives as JSON on stdin) or
// a webhook URL (the event is POSTed as JSON).
type WorkflowHook struct {
	Command []string `yaml:"command"`
	URL     string   `yaml:"url"`
	Timeout Duration `yaml:"timeout"`
}

// ApprovalPolicy is a workflow kind's approval policy.
type ApprovalPolicy struct {
	ApproverRole string   `yaml:"approver_role"`
	Timeout      Duration `yaml:"timeout"`
	// OnTimeout is reject (default) or fail.
	OnTimeout string `yaml:"on_timeout"`
	// AutoApprove approves every destructive step of the kind.
	AutoApprove bool `yaml:"auto_approve"`
	// AutoApproveTest approves destructive steps of test runs only.
	AutoApproveTest bool `yaml:"auto_approve_test"`
}

// Roles principals may hold.
var knownRoles = map[string]bool{"read": true, "write": true, "destructive": true, "approve": true}

var workflowKinds = map[string]bool{"scheduled_backup": true, "disaster_recovery": true, "recovery_testing": true, "data_recovery": true}

// StatePath is the state file to use; "" when the engine is off.
func (w Workflows) StatePath() string {
	switch w.StateFile {
	case "off":
		return ""
	case "":
		dir := os.Getenv("XDG_STATE_HOME")
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return ""
			}
			dir = filepath.Join(home, ".local", "state")
		}
		return filepath.Join(dir, "recovery-mcp", "state.db")
	}
	return w.StateFile
}

func (w Workflows) validate(source string) error {
	if w.Engine != "" && w.Engine != "embedded" && w.Engine != "temporal" {
		return &Error{Source: source, Key: "workflows.engine", Msg: fmt.Sprintf("%q: want embedded or temporal", w.Engine)}
	}
	if (w.Temporal.CertFile == "") != (w.Temporal.KeyFile == "") {
		return &Error{Source: source, Key: "workflows.temporal", Msg: "cert_file and key_file go together"}
	}
	for name, h := range w.Hooks {
		if (len(h.Command) == 0) == (h.URL == "") {
			return &Error{Source: source, Key: "workflows.hooks." + name, Msg: "want exactly one of command or url"}
		}
	}
	for kind, p := range w.Approvals {
		if !workflowKinds[kind] {
			return &Error{Source: source, Key: "workflows.approvals." + kind, Msg: "unknown workflow kind"}
		}
		if p.OnTimeout != "" && p.OnTimeout != "reject" && p.OnTimeout != "fail" {
			return &Error{Source: source, Key: "workflows.approvals." + kind + ".on_timeout", Msg: fmt.Sprintf("%q: want reject or fail", p.OnTimeout)}
		}
		if p.ApproverRole != "" && !knownRoles[p.ApproverRole] {
			return &Error{Source: source, Key: "workflows.approvals." + kind + ".approver_role", Msg: fmt.Sprintf("%q: want read, write, destructive or approve", p.ApproverRole)}
		}
	}
	for t, s := range w.Drills.IsolatedSubnet {
		if t == "" || strings.TrimSpace(s) == "" {
			return &Error{Source: source, Key: "workflows.drills.isolated_subnet." + t, Msg: "want a Prism Central target name (or *) and a subnet name or ext_id"}
		}
	}
	for p, roles := range w.Roles {
		for _, r := range roles {
			if !knownRoles[r] {
				return &Error{Source: source, Key: "workflows.roles." + p, Msg: fmt.Sprintf("%q: want read, write, destructive or approve", r)}
			}
		}
	}
	return nil
}

// HasRole reports whether principal holds role; with no roles configured
// every principal holds every role.
func (w Workflows) HasRole(principal, role string) bool {
	if len(w.Roles) == 0 {
		return true
	}
	for _, r := range w.Roles[principal] {
		if r == role {
			return true
		}
	}
	return false
}
