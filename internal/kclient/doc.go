// Package kclient is the one place that configures Kafka clients. Every Kafka
// client in retailpulse is confluent-kafka-go (librdkafka); building their
// ConfigMaps here keeps the durability settings (acks=all, idempotence,
// read_committed) and the operational ones (client ids, fetch backoff) the same
// for every component. It also creates topics idempotently and reports
// consumer-group lag.
package kclient
