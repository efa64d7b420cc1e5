package restproxy

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

	"github.com/retailpulse/retailpulse/internal/kclient"
)

// recordOverhead is what one record costs in the in-flight budget beyond its
// bytes, so that a flood of tiny records is bounded too.
const recordOverhead = 64

// outMsg is one record ready for Kafka.
type outMsg struct {
	topic      string
	partition  int32 // kafka.PartitionAny unless the request chose one
	key, value []byte
	headers    []kafka.Header
	timestamp  time.Time
}

// delivery is Kafka's verdict on one record.
type delivery struct {
	partition int32
	offset    int64
	err       *apiError
}

// flight is a group of records a request waits for together. done closes
// once every record has its delivery report, which is when the HTTP answer
// may be written: acks=all means each reported offset is on every in-sync
// replica.
type flight struct {
	// results[i] is record i's verdict and holds the kgo.Record handed to
	// the producer, so that one allocation serves both.
	results   []flightResult
	remaining atomic.Int32
	done      chan struct{}
	weight    int64
	pr        *producer
	// ctx bounds how long the records may wait for Kafka (the produce
	// timeout); cancel releases its timer once all are reported.
	ctx    context.Context
	cancel context.CancelFunc
	one    [1]flightResult // results of a one-record flight
}

type flightResult struct {
	delivery
	f   *flight
	i   int
	rec kgo.Record
}

func (f *flight) finish(i int, d delivery) {
	f.results[i].delivery = d
	if d.err == nil {
		f.pr.brokersUp.Store(true)
	}
	if f.remaining.Add(-1) == 0 {
		f.cancel()
		f.pr.release(f.weight)
		close(f.done)
	}
}

// producer wraps one idempotent franz-go producer shared by all requests
// (see internal/kclient's Kgo for why not librdkafka on this path). Memory
// is bounded by the in-flight budget: a request first reserves the bytes of
// its records and waits at most queueWait for them, so when Kafka slows down
// requests are refused with 429 instead of queueing without limit. Nothing
// is dropped: every record gets a delivery or an error.
type producer struct {
	cl        *kgo.Client
	budget    *semaphore.Weighted
	budgetMax int64
	queueWait time.Duration
	timeout   time.Duration
	inflight  atomic.Int64
	m         *proxyMetrics
	// brokersUp is false while the last broker connection attempt failed
	// and nothing has been delivered since; Ready reports it.
	brokersUp atomic.Bool
}

func newProducer(kc kclient.Config, cfg *config, m *proxyMetrics, log *zap.Logger) (*producer, error) {
	base, err := kc.Kgo("restproxy", log)
	if err != nil {
		return nil, fmt.Errorf("creating kafka producer: %w", err)
	}
	pr := &producer{
		budget: semaphore.NewWeighted(cfg.maxInFlightBytes), budgetMax: cfg.maxInFlightBytes,
		queueWait: cfg.queueWait, timeout: cfg.produceTimeout, m: m,
	}
	pr.brokersUp.Store(true)
	opts := append(base,
		// acks=all and idempotence are kgo's defaults; spelled out because
		// every acknowledgement the proxy gives rests on them.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(cfg.linger),
		// Not kgo.RecordDeliveryTimeout: it counts from the record's
		// timestamp, which v3 clients may set to any time in the past.
		// send gives each request's records a context with the produce
		// timeout instead.
		//
		// A request must get its answer within the produce timeout even
		// when a record is in flight to a broker that stopped answering
		// (librdkafka's message.timeout.ms behaves the same). The record
		// then fails with a retriable 503 though the broker may have
		// stored it, so a client's retry can duplicate it: acknowledged
		// records are never lost, unacknowledged ones may arrive twice.
		kgo.AllowIdempotentProduceCancellation(),
		// Snappy for the CPU (see the aggregator); every client reads it.
		kgo.ProducerBatchCompression(kgo.SnappyCompression()),
		kgo.RecordPartitioner(partitioner{}),
		// The in-flight budget is the real bound; kgo's buffer must never
		// be the one that fills first (Produce would block).
		kgo.MaxBufferedBytes(int(cfg.maxInFlightBytes*2+1<<20)),
		kgo.MaxBufferedRecords(int(min(cfg.maxInFlightBytes/recordOverhead*2, 10_000_000))),
		kgo.WithHooks(brokerHook{pr}),
	)
	if pr.cl, err = kgo.NewClient(opts...); err != nil {
		return nil, fmt.Errorf("creating kafka producer: %w", err)
	}
	return pr, nil
}

