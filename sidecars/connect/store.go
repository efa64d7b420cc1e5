package connect

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/kclient"
)

// store reads and writes the three internal topics. One consumer, assigned
// to every partition of the three topics from the beginning (no consumer
// group), feeds the config, status and offset views; one idempotent
// producer writes. Writers that need read-your-writes wait until the
// reader has passed the offset their record landed at.
type store struct {
	cfg    *config
	log    *zap.Logger
	prod   *kafka.Producer
	cons   *kafka.Consumer
	admin  *kafka.AdminClient
	topics [3]string

	configs *configView
	status  *statusView
	offsets *offsetView

	mu       sync.Mutex
	consumed map[tp]int64 // next offset to read per partition
	lastRead time.Time    // when the reader last applied a record
	changed  *sync.Cond
	caughtUp bool

	stop    chan struct{}
	done    chan struct{}
	reading bool // the read goroutine was started
}

type tp struct {
	topic     string
	partition int32
}

func newStore(cfg *config, log *zap.Logger) *store {
	s := &store{
		cfg: cfg, log: log,
		topics:   [3]string{cfg.configTopic, cfg.statusTopic, cfg.offsetTopic},
		configs:  newConfigView(),
		status:   newStatusView(),
		offsets:  newOffsetView(),
		consumed: map[tp]int64{},
		stop:     make(chan struct{}), done: make(chan struct{}),
	}
	s.changed = sync.NewCond(&s.mu)
	return s
}

// open creates the clients, assigns every internal partition and reads
// them to their end, so the views are complete before the worker acts.
func (s *store) open(ctx context.Context) error {
	var err error
	role := "connect-" + s.cfg.groupID
	if s.admin, err = kafka.NewAdminClient(s.cfg.kafka.Admin(role)); err != nil {
		return fmt.Errorf("creating admin client: %w", err)
	}
	pc := s.cfg.kafka.Producer(role + "-internal")
	// Java workers partition internal records with murmur2; matching it
	// keeps each key on the partition a Java worker would use.
	(*pc)["partitioner"] = "murmur2_random"
	(*pc)["linger.ms"] = 0
	if s.prod, err = kafka.NewProducer(pc); err != nil {
		return fmt.Errorf("creating internal producer: %w", err)
	}
	go s.drainProducerEvents()
	cc := s.cfg.kafka.Consumer(role+"-internal", s.cfg.groupID+"-internal-reader")
	(*cc)["fetch.wait.max.ms"] = 50
	(*cc)["isolation.level"] = "read_uncommitted"
	if s.cons, err = kafka.NewConsumer(cc); err != nil {
		return fmt.Errorf("creating internal reader: %w", err)
	}
	ends, err := s.assignAll(ctx)
	if err != nil {
		return err
	}
	s.reading = true
	go s.read()
	if err := s.waitForEnd(ctx, ends); err != nil {
		return fmt.Errorf("reading internal topics: %w", err)
	}
	s.mu.Lock()
	s.caughtUp = true
	s.mu.Unlock()
	s.configs.markStarted()
	return nil
}

func (s *store) assignAll(ctx context.Context) (map[tp]int64, error) {
	md, err := s.admin.GetMetadata(nil, true, timeoutMS(ctx))
	if err != nil {
		return nil, fmt.Errorf("reading metadata of internal topics: %w", err)
	}
	var parts []kafka.TopicPartition
	ends := map[tp]int64{}
	for _, name := range s.topics {
		tm, ok := md.Topics[name]
		if !ok || tm.Error.Code() != kafka.ErrNoError || len(tm.Partitions) == 0 {
			return nil, fmt.Errorf("reading metadata of internal topic %q: topic does not exist", name)
		}
		for _, p := range tm.Partitions {
			topic := name
			parts = append(parts, kafka.TopicPartition{Topic: &topic, Partition: p.ID, Offset: kafka.OffsetBeginning})
			_, high, err := s.cons.QueryWatermarkOffsets(name, p.ID, timeoutMS(ctx))
			if err != nil {
				return nil, fmt.Errorf("reading end offset of %s[%d]: %w", name, p.ID, err)
			}
			ends[tp{name, p.ID}] = high
		}
	}
	if err := s.cons.Assign(parts); err != nil {
		return nil, fmt.Errorf("assigning internal topics: %w", err)
	}
	return ends, nil
}

// read applies records until close.
func (s *store) read() {
	defer func() {
		close(s.done)
		s.mu.Lock()
		s.changed.Broadcast()
		s.mu.Unlock()
	}()
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		ev := s.cons.Poll(100)
		switch e := ev.(type) {
		case *kafka.Message:
			s.apply(e)
		case kafka.Error:
			if e.IsFatal() {
				s.log.Error("internal topic reader failed", zap.Error(e))
			} else {
				s.log.Debug("internal topic reader error", zap.Error(e))
			}
		}
	}
}

func (s *store) apply(m *kafka.Message) {
	topic := *m.TopicPartition.Topic
	key := string(m.Key)
	switch topic {
	case s.cfg.configTopic:
		s.configs.apply(key, m.Value, int64(m.TopicPartition.Offset), s.log)
	case s.cfg.statusTopic:
		s.status.apply(key, m.Value, m.Timestamp, s.isCaughtUp(), s.log)
	case s.cfg.offsetTopic:
		s.offsets.apply(m.Key, m.Value, s.log)
	}
	s.mu.Lock()
	s.consumed[tp{topic, m.TopicPartition.Partition}] = int64(m.TopicPartition.Offset) + 1
	s.lastRead = time.Now()
	s.changed.Broadcast()
	s.mu.Unlock()
}

func (s *store) isCaughtUp() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caughtUp
}

