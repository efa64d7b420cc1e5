package hbase

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tsuna/gohbase"
	"github.com/tsuna/gohbase/region"
)

var (
	// ErrMapping is wrapped when a record cannot be turned into cells: no
	// row key, a field of the wrong type, a family the data may not use.
	ErrMapping = errors.New("mapping record to hbase")
	// ErrWrite is wrapped when HBase refused a write for good (missing
	// table or family, DoNotRetryIOException, ...).
	ErrWrite = errors.New("writing to hbase")
	// ErrUnavailable is wrapped when HBase did not answer within
	// retry.timeout.ms: the write may be retried.
	ErrUnavailable = errors.New("hbase unavailable")
	// ErrGuardContention is wrapped when another writer kept moving a
	// row's offset guard while this task tried to apply its increments.
	ErrGuardContention = errors.New("offset guard keeps changing")
	// ErrCorruptGuard is wrapped when an offset guard cell is not an 8-byte
	// offset.
	ErrCorruptGuard = errors.New("corrupt offset guard")
	// ErrTableNotFound is wrapped when a table is missing and
	// auto.create.tables is off (or cannot create it).
	ErrTableNotFound = errors.New("table not found")
	// ErrFamilyNotFound is wrapped when a record needs a column family the
	// table lacks and auto.create.column.families is off.
	ErrFamilyNotFound = errors.New("column family not found")
)

// classify wraps an error from gohbase as ErrUnavailable (worth another
// try later) or ErrWrite (this record will never be written as is).
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if transient(err) {
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	if errors.Is(err, gohbase.TableNotFound) {
		return fmt.Errorf("%s: %w: %w", op, ErrTableNotFound, err)
	}
	return fmt.Errorf("%s: %w: %w", op, ErrWrite, err)
}

func transient(err error) bool {
	var (
		re  region.RetryableError
		nsr region.NotServingRegionError
		se  region.ServerError
	)
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrGuardContention):
		return true
	case errors.Is(err, ErrWrite), errors.Is(err, ErrTableNotFound), errors.Is(err, ErrFamilyNotFound),
		errors.Is(err, ErrMapping), errors.Is(err, ErrCorruptGuard):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, gohbase.ErrClientClosed), errors.Is(err, gohbase.ErrCannotFindRegion),
		errors.Is(err, gohbase.NotExecutedError):
		return true
	case errors.As(err, &re), errors.As(err, &nsr), errors.As(err, &se):
		return true
	}
	return false
}

// javaException returns the Java exception class in a gohbase error, ""
// when there is none.
func javaException(err error) string {
	const marker = "HBase Java exception "
	msg := err.Error()
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(marker):]
	if j := strings.IndexAny(rest, ":\n "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
