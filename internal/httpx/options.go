package httpx

import (
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Option configures a Server.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	addr         string
	logger       *zap.Logger
	registry     *prometheus.Registry
	ready        func() error
	healthBody   func(ready error) any
	bodyLimit    int64
	basicUsers   map[string]string
	apiKeys      map[string]string
	apiKeyHeader string
	shutdownWait time.Duration
	// idleTimeout closes keep-alive connections idle this long;
	// readHeaderTimeout bounds the arrival of a request head.
	idleTimeout       time.Duration
	readHeaderTimeout time.Duration
}

// WithAddr sets the listen address (host:port; port 0 picks a free port).
// Required.
func WithAddr(addr string) Option { return optionFunc(func(c *config) { c.addr = addr }) }

// WithLogger sets the logger. Default: a no-op logger.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithRegistry serves reg on /metrics and records request metrics into it.
// Default: /metrics serves an empty registry.
func WithRegistry(reg *prometheus.Registry) Option {
	return optionFunc(func(c *config) { c.registry = reg })
}

// WithReady sets the readiness check behind /health: nil error means ready.
// Default: always ready once listening.
func WithReady(fn func() error) Option { return optionFunc(func(c *config) { c.ready = fn }) }

// WithHealthBody sets the JSON body /health answers, given the readiness
// check's result (nil when ready). The status stays 200 / 503. APIs with a
// defined health shape (Kafka Connect's KIP-1017) use it. Default:
// {"status":"UP"} or {"status":"DOWN","reason":...}.
func WithHealthBody(fn func(ready error) any) Option {
	return optionFunc(func(c *config) { c.healthBody = fn })
}

// WithBodyLimit caps request bodies in bytes; larger bodies get 413.
// Default: 16 MiB.
func WithBodyLimit(n int64) Option { return optionFunc(func(c *config) { c.bodyLimit = n }) }

// WithBasicAuth requires HTTP basic auth with one of the given user→password
// pairs on every route except /health and /metrics. Default: off.
func WithBasicAuth(users map[string]string) Option {
	return optionFunc(func(c *config) { c.basicUsers = users })
}

// WithAPIKeys accepts requests carrying one of the given keys in header
// (default "X-API-Key") or as "Authorization: Bearer <key>". The map value
// names the key's owner (e.g. a storefront) and is available to handlers via
// Principal. Default: off. When both basic auth and API keys are set, either
// one admits a request.
func WithAPIKeys(header string, keys map[string]string) Option {
	return optionFunc(func(c *config) {
		if header != "" {
			c.apiKeyHeader = header
		}
		c.apiKeys = keys
	})
}

// WithShutdownTimeout bounds how long Shutdown waits for in-flight requests
// when its context has no deadline. Default: 10 s.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.shutdownWait = d })
}

// WithIdleTimeout closes keep-alive connections that stay idle this long.
// Default: 2 min. (Connections in the fast lane close after between ¾ of
// it and all of it, which spares a busy connection a deadline per request.)
func WithIdleTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.idleTimeout = d })
}

// WithReadHeaderTimeout bounds how long a request head may take to arrive,
// from the connection's start or the end of its previous request's idle
// wait. Default: 10 s.
func WithReadHeaderTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.readHeaderTimeout = d })
}

func (c *config) validate() error {
	if c.addr == "" {
		return ErrNoAddr
	}
	if c.idleTimeout <= 0 || c.readHeaderTimeout <= 0 {
		return fmt.Errorf("validating timeouts: idle %s and read header %s must be positive", c.idleTimeout, c.readHeaderTimeout)
	}
	if c.bodyLimit <= 0 {
		return fmt.Errorf("validating body limit: must be positive, got %d", c.bodyLimit)
	}
	for u := range c.basicUsers {
		if u == "" {
			return fmt.Errorf("validating basic auth: empty user name")
		}
	}
	for k := range c.apiKeys {
		if len(k) < 8 {
			return fmt.Errorf("validating api keys: key for %q is shorter than 8 characters", c.apiKeys[k])
		}
	}
	return nil
}

func defaults() config {
	return config{
		logger:            zap.NewNop(),
		bodyLimit:         16 << 20,
		apiKeyHeader:      "X-API-Key",
		shutdownWait:      10 * time.Second,
		idleTimeout:       2 * time.Minute,
		readHeaderTimeout: 10 * time.Second,
		ready:             func() error { return nil },
		healthBody:        defaultHealthBody,
	}
}

// middleware wraps a handler; Server.chain composes them.
type middleware func(http.Handler) http.Handler
