// Package httpx is the small HTTP server every retailpulse sidecar is built on.
//
// A Server always serves GET /health (200 when the component reports ready,
// 503 with the reason otherwise) and GET /metrics, limits request bodies,
// recovers handler panics into a 500, optionally enforces HTTP basic auth or
// API keys, records per-route request metrics, writes access logs at debug
// level only, and shuts down gracefully. Each API (Schema Registry, REST
// Proxy, Connect) keeps its own error catalogue and maps errors to responses
// in one place; this package only provides the shared {error_code, message}
// body those APIs have in common.
//
// Routes registered with HandleFast (the REST proxy's produce routes) also
// get a fast lane (fastlane.go): plain keep-alive HTTP/1.1 POSTs with small
// Content-Length bodies are served on the connection's goroutine without
// net/http's per-request machinery, through the same middleware and
// handler. The lane is a strict subset of HTTP/1.1 (fasthead.go): the first
// request on a connection that it does not fully understand is left
// unread, and the connection goes to net/http for the rest of its life
// (handoff.go), so anything unusual gets net/http's own answer. A fuzz test
// holds the two servers to the same answers for arbitrary bytes.
package httpx
