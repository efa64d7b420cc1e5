package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
)

// ErrNoAddr is returned by New when no listen address was configured.
var ErrNoAddr = errors.New("no listen address configured")

// ErrorBody is the error shape shared by Confluent Schema Registry, REST Proxy
// and Kafka Connect: {"error_code": <int>, "message": "..."}.
type ErrorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// WriteJSON writes v as JSON with the given status and content type. An empty
// content type means application/json.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// WriteError writes the shared error body.
func WriteError(w http.ResponseWriter, status, code int, msg string) {
	WriteJSON(w, status, "", ErrorBody{ErrorCode: code, Message: msg})
}
