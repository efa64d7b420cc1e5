package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Task writes records to Redis. The worker calls it from one goroutine.
type Task struct {
	log      *zap.Logger
	s        *settings
	client   goredis.UniversalClient
	reporter connectors.ErrantRecordReporter
	sc       scratch
	chunks   sync.Pool
}

var _ connectors.SinkTask = (*Task)(nil)

// failure is a record to report once the batch is written.
type failure struct {
	index int
	err   error
}

// lane writes the chunks of the keys hashed to it, one pipeline at a time
// and in order, so the updates of one hash are applied in record order.
type lane struct {
	in       chan *chunk
	rejected []failure
	failed   bool
}

// Start implements connectors.SinkTask: it connects and loads the script,
// so a wrong address or password fails the task at once.
func (t *Task) Start(ctx context.Context, tctx connectors.SinkTaskContext, cfg *connectors.Config) error {
	s, errs := settingsFrom(cfg)
	if len(errs) > 0 {
		return fmt.Errorf("starting redis sink task: %w", connectors.FieldErrors(errs))
	}
	client, err := newClient(s)
	if err != nil {
		return fmt.Errorf("starting redis sink task: %w", err)
	}
	t.s, t.client = s, client
	if tctx != nil {
		t.reporter = tctx.ErrantRecordReporter()
	}
	if err := t.loadScript(ctx); err != nil {
		_ = client.Close()
		return fmt.Errorf("starting redis sink task: %w", err)
	}
	return nil
}

func (t *Task) loadScript(ctx context.Context) error {
	load := func(ctx context.Context, c *goredis.Client) error { return applyScript.Load(ctx, c).Err() }
	var err error
	if cc, ok := t.client.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, load)
	} else {
		err = load(ctx, t.client.(*goredis.Client))
	}
	if err != nil {
		return fmt.Errorf("loading update script: %w", classify(err))
	}
	return nil
}

// Put implements connectors.SinkTask. Records are mapped in order and
// handed in chunks of redis.batch.size to redis.pipeline.lanes writers, so
// mapping overlaps with Redis executing earlier chunks. Records that could
// not be mapped or that Redis refused are reported once everything else
// is written, so a batch retried after a transient failure does not report
// them twice.
func (t *Task) Put(ctx context.Context, records []connectors.SinkRecord) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lanes := make([]lane, t.s.lanes)
	// A put smaller than lanes x batch size is still cut into a few chunks
	// per lane, or nothing would be sent before the whole put is mapped.
	chunkSize := min(t.s.batchSize, max(minChunk, (len(records)+2*len(lanes)-1)/(2*len(lanes))))
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for i := range lanes {
		l := &lanes[i]
		l.in = make(chan *chunk, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range l.in {
				if !l.failed {
					rejected, err := t.write(ctx, c)
					if err != nil {
						// The first failure is the cause; the other lanes
						// then only see the cancellation it triggers.
						errOnce.Do(func() { firstErr = err; cancel() })
						l.failed = true
					}
					l.rejected = append(l.rejected, rejected...)
				}
				c.reset()
				t.chunks.Put(c)
			}
		}()
	}
	pending := make([]*chunk, len(lanes))
	var failed []failure
	for i := range records {
		if ctx.Err() != nil {
			break
		}
		r := &records[i]
		m := t.s.mappingFor(r.Topic)
		key, ok, err := m.keyFor(r, t.sc.key)
		t.sc.key = key
		if err != nil {
			failed = append(failed, failure{i, err})
		}
		if !ok {
			continue
		}
		n := laneOf(key, len(lanes))
		if pending[n] == nil {
			pending[n] = t.chunk()
		}
		if err := m.encode(pending[n], i, key, r, &t.sc); err != nil {
			failed = append(failed, failure{i, err})
			continue
		}
		if pending[n].len() == chunkSize {
			pending[n].seal()
			lanes[n].in <- pending[n]
			pending[n] = nil
		}
	}
	for n := range lanes {
		if c := pending[n]; c != nil {
			c.seal()
			lanes[n].in <- c
		}
		close(lanes[n].in)
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("writing %d records to redis: %w", len(records), firstErr)
	}
	for n := range lanes {
		failed = append(failed, lanes[n].rejected...)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing %d records to redis: %w", len(records), err)
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].index < failed[j].index })
	return t.report(ctx, records, failed)
}

func (t *Task) chunk() *chunk {
	if c, ok := t.chunks.Get().(*chunk); ok {
		return c
	}
	return newChunk()
}

// minChunk keeps pipelines long enough to amortise a round trip.
const minChunk = 32

// laneOf hashes a key to a lane (FNV-1a).
func laneOf(key []byte, lanes int) int {
	if lanes == 1 {
		return 0
	}
	h := uint32(2166136261)
	for _, c := range key {
		h = (h ^ uint32(c)) * 16777619
	}
	return int(h % uint32(lanes))
}

func (t *Task) report(ctx context.Context, records []connectors.SinkRecord, failed []failure) error {
	if len(failed) == 0 {
		return nil
	}
	if t.reporter == nil {
		out := make(connectors.RecordErrors, len(failed))
		for i, f := range failed {
			out[i] = connectors.RecordError{Index: f.index, Err: f.err}
		}
		return out
	}
	for _, f := range failed {
		if err := t.reporter.Report(ctx, records[f.index], f.err); err != nil {
			return fmt.Errorf("reporting record %s@%d: %w", records[f.index].TopicPartition(), records[f.index].Offset, err)
		}
	}
	return nil
}

// Flush implements connectors.SinkTask. Put already wrote everything.
func (t *Task) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }

// Stop implements connectors.SinkTask.
func (t *Task) Stop() error {
	if t.client == nil {
		return nil
	}
	err := t.client.Close()
	t.client = nil
	return err
}

// transientPrefixes are error replies that describe the server's state, not
// the record: retrying the same update later can succeed.
var transientPrefixes = []string{"LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "OOM",
	"NOREPLICAS", "MOVED", "ASK", "ERR max number of clients"}

// rejectionPrefixes are error replies about one update: the key holds
// another type, a rolling field is not a number, ACLs deny the key.
var rejectionPrefixes = []string{"WRONGTYPE", "NOPERM", "ERR"}

func isReply(err error) bool {
	var rerr goredis.Error
	return errors.As(err, &rerr) && !isNetwork(err)
}

func hasPrefix(err error, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(err.Error(), p) {
			return true
		}
	}
	return false
}

// isRejection reports whether err is Redis refusing this one record.
// Authentication failures are not: they concern every record.
func isRejection(err error) bool {
	return isReply(err) && !hasPrefix(err, transientPrefixes) && hasPrefix(err, rejectionPrefixes)
}

// classify marks connection failures and transient server states as
// retriable; anything else is returned as it is.
func classify(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if !isReply(err) || hasPrefix(err, transientPrefixes) {
		return fmt.Errorf("%w: %w", connectors.ErrRetriable, err)
	}
	return err
}

func isNetwork(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, goredis.ErrClosed)
}
