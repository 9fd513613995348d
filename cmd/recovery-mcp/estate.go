package main

import (
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fault"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// demoEstate builds the estate --demo and sim serve: the scenario file of
// --scenario when given (its seed wins; without one, --seed applies),
// otherwise the generated default estate for --seed. It also returns the
// scenario's HTTP fault rules, for the simulators' injector (task and job
// faults are part of the estate).
func demoEstate(f *serverFlags) (*fleet.Estate, []fault.Rule, error) {
	if f.scenario == "" {
		est, err := fleet.Generate(fleet.GenerateOptions{Seed: f.seed})
		return est, nil, err
	}
	sc, err := fleet.LoadScenario(f.scenario)
	if err != nil {
		return nil, nil, err
	}
	if sc.Seed == nil {
		seed := f.seed
		sc.Seed = &seed
	}
	est, err := sc.Build()
	if err != nil {
		return nil, nil, err
	}
	return est, sc.Faults, nil
}
