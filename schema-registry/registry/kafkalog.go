package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
)

// KafkaOption configures a KafkaLog.
type KafkaOption interface{ applyKafka(*kafkaConfig) }

type kafkaOptionFunc func(*kafkaConfig)

func (f kafkaOptionFunc) applyKafka(c *kafkaConfig) { f(c) }

type kafkaConfig struct {
	topic             string
	replicationFactor int
	logger            *zap.Logger
}

// WithTopic sets the log topic (Confluent's kafkastore.topic). Default:
// _schemas.
func WithTopic(name string) KafkaOption {
	return kafkaOptionFunc(func(c *kafkaConfig) { c.topic = name })
}

// WithReplicationFactor sets the replication factor used when the topic has
// to be created. Default: 1 (the embedded broker); use 3 on a cluster.
func WithReplicationFactor(n int) KafkaOption {
	return kafkaOptionFunc(func(c *kafkaConfig) { c.replicationFactor = n })
}

// WithKafkaLogger sets the logger. Default: no-op.
func WithKafkaLogger(l *zap.Logger) KafkaOption {
	return kafkaOptionFunc(func(c *kafkaConfig) { c.logger = l })
}

// KafkaLog is a Log on a Kafka topic with exactly one compacted partition:
// an idempotent acks=all producer appends, and a consumer assigned to
// partition 0 from the beginning (no group membership, no commits) reads.
type KafkaLog struct {
	cfg       kafkaConfig
	producer  *kafka.Producer
	consumer  *kafka.Consumer
	clusterID string

	readMu  sync.Mutex   // held by Read, so Close waits for it
	closeMu sync.RWMutex // read-held while producing, so Close waits for that
	closed  bool
	stop    chan struct{}
}

// NewKafkaLog creates the topic if needed, refuses one with the wrong
// partition count or cleanup policy (as upstream does), and connects.
func NewKafkaLog(ctx context.Context, kc kclient.Config, opts ...KafkaOption) (*KafkaLog, error) {
	cfg := kafkaConfig{topic: topics.Schemas, replicationFactor: 1, logger: zap.NewNop()}
	for _, o := range opts {
		o.applyKafka(&cfg)
	}
	if cfg.topic == "" || cfg.replicationFactor <= 0 || cfg.logger == nil {
		return nil, fmt.Errorf("configuring schema log: need a topic, a positive replication factor and a logger")
	}
	if err := kc.Validate(); err != nil {
		return nil, fmt.Errorf("configuring schema log: %w", err)
	}
	admin, err := kafka.NewAdminClient(kc.Admin("schema-registry"))
	if err != nil {
		return nil, fmt.Errorf("creating admin client for %s: %w", cfg.topic, err)
	}
	defer admin.Close()
	spec := kclient.TopicSpec{Name: cfg.topic, Partitions: 1, ReplicationFactor: cfg.replicationFactor,
		Config: kclient.Compacted(), ExactPartitions: true}
	if _, err := kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{spec}); err != nil {
		return nil, fmt.Errorf("ensuring topic %s: %w", cfg.topic, err)
	}
	clusterID, err := admin.ClusterID(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the kafka cluster id: %w", err)
	}
	pc := kc.Producer("schema-registry")
	// Registrations wait for their record; batching only adds latency.
	(*pc)["linger.ms"] = 0
	producer, err := kafka.NewProducer(pc)
	if err != nil {
		return nil, fmt.Errorf("creating producer for %s: %w", cfg.topic, err)
	}
	cc := kc.Consumer("schema-registry", "retailpulse-schema-registry")
	// Read-your-writes waits on this consumer; do not let fetches idle.
	(*cc)["fetch.wait.max.ms"] = 50
	consumer, err := kafka.NewConsumer(cc)
	if err != nil {
		producer.Close()
		return nil, fmt.Errorf("creating consumer for %s: %w", cfg.topic, err)
	}
	topic := cfg.topic
	if err := consumer.Assign([]kafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: kafka.OffsetBeginning}}); err != nil {
		producer.Close()
		_ = consumer.Close()
		return nil, fmt.Errorf("assigning %s[0]: %w", cfg.topic, err)
	}
	l := &KafkaLog{cfg: cfg, producer: producer, consumer: consumer, clusterID: clusterID, stop: make(chan struct{})}
	go l.drainProducerEvents()
	return l, nil
}

// ClusterID is the Kafka cluster id the log lives on.
func (l *KafkaLog) ClusterID() string { return l.clusterID }

// Append implements Log.
func (l *KafkaLog) Append(ctx context.Context, key, value []byte) (int64, error) {
	done := make(chan kafka.Event, 1)
	topic := l.cfg.topic
	msg := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Key: key, Value: value}
	l.closeMu.RLock()
	if l.closed {
		l.closeMu.RUnlock()
		return 0, ErrClosed
	}
	err := l.producer.Produce(msg, done)
	l.closeMu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("producing to %s: %w", topic, err)
	}
	select {
	case ev := <-done:
		m, ok := ev.(*kafka.Message)
		if !ok {
			return 0, fmt.Errorf("producing to %s: unexpected delivery event %v", topic, ev)
		}
		if m.TopicPartition.Error != nil {
			return 0, fmt.Errorf("producing to %s: %w", topic, m.TopicPartition.Error)
		}
		return int64(m.TopicPartition.Offset), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Read implements Log.
func (l *KafkaLog) Read(ctx context.Context, fn func(Record)) error {
	l.readMu.Lock()
	defer l.readMu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.stop:
			return ErrClosed
		default:
		}
		switch ev := l.consumer.Poll(100).(type) {
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				l.cfg.logger.Warn("reading the schema log", zap.Error(ev.TopicPartition.Error))
				continue
			}
			fn(Record{Offset: int64(ev.TopicPartition.Offset), Key: ev.Key, Value: ev.Value})
		case kafka.Error:
			if ev.IsFatal() {
				return fmt.Errorf("reading %s: %w", l.cfg.topic, ev)
			}
			l.cfg.logger.Debug("schema log consumer", zap.Error(ev))
		}
	}
}

// End implements Log from the consumer's cached high watermark.
func (l *KafkaLog) End() int64 {
	_, high, err := l.consumer.GetWatermarkOffsets(l.cfg.topic, 0)
	if err != nil || high < 0 {
		return 0
	}
	return high
}

// Close implements Log. It waits for a running Read to return.
func (l *KafkaLog) Close() error {
	l.closeMu.Lock()
	if l.closed {
		l.closeMu.Unlock()
		return nil
	}
	l.closed = true
	close(l.stop)
	l.closeMu.Unlock()
	l.readMu.Lock()
	defer l.readMu.Unlock()
	var errs []error
	if n := l.producer.Flush(5000); n > 0 {
		errs = append(errs, fmt.Errorf("closing schema log: %d records not delivered", n))
	}
	l.producer.Close()
	if err := l.consumer.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing schema log consumer: %w", err))
	}
	return errors.Join(errs...)
}

func (l *KafkaLog) drainProducerEvents() {
	for ev := range l.producer.Events() {
		if err, ok := ev.(kafka.Error); ok {
			l.cfg.logger.Warn("schema log producer", zap.Error(err))
		}
	}
}
