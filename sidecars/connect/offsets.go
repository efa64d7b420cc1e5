package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/connectors"
)

// Offsets of sink connectors are the consumer group connect-<name>; those
// of source connectors live in connect-offsets. Changing either requires
// the connector to be STOPPED (no task may be committing meanwhile).

const (
	sinkTopicKey     = "kafka_topic"
	sinkPartitionKey = "kafka_partition"
	sinkOffsetKey    = "kafka_offset"
)

func sinkGroup(name string) string { return "connect-" + name }

func (h *herder) connectorOffsets(ctx context.Context, name string) (offsetsReply, error) {
	snap := h.store.configs.snapshot()
	props, ok := snap.connectors[name]
	if !ok {
		return offsetsReply{}, notFound(name)
	}
	out := offsetsReply{Offsets: []offsetOut{}}
	if h.connectorType(props) != connectors.SinkType {
		for _, so := range h.store.offsets.of(name) {
			out.Offsets = append(out.Offsets, offsetOut{Partition: so.partition, Offset: so.offset})
		}
		return out, nil
	}
	res, err := h.store.admin.ListConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{Group: sinkGroup(name)}})
	if err != nil {
		return offsetsReply{}, fmt.Errorf("listing offsets of group %s: %w", sinkGroup(name), err)
	}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, p := range g.Partitions {
			if p.Error != nil || p.Offset < 0 {
				continue
			}
			out.Offsets = append(out.Offsets, offsetOut{
				Partition: map[string]any{sinkTopicKey: *p.Topic, sinkPartitionKey: p.Partition},
				Offset:    map[string]any{sinkOffsetKey: int64(p.Offset)},
			})
		}
	}
	sort.Slice(out.Offsets, func(i, j int) bool {
		a, b := out.Offsets[i].Partition, out.Offsets[j].Partition
		if a[sinkTopicKey] != b[sinkTopicKey] {
			return a[sinkTopicKey].(string) < b[sinkTopicKey].(string)
		}
		return a[sinkPartitionKey].(int32) < b[sinkPartitionKey].(int32)
	})
	return out, nil
}

// requireStopped checks that offsets may change.
func (h *herder) requireStopped(name string) (map[string]string, error) {
	snap := h.store.configs.snapshot()
	props, ok := snap.connectors[name]
	if !ok {
		return nil, notFound(name)
	}
	if snap.targetOf(name) != TargetStopped || len(snap.tasks[name]) > 0 {
		return nil, fmt.Errorf("%w: Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint",
			ErrBadRequest, name)
	}
	return props, nil
}

func (h *herder) alterOffsets(ctx context.Context, name string, body offsetsBody) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	props, err := h.requireStopped(name)
	if err != nil {
		return err
	}
	if len(body.Offsets) == 0 {
		return fmt.Errorf("%w: Partitions / offsets need to be provided for an alter offsets request", ErrBadRequest)
	}
	if h.connectorType(props) == connectors.SinkType {
		return h.alterSinkOffsets(ctx, name, body.Offsets)
	}
	for i, e := range body.Offsets {
		if len(e.Partition) == 0 {
			return fmt.Errorf("%w: offsets[%d].partition: source partitions may not be empty", ErrBadRequest, i)
		}
	}
	for _, e := range body.Offsets {
		key, err := offsetKey(name, e.Partition)
		if err != nil {
			return fmt.Errorf("%w: encoding partition: %v", ErrBadRequest, err)
		}
		var val []byte
		if e.Offset != nil {
			if val, err = json.Marshal(*e.Offset); err != nil {
				return fmt.Errorf("%w: encoding offset: %v", ErrBadRequest, err)
			}
		}
		if err := h.store.write(ctx, h.cfg.offsetTopic, key, val, true); err != nil {
			return err
		}
	}
	return nil
}

type sinkOffset struct {
	topic     string
	partition int32
	offset    *int64
}

