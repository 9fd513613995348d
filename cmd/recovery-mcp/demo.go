package main

import (
	"context"
	"log/slog"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
)

// startDemo starts the simulated estate and adapts the server options to it.
func startDemo(ctx context.Context, f *serverFlags, logger *slog.Logger) (*server.Demo, error) {
	est, err := demoEstate(f)
	if err != nil {
		return nil, err
	}
	d, err := server.StartDemo(ctx, est, f.seed, logger.With("component", "sim"))
	if err != nil {
		return nil, err
	}
	logger.Info("demo estate running", "targets", len(d.Targets), "now", d.Estate.Clock.Now().Format("2006-01-02T15:04:05Z"))
	return d, nil
}
