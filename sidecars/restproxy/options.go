package restproxy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
)

// Defaults of the options.
const (
	DefaultAddr             = "127.0.0.1:8082"
	DefaultBodyLimit        = 16 << 20
	DefaultMaxKeyBytes      = 4096
	DefaultMaxInFlightBytes = 64 << 20
	DefaultQueueWait        = 2 * time.Second
	DefaultProduceTimeout   = 30 * time.Second
	// DefaultLinger is none: an idempotent producer has one produce
	// request in flight per broker, and records arriving meanwhile form
	// the next one, so batches grow with the load by themselves. Every
	// request waits for its acknowledgement, so lingering only adds
	// latency: single-event requests went from 16.3k to 20.8k req/s (128
	// connections, p99 15.5 → 14.3 ms) at the same CPU per request.
	DefaultLinger          = time.Duration(0)
	DefaultLatestTTL       = 10 * time.Second
	DefaultMetadataRefresh = 10 * time.Second
	DefaultMaxBatchEntries = 1000
	DefaultRulesReload     = 2 * time.Second
	// SDKPath is where the storefront SDK (and navigator.sendBeacon) posts.
	SDKPath = "/sdk/v1/events"
)

// APIKey is one storefront's key.
type APIKey struct {
	// Storefront owns the key. Events it sends must carry this storefront
	// (or none; the SDK path fills it in), else they are refused with 403.
	Storefront string
	// Topics the key may produce to; empty means the event topic only.
	Topics []string
}

// Option configures a Proxy. Options are validated by New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	addr             string
	kafka            kclient.Config
	registryURL      string
	registryAuth     string
	logger           *zap.Logger
	metrics          *prometheus.Registry
	bodyLimit        int64
	maxKeyBytes      int
	maxInFlightBytes int64
	queueWait        time.Duration
	produceTimeout   time.Duration
	linger           time.Duration
	latestTTL        time.Duration
	metadataRefresh  time.Duration
	maxBatchEntries  int
	eventTopic       string
	eventSubject     string // eventTopic + "-value", the subject of its values
	dlqTopic         string
	rulesFile        string
	rulesOff         bool
	noFastLane       bool
	rulesReload      time.Duration
	corsOrigins      []string
	apiKeys          map[string]APIKey
	errs             []error
}

// WithAddr sets the listen address. Default: DefaultAddr (127.0.0.1:8082).
func WithAddr(addr string) Option { return optionFunc(func(c *config) { c.addr = addr }) }

// WithKafka sets the cluster to produce to. Required.
func WithKafka(kc kclient.Config) Option { return optionFunc(func(c *config) { c.kafka = kc }) }

// WithSchemaRegistry sets the Schema Registry base URL. Required.
func WithSchemaRegistry(rawURL string) Option {
	return optionFunc(func(c *config) { c.registryURL = rawURL })
}

// WithSchemaRegistryAuth sets registry basic credentials as "user:password".
// Default: none.
func WithSchemaRegistryAuth(userInfo string) Option {
	return optionFunc(func(c *config) { c.registryAuth = userInfo })
}

// WithLogger sets the logger. Default: zap.NewNop().
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(c *config) {
		if l == nil {
			c.errs = append(c.errs, errors.New("logger is nil"))
		}
		c.logger = l
	})
}

// WithMetrics registers the proxy's metrics into reg and serves reg on
// /metrics. Default: a private registry.
func WithMetrics(reg *prometheus.Registry) Option {
	return optionFunc(func(c *config) { c.metrics = reg })
}

// WithBodyLimit caps request bodies, after gzip decoding; larger ones get
// 413. Default: DefaultBodyLimit (16 MiB).
func WithBodyLimit(n int64) Option { return optionFunc(func(c *config) { c.bodyLimit = n }) }

