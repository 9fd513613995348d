package fleet

import (
	"fmt"
	"time"
)

// Conditions are the problems the generator plants in an estate, each on
// its own switch and with its parameters. They are on in the default
// estate (DefaultConditions); scenario files switch them under
// "conditions". The planted entities have fixed names, listed in
// Estate.Planted, so tests and the README tour can point at them:
//
//	unprotected_vm            pc-prod     web-shop-new-01, web-shop-new-02 (created days ago, no policy yet),
//	                                      test-scratch-01..03, build-tmp-01 and a few random test/dev VMs
//	rpo_breach                pc-prod     db-erp-prod-01 (gold-4h-dr; its last 3 runs failed)
//	failing_task_streak       pc-prod     app-billing-01 (4 on-demand create-recovery-point tasks failed in a row
//	                                      after its last good scheduled run)
//	snapmirror_lag            ontap-dr    svm_db_dr:vol_erp_db_dr (transfers ever slower, lag ~2x the hourly schedule)
//	snapshot_reserve_full     ontap-prod  svm_nas:vol_logs_erp (96 % of its snapshot reserve used)
//	ransomware_spike          ontap-prod  svm_nas:vol_fin_share (snapshots 30x the usual size for the last 30 h,
//	                                      files renamed *.locked; older clean snapshots kept, an arw EMS event)
//	expiring_recovery_point   pc-prod     erp-archive-01 (archive-monthly keeps one recovery point; it expires in
//	                                      20 h, before the next run)
//
// Switching a condition off keeps the entity (with ordinary, healthy
// history), so counts do not change. The RPO breach implies a failure
// streak on its own VM; otherwise the conditions are independent.
type Conditions struct {
	UnprotectedVMs bool `yaml:"unprotected_vms"`
	// UnprotectedCount is how many VMs are left unprotected (default 10).
	UnprotectedCount int `yaml:"unprotected_count"`

	RPOBreach bool `yaml:"rpo_breach"`
	// RPOBreachFailedRuns is how many of the last runs failed (default 3).
	RPOBreachFailedRuns int `yaml:"rpo_breach_failed_runs"`

	FailingTaskStreak bool `yaml:"failing_task_streak"`
	// StreakLength is the number of consecutive failed tasks (default 4).
	StreakLength int `yaml:"streak_length"`

	SnapmirrorLag bool `yaml:"snapmirror_lag"`
	// SnapmirrorLagRatio is the lag as a multiple of the transfer schedule
	// (default 2; AIQUM warns at 1.5 and errs at 2.5), to the nearest
	// schedule firing (the hourly schedule fires at :05).
	SnapmirrorLagRatio float64 `yaml:"snapmirror_lag_ratio"`

	SnapshotReserveFull bool `yaml:"snapshot_reserve_full"`
	// ReserveUsedPercent is the share of the reserve used (default 96).
	ReserveUsedPercent float64 `yaml:"reserve_used_percent"`

	RansomwareSpike bool `yaml:"ransomware_spike"`
	// RansomwareFactor multiplies the change rate (default 30).
	RansomwareFactor float64 `yaml:"ransomware_factor"`
	// RansomwareSince is how long before now the spike began (default 30h).
	RansomwareSince Duration `yaml:"ransomware_since"`

	ExpiringRecoveryPoints bool `yaml:"expiring_recovery_points"`
	// ExpiringIn is how soon the recovery point expires (default 20h).
	ExpiringIn Duration `yaml:"expiring_in"`
}

// Planted condition kinds (PlantedCondition.Kind).
const (
	ConditionUnprotectedVM       = "unprotected_vm"
	ConditionRPOBreach           = "rpo_breach"
	ConditionFailingTaskStreak   = "failing_task_streak"
	ConditionSnapmirrorLag       = "snapmirror_lag"
	ConditionSnapshotReserveFull = "snapshot_reserve_full"
	ConditionRansomwareSpike     = "ransomware_spike"
	ConditionExpiringRP          = "expiring_recovery_point"
)

// Names of the planted entities.
const (
	PlantedRPOBreachVM     = "db-erp-prod-01"
	PlantedStreakVM        = "app-billing-01"
	PlantedExpiringVM      = "erp-archive-01"
	PlantedLagVolume       = "vol_erp_db"
	PlantedReserveVolume   = "vol_logs_erp"
	PlantedRansomwareVol   = "vol_fin_share"
	PlantedExpiringPolicy  = "archive-monthly"
	plantedUnprotectedBase = 6 // the named unprotected VMs
)

