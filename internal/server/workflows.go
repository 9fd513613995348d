package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// workflowEngine is the running workflow engine and its store.
type workflowEngine struct {
	*workflow.Engine
	db *store.DB
}

func (w *workflowEngine) close() error {
	if w == nil {
		return nil
	}
	w.Engine.Close()
	return w.db.Close()
}

// startWorkflows opens the state file (in memory for the demo and for
// configurations built in code, unless they name one), builds the embedded engine over
// the server's targets and resumes the runs an earlier process left
// unfinished. A state file of "off" leaves the workflow tools without an
// engine (they say so).
func startWorkflows(ctx context.Context, cfg *config.Config, env *kit.Env, opts Options) (*workflowEngine, error) {
	path := cfg.Workflows.StatePath()
	if cfg.Workflows.StateFile == "" && (cfg.Source == "" || cfg.Source == "demo") {
		path = ":memory:" // a configuration built in code, or the demo: nothing to resume into
	}
	if path == "" {
		return nil, nil
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("workflows.state_file: %w", err)
		}
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("workflows.state_file: %w", err)
	}
	hooks := map[string]workflow.Hook{}
	for name, h := range cfg.Workflows.Hooks {
		hooks[name] = workflow.Hook{Command: h.Command, URL: h.URL, Timeout: h.Timeout.D()}
	}
	policies := map[string]workflow.Policy{}
	for kind, p := range cfg.Workflows.Approvals {
		policies[kind] = workflow.Policy{ApproverRole: p.ApproverRole, Timeout: p.Timeout.D(), OnTimeout: p.OnTimeout,
			AutoApprove: p.AutoApprove, AutoApproveTest: p.AutoApproveTest}
	}
	e, err := workflow.New(ctx, workflow.Options{
		DB:         db,
		Activities: &workflow.Activities{Targets: env.Targets, Hooks: hooks, Clock: opts.Clock},
		Policies:   policies,
		Now:        opts.Now,
		Logger:     opts.Logger,
		HasRole:    cfg.Workflows.HasRole,
		Passive:    opts.PassiveWorkflows && path != ":memory:",
		Audit: func(r safety.Record) {
			if err := env.Audit.Write(r); err != nil {
				opts.Logger.Error("audit record not written", "tool", r.Tool, "err", err)
			}
		},
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := e.Resume(ctx); err != nil {
		e.Close()
		db.Close()
		return nil, err
	}
	return &workflowEngine{Engine: e, db: db}, nil
}

// tierRole is the role a principal needs to list and call a tool.
func tierRole(t safety.Tier) string {
	switch t {
	case safety.Read:
		return "read"
	case safety.Destructive:
		return "destructive"
	}
	return "write"
}
