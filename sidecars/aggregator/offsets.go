package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sendOffsets adds the input offsets to the open transaction with the
// group's current member id and generation (KIP-447), as the Java
// producer's sendOffsetsToTransaction does. kgo keeps this step to its
// GroupTransactSession, which aborts the open transaction on any
// revocation; the aggregator instead commits inside the revocation
// callback (rebalance.go), so it issues the two requests itself with the
// producer id and epoch of the client's current transaction.
func (g *gen) sendOffsets(ctx context.Context, offsets map[int32]int64) error {
	cfg := &g.a.cfg
	id, epoch, err := g.cl.ProducerID(ctx)
	if err != nil {
		return fmt.Errorf("loading producer id: %w", err)
	}
	add := kmsg.NewPtrAddOffsetsToTxnRequest()
	add.TransactionalID = cfg.transactionalID()
	add.ProducerID, add.ProducerEpoch = id, epoch
	add.Group = cfg.group
	err = retryKafka(ctx, func() error {
		resp, err := add.RequestWith(ctx, g.cl)
		if err != nil {
			return err
		}
		return kerr.ErrorForCode(resp.ErrorCode)
	})
	if err != nil {
		return fmt.Errorf("adding group %s to the transaction: %w", cfg.group, err)
	}

	member, generation := g.cl.GroupMetadata()
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID = cfg.transactionalID()
	req.Group = cfg.group
	req.ProducerID, req.ProducerEpoch = id, epoch
	req.MemberID, req.Generation = member, generation
	if cfg.static {
		req.InstanceID = &cfg.instanceID
	}
	topic := kmsg.NewTxnOffsetCommitRequestTopic()
	topic.Topic, topic.TopicID = cfg.topics.Input, g.inputID
	for p, o := range offsets {
		rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, o, -1
		topic.Partitions = append(topic.Partitions, rp)
	}
	req.Topics = append(req.Topics, topic)
	err = retryKafka(ctx, func() error {
		resp, err := req.RequestWith(ctx, g.cl)
		if err != nil {
			return err
		}
		var errs []error
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					errs = append(errs, fmt.Errorf("partition %d: %w", p.Partition, err))
				}
			}
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return fmt.Errorf("committing offsets of %s in the transaction as member %q generation %d: %w", cfg.topics.Input, member, generation, err)
	}
	return nil
}

// retryKafka repeats fn while the broker answers with a retriable error
// (a coordinator moving or loading, a previous transaction's markers still
// being written).
func retryKafka(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil || !kerr.IsRetriable(err) && !errors.Is(err, kerr.ConcurrentTransactions) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// topicID reads the input topic's id, which TxnOffsetCommit v6 names the
// topic by.
func (g *gen) topicID(ctx context.Context, topic string) ([16]byte, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = &topic
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, g.cl)
	if err != nil {
		return [16]byte{}, fmt.Errorf("reading metadata of %s: %w", topic, err)
	}
	for _, t := range resp.Topics {
		if t.Topic != nil && *t.Topic == topic {
			if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
				return [16]byte{}, fmt.Errorf("reading metadata of %s: %w", topic, err)
			}
			return t.TopicID, nil
		}
	}
	return [16]byte{}, fmt.Errorf("reading metadata of %s: %w", topic, ErrMissingTopic)
}