// compactedGapGrace is how long the reader may sit idle below an end
// offset before waitForEnd concludes that the records up to it were
// compacted away (a tombstone at the end of a partition disappears after
// delete.retention.ms, leaving the end offset unreachable by reading).
const compactedGapGrace = 3 * time.Second

// waitFor blocks until the reader has consumed up to (excluding) every
// given end offset. It is for offsets of records this worker just wrote.
func (s *store) waitFor(ctx context.Context, ends map[tp]int64) error {
	return s.wait(ctx, ends, false)
}

// waitForEnd is waitFor for end offsets of whole partitions, which
// compaction may have made unreachable: once the reader has been idle for
// compactedGapGrace it counts as caught up.
func (s *store) waitForEnd(ctx context.Context, ends map[tp]int64) error {
	return s.wait(ctx, ends, true)
}

func (s *store) wait(ctx context.Context, ends map[tp]int64, allowGaps bool) error {
	wake := func() {
		s.mu.Lock()
		s.changed.Broadcast()
		s.mu.Unlock()
	}
	stop := context.AfterFunc(ctx, wake)
	defer stop()
	if allowGaps {
		done := make(chan struct{})
		defer close(done)
		go func() {
			tick := time.NewTicker(compactedGapGrace / 4)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					wake()
				}
			}
		}()
	}
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		behind := false
		for p, end := range ends {
			if end > 0 && s.consumed[p] < end {
				behind = true
				break
			}
		}
		if !behind {
			return nil
		}
		if allowGaps && time.Since(maxTime(start, s.lastRead)) >= compactedGapGrace {
			s.log.Warn("internal topic reader idle below the end offset; treating the rest as compacted away")
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		select {
		case <-s.done:
			return ErrStopped
		default:
		}
		s.changed.Wait()
	}
}

// readToEnd waits until the reader has seen everything written to topic
// so far (by any worker).
func (s *store) readToEnd(ctx context.Context, topic string) error {
	md, err := s.admin.GetMetadata(&topic, false, timeoutMS(ctx))
	if err != nil {
		return fmt.Errorf("reading metadata of %q: %w", topic, err)
	}
	ends := map[tp]int64{}
	for _, p := range md.Topics[topic].Partitions {
		_, high, err := s.cons.QueryWatermarkOffsets(topic, p.ID, timeoutMS(ctx))
		if err != nil {
			return fmt.Errorf("reading end offset of %s[%d]: %w", topic, p.ID, err)
		}
		ends[tp{topic, p.ID}] = high
	}
	return s.waitForEnd(ctx, ends)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// write produces one record and waits for its acknowledgement; with
// wait it also waits until the reader has applied it. A nil value is a
// tombstone.
func (s *store) write(ctx context.Context, topic string, key []byte, value []byte, wait bool) error {
	dc := make(chan kafka.Event, 1)
	t := topic
	err := s.prod.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &t, Partition: kafka.PartitionAny},
		Key: key, Value: value}, dc)
	if err != nil {
		return fmt.Errorf("writing %q to %s: %w", key, topic, err)
	}
	var m *kafka.Message
	select {
	case ev := <-dc:
		m, _ = ev.(*kafka.Message)
	case <-ctx.Done():
		return fmt.Errorf("writing %q to %s: %w", key, topic, ctx.Err())
	}
	if m == nil {
		return fmt.Errorf("writing %q to %s: unexpected delivery event", key, topic)
	}
	if m.TopicPartition.Error != nil {
		return fmt.Errorf("writing %q to %s: %w", key, topic, m.TopicPartition.Error)
	}
	if !wait {
		return nil
	}
	return s.waitFor(ctx, map[tp]int64{{topic, m.TopicPartition.Partition}: int64(m.TopicPartition.Offset) + 1})
}

// writeAsync produces without waiting; failures are logged. Status updates
// use it so a slow broker cannot stall a task.
func (s *store) writeAsync(topic string, key, value []byte) {
	t := topic
	if err := s.prod.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &t, Partition: kafka.PartitionAny},
		Key: key, Value: value}, nil); err != nil {
		s.log.Warn("writing internal record failed", zap.String("topic", topic), zap.ByteString("key", key), zap.Error(err))
	}
}

// drainProducerEvents consumes delivery reports of writeAsync.
func (s *store) drainProducerEvents() {
	for ev := range s.prod.Events() {
		if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
			s.log.Warn("internal record not delivered", zap.ByteString("key", m.Key), zap.Error(m.TopicPartition.Error))
		}
	}
}

// close stops the reader and closes the clients.
func (s *store) close() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	if s.reading {
		<-s.done
	}
	if s.cons != nil {
		_ = s.cons.Close()
	}
	if s.prod != nil {
		s.prod.Flush(2000)
		s.prod.Close()
	}
	if s.admin != nil {
		s.admin.Close()
	}
}

// ensureTopics creates missing internal topics with the settings Kafka
// Connect uses.
func ensureTopics(ctx context.Context, cfg *config) error {
	admin, err := kafka.NewAdminClient(cfg.kafka.Admin("connect-" + cfg.groupID))
	if err != nil {
		return fmt.Errorf("creating admin client: %w", err)
	}
	defer admin.Close()
	_, err = kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{
		{Name: cfg.configTopic, Partitions: 1, Config: kclient.Compacted(), ExactPartitions: true},
		{Name: cfg.offsetTopic, Partitions: 25, Config: kclient.Compacted()},
		{Name: cfg.statusTopic, Partitions: 5, Config: kclient.Compacted()},
	})
	if err != nil {
		return fmt.Errorf("ensuring internal topics: %w", err)
	}
	return nil
}

func timeoutMS(ctx context.Context) int {
	if dl, ok := ctx.Deadline(); ok {
		return max(1, int(time.Until(dl).Milliseconds()))
	}
	return 10000
}
