package restproxy

import (
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

// proxyMetrics are the REST proxy's own series. Requests by route and status
// are counted by internal/httpx (retailpulse_http_requests_total with
// server="restproxy"). The topic label only ever carries topics that exist.
type proxyMetrics struct {
	records       *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	inflightBytes prometheus.Gauge
	throttled     prometheus.Counter
	// Children of records and latency, by topic and outcome and by topic.
	recordsOf *metrics.Children[topicOutcome, prometheus.Counter]
	latencyOf *metrics.Children[string, prometheus.Observer]
}

type topicOutcome struct{ topic, outcome string }

func newProxyMetrics(reg prometheus.Registerer) *proxyMetrics {
	f := metrics.Factory(reg)
	m := &proxyMetrics{
		records: f.CounterVec("restproxy", "records_total",
			"Records received, by topic and outcome (produced, dropped, dlq, invalid, failed, retry).", "topic", "outcome"),
		latency: f.HistogramVec("restproxy", "produce_latency_seconds",
			"Time from handing a request's records to Kafka until the last acknowledgement, by topic.", nil, "topic"),
		inflightBytes: f.GaugeVec("restproxy", "inflight_bytes",
			"Bytes of records handed to Kafka and not yet acknowledged.").WithLabelValues(),
		throttled: f.CounterVec("restproxy", "throttled_requests_total",
			"Requests refused with 429 because the in-flight budget stayed exhausted.").WithLabelValues(),
	}
	m.recordsOf = metrics.NewChildren(func(k topicOutcome) prometheus.Counter {
		return m.records.WithLabelValues(k.topic, k.outcome)
	})
	m.latencyOf = metrics.NewChildren(func(topic string) prometheus.Observer {
		return m.latency.WithLabelValues(topic)
	})
	return m
}
