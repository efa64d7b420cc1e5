// Package server serves the Confluent Schema Registry REST API over a
// registry.Registry, so Confluent serializers, Kafdrop and the Python, Go and
// JavaScript clients talk to retailpulse as to Confluent Schema Registry.
//
// Every endpoint of the 7.x API is served: subjects and versions, register
// (with normalize, and id/version in IMPORT mode), lookup (with deleted),
// schemas by id (with /schema, /subjects, /versions, fetchMaxId), schema
// listing, compatibility checks (with verbose), global and subject config
// (with defaultToGlobal and 40408), mode (with force), soft and permanent
// deletes, referencedby, /contexts, /v1/metadata/id and
// /v1/metadata/version. Paths with a trailing slash are served as without.
//
// Only AVRO is supported: GET /schemas/types answers ["AVRO"], and a
// registration with schemaType JSON or PROTOBUF is refused with 42201.
//
// Content negotiation follows upstream: the Accept header (with q-weights)
// selects application/vnd.schemaregistry.v1+json (the default, also for */*),
// application/vnd.schemaregistry+json or application/json, and anything else
// is 406. Request bodies may be any of those or application/octet-stream, in
// any charset the Content-Type names (UTF-8, UTF-16, ISO-8859-1); other
// types are 415. Errors are {"error_code":...,"message":...} with
// Confluent's codes and messages; errorResponse in errors.go is the one place
// that maps errors to status and code. An incompatible schema is HTTP 409
// with error_code 409 (as up to Confluent 7.9), and its message adds to
// upstream's details which field or path broke, why, and whether the level
// applied was set on the subject, globally, or is the server default; with
// verbose=true the compatibility endpoints return the same in "messages".
//
// Until the registry has replayed its log, API routes answer 503 and
// /health reports DOWN. Basic authentication, metrics and request logging
// come from internal/httpx options passed to New.
package server
