// Package cassandratest is a CQL server for tests: an in-memory, single
// node that speaks the Cassandra native protocol v4 over TCP, so that the
// real gocql driver (and any v4 driver) can connect to it, and tests can
// inspect what it was sent. Frames are encoded and decoded with
// github.com/datastax/go-cassandra-native-protocol; everything above the
// frames is written here. Cassandra itself cannot run in this repository's
// test environment; this server is what the CassandraSink suite runs
// against.
//
// # Protocol
//
//   - Version 4 only, uncompressed. Other versions get a PROTOCOL_ERROR in
//     the wording drivers parse to downgrade ("the lowest supported version
//     is 4 and the greatest is 4"); a COMPRESSION startup option is refused.
//   - OPTIONS (SUPPORTED), STARTUP (READY, or AUTHENTICATE with
//     org.apache.cassandra.auth.PasswordAuthenticator when WithCredentials
//     is set), AUTH_RESPONSE (SASL PLAIN: AUTH_SUCCESS or a bad-credentials
//     error), REGISTER (READY; SCHEMA_CHANGE events are then pushed after
//     DDL, other event types are accepted and never sent), QUERY, PREPARE,
//     EXECUTE and BATCH.
//   - Requests on one connection are served concurrently and answered on
//     their stream id. Positional values only; named values, tracing and
//     custom payloads are not modeled.
//   - PREPARED results carry the bind markers' column specs, the partition
//     key indexes (so token-aware routing works) and the result metadata;
//     EXECUTE honours skip_metadata. Prepared ids are MD5 of keyspace and
//     text; an unknown id gets UNPREPARED (ForgetPrepared simulates a
//     restart). SELECT results are paged by page_size with an opaque
//     paging state.
//
// # System tables
//
// system.local (one node: datacenter1/rack1 by default, release 4.1.5,
// Murmur3Partitioner, a single token, the listen address as rpc_address),
// empty system.peers and system.peers_v2, and system_schema.keyspaces,
// tables, columns (from the catalog) and views, types, functions,
// aggregates, indexes, triggers (empty), with the columns gocql reads at
// connect time and for Session.KeyspaceMetadata. They are read-only and
// answered but not recorded.
//
// # CQL
//
// A subset, parsed for real (identifiers, quoted identifiers, string,
// number, boolean, null, UUID, blob and collection literals, ? markers):
//
//   - CREATE KEYSPACE [IF NOT EXISTS] ... WITH replication = {...} [AND
//     durable_writes = ...]; CREATE TABLE [IF NOT EXISTS] with single or
//     composite partition keys, clustering columns, CLUSTERING ORDER and
//     default_time_to_live (other table options are accepted and ignored);
//     DROP KEYSPACE/TABLE [IF EXISTS]; TRUNCATE; USE.
//   - INSERT INTO t (cols) VALUES (...) [USING TTL n [AND TIMESTAMP n]].
//   - UPDATE t [USING ...] SET col = value, ... WHERE <full primary key>.
//   - DELETE [cols] FROM t [USING TIMESTAMP n] WHERE <partition key, and
//     either the full clustering key or none of it>.
//   - SELECT */cols/TTL(col)/WRITETIME(col)/COUNT(*) [AS alias] FROM t
//     [WHERE col = v AND col IN (...)] [LIMIT n] [ALLOW FILTERING]. Any
//     column may be filtered with = (ALLOW FILTERING is not enforced).
//     Partitions come back in key byte order, not token order; clustering
//     rows by their bytes (DESC reversed), which differs from Cassandra for
//     negative numbers.
//
// Not modeled, answered with an INVALID error naming the feature:
// lightweight transactions (IF ...), counters and counter batches, static
// columns, collection element operations (m[k] = v, l + [...]), range
// deletions, secondary indexes, materialized views, UDTs, tuples, user
// functions, JSON, BEGIN BATCH in CQL text (use a protocol BATCH). Types
// modeled: ascii, text/varchar, int, bigint, smallint, tinyint, boolean,
// float, double, timestamp, uuid, timeuuid, blob, inet, and list, set and
// map of them (non-text map keys too, not blob); counter, date, time,
// duration, decimal and varint are refused at CREATE TABLE.
//
// # Storage semantics
//
// Rows keep Cassandra's last-write-wins cell model: every cell carries its
// write timestamp (USING TIMESTAMP, else the request's default timestamp,
// else the server clock in microseconds); the higher timestamp wins, on a
// tie a tombstone wins, then the greater value. INSERT also writes a row
// marker, so a row with only key columns exists; UPDATE does not. DELETE
// writes a row, partition or cell tombstone at its timestamp that shadows
// every older write, also ones arriving later, so a replayed old write
// cannot resurrect a deleted row. A null bound value writes a cell
// tombstone; an unset value leaves the cell alone. TTLs (explicit, or the
// table's default_time_to_live) expire cells and the row marker at
// server-clock time now+ttl (WithClock moves time); TTL() reports the
// seconds left. Collections, frozen or not, are single cells replaced as a
// whole (Cassandra's non-frozen collections reach the same result for the
// whole-value writes modeled here).
//
// Size limits: a request that writes more than WithMaxMutationBytes to one
// partition (bound value bytes plus column names plus key bytes) is
// rejected as an oversized mutation, and a batch spanning several
// partitions above WithBatchSizeFailThreshold as too large. A BATCH is
// checked whole before anything is written and then applied atomically,
// LOGGED or UNLOGGED alike (no batchlog is modeled). Consistency levels
// are recorded, not enforced: there is one replica.
//
// # Observing and breaking it
//
// Statements returns every QUERY, EXECUTE and BATCH on non-system tables
// (and DDL), with bound values decoded by their markers' types, the
// consistency, the batch type and children, how many partitions were
// written and the error code answered. InjectFault answers matching
// requests with WRITE_TIMEOUT, READ_TIMEOUT, UNAVAILABLE, OVERLOADED or
// SERVER_ERROR, a number of times or until cleared, optionally after a
// delay and optionally after applying the write (a coordinator timeout
// after the replicas wrote). DropConnections drops every client
// connection; Exec and Query run statements in-process for setup and
// assertions, outside the journal and the faults.
package cassandratest
