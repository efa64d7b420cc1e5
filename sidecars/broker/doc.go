// Package broker runs the embedded Kafka-protocol broker of `retailpulse up`
// and `retailpulse broker`: franz-go's kfake, a real implementation of the
// Kafka wire protocol (produce, fetch, groups, idempotent and transactional
// producers, admin APIs), with its state persisted under a data directory.
//
// It is one broker with replication factor 1: fine for one machine, and
// clients cannot tell it from a real cluster. Users who outgrow it point
// every component at a real Kafka cluster with --kafka-bootstrap.
//
// Durability: kfake appends every produced batch, group offset commit and
// producer-id change to files under the data directory as it happens, and
// writes a full snapshot on a clean stop. A kill -9 therefore keeps everything
// the OS page cache already received; WithSyncWrites adds an fsync per batch
// for machine crashes, at a large throughput cost. Transactions a crash left
// open are aborted, with abort markers as Kafka's coordinator writes them,
// before clients are let in (recover.go).
//
// Where kfake answers differently from Kafka in a way our clients notice, a
// control hook makes it answer like Kafka (compat.go).
package broker
