package loadgen

import "errors"

var (
	// ErrInvalidOptions means Options failed validation; the error names
	// the field.
	ErrInvalidOptions = errors.New("invalid load generator options")
	// ErrSource means the event source could not be read.
	ErrSource = errors.New("reading event source")
	// ErrUnreachable means the proxy did not answer at all at the start.
	ErrUnreachable = errors.New("rest proxy unreachable")
	// ErrResponse means the proxy's answer was not HTTP/1.1 the generator
	// could read; the request counts as failed.
	ErrResponse = errors.New("reading response")
	// ErrTimeout means a request was not answered within Options.Timeout.
	ErrTimeout = errors.New("request timed out")
)
