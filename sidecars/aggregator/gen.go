package aggregator

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"
)

const (
	// pollMax bounds one Poll, so commits, idle checks and shutdown are
	// noticed promptly when no records arrive.
	pollMax = 100 * time.Millisecond
	// txnTimeout bounds one transactional call (send offsets, commit, abort).
	txnTimeout = 30 * time.Second
	// idleCheck is how often idle partitions are considered for advancing.
	idleCheck = 100 * time.Millisecond
	// batchMax is how many polled records the loop collects before handing
	// them to the tasks; batches save a channel hand-off per record.
	batchMax = 256
)

// gen is one generation of Kafka clients: a transactional producer, the
// group consumer and a changelog restore consumer, with one task per
// assigned partition. Any error ends the generation; the next one starts
// from committed state (restored from the changelog), which is how every
// failure is recovered from without double counting.
type gen struct {
	a        *Aggregator
	ctx      context.Context
	cancel   context.CancelFunc
	log      *zap.Logger
	producer *kafka.Producer
	consumer *kafka.Consumer
	restorer *kafka.Consumer
	coop     bool

	tasks     map[int32]*task
	committed map[int32]int64 // next offsets committed per partition
	pending   map[int32][]*kafka.Message
	npending  int
	inTxn     bool
	txnStart  time.Time
	closing   bool
	// consumerFatal marks a consumer that raised a fatal error (fenced by
	// a static member with our instance id): librdkafka's close never
	// completes then, so it is abandoned instead.
	consumerFatal bool

	errMu   sync.Mutex
	err     error
	errFlag atomic.Bool // err is set; read per record without the lock
}

// fail records the first error of the generation; workers and callbacks
// use it, the poll loop acts on it.
func (g *gen) fail(err error) {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	if g.err == nil {
		g.err = err
		g.errFlag.Store(true)
	}
}

func (g *gen) failure() error {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	return g.err
}

func (g *gen) failed() bool { return g.errFlag.Load() }

// loop polls and dispatches until ctx ends (then commits what is pending)
// or something fails (then aborts).
func (g *gen) loop(ctx context.Context) error {
	interval := g.a.cfg.commitInterval
	lastIdle, lastLag := time.Now(), time.Now()
	for {
		if g.failed() {
			return g.abort(g.failure())
		}
		if ctx.Err() != nil {
			return g.commit()
		}
		timeout := pollMax
		if g.inTxn {
			timeout = min(max(interval-time.Since(g.txnStart), time.Millisecond), pollMax)
		}
		if g.npending > 0 {
			timeout = 0 // collect what is already fetched, hand it over when none is left
		}
		switch e := g.consumer.Poll(int(timeout.Milliseconds())).(type) {
		case *kafka.Message:
			if e.TopicPartition.Error != nil {
				g.log.Warn("consumer reported a partition error", zap.Stringer("partition", e.TopicPartition), zap.Error(e.TopicPartition.Error))
				continue
			}
			g.pending[e.TopicPartition.Partition] = append(g.pending[e.TopicPartition.Partition], e)
			if g.npending++; g.npending < batchMax {
				continue
			}
			if err := g.dispatch(); err != nil {
				return g.abort(err)
			}
		case nil:
			if err := g.dispatch(); err != nil {
				return g.abort(err)
			}
		case kafka.Error:
			if e.IsFatal() {
				g.consumerFatal = true
				return g.abort(fmt.Errorf("consuming: %w", classify(e)))
			}
			g.log.Debug("consumer error", zap.Error(e))
		}
		now := time.Now()
		if g.inTxn && now.Sub(g.txnStart) >= interval && g.npending == 0 {
			if err := g.commit(); err != nil {
				return err
			}
		}
		if g.a.cfg.idleAdvance > 0 && now.Sub(lastIdle) >= idleCheck {
			lastIdle = now
			if err := g.advanceIdle(now); err != nil {
				return g.abort(err)
			}
		}
		if now.Sub(lastLag) >= time.Second {
			lastLag = now
			g.observeLag(now)
		}
	}
}

