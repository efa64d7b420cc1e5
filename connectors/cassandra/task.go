package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/gocql/gocql"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Task writes records to Cassandra. The worker calls it from one
// goroutine; Put fans statements out to up to maxConcurrentRequests.
type Task struct {
	log      *zap.Logger
	s        *settings
	session  *gocql.Session
	targets  map[string][]*target // by topic
	reporter connectors.ErrantRecordReporter
}

var _ connectors.SinkTask = (*Task)(nil)

// failure is a record that could not be written, reported after the batch.
type failure struct {
	index int
	err   error
}

// Start implements connectors.SinkTask: it connects and compiles every
// mapping against its table, so a schema change that breaks a mapping
// fails the task at start rather than on each record.
func (t *Task) Start(ctx context.Context, tctx connectors.SinkTaskContext, cfg *connectors.Config) error {
	s, errs := settingsFrom(cfg)
	if len(errs) > 0 {
		return fmt.Errorf("starting cassandra sink task: %w", connectors.FieldErrors(errs))
	}
	session, err := s.cluster(t.log).CreateSession()
	if err != nil {
		return fmt.Errorf("starting cassandra sink task: %w: %w", ErrConnect, err)
	}
	t.s, t.session, t.targets = s, session, map[string][]*target{}
	for _, ts := range s.tables {
		meta, err := loadTable(ctx, session, ts.keyspace, ts.table)
		if err == nil {
			var tg *target
			if tg, err = compileTarget(ts, meta); err == nil {
				t.targets[ts.topic] = append(t.targets[ts.topic], tg)
				continue
			}
		}
		session.Close()
		return fmt.Errorf("starting cassandra sink task: %s: %w", ts.key(MappingSetting), err)
	}
	if tctx != nil {
		t.reporter = tctx.ErrantRecordReporter()
	}
	return nil
}

// Put implements connectors.SinkTask. It returns once every record is
// written or failed: transient failures that outlast the retries fail the
// batch with connectors.ErrRetriable (the worker puts it again; the writes
// are idempotent), records Cassandra refuses or that cannot be mapped go
// through ignoreErrors and then the ErrantRecordReporter.
func (t *Task) Put(ctx context.Context, records []connectors.SinkRecord) error {
	var stmts []stmt
	var failed []failure
	for i := range records {
		targets := t.targets[records[i].Topic]
		if len(targets) == 0 {
			failed = append(failed, failure{i, fmt.Errorf("%w: topic %s has no mapping", ErrRecord, records[i].Topic)})
		}
		for _, tg := range targets {
			st, ok, err := tg.build(&records[i], i)
			if err != nil {
				failed = append(failed, failure{i, err})
				break
			}
			if ok {
				stmts = append(stmts, st)
			}
		}
	}
	stmts = dropFailed(stmts, failed)
	rejected, err := t.write(ctx, stmts)
	if err != nil {
		if t.s.ignore == IgnoreNone || !errors.Is(err, connectors.ErrRetriable) {
			return fmt.Errorf("writing %d records to cassandra: %w", len(records), err)
		}
		t.log.Warn("skipping records whose writes failed after the retries (ignoreErrors)",
			zap.Int("records", len(records)), zap.Error(err))
	}
	return t.report(ctx, records, append(failed, rejected...))
}

// dropFailed removes the statements of records that failed to map for
// another table, so a record is written to all its tables or reported.
func dropFailed(stmts []stmt, failed []failure) []stmt {
	if len(failed) == 0 {
		return stmts
	}
	bad := map[int]bool{}
	for _, f := range failed {
		bad[f.index] = true
	}
	out := stmts[:0]
	for _, s := range stmts {
		if !bad[s.index] {
			out = append(out, s)
		}
	}
	return out
}

func (t *Task) report(ctx context.Context, records []connectors.SinkRecord, failed []failure) error {
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].index < failed[j].index })
	var out connectors.RecordErrors
	for i, f := range failed {
		if i > 0 && failed[i-1].index == f.index {
			continue
		}
		rec := &records[f.index]
		if t.s.ignore == IgnoreAll || (t.s.ignore == IgnoreDriver && errors.Is(f.err, ErrWrite)) {
			t.log.Warn("skipping record (ignoreErrors)", zap.String("topic", rec.Topic), zap.Int32("partition", rec.Partition),
				zap.Int64("offset", rec.Offset), zap.Error(f.err))
			continue
		}
		if t.reporter == nil {
			out = append(out, connectors.RecordError{Index: f.index, Err: f.err})
			continue
		}
		if err := t.reporter.Report(ctx, *rec, f.err); err != nil {
			return fmt.Errorf("reporting record %s@%d: %w", rec.TopicPartition(), rec.Offset, err)
		}
	}
	if len(out) > 0 {
		return out
	}
	return nil
}

// Flush implements connectors.SinkTask. Put already wrote everything.
func (t *Task) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }

// Stop implements connectors.SinkTask.
func (t *Task) Stop() error {
	if t.session != nil {
		t.session.Close()
		t.session = nil
	}
	return nil
}
