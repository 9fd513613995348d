package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/inventory/collect"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
	"github.com/recovery-mcp/recovery-mcp/internal/targets"
	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// workflowEngine is the running workflow engine: the embedded one and its
// store, or a Temporal client.
type workflowEngine struct {
	workflow.Orchestrator
	embedded *workflow.Engine
	db       *store.DB
	// persistent: the state lives in a file, so history outlives the process.
	persistent bool
	temporal   client.Client
	stopLocks  func()
}

func (w *workflowEngine) close() error {
	switch {
	case w == nil:
		return nil
	case w.temporal != nil:
		w.stopLocks()
		w.temporal.Close()
		return nil
	}
	w.embedded.Close()
	return w.db.Close()
}

// startWorkflows opens the state file (in memory for the demo and for
// configurations built in code, unless they name one), builds the embedded engine over
// the server's targets and resumes the runs an earlier process left
// unfinished. A state file of "off" leaves the workflow tools without an
// engine (they say so).
func startWorkflows(ctx context.Context, cfg *config.Config, env *kit.Env, opts Options) (*workflowEngine, error) {
	if cfg.Workflows.Engine == "temporal" {
		c, err := temporalClient(cfg.Workflows.Temporal, opts.Logger)
		if err != nil {
			return nil, err
		}
		t := cfg.Workflows.Temporal.WithDefaults()
		// Confirm tokens live in Temporal too: any replica honours one, once.
		env.Tokens.WithStore(&workflow.TemporalGrants{C: c})
		// So do the per-target write locks; this replica also runs them.
		env.Locks = safety.Layered{Local: env.Locks, Shared: temporalLocks(c, cfg, opts.WriteLease, opts.Logger)}
		stop := runLockWorker(c, t.TaskQueue, opts.Logger)
		return &workflowEngine{temporal: c, stopLocks: stop, Orchestrator: &workflow.TemporalEngine{C: c, TaskQueue: t.TaskQueue, Namespace: t.Namespace,
			Activities: &workflow.Activities{Targets: env.Targets, Hooks: hooks(cfg), Clock: opts.Clock, Locks: env.Locks, Tiers: &cfg.Analysis.Tiers, Drills: cfg.Workflows.Drills},
			HasRole:    cfg.Workflows.HasRole, Policies: policies(cfg)}}, nil
	}
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
	db, err := store.Open(ctx, path, store.HistoryMigrations...)
	if err != nil {
		return nil, fmt.Errorf("workflows.state_file: %w", err)
	}
	// The same state file keeps the estate history (capacity and lag
	// samples) that turns predictions from guesses into trends.
	env.Collector.History = db
	if path != ":memory:" {
		// Servers sharing the state file serialise writes per target
		// through leases in it: tool calls and workflow steps alike.
		l, err := store.NewLeases(ctx, db, store.LeaseOptions{Slots: cfg.Safety.WriteParallelism, TTL: opts.WriteLease, Logger: opts.Logger})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("workflows.state_file: %w", err)
		}
		env.Locks = safety.Layered{Local: env.Locks, Shared: l}
	}
	e, err := workflow.New(ctx, workflow.Options{
		DB:         db,
		Activities: &workflow.Activities{Targets: env.Targets, Hooks: hooks(cfg), Clock: opts.Clock, Locks: env.Locks, Tiers: &cfg.Analysis.Tiers, Drills: cfg.Workflows.Drills},
		Policies:   policies(cfg),
		Now:        opts.Now,
		NewID:      opts.RunIDs,
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
	if path != ":memory:" {
		// Servers sharing the state file share confirm tokens: one issued
		// by either is honoured once by either.
		g, err := newSQLGrants(ctx, db)
		if err != nil {
			e.Close()
			db.Close()
			return nil, err
		}
		env.Tokens.WithStore(g)
	}
	return &workflowEngine{Orchestrator: e, embedded: e, db: db, persistent: path != ":memory:"}, nil
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

// temporalClient connects to the configured Temporal cluster (lazily: the
// server starts while Temporal is down, and calls fail until it is up).
func temporalClient(cfg config.Temporal, logger *slog.Logger) (client.Client, error) {
	cfg = cfg.WithDefaults()
	o := client.Options{HostPort: cfg.Address, Namespace: cfg.Namespace, Logger: tlog.NewStructuredLogger(logger)}
	if cfg.TLS || cfg.CAFile != "" || cfg.CertFile != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.ServerName}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("workflows.temporal.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("workflows.temporal.ca_file %s: no certificate found", cfg.CAFile)
			}
			tc.RootCAs = pool
		}
		if cfg.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("workflows.temporal cert_file/key_file: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		o.ConnectionOptions.TLS = tc
	}
	c, err := client.NewLazyClient(o)
	if err != nil {
		return nil, fmt.Errorf("workflows.temporal: %w", err)
	}
	return c, nil
}