// WithMaxKeyBytes caps one record key; a larger key fails that record with
// 42206. Default: DefaultMaxKeyBytes (4 KiB).
func WithMaxKeyBytes(n int) Option { return optionFunc(func(c *config) { c.maxKeyBytes = n }) }

// WithMaxInFlightBytes bounds the bytes produced but not yet acknowledged by
// Kafka. Default: DefaultMaxInFlightBytes (64 MiB).
func WithMaxInFlightBytes(n int64) Option {
	return optionFunc(func(c *config) { c.maxInFlightBytes = n })
}

// WithQueueWait is how long a request may wait for in-flight budget before
// it is refused with 429 and Retry-After. Default: DefaultQueueWait (2 s).
func WithQueueWait(d time.Duration) Option { return optionFunc(func(c *config) { c.queueWait = d }) }

// WithProduceTimeout bounds how long a record may wait for its Kafka
// acknowledgement (as librdkafka's message.timeout.ms); on expiry the record
// fails with the retriable 50003, even if it is already in flight. Default: DefaultProduceTimeout (30 s).
func WithProduceTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.produceTimeout = d })
}

// WithLinger sets the producer linger (linger.ms): latency traded for
// batching beyond what one request in flight per broker gathers.
// Default: DefaultLinger (none).
func WithLinger(d time.Duration) Option { return optionFunc(func(c *config) { c.linger = d }) }

// WithLatestTTL sets how long a subject's latest schema is cached.
// Default: DefaultLatestTTL (10 s).
func WithLatestTTL(d time.Duration) Option { return optionFunc(func(c *config) { c.latestTTL = d }) }

// WithMetadataRefresh sets how often topic metadata is reloaded; unknown
// topics also trigger a reload. Default: DefaultMetadataRefresh (10 s).
func WithMetadataRefresh(d time.Duration) Option {
	return optionFunc(func(c *config) { c.metadataRefresh = d })
}

// WithMaxBatchEntries caps entries of a v3 records:batch request (42208
// beyond). Default: DefaultMaxBatchEntries (1000).
func WithMaxBatchEntries(n int) Option { return optionFunc(func(c *config) { c.maxBatchEntries = n }) }

// WithEventTopic names the governed event topic: its records are validated
// against the topic's -value subject, keyed by user_id and run through the
// edge rules. Default: user-events.
func WithEventTopic(t string) Option {
	return optionFunc(func(c *config) { c.eventTopic, c.eventSubject = t, t+"-value" })
}

// WithDLQTopic names the dead-letter topic of the edge rules. Default:
// user-events-dlq.
func WithDLQTopic(t string) Option { return optionFunc(func(c *config) { c.dlqTopic = t }) }

// WithRulesFile loads edge rules from path and reloads them on change.
// Default: the built-in rules (rules.DefaultRules).
func WithRulesFile(path string) Option { return optionFunc(func(c *config) { c.rulesFile = path }) }

// WithoutRules turns the edge rules off.
func WithoutRules() Option { return optionFunc(func(c *config) { c.rulesOff = true }) }

// WithRulesReloadInterval sets how often the rule file is checked.
// Default: DefaultRulesReload (2 s).
func WithRulesReloadInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.rulesReload = d })
}

// WithCORSOrigins allows browsers on these origins ("https://shop.example",
// "https://*.shop.example" for subdomains, or "*"). Requests carrying any
// other Origin are refused with 403, so a page elsewhere cannot post through
// a simple (preflight-free) beacon. Default: none, CORS off.
func WithCORSOrigins(origins ...string) Option {
	return optionFunc(func(c *config) { c.corsOrigins = append(c.corsOrigins, origins...) })
}

// WithAPIKeys requires one of these keys (map key → owner) on every route
// but /health and /metrics, in X-API-Key, "Authorization: Bearer" or, for
// beacons that cannot set headers, the api_key query parameter. Default:
// none, no authentication.
func WithAPIKeys(keys map[string]APIKey) Option {
	return optionFunc(func(c *config) { c.apiKeys = keys })
}

