package cassandra

import (
	"context"
	"errors"
	"fmt"

	"github.com/gocql/gocql"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Option configures the plugin; see connectors.PluginOption.
type Option = connectors.PluginOption

// WithLogger gives the plugin's connectors and tasks a logger. Nil keeps the
// default, a no-op logger.
func WithLogger(l *zap.Logger) Option { return connectors.WithPluginLogger(l) }

// Plugin declares CassandraSink for the registry.
func Plugin(opts ...Option) connectors.Plugin {
	o := connectors.ResolvePluginOptions(opts...)
	return connectors.Plugin{
		Class: Class, Aliases: []string{Alias}, Type: connectors.PluginSink, Version: Version, Spec: Spec,
		NewSink: func() connectors.SinkConnector { return &Connector{log: o.Logger} },
	}
}

// Connector is the CassandraSink connector. Start creates the keyspaces
// and tables it is asked to; every task then writes the records of its
// partitions independently.
type Connector struct {
	log *zap.Logger
}

var (
	_ connectors.SinkConnector  = (*Connector)(nil)
	_ connectors.CrossValidator = (*Connector)(nil)
)

// ValidateConfig implements connectors.CrossValidator. After the offline
// checks it connects and compares every mapping with its table's columns,
// so a mapping naming a column the table lacks is refused at creation.
func (c *Connector) ValidateConfig(cfg *connectors.Config) []connectors.FieldError {
	s, errs := settingsFrom(cfg)
	if len(errs) > 0 {
		return errs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.connectTimeout+s.queryTimeout)
	defer cancel()
	session, err := s.cluster(c.log).CreateSession()
	if err != nil {
		return []connectors.FieldError{{Key: ContactPointsConfig, Message: fmt.Sprintf(
			"connecting to %v port %d to read table metadata: %v", s.contactPoints, s.port, err)}}
	}
	defer session.Close()
	return schemaErrors(ctx, session, s)
}

// schemaErrors checks every mapping against its table, or against the
// session-features layout when table.create will create the table.
func schemaErrors(ctx context.Context, session *gocql.Session, s *settings) []connectors.FieldError {
	var errs []connectors.FieldError
	for _, ts := range s.tables {
		meta, err := loadTable(ctx, session, ts.keyspace, ts.table)
		if errors.Is(err, errNoTable) {
			ksOK, kerr := keyspaceExists(ctx, session, ts.keyspace)
			switch {
			case kerr != nil:
				err = kerr
			case !ksOK && !s.createKeyspace:
				err = fmt.Errorf("%w: keyspace %s does not exist (create it, or set %s=true)", ErrSchema, ts.keyspace, KeyspaceCreateConfig)
			case s.createTable:
				meta, err = sessionFeaturesMeta(ts.keyspace, ts.table), nil
			default:
				err = fmt.Errorf("%w: table %s does not exist (create it, or set %s=true for the session-features layout)",
					ErrSchema, ts.qualified(), TableCreateConfig)
			}
		}
		if err != nil {
			errs = append(errs, connectors.FieldError{Key: ts.key(MappingSetting), Message: err.Error()})
			continue
		}
		for _, e := range checkMapping(ts, meta) {
			errs = append(errs, connectors.FieldError{Key: ts.key(MappingSetting), Message: e.Error()})
		}
	}
	return errs
}

// Start implements connectors.Connector: it validates, then creates what
// keyspace.create and table.create ask for.
func (c *Connector) Start(ctx context.Context, _ connectors.ConnectorContext, cfg *connectors.Config) error {
	s, errs := settingsFrom(cfg)
	if len(errs) > 0 {
		return fmt.Errorf("starting cassandra sink: %w", connectors.FieldErrors(errs))
	}
	session, err := s.cluster(c.log).CreateSession()
	if err != nil {
		return fmt.Errorf("starting cassandra sink: %w: %w", ErrConnect, err)
	}
	defer session.Close()
	if err := ensureSchema(ctx, session, s, c.log); err != nil {
		return fmt.Errorf("starting cassandra sink: %w", err)
	}
	if errs := schemaErrors(ctx, session, s); len(errs) > 0 {
		return fmt.Errorf("starting cassandra sink: %w", connectors.FieldErrors(errs))
	}
	return nil
}

// ensureSchema creates missing keyspaces and tables when configured to;
// IF NOT EXISTS makes concurrent starts harmless.
func ensureSchema(ctx context.Context, session *gocql.Session, s *settings, log *zap.Logger) error {
	if !s.createKeyspace && !s.createTable {
		return nil
	}
	created := false
	for _, ts := range s.tables {
		if s.createKeyspace {
			ok, err := keyspaceExists(ctx, session, ts.keyspace)
			if err != nil {
				return fmt.Errorf("checking keyspace %s: %w", ts.keyspace, err)
			}
			if !ok {
				if err := session.Query(CreateKeyspaceCQL(ts.keyspace, s.replication)).WithContext(ctx).Exec(); err != nil {
					return fmt.Errorf("creating keyspace %s: %w", ts.keyspace, err)
				}
				log.Info("created keyspace", zap.String("keyspace", ts.keyspace))
				created = true
			}
		}
		if !s.createTable {
			continue
		}
		if _, err := loadTable(ctx, session, ts.keyspace, ts.table); !errors.Is(err, errNoTable) {
			continue
		}
		if err := session.Query(CreateSessionFeaturesCQL(ts.keyspace, ts.table)).WithContext(ctx).Exec(); err != nil {
			return fmt.Errorf("creating table %s: %w", ts.qualified(), err)
		}
		log.Info("created table", zap.String("table", ts.qualified()))
		created = true
	}
	if created {
		if err := session.AwaitSchemaAgreement(ctx); err != nil {
			return fmt.Errorf("waiting for schema agreement: %w", err)
		}
	}
	return nil
}

// TaskConfigs implements connectors.Connector.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connectors.SameTaskConfigs(maxTasks), nil
}

// Stop implements connectors.Connector.
func (c *Connector) Stop() error { return nil }

// NewTask implements connectors.SinkConnector.
func (c *Connector) NewTask() connectors.SinkTask { return &Task{log: c.log} }
