// Package connect is retailpulse's Kafka Connect-compatible worker: the
// Connect REST API (connectors, tasks, status, restarts, pause, resume,
// stop, offsets, plugins, validation, loggers) with Apache Kafka's JSON
// shapes and {error_code, message} errors, a runtime for the sink and
// source plugins of package connectors, and distributed-mode state in the
// upstream internal-topic formats (connect-configs, connect-offsets,
// connect-status).
//
// A Worker is built with New and functional options, started with Start
// and stopped with Stop; Component adapts it to lifecycle.Component.
// Workers sharing a group id and internal topics form one cluster:
//
//   - Membership: each worker writes a heartbeat record worker-<id> to the
//     status topic every heartbeat interval and tombstones it on a clean
//     stop; a worker not heard from for the session timeout is gone.
//   - Leader: the live worker with the lowest id. It alone writes the
//     config topic; other workers forward such requests to it over HTTP
//     (forward=true/false, at most two hops, 409 when no leader is known).
//   - Assignment: every worker computes the same assignment from the live
//     members and the config snapshot (see assignment), so nothing has to
//     be exchanged; sink tasks of one connector share the consumer group
//     connect-<name>, which spreads partitions across them.
//
// Sink tasks commit their consumer group only after Flush succeeded, so
// delivery is at-least-once; source offsets are written to connect-offsets
// after Kafka acknowledged the records. README.md has the design, the
// differences from Apache Kafka and curl examples.
package connect
