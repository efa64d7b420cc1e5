// Package serdetest is a test double: a minimal in-memory Confluent Schema
// Registry served over httptest, for testing code that uses package serde
// (or any other Confluent SR client) without a real registry.
//
// It is not the retailpulse registry and must not be used as one. It keeps
// schemas in memory only, has no compatibility checks, no deletes, no config
// or mode endpoints and no references, and accepts only AVRO. What it does
// reproduce faithfully is what serde clients observe:
//
//   - POST /subjects/{s}/versions registers; ids are global and reused for
//     the same schema (identity ignores whitespace), versions are per subject,
//     and registering an existing schema under the same subject returns its id.
//   - POST /subjects/{s} looks a schema up (40401 / 40403 when absent).
//   - GET /schemas/ids/{id} (40403 "Schema N not found").
//   - GET /subjects/{s}/versions/{latest|-1|n} (40401, 40402).
//   - The {"error_code":...,"message":...} error body and Confluent codes,
//     invalid Avro answered with 422 / 42201.
//   - Optional HTTP basic auth answered with 401 / 401.
//
// Every request is counted per Route, so tests can assert that a client's
// cache saved a round trip, and WithLatency widens race windows so tests of
// request collapsing are meaningful.
package serdetest