func policies(cfg *config.Config) map[string]workflow.Policy {
	out := map[string]workflow.Policy{}
	for kind, p := range cfg.Workflows.Approvals {
		out[kind] = workflow.Policy{ApproverRole: p.ApproverRole, Timeout: p.Timeout.D(), OnTimeout: p.OnTimeout,
			AutoApprove: p.AutoApprove, AutoApproveTest: p.AutoApproveTest}
	}
	return out
}

func hooks(cfg *config.Config) map[string]workflow.Hook {
	out := map[string]workflow.Hook{}
	for name, h := range cfg.Workflows.Hooks {
		out[name] = workflow.Hook{Command: h.Command, URL: h.URL, Timeout: h.Timeout.D()}
	}
	return out
}

// RunWorker runs a Temporal worker for the configured task queue until ctx
// ends: `recovery-mcp worker`. It executes the workflow steps against the
// configured targets.
func RunWorker(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	kinds, err := Vendors()
	if err != nil {
		return err
	}
	c, err := temporalClient(cfg.Workflows.Temporal, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	tq := cfg.Workflows.Temporal.WithDefaults().TaskQueue
	w := worker.New(c, tq, worker.Options{})
	locks := safety.Layered{Local: safety.NewWriteLocks(cfg.Safety.WriteParallelism), Shared: temporalLocks(c, cfg, 0, logger)}
	(&workflow.TemporalWorker{Client: c, Activities: &workflow.Activities{Targets: targets.New(cfg.Targets, kinds, logger), Hooks: hooks(cfg), Locks: locks, Tiers: &cfg.Analysis.Tiers, Drills: cfg.Workflows.Drills},
		Policies: policies(cfg)}).Register(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("temporal worker: %w", err)
	}
	stop := runLockWorker(c, tq, logger)
	logger.Info("temporal worker running", "address", cfg.Workflows.Temporal.WithDefaults().Address, "task_queue", tq)
	<-ctx.Done()
	stop()
	w.Stop()
	return nil
}

// temporalLocks are the per-target write locks kept in Temporal.
func temporalLocks(c client.Client, cfg *config.Config, ttl time.Duration, logger *slog.Logger) *workflow.TemporalLocks {
	return &workflow.TemporalLocks{C: c, TaskQueue: cfg.Workflows.Temporal.WithDefaults().TaskQueue + "-locks",
		Slots: cfg.Safety.WriteParallelism, TTL: ttl, Logger: logger}
}

// runLockWorker polls the lock workflows' task queue (taskQueue+"-locks")
// until the returned stop is called. Temporal may be down when the
// process starts: the worker is started again every few seconds until it
// runs.
func runLockWorker(c client.Client, taskQueue string, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			w := worker.New(c, taskQueue+"-locks", worker.Options{})
			workflow.RegisterLocks(w)
			err := w.Start()
			if err == nil {
				<-ctx.Done()
				w.Stop()
				return
			}
			logger.Warn("temporal lock worker not started; retrying", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// historyEvery is how often a long-running server collects the estate only
// to record its history (capacity and lag samples), so days-to-full and
// lag trends have points even when nobody asks for an analysis.
const historyEvery = 15 * time.Minute

// RecordHistory collects the estate every historyEvery until ctx ends, when
// the history has a state file to go to (not in the demo, whose clock
// stands still, nor in memory). serve runs it.
func (s *Server) RecordHistory(ctx context.Context) {
	if s.wf == nil || !s.wf.persistent || s.Env.Collector.History == nil {
		return
	}
	s.Env.Collector.RunPeriodic(ctx, historyEvery, collect.Scope{}, func(err error) {
		s.opts.Logger.Warn("periodic collection for the estate history failed", "err", err)
	})
}
