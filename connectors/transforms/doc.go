// Package transforms holds the Single Message Transforms and predicates a
// connector config can name in transforms.<alias>.type and
// predicates.<alias>.type, under Apache Kafka's class names:
//
//	org.apache.kafka.connect.transforms.RegexRouter
//	org.apache.kafka.connect.transforms.InsertField$Key / $Value
//	org.apache.kafka.connect.transforms.ReplaceField$Key / $Value
//	org.apache.kafka.connect.transforms.ExtractField$Key / $Value
//	org.apache.kafka.connect.transforms.Filter
//	org.apache.kafka.connect.transforms.predicates.TopicNameMatches
//	org.apache.kafka.connect.transforms.predicates.HasHeaderKey
//	org.apache.kafka.connect.transforms.predicates.RecordIsTombstone
//
// They work on schemaless maps and on structs alike; a struct whose schema
// changes gets a derived schema, cached per input schema.
package transforms
