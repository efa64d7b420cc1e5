package broker

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// Option configures a Broker.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	listen     string
	advertise  string
	dataDir    string
	clusterID  string
	syncWrites bool
	logger     *zap.Logger
	brokerCfg  map[string]string
}

// WithListenAddr sets host:port to listen on; port 0 picks a free port.
// Default: 127.0.0.1:9092.
func WithListenAddr(addr string) Option { return optionFunc(func(c *config) { c.listen = addr }) }

// WithAdvertisedHost sets the host the broker tells clients to connect to in
// metadata responses. Default: the listen host, or 127.0.0.1 when listening
// on a wildcard address (which clients cannot dial).
func WithAdvertisedHost(host string) Option {
	return optionFunc(func(c *config) { c.advertise = host })
}

// WithDataDir persists all broker state under dir and reloads it on start.
// Default: none (in-memory; for tests only).
func WithDataDir(dir string) Option { return optionFunc(func(c *config) { c.dataDir = dir }) }

// WithClusterID fixes the cluster id clients see. Default: "retailpulse".
func WithClusterID(id string) Option { return optionFunc(func(c *config) { c.clusterID = id }) }

// WithSyncWrites fsyncs every produced batch. Default: off (page cache, like
// Kafka's default log.flush settings).
func WithSyncWrites(on bool) Option { return optionFunc(func(c *config) { c.syncWrites = on }) }

// WithLogger sets the logger. Default: no-op.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithBrokerConfigs overrides broker-level configs (Kafka names, e.g.
// log.cleaner.backoff.ms). They are merged over DefaultBrokerConfigs.
func WithBrokerConfigs(m map[string]string) Option {
	return optionFunc(func(c *config) {
		for k, v := range m {
			c.brokerCfg[k] = v
		}
	})
}

// DefaultBrokerConfigs are the settings that differ from kfake's (and Kafka's)
// defaults because they suit one machine better.
func DefaultBrokerConfigs() map[string]string {
	return map[string]string{
		// Compacted state topics (_schemas, connect-*) and retention should be
		// cleaned within seconds on a laptop, not after the 1 h default.
		"log.cleaner.backoff.ms": "15000",
		// Transactions of the aggregator must not outlive a crashed instance
		// for 15 min; clients ask for at most 60 s anyway.
		"transaction.max.timeout.ms": "300000",
	}
}

func defaults() config {
	return config{listen: "127.0.0.1:9092", clusterID: "retailpulse", logger: zap.NewNop(), brokerCfg: DefaultBrokerConfigs()}
}

func (c *config) validate() (host string, port int, err error) {
	h, p, err := net.SplitHostPort(c.listen)
	if err != nil {
		return "", 0, fmt.Errorf("validating listen address %q: %w", c.listen, ErrBadListenAddr)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("validating listen address %q: port %q: %w", c.listen, p, ErrBadListenAddr)
	}
	for k, v := range c.brokerCfg {
		if v != "" {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil && isNumericConfig(k) {
				return "", 0, fmt.Errorf("validating broker config %s=%q: not a number", k, v)
			}
		}
	}
	return h, port, nil
}

func isNumericConfig(k string) bool {
	return strings.HasSuffix(k, ".ms") || strings.HasSuffix(k, ".bytes") || strings.HasSuffix(k, ".minutes")
}
