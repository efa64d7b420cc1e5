package hbase

import (
	"context"
	"fmt"

	"github.com/tsuna/gohbase/hrpc"
	"github.com/tsuna/gohbase/pb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// applyGuarded applies the increments of one row's records from one
// partition exactly once. The guard cell o:<topic>:<partition> holds the
// next offset to apply; records below it were applied before and are
// skipped. The rest are summed into one Increment that also advances the
// guard, sent as checkAndMutate conditional on the guard value the sum
// was computed against: it applies entirely or not at all, and a second
// copy of it (a resend by gohbase, a redelivery by the worker, another
// task) fails the condition, after which the guard is read again and the
// records found applied.
func (w *writer) applyGuarded(ctx context.Context, table string, row []byte, pk partitionKey, recs []*rowWrite) error {
	key := guardKey{table, string(row), pk.topic, pk.partition}
	qual := OffsetQualifier(pk.topic, pk.partition)
	next, known := w.guards.get(key)
	if !known {
		var err error
		if next, err = w.readGuard(ctx, table, row, qual); err != nil {
			return err
		}
		w.guards.set(key, next)
	}
	for attempt := 0; attempt < maxGuardAttempts; attempt++ {
		pending := recs[:0:0]
		for _, rw := range recs {
			if rw.pos.offset >= next {
				pending = append(pending, rw)
			}
		}
		w.skipped.Add(int64(len(recs) - len(pending)))
		recs = pending
		if len(pending) == 0 {
			return nil
		}
		base := max(next, 0)
		newNext := pending[len(pending)-1].pos.offset + 1
		deltas := map[string]map[string]int64{w.cfg.offsetFamily: {qual: newNext - base}}
		for _, rw := range pending {
			for fam, quals := range rw.incs {
				if deltas[fam] == nil {
					deltas[fam] = map[string]int64{}
				}
				for q, n := range quals {
					deltas[fam][q] += n
				}
			}
		}
		var expected []byte
		if next != noGuard {
			expected = encodeGuard(next)
		}
		processed, honoured, err := w.checkAndIncrement(ctx, table, row, qual, expected, deltas)
		if err != nil {
			w.noteFamilyError(table, err)
			return classify("incrementing counters of "+table, err)
		}
		if !honoured {
			if !w.legacy.Swap(true) {
				w.log.Warn("hbase ignored the condition on an increment (HBase before 2.4): counters are applied "+
					"without the offset check, so a resend after a lost answer or two tasks writing one partition "+
					"can count a record twice", zap.String("table", table))
			}
			w.guards.set(key, newNext)
			return nil
		}
		if processed {
			w.guards.set(key, newNext)
			return nil
		}
		if next, err = w.readGuard(ctx, table, row, qual); err != nil {
			return err
		}
		w.guards.set(key, next)
	}
	return fmt.Errorf("incrementing counters of %s row %q: %w after %d attempts", table, row, ErrGuardContention, maxGuardAttempts)
}

// checkAndIncrement sends one conditional increment. honoured is false
// when the server applied it without answering processed, which is what
// HBase before 2.4 does with a condition on an Increment.
func (w *writer) checkAndIncrement(ctx context.Context, table string, row []byte, qual string, expected []byte,
	deltas map[string]map[string]int64) (processed, honoured bool, err error) {
	opCtx, cancel := w.opContext(ctx)
	defer cancel()
	call := &checkAndIncrement{baseCall: newBase(opCtx, []byte(table), row), family: []byte(w.cfg.offsetFamily),
		qualifier: []byte(qual), expected: expected, deltas: deltas}
	msg, err := w.rpc.SendRPC(call)
	if err != nil {
		return false, false, err
	}
	resp, ok := msg.(*pb.MutateResponse)
	if !ok {
		return false, false, fmt.Errorf("%w: conditional increment answered with %T", ErrWrite, msg)
	}
	if resp.Processed == nil {
		return true, false, nil
	}
	return resp.GetProcessed(), true, nil
}

// readGuard reads one guard cell; noGuard when the row never saw the
// partition.
func (w *writer) readGuard(ctx context.Context, table string, row []byte, qual string) (int64, error) {
	opCtx, cancel := w.opContext(ctx)
	defer cancel()
	g, err := hrpc.NewGet(opCtx, []byte(table), row, hrpc.Families(map[string][]string{w.cfg.offsetFamily: {qual}}))
	if err != nil {
		return 0, fmt.Errorf("reading offset guard: %w: %w", ErrMapping, err)
	}
	res, err := w.client.Get(g)
	if err != nil {
		return 0, classify("reading offset guard of "+table, err)
	}
	for _, c := range res.Cells {
		if string(c.Family) == w.cfg.offsetFamily && string(c.Qualifier) == qual {
			n, err := decodeGuard(c.Value)
			if err != nil {
				return 0, fmt.Errorf("reading offset guard %s of %s row %q: %w", qual, table, row, err)
			}
			return n, nil
		}
	}
	return noGuard, nil
}

// resultCells returns the cells of a Get answered inside a Multi.
func resultCells(msg proto.Message) []*pb.Cell {
	if gr, ok := msg.(*pb.GetResponse); ok {
		return gr.GetResult().GetCell()
	}
	return nil
}
