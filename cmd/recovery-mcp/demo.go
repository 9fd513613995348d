package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
)

func startDemo(_ context.Context, _ *serverFlags, _ *slog.Logger) (*config.Config, func(), error) {
	return nil, nil, errors.New("the demo estate is not available in this build")
}
