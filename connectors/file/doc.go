// Package file is the built-in file sink: every record becomes one line of
// a local file (or of standard output), either the value alone, as Kafka's
// FileStreamSinkConnector writes it, or a JSON object with the record's
// coordinates for tests and demos that need to check delivery.
//
// The class is io.retailpulse.connect.file.FileStreamSinkConnector; the
// aliases FileStreamSink and org.apache.kafka.connect.file.FileStreamSinkConnector
// let configs written for Apache Kafka work unchanged.
//
// Flush writes buffered lines and fsyncs the file before the worker
// commits offsets, so a line is on disk before its record counts as
// delivered: after a crash a record may appear twice, never not at all.
package file
