package aggregator

import (
	"github.com/prometheus/client_golang/prometheus"

	imetrics "github.com/retailpulse/retailpulse/internal/metrics"
)

const subsystem = "aggregator"

// Label values of the metrics below.
const (
	resultAccepted    = "accepted"
	resultLate        = "late"
	resultInvalid     = "invalid"
	resultUndecodable = "undecodable"
)

// output names a kind of record the aggregator writes. Outputs index small
// arrays (counters, schema ids) rather than maps: they are looked up for
// every record produced.
type output int

const (
	outAggregate output = iota
	outProfile
	outSession
	outSessionEnd
	outDLQ
	outChangelog
	numOutputs
)

// outputLabels are the outputs' label values.
var outputLabels = [numOutputs]string{"aggregate", "profile", "session", "session_end", "dlq", "changelog"}

// metrics are every metric of the aggregator, all named
// retailpulse_aggregator_<what>_<unit>. Partition labels are bounded by the
// input topic's partition count.
type metrics struct {
	events        *prometheus.CounterVec   // result
	emitted       *prometheus.CounterVec   // output
	windowsOpen   *prometheus.GaugeVec     // partition
	sessionsOpen  *prometheus.GaugeVec     // partition
	transactions  *prometheus.CounterVec   // result
	commitSeconds *prometheus.HistogramVec // (none)
	emitDelay     *prometheus.HistogramVec // (none)
	eventTimeLag  *prometheus.GaugeVec     // partition
	consumerLag   *prometheus.GaugeVec     // partition
	restoreSecs   *prometheus.HistogramVec // (none)
	restored      *prometheus.CounterVec   // (none)
	rebalances    *prometheus.CounterVec   // event
	restarts      *prometheus.CounterVec   // (none)

	// Resolved children of the hot-path counters, so a record costs no
	// label lookup.
	accepted, late, invalid, undecodable prometheus.Counter
	out                                  [numOutputs]prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := imetrics.Factory(reg)
	m := &metrics{
		events: f.CounterVec(subsystem, "events_total",
			"Input records by outcome: accepted (counted), late (past grace, to the DLQ), invalid or undecodable (to the DLQ).", "result"),
		emitted: f.CounterVec(subsystem, "records_emitted_total",
			"Records written inside committed or pending transactions, by output: aggregate, profile, session, session_end, dlq, changelog.", "output"),
		windowsOpen: f.GaugeVec(subsystem, "windows_open",
			"Behaviour windows open (user × window) per input partition.", "partition"),
		sessionsOpen: f.GaugeVec(subsystem, "sessions_open",
			"Sessions not yet ended per input partition.", "partition"),
		transactions: f.CounterVec(subsystem, "transactions_total",
			"Kafka transactions ended, by result: committed or aborted.", "result"),
		commitSeconds: f.HistogramVec(subsystem, "commit_duration_seconds",
			"Time to commit one transaction: flushing sessions and changelog, sending offsets, committing.", nil),
		emitDelay: f.HistogramVec(subsystem, "window_emit_delay_seconds",
			"Wall time from a window closing (its closing event processed) to its record being committed.", nil),
		eventTimeLag: f.GaugeVec(subsystem, "event_time_lag_seconds",
			"Wall clock minus the partition's stream time (largest accepted event time).", "partition"),
		consumerLag: f.GaugeVec(subsystem, "consumer_lag_records",
			"Input records not yet processed per partition (high watermark minus position).", "partition"),
		restoreSecs: f.HistogramVec(subsystem, "restore_duration_seconds",
			"Time to restore newly assigned partitions from the changelog.", prometheus.ExponentialBuckets(0.005, 2, 14)),
		restored: f.CounterVec(subsystem, "restored_records_total",
			"Changelog records read while restoring partitions."),
		rebalances: f.CounterVec(subsystem, "rebalances_total",
			"Partition assignment changes by event: assigned, revoked, lost.", "event"),
		restarts: f.CounterVec(subsystem, "restarts_total",
			"Times the Kafka clients were rebuilt after an error (state is then restored from the changelog)."),
	}
	m.accepted = m.events.WithLabelValues(resultAccepted)
	m.late = m.events.WithLabelValues(resultLate)
	m.invalid = m.events.WithLabelValues(resultInvalid)
	m.undecodable = m.events.WithLabelValues(resultUndecodable)
	for o, label := range outputLabels {
		m.out[o] = m.emitted.WithLabelValues(label)
	}
	return m
}

// forget drops the per-partition series of a partition this instance no
// longer owns, so dashboards do not show stale values.
func (m *metrics) forget(partition string) {
	m.windowsOpen.DeleteLabelValues(partition)
	m.sessionsOpen.DeleteLabelValues(partition)
	m.eventTimeLag.DeleteLabelValues(partition)
	m.consumerLag.DeleteLabelValues(partition)
}
