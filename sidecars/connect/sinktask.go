package connect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

const (
	maxSinkBatch = 500
	pollTimeout  = 100 * time.Millisecond
)

// sinkRun is one attempt of a sink task: consumer, converters, task.
type sinkRun struct {
	r          *runner
	task       connectors.SinkTask
	cons       *kafka.Consumer
	pipe       *pipeline
	eh         *errorHandler
	class      string
	assigned   map[connectors.TopicPartition]bool
	offsets    map[connectors.TopicPartition]int64 // next offset to commit
	batch      map[rawKey]*rawRecord               // raw records of the batch being put
	paused     bool
	commitReq  bool
	lastCommit time.Time
	lastLag    time.Time
	cbErr      error
	tracked    map[string]bool
}

type rawKey struct {
	topic     string
	partition int32
	offset    int64
}

// taskSpec is the spec task configs are parsed with.
func taskSpec(p connectors.Plugin) *connectors.ConfigSpec {
	if p.Type == connectors.PluginSink {
		return connectors.CommonSpec.Merge(connectors.SinkSpec, p.Spec)
	}
	return connectors.CommonSpec.Merge(connectors.SourceSpec, p.Spec)
}

func (r *runner) runSink(ctx context.Context) error {
	h := r.h
	cfg, err := taskSpec(r.plugin).Parse(r.props)
	if err != nil {
		return fmt.Errorf("parsing task config: %w", err)
	}
	s := &sinkRun{r: r, class: r.plugin.Class, assigned: map[connectors.TopicPartition]bool{},
		offsets: map[connectors.TopicPartition]int64{}, batch: map[rawKey]*rawRecord{}, tracked: map[string]bool{},
		lastCommit: time.Now()}
	if s.pipe, err = buildPipeline(h.cfg.registry, r.props, h.defaults); err != nil {
		return err
	}
	defer s.pipe.close()
	s.eh = newErrorHandler(r.id(), cfg, r.log, h.m)
	if s.eh.dlqTopic != "" {
		if err := h.ensureDLQ(ctx, s.eh.dlqTopic, cfg.Int(connectors.DLQReplicationConfig)); err != nil {
			return err
		}
		if s.eh.dlq, err = kafka.NewProducer(h.clientConfig(h.cfg.kafka.Producer("connect-dlq"), r.props,
			connectors.ProducerOverridePrefix, "connector-dlq-producer-"+r.id().String())); err != nil {
			return fmt.Errorf("creating dead letter queue producer: %w", err)
		}
		defer s.eh.dlq.Close()
	}
	base := h.cfg.kafka.Consumer("connect", "connect-"+r.name)
	// librdkafka's 45 s session timeout keeps a member that vanished
	// mid-rebalance (a task restarted while joining) in the group for that
	// long, blocking the others; Kafka's pre-3.0 10 s suits task churn
	// better. consumer.override.session.timeout.ms still wins.
	(*base)["session.timeout.ms"] = 10000
	(*base)["heartbeat.interval.ms"] = 2000
	cc := h.clientConfig(base, r.props, connectors.ConsumerOverridePrefix, "connector-consumer-"+r.id().String())
	if s.cons, err = kafka.NewConsumer(cc); err != nil {
		return fmt.Errorf("creating consumer: %w", err)
	}
	defer func() { _ = s.cons.Close() }()
	subs := cfg.List(connectors.TopicsConfig)
	if re := cfg.String(connectors.TopicsRegexConfig); re != "" {
		subs = []string{"^(?:" + re + ")$"}
	}
	s.task = r.plugin.NewSink().NewTask()
	if err := s.task.Start(ctx, &sinkContext{s: s}, cfg); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			if err := safely(s.task.Stop); err != nil {
				r.log.Warn("stopping task failed", zap.Error(err))
			}
		}
	}()
	if err := s.cons.SubscribeTopics(subs, s.rebalance); err != nil {
		return fmt.Errorf("subscribing to %v: %w", subs, err)
	}
	s.applyTarget()
	for ctx.Err() == nil {
		if err := s.step(ctx); err != nil {
			return err
		}
	}
	if r.stopReason() != reasonAbandon {
		fctx, cancel := context.WithTimeout(context.Background(), h.cfg.shutdownTimeout)
		defer cancel()
		if err := s.commit(fctx, nil); err != nil {
			r.log.Warn("final offset commit failed; uncommitted records will be delivered again", zap.Error(err))
		}
		if pa, ok := s.task.(connectors.PartitionAware); ok {
			_ = safely(func() error { return pa.Close(fctx, s.assignment()) })
		}
	}
	stopped = true
	return safely(s.task.Stop)
}

