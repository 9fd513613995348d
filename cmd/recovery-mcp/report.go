package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/tools/analysis"
)

func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write reports for people (compliance for auditors)",
	}
	cmd.AddCommand(newReportComplianceCmd())
	return cmd
}

func newReportComplianceCmd() *cobra.Command {
	var (
		f                                      serverFlags
		framework, period, out, format, target string
		site                                   string
	)
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Write a compliance report: controls with evidence, drills, runs and the change audit of a period",
		Long: `Evaluate a framework's backup controls over the configured targets (or the demo
estate) and write the report an auditor reads: every control with its status,
evidence, affected entities and remediation; the recovery drills of the period
with what they verified; the workflow runs; and the audited changes (arguments
redacted); and the success metrics of the period with their charts. The format
follows --format, else the extension of --out: .html is one self-contained page
(charts embedded), .md is Markdown (charts written beside it as
NAME.<chart>.png). The compliance_report tool with a period returns the same
report, without the charts.`,
		Example: `  recovery-mcp report compliance --demo --framework sox --period 90d --out sox.html
  recovery-mcp report compliance --config recovery.yaml --framework 3-2-1-1-0 --out q3.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd, getenv); err != nil {
				return err
			}
			if out == "" {
				return errors.New("--out FILE is required (\"-\" writes to standard output)")
			}
			fm, err := analysis.ReportFormat(format, out)
			if err != nil {
				return err
			}
			args := analysis.ComplianceArgs{Framework: framework, Target: target, Site: site, Period: period}
			if err := args.Validate(); err != nil {
				return err
			}
			logger, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			f.passiveWorkflows = true // read the runs; a serving process executes them
			s, cleanup, err := f.buildServer(ctx, logger)
			if err != nil {
				return err
			}
			defer cleanup()
			rep, err := analysis.BuildReport(ctx, s.Env, args)
			if err != nil {
				return fmt.Errorf("compliance report: %w", err)
			}
			stem := ""
			if out != "-" {
				stem = strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
			}
			b, files, err := analysis.RenderReport(rep, fm, stem)
			if err != nil {
				return err
			}
			if out == "-" {
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			for _, f := range files { // charts beside a Markdown report
				if err := os.WriteFile(filepath.Join(filepath.Dir(out), f.Name), f.Data, 0o644); err != nil {
					return fmt.Errorf("write the report's chart: %w", err)
				}
			}
			if err := os.WriteFile(out, b, 0o644); err != nil {
				return fmt.Errorf("write the report: %w", err)
			}
			logger.Info("report written", "file", out, "format", fm, "bytes", len(b), "charts", len(files))
			return nil
		},
	}
	f.register(cmd)
	_ = cmd.Flags().Set("log-level", "warn")
	cmd.Flags().Lookup("log-level").DefValue = "warn"
	fl := cmd.Flags()
	fl.StringVar(&framework, "framework", "", "control set: sox, hipaa, gdpr or 3-2-1-1-0 (required)")
	fl.StringVar(&period, "period", analysis.DefaultReportPeriod, "period of drills, runs and changes, e.g. 30d or 90d")
	fl.StringVar(&out, "out", "", "file to write (.html or .md); - for standard output")
	fl.StringVar(&format, "format", "", "html or md (default: from the --out extension)")
	fl.StringVar(&target, "target", "", "only this target")
	fl.StringVar(&site, "site", "", "only this site")
	_ = cmd.MarkFlagRequired("framework")
	return cmd
}
