package schemacli

import (
	"errors"
	"fmt"
)

var (
	// ErrIncompatible is returned by Check and Register when the registry
	// refuses the schema under the subject's compatibility level.
	ErrIncompatible = errors.New("schema is incompatible")
	// ErrSubjectNotFound is returned when the subject has no versions yet.
	ErrSubjectNotFound = errors.New("subject not found")
)

// APIError is an error answer of the registry: {"error_code", "message"}.
type APIError struct {
	Status  int
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("registry answered %d (error_code %d): %s", e.Status, e.Code, e.Message)
}
