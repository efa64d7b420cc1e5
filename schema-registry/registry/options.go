package registry

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Option configures a Registry.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	logger         *zap.Logger
	metrics        prometheus.Registerer
	defaultLevel   string
	writeTimeout   time.Duration
	maxSchemaBytes int
	maxRetries     int
}

func defaults() config {
	return config{
		logger:         zap.NewNop(),
		defaultLevel:   "BACKWARD",
		writeTimeout:   10 * time.Second,
		maxSchemaBytes: 1 << 20,
		maxRetries:     10,
	}
}

// WithLogger sets the logger. Default: no-op.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithMetrics registers the registry's metrics into reg. Default: none.
func WithMetrics(reg prometheus.Registerer) Option {
	return optionFunc(func(c *config) { c.metrics = reg })
}

// WithDefaultCompatibility sets the level that applies when neither the
// subject nor the global config sets one (Confluent's
// schema.compatibility.level). Default: BACKWARD.
func WithDefaultCompatibility(level string) Option {
	return optionFunc(func(c *config) { c.defaultLevel = level })
}

// WithWriteTimeout bounds how long a write waits for the log to accept it
// and for the reader to apply it (Confluent's kafkastore.timeout.ms).
// Default: 10s.
func WithWriteTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.writeTimeout = d })
}

// WithMaxSchemaBytes refuses larger schemas with 42209. Default: 1 MiB,
// which fits Kafka's default 1 MB record limit once wrapped in JSON.
func WithMaxSchemaBytes(n int) Option { return optionFunc(func(c *config) { c.maxSchemaBytes = n }) }

// WithMaxRetries bounds how often a registration is retried when another
// process took its id or version first. Default: 10.
func WithMaxRetries(n int) Option { return optionFunc(func(c *config) { c.maxRetries = n }) }

func (c *config) validate() error {
	if c.logger == nil {
		return fmt.Errorf("validating logger: nil")
	}
	lvl, err := normalizeLevel(c.defaultLevel)
	if err != nil {
		return fmt.Errorf("validating default compatibility %q: %w", c.defaultLevel, err)
	}
	c.defaultLevel = lvl
	if c.writeTimeout <= 0 {
		return fmt.Errorf("validating write timeout: must be positive, got %s", c.writeTimeout)
	}
	if c.maxSchemaBytes <= 0 {
		return fmt.Errorf("validating max schema bytes: must be positive, got %d", c.maxSchemaBytes)
	}
	if c.maxRetries <= 0 {
		return fmt.Errorf("validating max retries: must be positive, got %d", c.maxRetries)
	}
	return nil
}
