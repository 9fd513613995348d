package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

// TemporalGrants keeps confirmation grants in Temporal, so that server
// replicas on different machines honour a confirm token issued by any of
// them, once. A grant is a workflow execution "grant_<code>" that no
// worker runs (its memo holds the digests; it times out with the grant);
// taking it starts "grant_taken_<code>" with a reuse policy that rejects a
// duplicate, which Temporal decides atomically.
type TemporalGrants struct {
	C client.Client
	// TaskQueue no worker polls (default recovery-mcp-grants).
	TaskQueue string
}

var _ safety.GrantStore = (*TemporalGrants)(nil)

func (g *TemporalGrants) queue() string {
	if g.TaskQueue == "" {
		return "recovery-mcp-grants"
	}
	return g.TaskQueue
}

// Put records a grant.
func (g *TemporalGrants) Put(ctx context.Context, code string, gr safety.Grant) error {
	raw, err := json.Marshal(gr)
	if err != nil {
		return err
	}
	ttl := time.Until(gr.Expires) + time.Minute
	if _, err := g.C.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "grant_" + code, TaskQueue: g.queue(),
		WorkflowExecutionTimeout: ttl, Memo: map[string]any{"grant": string(raw)}}, "recovery.Grant"); err != nil {
		return fmt.Errorf("record grant in Temporal: %w", err)
	}
	return nil
}

// Get reads a grant.
func (g *TemporalGrants) Get(ctx context.Context, code string) (safety.Grant, bool, error) {
	var gr safety.Grant
	d, err := g.C.DescribeWorkflowExecution(ctx, "grant_"+code, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return gr, false, nil
	}
	if err != nil {
		return gr, false, fmt.Errorf("read grant from Temporal: %w", err)
	}
	p := d.GetWorkflowExecutionInfo().GetMemo().GetFields()["grant"]
	if p == nil {
		return gr, false, nil
	}
	var raw string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &raw); err != nil {
		return gr, false, err
	}
	return gr, json.Unmarshal([]byte(raw), &gr) == nil, nil
}

// Take uses a grant up; false when another replica took it first.
func (g *TemporalGrants) Take(ctx context.Context, code string) (bool, error) {
	_, err := g.C.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "grant_taken_" + code, TaskQueue: g.queue(),
		WorkflowExecutionTimeout: time.Hour, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true}, "recovery.GrantTaken")
	var dup *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &dup) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("use grant in Temporal: %w", err)
	}
	_ = g.C.TerminateWorkflow(ctx, "grant_"+code, "", "used")
	_ = g.C.TerminateWorkflow(ctx, "grant_taken_"+code, "", "recorded")
	return true, nil
}
