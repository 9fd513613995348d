package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/internal/sim/demo"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
)

func newSimCmd() *cobra.Command {
	var (
		f         serverFlags
		addr      string
		plainHTTP bool
		global    fault.Rule
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the simulated Prism Centrals and ONTAP clusters alone, for other clients",
		Long: `Serve the demo estate's simulators (HTTPS with a CA generated at start, or
--plain-http) and print one JSON object on stdout, {"targets": [...]}, each target
in the config file's own keys, then serve until interrupted. The targets take
consecutive ports from --addr's port, or free ports when it is 0.

The estate is the generated default for --seed, or --scenario FILE (see
testdata/scenarios/README.md). --latency, --jitter, --error-rate,
--rate-limit-rate and --drop-rate inject one fault rule on every request of
every simulator, before the scenario's own fault rules.`,
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
			var rules []fault.Rule
			if global != (fault.Rule{}) {
				if err := global.Validate(); err != nil {
					return fmt.Errorf("fault flags (--latency, --jitter, --error-rate, --rate-limit-rate, --drop-rate): %w", err)
				}
				rules = append(rules, global)
			}
			est, faults, err := demoEstate(&f)
			if err != nil {
				return err
			}
			rules = append(rules, faults...)
			ctx := cmd.Context()
			d, err := demo.Start(ctx, demo.Options{Estate: est, Host: host, Port: port, PlainHTTP: plainHTTP, Faults: rules, Seed: f.seed, Logger: logger})
			if err != nil {
				return err
			}
			defer d.Close()
			enc := json.NewEncoder(cmd.OutOrStdout())
			if err := enc.Encode(map[string]any{"targets": d.Targets}); err != nil {
				return err
			}
			logger.Info("simulators serving; interrupt to stop", "targets", len(d.Targets), "fault_rules", len(rules),
				"now", est.Clock.Now().Format("2006-01-02T15:04:05Z"))
			<-ctx.Done()
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:0", "HOST:PORT of the first simulator; the others take the next ports (0: free ports)")
	fl.BoolVar(&plainHTTP, "plain-http", false, "serve plain HTTP instead of HTTPS")
	fl.StringVar(&f.scenario, "scenario", "", "scenario file (YAML) describing the estate")
	fl.Int64Var(&f.seed, "seed", 1, "seed of the generated estate (and of a scenario without one)")
	fl.DurationVar(&global.Latency, "latency", 0, "added to every answer, e.g. 200ms")
	fl.DurationVar(&global.Jitter, "jitter", 0, "random extra latency up to this, e.g. 100ms")
	fl.Float64Var(&global.ErrorRate, "error-rate", 0, "fraction of requests answered 503 (0 to 1)")
	fl.Float64Var(&global.RateLimitRate, "rate-limit-rate", 0, "fraction of requests answered 429 with Retry-After: 1 (0 to 1)")
	fl.Float64Var(&global.DropRate, "drop-rate", 0, "fraction of requests whose connection is closed unanswered (0 to 1)")
	fl.Float64Var(&global.LoseAnswerRate, "lose-answer-rate", 0, "fraction of requests carried out whose answer is then lost (0 to 1)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	return cmd
}
