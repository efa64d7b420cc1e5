// Package connectors is the plugin SPI of the retailpulse Connect worker: the
// interfaces a connector, task, converter or transformation implements, the
// record and data-schema types that flow between them, the declarative
// ConfigSpec every plugin publishes, and the explicit Registry the worker
// resolves class names through.
//
// # Writing a sink
//
// A sink plugin is a SinkConnector plus a SinkTask. The connector receives
// the validated connector config, splits it into task configs, and is asked
// for a fresh task per task config. The worker then drives each task:
//
//	Start(ctx, tctx, cfg)      once, with the task's parsed config
//	Open(ctx, partitions)      optional (PartitionAware), on assignment
//	Put(ctx, records)          batches of converted, transformed records
//	Flush(ctx, offsets)        make everything put so far durable
//	Close(ctx, partitions)     optional, before partitions move away
//	Stop()                     once
//
// The worker commits the consumer group connect-<name> only after Flush
// returned nil, so a sink that writes synchronously in Put and makes writes
// durable in Flush delivers every record at least once. Put may return an
// error wrapping ErrRetriable to have the batch redelivered with backoff, or
// a *RecordErrors naming the records that failed so that errors.tolerance
// and the dead letter queue apply to just those. SinkTaskContext gives the
// task an ErrantRecordReporter for records it wants to reject itself.
//
// # Declaring configuration
//
// Every plugin publishes one ConfigSpec: name, type (PASSWORD for secrets),
// default, importance, documentation, validators, group, order, width and
// display name per key, as Kafka's ConfigDef does. The worker uses it to
// validate and default connector configs, to answer
// GET /connector-plugins/{p}/config and PUT /connector-plugins/{p}/config/validate,
// and to mask PASSWORD values as "[hidden]" in every response. A plugin that
// needs rules spanning several keys implements CrossValidator.
//
// # Registering
//
// Plugins are listed explicitly, not registered from init: package
// connectors/builtin holds the literal list the worker starts with, and
// NewRegistry refuses duplicate class names and aliases. Lookup accepts the
// full class name, an alias, the simple class name, and for connectors the
// simple name without its "Connector" suffix, as Kafka Connect does.
package connectors
