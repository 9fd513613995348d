package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/ops"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
)

// Hook is an external action a workflow calls (a DNS change, an
// application restart, a notification): a command, which receives the
// event as JSON on stdin, or a webhook, which receives it as a POST.
type Hook struct {
	Command []string      `yaml:"command" json:"command,omitempty"`
	URL     string        `yaml:"url" json:"url,omitempty"`
	Timeout time.Duration `yaml:"-" json:"-"`
}

// HookResult is what a hook did; Status is ok, failed or not_configured.
type HookResult struct {
	Hook   string `json:"hook"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Activities are what workflow steps act through: the targets (whose
// clients internal/ops drives) and the configured hooks.
type Activities struct {
	Targets *targets.Registry
	Hooks   map[string]Hook
	// Clock is the estate's time (ages, RPO).
	Clock func() time.Time
	// HTTP posts webhooks (default http.DefaultClient with the hook's
	// timeout).
	HTTP *http.Client
	// Locks serialise writes per target with the tool calls (and, when
	// shared, with other servers and workers); nil: none.
	Locks safety.WriteLocker
	// Tiers classify VMs into business tiers for drill RTO targets (the
	// config's analysis.tiers; nil: the analysis defaults).
	Tiers *analysis.TierRules
	// Drills is the config's workflows.drills: the isolated subnet per
	// Prism Central a drill moves restored VMs to (none: disconnect).
	Drills config.Drills
}

// isolationOn is how a drill isolates a VM it restored on target.
func (a *Activities) isolationOn(target string) ops.Isolation {
	return ops.Isolation{SubnetRef: a.Drills.IsolatedSubnetOf(target)}
}

// Hold takes target's write slot for a step that changes it, waiting (and
// saying so through p) while another write holds it. Steps call it once
// they know the resolved target; the release is due when the step ends.
func (a *Activities) Hold(ctx context.Context, target string, p ops.Progress) (func(), error) {
	if a.Locks == nil {
		return func() {}, nil
	}
	if p != nil && a.Locks.Busy(ctx, target) {
		p("waiting for another write on " + target + " to finish")
	}
	rel, err := a.Locks.Acquire(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("write slot of %s: %w", target, err)
	}
	return rel, nil
}

// nutanixWrite returns the client of the named Prism Central with its
// write slot held (see Hold); the caller defers release.
func (a *Activities) nutanixWrite(ctx context.Context, name string, p ops.Progress) (*nutanix.Client, string, func(), error) {
	cl, t, err := a.Nutanix(name)
	if err != nil {
		return nil, "", nil, err
	}
	release, err := a.Hold(ctx, t, p)
	if err != nil {
		return nil, "", nil, err
	}
	return cl, t, release, nil
}

// ontapWrite returns the client of the named ONTAP cluster with its write
// slot held (see Hold); the caller defers release.
func (a *Activities) ontapWrite(ctx context.Context, name string, p ops.Progress) (*ontap.Client, string, func(), error) {
	cl, t, err := a.ONTAP(name)
	if err != nil {
		return nil, "", nil, err
	}
	release, err := a.Hold(ctx, t, p)
	if err != nil {
		return nil, "", nil, err
	}
	return cl, t, release, nil
}

func (a *Activities) now() time.Time {
	if a.Clock != nil {
		return a.Clock()
	}
	return time.Now()
}

// ONTAP returns the client of the named ONTAP target.
func (a *Activities) ONTAP(name string) (*ontap.Client, string, error) {
	t, err := a.Targets.Resolve(config.KindONTAP, name)
	if err != nil {
		return nil, "", &ops.Error{Kind: ops.KindInvalidArgs, Msg: err.Error()}
	}
	cl, err := a.Targets.ONTAP(t)
	return cl, t.Name, err
}

// Nutanix returns the client of the named Prism Central.
func (a *Activities) Nutanix(name string) (*nutanix.Client, string, error) {
	t, err := a.Targets.Resolve(config.KindNutanix, name)
	if err != nil {
		return nil, "", &ops.Error{Kind: ops.KindInvalidArgs, Msg: err.Error()}
	}
	cl, err := a.Targets.Nutanix(t)
	return cl, t.Name, err
}

// RunHook calls the hook named name with event. An unconfigured hook is
// reported as not_configured, never pretended done.
func (a *Activities) RunHook(ctx context.Context, name string, event map[string]any) HookResult {
	h, ok := a.Hooks[name]
	if !ok || (len(h.Command) == 0 && h.URL == "") {
		return HookResult{Hook: name, Status: "not_configured", Detail: "no hook " + name + " under workflows.hooks in the config; do this step by hand"}
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, _ := json.Marshal(event)
	if len(h.Command) > 0 {
		cmd := exec.CommandContext(ctx, h.Command[0], h.Command[1:]...)
		cmd.Stdin = bytes.NewReader(body)
		out, err := cmd.CombinedOutput()
		detail := strings.TrimSpace(string(out))
		if len(detail) > 500 {
			detail = detail[:500]
		}
		if err != nil {
			return HookResult{Hook: name, Status: "failed", Detail: fmt.Sprintf("%v: %s", err, detail)}
		}
		return HookResult{Hook: name, Status: "ok", Detail: detail}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return HookResult{Hook: name, Status: "failed", Detail: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	hc := a.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return HookResult{Hook: name, Status: "failed", Detail: err.Error()}
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return HookResult{Hook: name, Status: "failed", Detail: "webhook answered " + resp.Status}
	}
	return HookResult{Hook: name, Status: "ok", Detail: "webhook answered " + resp.Status}
}
