package redis

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Option configures the plugin; see connectors.PluginOption.
type Option = connectors.PluginOption

// WithLogger gives the plugin's connectors and tasks a logger. Nil keeps the
// default, a no-op logger.
func WithLogger(l *zap.Logger) Option { return connectors.WithPluginLogger(l) }

// Plugin declares RedisSink for the registry.
func Plugin(opts ...Option) connectors.Plugin {
	o := connectors.ResolvePluginOptions(opts...)
	return connectors.Plugin{
		Class: Class, Aliases: []string{Alias}, Type: connectors.PluginSink, Version: Version, Spec: Spec,
		NewSink: func() connectors.SinkConnector { return &Connector{log: o.Logger} },
	}
}

// Connector is the RedisSink connector. Tasks are independent: each writes
// the records of its partitions, and Kafka's keyed partitioning keeps all
// records of a hash in one task, so per-key ordering holds.
type Connector struct {
	log *zap.Logger
}

var (
	_ connectors.SinkConnector  = (*Connector)(nil)
	_ connectors.CrossValidator = (*Connector)(nil)
)

// ValidateConfig implements connectors.CrossValidator.
func (c *Connector) ValidateConfig(cfg *connectors.Config) []connectors.FieldError {
	s, errs := settingsFrom(cfg)
	if len(errs) == 0 {
		if _, err := s.tls.config(); err != nil {
			errs = append(errs, connectors.FieldError{Key: SSLCAPathConfig, Message: err.Error()})
		}
	}
	return errs
}

// Start implements connectors.Connector.
func (c *Connector) Start(_ context.Context, _ connectors.ConnectorContext, cfg *connectors.Config) error {
	if errs := c.ValidateConfig(cfg); len(errs) > 0 {
		return fmt.Errorf("starting redis sink: %w", connectors.FieldErrors(errs))
	}
	return nil
}

// TaskConfigs implements connectors.Connector: every task gets the
// connector config unchanged.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connectors.SameTaskConfigs(maxTasks), nil
}

// Stop implements connectors.Connector.
func (c *Connector) Stop() error { return nil }

// NewTask implements connectors.SinkConnector.
func (c *Connector) NewTask() connectors.SinkTask { return &Task{log: c.log} }
