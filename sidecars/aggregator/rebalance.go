package aggregator

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
)

// kgo runs the rebalance callbacks on its group goroutine. With
// BlockRebalanceOnPoll, revocations wait until the poll loop is back in
// PollRecords; g.mu makes every callback exclusive with the loop's work
// anyway (an empty poll does not block rebalances). Errors go to fail and
// end the generation at the loop's next turn.

// adjustOffsets is kgo's AdjustFetchOffsetsFn: it gets the group's
// committed offsets of newly assigned partitions (fetched as stable
// offsets, so a previous owner's pending transaction has resolved), restores
// their state from the changelog and starts consuming at the restored
// position. It runs before any record of these partitions is fetched.
func (g *gen) adjustOffsets(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	input := g.a.cfg.topics.Input
	parts := offsets[input]
	if len(parts) == 0 || g.failed() || g.isClosing() {
		return offsets, nil
	}
	g.a.m.rebalances.WithLabelValues("assigned").Inc()
	committed := make(map[int32]int64, len(parts))
	for p, o := range parts {
		committed[p] = max(o.EpochOffset().Offset, -1) // no commit: the reset offset, negative
	}
	states, err := g.restore(committed)
	if err != nil {
		g.fail(err)
		return nil, fmt.Errorf("restoring assigned partitions: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		return offsets, nil
	}
	out := make(map[int32]kgo.Offset, len(parts))
	resume := make(map[int32]int64, len(parts))
	for p, st := range states {
		if old := g.tasks[p]; old != nil {
			old.stop() // reassigned without a revocation seen: its state is stale
		}
		g.tasks[p] = newTask(g, p, st)
		g.committed[p] = committed[p]
		out[p] = kgo.NewOffset().AtStart()
		if pos := st.Position(); pos >= 0 {
			out[p] = kgo.NewOffset().At(pos)
		}
		resume[p] = st.Position()
	}
	offsets[input] = out
	g.log.Info("partitions assigned", zap.Any("offsets", resume))
	return offsets, nil
}

// onRevoked commits the open transaction, which covers the revoked
// partitions' work, before they go to another instance, then drops their
// state.
func (g *gen) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	parts := revoked[g.a.cfg.topics.Input]
	if len(parts) == 0 {
		return
	}
	g.a.m.rebalances.WithLabelValues("revoked").Inc()
	if !g.closing && !g.failed() {
		if err := g.commit(); err != nil {
			g.fail(fmt.Errorf("committing before revoking partitions: %w", err))
		}
	}
	g.drop(parts)
	g.log.Info("partitions revoked", zap.Int("count", len(parts)))
}

// onLost handles an assignment the group took away before this instance
// could commit it (it missed its session timeout, or another member with
// its instance id took over). The transaction is aborted and the
// generation ends, since the retained partitions' in-memory state is then
// ahead of what was committed.
func (g *gen) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	parts := lost[g.a.cfg.topics.Input]
	g.a.m.rebalances.WithLabelValues("lost").Inc()
	if g.inTxn {
		g.fail(g.abort(fmt.Errorf("losing %d partitions: %w", len(parts), ErrAssignmentLost)))
	} else if len(parts) > 0 && !g.closing {
		g.fail(fmt.Errorf("losing %d partitions: %w", len(parts), ErrAssignmentLost))
	}
	g.drop(parts)
	g.log.Info("partitions lost", zap.Int("count", len(parts)))
}

// drop stops the tasks of partitions this instance no longer owns.
func (g *gen) drop(parts []int32) {
	for _, p := range parts {
		t := g.tasks[p]
		if t == nil {
			continue
		}
		t.stop()
		delete(g.tasks, p)
		delete(g.committed, p)
		g.a.m.forget(strconv.Itoa(int(p)))
	}
}

func (g *gen) isClosing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closing
}
