package targets

import (
	"fmt"

	"github.com/recovery-mcp/recovery-mcp/clients/nutanix"
	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/config"
)

// Nutanix returns the Prism Central client of target t.
func (r *Registry) Nutanix(t config.Target) (*nutanix.Client, error) {
	if t.Kind != config.KindNutanix {
		return nil, fmt.Errorf("target %s is a %s target, not nutanix", t.Name, t.Kind)
	}
	c, err := r.client(t, func() (any, error) {
		tlsConf, err := TLSConfig(t)
		if err != nil {
			return nil, err
		}
		return nutanix.New(nutanix.Options{
			Endpoint:        t.Endpoint(),
			Username:        t.Username,
			Password:        t.Password.Reveal(),
			APIKey:          t.APIKey.Reveal(),
			APIVersion:      t.APIVersion,
			TLSConfig:       tlsConf,
			Timeout:         t.Timeout.D(),
			MaxConcurrency:  t.MaxConcurrency,
			Logger:          r.logger.With("target", t.Name),
			PollInterval:    r.pollMin,
			PollMaxInterval: r.pollMax,
			RetryWaitMin:    r.retryMin,
			RetryWaitMax:    r.retryMax,
		})
	})
	if err != nil {
		return nil, err
	}
	return c.(*nutanix.Client), nil
}

// ONTAP returns the ONTAP cluster client of target t.
func (r *Registry) ONTAP(t config.Target) (*ontap.Client, error) {
	if t.Kind != config.KindONTAP {
		return nil, fmt.Errorf("target %s is a %s target, not ontap", t.Name, t.Kind)
	}
	c, err := r.client(t, func() (any, error) {
		if t.Via != "" {
			return r.gatewayONTAP(t)
		}
		tlsConf, err := TLSConfig(t)
		if err != nil {
			return nil, err
		}
		return ontap.New(ontap.Options{
			Endpoint:        t.Endpoint(),
			Username:        t.Username,
			Password:        t.Password.Reveal(),
			TLSConfig:       tlsConf,
			Timeout:         t.Timeout.D(),
			MaxConcurrency:  t.MaxConcurrency,
			Logger:          r.logger.With("target", t.Name),
			PollInterval:    r.pollMin,
			PollMaxInterval: r.pollMax,
		})
	})
	if err != nil {
		return nil, err
	}
	return c.(*ontap.Client), nil
}
