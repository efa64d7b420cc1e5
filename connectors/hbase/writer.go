package hbase

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/tsuna/gohbase"
	"github.com/tsuna/gohbase/hrpc"
	"go.uber.org/zap"
)

const (
	// maxGuardAttempts bounds how often a row's increments are retried
	// when its guard moved under us (another writer of the partition).
	maxGuardAttempts = 8
	guardCacheSize   = 1 << 18
)

// writer sends row writes to HBase: the cells of a batch as one Multi per
// table, then each row's counters as conditional increments.
type writer struct {
	cfg     *settings
	client  gohbase.Client
	rpc     gohbase.RPCClient
	admin   *admin
	guards  *guardCache
	log     *zap.Logger
	legacy  atomic.Bool
	skipped atomic.Int64 // records whose increments were already applied
}

// failures maps the index of a record (in the slice given to Put) to why
// it was not written.
type failures struct {
	mu sync.Mutex
	m  map[int]error
}

func (f *failures) add(i int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[i]; !ok {
		f.m[i] = err
	}
}

func (f *failures) has(i int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.m[i]
	return ok
}

func (w *writer) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, w.cfg.retryTimeout)
}

// write applies a batch. Records of one row are applied in offset order.
func (w *writer) write(ctx context.Context, writes []*rowWrite, fails *failures) {
	byTable := map[string][]*rowWrite{}
	var tables []string
	for _, rw := range writes {
		if _, ok := byTable[rw.table]; !ok {
			tables = append(tables, rw.table)
		}
		byTable[rw.table] = append(byTable[rw.table], rw)
	}
	sort.Strings(tables)
	for _, table := range tables {
		tw := byTable[table]
		if w.admin != nil {
			tw = w.prepareTable(ctx, table, tw, fails)
		}
		w.writeCells(ctx, table, tw, fails)
		var counting []*rowWrite
		for _, rw := range tw {
			if len(rw.incs) > 0 && !fails.has(rw.index) {
				counting = append(counting, rw)
			}
		}
		w.writeCounters(ctx, table, counting, fails)
	}
}

// prepareTable makes sure the table and the families the writes need
// exist, and fails the writes that need one that could not be made.
func (w *writer) prepareTable(ctx context.Context, table string, tw []*rowWrite, fails *failures) []*rowWrite {
	need := map[string]bool{}
	for _, rw := range tw {
		for _, f := range rw.families() {
			need[f] = true
		}
		if len(rw.incs) > 0 {
			need[w.cfg.offsetFamily] = true
		}
	}
	have, err := w.admin.ensure(ctx, table, need)
	if err != nil {
		for _, rw := range tw {
			fails.add(rw.index, err)
		}
		return nil
	}
	out := tw[:0:0]
	for _, rw := range tw {
		ok := true
		for _, f := range rw.families() {
			if !have[f] {
				fails.add(rw.index, fmt.Errorf("writing %s: %w: %q (%s=false)", table, ErrFamilyNotFound, f, AutoCreateFamiliesConfig))
				ok = false
				break
			}
		}
		if ok {
			out = append(out, rw)
		}
	}
	return out
}

// writeCells sends every put and delete of the batch in one SendBatch,
// which gohbase splits into one Multi per region server and retries
// region by region.
func (w *writer) writeCells(ctx context.Context, table string, tw []*rowWrite, fails *failures) {
	opCtx, cancel := w.opContext(ctx)
	defer cancel()
	var calls []hrpc.Call
	var owner []int
	addCall := func(rw *rowWrite, c hrpc.Call, err error) {
		if err != nil {
			fails.add(rw.index, fmt.Errorf("building hbase request: %w: %w", ErrMapping, err))
			return
		}
		calls, owner = append(calls, c), append(owner, rw.index)
	}
	for _, rw := range tw {
		var stamp []func(hrpc.Call) error
		if !rw.ts.IsZero() {
			stamp = append(stamp, hrpc.Timestamp(rw.ts))
		}
		if len(rw.puts) > 0 {
			p, err := hrpc.NewPut(opCtx, []byte(table), rw.row, rw.puts, stamp...)
			addCall(rw, p, err)
		}
		for ts, c := range rw.maxes {
			p, err := hrpc.NewPut(opCtx, []byte(table), rw.row, c, hrpc.TimestampUint64(ts))
			addCall(rw, p, err)
		}
		if len(rw.dels) > 0 {
			d, err := hrpc.NewDel(opCtx, []byte(table), rw.row, rw.dels, stamp...)
			addCall(rw, d, err)
		}
	}
	if len(calls) == 0 {
		return
	}
	res, ok := w.client.SendBatch(opCtx, calls)
	if ok {
		return
	}
	for i, r := range res {
		if r.Error != nil {
			w.noteFamilyError(table, r.Error)
			fails.add(owner[i], classify("writing cells of "+table, r.Error))
		}
	}
}

