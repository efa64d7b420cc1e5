package connect

import (
	"context"
	"fmt"
	"strings"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// rebalance runs inside Poll. Revoked partitions are flushed and committed
// before they move; assigned ones are paused if the connector is.
func (s *sinkRun) rebalance(c *kafka.Consumer, ev kafka.Event) error {
	ctx := s.r.ctx
	cooperative := c.GetRebalanceProtocol() == "COOPERATIVE"
	switch e := ev.(type) {
	case kafka.AssignedPartitions:
		var err error
		if cooperative {
			err = c.IncrementalAssign(e.Partitions)
		} else {
			err = c.Assign(e.Partitions)
		}
		if err != nil {
			s.cbErr = fmt.Errorf("assigning partitions: %w", err)
			return s.cbErr
		}
		if !cooperative {
			clear(s.assigned)
		}
		tps := toTPs(e.Partitions)
		for _, tp := range tps {
			s.assigned[tp] = true
			s.track(tp.Topic)
		}
		if s.paused && len(e.Partitions) > 0 {
			_ = c.Pause(e.Partitions)
		}
		if pa, ok := s.task.(connectors.PartitionAware); ok && len(tps) > 0 {
			if err := safely(func() error { return pa.Open(ctx, tps) }); err != nil {
				s.cbErr = fmt.Errorf("opening partitions: %w", err)
			}
		}
	case kafka.RevokedPartitions:
		tps := toTPs(e.Partitions)
		if !c.AssignmentLost() && s.r.stopReason() != reasonAbandon {
			if err := s.commit(ctx, tps); err != nil {
				s.cbErr = err
			}
		}
		if pa, ok := s.task.(connectors.PartitionAware); ok && len(tps) > 0 {
			_ = safely(func() error { return pa.Close(ctx, tps) })
		}
		for _, tp := range tps {
			delete(s.assigned, tp)
			delete(s.offsets, tp)
		}
		var err error
		if cooperative {
			err = c.IncrementalUnassign(e.Partitions)
		} else {
			err = c.Unassign()
		}
		if err != nil {
			s.r.log.Warn("unassigning partitions failed", zap.Error(err))
		}
	}
	return nil
}

// track records that the connector uses topic (Kafka's topic tracking).
func (s *sinkRun) track(topic string) {
	if s.tracked[topic] {
		return
	}
	s.tracked[topic] = true
	s.r.h.trackTopic(s.r.name, s.r.task, topic)
}

func (s *sinkRun) assignment() []connectors.TopicPartition {
	out := make([]connectors.TopicPartition, 0, len(s.assigned))
	for tp := range s.assigned {
		out = append(out, tp)
	}
	return out
}

func (s *sinkRun) kafkaAssignment() []kafka.TopicPartition {
	out := make([]kafka.TopicPartition, 0, len(s.assigned))
	for tp := range s.assigned {
		topic := tp.Topic
		out = append(out, kafka.TopicPartition{Topic: &topic, Partition: tp.Partition})
	}
	return out
}

func toTPs(ps []kafka.TopicPartition) []connectors.TopicPartition {
	out := make([]connectors.TopicPartition, len(ps))
	for i, p := range ps {
		out[i] = connectors.TopicPartition{Topic: *p.Topic, Partition: p.Partition}
	}
	return out
}

func rawFromMessage(m *kafka.Message) *rawRecord {
	return &rawRecord{topic: *m.TopicPartition.Topic, partition: m.TopicPartition.Partition,
		offset: int64(m.TopicPartition.Offset), key: m.Key, value: m.Value, headers: m.Headers, timestamp: m.Timestamp}
}

// sinkContext is the SinkTaskContext of one attempt.
type sinkContext struct{ s *sinkRun }

func (c *sinkContext) ID() connectors.TaskID                                 { return c.s.r.id() }
func (c *sinkContext) Assignment() []connectors.TopicPartition               { return c.s.assignment() }
func (c *sinkContext) RequestCommit()                                        { c.s.commitReq = true }
func (c *sinkContext) ErrantRecordReporter() connectors.ErrantRecordReporter { return reporter{c.s} }

type reporter struct{ s *sinkRun }

// Report implements connectors.ErrantRecordReporter.
func (rp reporter) Report(ctx context.Context, rec connectors.SinkRecord, cause error) error {
	raw := rp.s.batch[rawKey{rec.OriginalTopic, rec.OriginalPartition, rec.OriginalOffset}]
	if raw == nil {
		// A record the worker did not hand out in this batch: report what
		// the task gave, without the original bytes.
		raw = &rawRecord{topic: rec.OriginalTopic, partition: rec.OriginalPartition, offset: rec.OriginalOffset}
	}
	return rp.s.eh.failed(ctx, stageTaskPut, rp.s.class, raw, cause)
}

// clientConfig applies a connector's client overrides (consumer.override.*
// or producer.override.*) and client id to base.
func (h *herder) clientConfig(base *kafka.ConfigMap, props map[string]string, prefix, clientID string) *kafka.ConfigMap {
	out := kafka.ConfigMap{}
	for k, v := range *base {
		out[k] = v
	}
	out["client.id"] = clientID
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return &out
}
