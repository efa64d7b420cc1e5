package restproxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
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
	// results[i] is record i's verdict; &results[i] is its librdkafka
	// opaque, so that one allocation serves both.
	results   []flightResult
	remaining atomic.Int32
	done      chan struct{}
	weight    int64
	release   func(int64)
	one       [1]flightResult // results of a one-record flight
}

type flightResult struct {
	delivery
	f *flight
	i int
}

func (f *flight) finish(i int, d delivery) {
	f.results[i].delivery = d
	if f.remaining.Add(-1) == 0 {
		f.release(f.weight)
		close(f.done)
	}
}

// producer wraps one idempotent librdkafka producer shared by all requests.
// Memory is bounded by the in-flight budget: a request first reserves the
// bytes of its records and waits at most queueWait for them, so when Kafka
// slows down requests are refused with 429 instead of queueing without
// limit. Nothing is dropped: every record gets a delivery or an error.
type producer struct {
	p         *kafka.Producer
	reports   chan kafka.Event
	budget    *semaphore.Weighted
	budgetMax int64
	queueWait time.Duration
	inflight  atomic.Int64
	m         *proxyMetrics
	log       *zap.Logger
	brokersUp atomic.Bool
	wg        sync.WaitGroup
	stop      chan struct{}
}

func newProducer(kc kclient.Config, cfg *config, m *proxyMetrics, log *zap.Logger) (*producer, error) {
	cm := kc.Producer("restproxy")
	overrides := kafka.ConfigMap{
		// Java clients and kafka-rest hash keys with murmur2; matching it keeps
		// a user's records on the partition any other producer would pick.
		"partitioner":               "murmur2_random",
		"linger.ms":                 int(cfg.linger.Milliseconds()),
		"message.timeout.ms":        int(cfg.produceTimeout.Milliseconds()),
		"go.delivery.report.fields": "none",
		// librdkafka's own log lines go to zap at debug instead of stderr;
		// what matters to an operator also arrives as an error event.
		"go.logs.channel.enable": true,
		// The in-flight budget is the real bound; librdkafka's queue must
		// never be the one that fills first.
		"queue.buffering.max.kbytes":   int(min(cfg.maxInFlightBytes/1024*2+1024, 2097151)),
		"queue.buffering.max.messages": int(min(cfg.maxInFlightBytes/recordOverhead*2, 10_000_000)),
	}
	for k, v := range overrides {
		if _, set := kc.Extra[k]; !set {
			(*cm)[k] = v
		}
	}
	p, err := kafka.NewProducer(cm)
	if err != nil {
		return nil, fmt.Errorf("creating kafka producer: %w", err)
	}
	pr := &producer{
		p: p, reports: make(chan kafka.Event, 65536),
		budget: semaphore.NewWeighted(cfg.maxInFlightBytes), budgetMax: cfg.maxInFlightBytes,
		queueWait: cfg.queueWait, m: m, log: log, stop: make(chan struct{}),
	}
	pr.brokersUp.Store(true)
	pr.wg.Add(2)
	go pr.dispatch()
	go pr.watchEvents()
	return pr, nil
}

// send reserves budget for msgs and hands them to librdkafka. It returns a
// flight whose done channel closes when all are reported, or an apiError
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
	f := &flight{done: make(chan struct{}), weight: weight, release: pr.release}
	if len(msgs) == 1 {
		f.results = f.one[:]
	} else {
		f.results = make([]flightResult, len(msgs))
	}
	f.remaining.Store(int32(len(msgs)))
	if len(msgs) == 0 {
		f.release(weight)
		close(f.done)
		return f, nil
	}
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

func (pr *producer) produce(m *outMsg, ref *flightResult) {
	msg := &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &m.topic, Partition: m.partition},
		Key:            m.key, Value: m.value, Headers: m.headers, Timestamp: m.timestamp,
		Opaque: ref,
	}
	for attempt := 0; ; attempt++ {
		err := pr.p.Produce(msg, pr.reports)
		if err == nil {
			return
		}
		var ke kafka.Error
		// The budget keeps librdkafka's queue below its limits, so a full
		// queue is transient (another producer config override); wait briefly.
		if errors.As(err, &ke) && ke.Code() == kafka.ErrQueueFull && attempt < 200 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		ref.f.finish(ref.i, delivery{partition: -1, offset: -1, err: kafkaError(err)})
		return
	}
}

