package hbase

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Class names and version of the sink.
const (
	SinkClass = "io.retailpulse.connect.hbase.HBaseSinkConnector"
	Alias     = "HBaseSink"
	Version   = "1.0.0"
)

// Option configures the plugin; see connectors.PluginOption.
type Option = connectors.PluginOption

// WithLogger gives tasks a logger (WARN-mode skips, created tables, servers
// that ignore conditional increments). Nil keeps the default, a no-op logger.
func WithLogger(l *zap.Logger) Option { return connectors.WithPluginLogger(l) }

// Plugin declares the HBase sink for the registry.
func Plugin(opts ...Option) connectors.Plugin {
	o := connectors.ResolvePluginOptions(opts...)
	return connectors.Plugin{
		Class: SinkClass, Aliases: []string{Alias}, Type: connectors.PluginSink, Version: Version, Spec: Spec,
		NewSink: func() connectors.SinkConnector { return &Connector{log: o.Logger} },
	}
}

// Connector is the HBase sink connector. Tasks share nothing: each has its
// own client, and the offset guards make the partitions' writes safe
// wherever they land.
type Connector struct {
	log   *zap.Logger
	props map[string]string
}

var _ connectors.CrossValidator = (*Connector)(nil)

// Start implements connectors.Connector.
func (c *Connector) Start(_ context.Context, _ connectors.ConnectorContext, cfg *connectors.Config) error {
	if _, errs := parseSettings(cfg); len(errs) > 0 {
		return fmt.Errorf("starting hbase sink: %w", connectors.FieldErrors(errs))
	}
	c.props = cfg.Originals()
	return nil
}

// ValidateConfig implements connectors.CrossValidator.
func (c *Connector) ValidateConfig(cfg *connectors.Config) []connectors.FieldError {
	_, errs := parseSettings(cfg)
	return errs
}

// TaskConfigs implements connectors.Connector: every task gets the
// connector's config; the worker spreads the partitions.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connectors.SameTaskConfigs(maxTasks), nil
}

// Stop implements connectors.Connector.
func (c *Connector) Stop() error { return nil }

// NewTask implements connectors.SinkConnector.
func (c *Connector) NewTask() connectors.SinkTask {
	log := c.log
	if log == nil {
		log = zap.NewNop()
	}
	return &Task{log: log}
}