func (w *writer) noteFamilyError(table string, err error) {
	if w.admin != nil && javaException(err) == "org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException" {
		w.admin.forget(table)
	}
}

// rowCounters is the counting work of one row: per partition, its
// records in offset order.
type rowCounters struct {
	row   []byte
	byPos map[partitionKey][]*rowWrite
	order []partitionKey
}

type partitionKey struct {
	topic     string
	partition int32
}

// writeCounters applies the increments of the batch, rows in parallel
// (write.concurrency), each row's partitions one after the other.
func (w *writer) writeCounters(ctx context.Context, table string, tw []*rowWrite, fails *failures) {
	if len(tw) == 0 {
		return
	}
	rows := map[string]*rowCounters{}
	var rowOrder []string
	for _, rw := range tw {
		rc, ok := rows[string(rw.row)]
		if !ok {
			rc = &rowCounters{row: rw.row, byPos: map[partitionKey][]*rowWrite{}}
			rows[string(rw.row)] = rc
			rowOrder = append(rowOrder, string(rw.row))
		}
		pk := partitionKey{rw.pos.topic, rw.pos.partition}
		if _, ok := rc.byPos[pk]; !ok {
			rc.order = append(rc.order, pk)
		}
		rc.byPos[pk] = append(rc.byPos[pk], rw)
	}
	for _, rc := range rows {
		for _, recs := range rc.byPos {
			sort.SliceStable(recs, func(i, j int) bool { return recs[i].pos.offset < recs[j].pos.offset })
		}
	}
	w.prefetchGuards(ctx, table, rows)
	sem := make(chan struct{}, w.cfg.concurrency)
	var wg sync.WaitGroup
	for _, key := range rowOrder {
		rc := rows[key]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, pk := range rc.order {
				if err := w.applyGuarded(ctx, table, rc.row, pk, rc.byPos[pk]); err != nil {
					for _, rw := range rc.byPos[pk] {
						fails.add(rw.index, err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// prefetchGuards reads, in one SendBatch, the guards of the rows this
// task has not seen yet, so that the increments need no read of their
// own. A failed read is left to applyGuarded to retry.
func (w *writer) prefetchGuards(ctx context.Context, table string, rows map[string]*rowCounters) {
	opCtx, cancel := w.opContext(ctx)
	defer cancel()
	var calls []hrpc.Call
	var which []*rowCounters
	for _, rc := range rows {
		var quals []string
		for _, pk := range rc.order {
			if _, ok := w.guards.get(guardKey{table, string(rc.row), pk.topic, pk.partition}); !ok {
				quals = append(quals, OffsetQualifier(pk.topic, pk.partition))
			}
		}
		if len(quals) == 0 {
			continue
		}
		g, err := hrpc.NewGet(opCtx, []byte(table), rc.row, hrpc.Families(map[string][]string{w.cfg.offsetFamily: quals}))
		if err != nil {
			continue
		}
		calls, which = append(calls, g), append(which, rc)
	}
	if len(calls) == 0 {
		return
	}
	res, _ := w.client.SendBatch(opCtx, calls)
	for i, r := range res {
		if r.Error != nil || r.Msg == nil {
			continue
		}
		rc := which[i]
		found := map[string][]byte{}
		for _, c := range resultCells(r.Msg) {
			if string(c.Family) == w.cfg.offsetFamily {
				found[string(c.Qualifier)] = c.Value
			}
		}
		for _, pk := range rc.order {
			v, ok := found[OffsetQualifier(pk.topic, pk.partition)]
			next := noGuard
			if ok {
				n, err := decodeGuard(v)
				if err != nil {
					continue
				}
				next = n
			}
			w.guards.set(guardKey{table, string(rc.row), pk.topic, pk.partition}, next)
		}
	}
}
