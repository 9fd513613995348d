package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/demo"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
)

// Demo is a running simulated estate and the configuration that points at
// it.
type Demo struct {
	*demo.Demo
	Config *config.Config
}

// StartDemo serves est's simulators on loopback (HTTPS with a CA generated
// at start, trusted through ca_file) and returns a configuration pointing at
// them: the server then talks to them over real HTTP, exactly as to real
// clusters. Stop it with Close.
func StartDemo(ctx context.Context, est *fleet.Estate, seed int64, logger *slog.Logger) (*Demo, error) {
	d, err := demo.Start(ctx, demo.Options{Estate: est, Seed: seed, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("start the demo estate: %w", err)
	}
	kinds, err := Vendors()
	if err != nil {
		d.Close()
		return nil, err
	}
	cfg := &config.Config{Source: "demo", Analysis: analysis.DefaultRules(), Kinds: kinds.Config()}
	cfg.Analysis.Tiers.Rules = append(cfg.Analysis.Tiers.Rules, demoScopes()...)
	// Every demo cluster has a drill-isolated VLAN: drills move the VMs they
	// restore there before powering them on, as an operator configures it.
	cfg.Workflows.Drills.IsolatedSubnet = map[string]string{"*": fleet.IsolatedSubnetName}
	for _, t := range d.Targets {
		cfg.Targets = append(cfg.Targets, config.Target{
			Name: t.Name, Kind: t.Kind, Host: t.Host, Port: t.Port, Username: t.Username,
			Password: config.NewSecret(t.Password), CAFile: t.CAFile, PlainHTTP: t.PlainHTTP, Site: t.Site,
		})
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		d.Close()
		return nil, err
	}
	return &Demo{Demo: d, Config: cfg}, nil
}

// demoScopes declare the demo estate's compliance scope the way an
// operator's analysis.tiers section does: the generated estate carries no
// Compliance categories (and ONTAP volumes carry no categories at all), so
// without them SOX and GDPR would have nothing in scope. Financial systems
// are SOX, systems holding personal data GDPR; nothing in the estate is
// health data, so HIPAA stays empty (its controls say "unknown").
func demoScopes() []analysis.TierRule {
	return []analysis.TierRule{
		{Scopes: []string{"sox"}, Categories: []string{"app:erp", "app:ledger", "app:billing", "app:payroll"},
			Names: []string{"vol_ora_ledger_*", "vol_sql_billing_*", "vol_sql_payroll_*", "vol_fin_share", "vol_erp_db"}},
		{Scopes: []string{"gdpr"}, Categories: []string{"app:crm", "app:hr", "app:auth", "app:shop"}},
	}
}

// DemoOptions adapts server options to a demo: the estate's clock judges
// ages, and clients poll tasks and jobs fast, because the simulated clock
// advances per poll rather than per second.
func (d *Demo) DemoOptions(o Options) Options {
	o.Config = d.Config
	o.Clock = d.Estate.Clock.Now
	o.FastPolling = true
	return o
}

// fastPoll is the polling backoff in demo mode.
const (
	fastPollFirst = 10 * time.Millisecond
	fastPollMax   = 100 * time.Millisecond
)
