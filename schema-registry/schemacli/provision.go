package schemacli

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// Provisioner registers the governed schemas (schema-registry/avro) under
// their subjects as a lifecycle step of `up`. Registering an unchanged schema
// returns its existing id, so a restart changes nothing; a changed .avsc
// becomes a new version if the subject's compatibility level accepts it, and
// stops the start with the registry's reason otherwise.
type Provisioner struct {
	url, userInfo string
	logger        *zap.Logger
	// IDs maps subject → registered schema id after Start.
	IDs map[string]int
}

var _ lifecycle.Component = (*Provisioner)(nil)

// NewProvisioner registers against the registry at url.
func NewProvisioner(url, userInfo string, logger *zap.Logger) *Provisioner {
	return &Provisioner{url: url, userInfo: userInfo, logger: logger, IDs: map[string]int{}}
}

// Name implements lifecycle.Component.
func (p *Provisioner) Name() string { return "schemas" }

// Start registers every governed schema.
func (p *Provisioner) Start(ctx context.Context) error {
	c, err := NewClient(p.url, p.userInfo)
	if err != nil {
		return err
	}
	for _, s := range avro.All() {
		id, err := c.Register(ctx, s.Subject, s.Text)
		if err != nil {
			return fmt.Errorf("registering %s from %s: %w", s.Subject, s.File, err)
		}
		p.IDs[s.Subject] = id
	}
	p.logger.Debug("governed schemas registered", zap.Any("ids", p.IDs))
	return nil
}

// Ready implements lifecycle.Component.
func (p *Provisioner) Ready(context.Context) error { return nil }

// Endpoints implements lifecycle.Component.
func (p *Provisioner) Endpoints() []lifecycle.Endpoint { return nil }

// Stop implements lifecycle.Component.
func (p *Provisioner) Stop(context.Context) error { return nil }
