// Package hbase is the HBase sink connector (class
// io.retailpulse.connect.hbase.HBaseSinkConnector, alias HBaseSink): it
// writes Kafka records into HBase tables through gohbase, which finds the
// cluster in ZooKeeper (hbase.zookeeper.quorum, zookeeper.znode.parent).
// retailpulse runs it on profile-updates to keep long-term user profiles,
// the cold tier the recommender reads.
//
// # Mapping (Confluent's HBase sink model)
//
// table.name.format names the table (${topic} substituted). The row key is
// row.key.definition's fields joined by row.key.delimiter, or the whole
// key. A value struct or map is a row: a nested struct or map field is a
// column family whose entries are the columns; flat fields go to
// default.column.family; column.mapping places fields in other families
// (a mapped nested field's entries become <field>.<entry>). Values are
// encoded as HBase's Bytes.toBytes would (see encodeValue), puts carry the
// record timestamp as cell timestamp, so replaying an older record never
// overwrites a newer one. insert.mode is UPSERT. auto.create.tables and
// auto.create.column.families create what is missing through the master:
// tables with gohbase's CreateTable request (default namespace only: it
// has no namespace field), families with an AddColumn call of our own,
// both over a master connection built from gohbase's region client, since
// gohbase's AdminClient can neither add families nor be closed.
//
// # Counters and the exactly-once argument
//
// increment.fields hold deltas, applied with HBase Increments. Kafka
// Connect delivers at least once: a record comes again after a task
// restart before the offset commit, a rebalance, a consumer reset or a
// replay; and gohbase itself resends a request whose connection died,
// even if HBase had applied it. A blind Increment would count each copy.
//
// So every row keeps, per source topic partition, a guard cell
// m:o:<topic>:<partition> holding the next offset to apply. For the
// records of one row and one partition in a batch (in offset order) the
// task takes the guard G (from its cache or a Get), drops the records
// below G (already applied), sums the rest into one Increment that also
// adds (last offset + 1 - G) to the guard, and sends it as checkAndMutate
// conditional on the guard still being G. HBase applies a mutation to one
// row atomically, so the counters and the guard move together or not at
// all. Any second application of the same records carries a condition on
// a guard value that is gone: a resend by gohbase after a lost answer, a
// redelivery after a crash, a replay from offset zero, a second task still
// writing a partition that moved (a zombie) all fail the condition; the
// task then reads the guard again, finds the records below it and skips
// them. Guards only grow, so a cached guard is at most the true one: a
// stale cache costs one failed condition, never a double count. Hence
// each record's deltas are added exactly once per (row, source
// partition), whatever the delivery pattern, and replaying a topic leaves
// every counter as one pass did.
//
// Limits of the argument: HBase before 2.4 ignores the condition on an
// Increment (the response then lacks "processed"; the task logs a warning
// once and falls back to single-writer semantics, where gohbase's resend
// after a lost answer can double-count one batch). The guard is per
// source partition and offset: recreating the topic (offsets restart) or
// deleting m cells needs the table cleared too. A record whose puts fail is
// not counted (it goes through error.mode); a later record of the same
// partition moves the guard past it, so it can only come back through the
// dead letter queue, under the DLQ topic's own guard.
//
// max.fields keep a maximum without reading: the value is written with
// itself as cell timestamp, and HBase returns the newest version. A null
// field keeps the stored cell (null.value.handling=IGNORE) or deletes it.
// Tombstones (null values) write nothing.
//
// # Errors
//
// Every HBase request is retried by gohbase (RegionTooBusy, NotServing
// Region with a new meta lookup, lost connections) until retry.timeout.ms.
// What still fails follows error.mode: FAIL hands permanent failures to
// the worker as RecordErrors (errors.tolerance and the dead letter queue
// apply) and reports a timeout as a retriable error for the whole batch,
// which is safe to redeliver; WARN logs and skips, IGNORE skips, both
// reporting to the ErrantRecordReporter when errors.tolerance=all.
//
// # Default profile layout
//
// ProfileConfig is the config for profile-updates: table user_profiles,
// row key "<salt>#<user_id>" where salt is two hex digits of
// FNV-1a-32(user_id) mod 16 (ProfileRowKey computes it; the table is
// pre-split on 01..0f so consecutive ids spread over 16 regions), family
// c for counters, p for attributes (last_seen as a maximum, last_category
// replaced, null keeping it, window_end), m for guards. compose/hbase
// creates the table; compose/connectors/hbase-sink.json registers it.
package hbase
