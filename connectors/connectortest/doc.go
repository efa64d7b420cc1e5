// Package connectortest holds plugins and helpers for testing the worker
// and connectors: FlakySink, a file sink that fails on purpose, and
// fakes of the worker-side contexts for driving a task without a worker.
package connectortest
