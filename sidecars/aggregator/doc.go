// Package aggregator is the behaviour aggregator: it consumes UserEvent
// records from user-events and writes, exactly once,
//
//   - one BehaviorAggregate per user and closed 30 s event-time window to
//     recommendation-input (hot tier),
//   - SessionFeatures upserts per session to session-features (warm tier),
//   - one ProfileUpdate of deltas per user and closed window to
//     profile-updates (cold tier),
//
// and sends late, invalid and undecodable input to user-events-dlq with
// headers naming the reason. The window logic lives in package window; this
// package is the Kafka pipeline around it. README.md has the full contract.
//
// # Exactly once
//
// One franz-go (kgo) client per instance is both the transactional producer
// (transactional.id <group>-<instance id>) and the read_committed consumer in
// group "aggregator". Each transaction covers one commit interval: the
// outputs and DLQ records produced while processing, then, at commit, the
// session upserts and the changelog records of every changed user plus each
// partition's stream time and input position, then the input offsets
// (AddOffsetsToTxn and TxnOffsetCommit with the group's member id and
// generation, so a zombie's commit is fenced by group generation), then
// EndTxn. Readers with read_committed see all of it or none of it.
//
// State is in memory, one window.Partition per assigned input partition,
// backed by the compacted topic aggregator-changelog whose partition p holds
// input partition p's state. On assignment a partition is restored by
// reading its changelog partition to the last stable offset; the restored
// position must equal the group's committed offset (both were written by the
// same transactions), so the state is exactly the state after the committed
// input. On revocation the open transaction is committed first. Any failure
// (a produce or commit error, a lost assignment, a registry outage) aborts
// the transaction and rebuilds all clients, which restores committed state:
// in-memory state is never trusted past a failed transaction.
//
// A restarted instance with the same instance id fences its predecessor by
// initialising its producer id before it joins the group (aborting the dead
// process's open transaction at once) and, with static membership, takes its
// partitions back without a rebalance.
//
// # Parallelism
//
// One poll loop owns the client and hands each partition's polled records to
// the task of that partition: a goroutine that decodes, aggregates and produces, so partitions
// are processed in parallel and each in offset order.
//
// # Use
//
//	a, err := aggregator.New(
//		aggregator.WithKafka(kclient.Config{Bootstrap: "127.0.0.1:9092"}),
//		aggregator.WithRegistry(registryClient),
//		aggregator.WithInstanceID("agg-1"),
//	)
//	err = a.Run(ctx) // or lifecycle via aggregator.Component(a)
package aggregator
