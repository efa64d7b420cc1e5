// Package compat is the Avro side of retailpulse's Confluent-compatible
// Schema Registry: it parses schemas, gives them the identity Confluent
// gives them, and decides whether a new version may be registered.
//
// # Parsing and identity
//
// Parse builds its own schema model from the JSON text, following Avro
// Java's parser (which Confluent runs) closely enough that the same texts
// are accepted and print the same way. Errors are *ParseError values whose
// text is fit for a 42201 reply and names the JSON pointer at fault, e.g.
// "/fields/2/default". Parse is a little stricter than Confluent: field
// defaults are always validated (Confluent skips that for schemas already
// stored), namespaces must be dotted Avro names, a "namespace" that is
// neither a string nor null and a non-string enum "default" are errors
// rather than ignored, and numbers too large for a double are refused.
//
// Identity is textual, on the forms Confluent compares:
//
//   - Canonical is canonicalString(): compact JSON, insensitive to
//     whitespace and to spelling ("string" and {"type":"string"} are the
//     same) but sensitive to field order, docs, defaults and attributes.
//   - Normalized is the form used with normalize=true: attributes and
//     aliases sorted, defaults written in their type's number format.
//   - Fingerprint is the SHA-256 of Normalized, for identity maps.
//
// # Compatibility
//
// CanRead implements Avro schema resolution as Avro Java's
// SchemaCompatibility checks it: primitive promotions (int to long, float
// or double; long to float or double; float to double; string and bytes
// both ways), records and enums matched by unqualified name or a reader
// alias equal to the writer's full name, fields by name or reader alias,
// defaults for reader-only fields, enum symbols (unless the reader has an
// enum default), fixed sizes, and unions branch by branch. Recursive types
// are handled by treating a (reader, writer) pair met again during its own
// comparison as compatible. Logical types and docs are ignored.
//
// Check applies a compatibility level to a candidate and the previous
// versions of a subject and returns Confluent's verbose messages, the
// structured differences, and Result.Summary, one line saying which field
// broke which rule.
//
// Deliberate differences from Confluent: a difference inside a branch of a
// writer union keeps its full path where Avro Java restarts at "/", and a
// reader field matching two writer fields is reported as an
// AmbiguousFieldMatch difference rather than as an exception.
package compat
