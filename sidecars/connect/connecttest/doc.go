// Package connecttest runs a Connect worker for end-to-end tests of sink
// connectors: the embedded broker, an in-memory schema registry and a
// worker with the built-in plugins on loopback, with helpers to create
// connectors from the shipped compose/connectors files, produce records and
// wait for dead letter queues and consumer groups. It is test code: nothing
// in the product imports it.
package connecttest
