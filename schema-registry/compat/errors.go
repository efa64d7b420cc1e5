package compat

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidSchema is wrapped by every *ParseError, so callers can test
	// errors.Is(err, compat.ErrInvalidSchema) and answer 42201.
	ErrInvalidSchema = errors.New("invalid schema")

	// ErrInvalidLevel is returned by ParseLevel. Its text is Confluent's
	// 42203 message verbatim, so it can be sent to clients as is.
	ErrInvalidLevel = errors.New("Invalid compatibility level. Valid values are none, backward, forward, " +
		"full, backward_transitive, forward_transitive, and full_transitive")
)

// ParseError explains why a schema text is not a valid Avro schema.
//
// Error() deliberately starts with "Invalid schema", unlike ordinary Go
// errors: it is meant to be returned to Schema Registry clients as the
// message of a 42201 reply, the way Confluent words it.
type ParseError struct {
	// Reference is the name of the referenced schema at fault, or "" when the
	// fault is in the schema text itself.
	Reference string
	// Path is the JSON pointer of the offending value, e.g.
	// "/fields/2/default"; "/" is the whole document and "" means the text is
	// not well-formed JSON (Reason then gives line and column).
	Path string
	// Reason says what is wrong, naming the field or type involved.
	Reason string

	// undefined is the type name that could not be resolved, if that is the
	// fault; referenced schemas failing this way are retried after the
	// others, since references arrive as a map without an order.
	undefined string
}

func (e *ParseError) Error() string {
	where := ""
	switch {
	case e.Reference != "" && e.Path != "":
		where = fmt.Sprintf(" at path '%s' of reference '%s'", e.Path, e.Reference)
	case e.Reference != "":
		where = fmt.Sprintf(" in reference '%s'", e.Reference)
	case e.Path != "":
		where = fmt.Sprintf(" at path '%s'", e.Path)
	}
	return "Invalid schema" + where + ": " + e.Reason
}

// Unwrap lets errors.Is match ErrInvalidSchema.
func (e *ParseError) Unwrap() error { return ErrInvalidSchema }

// parseErr builds a ParseError at path; an empty path means the root.
func parseErr(path, format string, args ...any) *ParseError {
	if path == "" {
		path = "/"
	}
	return &ParseError{Path: path, Reason: fmt.Sprintf(format, args...)}
}
