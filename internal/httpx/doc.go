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
package httpx
