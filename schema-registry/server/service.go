package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// ServiceConfig is everything a registry process needs: where Kafka is, where
// to listen and how to behave.
type ServiceConfig struct {
	Kafka                kclient.Config
	Addr                 string            // host:port to listen on
	ReplicationFactor    int               // of _schemas when created; 1 embedded
	DefaultCompatibility string            // server default level; BACKWARD when empty
	BasicAuth            map[string]string // user → password; empty disables auth
	Logger               *zap.Logger
	Metrics              *prometheus.Registry
	Version              string
}

// Service runs the registry as one lifecycle component: the `_schemas` log,
// the core that replays it, and the HTTP API, started and stopped in the
// order they depend on each other.
type Service struct {
	cfg  ServiceConfig
	log  *registry.KafkaLog
	core *registry.Registry
	srv  *httpx.Server
}

var _ lifecycle.Component = (*Service)(nil)

// NewService returns an unstarted registry service.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	if cfg.DefaultCompatibility == "" {
		cfg.DefaultCompatibility = "BACKWARD"
	}
	return &Service{cfg: cfg}
}

// Name implements lifecycle.Component.
func (s *Service) Name() string { return "schema-registry" }

// Start opens the log, starts serving (answering 503 until the replay is
// done, so clients see a clear status rather than a refused connection) and
// replays `_schemas`.
func (s *Service) Start(ctx context.Context) error {
	l := s.cfg.Logger.Named("schema-registry")
	log, err := registry.NewKafkaLog(ctx, s.cfg.Kafka,
		registry.WithReplicationFactor(s.cfg.ReplicationFactor), registry.WithKafkaLogger(l))
	if err != nil {
		return err
	}
	s.log = log
	core, err := registry.New(log, registry.WithLogger(l), registry.WithMetrics(s.cfg.Metrics),
		registry.WithDefaultCompatibility(s.cfg.DefaultCompatibility))
	if err != nil {
		return errors.Join(err, log.Close())
	}
	s.core = core
	httpOpts := []httpx.Option{httpx.WithAddr(s.cfg.Addr), httpx.WithLogger(l), httpx.WithRegistry(s.cfg.Metrics)}
	if len(s.cfg.BasicAuth) > 0 {
		httpOpts = append(httpOpts, httpx.WithBasicAuth(s.cfg.BasicAuth))
	}
	srv, err := New(core, httpOpts, WithLogger(l), WithKafkaClusterID(log.ClusterID()), WithVersion(s.cfg.Version, ""))
	if err != nil {
		return errors.Join(err, log.Close())
	}
	if err := srv.Start(); err != nil {
		return errors.Join(err, log.Close())
	}
	s.srv = srv
	if err := core.Start(ctx); err != nil {
		return fmt.Errorf("replaying %s: %w", "_schemas", err)
	}
	return nil
}

// Ready implements lifecycle.Component: ready once the log is replayed.
func (s *Service) Ready(context.Context) error {
	if s.core == nil {
		return registry.ErrNotReady
	}
	return s.core.Ready()
}

// URL is the base URL clients use, valid after Start.
func (s *Service) URL() string { return s.srv.URL() }

// Endpoints implements lifecycle.Component.
func (s *Service) Endpoints() []lifecycle.Endpoint {
	return []lifecycle.Endpoint{{Name: "schema-registry", Addr: s.srv.URL(), Note: "Confluent Schema Registry API, state in _schemas"}}
}

// Stop drains HTTP first, then stops applying the log, then closes it.
func (s *Service) Stop(ctx context.Context) error {
	var errs []error
	if s.srv != nil {
		errs = append(errs, s.srv.Shutdown(ctx))
	}
	if s.core != nil {
		errs = append(errs, s.core.Close())
	}
	if s.log != nil {
		errs = append(errs, s.log.Close())
	}
	return errors.Join(errs...)
}
