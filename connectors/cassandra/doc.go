// Package cassandra is the CassandraSink connector: the warm feature tier.
// It upserts the aggregator's session features (topic session-features,
// Avro SessionFeatures keyed by session id) into a Cassandra table with a
// 24 h TTL, where the recommender reads a session's running totals.
//
// The class is io.retailpulse.connect.cassandra.CassandraSinkConnector,
// alias CassandraSink; declare it in connectors/builtin with Plugin(). The
// configuration follows the DataStax Apache Kafka connector:
//
//	topic.<topic>.<keyspace>.<table>.mapping       col=key, col=value.f, col=header.h, __ttl=..., __timestamp=...
//	topic.<topic>.<keyspace>.<table>.ttl           seconds; default 86400, -1 for none (table default), 0 never
//	topic.<topic>.<keyspace>.<table>.ttlTimeUnit        unit of a mapped __ttl (SECONDS)
//	topic.<topic>.<keyspace>.<table>.timestampTimeUnit  unit of a mapped __timestamp (MICROSECONDS)
//	topic.<topic>.<keyspace>.<table>.consistencyLevel   default LOCAL_QUORUM
//	topic.<topic>.<keyspace>.<table>.nullToUnset   null fields leave the column alone (default true)
//	topic.<topic>.<keyspace>.<table>.deletesEnabled     tombstones delete the row (default true)
//
// plus the global keys in Spec (contactPoints, port, loadBalancing.localDc,
// auth.*, batching and retry bounds, ignoreErrors, keyspace.create,
// table.create). A topic may feed several tables.
//
// # Writes
//
// Each record becomes an INSERT ... USING TTL ? AND TIMESTAMP ? (prepared
// once by the driver and routed token-aware), or a DELETE ... USING
// TIMESTAMP ? for a tombstone (and, as in the DataStax connector, for a
// record whose mapped non-key columns are all null). The write timestamp
// is the Kafka record timestamp in microseconds, with the record's offset
// modulo 1000 as the sub-millisecond part: a replay of older records can
// never overwrite newer values nor resurrect a deleted row, and two
// records of one key in the same millisecond keep their partition order
// instead of tying (on a tie Cassandra keeps the greater value per
// column). A mapped __timestamp replaces the record time.
//
// Within one put, statements are grouped by table and partition key and
// sent as UNLOGGED batches of at most maxNumberOfRecordsInBatch records
// and maxBatchSizeInBytes bound bytes: a batch never spans partitions, so
// it is atomic and costs the coordinator nothing, and it stays below the
// cluster's mutation size limit. Groups run concurrently, up to
// maxConcurrentRequests; order does not matter because every statement
// carries its own timestamp. Put returns when everything is written, so
// Flush has nothing to do and the worker commits offsets only after the
// data is in Cassandra.
//
// # Failures
//
// Write timeouts, unavailable replicas, overloaded or bootstrapping nodes
// and lost connections are retried retry.maxRetries times with jittered,
// doubling backoff; the statements are idempotent. If they still fail the
// whole put fails with connectors.ErrRetriable and the worker retries it
// for errors.retry.timeout. A batch Cassandra refuses outright (an
// oversized mutation, an invalid value) is retried statement by statement
// so that only the bad records fail. A record that cannot be mapped
// (missing field, null key, wrong type) or that Cassandra refused goes to
// the ErrantRecordReporter, so errors.tolerance and the dead letter queue
// apply, unless ignoreErrors says to log and skip it.
//
// # Schema
//
// Mappings are checked against the table's columns in system_schema when
// the connector is validated, started and when a task starts: an unknown
// column, an unmapped primary key column or an unsupported column type is
// refused with the column named. keyspace.create and table.create create a
// missing keyspace and a missing table with the session-features layout
// (SessionFeaturesColumns, the same CQL as compose/cassandra/schema.cql).
//
// Tests run the real gocql driver over TCP against package cassandratest.
package cassandra
