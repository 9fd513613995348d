package analysis

import (
	"errors"
	"fmt"
	"math"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// Rules are the thresholds and parameters of every engine. DefaultRules
// returns the shipped defaults; each default names its source (reference:
// shared/reference/day2-analytics.md, section in brackets) or says
// [assumption] when it is our own engineering judgement.
//
// The struct carries yaml tags (snake_case) so a config loader can overlay a
// YAML document on DefaultRules(); durations are strings such as "24h",
// "90d" or "PT1H" (inventory.Duration implements encoding.TextUnmarshaler).
// Call Validate after loading.
type Rules struct {
	// CriticalTags mark entities whose gaps rank higher (unprotected is high
	// instead of medium, missing remote copy is high). [assumption]
	CriticalTags []string `yaml:"critical_tags" json:"critical_tags"`

	Volume      VolumeRules      `yaml:"volume" json:"volume"`
	RPO         RPORules         `yaml:"rpo" json:"rpo"`
	Replication ReplicationRules `yaml:"replication" json:"replication"`
	Operations  OperationRules   `yaml:"operations" json:"operations"`
	Expiry      ExpiryRules      `yaml:"expiry" json:"expiry"`
	Copies      CopyRules        `yaml:"copies" json:"copies"`
	Capacity    CapacityRules    `yaml:"capacity" json:"capacity"`
	LagTrend    LagTrendRules    `yaml:"lag_trend" json:"lag_trend"`
	Anomaly     AnomalyRules     `yaml:"anomaly" json:"anomaly"`
	FailureRisk FailureRiskRules `yaml:"failure_risk" json:"failure_risk"`
	Recovery    RecoveryRules    `yaml:"recovery" json:"recovery"`
	Optimize    OptimizeRules    `yaml:"optimize" json:"optimize"`
	Compliance  ComplianceRules  `yaml:"compliance" json:"compliance"`
	Score       ScoreRules       `yaml:"score" json:"score"`
	// Tiers map categories, names, SVMs and clusters to business tiers and
	// compliance scopes (see TierRules).
	Tiers TierRules `yaml:"tiers" json:"tiers"`
}

// VolumeRules are space thresholds for volumes.
type VolumeRules struct {
	// NearlyFullPercent: medium finding. AIQUM "Space Nearly Full" 80 % (warning) [1.2].
	NearlyFullPercent float64 `yaml:"nearly_full_percent" json:"nearly_full_percent"`
	// FullPercent: high finding; also the level capacity prediction counts
	// "days to full" to. AIQUM "Space Full" 90 % (error) [1.2]; Chamness f=0.9 [2.1].
	FullPercent float64 `yaml:"full_percent" json:"full_percent"`
	// CriticalPercent: critical finding, writes are about to fail. [assumption] 98 %.
	CriticalPercent float64 `yaml:"critical_percent" json:"critical_percent"`
	// SnapshotReserveFullPercent: high finding. AIQUM "Snapshot Reserve Full" 90 % [1.2].
	SnapshotReserveFullPercent float64 `yaml:"snapshot_reserve_full_percent" json:"snapshot_reserve_full_percent"`
	// SnapshotCountWarning: high finding. AIQUM "Snapshot count" 1000 [1.2].
	SnapshotCountWarning int `yaml:"snapshot_count_warning" json:"snapshot_count_warning"`
	// SnapshotCountMax: critical finding, new snapshots fail. ONTAP maximum 1023 [1.2].
	SnapshotCountMax int `yaml:"snapshot_count_max" json:"snapshot_count_max"`
	// DaysUntilFull: a capacity prediction at or under it is high. AIQUM 15 days (error) [1.2, 2.1].
	DaysUntilFull float64 `yaml:"days_until_full" json:"days_until_full"`
	// ReserveDaysUntilFull: same for the snapshot reserve. AIQUM 7 days [1.2, 2.1].
	ReserveDaysUntilFull float64 `yaml:"reserve_days_until_full" json:"reserve_days_until_full"`
}

// RPORules govern the RPO compliance check.
type RPORules struct {
	// Grace is the fraction of the RPO tolerated before a breach is reported,
	// so a snapshot that takes a minute to complete does not flap. [assumption] 0.1.
	Grace float64 `yaml:"grace" json:"grace"`
	// CriticalFactor: newest recovery point older than this many RPOs (or none
	// at all) is critical. [assumption] 2.
	CriticalFactor float64 `yaml:"critical_factor" json:"critical_factor"`
}

// ReplicationRules govern replication lag checks.
type ReplicationRules struct {
	// LagWarningRatio: lag/schedule at or above it is medium. AIQUM 150 % [1.2, 2.5].
	LagWarningRatio float64 `yaml:"lag_warning_ratio" json:"lag_warning_ratio"`
	// LagErrorRatio: lag/schedule at or above it is high. AIQUM 250 % [1.2, 2.5].
	LagErrorRatio float64 `yaml:"lag_error_ratio" json:"lag_error_ratio"`
	// LagCriticalRatio: lag/schedule at or above it is critical: the replica
	// is that many transfers behind, whatever RPO is stated. [assumption] 5
	// (twice the AIQUM error level, as RPO.CriticalFactor is twice the RPO).
	LagCriticalRatio float64 `yaml:"lag_critical_ratio" json:"lag_critical_ratio"`
}

// OperationRules govern the failed and stuck operation checks.
type OperationRules struct {
	// Window: failures that ended longer ago are not reported. [assumption] 7d.
	Window inventory.Duration `yaml:"window" json:"window"`
	// StreakHigh: this many consecutive failures is high (a deterministic
	// error, not bad luck). Reference "≥3 consecutive failures" (Vault) [2.4].
	StreakHigh int `yaml:"streak_high" json:"streak_high"`
	// StuckAfter: a running operation older than this is reported. [assumption] 6h.
	StuckAfter inventory.Duration `yaml:"stuck_after" json:"stuck_after"`
}

// ExpiryRules govern the expiring recovery point check.
type ExpiryRules struct {
	// Window: the newest copy expiring within it, with no newer copy due, is
	// reported. [assumption] 48h.
	Window inventory.Duration `yaml:"window" json:"window"`
}

// CopyRules are the 3-2-1-1-0 rule (3 copies, 2 media, 1 offsite,
// 1 immutable, 0 errors) [3.4].
type CopyRules struct {
	MinCopies    int `yaml:"min_copies" json:"min_copies"`       // 3 [3.4]
	MinMedia     int `yaml:"min_media" json:"min_media"`         // 2 [3.4]
	MinOffsite   int `yaml:"min_offsite" json:"min_offsite"`     // 1 [3.4]
	MinImmutable int `yaml:"min_immutable" json:"min_immutable"` // 1 [3.4]
	// VerificationMaxAge: a restore test or verification must be this recent
	// for the "0". Quarterly, as the SOX ITGC choice [4]: 92d.
	VerificationMaxAge inventory.Duration `yaml:"verification_max_age" json:"verification_max_age"`
	// DistinctSystemIsMedia counts a copy on another storage system (another
	// target) as a second medium. The reference counts only object/cloud
	// tiers [3.4, assumption]; we count a separate array as a separate
	// hardware failure domain. [assumption] true.
	DistinctSystemIsMedia bool `yaml:"distinct_system_is_media" json:"distinct_system_is_media"`
	// ScopeTags limit the health check to tagged entities; empty: every
	// protected entity. [assumption] empty.
	ScopeTags []string `yaml:"scope_tags" json:"scope_tags"`
}

// CapacityRules govern capacity runway prediction [2.1].
type CapacityRules struct {
	// WindowsDays are the look-back windows, all ending now; the best R² wins.
	// Chamness 7..90 days [2.1]; 7 is below MinSamples so it is left out.
	WindowsDays []int `yaml:"windows_days" json:"windows_days"`
	// MinSamples daily points for a fit. Vault "capacity projection needs ≥14 daily samples" [2.2].
	MinSamples int `yaml:"min_samples" json:"min_samples"`
	// MinR2 for a date to be given. Chamness "report a date only if R² > 0.9" [2.1].
	MinR2 float64 `yaml:"min_r2" json:"min_r2"`
	// HorizonDays: dates further out are not reported. Digital Advisor 6 months [1.2, 2.1].
	HorizonDays float64 `yaml:"horizon_days" json:"horizon_days"`
	// Probabilistic runway (Brownian motion with drift, Kumar & Chamness):
	// alert when P(full within 30d) > P30 or P(full within 7d) > P7. [2.1, assumption] 0.5 / 0.2.
	P30 float64 `yaml:"p30" json:"p30"`
	P7  float64 `yaml:"p7" json:"p7"`
}

// LagTrendRules govern replication lag trend prediction [2.5].
type LagTrendRules struct {
	// Window of lag history used. [assumption] 7d.
	Window inventory.Duration `yaml:"window" json:"window"`
	// MinSamples buckets (one per schedule interval, at least an hour; the
	// peak lag of each) for a trend. [assumption] 6.
	MinSamples int `yaml:"min_samples" json:"min_samples"`
	// MinR2 for a breach time to be given. [assumption] 0.6 (lag is saw-toothed).
	MinR2 float64 `yaml:"min_r2" json:"min_r2"`
	// Horizon: breaches further out are not reported. [assumption] 7d.
	Horizon inventory.Duration `yaml:"horizon" json:"horizon"`
	// ThroughputMargin: median transfer rate below this multiple of the rate
	// the change needs predicts a lag spiral. Reference 1.2 [2.5].
	ThroughputMargin float64 `yaml:"throughput_margin" json:"throughput_margin"`
	// MinTransfers for the throughput check. [assumption] 3.
	MinTransfers int `yaml:"min_transfers" json:"min_transfers"`
}

// AnomalyRules govern change-rate anomaly detection (ransomware-like churn) [2.2].
type AnomalyRules struct {
	// ZThreshold on the modified z-score. Iglewicz–Hoaglin 3.5 [2.2].
	ZThreshold float64 `yaml:"z_threshold" json:"z_threshold"`
	// MADScale: M = MADScale·(x−median)/MAD. 0.6745 [2.2].
	MADScale float64 `yaml:"mad_scale" json:"mad_scale"`
	// MeanADScale when MAD = 0: M = (x−median)/(MeanADScale·MeanAbsDev). 1.2533 [2.2].
	MeanADScale float64 `yaml:"mean_ad_scale" json:"mean_ad_scale"`
	// ProvisionalHistory samples give a provisional baseline (guard rules only,
	// severity one level lower); MinHistory an active one. Vault 3 / 10 [2.2].
	ProvisionalHistory int `yaml:"provisional_history" json:"provisional_history"`
	MinHistory         int `yaml:"min_history" json:"min_history"`
	// BaselineWindow: the baseline is the previous this-many samples. Vault 10 [2.2].
	BaselineWindow int `yaml:"baseline_window" json:"baseline_window"`
	// Samples are judged as rates (bytes per day over each delta between
	// consecutive snapshots or recovery points), so the two gates below are
	// per day.
	// MinAbsoluteBytes per day a sample's rate must differ from the median by. [assumption] 1 GiB.
	MinAbsoluteBytes int64 `yaml:"min_absolute_bytes" json:"min_absolute_bytes"`
	// MinRelativeChange of the entity's used size per day the difference must reach. AIQUM growth > 1 % [1.2, 2.2].
	MinRelativeChange float64 `yaml:"min_relative_change" json:"min_relative_change"`
	// MADFloorFraction of the median floors the spread, so near-constant
	// histories do not turn noise into huge z-scores. [assumption] 0.05.
	MADFloorFraction float64 `yaml:"mad_floor_fraction" json:"mad_floor_fraction"`
	// Guard rules that always fire: above SpikeMultiple × median, below
	// ShrinkFraction × median. Reference 5× and 50 % [2.2].
	SpikeMultiple  float64 `yaml:"spike_multiple" json:"spike_multiple"`
	ShrinkFraction float64 `yaml:"shrink_fraction" json:"shrink_fraction"`
	// ZMinRatio: the robust z rule also needs the sample to be at least this
	// many times the median (spike) or at most the median divided by it
	// (shrink), so that steady growth on a very regular volume (tiny spread,
	// huge z) does not read as ransomware. [assumption] 2.
	ZMinRatio float64 `yaml:"z_min_ratio" json:"z_min_ratio"`
	// OnsetRatio and OnsetZ: once a spike is found, each delta just before
	// it whose rate is at least OnsetRatio × the baseline median or has a
	// robust z above OnsetZ is taken as the attack's start (it began inside
	// that delta and was diluted by normal change), so the snapshot that
	// closes it is not trusted. They only move a clean cut-off earlier,
	// never raise a finding. [assumption] 1.5 / 2.
	OnsetRatio float64 `yaml:"onset_ratio" json:"onset_ratio"`
	OnsetZ     float64 `yaml:"onset_z" json:"onset_z"`
	// RecentWindow: Predict reports anomalies this recent; Health treats them
	// as open. [assumption] 7d.
	RecentWindow inventory.Duration `yaml:"recent_window" json:"recent_window"`
	// CorroborationWindow: a ransomware event or anti-ransomware snapshot
	// this close to a spike escalates it to critical. [2.2, assumption] 24h.
	CorroborationWindow inventory.Duration `yaml:"corroboration_window" json:"corroboration_window"`
	// RansomwareEventMarkers: an event whose name contains one of these
	// (case-insensitive) is a ransomware signal (ONTAP arw.* EMS events). [1.2]
	RansomwareEventMarkers []string `yaml:"ransomware_event_markers" json:"ransomware_event_markers"`
}

// FailureRiskRules govern per-entity failure prediction [2.4].
type FailureRiskRules struct {
	// Window of operation history. Reference failrate_30d [2.4].
	Window inventory.Duration `yaml:"window" json:"window"`
	// Kinds of operations that count. [assumption] snapshot, replication.
	Kinds []string `yaml:"kinds" json:"kinds"`
	// Beta prior on the failure rate: p = (f+PriorAlpha)/(n+PriorAlpha+PriorBeta).
	// Reference p̂=(f+1)/(n+20) [2.4]: alpha 1, beta 19.
	PriorAlpha float64 `yaml:"prior_alpha" json:"prior_alpha"`
	PriorBeta  float64 `yaml:"prior_beta" json:"prior_beta"`
	// StreakPriorWeight: P(fail | last failed) is estimated from the
	// entity's own failure-to-failure transitions with a Beta prior centred
	// on its overall failure rate (above) and worth this many transitions,
	// so one failure among many successes is not read as a coin flip (a
	// Laplace prior said 50 % after 1 failure in 41 runs); a streak moves it
	// quickly. [assumption] 10.
	StreakPriorWeight float64 `yaml:"streak_prior_weight" json:"streak_prior_weight"`
	// AlertProbability: lower predictions are not reported (unless the last
	// run failed). [assumption] 0.2.
	AlertProbability float64 `yaml:"alert_probability" json:"alert_probability"`
}

// RecoveryRules govern recovery recommendations [3].
type RecoveryRules struct {
	// RansomwareDwell: with no anomaly evidence, points this close before a
	// ransomware incident are held back. Reference 24–72 h [3.1]: 24h.
	RansomwareDwell inventory.Duration `yaml:"ransomware_dwell" json:"ransomware_dwell"`
	// AnomalyLookback before the incident in which the first anomalous
	// change sample or ransomware event sets the clean cut-off. [assumption] 7d.
	AnomalyLookback inventory.Duration `yaml:"anomaly_lookback" json:"anomaly_lookback"`
	// PreferenceWindow: among clean points this close to the newest one,
	// preferences (application-consistent, locked, ...) outrank recency.
	// [assumption] 24h.
	PreferenceWindow inventory.Duration `yaml:"preference_window" json:"preference_window"`
	// MaxRecoveryPoints offered and MaxOptions (point × method) in total.
	// Reference "the chosen point and a fallback" [3.1]; [assumption] 3 / 4.
	MaxRecoveryPoints int `yaml:"max_recovery_points" json:"max_recovery_points"`
	MaxOptions        int `yaml:"max_options" json:"max_options"`
	// RTO = decide + provision + data + verify [3.3].
	DecideTime    inventory.Duration `yaml:"decide_time" json:"decide_time"`       // [assumption] 15m
	ProvisionTime inventory.Duration `yaml:"provision_time" json:"provision_time"` // [assumption] 5m
	// MetadataOpTime: data time of a snapshot revert/clone with no observed
	// history ("roughly constant", [3.3]). [assumption] 2m.
	MetadataOpTime inventory.Duration `yaml:"metadata_op_time" json:"metadata_op_time"`
	// VerifyFraction of the data time, at least VerifyMin. Reference 15–25 % [3.3]: 0.2; [assumption] 10m.
	VerifyFraction float64            `yaml:"verify_fraction" json:"verify_fraction"`
	VerifyMin      inventory.Duration `yaml:"verify_min" json:"verify_min"`
	// ScanThroughput (bytes/s) at which a ransomware recovery's verification
	// reads the restored data (scan or inspection before it is promoted), so
	// its RTO grows with the data: verify = max(VerifyMin, size / rate).
	// [assumption] 200 MiB/s.
	ScanThroughput int64 `yaml:"scan_throughput_bytes_per_second" json:"scan_throughput_bytes_per_second"`
	// FallbackThroughput (bytes/s) when the estate has no observed restore or
	// transfer rates. [assumption] 100 MiB/s.
	FallbackThroughput int64 `yaml:"fallback_throughput_bytes_per_second" json:"fallback_throughput_bytes_per_second"`
	// ThroughputPercentile of observed rates (pessimistic). Reference p10 [3.3].
	ThroughputPercentile float64 `yaml:"throughput_percentile" json:"throughput_percentile"`
	// DurationPercentile of observed operation durations. [assumption] 90.
	DurationPercentile float64 `yaml:"duration_percentile" json:"duration_percentile"`
	// MinObservations before observed rates or durations are used. [assumption] 3.
	MinObservations int `yaml:"min_observations" json:"min_observations"`
	// TargetRTO the estimate is compared with. AWS RESTORE_TIME_FOR_RESOURCES_MEET_TARGET example 720 min [1.1].
	TargetRTO inventory.Duration `yaml:"target_rto" json:"target_rto"`
}

// OptimizeRules govern schedule and retention suggestions.
type OptimizeRules struct {
	// StandardIntervals schedules are proposed from. [assumption] the usual
	// Nutanix/ONTAP schedules 5m..24h.
	StandardIntervals []inventory.Duration `yaml:"standard_intervals" json:"standard_intervals"`
	// OverFrequentFactor: a schedule this many times shorter than the RPO is a
	// candidate for thinning. [assumption] 4.
	OverFrequentFactor float64 `yaml:"over_frequent_factor" json:"over_frequent_factor"`
	// LowChangeFraction: daily change below this fraction of used space is
	// low. Typical is 2–5 %/day [5]; [assumption] 0.01.
	LowChangeFraction float64 `yaml:"low_change_fraction" json:"low_change_fraction"`
	// MinRetention a policy needs unless a compliance scope says more. AWS requiredRetentionDays 35 [1.1].
	MinRetention inventory.Duration `yaml:"min_retention" json:"min_retention"`
}

// ComplianceRules govern the compliance control sets [4].
type ComplianceRules struct {
	// MaxAffected entities listed per control (the count is always given). [assumption] 20.
	MaxAffected int `yaml:"max_affected" json:"max_affected"`
	// LastRecoveryPointMaxAge. AWS BACKUP_LAST_RECOVERY_POINT_CREATED 1 day [1.1].
	LastRecoveryPointMaxAge inventory.Duration `yaml:"last_recovery_point_max_age" json:"last_recovery_point_max_age"`
	// MaxRestoreTime of observed restores. AWS RESTORE_TIME_FOR_RESOURCES_MEET_TARGET 720 min [1.1].
	MaxRestoreTime inventory.Duration `yaml:"max_restore_time" json:"max_restore_time"`
	SOX            SOXRules           `yaml:"sox" json:"sox"`
	HIPAA          HIPAARules         `yaml:"hipaa" json:"hipaa"`
	GDPR           GDPRRules          `yaml:"gdpr" json:"gdpr"`
	// Rule32110ScopeTags: empty means every protected entity.
	Rule32110ScopeTags []string `yaml:"rule_3_2_1_1_0_scope_tags" json:"rule_3_2_1_1_0_scope_tags"`
}

// SOXRules [4].
type SOXRules struct {
	// ScopeTags select in-scope entities; empty means all. [assumption] sox, financial.
	ScopeTags []string `yaml:"scope_tags" json:"scope_tags"`
	// Retention: 17 CFR 210.2-06, 7 years = 2555d [4].
	Retention inventory.Duration `yaml:"retention" json:"retention"`
	// RestoreTestMaxAge: quarterly recovery test (ITGC) ≤ 92d [4].
	RestoreTestMaxAge inventory.Duration `yaml:"restore_test_max_age" json:"restore_test_max_age"`
}

// HIPAARules [4].
type HIPAARules struct {
	// ScopeTags [assumption] hipaa, phi, ephi.
	ScopeTags []string `yaml:"scope_tags" json:"scope_tags"`
	// RestoreTestMaxAge: 164.308(a)(7)(ii)(D) testing; [assumption] yearly 365d.
	RestoreTestMaxAge inventory.Duration `yaml:"restore_test_max_age" json:"restore_test_max_age"`
	// CriticalityTags: 164.308(a)(7)(ii)(E) criticality analysis evidenced by
	// a criticality tag. [assumption]
	CriticalityTags []string `yaml:"criticality_tags" json:"criticality_tags"`
}

// GDPRRules [4].
type GDPRRules struct {
	// ScopeTags [assumption] gdpr, pii, personal_data.
	ScopeTags []string `yaml:"scope_tags" json:"scope_tags"`
	// RestoreTestMaxAge: Art. 32(1)(d) regular testing; [assumption] 365d.
	RestoreTestMaxAge inventory.Duration `yaml:"restore_test_max_age" json:"restore_test_max_age"`
	// MaxResidualAge: Art. 17 erasure; copies "beyond use" until they expire,
	// so every copy must expire within this. [assumption] 365d.
	MaxResidualAge inventory.Duration `yaml:"max_residual_age" json:"max_residual_age"`
	// DetectionMaxAge: Art. 33 72 h notification needs change monitoring at
	// least this fresh [4].
	DetectionMaxAge inventory.Duration `yaml:"detection_max_age" json:"detection_max_age"`
}

// ScoreRules weigh findings in the health score (see Health).
type ScoreRules struct {
	Critical float64 `yaml:"critical" json:"critical"` // [assumption] 1.0
	High     float64 `yaml:"high" json:"high"`         // [assumption] 0.4
	Medium   float64 `yaml:"medium" json:"medium"`     // [assumption] 0.15
	Low      float64 `yaml:"low" json:"low"`           // [assumption] 0.05
	// CapCritical / CapHigh: the most the score can be with any critical /
	// high finding. [assumption] 59 / 89.
	CapCritical int `yaml:"cap_critical" json:"cap_critical"`
	CapHigh     int `yaml:"cap_high" json:"cap_high"`
}

// DefaultRules returns the shipped defaults (sources on each field).
func DefaultRules() Rules {
	h := func(d time.Duration) inventory.Duration { return inventory.Duration(d) }
	return Rules{
		CriticalTags: []string{"critical", "database", "production", "tier1"},
		Tiers:        DefaultTierRules(),
		Volume: VolumeRules{
			NearlyFullPercent:          80,
			FullPercent:                90,
			CriticalPercent:            98,
			SnapshotReserveFullPercent: 90,
			SnapshotCountWarning:       1000,
			SnapshotCountMax:           1023,
			DaysUntilFull:              15,
			ReserveDaysUntilFull:       7,
		},
		RPO:         RPORules{Grace: 0.1, CriticalFactor: 2},
		Replication: ReplicationRules{LagWarningRatio: 1.5, LagErrorRatio: 2.5, LagCriticalRatio: 5},
		Operations:  OperationRules{Window: inventory.Days(7), StreakHigh: 3, StuckAfter: h(6 * time.Hour)},
		Expiry:      ExpiryRules{Window: h(48 * time.Hour)},
		Copies: CopyRules{
			MinCopies: 3, MinMedia: 2, MinOffsite: 1, MinImmutable: 1,
			VerificationMaxAge:    inventory.Days(92),
			DistinctSystemIsMedia: true,
		},
		Capacity: CapacityRules{
			WindowsDays: []int{14, 30, 60, 90},
			MinSamples:  14,
			MinR2:       0.9,
			HorizonDays: 180,
			P30:         0.5,
			P7:          0.2,
		},
		LagTrend: LagTrendRules{
			Window:           inventory.Days(7),
			MinSamples:       6,
			MinR2:            0.6,
			Horizon:          inventory.Days(7),
			ThroughputMargin: 1.2,
			MinTransfers:     3,
		},
		Anomaly: AnomalyRules{
			ZThreshold:             3.5,
			MADScale:               0.6745,
			MeanADScale:            1.2533,
			ProvisionalHistory:     3,
			MinHistory:             10,
			BaselineWindow:         10,
			MinAbsoluteBytes:       1 << 30,
			MinRelativeChange:      0.01,
			MADFloorFraction:       0.05,
			SpikeMultiple:          5,
			ZMinRatio:              2,
			ShrinkFraction:         0.5,
			OnsetRatio:             1.5,
			OnsetZ:                 2,
			RecentWindow:           inventory.Days(7),
			CorroborationWindow:    h(24 * time.Hour),
			RansomwareEventMarkers: []string{"arw", "ransomware"},
		},
		FailureRisk: FailureRiskRules{
			Window:            inventory.Days(30),
			Kinds:             []string{inventory.OpSnapshot, inventory.OpReplication},
			PriorAlpha:        1,
			PriorBeta:         19,
			StreakPriorWeight: 10,
			AlertProbability:  0.2,
		},
		Recovery: RecoveryRules{
			ScanThroughput:       200 << 20,
			RansomwareDwell:      h(24 * time.Hour),
			AnomalyLookback:      inventory.Days(7),
			PreferenceWindow:     h(24 * time.Hour),
			MaxRecoveryPoints:    3,
			MaxOptions:           4,
			DecideTime:           h(15 * time.Minute),
			ProvisionTime:        h(5 * time.Minute),
			MetadataOpTime:       h(2 * time.Minute),
			VerifyFraction:       0.2,
			VerifyMin:            h(10 * time.Minute),
			FallbackThroughput:   100 << 20,
			ThroughputPercentile: 10,
			DurationPercentile:   90,
			MinObservations:      3,
			TargetRTO:            h(12 * time.Hour),
		},
		Optimize: OptimizeRules{
			StandardIntervals: []inventory.Duration{
				h(5 * time.Minute), h(15 * time.Minute), h(30 * time.Minute), h(time.Hour),
				h(2 * time.Hour), h(4 * time.Hour), h(6 * time.Hour), h(8 * time.Hour),
				h(12 * time.Hour), h(24 * time.Hour),
			},
			OverFrequentFactor: 4,
			LowChangeFraction:  0.01,
			MinRetention:       inventory.Days(35),
		},
		Compliance: ComplianceRules{
			MaxAffected:             20,
			LastRecoveryPointMaxAge: inventory.Days(1),
			MaxRestoreTime:          h(12 * time.Hour),
			SOX: SOXRules{
				ScopeTags:         []string{"sox", "financial"},
				Retention:         inventory.Days(2555),
				RestoreTestMaxAge: inventory.Days(92),
			},
			HIPAA: HIPAARules{
				ScopeTags:         []string{"hipaa", "phi", "ephi"},
				RestoreTestMaxAge: inventory.Days(365),
				CriticalityTags:   []string{"critical", "tier1", "tier2", "tier3", "criticality"},
			},
			GDPR: GDPRRules{
				ScopeTags:         []string{"gdpr", "pii", "personal_data"},
				RestoreTestMaxAge: inventory.Days(365),
				MaxResidualAge:    inventory.Days(365),
				DetectionMaxAge:   h(72 * time.Hour),
			},
		},
		Score: ScoreRules{Critical: 1, High: 0.4, Medium: 0.15, Low: 0.05, CapCritical: 59, CapHigh: 89},
	}
}

// nonFiniteFloats calls bad for every NaN or infinite float in v, named by
// its YAML key path.
func nonFiniteFloats(v reflect.Value, path string, bad func(string, float64)) {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			bad(path, f)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				name = sf.Name
			}
			if path != "" {
				name = path + "." + name
			}
			nonFiniteFloats(v.Field(i), name, bad)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			nonFiniteFloats(v.Index(i), fmt.Sprintf("%s[%d]", path, i), bad)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			nonFiniteFloats(v.MapIndex(k), fmt.Sprintf("%s.%v", path, k), bad)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			nonFiniteFloats(v.Elem(), path, bad)
		}
	}
}

