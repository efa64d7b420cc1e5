package serde

import (
	"errors"
	"fmt"
	"net/http"
)

// Wire-format errors returned by ParseHeader.
var (
	// ErrShortHeader means the input is shorter than the 5-byte header.
	ErrShortHeader = errors.New("input shorter than the 5-byte wire-format header")
	// ErrUnknownMagicByte means byte 0 is not 0x00. The message names the byte.
	ErrUnknownMagicByte = errors.New("unknown magic byte")
	// ErrInvalidSchemaID means the 4-byte id is zero or negative, which no
	// registry ever assigns.
	ErrInvalidSchemaID = errors.New("invalid schema id")
)

// Registry errors. A *RegistryError unwraps to exactly one of these, so
// callers can branch with errors.Is without parsing messages.
var (
	// ErrUnauthorized means the registry answered 401 or 403: the
	// credentials given with WithBasicAuth are missing, wrong or lack rights.
	ErrUnauthorized = errors.New("not authorized by schema registry")
	// ErrSchemaNotFound means the registry has no schema under the id
	// (error_code 40403), or the schema is not registered under the subject.
	ErrSchemaNotFound = errors.New("schema not found")
	// ErrSubjectNotFound means the subject has no live versions (40401).
	ErrSubjectNotFound = errors.New("subject not found")
	// ErrIncompatibleSchema means the registry refused a registration (409),
	// or a writer schema cannot be resolved into the configured reader schema.
	ErrIncompatibleSchema = errors.New("incompatible schema")
	// ErrInvalidSchema means the schema text is not valid Avro, either by the
	// registry's verdict (42201) or by local parsing before any call is made.
	ErrInvalidSchema = errors.New("invalid schema")
	// ErrRegistryUnavailable means a 5xx answer or no answer at all.
	ErrRegistryUnavailable = errors.New("schema registry unavailable")
	// ErrRegistryResponse means any other non-success answer, or a success
	// answer this client cannot use (undecodable body, out-of-range id).
	ErrRegistryResponse = errors.New("unexpected schema registry response")
)

// Errors raised by this package itself.
var (
	// ErrInvalidOption is returned by constructors for a bad option value.
	ErrInvalidOption = errors.New("invalid option")
	// ErrEmptySubject is returned for an empty subject or topic name.
	ErrEmptySubject = errors.New("empty subject")
	// ErrUnsupportedSchema means the registry holds a schema this package
	// cannot decode: a non-Avro schema type, or one with references.
	ErrUnsupportedSchema = errors.New("unsupported schema")
	// ErrEncoding means the value does not fit the writer schema. The
	// wrapped hamba error says which field.
	ErrEncoding = errors.New("encoding avro")
	// ErrDecoding means the payload body is not valid Avro for the writer
	// schema its header names.
	ErrDecoding = errors.New("decoding avro")
	// ErrTombstone is returned when asked to decode a nil payload, which in
	// Kafka is a tombstone (a delete marker), not an Avro record.
	ErrTombstone = errors.New("payload is a tombstone (nil value)")
	// ErrTrailingBytes means the record ended before the payload did, which
	// almost always means the bytes were not written with the schema whose id
	// the header names.
	ErrTrailingBytes = errors.New("trailing bytes after record")
	// ErrTruncated means the payload ended in the middle of the record.
	ErrTruncated = errors.New("payload truncated")
)

// RegistryError is a non-success answer from the registry. It keeps what the
// registry said so logs show it verbatim, and unwraps to the matching
// sentinel above.
type RegistryError struct {
	// Op is what the client was doing, e.g. `fetching schema id 7`.
	Op string
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// Code is the registry's error_code, 0 when the body had none.
	Code int
	// Message is the registry's message, or the HTTP status text.
	Message string

	kind  error
	cause error
}

// Error implements error.
func (e *RegistryError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("%s: %v: %s", e.Op, e.kind, e.Message)
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s: %v: registry answered HTTP %d (error_code %d): %s",
			e.Op, e.kind, e.StatusCode, e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %v: registry answered HTTP %d: %s", e.Op, e.kind, e.StatusCode, e.Message)
}

// Unwrap returns the sentinel classifying the answer and, when the request
// never got an answer, the transport error (so errors.Is finds
// context.DeadlineExceeded too).
func (e *RegistryError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

// classify maps an HTTP status and Confluent error_code to a sentinel. The
// 5-digit code wins when present because several codes share one status
// (40401 and 40403 are both 404).
func classify(status, code int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrUnauthorized
	case code == 40403:
		return ErrSchemaNotFound
	case code == 40401:
		return ErrSubjectNotFound
	case status == http.StatusConflict:
		return ErrIncompatibleSchema
	case code == 42201:
		return ErrInvalidSchema
	case status >= 500:
		return ErrRegistryUnavailable
	default:
		return ErrRegistryResponse
	}
}
