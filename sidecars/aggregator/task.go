package aggregator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// taskQueue bounds the batches handed to one partition's worker ahead of
// processing; it is what lets partitions decode and aggregate in parallel
// while the poll loop keeps fetching.
const taskQueue = 4

// task owns one assigned input partition: its window state and the
// goroutine that processes its records in offset order. Everything but the
// atomics is touched only by that goroutine; the poll loop talks to it
// through work items.
type task struct {
	g         *gen
	partition int32
	label     string // partition as a metric label
	state     *window.Partition
	work      chan work
	done      chan struct{}
	out       emitter
	in        inputEvent
	dec       eventDecoder // fills in on the fast path; in points into it

	// Worker-owned idle tracking: when the last record was processed and
	// the stream time it left.
	lastRecord time.Time
	anchor     time.Time
	hasAnchor  bool
	// now is read once per work item and stands for the wall clock during
	// it: the idle tracking, the emit-delay metric and the timestamps of
	// the records produced. A clock read per record (kgo takes one for
	// every record without a timestamp) was a measurable share of the
	// per-event CPU, and a work item lasts milliseconds at most.
	now time.Time

	// Read by the poll loop for metrics and idle checks.
	next   atomic.Int64 // next input offset
	stream atomic.Int64 // stream time in ms, math.MinInt64 before any
	idle   atomic.Int64 // wall time (UnixNano) of the last record handed over
	high   atomic.Int64 // high watermark of the last fetch, -1 before any
}

// work is a batch of records to process, in offset order, or a function to
// run on the worker.
type work struct {
	recs []*kgo.Record
	fn   func()
}

func newTask(g *gen, partition int32, state *window.Partition) *task {
	t := &task{
		g: g, partition: partition, label: strconv.Itoa(int(partition)), state: state,
		work: make(chan work, taskQueue), done: make(chan struct{}),
	}
	t.out = emitter{t: t}
	t.next.Store(state.Position())
	t.noteStream()
	t.lastRecord = time.Now()
	t.anchor, t.hasAnchor = state.StreamTime()
	t.idle.Store(t.lastRecord.UnixNano())
	t.high.Store(-1)
	go t.run()
	return t
}

func (t *task) run() {
	defer close(t.done)
	for w := range t.work {
		t.now = time.Now()
		if w.fn != nil {
			w.fn()
			continue
		}
		for _, r := range w.recs {
			if t.g.failed() {
				break // drain: the generation is being torn down
			}
			// Anything below the position is already in the state (a
			// record fetched before a restore moved the position); counting
			// it again would count it twice.
			if r.Offset < t.next.Load() {
				continue
			}
			if err := t.process(r); err != nil {
				t.g.fail(fmt.Errorf("processing %s[%d]@%d: %w", r.Topic, t.partition, r.Offset, err))
			}
		}
	}
}

// call runs fn on the worker after everything queued before it and waits.
func (t *task) call(fn func()) {
	done := make(chan struct{})
	t.work <- work{fn: func() { fn(); close(done) }}
	<-done
}

// stop ends the worker once it has drained its queue.
func (t *task) stop() {
	close(t.work)
	<-t.done
}

func (t *task) noteStream() {
	if st, ok := t.state.StreamTime(); ok {
		t.stream.Store(st.UnixMilli())
	} else {
		t.stream.Store(math.MinInt64)
	}
}

// process counts one input record, or sends it to the DLQ with the reason,
// and moves the position past it. Only failures that make the generation's
// output untrustworthy (produce or registry outages) are returned; the
// generation then ends and nothing of it is committed.
func (t *task) process(msg *kgo.Record) error {
	if err := t.handle(msg); err != nil {
		return err
	}
	next := msg.Offset + 1
	t.state.SetPosition(next)
	t.next.Store(next)
	return nil
}

