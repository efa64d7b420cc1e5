package connect

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/metrics"
)

// workerMetrics are every metric of the worker. Labels are bounded: the
// connector names the operator created, task numbers, the six states and
// the error stages.
type workerMetrics struct {
	recordsRead    *prometheus.CounterVec
	recordsWritten *prometheus.CounterVec
	recordsFailed  *prometheus.CounterVec
	recordsDLQ     *prometheus.CounterVec
	putSeconds     *prometheus.HistogramVec
	flushSeconds   *prometheus.HistogramVec
	pollSeconds    *prometheus.HistogramVec
	sinkLag        *prometheus.GaugeVec
	taskState      *prometheus.GaugeVec
	connectorState *prometheus.GaugeVec
	restarts       *prometheus.CounterVec
	retries        *prometheus.CounterVec
	offsetCommits  *prometheus.CounterVec
	workers        *prometheus.GaugeVec
	leader         *prometheus.GaugeVec
	assignedTasks  *prometheus.GaugeVec
}

const subsystem = "connect"

var allStates = []State{StateUnassigned, StateRunning, StatePaused, StateStopped, StateFailed, StateRestarting}

func newWorkerMetrics(reg prometheus.Registerer) *workerMetrics {
	f := metrics.Factory(reg)
	return &workerMetrics{
		recordsRead: f.CounterVec(subsystem, "records_read_total",
			"Records read: consumed from Kafka by sink tasks, polled from the source by source tasks.", "connector", "task"),
		recordsWritten: f.CounterVec(subsystem, "records_written_total",
			"Records written: put to the external system by sink tasks, acknowledged by Kafka for source tasks.", "connector", "task"),
		recordsFailed: f.CounterVec(subsystem, "records_failed_total",
			"Records that failed at a stage (key_converter, value_converter, transformation, task_put, kafka_produce, ...).",
			"connector", "task", "stage"),
		recordsDLQ: f.CounterVec(subsystem, "records_dlq_total",
			"Records written to the dead letter queue.", "connector", "task"),
		putSeconds: f.HistogramVec(subsystem, "put_duration_seconds",
			"Latency of SinkTask.Put per batch, retries included.", nil, "connector"),
		flushSeconds: f.HistogramVec(subsystem, "flush_duration_seconds",
			"Latency of SinkTask.Flush plus the offset commit.", nil, "connector"),
		pollSeconds: f.HistogramVec(subsystem, "poll_duration_seconds",
			"Latency of SourceTask.Poll.", nil, "connector"),
		sinkLag: f.GaugeVec(subsystem, "sink_lag_records",
			"Records between a sink task's position and the end of its assigned partitions.", "connector", "task"),
		taskState: f.GaugeVec(subsystem, "task_status",
			"1 for the current state of each task this worker runs.", "connector", "task", "state"),
		connectorState: f.GaugeVec(subsystem, "connector_status",
			"1 for the current state of each connector this worker runs.", "connector", "state"),
		restarts: f.CounterVec(subsystem, "restarts_total",
			"Automatic and requested restarts of connectors (task=\"\") and tasks.", "connector", "task"),
		retries: f.CounterVec(subsystem, "retries_total",
			"Retries of retriable failures.", "connector", "task", "stage"),
		offsetCommits: f.CounterVec(subsystem, "offset_commits_total",
			"Offset commits by outcome (ok, failed).", "connector", "outcome"),
		workers: f.GaugeVec(subsystem, "workers",
			"Live workers in this worker's view of the cluster.", "group"),
		leader: f.GaugeVec(subsystem, "leader",
			"1 when this worker is the cluster leader.", "group"),
		assignedTasks: f.GaugeVec(subsystem, "assigned_tasks",
			"Tasks assigned to this worker.", "group"),
	}
}

func (m *workerMetrics) setTaskState(connector, task string, s State) {
	for _, st := range allStates {
		v := 0.0
		if st == s {
			v = 1
		}
		m.taskState.WithLabelValues(connector, task, string(st)).Set(v)
	}
}

func (m *workerMetrics) setConnectorState(connector string, s State) {
	for _, st := range allStates {
		v := 0.0
		if st == s {
			v = 1
		}
		m.connectorState.WithLabelValues(connector, string(st)).Set(v)
	}
}

// forgetTask drops a task's series once it no longer runs here, so
// deleted connectors do not linger on dashboards.
func (m *workerMetrics) forgetTask(connector, task string) {
	for _, st := range allStates {
		m.taskState.DeleteLabelValues(connector, task, string(st))
	}
	m.sinkLag.DeleteLabelValues(connector, task)
}

func (m *workerMetrics) forgetConnector(connector string) {
	for _, st := range allStates {
		m.connectorState.DeleteLabelValues(connector, string(st))
	}
}
