package aggregator

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// Aggregator turns user-events into behaviour aggregates, session features
// and profile updates, exactly once. Create it with New, run it with Run
// (or through Component).
type Aggregator struct {
	cfg   config
	m     *metrics
	log   *zap.Logger
	des   *serde.Deserializer // input records whose writer schema codecs cannot read directly
	codec *codecs
	http  *httpx.Server
	ready atomic.Bool
}

// New validates the options and prepares the serdes; it does not touch
// Kafka or the registry.
func New(opts ...Option) (*Aggregator, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("configuring aggregator: %w", err)
	}
	a := &Aggregator{cfg: cfg, m: newMetrics(metricsRegisterer(cfg)), log: cfg.logger.With(zap.String("instance", cfg.instanceID))}
	in, _ := avro.ByName(avro.NameUserEvent)
	des, err := serde.NewDeserializer(cfg.registry, serde.WithReaderSchema(in.Text))
	if err != nil {
		return nil, fmt.Errorf("configuring aggregator: %w", err)
	}
	a.des = des
	if a.codec, err = newCodecs(cfg.registry, cfg.autoRegister); err != nil {
		return nil, fmt.Errorf("configuring aggregator: %w", err)
	}
	if cfg.httpAddr != "" {
		opts := []httpx.Option{httpx.WithAddr(cfg.httpAddr), httpx.WithLogger(cfg.logger), httpx.WithReady(a.readyErr)}
		if cfg.metrics != nil {
			opts = append(opts, httpx.WithRegistry(cfg.metrics))
		}
		if a.http, err = httpx.New("aggregator", opts...); err != nil {
			return nil, fmt.Errorf("configuring aggregator: %w", err)
		}
	}
	return a, nil
}

// metricsRegisterer avoids handing the factory a typed nil, which would
// register into a nil registry and panic.
func metricsRegisterer(c config) prometheus.Registerer {
	if c.metrics == nil {
		return nil
	}
	return c.metrics
}

func (a *Aggregator) readyErr() error {
	if !a.ready.Load() {
		return ErrNotStarted
	}
	return nil
}

// Run consumes until ctx ends, then commits what is pending and returns
// nil. Failures of Kafka or the registry restart the clients with backoff,
// resuming from committed state; Run only returns an error when going on
// cannot help: a missing topic, corrupt changelog state, or fencing by
// another instance with the same instance id.
func (a *Aggregator) Run(ctx context.Context) error {
	defer a.ready.Store(false)
	backoff := 100 * time.Millisecond
	for {
		started := time.Now()
		err := a.runGeneration(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrFenced) || errors.Is(err, ErrMissingTopic) || errors.Is(err, window.ErrCorruptState) || errors.Is(err, kclient.ErrTopicMismatch) {
			return fmt.Errorf("running aggregator: %w", err)
		}
		a.ready.Store(false)
		a.m.restarts.WithLabelValues().Inc()
		if time.Since(started) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		a.log.Warn("aggregator clients failed; restarting from committed state", zap.Error(err), zap.Duration("backoff", backoff))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// runGeneration builds one set of clients, runs the poll loop and tears the
// clients down, committing on a clean stop.
func (a *Aggregator) runGeneration(ctx context.Context) (err error) {
	partitions, err := a.ensureTopics(ctx)
	if err != nil {
		return err
	}
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	err = a.codec.resolveOutputs(rctx, a.cfg.topics)
	rcancel()
	if err != nil {
		return err
	}
	gctx, cancel := context.WithCancel(context.Background())
	g := &gen{a: a, ctx: gctx, cancel: cancel, log: a.log, tasks: map[int32]*task{}, committed: map[int32]int64{}}
	g.outputDone, g.recordDone = g.promiseOutput, g.promise
	defer func() { err = errors.Join(err, g.close()) }()
	if err := g.open(ctx, partitions); err != nil {
		return err
	}
	a.ready.Store(true)
	return g.loop(ctx)
}

// ensureTopics checks that the topics the aggregator uses exist and creates
// the changelog with as many partitions as the input.
func (a *Aggregator) ensureTopics(ctx context.Context) (int, error) {
	admin, err := kafka.NewAdminClient(a.cfg.kafka.Admin("aggregator"))
	if err != nil {
		return 0, fmt.Errorf("creating admin client: %w", err)
	}
	defer admin.Close()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return ensureTopics(tctx, admin, a.cfg.topics, a.cfg.replication)
}
