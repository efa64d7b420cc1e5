package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// commit ends the open transaction: every task emits its pending session
// upserts and changelog records, then the input offsets go into the
// transaction with the group's metadata and it commits. Outputs, state and
// progress thus become visible together or not at all. On failure the
// transaction is aborted and the error returned; the generation must then
// end, since in-memory state is ahead of what was committed.
func (g *gen) commit() error {
	if !g.inTxn {
		return nil
	}
	start := time.Now()
	if err := g.dispatch(); err != nil {
		return g.abort(err)
	}
	closed, err := g.flushTasks()
	if err != nil {
		return g.abort(err)
	}
	var offsets []kafka.TopicPartition
	for _, p := range g.partitions() {
		if next := g.tasks[p].next.Load(); next >= 0 && next != g.committed[p] {
			offsets = append(offsets, kafka.TopicPartition{Topic: &g.a.cfg.topics.Input, Partition: p, Offset: kafka.Offset(next)})
		}
	}
	if err := g.failure(); err != nil {
		return g.abort(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), txnTimeout)
	defer cancel()
	if len(offsets) > 0 {
		md, err := g.consumer.GetConsumerGroupMetadata()
		if err != nil {
			return g.abort(fmt.Errorf("reading consumer group metadata: %w", err))
		}
		if err := retry(ctx, func() error { return g.producer.SendOffsetsToTransaction(ctx, offsets, md) }); err != nil {
			return g.abort(fmt.Errorf("sending offsets to transaction: %w", classify(err)))
		}
	}
	if err := retry(ctx, func() error { return g.producer.CommitTransaction(ctx) }); err != nil {
		return g.abort(fmt.Errorf("committing transaction: %w", classify(err)))
	}
	g.inTxn = false
	for _, o := range offsets {
		g.committed[o.Partition] = int64(o.Offset)
	}
	now := time.Now()
	m := g.a.m
	m.transactions.WithLabelValues("committed").Inc()
	m.commitSeconds.WithLabelValues().Observe(now.Sub(start).Seconds())
	h := m.emitDelay.WithLabelValues()
	for _, c := range closed {
		h.Observe(now.Sub(c).Seconds())
	}
	return nil
}

// flushTasks has every task flush in parallel, each after the records
// queued to it, and gathers the close times of the windows they emitted.
func (g *gen) flushTasks() ([]time.Time, error) {
	type result struct {
		closed []time.Time
		err    error
	}
	results := make(chan result, len(g.tasks))
	for _, t := range g.tasks {
		t.work <- work{fn: func() {
			c, err := t.flush()
			results <- result{c, err}
		}}
	}
	var closed []time.Time
	var errs []error
	for range g.tasks {
		r := <-results
		closed = append(closed, r.closed...)
		errs = append(errs, r.err)
	}
	return closed, errors.Join(errs...)
}

// abort ends the open transaction unsuccessfully and returns cause (joined
// with the abort's own failure). After a fatal producer error there is
// nothing to abort: the next generation's InitTransactions does it.
func (g *gen) abort(cause error) error {
	if !g.inTxn {
		return cause
	}
	g.inTxn = false
	g.a.m.transactions.WithLabelValues("aborted").Inc()
	var ke kafka.Error
	if errors.As(cause, &ke) && ke.IsFatal() || errors.Is(cause, ErrFenced) {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.Background(), txnTimeout)
	defer cancel()
	if err := g.producer.AbortTransaction(ctx); err != nil {
		return errors.Join(cause, fmt.Errorf("aborting transaction: %w", classify(err)))
	}
	return cause
}

// retry repeats fn while librdkafka calls its error retriable.
func retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		var ke kafka.Error
		if err == nil || !errors.As(err, &ke) || !ke.IsRetriable() {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