// send reserves budget for msgs and hands them to the producer. It returns
// a flight whose done channel closes when all are reported, or an apiError
// (429) when the budget stays exhausted for queueWait.
func (pr *producer) send(ctx context.Context, msgs []outMsg) (*flight, error) {
	var weight int64
	for i := range msgs {
		weight += int64(len(msgs[i].key)+len(msgs[i].value)) + recordOverhead
	}
	// A request larger than the whole budget still goes through, alone.
	weight = min(weight, pr.budgetMax)
	if !pr.budget.TryAcquire(weight) {
		wctx, cancel := context.WithTimeout(ctx, pr.queueWait)
		err := pr.budget.Acquire(wctx, weight)
		cancel()
		if err != nil {
			pr.m.throttled.Inc()
			return nil, errThrottled("Too many requests: %d bytes are waiting for Kafka acknowledgements; retry later",
				pr.inflight.Load())
		}
	}
	pr.inflight.Add(weight)
	pr.m.inflightBytes.Set(float64(pr.inflight.Load()))
	f := &flight{done: make(chan struct{}), weight: weight, pr: pr}
	if len(msgs) == 1 {
		f.results = f.one[:]
	} else {
		f.results = make([]flightResult, len(msgs))
	}
	f.remaining.Store(int32(len(msgs)))
	if len(msgs) == 0 {
		pr.release(weight)
		close(f.done)
		return f, nil
	}
	f.ctx, f.cancel = context.WithTimeout(context.Background(), pr.timeout)
	for i := range msgs {
		f.results[i].f, f.results[i].i = f, i
		pr.produce(&msgs[i], &f.results[i])
	}
	return f, nil
}

func (pr *producer) release(w int64) {
	pr.budget.Release(w)
	pr.m.inflightBytes.Set(float64(pr.inflight.Add(-w)))
}

// produce hands one record to kgo. The record lives in its flightResult, so
// one allocation per request serves records, verdicts and promises. The
// context is the flight's, not the request's: once handed over, a record is
// written even if its client goes away, as it would be by any producer.
func (pr *producer) produce(m *outMsg, ref *flightResult) {
	r := &ref.rec
	*r = kgo.Record{Topic: m.topic, Partition: m.partition, Key: m.key, Value: m.value, Timestamp: m.timestamp}
	if len(m.headers) > 0 {
		r.Headers = make([]kgo.RecordHeader, len(m.headers))
		for i, h := range m.headers {
			r.Headers[i] = kgo.RecordHeader(h)
		}
	}
	pr.cl.Produce(ref.f.ctx, r, ref.delivered)
}

// delivered is a record's promise: kgo calls it once, with the partition
// and offset set on success.
func (ref *flightResult) delivered(r *kgo.Record, err error) {
	d := delivery{partition: r.Partition, offset: r.Offset}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: not acknowledged by Kafka within the produce timeout of %s", kgo.ErrRecordTimeout, ref.f.pr.timeout)
		}
		d = delivery{partition: -1, offset: -1, err: kafkaError(err)}
	}
	ref.f.finish(ref.i, d)
}

// close flushes what is still buffered (bounded by ctx) and closes the
// client.
func (pr *producer) close(ctx context.Context) error {
	fctx, cancel := ctx, context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		fctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	}
	defer cancel()
	err := pr.cl.Flush(fctx)
	left := pr.cl.BufferedProduceRecords()
	pr.cl.Close()
	if err != nil || left > 0 {
		return fmt.Errorf("closing kafka producer: %d records still unacknowledged after flush", left)
	}
	return nil
}
