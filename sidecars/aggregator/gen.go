package aggregator

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
)

const (
	// pollMax bounds one Poll, so commits, idle checks and shutdown are
	// noticed promptly when no records arrive.
	pollMax = 100 * time.Millisecond
	// txnTimeout bounds one transactional call (send offsets, commit, abort).
	txnTimeout = 30 * time.Second
	// idleCheck is how often idle partitions are considered for advancing.
	idleCheck = 100 * time.Millisecond
	// pollRecords bounds one poll, so a commit is not delayed behind a
	// huge backlog; each partition's records go to its task as one batch.
	pollRecords = 512
)

// gen is one generation of Kafka clients: a franz-go client that is both
// the transactional producer and the read_committed group consumer, and a
// changelog restore consumer, with one task per assigned partition. Any
// error ends the generation; the next one starts from committed state
// (restored from the changelog), which is how every failure is recovered
// from without double counting.
//
// mu serialises the poll loop with the group's rebalance callbacks, which
// kgo runs on its own goroutine: the loop holds it except while it is
// blocked in PollRecords, and BlockRebalanceOnPoll keeps callbacks from
// running between a poll that returned records and the next AllowRebalance.
type gen struct {
	a        *Aggregator
	ctx      context.Context
	cancel   context.CancelFunc
	log      *zap.Logger
	cl       *kgo.Client
	restorer *kafka.Consumer
	inputID  [16]byte // topic id of the input, for TxnOffsetCommit v6

	mu        sync.Mutex
	tasks     map[int32]*task
	committed map[int32]int64 // next offsets committed per partition
	inTxn     bool
	txnStart  time.Time
	closing   bool

	errMu   sync.Mutex
	err     error
	errFlag atomic.Bool // err is set; read per record without the lock

	records sync.Pool // *kgo.Record with a value buffer, for outputs
	// The promises as func values, bound once: a method value passed per
	// Produce call would allocate a closure for every record.
	outputDone, recordDone func(*kgo.Record, error)
}

// fail records the first error of the generation; workers and callbacks
// use it, the poll loop acts on it. Fencing wins over anything recorded
// before it (a fenced static member also loses its assignment), since it
// decides whether Run may restart.
func (g *gen) fail(err error) {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	switch {
	case g.err == nil:
		g.err = err
		g.errFlag.Store(true)
	case errors.Is(err, ErrFenced) && !errors.Is(g.err, ErrFenced):
		g.err = errors.Join(err, g.err)
	}
}

func (g *gen) failure() error {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	return g.err
}

func (g *gen) failed() bool { return g.errFlag.Load() }

// loop polls and dispatches until ctx ends (then commits what is pending)
// or something fails (then aborts). It holds g.mu except inside a poll.
func (g *gen) loop(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	interval := g.a.cfg.commitInterval
	lastIdle, lastLag := time.Now(), time.Now()
	for {
		if g.failed() {
			return g.abort(g.failure())
		}
		if ctx.Err() != nil {
			return g.commit()
		}
		timeout := pollMax
		if g.inTxn {
			timeout = min(max(interval-time.Since(g.txnStart), time.Millisecond), pollMax)
		}
		fs := g.poll(ctx, timeout)
		if err := g.pollErrors(fs); err != nil {
			g.fail(err)
			continue
		}
		if err := g.dispatch(fs); err != nil {
			return g.abort(err)
		}
		now := time.Now()
		if g.inTxn && now.Sub(g.txnStart) >= interval {
			if err := g.commit(); err != nil {
				return err
			}
		}
		if g.a.cfg.idleAdvance > 0 && now.Sub(lastIdle) >= idleCheck {
			lastIdle = now
			if err := g.advanceIdle(now); err != nil {
				return g.abort(err)
			}
		}
		if now.Sub(lastLag) >= time.Second {
			lastLag = now
			g.observeLag(now)
		}
	}
}

// poll waits up to timeout for records with g.mu released, so rebalance
// callbacks can run while the loop waits; they cannot run while it works.
func (g *gen) poll(ctx context.Context, timeout time.Duration) kgo.Fetches {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	g.mu.Unlock()
	defer g.mu.Lock()
	g.cl.AllowRebalance()
	return g.cl.PollRecords(pctx, pollRecords)
}

// pollErrors returns what in a poll's errors ends the generation: group
// session errors such as being fenced as a static member, and errors kgo
// does not retry itself. A timed-out poll is not an error.
func (g *gen) pollErrors(fs kgo.Fetches) error {
	var errs []error
	for _, fe := range fs.Errors() {
		switch {
		case errors.Is(fe.Err, context.DeadlineExceeded), errors.Is(fe.Err, context.Canceled):
		case errors.Is(fe.Err, kgo.ErrClientClosed):
			errs = append(errs, fmt.Errorf("consuming: %w", fe.Err))
		default:
			errs = append(errs, fmt.Errorf("consuming %s[%d]: %w", fe.Topic, fe.Partition, classify(fe.Err)))
		}
	}
	return errors.Join(errs...)
}

