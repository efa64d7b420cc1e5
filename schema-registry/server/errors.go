package server

import (
	"errors"
	"net/http"

	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// Errors of the HTTP layer itself; domain errors come from package registry.
var (
	ErrNotAcceptable        = errors.New("HTTP 406 Not Acceptable")
	ErrUnsupportedMediaType = errors.New("HTTP 415 Unsupported Media Type")
	ErrNotFound             = errors.New("HTTP 404 Not Found")
	ErrMalformedJSON        = errors.New("malformed JSON body")      // 400
	ErrInvalidBody          = errors.New("invalid request body")     // 422 plain
	ErrInvalidRuleSet       = errors.New("invalid ruleSet")          // 42210
	ErrNotReady             = errors.New("schema registry starting") // 503
	// ErrContextNotEmpty (42211), ErrForwarding (50003) and ErrUnknownLeader
	// (50004) complete Confluent's catalogue. This registry has a single
	// context and no leader (every process writes to the log itself), so
	// nothing produces them; clients still get the codes they know should
	// a future feature need them.
	ErrContextNotEmpty = errors.New("context not empty")
	ErrForwarding      = errors.New("forwarding the request to the leader failed")
	ErrUnknownLeader   = errors.New("unknown leader")
)

// requestError is an HTTP-layer error with the message clients see.
type requestError struct {
	kind error
	msg  string
}

func (e *requestError) Error() string { return e.msg }
func (e *requestError) Unwrap() error { return e.kind }

func reqErr(kind error, msg string) error { return &requestError{kind: kind, msg: msg} }

// catalogue maps every error condition to its HTTP status and Confluent
// error_code. It is the only place that does.
var catalogue = []struct {
	kind   error
	status int
	code   int
}{
	{registry.ErrSubjectNotFound, http.StatusNotFound, 40401},
	{registry.ErrVersionNotFound, http.StatusNotFound, 40402},
	{registry.ErrSchemaNotFound, http.StatusNotFound, 40403},
	{registry.ErrSubjectSoftDeleted, http.StatusNotFound, 40404},
	{registry.ErrSubjectNotSoftDeleted, http.StatusNotFound, 40405},
	{registry.ErrVersionSoftDeleted, http.StatusNotFound, 40406},
	{registry.ErrVersionNotSoftDeleted, http.StatusNotFound, 40407},
	{registry.ErrNoSubjectConfig, http.StatusNotFound, 40408},
	{registry.ErrNoSubjectMode, http.StatusNotFound, 40409},
	// Up to Confluent 7.9 the code is 409; 8.x answers 40901. Clients key on
	// the HTTP status, which is 409 either way.
	{registry.ErrIncompatible, http.StatusConflict, 409},
	{registry.ErrInvalidSchema, http.StatusUnprocessableEntity, 42201},
	{registry.ErrInvalidVersion, http.StatusUnprocessableEntity, 42202},
	{registry.ErrInvalidCompatibility, http.StatusUnprocessableEntity, 42203},
	{registry.ErrInvalidMode, http.StatusUnprocessableEntity, 42204},
	{registry.ErrNotPermitted, http.StatusUnprocessableEntity, 42205},
	{registry.ErrReferenceExists, http.StatusUnprocessableEntity, 42206},
	{registry.ErrIDMismatch, http.StatusUnprocessableEntity, 42207},
	{registry.ErrInvalidSubject, http.StatusUnprocessableEntity, 42208},
	{registry.ErrSchemaTooLarge, http.StatusUnprocessableEntity, 42209},
	{ErrInvalidRuleSet, http.StatusUnprocessableEntity, 42210},
	{ErrContextNotEmpty, http.StatusUnprocessableEntity, 42211},
	{registry.ErrStore, http.StatusInternalServerError, 50001},
	{registry.ErrTimeout, http.StatusInternalServerError, 50002},
	{ErrForwarding, http.StatusInternalServerError, 50003},
	{ErrUnknownLeader, http.StatusInternalServerError, 50004},
	{ErrNotAcceptable, http.StatusNotAcceptable, 406},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, 415},
	{ErrNotFound, http.StatusNotFound, 404},
	{ErrMalformedJSON, http.StatusBadRequest, 400},
	{ErrInvalidBody, http.StatusUnprocessableEntity, 422},
	{ErrNotReady, http.StatusServiceUnavailable, 503},
}

// errorResponse maps an error to its HTTP status, Confluent error_code and
// message. known is false for errors outside the catalogue, which are
// answered as 500 without their text (it may hold internals).
func errorResponse(err error) (status, code int, message string, known bool) {
	for _, c := range catalogue {
		if errors.Is(err, c.kind) {
			return c.status, c.code, err.Error(), true
		}
	}
	return http.StatusInternalServerError, 500, "Internal Server Error", false
}
