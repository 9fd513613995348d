package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/server"
)

func newWorkerCmd() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a Temporal worker executing workflow runs (workflows.engine: temporal)",
		Long: `Run a Temporal worker: it polls the configured task queue and carries out the
workflow runs that servers with workflows.engine: temporal start, against the
configured targets. Run one or more beside your servers; a worker killed
mid-run is replaced by any other (Temporal replays the run's history: steps
completed before are not repeated).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
			if err != nil {
				return err
			}
			kinds, err := server.Vendors()
			if err != nil {
				return err
			}
			cfg, err := config.Load(cmd.Context(), f.configFile, os.Getenv, kinds.Config())
			if err != nil {
				return err
			}
			if cfg.Workflows.Engine != "temporal" {
				return errors.New("worker needs workflows.engine: temporal in the config")
			}
			return server.RunWorker(cmd.Context(), cfg, logger)
		},
	}
	f.register(cmd)
	return cmd
}