// dispatch routes delivery reports to their flights.
func (pr *producer) dispatch() {
	defer pr.wg.Done()
	for {
		select {
		case ev := <-pr.reports:
			m, ok := ev.(*kafka.Message)
			if !ok {
				continue
			}
			ref, ok := m.Opaque.(*flightResult)
			if !ok {
				continue
			}
			d := delivery{partition: m.TopicPartition.Partition, offset: int64(m.TopicPartition.Offset)}
			if m.TopicPartition.Error != nil {
				d = delivery{partition: -1, offset: -1, err: kafkaError(m.TopicPartition.Error)}
			} else {
				pr.brokersUp.Store(true)
			}
			ref.f.finish(ref.i, d)
		case <-pr.stop:
			return
		}
	}
}

// watchEvents drains the producer's event channel (errors, stats). Delivery
// reports go to reports instead, so they never count against Flush.
func (pr *producer) watchEvents() {
	defer pr.wg.Done()
	for {
		select {
		case l, ok := <-pr.p.Logs():
			if ok {
				pr.log.Debug("librdkafka", zap.String("facility", l.Tag), zap.Int("level", l.Level), zap.String("message", l.Message))
			}
		case ev, ok := <-pr.p.Events():
			if !ok {
				return
			}
			if e, isErr := ev.(kafka.Error); isErr {
				if e.Code() == kafka.ErrAllBrokersDown {
					pr.brokersUp.Store(false)
				}
				pr.log.Warn("kafka producer error", zap.String("code", e.Code().String()), zap.Error(e))
			}
		case <-pr.stop:
			return
		}
	}
}

// close flushes what is still queued (bounded by ctx) and closes the
// producer. The dispatcher keeps running until librdkafka is gone, so a
// report emitted during Close always finds a reader.
func (pr *producer) close(ctx context.Context) error {
	ms := 10000
	if dl, ok := ctx.Deadline(); ok {
		ms = max(int(time.Until(dl).Milliseconds()), 1)
	}
	left := pr.p.Flush(ms)
	pr.p.Close()
	close(pr.stop)
	pr.wg.Wait()
	if left > 0 {
		return fmt.Errorf("closing kafka producer: %d records still unacknowledged after flush", left)
	}
	return nil
}

// kafkaError maps a librdkafka error to the per-record REST Proxy error.
func kafkaError(err error) *apiError {
	var ke kafka.Error
	if !errors.As(err, &ke) {
		return newAPIError(http.StatusInternalServerError, codeKafka, "%v", err)
	}
	switch ke.Code() {
	case kafka.ErrUnknownTopicOrPart, kafka.ErrUnknownTopic:
		return newAPIError(http.StatusNotFound, codeTopicPartitionNF, "%v", ke)
	case kafka.ErrUnknownPartition:
		return newAPIError(http.StatusNotFound, codePartitionNotFound, "%v", ke)
	case kafka.ErrMsgSizeTooLarge:
		return newAPIError(http.StatusUnprocessableEntity, codePayload, "record is larger than the maximum message size: %v", ke)
	case kafka.ErrTopicAuthorizationFailed, kafka.ErrClusterAuthorizationFailed:
		return newAPIError(http.StatusForbidden, codeForbidden, "%v", ke)
	case kafka.ErrSaslAuthenticationFailed, kafka.ErrAuthentication:
		return newAPIError(http.StatusUnauthorized, codeUnauthorized, "%v", ke)
	}
	if ke.IsRetriable() || ke.Code() == kafka.ErrMsgTimedOut || ke.Code() == kafka.ErrTimedOut ||
		ke.Code() == kafka.ErrAllBrokersDown || ke.Code() == kafka.ErrTransport {
		e := newAPIError(http.StatusServiceUnavailable, codeKafkaRetriable, "%v (retriable)", ke)
		e.retryAfter = 1
		return e
	}
	return newAPIError(http.StatusInternalServerError, codeKafka, "%v (kafka error code %s)", ke, strconv.Itoa(int(ke.Code())))
}
