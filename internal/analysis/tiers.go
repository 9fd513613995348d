package analysis

import (
	"path"
	"slices"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

// TierRules map entities to a business tier (1 most critical) and to
// compliance scopes, from their categories/tags, names, SVMs or clusters:
// config file section analysis.tiers. Every rule that matches adds its
// scopes; the first matching rule with a tier sets the tier; an entity no
// rule gives a tier gets DefaultTier. Findings rank by severity, then tier,
// then impact (data at risk); compliance frameworks take entities whose
// scopes name them ("sox", "hipaa", "gdpr") besides those carrying their
// scope tags.
type TierRules struct {
	DefaultTier int        `yaml:"default_tier" json:"default_tier"`
	Rules       []TierRule `yaml:"rules" json:"rules"`
}

// TierRule matches an entity when any of its lists matches (an empty rule
// matches nothing). Categories are tags ("key:value" as collected from
// Nutanix categories, or "value"), case-insensitive; Names, SVMs and
// Clusters are shell patterns (path.Match), case-insensitive.
type TierRule struct {
	Tier       int      `yaml:"tier" json:"tier"`
	Scopes     []string `yaml:"scopes" json:"scopes"`
	Categories []string `yaml:"categories" json:"categories"`
	Names      []string `yaml:"names" json:"names"`
	SVMs       []string `yaml:"svms" json:"svms"`
	Clusters   []string `yaml:"clusters" json:"clusters"`
}

// DefaultTierRules: tier 1 for entities tagged critical/tier 1 or carrying
// a database tag, tier 2 for production, tier 3 otherwise; compliance
// scopes from Compliance categories and the usual labels. [assumption]
func DefaultTierRules() TierRules {
	return TierRules{
		DefaultTier: 3,
		Rules: []TierRule{
			{Tier: 1, Categories: []string{"tier:1", "tier1", "criticality:critical", "businesscriticality:critical", "critical", "database"}},
			{Tier: 2, Categories: []string{"tier:2", "tier2", "environment:production", "production"}},
			{Scopes: []string{"sox"}, Categories: []string{"compliance:sox", "sox", "financial"}},
			{Scopes: []string{"hipaa"}, Categories: []string{"compliance:hipaa", "hipaa", "phi", "ephi"}},
			{Scopes: []string{"gdpr"}, Categories: []string{"compliance:gdpr", "gdpr", "pii", "personal_data"}},
		},
	}
}

func globAny(patterns []string, s string) bool {
	if s == "" {
		return false
	}
	s = strings.ToLower(s)
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), s); ok {
			return true
		}
	}
	return false
}

func (t TierRule) matches(en *inventory.Entity) bool {
	return en.HasAnyTag(t.Categories) || globAny(t.Names, en.Name) || globAny(t.SVMs, en.SVM) || globAny(t.Clusters, en.Cluster)
}

// Classify returns the entity's tier and compliance scopes.
func (tr TierRules) Classify(en *inventory.Entity) (tier int, scopes []string) {
	for _, r := range tr.Rules {
		if !r.matches(en) {
			continue
		}
		if tier == 0 && r.Tier > 0 {
			tier = r.Tier
		}
		for _, s := range r.Scopes {
			s = strings.ToLower(s)
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	if tier == 0 {
		tier = tr.DefaultTier
	}
	return tier, scopes
}

// InScope reports whether the entity is in a compliance scope by the tier
// rules.
func (tr TierRules) InScope(en *inventory.Entity, scope string) bool {
	_, s := tr.Classify(en)
	return slices.Contains(s, strings.ToLower(scope))
}
