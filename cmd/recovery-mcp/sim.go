package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/demo"
)

func newSimCmd() *cobra.Command {
	var (
		f         serverFlags
		addr      string
		plainHTTP bool
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the simulated Prism Centrals and ONTAP clusters alone, for other clients",
		Long: `Serve the demo estate's simulators (HTTPS with a CA generated at start, or
--plain-http) and print one JSON object on stdout, {"targets": [...]}, each target
in the config file's own keys, then serve until interrupted. The targets take
consecutive ports from --addr's port, or free ports when it is 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
			if err != nil {
				return err
			}
			host, portStr, err := net.SplitHostPort(addr)
			if err != nil {
				return fmt.Errorf("--addr %q: want HOST:PORT", addr)
			}
			port, err := strconv.Atoi(portStr)
			if err != nil || port < 0 || port > 65535 {
				return fmt.Errorf("--addr %q: bad port", addr)
			}
			est, err := demoEstate(&f)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := demo.Start(ctx, demo.Options{Estate: est, Host: host, Port: port, PlainHTTP: plainHTTP, Seed: f.seed, Logger: logger})
			if err != nil {
				return err
			}
			defer d.Close()
			enc := json.NewEncoder(cmd.OutOrStdout())
			if err := enc.Encode(map[string]any{"targets": d.Targets}); err != nil {
				return err
			}
			logger.Info("simulators serving; interrupt to stop", "targets", len(d.Targets))
			<-ctx.Done()
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:0", "HOST:PORT of the first simulator; the others take the next ports (0: free ports)")
	fl.BoolVar(&plainHTTP, "plain-http", false, "serve plain HTTP instead of HTTPS")
	fl.StringVar(&f.scenario, "scenario", "", "scenario file (YAML) describing the estate")
	fl.Int64Var(&f.seed, "seed", 1, "seed of the generated estate")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	return cmd
}
