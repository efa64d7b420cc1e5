package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
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
	closed, err := g.flushTasks()
	if err != nil {
		return g.abort(err)
	}
	offsets := map[int32]int64{}
	for _, p := range g.partitions() {
		if next := g.tasks[p].next.Load(); next >= 0 && next != g.committed[p] {
			offsets[p] = next
		}
	}
	if err := g.failure(); err != nil {
		return g.abort(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), txnTimeout)
	defer cancel()
	if err := g.cl.Flush(ctx); err != nil {
		return g.abort(fmt.Errorf("flushing transaction: %w", err))
	}
	// A record's promise has run by the time Flush returns.
	if err := g.failure(); err != nil {
		return g.abort(err)
	}
	if len(offsets) > 0 {
		if err := g.sendOffsets(ctx, offsets); err != nil {
			return g.abort(fmt.Errorf("sending offsets to transaction: %w", classify(err)))
		}
	}
	if err := g.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return g.abort(fmt.Errorf("committing transaction: %w", classify(err)))
	}
	g.inTxn = false
	for p, o := range offsets {
		g.committed[p] = o
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
// with the abort's own failure). A fenced producer has nothing to abort:
// its successor's InitProducerID did it.
func (g *gen) abort(cause error) error {
	if !g.inTxn {
		return cause
	}
	g.inTxn = false
	g.a.m.transactions.WithLabelValues("aborted").Inc()
	if errors.Is(cause, ErrFenced) {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.Background(), txnTimeout)
	defer cancel()
	if err := g.cl.AbortBufferedRecords(ctx); err != nil {
		return errors.Join(cause, fmt.Errorf("aborting buffered records: %w", err))
	}
	// OperationNotAttempted and TransactionAbortable ask for exactly this
	// abort; a second failure leaves the transaction to the next
	// generation, whose InitProducerID aborts it.
	err := g.cl.EndTransaction(ctx, kgo.TryAbort)
	if err != nil {
		err = g.cl.EndTransaction(ctx, kgo.TryAbort)
	}
	if err != nil {
		return errors.Join(cause, fmt.Errorf("aborting transaction: %w", classify(err)))
	}
	return cause
}