// plantedUnprotectedVMs are always unprotected when the condition is on.
var plantedUnprotectedVMs = []string{"web-shop-new-01", "web-shop-new-02", "test-scratch-01", "test-scratch-02", "test-scratch-03", "build-tmp-01"}

// PlantedCondition is one planted problem: its kind (a Condition*
// constant), the target (Prism Central or ONTAP cluster name), the entity
// (VM name, volume "svm:volume", relationship destination path) and what
// was done.
type PlantedCondition struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Entity string `json:"entity"`
	Detail string `json:"detail"`
}

// DefaultConditions has every condition on with its default parameters.
func DefaultConditions() Conditions {
	c := NoConditions()
	c.UnprotectedVMs = true
	c.RPOBreach = true
	c.FailingTaskStreak = true
	c.SnapmirrorLag = true
	c.SnapshotReserveFull = true
	c.RansomwareSpike = true
	c.ExpiringRecoveryPoints = true
	return c
}

// NoConditions has every condition off (parameters at their defaults).
func NoConditions() Conditions {
	return Conditions{
		UnprotectedCount:    10,
		RPOBreachFailedRuns: 3,
		StreakLength:        4,
		SnapmirrorLagRatio:  2,
		ReserveUsedPercent:  96,
		RansomwareFactor:    30,
		RansomwareSince:     Duration(30 * time.Hour),
		ExpiringIn:          Duration(20 * time.Hour),
	}
}

func (c *Conditions) setDefaults() { *c = DefaultConditions() }

// applyBool is the scenario shorthand "conditions: false" (or true).
func (c *Conditions) applyBool(on bool) {
	c.UnprotectedVMs = on
	c.RPOBreach = on
	c.FailingTaskStreak = on
	c.SnapmirrorLag = on
	c.SnapshotReserveFull = on
	c.RansomwareSpike = on
	c.ExpiringRecoveryPoints = on
}

// Validate checks the parameters; the error names the key.
func (c Conditions) Validate() error {
	_, err := c.check()
	return err
}

// check returns the yaml key of the first bad parameter with the error.
func (c Conditions) check() (string, error) {
	switch {
	case c.UnprotectedCount < plantedUnprotectedBase || c.UnprotectedCount > 100:
		return "unprotected_count", fmt.Errorf("unprotected_count %d: want %d to 100", c.UnprotectedCount, plantedUnprotectedBase)
	case c.RPOBreachFailedRuns < 2 || c.RPOBreachFailedRuns > 20:
		return "rpo_breach_failed_runs", fmt.Errorf("rpo_breach_failed_runs %d: want 2 to 20", c.RPOBreachFailedRuns)
	case c.StreakLength < 2 || c.StreakLength > 20:
		return "streak_length", fmt.Errorf("streak_length %d: want 2 to 20", c.StreakLength)
	case c.SnapmirrorLagRatio < 1.2 || c.SnapmirrorLagRatio > 10:
		return "snapmirror_lag_ratio", fmt.Errorf("snapmirror_lag_ratio %v: want 1.2 to 10", c.SnapmirrorLagRatio)
	case c.ReserveUsedPercent < 50 || c.ReserveUsedPercent > 150:
		return "reserve_used_percent", fmt.Errorf("reserve_used_percent %v: want 50 to 150", c.ReserveUsedPercent)
	case c.RansomwareFactor < 2 || c.RansomwareFactor > 500:
		return "ransomware_factor", fmt.Errorf("ransomware_factor %v: want 2 to 500", c.RansomwareFactor)
	case c.RansomwareSince.D() < 24*time.Hour || c.RansomwareSince.D() > 14*24*time.Hour:
		// From a day on, the newest daily snapshot is always inside the spike.
		return "ransomware_since", fmt.Errorf("ransomware_since %s: want 24h to 14d", c.RansomwareSince)
	case c.ExpiringIn.D() < time.Hour || c.ExpiringIn.D() > 7*24*time.Hour:
		return "expiring_in", fmt.Errorf("expiring_in %s: want 1h to 7d", c.ExpiringIn)
	}
	return "", nil
}
