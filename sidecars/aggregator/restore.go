package aggregator

import (
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// consistencyWait is how long a restore waits for a changelog partition to
// catch up with the committed input offset. Markers of one transaction
// reach the changelog and the offsets topic separately, so right after the
// previous owner's last commit the changelog can briefly look older.
const consistencyWait = 10 * time.Second

// restore rebuilds the state of newly assigned partitions from the
// changelog, given the group's committed offsets (read as stable offsets,
// so no transaction of a previous owner is pending). Each changelog
// partition is read to its end under read_committed, and the restored
// position (written in the same transactions as the offsets) must match:
// the state is then exactly the state after the committed input.
func (g *gen) restore(committed map[int32]int64) (map[int32]*window.Partition, error) {
	start := time.Now()
	deadline := start.Add(g.a.cfg.restoreTimeout)
	parts := make([]int32, 0, len(committed))
	for p := range committed {
		parts = append(parts, p)
	}
	var states map[int32]*window.Partition
	var err error
	for {
		if states, err = g.readChangelog(parts, deadline); err != nil {
			return nil, err
		}
		final := time.Since(start) > consistencyWait || time.Now().After(deadline)
		behind := g.checkPositions(states, committed, final)
		if len(behind) == 0 {
			break
		}
		if final {
			return nil, fmt.Errorf("restoring partitions %v: %w: changelog positions %v, committed offsets %v",
				behind, ErrStateMismatch, positions(states), committed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.a.m.restoreSecs.WithLabelValues().Observe(time.Since(start).Seconds())
	return states, nil
}

// checkPositions compares restored positions with committed offsets and
// returns the partitions whose changelog is behind. Cases no crash can
// produce are resolved in favour of the changelog, which is consistent in
// itself, with a warning; a changelog with no state at all counts as behind
// until final, as it may just not show its first transaction yet.
func (g *gen) checkPositions(states map[int32]*window.Partition, committed map[int32]int64, final bool) []int32 {
	var behind []int32
	for p, st := range states {
		pos, c := st.Position(), committed[p]
		switch {
		case pos == c:
		case pos >= 0 && pos < c, pos < 0 && c >= 0 && !final:
			behind = append(behind, p)
		case pos < 0 && c >= 0:
			// No state at all, yet progress was committed: the changelog
			// was deleted or truncated. Its state is lost; carry on from
			// the committed offset rather than reprocess into duplicates.
			g.log.Warn("changelog partition has no state but the group committed progress; resuming with empty state",
				zap.Int32("partition", p), zap.Int64("committed", c))
			st.SetPosition(c)
		default:
			// The changelog is ahead: group offsets were reset or expired.
			// Resuming from the changelog's position counts nothing twice.
			g.log.Warn("committed offset is behind the changelog; resuming from the changelog position",
				zap.Int32("partition", p), zap.Int64("committed", c), zap.Int64("changelog", pos))
		}
	}
	return behind
}

// readChangelog reads the changelog partitions matching parts from the
// start to their last stable offset into fresh partition states.
func (g *gen) readChangelog(parts []int32, deadline time.Time) (map[int32]*window.Partition, error) {
	cfg := &g.a.cfg
	states := make(map[int32]*window.Partition, len(parts))
	tps := make([]kafka.TopicPartition, 0, len(parts))
	pending := make(map[int32]bool, len(parts))
	for _, p := range parts {
		st, err := window.NewPartition(cfg.spec, cfg.weights)
		if err != nil {
			return nil, err
		}
		states[p] = st
		pending[p] = true
		tps = append(tps, kafka.TopicPartition{Topic: &cfg.topics.Changelog, Partition: p, Offset: kafka.OffsetBeginning})
	}
	if err := g.restorer.Assign(tps); err != nil {
		return nil, fmt.Errorf("assigning changelog partitions: %w", err)
	}
	defer func() { _ = g.restorer.Unassign() }()
	var n int
	for len(pending) > 0 {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("restoring: changelog partitions %v not read to their end in time (%d records read)", keys(pending), n)
		}
		switch e := g.restorer.Poll(100).(type) {
		case *kafka.Message:
			p := e.TopicPartition.Partition
			if e.TopicPartition.Error != nil {
				return nil, fmt.Errorf("reading changelog partition %d: %w", p, e.TopicPartition.Error)
			}
			if !pending[p] {
				continue
			}
			if err := states[p].Restore(e.Key, e.Value); err != nil {
				return nil, fmt.Errorf("restoring partition %d from %s@%d: %w", p, cfg.topics.Changelog, e.TopicPartition.Offset, err)
			}
			n++
		case kafka.PartitionEOF:
			delete(pending, e.Partition)
		case kafka.Error:
			if e.IsFatal() {
				return nil, fmt.Errorf("reading changelog: %w", e)
			}
			g.log.Debug("restore consumer error", zap.Error(e))
		}
	}
	for _, st := range states {
		st.FinishRestore()
	}
	g.a.m.restored.WithLabelValues().Add(float64(n))
	return states, nil
}

func positions(states map[int32]*window.Partition) map[int32]int64 {
	out := make(map[int32]int64, len(states))
	for p, st := range states {
		out[p] = st.Position()
	}
	return out
}

func keys(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
