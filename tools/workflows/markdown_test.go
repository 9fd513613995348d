package workflows

import (
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/internal/workflow"
)

func TestMarkdownMarksDestructiveAndCleanupSteps(t *testing.T) {
	md := Markdown(RunView{Kind: "recovery_testing", ID: "run_1", Status: "planned", Plan: []workflow.PlanStep{
		{Name: "restore", Action: "restore the VM"},
		{Name: "break", Action: "break the mirror", Destructive: true},
		{Name: "cleanup", Action: "delete the clone", Cleanup: true},
	}})
	for _, want := range []string{"| 1 | restore | restore the VM |  |  |", "| 2 | break | break the mirror |  | **yes** |", "| 3 | cleanup | delete the clone |  | cleanup (the run's own copy) |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
