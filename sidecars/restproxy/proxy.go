package restproxy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// Proxy is the REST proxy: Confluent REST Proxy v2 and v3 produce, v2
// metadata, and the storefront SDK path, in front of Kafka and the Schema
// Registry.
type Proxy struct {
	cfg      config
	log      *zap.Logger
	srv      *httpx.Server
	m        *proxyMetrics
	registry serde.Registry
	schemas  *schemaStore
	rules    *rules.Set // nil when rules are off
	origins  []originPattern

	mu      sync.Mutex
	prod    *producer
	admin   *kafka.AdminClient
	meta    *metadataCache
	cancel  context.CancelFunc
	bg      sync.WaitGroup
	started bool
	// send hands a request's records to Kafka: the producer's send once
	// started. The handler benchmarks put an instant acknowledgement here
	// to measure the request path without a broker.
	send func(context.Context, []outMsg) (*flight, error)
}

// New builds a proxy; nothing connects until Start. Invalid options fail
// here, naming each problem; so does a rule file that does not compile.
func New(opts ...Option) (*Proxy, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.metrics == nil {
		cfg.metrics = prometheus.NewRegistry()
	}
	log := cfg.logger.Named("restproxy")
	var clientOpts []serde.ClientOption
	if cfg.registryAuth != "" {
		clientOpts = append(clientOpts, serde.WithBasicAuth(cfg.registryAuth))
	}
	reg, err := serde.NewClient(cfg.registryURL, append(clientOpts, serde.WithLogger(log))...)
	if err != nil {
		return nil, fmt.Errorf("configuring rest proxy: %w: %w", ErrInvalidOption, err)
	}
	p := &Proxy{cfg: cfg, log: log, m: newProxyMetrics(cfg.metrics), registry: reg,
		schemas: newSchemaStore(reg, newVersionClient(cfg.registryURL, cfg.registryAuth, serde.DefaultTimeout), cfg.latestTTL)}
	for _, o := range cfg.corsOrigins {
		op, _ := parseOrigin(o)
		p.origins = append(p.origins, op)
	}
	if !cfg.rulesOff {
		ropts := []rules.Option{rules.WithLogger(log), rules.WithMetrics(cfg.metrics), rules.WithReloadInterval(cfg.rulesReload)}
		if cfg.rulesFile != "" {
			p.rules, err = rules.Load(cfg.rulesFile, ropts...)
		} else {
			p.rules, err = rules.Defaults(ropts...)
		}
		if err != nil {
			return nil, fmt.Errorf("loading edge rules: %w", err)
		}
	}
	p.srv, err = httpx.New("restproxy", httpx.WithAddr(cfg.addr), httpx.WithLogger(log), httpx.WithRegistry(cfg.metrics),
		// Bodies are limited per request by readBody, and per record on v3
		// streams, which may run for hours; the server-wide cap is off.
		httpx.WithReady(p.ready), httpx.WithBodyLimit(math.MaxInt64))
	if err != nil {
		return nil, err
	}
	p.routes()
	return p, nil
}

func (p *Proxy) routes() {
	h := func(pattern string, fn http.HandlerFunc) { p.srv.Handle(pattern, p.wrap(fn)) }
	// Produce routes take the fast lane for small plain requests (httpx
	// HandleFast). A v3 stream is chunked, so it is always net/http's, and
	// none of these handlers relies on cancellation when the client leaves:
	// an accepted record is produced either way.
	fast := func(pattern string, fn http.HandlerFunc) { p.srv.HandleFast(pattern, p.wrap(fn)) }
	if p.cfg.noFastLane {
		fast = h
	}
	fast("POST /topics/{topic}", p.handleV2Produce)
	fast("POST /topics/{topic}/partitions/{partition}", p.handleV2Produce)
	h("GET /topics", p.handleListTopics)
	h("GET /topics/{topic}", p.handleGetTopic)
	h("GET /topics/{topic}/partitions", p.handleListPartitions)
	h("GET /topics/{topic}/partitions/{partition}", p.handleGetPartition)
	h("GET /topics/{topic}/partitions/{partition}/offsets", p.handlePartitionOffsets)
	h("GET /brokers", p.handleBrokers)
	h("GET /v3/clusters", p.handleV3Clusters)
	h("GET /v3/clusters/{cluster_id}", p.handleV3Cluster)
	fast("POST /v3/clusters/{cluster_id}/topics/{topic}/records", p.handleV3Produce)
	fast("POST /v3/clusters/{cluster_id}/topics/{topic}/records:batch", p.handleV3Batch)
	fast("POST "+SDKPath, p.handleSDK)
	h("GET /edge/rules", p.handleRules)
	p.srv.Handle("OPTIONS /", http.HandlerFunc(p.handlePreflight))
	// Unknown routes answer in the REST Proxy error shape, not plain text.
	h("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, "", newAPIError(http.StatusNotFound, codeNotFound, "HTTP 404 Not Found: %s %s", r.Method, r.URL.Path))
	})
}

