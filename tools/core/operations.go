package core

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
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
			if (a.Target == "" || t.Name == a.Target) && (t.Kind == config.KindNutanix || t.Kind == config.KindONTAP) {
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

// running lists one target's queued and running tasks or jobs.
func running(ctx context.Context, env *kit.Env, t config.Target) ([]Operation, error) {
	var out []Operation
	switch t.Kind {
	case config.KindNutanix:
		cl, err := env.Targets.Nutanix(t)
		if err != nil {
			return nil, err
		}
		page, err := cl.ListTasks(ctx, nutanix.ListOptions{Limit: 100, OrderBy: "createdTime desc",
			Filter: nutanix.Or(nutanix.Eq("status", nutanix.TaskRunning), nutanix.Eq("status", nutanix.TaskQueued))})
		if err != nil {
			return nil, err
		}
		for _, task := range page.Items {
			op := Operation{Target: t.Name, Kind: "task", ID: task.ExtID, Operation: task.Operation, State: task.Status,
				Progress: task.ProgressPercentage, Started: kit.Time(task.CreatedTime), FollowBy: "nutanix_get_task ext_id=" + task.ExtID}
			for _, e := range task.EntitiesAffected {
				op.Entities = append(op.Entities, strings.TrimSpace(e.Name+" "+e.ExtID))
			}
			out = append(out, op)
		}
	case config.KindONTAP:
		cl, err := env.Targets.ONTAP(t)
		if err != nil {
			return nil, err
		}
		jobs, err := cl.ListJobs(ctx, &ontap.ListOptions{Query: map[string]string{"state": "queued|running|paused"}, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, j := range jobs {
			out = append(out, Operation{Target: t.Name, Kind: "job", ID: j.UUID, Operation: j.Description, State: j.State,
				Started: kit.Time(j.StartTime), FollowBy: "ontap_get_job uuid=" + j.UUID})
		}
	}
	return out, nil
}
