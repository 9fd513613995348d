package workflows

import (
	"fmt"
	"strings"
)

// Markdown renders a run for people: status, plan or timeline, approvals,
// result and next action.
func Markdown(v RunView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s: %s\n\nStarted %s by %s.\n", v.Kind, v.ID, v.Status, v.Created, v.Principal)
	if v.Error != "" {
		fmt.Fprintf(&b, "\n**Error:** %s\n", v.Error)
	}
	if len(v.Plan) > 0 {
		b.WriteString("\n## Plan\n\n| # | Step | Action | Entities | Destructive |\n|---|---|---|---|---|\n")
		for i, p := range v.Plan {
			d := ""
			switch {
			case p.Destructive:
				d = "**yes**"
			case p.Cleanup:
				d = "cleanup (the run's own copy)"
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, p.Name, p.Action, strings.Join(p.Entities, ", "), d)
		}
	}
	if len(v.Steps) > 0 {
		b.WriteString("\n## Timeline\n\n| Step | Status | Attempts | Seconds | Job |\n|---|---|---|---|---|\n")
		for _, s := range v.Steps {
			fmt.Fprintf(&b, "| %s | %s | %d | %.3f | %s |\n", s.Name, s.Status, s.Attempts, s.Seconds, s.Job)
		}
	}
	if len(v.Approvals) > 0 {
		b.WriteString("\n## Approvals\n\n")
		for _, a := range v.Approvals {
			fmt.Fprintf(&b, "- %s %s by %s at %s %s\n", a.Step, a.Decision, a.Principal, a.At.Format("2006-01-02T15:04:05Z"), a.Comment)
		}
	}
	if len(v.Result) > 0 {
		fmt.Fprintf(&b, "\n## Result and evidence\n\n```json\n%s\n```\n", v.Result)
	}
	if v.NextAction != "" {
		fmt.Fprintf(&b, "\n**Next:** %s\n", v.NextAction)
	}
	return b.String()
}