// Start connects to Kafka, loads metadata (a failure here is retried in the
// background and reported by Ready), starts watching the rule file and
// begins serving.
func (p *Proxy) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return errors.New("starting rest proxy: already started")
	}
	prod, err := newProducer(p.cfg.kafka, &p.cfg, p.m, p.log)
	if err != nil {
		return fmt.Errorf("starting rest proxy: %w", err)
	}
	// Metadata and topic configs come from librdkafka's admin client, as in
	// the other components; only the produce path is on kgo.
	admin, err := kafka.NewAdminClient(p.cfg.kafka.Admin("restproxy"))
	if err != nil {
		_ = prod.close(ctx)
		return fmt.Errorf("starting rest proxy: creating admin client: %w", err)
	}
	p.admin, p.prod, p.send = admin, prod, prod.send
	p.meta = newMetadataCache(admin, p.cfg.metadataRefresh)
	if err := p.meta.refresh(ctx); err != nil {
		p.log.Warn("kafka metadata not available yet; retrying in the background", zap.Error(err))
	}
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	p.bg.Add(1)
	go func() { defer p.bg.Done(); p.meta.run(bgCtx) }()
	if p.rules != nil {
		p.bg.Add(1)
		go func() { defer p.bg.Done(); p.rules.Run(bgCtx) }()
	}
	if err := p.srv.Start(); err != nil {
		cancel()
		p.bg.Wait()
		admin.Close()
		_ = prod.close(ctx)
		return err
	}
	p.started = true
	return nil
}

// Stop stops accepting requests, waits for the ones in flight (each waits
// for its Kafka acknowledgements), then flushes and closes the producer.
func (p *Proxy) Stop(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		return nil
	}
	p.started = false
	errs := []error{p.srv.Shutdown(ctx)}
	p.cancel()
	p.bg.Wait()
	p.admin.Close()
	errs = append(errs, p.prod.close(ctx))
	return errors.Join(errs...)
}

// Ready returns nil once Kafka metadata has been loaded.
func (p *Proxy) Ready(context.Context) error { return p.ready() }

func (p *Proxy) ready() error {
	p.mu.Lock()
	meta := p.meta
	p.mu.Unlock()
	if meta == nil {
		return ErrNotStarted
	}
	if err := meta.ready(); err != nil {
		return err
	}
	if p.prod != nil && !p.prod.brokersUp.Load() {
		return errors.New("all kafka brokers are down")
	}
	return nil
}

// Addr is the bound listen address (host:port), valid after Start.
func (p *Proxy) Addr() string { return p.srv.Addr() }

// URL is http://Addr.
func (p *Proxy) URL() string { return p.srv.URL() }

// RulesStatus reports the running edge rules; ok is false when rules are off.
func (p *Proxy) RulesStatus() (rules.Status, bool) {
	if p.rules == nil {
		return rules.Status{}, false
	}
	return p.rules.Status(), true
}

// Component adapts p to lifecycle.Component for `retailpulse up`.
func Component(p *Proxy) lifecycle.Component { return component{p} }

type component struct{ p *Proxy }

func (c component) Name() string                    { return "restproxy" }
func (c component) Start(ctx context.Context) error { return c.p.Start(ctx) }
func (c component) Ready(ctx context.Context) error { return c.p.Ready(ctx) }
func (c component) Stop(ctx context.Context) error  { return c.p.Stop(ctx) }
func (c component) Endpoints() []lifecycle.Endpoint {
	note := "Confluent REST Proxy v2/v3, SDK at " + SDKPath
	if st, ok := c.p.RulesStatus(); ok {
		note += fmt.Sprintf(", %d edge rules (%s)", len(st.Rules), st.Source)
	}
	return []lifecycle.Endpoint{{Name: "rest-proxy", Addr: c.p.URL(), Note: note}}
}
