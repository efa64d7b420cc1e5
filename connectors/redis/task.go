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
}

var _ connectors.SinkTask = (*Task)(nil)

// op is one mapped record of a put batch.
type op struct {
	index int
	u     update
}

// failure is a record to report once the batch is written.
type failure struct {
	index int
	err   error
}

// lane writes the chunks of the keys hashed to it, one pipeline at a time
// and in order, so the updates of one hash are applied in record order.
type lane struct {
	in       chan []op
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
		l.in = make(chan []op, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range l.in {
				if l.failed {
					continue
				}
				rejected, err := t.write(ctx, chunk)
				if err != nil {
					// The first failure is the cause; the other lanes then
					// only see the cancellation it triggers.
					errOnce.Do(func() { firstErr = err; cancel() })
					l.failed = true
					continue
				}
				l.rejected = append(l.rejected, rejected...)
			}
		}()
	}
	pending := make([][]op, len(lanes))
	var failed []failure
	var scratch []byte
	for i := range records {
		if ctx.Err() != nil {
			break
		}
		m := t.s.mappingFor(records[i].Topic)
		u, ok, err := m.build(&records[i], &scratch)
		if err != nil {
			failed = append(failed, failure{i, err})
		}
		if !ok {
			continue
		}
		n := laneOf(u.key, len(lanes))
		pending[n] = append(pending[n], op{index: i, u: u})
		if len(pending[n]) == chunkSize {
			lanes[n].in <- pending[n]
			pending[n] = nil
		}
	}
	for n := range lanes {
		if len(pending[n]) > 0 {
			lanes[n].in <- pending[n]
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

// minChunk keeps pipelines long enough to amortise a round trip.
const minChunk = 32

// laneOf hashes a key to a lane (FNV-1a).
func laneOf(key string, lanes int) int {
	if lanes == 1 {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return int(h % uint32(lanes))
}

// write sends one pipeline. A NOSCRIPT reply (the server restarted or was
// flushed since Start) reloads the script and resends the whole pipeline,
// which is safe because every update is idempotent.
func (t *Task) write(ctx context.Context, chunk []op) ([]failure, error) {
	for attempt := 0; ; attempt++ {
		cmds := t.pipeline(ctx, chunk)
		var rejected []failure
		noScript := false
		for i, cmd := range cmds {
			err := cmd.Err()
			switch {
			case err == nil:
			case goredis.HasErrorPrefix(err, "NOSCRIPT"):
				noScript = true
			case isRejection(err):
				rejected = append(rejected, failure{chunk[i].index, fmt.Errorf("%w: %w", ErrRejected, err)})
			default:
				return nil, classify(err)
			}
		}
		if !noScript {
			return rejected, nil
		}
		if attempt > 0 {
			return nil, fmt.Errorf("update script missing right after loading it: %w", connectors.ErrRetriable)
		}
		t.log.Info("update script not cached by the server; loading it again")
		if err := t.loadScript(ctx); err != nil {
			return nil, err
		}
	}
}

func (t *Task) pipeline(ctx context.Context, chunk []op) []goredis.Cmder {
	pipe := t.client.Pipeline()
	for _, o := range chunk {
		if o.u.del {
			pipe.Del(ctx, o.u.key)
			continue
		}
		pipe.EvalSha(ctx, applyScript.Hash(), []string{o.u.key}, argv(o.u.args)...)
	}
	// Exec's own error is the first failed command's; each command is
	// inspected instead.
	cmds, _ := pipe.Exec(ctx)
	return cmds
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
