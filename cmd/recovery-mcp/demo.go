package main

import (
	"context"
	"log/slog"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
)

// startDemo starts the simulated estate and adapts the server options to it.
func startDemo(ctx context.Context, f *serverFlags, logger *slog.Logger) (*server.Demo, error) {
	est, faults, err := demoEstate(f)
	if err != nil {
		return nil, err
	}
	d, err := server.StartDemo(ctx, est, f.seed, logger.With("component", "sim"))
	if err != nil {
		return nil, err
	}
	// The scenario's HTTP faults (validated when it was loaded) go in front
	// of every simulator.
	if len(faults) > 0 {
		d.Injector.Set(faults...)
	}
	logger.Info("demo estate running", "targets", len(d.Targets), "now", d.Estate.Clock.Now().Format("2006-01-02T15:04:05Z"), "faults", len(faults))
	return d, nil
}
