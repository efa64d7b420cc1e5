// Package restproxy is retailpulse's ingest edge: a Confluent REST Proxy
// compatible HTTP server (v2 and v3 produce, v2 metadata) plus a path for the
// storefront SDK, writing to Kafka through one idempotent acks=all producer.
//
// # Durability and backpressure
//
// Every HTTP answer is written after the delivery reports of its records,
// so a 200 (or a per-record success) means the record is on all in-sync
// replicas. Records wait in one bounded in-flight budget (bytes handed to
// the producer and not yet acknowledged); a request that cannot reserve its
// bytes within the queue wait is refused with 429 and Retry-After, and a
// record Kafka does not acknowledge within the produce timeout fails with
// the retriable 50003 (503). Nothing is dropped silently.
//
// # The event topic
//
// Records for the event topic (user-events) are governed: the value must be
// a valid record of the topic's "-value" subject (the given schema id, a
// registered schema text, or the latest version), whatever embedded format
// the client used (json payloads are converted with the latest schema), the
// key is the event's user_id (set when absent, checked when given), and the
// edge rules (package rules) decide whether the event is stored, dropped or
// written as received to the dead-letter topic with headers naming the rule.
//
// # Beyond upstream
//
//   - Avro JSON with untagged union values ({"price": 9.5} as well as
//     {"price": {"double": 9.5}}) when only one branch fits, RFC 3339 text for
//     timestamp logical types, and field defaults for absent fields.
//   - Per-record validation: a bad record fails alone with a message naming
//     records[i] and the field; good records in the same request are stored.
//     When every record fails the HTTP status is the failure's, not 200.
//   - CORS with an origin allowlist, gzip request bodies, API keys per
//     storefront (also as ?api_key= for navigator.sendBeacon), and SDKPath
//     for text/plain beacons.
//
// See README.md in this directory for curl examples and the error table.
package restproxy
