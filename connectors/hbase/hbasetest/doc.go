// Package hbasetest is a wire-level test double of an HBase cluster for
// tests of code that uses the gohbase client: one in-process server that
// speaks HBase's RPC protocol (the protobuf messages of gohbase's own pb
// package) and registers itself in a real ZooKeeper, so gohbase finds it
// exactly as it finds a real cluster.
//
//	zk := hbasetest.StartZooKeeper(t)            // Debian's zookeeper.jar, 127.0.0.1:<free port>
//	srv := hbasetest.Start(t, zk.Addr())          // registers under srv.ZnodeParent()
//	c := gohbase.NewClient(zk.Addr(), gohbase.ZookeeperRoot(srv.ZnodeParent()))
//
// # What it models
//
// Discovery. <parent>/meta-region-server and <parent>/master are ephemeral
// znodes in HBase's format (0xFF, 4-byte id length, id, "PBUF",
// MetaRegionServer / Master protobuf), both naming this server, which
// answers ClientService and MasterService on one port (the service is
// picked by the ConnectionHeader). hbase:meta is served as the region
// "hbase:meta,,1": one row per user region, keyed
// "<table>,<start key>,<region id>.<md5>.", with info:regioninfo ("PBUF" +
// RegionInfo), info:server, info:serverstartcode and info:seqnumDuringOpen,
// ordered by HBase's meta comparator (table, start key, id), so gohbase's
// reversed meta scan lands on the region holding a key.
//
// Framing. The connection preamble "HBas\x00\x50" (SIMPLE auth), a
// length-prefixed ConnectionHeader, then length-prefixed calls: a
// varint-delimited RequestHeader and request, followed by a KeyValueCodec
// cellblock whose length the header gives. Answers carry the call id, a
// ResponseHeader and either the response or an ExceptionResponse with a
// Java class name, which is what gohbase classifies errors by. Calls on one
// connection are handled concurrently (64 at a time by default) and
// answered as they finish. Responses never use cellblocks (cells travel in
// the protobuf), which gohbase accepts.
//
// Data. Tables (namespace "default" or "ns:table") with column families
// and one or more regions (split keys). Cells are versioned by timestamp;
// each family keeps VERSIONS versions (1 unless created otherwise); a Put at
// an existing timestamp replaces that version, so the newest timestamp
// wins regardless of arrival order. Server timestamps are milliseconds.
// Deletes honour HBase's four delete types and the whole-row delete;
// DeleteColumn and DeleteFamily leave markers that also mask older
// versions written later, as tombstones do, while the single-version
// deletes only remove the version they name.
// Every single-row operation runs under its region's lock, so it is atomic
// as HBase's row locks make it.
//
// RPCs. Get (columns, time range, max versions, existence only), Mutate
// (Put, Delete, Increment, Append; protobuf or cellblock cells), Multi
// (Gets and mutations per region action; atomic region actions and the
// pre-2.4 MultiRequest condition apply all or nothing), Scan (forward and
// reversed, start/stop rows, number of rows, scanner ids, close), and on the
// master IsMasterRunning, GetTableNames, GetTableDescriptors, CreateTable
// (with split keys; its procedure is reported FINISHED by
// getProcedureResult) and AddColumn. A condition on Mutate
// (checkAndMutate: BinaryComparator or NullComparator, every compare type,
// an empty expected value matching a missing or empty cell) is honoured for
// every mutation type, as HBase 2.4+ does; WithLegacyCheckAndMutate makes
// Increment and Append ignore it and omit the processed flag, as older
// HBase did. Increment needs 8-byte cells and gives the new cell the server
// time, or one past the old cell's timestamp. Errors use HBase's exception
// classes: NoSuchColumnFamilyException (checked before anything is
// applied), NotServingRegionException for an unknown region,
// WrongRegionException for a row outside the region, TableExistsException,
// TableNotFoundException, InvalidFamilyOperationException,
// UnknownScannerException.
//
// Faults. Inject queues faults matched by RPC method and table:
// RegionTooBusy and NotServingRegion (retried by gohbase, the latter after
// a new meta lookup and region probe), DoNotRetry, and ApplyAndDrop, which
// applies the request and closes the connection without answering, the
// ambiguity that makes a blindly resent Increment count twice. Requests,
// Mutations and FailedRequests count what the server saw.
//
// # What it does not model
//
// It is one server holding every region: no region moves, splits, merges
// or balancing (NotServingRegion is injected, the region stays here), no
// replicas, no WAL, durability settings or persistence (data lives in
// memory until Close), no TTLs, compactions, MVCC read points or nonces
// (a resent Increment is applied again unless a condition stops it), no
// scanner leases, partial results or size limits (max_result_size,
// store_limit and store_offset are ignored), no filters (a Get or Scan
// with a filter is refused with UnsupportedOperationException), no
// cellblock compression, no security, quotas, coprocessors or snapshots,
// and no master operations beyond those listed. Table names are checked
// against HBase's character rules but namespaces need not be created.
// Delete markers mask older versions forever (no major compaction purges
// them). Deleting or disabling tables is not supported.
package hbasetest
