package restproxy

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/metrics"
)

// Record outcomes, the values of the outcome label.
const (
	outcomeProduced = "produced" // stored in the requested topic
	outcomeDropped  = "dropped"  // an edge rule dropped it (duplicates included)
	outcomeDLQ      = "dlq"      // an edge rule sent it to the dead-letter topic
	outcomeInvalid  = "invalid"  // refused before Kafka: schema, format, auth
	outcomeFailed   = "failed"   // Kafka did not acknowledge it
	outcomeRetry    = "retry"    // same event_id in flight; the client must retry
)

// outcomes lists the outcome label values; topicSeries index them.
var outcomes = [...]string{outcomeProduced, outcomeDropped, outcomeDLQ, outcomeInvalid, outcomeFailed, outcomeRetry}

// proxyMetrics are the REST proxy's own series. Requests by route and status
// are counted by internal/httpx (retailpulse_http_requests_total with
// server="restproxy"). The topic label only ever carries topics that exist.
type proxyMetrics struct {
	records       *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	inflightBytes prometheus.Gauge
	throttled     prometheus.Counter
	// topics caches each topic's children of records and latency
	// (*topicSeries by topic name): resolving label values costs more than
	// the update itself on the single-event path.
	topics sync.Map
}

// topicSeries are one topic's series, each created on first use as
// WithLabelValues would, so /metrics shows the same series as without the
// cache.
type topicSeries struct {
	name     string
	m        *proxyMetrics
	latency  atomic.Pointer[prometheus.Observer]
	outcomes [len(outcomes)]atomic.Pointer[prometheus.Counter]
}

func (m *proxyMetrics) topic(name string) *topicSeries {
	if ts, ok := m.topics.Load(name); ok {
		return ts.(*topicSeries)
	}
	ts, _ := m.topics.LoadOrStore(name, &topicSeries{name: name, m: m})
	return ts.(*topicSeries)
}

// observeLatency records a request's produce latency.
func (ts *topicSeries) observeLatency(seconds float64) {
	o := ts.latency.Load()
	if o == nil {
		child := ts.m.latency.WithLabelValues(ts.name)
		o = &child
		ts.latency.Store(o)
	}
	(*o).Observe(seconds)
}

// addRecords counts n records of the given outcome.
func (ts *topicSeries) addRecords(outcome string, n int) {
	i := 0
	for i < len(outcomes) && outcomes[i] != outcome {
		i++
	}
	if i == len(outcomes) {
		ts.m.records.WithLabelValues(ts.name, outcome).Add(float64(n))
		return
	}
	c := ts.outcomes[i].Load()
	if c == nil {
		child := ts.m.records.WithLabelValues(ts.name, outcome)
		c = &child
		ts.outcomes[i].Store(c)
	}
	(*c).Add(float64(n))
}

func newProxyMetrics(reg prometheus.Registerer) *proxyMetrics {
	f := metrics.Factory(reg)
	return &proxyMetrics{
		records: f.CounterVec("restproxy", "records_total",
			"Records received, by topic and outcome (produced, dropped, dlq, invalid, failed, retry).", "topic", "outcome"),
		latency: f.HistogramVec("restproxy", "produce_latency_seconds",
			"Time from handing a request's records to Kafka until the last acknowledgement, by topic.", nil, "topic"),
		inflightBytes: f.GaugeVec("restproxy", "inflight_bytes",
			"Bytes of records handed to Kafka and not yet acknowledged.").WithLabelValues(),
		throttled: f.CounterVec("restproxy", "throttled_requests_total",
			"Requests refused with 429 because the in-flight budget stayed exhausted.").WithLabelValues(),
	}
}
