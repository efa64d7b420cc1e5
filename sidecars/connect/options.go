package connect

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/connectors/converters"
	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
)

// Defaults of the options.
const (
	DefaultListenAddr          = "127.0.0.1:8083"
	DefaultGroupID             = "retailpulse-connect"
	DefaultOffsetFlushInterval = 10 * time.Second
	DefaultHeartbeatInterval   = time.Second
	DefaultSessionTimeout      = 10 * time.Second
	DefaultRestartBackoff      = time.Second
	DefaultRestartBackoffMax   = time.Minute
	DefaultRequestTimeout      = 90 * time.Second
	DefaultShutdownTimeout     = 5 * time.Second
	DefaultVersion             = "3.9.0"
)

// Option configures a Worker. Options are checked by New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	kafka           kclient.Config
	listen          string
	advertised      string
	groupID         string
	configTopic     string
	offsetTopic     string
	statusTopic     string
	ensureTopics    bool
	registry        *connectors.Registry
	schemaRegistry  string
	workerProps     map[string]string
	flushInterval   time.Duration
	heartbeat       time.Duration
	sessionTimeout  time.Duration
	autoRestart     bool
	restartBackoff  time.Duration
	restartMax      time.Duration
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	logger          *zap.Logger
	metrics         *prometheus.Registry
	httpOpts        []httpx.Option
	version         string
	commit          string
	errs            []error
}

func defaults() config {
	return config{
		listen: DefaultListenAddr, groupID: DefaultGroupID,
		configTopic: topics.ConnectConfigs, offsetTopic: topics.ConnectOffsets, statusTopic: topics.ConnectStatus,
		ensureTopics: true, workerProps: map[string]string{},
		flushInterval: DefaultOffsetFlushInterval, heartbeat: DefaultHeartbeatInterval, sessionTimeout: DefaultSessionTimeout,
		autoRestart: true, restartBackoff: DefaultRestartBackoff, restartMax: DefaultRestartBackoffMax,
		requestTimeout: DefaultRequestTimeout, shutdownTimeout: DefaultShutdownTimeout,
		logger: zap.NewNop(), version: DefaultVersion, commit: "retailpulse",
	}
}

// WithKafka sets the cluster the worker stores its state in and runs
// connectors against. Required.
func WithKafka(k kclient.Config) Option { return optionFunc(func(c *config) { c.kafka = k }) }

// WithListenAddr sets the REST listener (host:port; port 0 picks a free
// port). Default: DefaultListenAddr.
func WithListenAddr(addr string) Option { return optionFunc(func(c *config) { c.listen = addr }) }

// WithAdvertisedURL sets the URL other workers reach this one at; its
// host:port is the worker id. Default: http://<listen address>, with a
// wildcard host replaced by 127.0.0.1.
func WithAdvertisedURL(u string) Option { return optionFunc(func(c *config) { c.advertised = u }) }

// WithGroupID names the Connect cluster: workers with the same group id and
// internal topics form one cluster. Default: DefaultGroupID.
func WithGroupID(id string) Option { return optionFunc(func(c *config) { c.groupID = id }) }

// WithTopics sets the config, offset and status topics. Default:
// connect-configs, connect-offsets, connect-status.
func WithTopics(configs, offsets, status string) Option {
	return optionFunc(func(c *config) { c.configTopic, c.offsetTopic, c.statusTopic = configs, offsets, status })
}

// WithEnsureTopics creates missing internal topics at start (compacted; the
// config topic with one partition). Default: true.
func WithEnsureTopics(on bool) Option { return optionFunc(func(c *config) { c.ensureTopics = on }) }

// WithPlugins sets the plugin registry. Default: the built-ins with the
// worker's logger.
func WithPlugins(r *connectors.Registry) Option {
	return optionFunc(func(c *config) {
		if r == nil {
			c.errs = append(c.errs, errors.New("plugin registry is nil"))
		}
		c.registry = r
	})
}

// WithSchemaRegistryURL makes AvroConverter with this registry the
// worker's default value converter. Without it the default value converter
// is JsonConverter with schemas.enable=false. Keys default to
// StringConverter either way.
func WithSchemaRegistryURL(u string) Option {
	return optionFunc(func(c *config) { c.schemaRegistry = u })
}

// WithWorkerConfig sets worker-level connector defaults, as a Kafka Connect
// worker properties file would: key.converter, value.converter,
// header.converter and their prefixed settings
// (value.converter.schema.registry.url, ...). They apply to every connector
// that does not set the key itself and override WithSchemaRegistryURL.
func WithWorkerConfig(props map[string]string) Option {
	return optionFunc(func(c *config) {
		for k, v := range props {
			c.workerProps[k] = v
		}
	})
}

// WithOffsetFlushInterval sets how often tasks flush and commit offsets
// (Kafka's offset.flush.interval.ms). Default: DefaultOffsetFlushInterval.
func WithOffsetFlushInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.flushInterval = d })
}

