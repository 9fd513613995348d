// Package server builds the MCP server from the configuration: it registers
// the selected toolsets' tools (and the resources and prompts), wires the
// safety rails, filters tools for --read-only and --disable-destructive at
// list and at call time, and serves stdio, legacy SSE and streamable HTTP.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/vendors"
	"github.com/recovery-mcp/recovery-mcp/prompts"
	"github.com/recovery-mcp/recovery-mcp/resources"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// Name is the server's implementation name.
const Name = "recovery-mcp"

// UIExtension is the MCP Apps extension the server declares.
const UIExtension = "io.modelcontextprotocol/ui"

// Options selects what the server exposes and how.
type Options struct {
	Config             *config.Config
	ReadOnly           bool
	DisableDestructive bool
	// Toolsets to enable; empty means all (with DynamicToolsets: core and
	// analysis).
	Toolsets []string
	// DynamicToolsets starts with few toolsets and adds the tools that
	// list and enable the others (see dynamic.go).
	DynamicToolsets bool
	Logger          *slog.Logger
	Version         string
	// Now is time.Now outside tests; it times confirm tokens and audit
	// records.
	Now func() time.Time
	// Clock is the estate's time, against which ages, RPO and expiry are
	// judged: time.Now for real targets, the simulated clock in --demo.
	Clock func() time.Time
	// FastPolling polls tasks and jobs every few milliseconds (the demo's
	// simulated clock advances per poll).
	FastPolling bool
	// Vendors are the storage kinds the server handles (nil: Vendors(),
	// the built-in ones); tests add a kind of their own.
	Vendors *vendors.Registry
	// PassiveWorkflows records workflow starts and decisions in a state
	// file without executing runs: the serving process sharing the file
	// executes them (one-shot CLI commands).
	PassiveWorkflows bool
	// RunIDs names new workflow runs (nil: random ids); tests set it for
	// reproducible reports.
	RunIDs func() string
	// WriteLease is how long a write's lease on a target in a shared state
	// file lasts without renewal (default 15s): a server killed mid-write
	// holds the target no longer than this.
	WriteLease time.Duration
}

// Server is a built MCP server and what it shares with its tools.
type Server struct {
	MCP *mcpserver.MCPServer
	Env *kit.Env
	// Tools are the registered tools (selected or enabled toolsets),
	// before read-only filtering. Guarded by mu once serving: dynamic
	// toolsets append to it.
	Tools []kit.Tool
	opts  Options
	wf    *workflowEngine

	mu      sync.RWMutex
	enabled map[string]bool // toolsets whose tools are registered
}

const instructions = `recovery-mcp operates backup and recovery on Nutanix Prism Central (recovery points) and NetApp ONTAP (snapshots, SnapMirror, restores, clones), and analyses backup health.
Start with list_targets to see the configured clusters (clusters behind an Active IQ Unified Manager are ONTAP targets too; aiqum_list_events shows what AIQUM complains about). Read tools are safe to call freely. find_unprotected names what has no protection and the protect call for each (dry_run: true previews it). Write tools add copies. Destructive tools (delete, revert, in-place restore, SnapMirror break/resync) ask for confirmation: either the client shows the user a prompt, or the tool returns confirmation_required with a preview and a confirm_token; show the preview to the user and repeat the same call with confirm_token only if they agree.`

