// Package schemacli implements `retailpulse schemas register|check|diff`: the
// human side of schema evolution. Each command reads a local .avsc file,
// compares it with what the registry holds for the subject, prints what
// changed field by field and whether the registry's compatibility level
// accepts it — before anything is registered.
//
// It talks to any Confluent-compatible registry over its REST API.
package schemacli
