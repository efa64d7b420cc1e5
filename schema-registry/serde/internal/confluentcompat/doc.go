// Package confluentcompat holds only tests: it cross-checks package serde
// against Confluent's own Go Avro serde (confluent-kafka-go/v2
// schemaregistry/serde/avrov2), both talking to the same serdetest fake
// registry. Bytes each side writes must decode on the other side.
//
// It lives apart from package serde because avrov2 imports the cgo kafka
// package and links librdkafka; keeping it here leaves serde's own tests
// fast and buildable with CGO_ENABLED=0.
package confluentcompat