// step polls one batch, puts it and commits when due.
func (s *sinkRun) step(ctx context.Context) error {
	select {
	case <-s.r.targetCh:
		s.applyTarget()
	default:
	}
	msgs, err := s.poll()
	if err != nil {
		return err
	}
	if s.cbErr != nil {
		return s.cbErr
	}
	if len(msgs) > 0 {
		if err := s.process(ctx, msgs); err != nil {
			return err
		}
	}
	if s.commitReq || time.Since(s.lastCommit) >= s.r.h.cfg.flushInterval {
		if err := s.commit(ctx, nil); err != nil {
			return err
		}
	}
	// Offsets are flushed once a minute by default; lag is worth more often.
	if time.Since(s.lastLag) >= lagInterval {
		s.updateLag()
	}
	return nil
}

func (s *sinkRun) applyTarget() {
	paused := s.r.currentTarget() == TargetPaused
	if paused != s.paused || s.r.currentState() == "" || s.r.currentState() == StateRestarting {
		s.paused = paused
		if tps := s.kafkaAssignment(); len(tps) > 0 {
			if paused {
				_ = s.cons.Pause(tps)
			} else {
				_ = s.cons.Resume(tps)
			}
		}
	}
	state := StateRunning
	if paused {
		state = StatePaused
	}
	if s.r.currentState() != state {
		s.r.report(state, nil)
	}
}

func (s *sinkRun) poll() ([]*kafka.Message, error) {
	var out []*kafka.Message
	timeout := int(pollTimeout.Milliseconds())
	for len(out) < maxSinkBatch {
		ev := s.cons.Poll(timeout)
		if ev == nil {
			break
		}
		timeout = 0
		switch e := ev.(type) {
		case *kafka.Message:
			if e.TopicPartition.Error != nil {
				s.r.log.Warn("consume error", zap.Error(e.TopicPartition.Error))
				continue
			}
			out = append(out, e)
		case kafka.Error:
			if e.IsFatal() {
				return out, fmt.Errorf("consuming: %w", e)
			}
			s.r.log.Debug("consumer error", zap.Error(e))
		}
	}
	return out, nil
}

// process converts, transforms and puts a batch.
func (s *sinkRun) process(ctx context.Context, msgs []*kafka.Message) error {
	h, id := s.r.h, s.r.id()
	task := strconv.Itoa(id.Task)
	h.m.recordsRead.WithLabelValues(id.Connector, task).Add(float64(len(msgs)))
	clear(s.batch)
	records := make([]connectors.SinkRecord, 0, len(msgs))
	for _, m := range msgs {
		raw := rawFromMessage(m)
		rec, keep, err := s.convert(ctx, raw)
		if err != nil {
			return err
		}
		if keep {
			s.batch[rawKey{raw.topic, raw.partition, raw.offset}] = raw
			records = append(records, rec)
		}
	}
	if len(records) > 0 {
		if err := s.put(ctx, records); err != nil {
			return err
		}
	}
	for _, m := range msgs {
		tp := connectors.TopicPartition{Topic: *m.TopicPartition.Topic, Partition: m.TopicPartition.Partition}
		if s.assigned[tp] {
			s.offsets[tp] = int64(m.TopicPartition.Offset) + 1
		}
	}
	return nil
}

// convert turns one consumed record into a SinkRecord; keep is false when
// the record was skipped (tolerated failure or dropped by a transform).
func (s *sinkRun) convert(ctx context.Context, raw *rawRecord) (connectors.SinkRecord, bool, error) {
	rec := connectors.SinkRecord{Partition: raw.partition, Offset: raw.offset, OriginalTopic: raw.topic,
		OriginalPartition: raw.partition, OriginalOffset: raw.offset, TimestampType: connectors.CreateTime}
	rec.Topic, rec.Timestamp = raw.topic, raw.timestamp
	for _, hd := range raw.headers {
		rec.Headers = append(rec.Headers, connectors.Header{Key: hd.Key, Value: hd.Value})
	}
	var err error
	if err = s.eh.retry(ctx, stageKeyConverter, func() error {
		rec.KeySchema, rec.Key, err = s.pipe.keyConv.ToConnect(ctx, raw.topic, rec.Headers, raw.key)
		return err
	}); err != nil {
		return rec, false, s.eh.failed(ctx, stageKeyConverter, s.pipe.keyClass, raw, err)
	}
	if err = s.eh.retry(ctx, stageValueConverter, func() error {
		rec.ValueSchema, rec.Value, err = s.pipe.valueConv.ToConnect(ctx, raw.topic, rec.Headers, raw.value)
		return err
	}); err != nil {
		return rec, false, s.eh.failed(ctx, stageValueConverter, s.pipe.valueClass, raw, err)
	}
	out, keep, class, err := s.pipe.apply(rec.Record)
	if err != nil {
		return rec, false, s.eh.failed(ctx, stageTransformation, class, raw, err)
	}
	rec.Record = out
	return rec, keep, nil
}

