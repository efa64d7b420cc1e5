package aggregator

import (
	"fmt"
	"strconv"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"
)

// onRebalance runs inside Poll (or Close) on the poll loop's goroutine, so
// it owns the generation's state like the loop does. Errors go to fail and
// end the generation at the loop's next turn.
func (g *gen) onRebalance(c *kafka.Consumer, ev kafka.Event) error {
	switch e := ev.(type) {
	case kafka.AssignedPartitions:
		g.a.m.rebalances.WithLabelValues("assigned").Inc()
		g.assign(e.Partitions)
	case kafka.RevokedPartitions:
		if c.AssignmentLost() {
			g.a.m.rebalances.WithLabelValues("lost").Inc()
		} else {
			g.a.m.rebalances.WithLabelValues("revoked").Inc()
		}
		g.revoke(e.Partitions, c.AssignmentLost())
	}
	return nil
}

// assign restores the new partitions from the changelog and starts them at
// the restored position. If anything fails the partitions are left to
// librdkafka's default assignment and the generation ends, dropping them.
func (g *gen) assign(parts []kafka.TopicPartition) {
	if len(parts) == 0 || g.failed() || g.closing {
		return
	}
	states, offsets, err := g.restore(parts)
	if err != nil {
		g.fail(err)
		return
	}
	for p, st := range states {
		g.tasks[p] = newTask(g, p, st)
	}
	if g.coop {
		err = g.consumer.IncrementalAssign(offsets)
	} else {
		err = g.consumer.Assign(offsets)
	}
	if err != nil {
		g.fail(fmt.Errorf("assigning restored partitions: %w", err))
		return
	}
	g.log.Info("partitions assigned", zap.Any("offsets", offsetList(offsets)))
}

// revoke commits the open transaction, which covers the revoked partitions'
// work, before they go to another instance, then drops their state. A lost
// assignment cannot be committed any more (the group has moved on): the
// transaction is aborted and the generation ends, since the retained
// partitions' in-memory state is then ahead of what was committed.
func (g *gen) revoke(parts []kafka.TopicPartition, lost bool) {
	switch {
	case lost && g.inTxn:
		g.fail(g.abort(fmt.Errorf("revoking %d partitions: %w", len(parts), ErrAssignmentLost)))
	case !g.closing && !g.failed():
		if err := g.commit(); err != nil {
			g.fail(fmt.Errorf("committing before revoking partitions: %w", err))
		}
	}
	for _, tp := range parts {
		g.npending -= len(g.pending[tp.Partition])
		delete(g.pending, tp.Partition)
		t := g.tasks[tp.Partition]
		if t == nil {
			continue
		}
		t.stop()
		delete(g.tasks, tp.Partition)
		delete(g.committed, tp.Partition)
		g.a.m.forget(strconv.Itoa(int(tp.Partition)))
	}
	g.log.Info("partitions revoked", zap.Int("count", len(parts)), zap.Bool("lost", lost))
}

func offsetList(tps []kafka.TopicPartition) map[int32]int64 {
	out := make(map[int32]int64, len(tps))
	for _, tp := range tps {
		out[tp.Partition] = int64(tp.Offset)
	}
	return out
}