// dispatch hands the collected records to their tasks. Records are only
// ever counted by a task, and offsets only committed for what was counted,
// so records still collected here when a partition is revoked are simply
// dropped: the next owner reads them again.
func (g *gen) dispatch() error {
	if g.npending == 0 {
		return nil
	}
	if err := g.begin(); err != nil {
		return err
	}
	now := time.Now().UnixNano()
	for p, msgs := range g.pending {
		if len(msgs) == 0 {
			continue
		}
		if t := g.tasks[p]; t != nil {
			t.idle.Store(now)
			t.work <- work{msgs: msgs}
		}
		g.pending[p] = nil
	}
	g.npending = 0
	return nil
}

func (g *gen) begin() error {
	if g.inTxn {
		return nil
	}
	if err := g.producer.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning transaction: %w", classify(err))
	}
	g.inTxn, g.txnStart = true, time.Now()
	return nil
}

// advanceIdle moves the stream time of partitions that have been quiet for
// the idle-advance period, when that closes something.
func (g *gen) advanceIdle(now time.Time) error {
	for _, p := range g.partitions() {
		t := g.tasks[p]
		if now.Sub(time.Unix(0, t.idle.Load())) < g.a.cfg.idleAdvance {
			continue
		}
		var target time.Time
		var due bool
		t.call(func() { target, due = t.idleTarget(now) })
		if !due {
			continue
		}
		if err := g.begin(); err != nil {
			return err
		}
		var err error
		t.call(func() { err = t.advance(target) })
		if err != nil {
			return fmt.Errorf("advancing idle partition %d: %w", p, err)
		}
	}
	return nil
}

func (g *gen) observeLag(now time.Time) {
	m := g.a.m
	for p, t := range g.tasks {
		if st := t.stream.Load(); st > -1<<62 {
			m.eventTimeLag.WithLabelValues(t.label).Set(now.Sub(time.UnixMilli(st)).Seconds())
		}
		if _, high, err := g.consumer.GetWatermarkOffsets(g.a.cfg.topics.Input, p); err == nil && high >= 0 {
			if next := t.next.Load(); next >= 0 {
				m.consumerLag.WithLabelValues(t.label).Set(float64(max(high-next, 0)))
			}
		}
	}
}

// partitions lists the owned partitions in order, so flushes and offsets
// go out in a stable order.
func (g *gen) partitions() []int32 {
	ps := make([]int32, 0, len(g.tasks))
	for p := range g.tasks {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// produce queues one record into the open transaction. Delivery reports are
// off: a record that fails delivery makes CommitTransaction fail, which is
// the only place its failure matters.
func (g *gen) produce(topic *string, partition int32, key, value []byte, headers []kafka.Header) error {
	msg := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: topic, Partition: partition}, Key: key, Value: value, Headers: headers}
	for {
		err := g.producer.Produce(msg, nil)
		if err == nil {
			return nil
		}
		var ke kafka.Error
		if !errors.As(err, &ke) || ke.Code() != kafka.ErrQueueFull {
			return fmt.Errorf("producing to %s: %w", *topic, classify(err))
		}
		select {
		case <-g.ctx.Done():
			return fmt.Errorf("producing to %s: %w", *topic, context.Cause(g.ctx))
		case <-time.After(time.Millisecond):
		}
	}
}

// classify marks fencing errors with ErrFenced, which ends Run instead of
// restarting: a newer instance with our id owns the work now.
func classify(err error) error {
	var ke kafka.Error
	if errors.As(err, &ke) {
		switch ke.Code() {
		case kafka.ErrFenced, kafka.ErrProducerFenced, kafka.ErrFencedInstanceID:
			return fmt.Errorf("%w: %w", ErrFenced, err)
		}
	}
	return err
}

func ctxFields(cfg *config, partitions int) []zap.Field {
	return []zap.Field{
		zap.String("group", cfg.group), zap.String("transactional_id", cfg.transactionalID()),
		zap.String("input", cfg.topics.Input), zap.Int("input_partitions", partitions),
		zap.Duration("window", cfg.spec.Size), zap.Duration("advance", cfg.spec.Advance),
		zap.Duration("grace", cfg.spec.Grace), zap.Duration("commit_interval", cfg.commitInterval),
	}
}