// dispatch hands each partition's polled records to its task, in offset
// order. Records are only ever counted by a task, and offsets only
// committed for what was counted, so records of a partition revoked in the
// meantime are simply dropped: the next owner reads them again.
func (g *gen) dispatch(fs kgo.Fetches) error {
	if fs.Empty() {
		return nil
	}
	if err := g.begin(); err != nil {
		return err
	}
	now := time.Now().UnixNano()
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		t := g.tasks[p.Partition]
		if t == nil {
			return
		}
		t.high.Store(p.HighWatermark)
		if len(p.Records) > 0 {
			t.idle.Store(now)
			t.work <- work{recs: p.Records}
		}
	})
	return nil
}

func (g *gen) begin() error {
	if g.inTxn {
		return nil
	}
	if err := g.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning transaction: %w", classify(err))
	}
	g.inTxn, g.txnStart = true, time.Now()
	return nil
}

// advanceIdle moves the stream time of partitions that have been quiet for
// the idle-advance period, when that closes something.
func (g *gen) advanceIdle(now time.Time) error {
	for _, p := range g.partitions() {
		t := g.tasks[p]
		if now.Sub(time.Unix(0, t.idle.Load())) < g.a.cfg.idleAdvance {
			continue
		}
		var target time.Time
		var due bool
		t.call(func() { target, due = t.idleTarget(now) })
		if !due {
			continue
		}
		if err := g.begin(); err != nil {
			return err
		}
		var err error
		t.call(func() { err = t.advance(target) })
		if err != nil {
			return fmt.Errorf("advancing idle partition %d: %w", p, err)
		}
	}
	return nil
}

func (g *gen) observeLag(now time.Time) {
	m := g.a.m
	for _, t := range g.tasks {
		if st := t.stream.Load(); st > -1<<62 {
			m.eventTimeLag.WithLabelValues(t.label).Set(now.Sub(time.UnixMilli(st)).Seconds())
		}
		if high := t.high.Load(); high >= 0 {
			if next := t.next.Load(); next >= 0 {
				m.consumerLag.WithLabelValues(t.label).Set(float64(max(high-next, 0)))
			}
		}
	}
}

// partitions lists the owned partitions in order, so flushes and offsets
// go out in a stable order.
func (g *gen) partitions() []int32 {
	ps := make([]int32, 0, len(g.tasks))
	for p := range g.tasks {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// produceOutput queues a pooled output record (from output) into the open
// transaction; its promise recycles it. Delivery is checked by promise: a
// failed record fails the generation, so the commit that would have covered
// it aborts instead.
func (g *gen) produceOutput(r *kgo.Record) { g.cl.Produce(g.ctx, r, g.outputDone) }

// produceRecord queues a record that is not pooled.
func (g *gen) produceRecord(r *kgo.Record) { g.cl.Produce(g.ctx, r, g.recordDone) }

// output returns a pooled record for an output; promiseOutput returns it.
func (g *gen) output() *kgo.Record {
	if r, ok := g.records.Get().(*kgo.Record); ok {
		return r
	}
	return &kgo.Record{}
}

// promiseOutput is the promise of pooled output records: it reports a
// failure and recycles the record with its value buffer.
func (g *gen) promiseOutput(r *kgo.Record, err error) {
	if err != nil {
		g.fail(fmt.Errorf("producing to %s: %w", r.Topic, classify(err)))
	}
	v := r.Value[:0]
	*r = kgo.Record{Value: v}
	g.records.Put(r)
}

// promise is the promise of records that are not pooled (dead letters,
// which reference the consumed record's bytes).
func (g *gen) promise(r *kgo.Record, err error) {
	if err != nil {
		g.fail(fmt.Errorf("producing to %s: %w", r.Topic, classify(err)))
	}
}

// classify marks fencing errors with ErrFenced, which ends Run instead of
// restarting: a newer instance with our id owns the work now.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrFenced) {
		return err
	}
	if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) || errors.Is(err, kerr.FencedInstanceID) {
		return fmt.Errorf("%w: %w", ErrFenced, err)
	}
	return err
}

func ctxFields(cfg *config, partitions int) []zap.Field {
	return []zap.Field{
		zap.String("group", cfg.group), zap.String("transactional_id", cfg.transactionalID()),
		zap.String("input", cfg.topics.Input), zap.Int("input_partitions", partitions),
		zap.Duration("window", cfg.spec.Size), zap.Duration("advance", cfg.spec.Advance),
		zap.Duration("grace", cfg.spec.Grace), zap.Duration("commit_interval", cfg.commitInterval),
	}
}
