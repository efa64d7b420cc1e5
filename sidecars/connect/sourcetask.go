package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// sourceRun is one attempt of a source task.
type sourceRun struct {
	r       *runner
	task    connectors.SourceTask
	prod    *kafka.Producer
	pipe    *pipeline
	eh      *errorHandler
	pending map[string]sourceOffset // acknowledged, not yet written to connect-offsets
	tracked map[string]bool
	last    time.Time
}

func (r *runner) runSource(ctx context.Context) error {
	h := r.h
	cfg, err := taskSpec(r.plugin).Parse(r.props)
	if err != nil {
		return fmt.Errorf("parsing task config: %w", err)
	}
	s := &sourceRun{r: r, pending: map[string]sourceOffset{}, tracked: map[string]bool{}, last: time.Now()}
	if s.pipe, err = buildPipeline(h.cfg.registry, r.props, h.defaults); err != nil {
		return err
	}
	defer s.pipe.close()
	s.eh = newErrorHandler(r.id(), cfg, r.log, h.m)
	if s.prod, err = kafka.NewProducer(h.clientConfig(h.cfg.kafka.Producer("connect"), r.props,
		connectors.ProducerOverridePrefix, "connector-producer-"+r.id().String())); err != nil {
		return fmt.Errorf("creating producer: %w", err)
	}
	defer s.prod.Close()
	// A task that moved from another worker must see the offsets that
	// worker wrote last.
	rctx, cancel := context.WithTimeout(ctx, h.cfg.requestTimeout)
	err = h.store.readToEnd(rctx, h.cfg.offsetTopic)
	cancel()
	if err != nil {
		return fmt.Errorf("reading source offsets: %w", err)
	}
	s.task = r.plugin.NewSource().NewTask()
	if err := s.task.Start(ctx, &sourceContext{r: r}, cfg); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = safely(s.task.Stop)
		}
	}()
	r.report(s.state(), nil)
	for ctx.Err() == nil {
		select {
		case <-r.targetCh:
			r.report(s.state(), nil)
		default:
		}
		if r.currentTarget() == TargetPaused {
			if err := s.flushOffsets(ctx); err != nil {
				return err
			}
			r.waitTarget(ctx)
			continue
		}
		if err := s.step(ctx); err != nil {
			return err
		}
	}
	if r.stopReason() != reasonAbandon {
		fctx, cancel := context.WithTimeout(context.Background(), h.cfg.shutdownTimeout)
		defer cancel()
		if err := s.flushOffsets(fctx); err != nil {
			r.log.Warn("final offset flush failed; records may be produced again", zap.Error(err))
		}
	}
	stopped = true
	return safely(s.task.Stop)
}

func (s *sourceRun) state() State {
	if s.r.currentTarget() == TargetPaused {
		return StatePaused
	}
	return StateRunning
}

func (s *sourceRun) step(ctx context.Context) error {
	h, id := s.r.h, s.r.id()
	var recs []connectors.SourceRecord
	start := time.Now()
	err := s.eh.retry(ctx, stageTaskPoll, func() error {
		return safely(func() error {
			var perr error
			recs, perr = s.task.Poll(ctx)
			return perr
		})
	})
	h.m.pollSeconds.WithLabelValues(id.Connector).Observe(time.Since(start).Seconds())
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("polling: %w", err)
	}
	if len(recs) > 0 {
		h.m.recordsRead.WithLabelValues(id.Connector, strconv.Itoa(id.Task)).Add(float64(len(recs)))
		if err := s.send(ctx, recs); err != nil {
			return err
		}
	}
	if time.Since(s.last) >= h.cfg.flushInterval {
		return s.flushOffsets(ctx)
	}
	return nil
}

type inflight struct {
	rec  connectors.SourceRecord
	dc   chan kafka.Event
	skip bool
}

// send converts and produces a batch, waits for every acknowledgement and
// then marks the batch's source offsets as ready to be written.
func (s *sourceRun) send(ctx context.Context, recs []connectors.SourceRecord) error {
	h, id := s.r.h, s.r.id()
	flights := make([]inflight, 0, len(recs))
	for _, rec := range recs {
		f := inflight{rec: rec}
		msg, skip, err := s.convert(ctx, rec)
		if err != nil {
			return err
		}
		if skip {
			f.skip = true
			flights = append(flights, f)
			continue
		}
		f.dc = make(chan kafka.Event, 1)
		if err := s.prod.Produce(msg, f.dc); err != nil {
			if ferr := s.eh.failed(ctx, stageKafkaProduce, s.pipe.valueClass, nil, err); ferr != nil {
				return ferr
			}
			f.skip, f.dc = true, nil
		}
		s.track(*msg.TopicPartition.Topic)
		flights = append(flights, f)
	}
	written := 0
	for _, f := range flights {
		if f.dc != nil {
			var m *kafka.Message
			select {
			case ev := <-f.dc:
				m, _ = ev.(*kafka.Message)
			case <-ctx.Done():
				return nil
			}
			if m == nil || m.TopicPartition.Error != nil {
				cause := fmt.Errorf("producing to %q: unexpected delivery event", f.rec.Topic)
				if m != nil {
					cause = fmt.Errorf("producing to %q: %w", f.rec.Topic, m.TopicPartition.Error)
				}
				if ferr := s.eh.failed(ctx, stageKafkaProduce, "", nil, cause); ferr != nil {
					return ferr
				}
			} else {
				written++
				if sc, ok := s.task.(connectors.SourceCommitter); ok {
					md := connectors.RecordMetadata{Topic: *m.TopicPartition.Topic, Partition: m.TopicPartition.Partition,
						Offset: int64(m.TopicPartition.Offset)}
					if err := safely(func() error { return sc.CommitRecord(ctx, f.rec, md) }); err != nil {
						s.r.log.Warn("committing record in source failed", zap.Error(err))
					}
				}
			}
		}
		if f.rec.SourcePartition != nil && f.rec.SourceOffset != nil {
			s.pending[connectors.OffsetKey(f.rec.SourcePartition)] = sourceOffset{partition: f.rec.SourcePartition, offset: f.rec.SourceOffset}
		}
	}
	h.m.recordsWritten.WithLabelValues(id.Connector, strconv.Itoa(id.Task)).Add(float64(written))
	return nil
}

