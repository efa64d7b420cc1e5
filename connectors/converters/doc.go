// Package converters holds the record converters a connector config can
// name in key.converter, value.converter and header.converter, under the
// class names Kafka Connect users already write:
//
//	io.confluent.connect.avro.AvroConverter            Confluent wire format through our schema registry
//	org.apache.kafka.connect.json.JsonConverter        JSON, with or without the schema envelope
//	org.apache.kafka.connect.storage.StringConverter   UTF-8 text
//	org.apache.kafka.connect.converters.ByteArrayConverter  bytes as they are
//
// Plugins returns their declarations for the registry. Decoding maps data
// into the Connect data model of package connectors (see connectors.Schema):
// Avro records and JSON objects become map[string]any, Avro int a Go
// int32, timestamp-millis a time.Time, and so on.
package converters
