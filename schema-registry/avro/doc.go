// Package avro holds retailpulse's governed Avro schemas and the Go types that
// mirror them.
//
// The .avsc files in this directory are the single source of truth for what
// travels on the data topics. They are embedded into the binary, registered by
// `retailpulse up` under TopicNameStrategy subjects (<topic>-value), and
// decoded by Kafdrop through the registry. Every record and field carries a
// doc string because the registry is also where people read the contract.
//
// Encode and Decode pick the schema from the Go type, so a caller never pairs a
// struct with the wrong schema by hand:
//
//	b, err := avro.Encode(&avro.UserEvent{...})
//	var ev avro.UserEvent
//	err = avro.Decode(b, &ev)
//
// The bytes are the bare Avro binary body, without the Confluent wire-format
// header (magic byte and schema id); adding that is the serde layer's job.
//
// Encoding is Java-compatible: arrays and maps are written as one block with a
// plain item count and no byte-size prefix, which is what the Java
// GenericDatumWriter and python-avro emit. Map entries follow Go's map
// iteration order, so a record with two or more entries in one map does not
// always encode to the same bytes, though it always decodes to the same value.
//
// Timestamps (logicalType timestamp-millis) are time.Time. Encoding truncates
// to the millisecond; decoding yields UTC. Values with millisecond precision
// in UTC therefore round-trip exactly.
package avro