// New builds the server.
func New(opts Options) (*Server, error) {
	if opts.Config == nil {
		opts.Config = &config.Config{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Clock == nil {
		opts.Clock = opts.Now
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Vendors == nil {
		v, err := Vendors()
		if err != nil {
			return nil, err
		}
		opts.Vendors = v
	}
	cfg := opts.Config
	auditor := safety.NewAuditor(nil)
	if cfg.Safety.AuditFile != "" {
		a, err := safety.OpenAuditFile(cfg.Safety.AuditFile)
		if err != nil {
			return nil, fmt.Errorf("safety.audit_file: %w", err)
		}
		auditor = a
	}
	env := &kit.Env{
		Targets:            targets.New(cfg.Targets, opts.Vendors, opts.Logger),
		Tokens:             safety.NewTokens(cfg.Safety.ConfirmTTL.D(), opts.Now),
		Audit:              auditor,
		Locks:              safety.NewWriteLocks(cfg.Safety.WriteParallelism),
		Logger:             opts.Logger,
		Now:                opts.Now,
		Clock:              opts.Clock,
		ReadOnly:           opts.ReadOnly,
		DisableDestructive: opts.DisableDestructive,
		ConfirmDestructive: cfg.Safety.ConfirmEnabled(),
	}
	// The collector reads through its own clients, so a collection has its
	// own max_concurrency lane per target: in the shared one it queued
	// behind every interactive call's requests (50 sessions of listings
	// starved the one collection that 50 analysis calls were waiting for).
	env.Collector = collect.New(targets.New(cfg.Targets, opts.Vendors, opts.Logger), opts.Clock)
	env.Rules = cfg.Analysis
	if reflect.ValueOf(env.Rules).IsZero() { // a configuration built in code
		env.Rules = analysis.DefaultRules()
	}
	if opts.FastPolling {
		env.Targets.SetPolling(fastPollFirst, fastPollMax)
	}
	names := opts.Toolsets
	if opts.DynamicToolsets {
		names = append(slices.Clone(dynamicStart), opts.Toolsets...)
	}
	selected, err := SelectTools(names)
	if err != nil {
		return nil, err
	}
	s := &Server{Env: env, Tools: selected, opts: opts, enabled: map[string]bool{}}
	for _, t := range selected {
		s.enabled[t.Toolset] = true
	}
	instr := instructions
	if opts.DynamicToolsets {
		instr += "\n" + dynamicInstructions
		s.Tools = append(s.Tools, s.dynamicTools()...)
	}
	if s.wf, err = startWorkflows(context.Background(), cfg, env, opts); err != nil {
		return nil, err
	}
	if s.wf != nil {
		env.Workflows = s.wf.Orchestrator
	}
	hooks := &mcpserver.Hooks{}
	hooks.AddBeforeCallTool(s.auditHidden)
	s.MCP = mcpserver.NewMCPServer(Name, opts.Version,
		mcpserver.WithHooks(hooks),
		// tools.listChanged is declared only when the list can change.
		mcpserver.WithToolCapabilities(opts.DynamicToolsets),
		mcpserver.WithResourceCapabilities(false, false),
		mcpserver.WithPromptCapabilities(false),
		mcpserver.WithElicitation(),
		mcpserver.WithLogging(),
		mcpserver.WithInstructions(instr),
		mcpserver.WithLogger(opts.Logger),
		mcpserver.WithRecovery(),
		mcpserver.WithToolFilter(s.filterTools),
		mcpserver.WithCompletions(),
		// MCP Apps: show_dashboard links its ui:// page (resources).
		mcpserver.WithExtensions(map[string]any{UIExtension: map[string]any{"mimeTypes": []string{resources.DashboardMIME}}}),
		mcpserver.WithPromptCompletionProvider(prompts.Completer{Env: env}),
	)
	s.addTools(s.Tools...)
	resources.Register(s.MCP, env)
	prompts.Register(s.MCP)
	return s, nil
}

const dynamicInstructions = `Only some toolsets are enabled: list_available_toolsets shows the others (nutanix, ontap, ...) and enable_toolset adds one; then list tools again.`

// Register adds tools beyond the catalog (tests use it for probe tools).
func (s *Server) Register(tools ...kit.Tool) {
	s.mu.Lock()
	s.Tools = append(s.Tools, tools...)
	s.mu.Unlock()
	s.addTools(tools...)
}

// addTools registers tools with mcp-go in one batch (one list_changed
// notification when the capability is declared).
func (s *Server) addTools(tools ...kit.Tool) {
	st := make([]mcpserver.ServerTool, 0, len(tools))
	for _, t := range tools {
		st = append(st, t.ServerTool(s.Env))
	}
	s.MCP.AddTools(st...)
}

// AllowedFor is Allowed plus the caller's roles (workflows.roles).
func (s *Server) AllowedFor(ctx context.Context, t kit.Meta) bool {
	return s.Allowed(t) && s.opts.Config.Workflows.HasRole(safety.PrincipalFrom(ctx), tierRole(t.Tier))
}

// Allowed reports whether the server's mode lets t be listed and called.
func (s *Server) Allowed(t kit.Meta) bool {
	switch {
	case s.opts.ReadOnly && t.Tier != safety.Read:
		return false
	case s.opts.DisableDestructive && t.Tier == safety.Destructive:
		return false
	}
	return true
}

// Visible returns the tools a client sees, in name order.
func (s *Server) Visible() []kit.Tool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []kit.Tool
	for _, t := range s.Tools {
		if s.Allowed(t.Meta) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// filterTools applies the mode at tools/list and at tools/call: mcp-go runs
// the filter for both, so a hidden tool cannot be called either.
func (s *Server) filterTools(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	byName := map[string]kit.Meta{}
	s.mu.RLock()
	for _, t := range s.Tools {
		byName[t.Name] = t.Meta
	}
	s.mu.RUnlock()
	out := tools[:0:0]
	for _, t := range tools {
		if m, ok := byName[t.Name]; ok && !s.AllowedFor(ctx, m) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// auditHidden audits a call of a tool that the server's mode hides: mcp-go
// answers "tool not found" without reaching the tool, yet an attempt to
// change data on a read-only server is exactly what an auditor wants to see.
func (s *Server) auditHidden(ctx context.Context, _ any, req *mcp.CallToolRequest) {
	s.mu.RLock()
	tools := s.Tools
	s.mu.RUnlock()
	for _, t := range tools {
		if t.Name != req.Params.Name || s.AllowedFor(ctx, t.Meta) {
			continue
		}
		mode := "--read-only"
		switch {
		case s.Allowed(t.Meta):
			mode = "roles that do not include " + tierRole(t.Tier) + " for " + safety.PrincipalFrom(ctx)
		case !s.opts.ReadOnly:
			mode = "--disable-destructive"
		}
		kit.AuditRefusal(ctx, s.Env, t.Meta, *req, "refused: the server runs with "+mode)
		return
	}
}

// Close releases what the server holds open (the audit file).
func (s *Server) Close() error {
	werr := s.wf.close()
	return errors.Join(werr, s.Env.Audit.Close())
}

// ServeStdio serves MCP on in/out until ctx ends or in closes. Nothing but
// protocol goes to out; mcp-go's own errors go to the logger (stderr).
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	std := mcpserver.NewStdioServer(s.MCP)
	// The stdio client is the OS user who started the server: every call
	// (audit, approvals, roles) is theirs.
	who := safety.LocalPrincipal()
	std.SetContextFunc(func(ctx context.Context) context.Context { return safety.WithPrincipal(ctx, who) })
	std.SetErrorLogger(log.New(slogWriter{s.opts.Logger}, "", 0))
	err := std.Listen(ctx, in, out)
	if err != nil && ctx.Err() != nil {
		return nil // interrupted: a clean shutdown
	}
	return err
}

type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Error(strings.TrimSpace(string(p)), "component", "stdio")
	return len(p), nil
}

// Toolsets lists the toolset names in a stable order.
func Toolsets() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range Catalog() {
		if !seen[t.Toolset] {
			seen[t.Toolset] = true
			out = append(out, t.Toolset)
		}
	}
	sort.Strings(out)
	return out
}

// SelectTools returns the catalog's tools in the named toolsets (all when
// names is empty). The core toolset is always on.
func SelectTools(names []string) ([]kit.Tool, error) {
	all := Catalog()
	if len(names) == 0 {
		return all, nil
	}
	known := Toolsets()
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("unknown toolset %q: choose from %s", n, strings.Join(known, ", "))
		}
	}
	var out []kit.Tool
	for _, t := range all {
		if t.Toolset == CoreToolset || slices.Contains(names, t.Toolset) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Config returns the configuration the server was built from.
func (s *Server) Config() *config.Config { return s.opts.Config }