func parseSinkOffsets(entries []offsetEntry) ([]sinkOffset, error) {
	out := make([]sinkOffset, 0, len(entries))
	for i, e := range entries {
		topic, ok := e.Partition[sinkTopicKey].(string)
		if !ok || topic == "" {
			return nil, fmt.Errorf("%w: offsets[%d].partition: Partition information for sink connectors must contain the "+
				"key '%s' with a non-empty string value", ErrBadRequest, i, sinkTopicKey)
		}
		p, ok := wholeNumber(e.Partition[sinkPartitionKey])
		if !ok || p < 0 || p > math.MaxInt32 {
			return nil, fmt.Errorf("%w: offsets[%d].partition: Partition information for sink connectors must contain the "+
				"key '%s' with a non-negative integer value", ErrBadRequest, i, sinkPartitionKey)
		}
		so := sinkOffset{topic: topic, partition: int32(p)}
		if e.Offset != nil {
			o, ok := wholeNumber((*e.Offset)[sinkOffsetKey])
			if !ok || o < 0 {
				return nil, fmt.Errorf("%w: offsets[%d].offset: Offset information for sink connectors must contain the "+
					"key '%s' with a non-negative integer value", ErrBadRequest, i, sinkOffsetKey)
			}
			so.offset = &o
		}
		out = append(out, so)
	}
	return out, nil
}

func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// alterSinkOffsets commits the given offsets for group connect-<name>. A
// null offset resets the partition to its earliest offset, which is where
// a group without a commit starts (auto.offset.reset=earliest).
func (h *herder) alterSinkOffsets(ctx context.Context, name string, entries []offsetEntry) error {
	parsed, err := parseSinkOffsets(entries)
	if err != nil {
		return err
	}
	req := map[kafka.TopicPartition]kafka.OffsetSpec{}
	for _, so := range parsed {
		if so.offset == nil {
			t := so.topic
			req[kafka.TopicPartition{Topic: &t, Partition: so.partition}] = kafka.EarliestOffsetSpec
		}
	}
	starts := map[string]map[int32]int64{}
	if len(req) > 0 {
		res, err := h.store.admin.ListOffsets(ctx, req)
		if err != nil {
			return fmt.Errorf("listing earliest offsets: %w", err)
		}
		for tp, info := range res.ResultInfos {
			if info.Error.Code() != kafka.ErrNoError {
				return fmt.Errorf("%w: listing earliest offset of %s[%d]: %v", ErrBadRequest, *tp.Topic, tp.Partition, info.Error)
			}
			if starts[*tp.Topic] == nil {
				starts[*tp.Topic] = map[int32]int64{}
			}
			starts[*tp.Topic][tp.Partition] = int64(info.Offset)
		}
	}
	parts := make([]kafka.TopicPartition, 0, len(parsed))
	for _, so := range parsed {
		t := so.topic
		o := starts[so.topic][so.partition]
		if so.offset != nil {
			o = *so.offset
		}
		parts = append(parts, kafka.TopicPartition{Topic: &t, Partition: so.partition, Offset: kafka.Offset(o)})
	}
	return h.retryGroupOp(ctx, func() error {
		res, err := h.store.admin.AlterConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{Group: sinkGroup(name), Partitions: parts}})
		if err != nil {
			return err
		}
		for _, g := range res.ConsumerGroupsTopicPartitions {
			for _, p := range g.Partitions {
				if p.Error != nil {
					return p.Error
				}
			}
		}
		return nil
	})
}

func (h *herder) resetOffsets(ctx context.Context, name string) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	props, err := h.requireStopped(name)
	if err != nil {
		return err
	}
	if h.connectorType(props) == connectors.SinkType {
		return h.retryGroupOp(ctx, func() error {
			res, err := h.store.admin.DeleteConsumerGroups(ctx, []string{sinkGroup(name)})
			if err != nil {
				return err
			}
			for _, r := range res.ConsumerGroupResults {
				if r.Error.Code() != kafka.ErrNoError && r.Error.Code() != kafka.ErrGroupIDNotFound {
					return r.Error
				}
			}
			return nil
		})
	}
	for _, so := range h.store.offsets.of(name) {
		key, err := offsetKey(name, so.partition)
		if err != nil {
			return fmt.Errorf("encoding partition: %w", err)
		}
		if err := h.store.write(ctx, h.cfg.offsetTopic, key, nil, true); err != nil {
			return err
		}
	}
	return nil
}

// retryGroupOp retries op while the group still has members: a stopped
// sink's consumers leave the group moments after STOPPED is written.
func (h *herder) retryGroupOp(ctx context.Context, op func() error) error {
	for {
		err := op()
		var kerr kafka.Error
		if err == nil || !errors.As(err, &kerr) || (kerr.Code() != kafka.ErrNonEmptyGroup && kerr.Code() != kafka.ErrUnknownMemberID &&
			kerr.Code() != kafka.ErrRebalanceInProgress) {
			if err != nil {
				return fmt.Errorf("changing offsets of the consumer group: %w", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("changing offsets of the consumer group: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