// Validate reports every inconsistent or out-of-range rule.
func (r Rules) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	percent := func(field string, v float64) {
		if v <= 0 || v > 100 {
			bad(field, "%v is not a percentage in (0, 100]", v)
		}
	}
	positive := func(field string, v float64) {
		if !(v > 0) {
			bad(field, "must be > 0, got %v", v)
		}
	}
	positiveDur := func(field string, d inventory.Duration) {
		if d <= 0 {
			bad(field, "must be a positive duration, got %s", d.Human())
		}
	}
	fraction := func(field string, v float64, inclusiveZero bool) {
		if v < 0 || v > 1 || (!inclusiveZero && v == 0) {
			bad(field, "must be a fraction in [0, 1], got %v", v)
		}
	}
	minInt := func(field string, v, lo int) {
		if v < lo {
			bad(field, "must be ≥ %d, got %d", lo, v)
		}
	}
	// NaN and infinities pass most range checks below (every comparison
	// with NaN is false) and would silently switch a rule off.
	nonFiniteFloats(reflect.ValueOf(r), "", func(field string, v float64) { bad(field, "must be a finite number, got %v", v) })

	v := r.Volume
	percent("volume.nearly_full_percent", v.NearlyFullPercent)
	percent("volume.full_percent", v.FullPercent)
	percent("volume.critical_percent", v.CriticalPercent)
	percent("volume.snapshot_reserve_full_percent", v.SnapshotReserveFullPercent)
	if !(v.NearlyFullPercent < v.FullPercent && v.FullPercent <= v.CriticalPercent) {
		bad("volume", "need nearly_full_percent < full_percent ≤ critical_percent, got %v, %v, %v",
			v.NearlyFullPercent, v.FullPercent, v.CriticalPercent)
	}
	minInt("volume.snapshot_count_warning", v.SnapshotCountWarning, 1)
	if v.SnapshotCountMax < v.SnapshotCountWarning {
		bad("volume.snapshot_count_max", "must be ≥ snapshot_count_warning (%d), got %d", v.SnapshotCountWarning, v.SnapshotCountMax)
	}
	positive("volume.days_until_full", v.DaysUntilFull)
	positive("volume.reserve_days_until_full", v.ReserveDaysUntilFull)

	if r.RPO.Grace < 0 || r.RPO.Grace >= 1 {
		bad("rpo.grace", "must be in [0, 1), got %v", r.RPO.Grace)
	}
	if r.RPO.CriticalFactor < 1+r.RPO.Grace {
		bad("rpo.critical_factor", "must be ≥ 1 + grace, got %v", r.RPO.CriticalFactor)
	}
	positive("replication.lag_warning_ratio", r.Replication.LagWarningRatio)
	if r.Replication.LagCriticalRatio < r.Replication.LagErrorRatio {
		bad("replication.lag_critical_ratio", "must be ≥ lag_error_ratio")
	}
	if r.Replication.LagErrorRatio < r.Replication.LagWarningRatio {
		bad("replication.lag_error_ratio", "must be ≥ lag_warning_ratio")
	}
	positiveDur("operations.window", r.Operations.Window)
	minInt("operations.streak_high", r.Operations.StreakHigh, 1)
	positiveDur("operations.stuck_after", r.Operations.StuckAfter)
	positiveDur("expiry.window", r.Expiry.Window)

	c := r.Copies
	minInt("copies.min_copies", c.MinCopies, 1)
	minInt("copies.min_media", c.MinMedia, 1)
	minInt("copies.min_offsite", c.MinOffsite, 0)
	minInt("copies.min_immutable", c.MinImmutable, 0)
	positiveDur("copies.verification_max_age", c.VerificationMaxAge)

	cp := r.Capacity
	if len(cp.WindowsDays) == 0 {
		bad("capacity.windows_days", "needs at least one window")
	}
	for _, w := range cp.WindowsDays {
		if w < 2 {
			bad("capacity.windows_days", "window %d is shorter than 2 days", w)
		}
	}
	minInt("capacity.min_samples", cp.MinSamples, 3)
	fraction("capacity.min_r2", cp.MinR2, true)
	positive("capacity.horizon_days", cp.HorizonDays)
	fraction("capacity.p30", cp.P30, false)
	fraction("capacity.p7", cp.P7, false)

	lt := r.LagTrend
	positiveDur("lag_trend.window", lt.Window)
	minInt("lag_trend.min_samples", lt.MinSamples, 3)
	fraction("lag_trend.min_r2", lt.MinR2, true)
	positiveDur("lag_trend.horizon", lt.Horizon)
	positive("lag_trend.throughput_margin", lt.ThroughputMargin)
	minInt("lag_trend.min_transfers", lt.MinTransfers, 1)

	a := r.Anomaly
	positive("anomaly.z_threshold", a.ZThreshold)
	positive("anomaly.mad_scale", a.MADScale)
	positive("anomaly.mean_ad_scale", a.MeanADScale)
	minInt("anomaly.provisional_history", a.ProvisionalHistory, 2)
	if a.MinHistory < a.ProvisionalHistory {
		bad("anomaly.min_history", "must be ≥ provisional_history")
	}
	if a.BaselineWindow < a.MinHistory {
		bad("anomaly.baseline_window", "must be ≥ min_history (%d), got %d", a.MinHistory, a.BaselineWindow)
	}
	if a.MinAbsoluteBytes < 0 {
		bad("anomaly.min_absolute_bytes", "must be ≥ 0")
	}
	fraction("anomaly.min_relative_change", a.MinRelativeChange, true)
	fraction("anomaly.mad_floor_fraction", a.MADFloorFraction, true)
	if a.SpikeMultiple <= 1 {
		bad("anomaly.spike_multiple", "must be > 1, got %v", a.SpikeMultiple)
	}
	if a.ZMinRatio < 1 {
		bad("anomaly.z_min_ratio", "must be ≥ 1, got %v", a.ZMinRatio)
	}
	fraction("anomaly.shrink_fraction", a.ShrinkFraction, true)
	if a.OnsetRatio <= 1 {
		bad("anomaly.onset_ratio", "must be > 1, got %v", a.OnsetRatio)
	}
	positive("anomaly.onset_z", a.OnsetZ)
	if r.Tiers.DefaultTier < 1 {
		bad("tiers.default_tier", "must be ≥ 1, got %d", r.Tiers.DefaultTier)
	}
	for i, tr := range r.Tiers.Rules {
		if tr.Tier < 0 {
			bad(fmt.Sprintf("tiers.rules[%d].tier", i), "must be ≥ 0 (0: no tier), got %d", tr.Tier)
		}
		for _, p := range slices.Concat(tr.Names, tr.SVMs, tr.Clusters) {
			if _, err := path.Match(p, ""); err != nil {
				bad(fmt.Sprintf("tiers.rules[%d]", i), "bad pattern %q: %v", p, err)
			}
		}
	}
	positiveDur("anomaly.recent_window", a.RecentWindow)
	positiveDur("anomaly.corroboration_window", a.CorroborationWindow)

	f := r.FailureRisk
	positiveDur("failure_risk.window", f.Window)
	if len(f.Kinds) == 0 {
		bad("failure_risk.kinds", "needs at least one operation kind")
	}
	positive("failure_risk.prior_alpha", f.PriorAlpha)
	positive("failure_risk.prior_beta", f.PriorBeta)
	positive("failure_risk.streak_prior_weight", f.StreakPriorWeight)
	fraction("failure_risk.alert_probability", f.AlertProbability, false)

	rc := r.Recovery
	if rc.RansomwareDwell < 0 {
		bad("recovery.ransomware_dwell", "must be ≥ 0")
	}
	positiveDur("recovery.anomaly_lookback", rc.AnomalyLookback)
	if rc.PreferenceWindow < 0 {
		bad("recovery.preference_window", "must be ≥ 0")
	}
	minInt("recovery.max_recovery_points", rc.MaxRecoveryPoints, 1)
	minInt("recovery.max_options", rc.MaxOptions, 1)
	for name, d := range map[string]inventory.Duration{
		"recovery.decide_time": rc.DecideTime, "recovery.provision_time": rc.ProvisionTime,
		"recovery.metadata_op_time": rc.MetadataOpTime, "recovery.verify_min": rc.VerifyMin,
	} {
		if d < 0 {
			bad(name, "must be ≥ 0")
		}
	}
	fraction("recovery.verify_fraction", rc.VerifyFraction, true)
	if rc.FallbackThroughput <= 0 {
		bad("recovery.fallback_throughput_bytes_per_second", "must be > 0")
	}
	if rc.ScanThroughput < 0 {
		bad("recovery.scan_throughput_bytes_per_second", "must be ≥ 0 (0: no scan time)")
	}
	if rc.ThroughputPercentile <= 0 || rc.ThroughputPercentile >= 100 {
		bad("recovery.throughput_percentile", "must be in (0, 100)")
	}
	if rc.DurationPercentile <= 0 || rc.DurationPercentile >= 100 {
		bad("recovery.duration_percentile", "must be in (0, 100)")
	}
	minInt("recovery.min_observations", rc.MinObservations, 1)
	positiveDur("recovery.target_rto", rc.TargetRTO)

	o := r.Optimize
	if len(o.StandardIntervals) == 0 {
		bad("optimize.standard_intervals", "needs at least one interval")
	}
	for _, d := range o.StandardIntervals {
		if d <= 0 {
			bad("optimize.standard_intervals", "interval %s is not positive", d.Human())
		}
	}
	if o.OverFrequentFactor < 2 {
		bad("optimize.over_frequent_factor", "must be ≥ 2, got %v", o.OverFrequentFactor)
	}
	fraction("optimize.low_change_fraction", o.LowChangeFraction, false)
	positiveDur("optimize.min_retention", o.MinRetention)

	cm := r.Compliance
	minInt("compliance.max_affected", cm.MaxAffected, 0)
	positiveDur("compliance.last_recovery_point_max_age", cm.LastRecoveryPointMaxAge)
	positiveDur("compliance.max_restore_time", cm.MaxRestoreTime)
	positiveDur("compliance.sox.retention", cm.SOX.Retention)
	positiveDur("compliance.sox.restore_test_max_age", cm.SOX.RestoreTestMaxAge)
	positiveDur("compliance.hipaa.restore_test_max_age", cm.HIPAA.RestoreTestMaxAge)
	positiveDur("compliance.gdpr.restore_test_max_age", cm.GDPR.RestoreTestMaxAge)
	positiveDur("compliance.gdpr.max_residual_age", cm.GDPR.MaxResidualAge)
	positiveDur("compliance.gdpr.detection_max_age", cm.GDPR.DetectionMaxAge)

	s := r.Score
	for name, w := range map[string]float64{"score.critical": s.Critical, "score.high": s.High, "score.medium": s.Medium, "score.low": s.Low} {
		if w < 0 || w > 1 {
			bad(name, "weight must be in [0, 1], got %v", w)
		}
	}
	if s.CapCritical < 0 || s.CapCritical > 100 || s.CapHigh < 0 || s.CapHigh > 100 {
		bad("score", "caps must be in [0, 100]")
	}

	// Some checks above iterate maps; sort for a stable message.
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}
