package aggregator

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
)

// The group client is franz-go (see internal/kclient's Kgo for why and for
// the translated kafka properties). WithConsumerProperties is a librdkafka
// property map too, so its keys are translated here and every other key is
// refused by name at New.

// consumerProperties are the WithConsumerProperties keys translated to kgo.
var consumerProperties = map[string]bool{
	"session.timeout.ms": true, "heartbeat.interval.ms": true, "max.poll.interval.ms": true,
}

// checkProperties refuses kafka and consumer properties the kgo group
// client cannot honour, naming the key; New calls it so a bad key fails at
// start-up.
func (c *config) checkProperties() error {
	if _, err := c.kafka.Kgo("aggregator", nil); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	for _, k := range slices.Sorted(maps.Keys(c.consumerProps)) {
		if !consumerProperties[k] {
			return fmt.Errorf("%w: consumer property %q is not supported (supported: %s)", ErrInvalidOption, k,
				strings.Join(slices.Sorted(maps.Keys(consumerProperties)), ", "))
		}
		if n, err := strconv.Atoi(c.consumerProps[k]); err != nil || n <= 0 {
			return fmt.Errorf("%w: consumer property %q = %q: want a positive number of milliseconds", ErrInvalidOption, k, c.consumerProps[k])
		}
	}
	return nil
}

// clientOpts are the options of the group client: a transactional producer
// and a read_committed group consumer in one client, since offsets join the
// producer's transaction with the consumer's group metadata.
func (c *config) clientOpts(log *zap.Logger) ([]kgo.Opt, error) {
	base, err := c.kafka.Kgo("aggregator", log)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	opts := append(base,
		kgo.TransactionalID(c.transactionalID()),
		kgo.TransactionTimeout(c.txnTimeout),
		// Snappy rather than kclient's lz4: pure-Go lz4 cost ≈ 3 µs of CPU
		// per event here, snappy (assembly) ≈ 1; every client reads both.
		kgo.ProducerBatchCompression(kgo.SnappyCompression()),
		kgo.RecordPartitioner(partitioner{changelog: c.topics.Changelog}),
		kgo.ProducerLinger(5*time.Millisecond),
		// A commit's flush produces one changelog record per changed user at
		// once; blocking tasks at kgo's default of 10,000 would serialise it.
		kgo.MaxBufferedRecords(1<<20),
		kgo.ConsumerGroup(c.group),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		// The long-poll bound of the librdkafka consumer this replaces
		// (fetch.wait.max.ms); kgo's default is 5 s.
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if c.static {
		opts = append(opts, kgo.InstanceID(c.instanceID))
	}
	ms := func(k string) time.Duration {
		n, _ := strconv.Atoi(c.consumerProps[k])
		return time.Duration(n) * time.Millisecond
	}
	if _, ok := c.consumerProps["session.timeout.ms"]; ok {
		opts = append(opts, kgo.SessionTimeout(ms("session.timeout.ms")))
	}
	if _, ok := c.consumerProps["heartbeat.interval.ms"]; ok {
		opts = append(opts, kgo.HeartbeatInterval(ms("heartbeat.interval.ms")))
	}
	if _, ok := c.consumerProps["max.poll.interval.ms"]; ok {
		opts = append(opts, kgo.RebalanceTimeout(ms("max.poll.interval.ms")))
	}
	return opts, nil
}

// partitioner writes changelog records to the partition they name
// (changelog partition p holds input partition p's state) and places
// outputs by Kafka's murmur2 of the key, as librdkafka's murmur2_random and
// the Java client do; records without a key (some dead letters) go
// sticky.
type partitioner struct{ changelog string }

func (p partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	if topic == p.changelog {
		return kgo.ManualPartitioner().ForTopic(topic)
	}
	return kgo.StickyKeyPartitioner(nil).ForTopic(topic)
}
