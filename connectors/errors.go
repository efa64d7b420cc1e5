package connectors

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels shared by the SPI and the worker.
var (
	// ErrRetriable marks a failure worth retrying: a task returns an error
	// wrapping it from Put, Flush or Poll when the external system is
	// temporarily unavailable. The worker retries with backoff for up to
	// errors.retry.timeout before treating it as a failure.
	ErrRetriable = errors.New("retriable error")
	// ErrUnknownPlugin is returned by Registry.Lookup for a name no plugin
	// answers to.
	ErrUnknownPlugin = errors.New("unknown plugin")
	// ErrAmbiguousPlugin is returned by Registry.Lookup for a derived simple
	// name that several plugins share.
	ErrAmbiguousPlugin = errors.New("ambiguous plugin name")
	// ErrDuplicatePlugin is returned by NewRegistry when two plugins claim
	// the same class name or alias.
	ErrDuplicatePlugin = errors.New("duplicate plugin")
	// ErrInvalidPlugin is returned by NewRegistry for a malformed plugin
	// declaration.
	ErrInvalidPlugin = errors.New("invalid plugin")
	// ErrInvalidSpec is returned when a ConfigSpec is malformed (duplicate
	// key, default of the wrong type, default rejected by a validator).
	ErrInvalidSpec = errors.New("invalid config spec")
	// ErrInvalidConfig is wrapped by ConfigSpec.Parse when a config does not
	// satisfy the spec; the message lists every failing key.
	ErrInvalidConfig = errors.New("invalid configuration")
	// ErrConversion is wrapped by converters when bytes cannot be turned into
	// Connect data or back.
	ErrConversion = errors.New("conversion failed")
	// ErrSchemaMismatch is wrapped when a value does not match its schema.
	ErrSchemaMismatch = errors.New("value does not match schema")
	// ErrToleranceExceeded is returned by ErrantRecordReporter.Report when
	// errors.tolerance=none: the task must fail.
	ErrToleranceExceeded = errors.New("tolerance exceeded in error handler")
)

// RecordError is the failure of one record in a batch.
type RecordError struct {
	// Index is the position of the record in the slice given to Put.
	Index int
	Err   error
}

// RecordErrors is returned by SinkTask.Put when some records of the batch
// failed and the rest were written. The worker routes each failed record
// through errors.tolerance and the dead letter queue; with tolerance none
// the task fails. Records not listed are considered written.
type RecordErrors []RecordError

func (e RecordErrors) Error() string {
	if len(e) == 0 {
		return "no record errors"
	}
	msgs := make([]string, 0, min(len(e), 3))
	for i, re := range e {
		if i == 3 {
			break
		}
		msgs = append(msgs, fmt.Sprintf("record %d: %v", re.Index, re.Err))
	}
	more := ""
	if len(e) > 3 {
		more = fmt.Sprintf(" (and %d more)", len(e)-3)
	}
	return fmt.Sprintf("writing %d record(s) failed: %s%s", len(e), strings.Join(msgs, "; "), more)
}

// Unwrap exposes the record errors to errors.Is and errors.As.
func (e RecordErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, re := range e {
		out[i] = re.Err
	}
	return out
}

// FieldError is one problem with one config key, reported by a
// CrossValidator.
type FieldError struct {
	Key     string
	Message string
}

func (e FieldError) Error() string { return e.Key + ": " + e.Message }

var errDuplicateAlias = errors.New("Duplicate alias provided.")

// FieldErrors joins the problems a CrossValidator found into one error that
// wraps ErrInvalidConfig, for a connector's Start to return.
func FieldErrors(errs []FieldError) error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(out...))
}