// WithoutFastLane serves the produce routes on plain net/http instead of
// httpx's fast lane (see README, "Performance notes"): the escape hatch if
// a client ever depends on a difference. Default: the fast lane.
func WithoutFastLane() Option { return optionFunc(func(c *config) { c.noFastLane = true }) }

func defaults() config {
	return config{
		addr: DefaultAddr, logger: zap.NewNop(), bodyLimit: DefaultBodyLimit, maxKeyBytes: DefaultMaxKeyBytes,
		maxInFlightBytes: DefaultMaxInFlightBytes, queueWait: DefaultQueueWait, produceTimeout: DefaultProduceTimeout,
		linger: DefaultLinger, latestTTL: DefaultLatestTTL, metadataRefresh: DefaultMetadataRefresh,
		maxBatchEntries: DefaultMaxBatchEntries, eventTopic: topics.UserEvents,
		eventSubject: topics.UserEvents + "-value", dlqTopic: topics.UserEventsDLQ,
		rulesReload: DefaultRulesReload,
	}
}

func (c *config) validate() error {
	errs := c.errs
	positive := func(name string, ok bool, v any) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s must be positive, got %v", name, v))
		}
	}
	if err := c.kafka.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("kafka: %w", err))
	} else if _, err := c.kafka.Kgo("restproxy", nil); err != nil {
		errs = append(errs, fmt.Errorf("kafka: %w", err))
	}
	if u, err := url.Parse(c.registryURL); c.registryURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("schema registry url %q must be an http(s) URL", c.registryURL))
	}
	if c.registryAuth != "" {
		if u, p, ok := strings.Cut(c.registryAuth, ":"); !ok || u == "" || p == "" {
			errs = append(errs, errors.New(`schema registry auth must have the form "user:password"`))
		}
	}
	if c.bodyLimit <= 0 || c.bodyLimit > 1<<30 {
		errs = append(errs, fmt.Errorf("body limit must be 1 byte to 1 GiB, got %d", c.bodyLimit))
	}
	positive("max key bytes", c.maxKeyBytes > 0, c.maxKeyBytes)
	positive("queue wait", c.queueWait > 0, c.queueWait)
	if c.linger < 0 {
		errs = append(errs, fmt.Errorf("linger must not be negative, got %s", c.linger))
	}
	positive("latest ttl", c.latestTTL > 0, c.latestTTL)
	positive("metadata refresh", c.metadataRefresh > 0, c.metadataRefresh)
	positive("max batch entries", c.maxBatchEntries > 0, c.maxBatchEntries)
	positive("rules reload interval", c.rulesReload > 0, c.rulesReload)
	if c.maxInFlightBytes < 1<<20 {
		errs = append(errs, fmt.Errorf("max in-flight bytes must be at least 1 MiB, got %d", c.maxInFlightBytes))
	}
	if c.produceTimeout < time.Second {
		errs = append(errs, fmt.Errorf("produce timeout must be at least 1s, got %s", c.produceTimeout))
	}
	if c.eventTopic == "" || c.dlqTopic == "" || c.eventTopic == c.dlqTopic {
		errs = append(errs, fmt.Errorf("event topic %q and dlq topic %q must be set and differ", c.eventTopic, c.dlqTopic))
	}
	if c.rulesOff && c.rulesFile != "" {
		errs = append(errs, errors.New("WithoutRules and WithRulesFile exclude each other"))
	}
	for _, o := range c.corsOrigins {
		if _, err := parseOrigin(o); err != nil {
			errs = append(errs, err)
		}
	}
	for k, v := range c.apiKeys {
		if len(k) < 16 {
			errs = append(errs, fmt.Errorf("api key of storefront %q is shorter than 16 characters", v.Storefront))
		}
		if v.Storefront == "" {
			errs = append(errs, errors.New("every api key needs a storefront"))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("configuring rest proxy: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	return nil
}
