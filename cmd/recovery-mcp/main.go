// Command recovery-mcp is the recovery-mcp MCP server and its command-line
// companions: serve (stdio, SSE, streamable HTTP), call (one tool through an
// in-process MCP client), tools (the tool catalogue), sim (the simulators
// alone) and version.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// exitError carries a chosen exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "recovery-mcp:", err)
		os.Exit(1)
	}
}
