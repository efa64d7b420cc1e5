package connect

import (
	"errors"
	"net/http"
)

// Sentinels of the worker. The REST layer maps them to HTTP statuses in
// one place (statusOf).
var (
	// ErrNotFound: unknown connector, task, plugin or logger (404).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: creating a connector whose name is taken (409).
	ErrAlreadyExists = errors.New("already exists")
	// ErrBadRequest: malformed body, invalid config, name mismatch,
	// offsets change while running (400).
	ErrBadRequest = errors.New("bad request")
	// ErrConflict: no leader known or forwarding exhausted, typically during
	// a membership change (409); clients retry.
	ErrConflict = errors.New("conflict")
	// ErrNotReady: the worker is still reading its internal topics (503).
	ErrNotReady = errors.New("worker is still starting up")
	// ErrForbidden: an operation disabled by configuration (403).
	ErrForbidden = errors.New("forbidden")
	// ErrTimeout: herder work did not finish within the request timeout.
	ErrTimeout = errors.New("request timed out")
	// ErrStopped: the worker is stopping or stopped.
	ErrStopped = errors.New("worker stopped")
	// ErrInvalidOption is returned by New for a bad option.
	ErrInvalidOption = errors.New("invalid option")
	// errNotLeader tells the REST layer to forward a request to the leader.
	errNotLeader = errors.New("not the leader")
)

// statusOf maps an error to the HTTP status Kafka Connect answers with.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrAlreadyExists), errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrNotReady):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
