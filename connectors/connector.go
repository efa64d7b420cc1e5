package connectors

import "context"

// ConnectorType is what a connector does with Kafka.
type ConnectorType string

// Connector types, as the REST API spells them.
const (
	SinkType    ConnectorType = "sink"
	SourceType  ConnectorType = "source"
	UnknownType ConnectorType = "unknown"
)

// Connector is the part of a plugin that runs once per connector: it
// checks the connector config, sets up shared state and splits the work
// into task configs. Its methods are called from one goroutine.
type Connector interface {
	// Start receives the config parsed against the plugin's ConfigSpec
	// (standard keys included). An error fails the connector.
	Start(ctx context.Context, cctx ConnectorContext, cfg *Config) error
	// TaskConfigs returns at most maxTasks task configs. The worker stores
	// them in connect-configs and starts one task per entry; each task
	// receives its map merged over the connector's config. Returning the
	// same configs again changes nothing.
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	// Stop releases what Start acquired.
	Stop() error
}

// ConnectorContext lets a running connector talk to the worker.
type ConnectorContext interface {
	// RequestTaskReconfiguration asks the worker to call TaskConfigs again,
	// for example after the source's partitions changed.
	RequestTaskReconfiguration()
	// RaiseError fails the connector with err.
	RaiseError(err error)
}

// SinkConnector is a connector whose tasks write Kafka records elsewhere.
type SinkConnector interface {
	Connector
	NewTask() SinkTask
}

// SourceConnector is a connector whose tasks read elsewhere and produce to
// Kafka.
type SourceConnector interface {
	Connector
	NewTask() SourceTask
}

// SinkTask writes records to the external system. The worker calls its
// methods from one goroutine; see the package doc for the order.
type SinkTask interface {
	// Start receives the task config parsed against the plugin's spec.
	Start(ctx context.Context, tctx SinkTaskContext, cfg *Config) error
	// Put writes records. It may buffer; Flush must then make the buffer
	// durable. Errors: wrap ErrRetriable to have the batch retried, return
	// RecordErrors to fail single records, anything else fails the task.
	Put(ctx context.Context, records []SinkRecord) error
	// Flush makes everything put so far durable. offsets holds, per
	// partition, the offset of the next record to be put; they are
	// committed to the consumer group after Flush returns nil.
	Flush(ctx context.Context, offsets map[TopicPartition]int64) error
	// Stop releases resources. It is called after the last Flush.
	Stop() error
}

// PartitionAware is implemented by sink tasks that keep per-partition
// state (writers, files, transactions).
type PartitionAware interface {
	// Open is called when partitions are assigned, before their records.
	Open(ctx context.Context, partitions []TopicPartition) error
	// Close is called after the final Flush of partitions that move to
	// another task.
	Close(ctx context.Context, partitions []TopicPartition) error
}

// PreCommitter is implemented by sink tasks that write asynchronously and
// know better than the worker which offsets are safe to commit. It
// replaces Flush when present.
type PreCommitter interface {
	// PreCommit returns the offsets to commit; it may return fewer
	// partitions or lower offsets than given.
	PreCommit(ctx context.Context, offsets map[TopicPartition]int64) (map[TopicPartition]int64, error)
}

// SinkTaskContext lets a sink task talk to the worker.
type SinkTaskContext interface {
	// ID names the task.
	ID() TaskID
	// Assignment returns the partitions currently assigned to the task.
	Assignment() []TopicPartition
	// RequestCommit asks for Flush and an offset commit as soon as the
	// current Put returns.
	RequestCommit()
	// ErrantRecordReporter returns the reporter for records the task
	// rejects itself.
	ErrantRecordReporter() ErrantRecordReporter
}

// ErrantRecordReporter sends a record the task could not write through
// the connector's error handling: it is logged when errors.log.enable is
// set and written to the dead letter queue when one is configured. It
// returns an error wrapping ErrToleranceExceeded when
// errors.tolerance=none; the task should then return that error.
// Report blocks until the record is in the dead letter queue, so the
// record's offset may be committed afterwards.
type ErrantRecordReporter interface {
	Report(ctx context.Context, record SinkRecord, err error) error
}

// SourceTask reads from the external system.
type SourceTask interface {
	// Start receives the task config parsed against the plugin's spec.
	Start(ctx context.Context, tctx SourceTaskContext, cfg *Config) error
	// Poll returns the next records, or none. It should block at most
	// briefly when there is no data and must return soon after ctx is
	// done. Errors wrapping ErrRetriable are retried.
	Poll(ctx context.Context) ([]SourceRecord, error)
	// Stop releases resources; it is called after the last Poll returned.
	Stop() error
}

// SourceCommitter is implemented by source tasks that acknowledge records
// in the source system.
type SourceCommitter interface {
	// CommitRecord is called once Kafka acknowledged rec.
	CommitRecord(ctx context.Context, rec SourceRecord, md RecordMetadata) error
	// Commit is called after the offsets of acknowledged records were
	// written to connect-offsets.
	Commit(ctx context.Context) error
}

// SourceTaskContext lets a source task talk to the worker.
type SourceTaskContext interface {
	ID() TaskID
	// Offsets returns the stored offsets of the given source partitions
	// (missing partitions are absent from the result), so a restarted task
	// resumes where the last acknowledged record left off.
	Offsets(ctx context.Context, partitions []map[string]any) (map[string]map[string]any, error)
}

// OffsetKey returns the key Offsets uses for a source partition: its
// canonical JSON (sorted keys).
func OffsetKey(partition map[string]any) string { return canonicalJSON(partition) }

// CrossValidator is implemented by connectors whose configs have rules
// spanning several keys. ValidateConfig is called on a fresh instance,
// after every key passed its own validators; each FieldError is reported
// on its key by /config/validate and fails creation.
type CrossValidator interface {
	ValidateConfig(cfg *Config) []FieldError
}

// SameTaskConfigs is TaskConfigs for connectors whose tasks are all alike:
// maxTasks empty maps, so every task runs the connector's config and the
// worker spreads the partitions (sinks) among them.
func SameTaskConfigs(maxTasks int) []map[string]string {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{}
	}
	return out
}
