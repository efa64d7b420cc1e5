package kclient

import (
	"context"
	"fmt"
	"sort"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// PartitionLag is a consumer group's position on one partition.
type PartitionLag struct {
	Topic     string
	Partition int32
	// Committed is the group's committed offset; -1 when it has none yet.
	Committed int64
	// End is the partition's last stable offset (read_committed high watermark).
	End int64
	// Lag is End-Committed; for a partition without a commit it is the whole
	// partition from its log start.
	Lag int64
}

// GroupLag reports the lag of group on every partition it has committed
// offsets for, plus every partition of topics (which may be nil), so that a
// group that never committed on a topic still shows its full backlog.
func GroupLag(ctx context.Context, admin *kafka.AdminClient, group string, topics []string) ([]PartitionLag, error) {
	res, err := admin.ListConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{Group: group}})
	if err != nil {
		return nil, fmt.Errorf("listing offsets of group %q: %w", group, err)
	}
	// kafka.TopicPartition holds the topic by pointer, so it cannot be a map
	// key across calls; tp is the value-typed key.
	committed := map[tp]int64{}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if tp.Error != nil {
				return nil, fmt.Errorf("listing offset of group %q on %s[%d]: %w", group, *tp.Topic, tp.Partition, tp.Error)
			}
			committed[key(*tp.Topic, tp.Partition)] = int64(tp.Offset)
		}
	}
	if len(topics) > 0 {
		md, err := admin.GetMetadata(nil, true, timeoutMS(ctx))
		if err != nil {
			return nil, fmt.Errorf("reading metadata for lag of group %q: %w", group, err)
		}
		for _, t := range topics {
			for _, p := range md.Topics[t].Partitions {
				if _, ok := committed[key(t, p.ID)]; !ok {
					committed[key(t, p.ID)] = int64(kafka.OffsetInvalid)
				}
			}
		}
	}
	if len(committed) == 0 {
		return nil, nil
	}
	ends, starts := map[kafka.TopicPartition]kafka.OffsetSpec{}, map[kafka.TopicPartition]kafka.OffsetSpec{}
	for k := range committed {
		ends[k.kafka()] = kafka.LatestOffsetSpec
		starts[k.kafka()] = kafka.EarliestOffsetSpec
	}
	endRes, err := admin.ListOffsets(ctx, ends, kafka.SetAdminIsolationLevel(kafka.IsolationLevelReadCommitted))
	if err != nil {
		return nil, fmt.Errorf("listing end offsets for group %q: %w", group, err)
	}
	startRes, err := admin.ListOffsets(ctx, starts)
	if err != nil {
		return nil, fmt.Errorf("listing start offsets for group %q: %w", group, err)
	}
	endOf, startOf := byKey(endRes), byKey(startRes)
	out := make([]PartitionLag, 0, len(committed))
	for k, c := range committed {
		end, ok := endOf[k]
		if !ok || end.Error.Code() != kafka.ErrNoError {
			return nil, fmt.Errorf("listing end offset of %s[%d]: %v", k.topic, k.partition, end.Error)
		}
		start := startOf[k]
		pl := PartitionLag{Topic: k.topic, Partition: k.partition, Committed: c, End: int64(end.Offset)}
		if c < 0 {
			pl.Committed = -1
			pl.Lag = int64(end.Offset) - int64(start.Offset)
		} else {
			pl.Lag = int64(end.Offset) - c
		}
		if pl.Lag < 0 {
			pl.Lag = 0 // a commit past a truncated log end is not negative work
		}
		out = append(out, pl)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out, nil
}

// TotalLag sums the lag of all partitions.
func TotalLag(ls []PartitionLag) int64 {
	var n int64
	for _, l := range ls {
		n += l.Lag
	}
	return n
}

type tp struct {
	topic     string
	partition int32
}

func key(topic string, p int32) tp { return tp{topic, p} }

func (k tp) kafka() kafka.TopicPartition {
	t := k.topic
	return kafka.TopicPartition{Topic: &t, Partition: k.partition}
}

func byKey(r kafka.ListOffsetsResult) map[tp]kafka.ListOffsetsResultInfo {
	m := make(map[tp]kafka.ListOffsetsResultInfo, len(r.ResultInfos))
	for k, v := range r.ResultInfos {
		m[key(*k.Topic, k.Partition)] = v
	}
	return m
}
