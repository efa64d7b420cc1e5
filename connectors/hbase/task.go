package hbase

import (
	"context"
	"fmt"
	"sort"

	"github.com/tsuna/gohbase"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Task writes records to HBase. Put writes synchronously: when it returns
// nil every record of the batch is in HBase (or was skipped under
// error.mode), so Flush has nothing left to do and the worker may commit.
type Task struct {
	log   *zap.Logger
	tctx  connectors.SinkTaskContext
	cfg   *settings
	w     *writer
	close []func()
}

// Start implements connectors.SinkTask.
func (t *Task) Start(_ context.Context, tctx connectors.SinkTaskContext, cfg *connectors.Config) error {
	s, errs := parseSettings(cfg)
	if len(errs) > 0 {
		return fmt.Errorf("starting hbase sink task: %w", connectors.FieldErrors(errs))
	}
	t.tctx, t.cfg = tctx, s
	if t.log == nil {
		t.log = zap.NewNop()
	}
	if tctx != nil {
		t.log = t.log.With(zap.Stringer("task", tctx.ID()))
	}
	opts := []gohbase.Option{gohbase.ZookeeperRoot(s.znodeParent), gohbase.FlushInterval(0)}
	client := gohbase.NewClient(s.quorum, opts...)
	t.close = append(t.close, client.Close)
	rpc, ok := client.(gohbase.RPCClient)
	if !ok {
		client.Close()
		return fmt.Errorf("starting hbase sink task: gohbase client %T has no SendRPC", client)
	}
	t.w = &writer{cfg: s, client: client, rpc: rpc, guards: newGuardCache(guardCacheSize), log: t.log}
	if s.autoTables || s.autoFamilies {
		t.w.admin = newAdmin(s, t.log)
		t.close = append(t.close, t.w.admin.close)
	}
	return nil
}

// Put implements connectors.SinkTask: records are mapped and written in
// rounds of max.batch.size; failures follow error.mode.
func (t *Task) Put(ctx context.Context, records []connectors.SinkRecord) error {
	fails := &failures{m: map[int]error{}}
	for start := 0; start < len(records); start += t.cfg.batchSize {
		end := min(start+t.cfg.batchSize, len(records))
		writes := make([]*rowWrite, 0, end-start)
		for i := start; i < end; i++ {
			rw, err := t.cfg.mapRecord(i, &records[i])
			if err != nil {
				fails.add(i, fmt.Errorf("%w: %w", ErrMapping, err))
				continue
			}
			if !rw.noop {
				writes = append(writes, rw)
			}
		}
		t.w.write(ctx, writes, fails)
		if ctx.Err() != nil {
			return fmt.Errorf("writing records to hbase: %w: %w", connectors.ErrRetriable, ctx.Err())
		}
	}
	if n := t.w.skipped.Swap(0); n > 0 {
		t.log.Debug("skipped increments already applied", zap.Int64("records", n))
	}
	return t.handle(ctx, records, fails.m)
}

// handle applies error.mode to the records that could not be written.
func (t *Task) handle(ctx context.Context, records []connectors.SinkRecord, failed map[int]error) error {
	if len(failed) == 0 {
		return nil
	}
	idx := make([]int, 0, len(failed))
	for i := range failed {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	if t.cfg.errorMode == ErrorModeFail {
		for _, i := range idx {
			if transient(failed[i]) {
				return fmt.Errorf("writing %d of %d records to hbase: %w: %w", len(failed), len(records), connectors.ErrRetriable, failed[i])
			}
		}
		out := make(connectors.RecordErrors, 0, len(idx))
		for _, i := range idx {
			out = append(out, connectors.RecordError{Index: i, Err: failed[i]})
		}
		return out
	}
	for _, i := range idx {
		rec := &records[i]
		if t.cfg.errorMode == ErrorModeWarn {
			pos := positionOf(rec)
			t.log.Warn("skipping record that could not be written to hbase", zap.String("topic", pos.topic),
				zap.Int32("partition", pos.partition), zap.Int64("offset", pos.offset), zap.Error(failed[i]))
		}
		if t.cfg.tolerateAll && t.tctx != nil {
			if err := t.tctx.ErrantRecordReporter().Report(ctx, *rec, failed[i]); err != nil {
				return fmt.Errorf("reporting record %s-%d@%d: %w", rec.Topic, rec.Partition, rec.Offset, err)
			}
		}
	}
	return nil
}

// Flush implements connectors.SinkTask. Put already made its records
// durable (HBase acknowledges a mutation once it is in the WAL).
func (t *Task) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }

// Open implements connectors.PartitionAware.
func (t *Task) Open(context.Context, []connectors.TopicPartition) error { return nil }

// Close implements connectors.PartitionAware: cached guards are dropped
// when partitions move, since another task will advance them.
func (t *Task) Close(context.Context, []connectors.TopicPartition) error {
	if t.w != nil {
		t.w.guards.clear()
	}
	return nil
}

// Stop implements connectors.SinkTask.
func (t *Task) Stop() error {
	for _, c := range t.close {
		c()
	}
	t.close = nil
	return nil
}
