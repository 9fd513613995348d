package core

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/tools/kit"
)

// RunningArgs select the targets to look at.
type RunningArgs struct {
	Target string `json:"target,omitempty" jsonschema_description:"One target (list_targets); default: every Prism Central and ONTAP cluster."`
}

// Operation is one unfinished task, job or call.
type Operation struct {
	Target    string   `json:"target"`
	Kind      string   `json:"kind"` // task, job, interrupted_call
	ID        string   `json:"id"`
	Operation string   `json:"operation"`
	State     string   `json:"state"`
	Progress  int      `json:"progress_percent,omitempty"`
	Started   string   `json:"started,omitempty"`
	Entities  []string `json:"entities,omitempty"`
	FollowBy  string   `json:"follow_by,omitempty"`
}

// RunningList is list_running_operations' result.
type RunningList struct {
	kit.List[Operation]
	Errors []string `json:"errors,omitempty"`
}

// Summary leads the text result.
func (l RunningList) Summary() string {
	s := fmt.Sprintf("%d unfinished operations", l.Total)
	if len(l.Errors) > 0 {
		s += fmt.Sprintf(" (%d targets could not be read)", len(l.Errors))
	}
	return s
}

func listRunningOperations() kit.Tool {
	return kit.Define(kit.Meta{
		Name: "list_running_operations", Title: "List running operations", Toolset: Toolset, Tier: safety.Read,
		Description: "List unfinished work: queued and running Prism Central tasks and ONTAP jobs, and calls a server stop cut off (with what became of them). Use it to follow an interrupted operation before repeating it.",
	}, func(ctx context.Context, c *kit.Call, a RunningArgs) (RunningList, error) {
		_ = c.Env.Targets.Refresh(ctx) // clusters behind AIQUM count too; a failed discovery shows below
		var selected []config.Target
		for _, t := range c.Env.Targets.All() {
			if (a.Target == "" || t.Name == a.Target) && c.Env.Targets.Runs(t) {
				selected = append(selected, t)
			}
		}
		if a.Target != "" && len(selected) == 0 {
			return RunningList{}, kit.InvalidArgs(fmt.Sprintf("unknown target %q; list_targets shows the configured ones", a.Target))
		}
		var (
			mu   sync.Mutex
			wg   sync.WaitGroup
			ops  []Operation
			errs []string
		)
		for _, t := range selected {
			wg.Go(func() {
				got, err := running(ctx, c.Env, t)
				mu.Lock()
				defer mu.Unlock()
				ops = append(ops, got...)
				if err != nil {
					errs = append(errs, t.Name+": "+err.Error())
				}
			})
		}
		wg.Wait()
		for _, u := range c.Env.Audit.Unfinished() {
			in := u.Intent()
			if a.Target == "" || u.Target() == a.Target {
				ops = append(ops, Operation{Target: u.Target(), Kind: "interrupted_call", ID: in.ID, Operation: in.Tool, State: "not yet reconciled",
					Started: kit.Time(in.Time), FollowBy: "the server reconciles it against the target at start; read recovery://audit"})
			}
		}
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Started != ops[j].Started {
				return ops[i].Started > ops[j].Started
			}
			return ops[i].ID < ops[j].ID
		})
		sort.Strings(errs)
		return RunningList{List: kit.NewList(ops, len(ops), 0, 0), Errors: errs}, nil
	})
}

// running lists one target's queued and running tasks or jobs, as its kind
// reads them.
func running(ctx context.Context, env *kit.Env, t config.Target) ([]Operation, error) {
	got, err := env.Targets.Running(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make([]Operation, 0, len(got))
	for _, o := range got {
		out = append(out, Operation{Target: t.Name, Kind: o.Kind, ID: o.ID, Operation: o.Operation, State: o.State,
			Progress: o.Progress, Started: kit.Time(o.Started), Entities: o.Entities, FollowBy: o.FollowBy})
	}
	return out, nil
}
