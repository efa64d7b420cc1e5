package cassandratest

import (
	"errors"
	"fmt"

	"github.com/datastax/go-cassandra-native-protocol/primitive"
)

// ErrClosed is returned by the in-process API after Close.
var ErrClosed = errors.New("cassandratest: server closed")

// Error codes of the native protocol (v4 spec, section 9) the server sends.
const (
	CodeServerError    = 0x0000
	CodeProtocolError  = 0x000A
	CodeBadCredentials = 0x0100
	CodeUnavailable    = 0x1000
	CodeOverloaded     = 0x1001
	CodeWriteTimeout   = 0x1100
	CodeReadTimeout    = 0x1200
	CodeSyntaxError    = 0x2000
	CodeInvalid        = 0x2200
	CodeAlreadyExists  = 0x2400
	CodeUnprepared     = 0x2500
)

// Error is an error the server answers a request with; the in-process API
// returns it too, so tests can assert on the code.
type Error struct {
	Code    int
	Message string
	// Keyspace and Table are set for AlreadyExists.
	Keyspace, Table string
	// PreparedID is set for Unprepared.
	PreparedID []byte

	consistency primitive.ConsistencyLevel
	writeType   primitive.WriteType
}

func (e *Error) Error() string { return fmt.Sprintf("cql error 0x%04x: %s", e.Code, e.Message) }

func invalidf(format string, args ...any) error {
	return &Error{Code: CodeInvalid, Message: fmt.Sprintf(format, args...)}
}

func syntaxf(format string, args ...any) error {
	return &Error{Code: CodeSyntaxError, Message: fmt.Sprintf(format, args...)}
}
