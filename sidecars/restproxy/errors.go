package restproxy

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinels returned by New and by the Go API.
var (
	// ErrInvalidOption means an option value was refused by New.
	ErrInvalidOption = errors.New("invalid option")
	// ErrUnsupportedSchema means a schema uses a type the converter does not
	// handle.
	ErrUnsupportedSchema = errors.New("unsupported schema")
	// ErrNotStarted is returned by calls that need a started proxy.
	ErrNotStarted = errors.New("rest proxy not started")
)

// REST Proxy error codes (Confluent kafka-rest and rest-utils), the
// error_code of every error body and of per-record failures.
const (
	codeBadRequest          = 400
	codeUnauthorized        = 40101
	codeForbidden           = 40301
	codeTopicNotFound       = 40401
	codePartitionNotFound   = 40402
	codeTopicPartitionNF    = 40403
	codeNotFound            = 404
	codeMethodNotAllowed    = 405
	codeNotAcceptable       = 406
	codeTooLarge            = 413
	codeUnsupportedMedia    = 415
	codeKeySchemaMissing    = 42201
	codeValueSchemaMissing  = 42202
	codeJSONConversion      = 42203
	codeInvalidSchema       = 42205
	codePayload             = 42206
	codeSerialization       = 42207
	codeBatch               = 42208
	codeThrottled           = 42901
	codeKafka               = 50002
	codeKafkaRetriable      = 50003
	codeBrokerNotAvailable  = 50302
	codeRegistryUnavailable = 50303
)

// apiError is an error with its HTTP status and REST Proxy error_code. Every
// handler failure becomes one, in this file, so status and code stay
// consistent across v2, v3 and the SDK path.
type apiError struct {
	status     int
	code       int
	msg        string
	retryAfter int // seconds; set on 429 and 503
}

func (e *apiError) Error() string { return e.msg }

func newAPIError(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func errBadRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, codeBadRequest, format, args...)
}

func errUnprocessable(code int, format string, args ...any) *apiError {
	return newAPIError(http.StatusUnprocessableEntity, code, format, args...)
}

func errTopicNotFound(topic string) *apiError {
	return newAPIError(http.StatusNotFound, codeTopicNotFound, "Topic %s not found.", topic)
}

// errTopicPartitionNotFound is the code current Confluent returns for an
// unknown topic on metadata and v3 calls (Kafka's UnknownTopicOrPartition).
func errTopicPartitionNotFound(topic string) *apiError {
	return newAPIError(http.StatusNotFound, codeTopicPartitionNF,
		"This server does not host this topic-partition. Topic %s not found.", topic)
}

func errPartitionNotFound(topic string, p int32) *apiError {
	return newAPIError(http.StatusNotFound, codePartitionNotFound, "Partition %d of topic %s not found.", p, topic)
}

func errThrottled(format string, args ...any) *apiError {
	e := newAPIError(http.StatusTooManyRequests, codeThrottled, format, args...)
	e.retryAfter = 1
	return e
}

func errUnavailable(code int, format string, args ...any) *apiError {
	e := newAPIError(http.StatusServiceUnavailable, code, format, args...)
	e.retryAfter = 1
	return e
}

// asAPIError classifies an arbitrary error; anything unexpected is a 500
// whose message is still the error text (it never carries secrets: registry
// credentials are not part of serde's errors).
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return newAPIError(http.StatusInternalServerError, http.StatusInternalServerError, "%v", err)
}
