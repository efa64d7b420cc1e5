// Package connectortest holds plugins and helpers for testing the worker
// and connectors: FlakySink, a file sink that fails on purpose, and
// fakes of the worker-side contexts for driving a task without a worker,
// and StartSinkTask, which starts a sink's connector and task as the worker
// does.
package connectortest
