package registry

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels, one per Confluent Schema Registry error condition. Operations
// return an *Error wrapping one of them; errors.Is selects the condition and
// Error() gives the client-facing message (upstream's wording where known).
var (
	ErrSubjectNotFound       = errors.New("subject not found")                          // 40401
	ErrVersionNotFound       = errors.New("version not found")                          // 40402
	ErrSchemaNotFound        = errors.New("schema not found")                           // 40403
	ErrSubjectSoftDeleted    = errors.New("subject was soft deleted")                   // 40404
	ErrSubjectNotSoftDeleted = errors.New("subject not soft deleted")                   // 40405
	ErrVersionSoftDeleted    = errors.New("version was soft deleted")                   // 40406
	ErrVersionNotSoftDeleted = errors.New("version not soft deleted")                   // 40407
	ErrNoSubjectConfig       = errors.New("subject has no compatibility configured")    // 40408
	ErrNoSubjectMode         = errors.New("subject has no mode configured")             // 40409
	ErrIncompatible          = errors.New("schema is incompatible")                     // 409
	ErrInvalidSchema         = errors.New("invalid schema")                             // 42201
	ErrInvalidVersion        = errors.New("invalid version")                            // 42202
	ErrInvalidCompatibility  = errors.New("invalid compatibility level")                // 42203
	ErrInvalidMode           = errors.New("invalid mode")                               // 42204
	ErrNotPermitted          = errors.New("operation not permitted")                    // 42205
	ErrReferenceExists       = errors.New("references exist")                           // 42206
	ErrIDMismatch            = errors.New("id does not match")                          // 42207
	ErrInvalidSubject        = errors.New("invalid subject")                            // 42208
	ErrSchemaTooLarge        = errors.New("schema too large")                           // 42209
	ErrStore                 = errors.New("backend store error")                        // 50001
	ErrTimeout               = errors.New("operation timed out")                        // 50002
	ErrNotReady              = errors.New("registry has not replayed its log yet")      // readiness
	ErrClosed                = errors.New("registry log closed")                        // shutdown
	ErrCorruptRecord         = errors.New("corrupt _schemas record")                    // log decoding
	ErrForeignRecord         = errors.New("_schemas record of a keytype we do not use") // log decoding
)

// Error is an operation failure a client can act on: Kind says which
// condition (one of the sentinels), Message is what the HTTP API returns.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func subjectNotFound(subject string) error {
	return newError(ErrSubjectNotFound, "Subject '%s' not found.", subject)
}

func versionNotFound(version int) error {
	return newError(ErrVersionNotFound, "Version %d not found.", version)
}

func schemaNotFound(id int) error {
	return newError(ErrSchemaNotFound, "Schema %d not found", id)
}

func invalidVersion(v string) error {
	return newError(ErrInvalidVersion, "The specified version '%s' is not a valid version id. "+
		"Allowed values are between [1, 2^31-1] and the string \"latest\"", v)
}

func referencesExist(subject string, version int) error {
	return newError(ErrReferenceExists,
		"One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=%s,version=%d}.", subject, version)
}

func readOnly(subject string) error {
	return newError(ErrNotPermitted, "Subject %s is in read-only mode", subject)
}

// IncompatibleError reports a schema refused by the compatibility check. Its
// message keeps upstream's shape (clients and humans grep for it) and adds a
// one-line summary of what broke and which level decided it.
type IncompatibleError struct {
	Subject string
	Check   CompatibilityResult
}

func (e *IncompatibleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]",
		e.Subject, strings.Join(e.Check.Messages, ", "))
	if e.Check.Summary != "" {
		b.WriteString("; summary: ")
		b.WriteString(e.Check.Summary)
	}
	b.WriteString("; ")
	b.WriteString(e.Check.LevelLine())
	return b.String()
}

func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }
