package aggregator

import (
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// Defaults of the options below.
const (
	DefaultGroup          = "aggregator"
	DefaultChangelogTopic = "aggregator-changelog"
	DefaultCommitInterval = 100 * time.Millisecond
	DefaultRestoreTimeout = 2 * time.Minute
	// DefaultTransactionTimeout is kclient's transaction.timeout.ms.
	DefaultTransactionTimeout = 60 * time.Second
)

// Topics names every topic the aggregator touches.
type Topics struct {
	Input      string // UserEvent records keyed by user_id
	DLQ        string // late, invalid and undecodable input, as received
	Aggregates string // BehaviorAggregate per user and closed window
	Sessions   string // SessionFeatures upserts keyed by session_id
	Profiles   string // ProfileUpdate deltas per user and closed window
	Changelog  string // compacted state; created by the aggregator
}

// DefaultTopics returns the blueprint's topic names.
func DefaultTopics() Topics {
	return Topics{
		Input: topics.UserEvents, DLQ: topics.UserEventsDLQ, Aggregates: topics.RecommendationInput,
		Sessions: topics.SessionFeatures, Profiles: topics.ProfileUpdates, Changelog: DefaultChangelogTopic,
	}
}

func (t Topics) all() []string {
	return []string{t.Input, t.DLQ, t.Aggregates, t.Sessions, t.Profiles, t.Changelog}
}

// Option configures an Aggregator. Values are checked by New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	kafka          kclient.Config
	registry       serde.Registry
	instanceID     string
	group          string
	topics         Topics
	spec           window.Spec
	weights        window.Weights
	commitInterval time.Duration
	txnTimeout     time.Duration
	idleAdvance    time.Duration
	restoreTimeout time.Duration
	static         bool
	autoRegister   bool
	replication    int
	logger         *zap.Logger
	metrics        *prometheus.Registry
	httpAddr       string
	consumerProps  map[string]string
}

// WithKafka sets the cluster to use. Required.
func WithKafka(c kclient.Config) Option { return optionFunc(func(cfg *config) { cfg.kafka = c }) }

// WithRegistry sets the schema registry client the serdes use, typically a
// *serde.Client. Required.
func WithRegistry(r serde.Registry) Option { return optionFunc(func(cfg *config) { cfg.registry = r }) }

// WithInstanceID names this process among the aggregators of its group. It
// must be stable across restarts and unique among running instances: it
// makes the transactional.id (<group>-<id>), so a restarted instance fences
// its crashed predecessor, and the static group.instance.id, so it gets its
// partitions back without a rebalance. Default: the host name.
func WithInstanceID(id string) Option { return optionFunc(func(cfg *config) { cfg.instanceID = id }) }

// WithGroup sets the consumer group. Default: DefaultGroup.
func WithGroup(g string) Option { return optionFunc(func(cfg *config) { cfg.group = g }) }

// WithTopics overrides topic names. Default: DefaultTopics().
func WithTopics(t Topics) Option { return optionFunc(func(cfg *config) { cfg.topics = t }) }

// WithWindowSize sets the window length. Default: window.DefaultSize (30 s).
// Without WithHop windows are tumbling.
func WithWindowSize(d time.Duration) Option {
	return optionFunc(func(cfg *config) { cfg.spec.Size = d })
}

// WithHop makes windows hop by d, which must divide the window size.
// Zero or the window size means tumbling. Default: tumbling.
func WithHop(d time.Duration) Option { return optionFunc(func(cfg *config) { cfg.spec.Advance = d }) }

// WithGrace sets how late (behind stream time) an event may arrive and
// still count. Default: window.DefaultGrace (10 s).
func WithGrace(d time.Duration) Option { return optionFunc(func(cfg *config) { cfg.spec.Grace = d }) }

// WithSessionTimeout sets the inactivity that ends a session. Default:
// window.DefaultSessionTimeout (30 min).
func WithSessionTimeout(d time.Duration) Option {
	return optionFunc(func(cfg *config) { cfg.spec.SessionTimeout = d })
}

// WithScoreWeights replaces window.DefaultWeights for behavior_score.
func WithScoreWeights(w window.Weights) Option {
	return optionFunc(func(cfg *config) { cfg.weights = w })
}

// WithCommitInterval sets how long one transaction collects work: the
// trade between throughput and how soon outputs become visible. At least
// 10 ms and at most a third of the transaction timeout. Default:
// DefaultCommitInterval.
func WithCommitInterval(d time.Duration) Option {
	return optionFunc(func(cfg *config) { cfg.commitInterval = d })
}

// WithTransactionTimeout sets transaction.timeout.ms: how long the broker
// keeps a dead instance's open transaction before aborting it. Until then
// the partitions it wrote cannot be restored by another instance (a
// restart with the same instance id aborts it at once). Default:
// DefaultTransactionTimeout.
func WithTransactionTimeout(d time.Duration) Option {
	return optionFunc(func(cfg *config) { cfg.txnTimeout = d })
}

// WithIdleAdvance lets a partition's stream time follow the wall clock once
// it has received nothing for d, so windows of a quiet partition still close
// (a storefront with little traffic). Stream time then advances by the
// wall-clock time elapsed since the partition's last record, never jumping
// to "now", so a paused replay of old data loses at most the pause. It
// trades the exact replayability of pure event time for liveness. Zero
// turns it off. Default: off.
func WithIdleAdvance(d time.Duration) Option {
	return optionFunc(func(cfg *config) { cfg.idleAdvance = d })
}

// WithRestoreTimeout bounds the restore of newly assigned partitions,
// including the wait for a crashed previous owner's open transaction to be
// aborted (up to the 60 s transaction timeout). Default:
// DefaultRestoreTimeout.
func WithRestoreTimeout(d time.Duration) Option {
	return optionFunc(func(cfg *config) { cfg.restoreTimeout = d })
}

// WithStaticMembership chooses static group membership (group.instance.id
// = instance id). A restarted instance then gets its partitions back at once
// instead of after a rebalance, but a stopped one keeps them until the
// group's session timeout. Default: on.
func WithStaticMembership(on bool) Option { return optionFunc(func(cfg *config) { cfg.static = on }) }

// WithAutoRegisterSchemas chooses whether the output serializers register
// the governed schemas (true) or only look them up and fail when they are
// missing (false). Default: true.
func WithAutoRegisterSchemas(on bool) Option {
	return optionFunc(func(cfg *config) { cfg.autoRegister = on })
}

// WithReplicationFactor sets the changelog topic's replication factor when
// the aggregator creates it. Default: 1 (the embedded broker).
func WithReplicationFactor(n int) Option {
	return optionFunc(func(cfg *config) { cfg.replication = n })
}

// WithConsumerProperties sets group properties, named as in librdkafka and
// Java: session.timeout.ms and heartbeat.interval.ms, which decide how fast
// a stopped static member's partitions move, and max.poll.interval.ms (the
// rebalance timeout). New refuses any other key, naming it. Default: none.
func WithConsumerProperties(props map[string]string) Option {
	return optionFunc(func(cfg *config) {
		cfg.consumerProps = make(map[string]string, len(props))
		for k, v := range props {
			cfg.consumerProps[k] = v
		}
	})
}

// WithLogger sets the logger. Default: zap.NewNop().
func WithLogger(l *zap.Logger) Option { return optionFunc(func(cfg *config) { cfg.logger = l }) }

// WithMetrics registers the aggregator's metrics in reg (and serves reg on
// /metrics when WithHTTPAddr is set). Default: metrics are kept but not
// registered anywhere.
func WithMetrics(reg *prometheus.Registry) Option {
	return optionFunc(func(cfg *config) { cfg.metrics = reg })
}

// WithHTTPAddr serves GET /health and GET /metrics on addr (port 0 picks
// one), for running the aggregator as its own process. Default: no server.
func WithHTTPAddr(addr string) Option { return optionFunc(func(cfg *config) { cfg.httpAddr = addr }) }

var instanceIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

func defaults() config {
	spec := window.DefaultSpec()
	spec.Advance = 0 // tumbling at whatever size: validate makes it Size
	host, err := os.Hostname()
	if err != nil || !instanceIDPattern.MatchString(host) {
		host = "0"
	}
	return config{
		instanceID: host, group: DefaultGroup, topics: DefaultTopics(), spec: spec,
		weights: window.DefaultWeights(), commitInterval: DefaultCommitInterval, restoreTimeout: DefaultRestoreTimeout,
		txnTimeout: DefaultTransactionTimeout,
		static:     true, autoRegister: true, replication: 1, logger: zap.NewNop(),
	}
}

func (c *config) validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidOption, fmt.Sprintf(format, args...))
	}
	if err := c.kafka.Validate(); err != nil {
		return fmt.Errorf("%w: kafka: %w", ErrInvalidOption, err)
	}
	switch {
	case c.registry == nil:
		return fail("schema registry is required (WithRegistry)")
	case !instanceIDPattern.MatchString(c.instanceID):
		return fail("instance id %q must be 1-200 characters of A-Z a-z 0-9 . _ -", c.instanceID)
	case c.group == "":
		return fail("consumer group is empty")
	case c.txnTimeout < time.Second || c.txnTimeout%time.Millisecond != 0:
		return fail("transaction timeout %s must be whole milliseconds, at least 1s", c.txnTimeout)
	case c.commitInterval < 10*time.Millisecond || c.commitInterval > c.txnTimeout/3:
		return fail("commit interval %s is outside [10ms, %s] (a third of the transaction timeout)", c.commitInterval, c.txnTimeout/3)
	case c.idleAdvance < 0:
		return fail("idle advance %s is negative", c.idleAdvance)
	case c.restoreTimeout <= 0:
		return fail("restore timeout %s must be positive", c.restoreTimeout)
	case c.replication < 1:
		return fail("replication factor %d must be at least 1", c.replication)
	case c.logger == nil:
		return fail("logger is nil")
	}
	if c.spec.Advance == 0 {
		c.spec.Advance = c.spec.Size
	}
	if err := c.spec.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	if err := c.weights.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	if err := c.checkProperties(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range c.topics.all() {
		if t == "" {
			return fail("every topic needs a name, got %+v", c.topics)
		}
		if seen[t] {
			return fail("topic %q is used for two purposes", t)
		}
		seen[t] = true
	}
	return nil
}
