// Package registry is the domain core of retailpulse's Confluent-compatible
// Schema Registry: subjects, versions, global ids, compatibility configs and
// modes, derived from a record log in Confluent's `_schemas` format.
//
// # State comes from the log
//
// The registry keeps no state of its own. Every change is a record appended
// to a Log (the compacted, single-partition `_schemas` topic in production,
// MemoryLog in tests), and every process applies every record, in log order,
// with the same deterministic rules. A `_schemas` topic written by Confluent
// Schema Registry or Karapace replays into this registry, and ours into
// theirs: keys and values are the upstream JSON (SCHEMA keys with magic 1,
// CONFIG, MODE, DELETE_SUBJECT, CLEAR_SUBJECT and NOOP with magic 0, the
// global scope as "subject":null, null values as hard deletes).
//
// Start replays the log before the registry reports ready: it appends a NOOP
// record and waits until it has read it back. A record that does not decode,
// or has a keytype this registry does not use, is skipped with one warning
// and counted in retailpulse_schema_registry_log_records_skipped_total; it
// never stops the reader.
//
// # Writes, races and ids
//
// A write computes its record from the current state, appends it, and
// answers once this process has applied it (read-your-writes). Several
// processes may write to one topic without a leader. Their races are settled
// by the log: a SCHEMA record whose id is already bound to a different
// schema, or whose subject version already holds a different id, is rejected
// by every process when applied; the writer that produced it sees the
// rejection and retries with fresh numbers. Hence ids never collide and all
// processes agree. A schema keeps its id forever: the binding survives hard
// deletes, so an id is never reused for a different schema while the
// binding record is in the log. (After compaction has removed a hard-deleted
// schema's records, its id can be handed out again; upstream shares this.)
//
// # Semantics
//
// They follow Confluent Schema Registry 7.x: ids are global and versions per
// subject; re-registering a live schema returns its id; a new version is the
// highest version ever used (soft-deleted included) plus one; deletes are
// soft first and permanent second; subject-level config and mode survive a
// soft delete and go with a permanent one; a referenced version cannot be
// deleted; IMPORT mode takes ids and versions from the client and skips the
// compatibility check. Only AVRO schemas are supported; JSON and PROTOBUF
// registrations are refused with ErrInvalidSchema.
//
// Errors are *Error values wrapping one sentinel per Confluent error
// condition, with upstream's message text; the HTTP layer maps sentinels to
// status and error_code in one place.
package registry