func (t *task) handle(msg *kgo.Record) error {
	m := t.g.a.m
	if msg.Value == nil {
		m.undecodable.Inc()
		return t.dlq(msg, resultUndecodable, "tombstone: a nil value is not a UserEvent")
	}
	// The target is reused; every record starts from a zero value so no
	// field of an earlier record survives a null.
	t.in = inputEvent{}
	if err := t.decode(msg.Topic, msg.Value); err != nil {
		if transient(err) {
			return err
		}
		m.undecodable.Inc()
		return t.dlq(msg, resultUndecodable, err.Error())
	}
	if string(msg.Key) != t.in.UserID {
		m.invalid.Inc()
		return t.dlq(msg, resultInvalid, fmt.Sprintf("record key %q does not match field user_id %q; user-events must be keyed by user_id", msg.Key, t.in.UserID))
	}
	ue := t.in.userEvent()
	e, err := window.Prepare(&ue)
	if err != nil {
		m.invalid.Inc()
		return t.dlq(msg, resultInvalid, err.Error())
	}
	v, err := t.state.Add(e, &t.out)
	if err != nil {
		return err
	}
	if v == window.Late {
		m.late.Inc()
		st, _ := t.state.StreamTime()
		return t.dlq(msg, resultLate, fmt.Sprintf("event_time %s is past its window's grace: stream time is %s",
			e.Time().Format(time.RFC3339Nano), st.Format(time.RFC3339Nano)))
	}
	m.accepted.Inc()
	t.lastRecord = t.now
	t.anchor, t.hasAnchor = t.state.StreamTime()
	t.noteStream()
	return nil
}

// decode reads value into t.in: directly when its writer schema is the
// governed UserEvent schema (the common case), else through the registry
// serde, which resolves other writer schemas into it.
func (t *task) decode(topic string, value []byte) error {
	if id, body, err := serde.ParseHeader(value); err == nil && t.g.a.codec.fast(t.g.ctx, id) {
		if err := t.dec.decode(body, &t.in); err != nil {
			return fmt.Errorf("deserializing record from topic %q with schema id %d: %w", topic, id, err)
		}
		return nil
	}
	return t.g.a.des.Deserialize(t.g.ctx, topic, value, &t.in)
}

// transient tells outages, after which the record must be retried, from
// records that are bad in themselves and belong in the DLQ.
func transient(err error) bool {
	return errors.Is(err, serde.ErrRegistryUnavailable) || errors.Is(err, serde.ErrUnauthorized) ||
		errors.Is(err, serde.ErrRegistryResponse) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// idleTarget is the stream time an idle partition may move to: its stream
// time at the last record plus the wall time since. ok is false when that
// closes nothing, so an idle partition costs no transaction.
func (t *task) idleTarget(now time.Time) (time.Time, bool) {
	if !t.hasAnchor {
		return time.Time{}, false
	}
	target := t.anchor.Add(now.Sub(t.lastRecord))
	next, ok := t.state.NextClose()
	return target, ok && !target.Before(next)
}

func (t *task) advance(to time.Time) error {
	if err := t.state.AdvanceTo(to, &t.out); err != nil {
		return err
	}
	t.noteStream()
	return nil
}

// flush emits the pending session upserts and the changelog records of
// this transaction, and hands back the wall times of the windows closed in
// it for the emit-delay metric.
func (t *task) flush() (closed []time.Time, err error) {
	err = t.state.Commit(&t.out, func(key, value []byte) error {
		t.g.a.m.out[outChangelog].Inc()
		r := t.g.output()
		r.Topic, r.Partition, r.Timestamp = t.g.a.cfg.topics.Changelog, t.partition, t.now
		// The state reuses its buffers; kgo holds the record until the
		// promise. A nil value stays nil: it is the tombstone of a user
		// whose state is gone. Otherwise the key goes into the pooled value
		// buffer after the value, saving an allocation per record; Value
		// keeps the capacity, so the pool recycles both.
		if value == nil {
			r.Key, r.Value = append([]byte(nil), key...), nil
		} else {
			buf := append(append(r.Value[:0], value...), key...)
			r.Value, r.Key = buf[:len(value)], buf[len(value):]
		}
		t.g.produceOutput(r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("flushing sessions and changelog of partition %d: %w", t.partition, err)
	}
	w, s, _ := t.state.Open()
	m := t.g.a.m
	m.windowsOpen.WithLabelValues(t.label).Set(float64(w))
	m.sessionsOpen.WithLabelValues(t.label).Set(float64(s))
	closed, t.out.closed = t.out.closed, nil
	return closed, nil
}