// convert applies transformations and converters; skip is true for a
// dropped or tolerated record.
func (s *sourceRun) convert(ctx context.Context, rec connectors.SourceRecord) (*kafka.Message, bool, error) {
	out, keep, class, err := s.pipe.apply(rec.Record)
	if err != nil {
		return nil, true, s.eh.failed(ctx, stageTransformation, class, nil, err)
	}
	if !keep {
		return nil, true, nil
	}
	if out.Topic == "" {
		return nil, true, s.eh.failed(ctx, stageTaskPoll, s.r.plugin.Class, nil, fmt.Errorf("%w: source record has no topic", connectors.ErrConversion))
	}
	var key, value []byte
	if err := s.eh.retry(ctx, stageKeyConverter, func() error {
		key, err = s.pipe.keyConv.FromConnect(ctx, out.Topic, out.Headers, out.KeySchema, out.Key)
		return err
	}); err != nil {
		return nil, true, s.eh.failed(ctx, stageKeyConverter, s.pipe.keyClass, nil, err)
	}
	if err := s.eh.retry(ctx, stageValueConverter, func() error {
		value, err = s.pipe.valueConv.FromConnect(ctx, out.Topic, out.Headers, out.ValueSchema, out.Value)
		return err
	}); err != nil {
		return nil, true, s.eh.failed(ctx, stageValueConverter, s.pipe.valueClass, nil, err)
	}
	topic := out.Topic
	msg := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Key: key, Value: value}
	if rec.Partition != nil {
		msg.TopicPartition.Partition = *rec.Partition
	}
	if !out.Timestamp.IsZero() {
		msg.Timestamp = out.Timestamp
	}
	for _, hd := range out.Headers {
		msg.Headers = append(msg.Headers, kafka.Header{Key: hd.Key, Value: hd.Value})
	}
	return msg, false, nil
}

// flushOffsets writes the acknowledged offsets to connect-offsets and then
// tells the task (SourceCommitter.Commit).
func (s *sourceRun) flushOffsets(ctx context.Context) error {
	s.last = time.Now()
	if len(s.pending) == 0 {
		return nil
	}
	h := s.r.h
	for k, so := range s.pending {
		key, err := offsetKey(s.r.name, so.partition)
		if err != nil {
			return fmt.Errorf("encoding offset key: %w", err)
		}
		val, err := json.Marshal(so.offset)
		if err != nil {
			return fmt.Errorf("encoding source offset: %w", err)
		}
		if err := h.store.write(ctx, h.cfg.offsetTopic, key, val, true); err != nil {
			h.m.offsetCommits.WithLabelValues(s.r.name, "failed").Inc()
			return fmt.Errorf("writing source offsets: %w", err)
		}
		delete(s.pending, k)
	}
	h.m.offsetCommits.WithLabelValues(s.r.name, "ok").Inc()
	if sc, ok := s.task.(connectors.SourceCommitter); ok {
		if err := safely(func() error { return sc.Commit(ctx) }); err != nil {
			s.r.log.Warn("committing in source failed", zap.Error(err))
		}
	}
	return nil
}

func (s *sourceRun) track(topic string) {
	if !s.tracked[topic] {
		s.tracked[topic] = true
		s.r.h.trackTopic(s.r.name, s.r.task, topic)
	}
}

// sourceContext is the SourceTaskContext of one attempt.
type sourceContext struct{ r *runner }

func (c *sourceContext) ID() connectors.TaskID { return c.r.id() }

func (c *sourceContext) Offsets(_ context.Context, partitions []map[string]any) (map[string]map[string]any, error) {
	// Round-trip through JSON so partitions written as Go literals match
	// the decoded ones in the view (numbers become float64 either way).
	norm := make([]map[string]any, 0, len(partitions))
	for _, p := range partitions {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encoding source partition: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("decoding source partition: %w", err)
		}
		norm = append(norm, m)
	}
	return c.r.h.store.offsets.get(c.r.name, norm), nil
}
