package prompts

import "fmt"

func runRecoveryDrill() Prompt {
	return Prompt{
		Name:        "run_recovery_drill",
		Description: "Run a recovery drill of a volume as a durable workflow and report its RTO, RPO and evidence against the criteria.",
		Args: []Arg{
			{Name: "volume", Description: "ONTAP volume (name or svm:volume)", Required: true},
			{Name: "target", Description: "ONTAP cluster holding it (list_targets)"},
			{Name: "type", Description: "volume (default) or file"},
		},
		Render: func(a map[string]string) string {
			typ := a["type"]
			if typ == "" {
				typ = "volume"
			}
			return fmt.Sprintf(`Run a %[3]s recovery drill of volume %[1]q%[2]s and show me the evidence.

1. Plan it. Call workflow_start kind=recovery_testing dry_run=true params={"volume": %[1]q, "type": %[3]q%[4]s}. Show the plan (it clones a snapshot under an isolated rmcp_ name and never touches production).
2. Run it: the same call without dry_run. It waits up to 20 s; if it is still running, follow it with workflow_get id=<run> wait_s=30.
3. Report from the run's result: snapshot tested and its age (achieved RPO), measured RTO, the sampled files and whether each matched the snapshot, whether the clone was cleaned up, passed or failed against the criteria (file < 5 min, volume < 30 min, RPO target), and the recommendations. The full record is the resource recovery://runs/<run>.
4. Offer a monthly schedule: workflow_schedule action=set id=monthly-drill-<volume> kind=recovery_testing every=monthly with the same params.`,
				a["volume"], onTarget(a["target"]), typ, targetParam(a["target"]))
		},
	}
}

func onTarget(t string) string {
	if t == "" {
		return ""
	}
	return " on " + t
}

func targetParam(t string) string {
	if t == "" {
		return ""
	}
	return fmt.Sprintf(`, "target": %q`, t)
}