// WithHeartbeat sets the membership heartbeat interval and the time after
// which a silent worker is considered gone and its work reassigned.
// Default: DefaultHeartbeatInterval, DefaultSessionTimeout.
func WithHeartbeat(interval, sessionTimeout time.Duration) Option {
	return optionFunc(func(c *config) { c.heartbeat, c.sessionTimeout = interval, sessionTimeout })
}

// WithTaskAutoRestart sets the backoff with which FAILED connectors and
// tasks are restarted: initial, doubling up to max. enabled=false keeps
// them FAILED until restarted through the API, as Kafka Connect does.
// Default: enabled, DefaultRestartBackoff, DefaultRestartBackoffMax.
func WithTaskAutoRestart(enabled bool, initial, max time.Duration) Option {
	return optionFunc(func(c *config) { c.autoRestart, c.restartBackoff, c.restartMax = enabled, initial, max })
}

// WithRequestTimeout bounds the work behind one REST request (Kafka's
// rest.request.timeout.ms). Default: DefaultRequestTimeout.
func WithRequestTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.requestTimeout = d })
}

// WithShutdownTimeout bounds how long stopping waits for each task to flush
// (Kafka's task.shutdown.graceful.timeout.ms). Default: DefaultShutdownTimeout.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.shutdownTimeout = d })
}

// WithLogger sets the logger. Default: no-op.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(c *config) {
		if l == nil {
			c.errs = append(c.errs, errors.New("logger is nil"))
		}
		c.logger = l
	})
}

// WithMetrics registers the worker's metrics (and the REST server's) in
// reg. Default: a private registry.
func WithMetrics(reg *prometheus.Registry) Option {
	return optionFunc(func(c *config) { c.metrics = reg })
}

// WithHTTPOptions passes options to the REST server (auth, body limit).
// Its address, logger and registry come from the other options.
func WithHTTPOptions(opts ...httpx.Option) Option {
	return optionFunc(func(c *config) { c.httpOpts = append(c.httpOpts, opts...) })
}

// WithVersion sets what GET / reports. Default: DefaultVersion, "retailpulse".
func WithVersion(version, commit string) Option {
	return optionFunc(func(c *config) { c.version, c.commit = version, commit })
}

func (c *config) validate() error {
	errs := append([]error(nil), c.errs...)
	if err := c.kafka.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("kafka: %w", err))
	}
	if _, _, err := net.SplitHostPort(c.listen); err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: %w", c.listen, err))
	}
	if c.advertised != "" {
		if u, err := url.Parse(c.advertised); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("advertised url %q: want http(s)://host:port", c.advertised))
		}
	}
	if c.groupID == "" {
		errs = append(errs, errors.New("group id is empty"))
	}
	if c.configTopic == "" || c.offsetTopic == "" || c.statusTopic == "" {
		errs = append(errs, errors.New("internal topic names must not be empty"))
	}
	if c.configTopic == c.offsetTopic || c.configTopic == c.statusTopic || c.offsetTopic == c.statusTopic {
		errs = append(errs, errors.New("internal topics must be three different topics"))
	}
	positive := map[string]time.Duration{
		"offset flush interval": c.flushInterval, "heartbeat interval": c.heartbeat,
		"request timeout": c.requestTimeout, "shutdown timeout": c.shutdownTimeout,
	}
	for name, d := range positive {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", name, d))
		}
	}
	if c.sessionTimeout < 3*c.heartbeat {
		errs = append(errs, fmt.Errorf("session timeout %s must be at least three heartbeat intervals (%s)", c.sessionTimeout, 3*c.heartbeat))
	}
	if c.autoRestart && (c.restartBackoff <= 0 || c.restartMax < c.restartBackoff) {
		errs = append(errs, fmt.Errorf("restart backoff %s..%s: want 0 < initial <= max", c.restartBackoff, c.restartMax))
	}
	if c.schemaRegistry != "" {
		if u, err := url.Parse(c.schemaRegistry); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("schema registry url %q is not a URL", c.schemaRegistry))
		}
	}
	if c.registry == nil && len(errs) == 0 {
		// The sinks log through the worker's logger (its plugin namespace).
		r, err := builtin.RegistryWith(connectors.WithPluginLogger(c.logger.Named("plugins")))
		if err != nil {
			errs = append(errs, err)
		}
		c.registry = r
	}
	if len(errs) > 0 {
		return fmt.Errorf("configuring connect worker: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	return nil
}

// workerDefaults returns the connector defaults: converters derived from
// the options, then the explicit worker config over them.
func (c *config) workerDefaults() map[string]string {
	out := map[string]string{connectors.KeyConverterConfig: converters.StringClass}
	if c.schemaRegistry != "" {
		out[connectors.ValueConverterConfig] = converters.AvroClass
		out[connectors.ValueConverterConfig+".schema.registry.url"] = c.schemaRegistry
	} else {
		out[connectors.ValueConverterConfig] = converters.JSONClass
		out[connectors.ValueConverterConfig+".schemas.enable"] = "false"
	}
	for k, v := range c.workerProps {
		out[k] = v
	}
	return out
}
