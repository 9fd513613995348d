package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/lmittmann/tint"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/server"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "recovery-mcp",
		Short:         "MCP server for backup and recovery on Nutanix Prism Central and NetApp ONTAP",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Commands act as the OS user who runs them (approve records who
		// approved; call is audited under that name), as on stdio.
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			cmd.SetContext(safety.WithPrincipal(ctx, safety.LocalPrincipal()))
		},
	}
	root.AddCommand(newServeCmd(), newCallCmd(), newToolsCmd(), newSimCmd(), newVersionCmd(), newApproveCmd(), newWorkerCmd(), newReportCmd())
	return root
}

// serverFlags are the flags serve and call share.
type serverFlags struct {
	configFile         string
	readOnly           bool
	disableDestructive bool
	toolsets           []string
	dynamicToolsets    bool
	logLevel           string
	logFormat          string
	demo               bool
	scenario           string
	seed               int64
	stateFile          string
	// passiveWorkflows records workflow decisions without executing runs
	// (one-shot commands beside a serving process).
	passiveWorkflows bool
}

func (f *serverFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.configFile, "config", getenv("RECOVERY_MCP_CONFIG"), "config file (YAML); env RECOVERY_MCP_CONFIG")
	fl.BoolVar(&f.readOnly, "read-only", false, "expose and allow read tools only; env RECOVERY_MCP_READ_ONLY")
	fl.BoolVar(&f.disableDestructive, "disable-destructive", false, "hide and refuse destructive tools (delete, revert, in-place restore, SnapMirror break/resync); env RECOVERY_MCP_DISABLE_DESTRUCTIVE")
	fl.StringSliceVar(&f.toolsets, "toolsets", nil, "toolsets to enable, comma-separated (default all): "+strings.Join(server.Toolsets(), ", "))
	fl.BoolVar(&f.dynamicToolsets, "dynamic-toolsets", false, "start with the core and analysis toolsets (plus --toolsets) and let the client enable others with enable_toolset")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json")
	fl.BoolVar(&f.demo, "demo", false, "serve the embedded demo estate: simulated Prism Centrals and ONTAP clusters on loopback; env RECOVERY_MCP_DEMO")
	fl.StringVar(&f.scenario, "scenario", "", "scenario file (YAML) describing the demo estate; implies --demo")
	fl.Int64Var(&f.seed, "seed", 1, "seed of the generated demo estate")
	fl.StringVar(&f.stateFile, "state-file", "", "workflow state file (SQLite); overrides workflows.state_file (the demo keeps it in memory unless set)")
}

// boolEnv names the environment variable behind each switch of
// serverFlags. A flag given on the command line wins over its variable. The
// Claude Desktop bundle sets the switches this way (manifest.json maps its
// settings dialog onto environment variables).
var boolEnv = []struct{ flag, env string }{
	{"read-only", "RECOVERY_MCP_READ_ONLY"},
	{"disable-destructive", "RECOVERY_MCP_DISABLE_DESTRUCTIVE"},
	{"demo", "RECOVERY_MCP_DEMO"},
}

// applyEnv sets the switches of cmd that the command line left alone from
// their environment variables (see boolEnv).
func applyEnv(cmd *cobra.Command, lookup func(string) string) error {
	for _, b := range boolEnv {
		fl := cmd.Flags().Lookup(b.flag)
		v := strings.TrimSpace(lookup(b.env))
		if fl == nil || fl.Changed || v == "" {
			continue
		}
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("environment variable %s: want true or false, got %q", b.env, v)
		}
		if err := fl.Value.Set(v); err != nil {
			return fmt.Errorf("environment variable %s: %w", b.env, err)
		}
	}
	return nil
}

// getenv is os.Getenv, except that a value still holding a host's
// unsubstituted placeholder, such as "${user_config.ontap_host}" (what an
// MCP Bundle host leaves when a setting has no value), counts as unset.
func getenv(key string) string {
	v := os.Getenv(key)
	if strings.HasPrefix(v, "${user_config.") && strings.HasSuffix(v, "}") {
		return ""
	}
	return v
}

// newLogger returns a logger on stderr: tint text (colour only on a
// terminal) or JSON. stdout is reserved for the protocol in stdio mode.
func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	switch format {
	case "text":
		noColor := true
		if f, ok := w.(*os.File); ok {
			noColor = !term.IsTerminal(int(f.Fd()))
		}
		return slog.New(tint.NewTextHandler(w, &tint.Options{Level: lv, NoColor: noColor})), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv})), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
}

// buildServer loads the configuration (or, for --demo, starts the
// simulators) and builds the MCP server. cleanup stops what it started.
func (f *serverFlags) buildServer(ctx context.Context, logger *slog.Logger) (s *server.Server, cleanup func(), err error) {
	opts := server.Options{
		ReadOnly:           f.readOnly,
		DisableDestructive: f.disableDestructive,
		Toolsets:           f.toolsets,
		DynamicToolsets:    f.dynamicToolsets,
		Logger:             logger,
		Version:            buildVersion(),
	}
	stop := func() {}
	if f.demo || f.scenario != "" {
		d, err := startDemo(ctx, f, logger)
		if err != nil {
			return nil, nil, err
		}
		opts, stop = d.DemoOptions(opts), d.Close
	} else {
		kinds, err := server.Vendors()
		if err != nil {
			return nil, nil, err
		}
		cfg, err := config.Load(ctx, f.configFile, getenv, kinds.Config())
		if err != nil {
			return nil, nil, err
		}
		opts.Vendors = kinds
		if len(cfg.Targets) == 0 {
			var hosts []string
			for _, k := range kinds.Kinds() {
				if p := k.EnvPrefix(); p != "" {
					hosts = append(hosts, p+"HOST")
				}
			}
			logger.Warn("no targets configured: pass --config FILE, set " + strings.Join(hosts, " or ") + ", or try --demo")
		}
		opts.Config = cfg
	}
	if f.stateFile != "" {
		opts.Config.Workflows.StateFile = f.stateFile
	}
	opts.PassiveWorkflows = f.passiveWorkflows
	s, err = server.New(opts)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return s, func() { _ = s.Close(); stop() }, nil
}
