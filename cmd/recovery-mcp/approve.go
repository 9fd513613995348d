package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/workflows"
)

func newApproveCmd() *cobra.Command {
	var (
		f       serverFlags
		reject  bool
		comment string
	)
	cmd := &cobra.Command{
		Use:   "approve RUN_ID",
		Short: "Approve (or --reject) the destructive step a workflow run waits on",
		Long: `Record a decision on the destructive step a workflow run waits on, in the
workflow state file the serving process shares; that process then carries the
run on (or ends it, when rejected). The decision is recorded with the local
principal and the time, in the run and in the audit log. Roles
(workflows.roles) apply as they do to the workflow_decide tool.`,
		Example: `  recovery-mcp approve run_3f9a0c1d2e4b5a69 --config recovery.yaml --comment "CAB-4711"
  recovery-mcp approve run_3f9a0c1d2e4b5a69 --reject --comment "not in the window"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			logger, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			f.passiveWorkflows = true
			s, cleanup, err := f.buildServer(ctx, logger)
			if err != nil {
				return err
			}
			defer cleanup()
			if s.Env.Workflows == nil {
				return errors.New("no workflow engine: workflows.state_file is off")
			}
			r, err := s.Env.Workflows.Decide(ctx, argv[0], safety.PrincipalFrom(ctx), !reject, comment)
			if err != nil {
				return err
			}
			b, err := json.Marshal(workflows.View(r))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&reject, "reject", false, "reject the step: the run ends, nothing destructive happens")
	cmd.Flags().StringVar(&comment, "comment", "", "why (a change ticket, say); recorded with the decision")
	return cmd
}