func (s *sinkRun) put(ctx context.Context, records []connectors.SinkRecord) error {
	h, id := s.r.h, s.r.id()
	start := time.Now()
	err := s.eh.retry(ctx, stageTaskPut, func() error {
		return safely(func() error { return s.task.Put(ctx, records) })
	})
	h.m.putSeconds.WithLabelValues(id.Connector).Observe(time.Since(start).Seconds())
	var recErrs connectors.RecordErrors
	if errors.As(err, &recErrs) {
		for _, re := range recErrs {
			if re.Index < 0 || re.Index >= len(records) {
				return fmt.Errorf("putting records: task reported a failure for record %d of %d", re.Index, len(records))
			}
			rec := records[re.Index]
			raw := s.batch[rawKey{rec.OriginalTopic, rec.OriginalPartition, rec.OriginalOffset}]
			if ferr := s.eh.failed(ctx, stageTaskPut, s.class, raw, re.Err); ferr != nil {
				return ferr
			}
		}
		err = nil
	}
	if err != nil {
		return fmt.Errorf("putting %d records: %w", len(records), err)
	}
	h.m.recordsWritten.WithLabelValues(id.Connector, strconv.Itoa(id.Task)).Add(float64(len(records) - len(recErrs)))
	return nil
}

// commit flushes the task and commits the offsets of only (all assigned
// partitions when nil) to the consumer group. The commit follows a
// successful flush only, which makes delivery at-least-once.
func (s *sinkRun) commit(ctx context.Context, only []connectors.TopicPartition) error {
	h, id := s.r.h, s.r.id()
	s.commitReq, s.lastCommit = false, time.Now()
	offsets := maps.Clone(s.offsets)
	if only != nil {
		offsets = map[connectors.TopicPartition]int64{}
		for _, tp := range only {
			if o, ok := s.offsets[tp]; ok {
				offsets[tp] = o
			}
		}
	}
	if len(offsets) == 0 {
		return nil
	}
	start := time.Now()
	if pc, ok := s.task.(connectors.PreCommitter); ok {
		var err error
		err = s.eh.retry(ctx, stageTaskPut, func() error {
			return safely(func() error {
				var perr error
				offsets, perr = pc.PreCommit(ctx, offsets)
				return perr
			})
		})
		if err != nil {
			return fmt.Errorf("pre-committing offsets: %w", err)
		}
	} else if err := s.eh.retry(ctx, stageTaskPut, func() error {
		return safely(func() error { return s.task.Flush(ctx, offsets) })
	}); err != nil {
		return fmt.Errorf("flushing: %w", err)
	}
	list := make([]kafka.TopicPartition, 0, len(offsets))
	for tp, o := range offsets {
		topic := tp.Topic
		list = append(list, kafka.TopicPartition{Topic: &topic, Partition: tp.Partition, Offset: kafka.Offset(o)})
	}
	if _, err := s.cons.CommitOffsets(list); err != nil {
		// A commit refused during a rebalance loses nothing: the records
		// are delivered again from the previous commit.
		h.m.offsetCommits.WithLabelValues(id.Connector, "failed").Inc()
		s.r.log.Warn("committing offsets failed", zap.Error(err))
	} else {
		h.m.offsetCommits.WithLabelValues(id.Connector, "ok").Inc()
	}
	h.m.flushSeconds.WithLabelValues(id.Connector).Observe(time.Since(start).Seconds())
	s.updateLag()
	return nil
}

// lagInterval is how often a running sink task refreshes its lag gauge.
const lagInterval = time.Second

// updateLag sets the task's lag from librdkafka's positions and its cached
// high watermarks (no request to the broker).
func (s *sinkRun) updateLag() {
	s.lastLag = time.Now()
	tps := s.kafkaAssignment()
	if len(tps) == 0 {
		s.r.h.m.sinkLag.WithLabelValues(s.r.name, s.r.taskLabel()).Set(0)
		return
	}
	pos, err := s.cons.Position(tps)
	if err != nil {
		return
	}
	var lag int64
	for _, p := range pos {
		_, high, err := s.cons.GetWatermarkOffsets(*p.Topic, p.Partition)
		if err != nil || p.Offset < 0 || high < 0 {
			continue
		}
		lag += max(0, high-int64(p.Offset))
	}
	s.r.h.m.sinkLag.WithLabelValues(s.r.name, s.r.taskLabel()).Set(float64(lag))
}
