package registry

import (
	"math"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/schema-registry/compat"
)

// Schema types. Only Avro is supported; the others are recognized so that
// their records replay and their registrations get a precise refusal.
const (
	TypeAvro     = "AVRO"
	TypeJSON     = "JSON"
	TypeProtobuf = "PROTOBUF"
)

// SupportedTypes is what GET /schemas/types reports.
func SupportedTypes() []string { return []string{TypeAvro} }

// Modes of a subject or of the registry as a whole.
const (
	ModeReadWrite        = "READWRITE"
	ModeReadOnly         = "READONLY"
	ModeReadOnlyOverride = "READONLY_OVERRIDE"
	ModeImport           = "IMPORT"
)

// ParseMode validates a mode name (case-insensitive) and returns its
// canonical spelling.
func ParseMode(s string) (string, error) {
	switch m := strings.ToUpper(strings.TrimSpace(s)); m {
	case ModeReadWrite, ModeReadOnly, ModeReadOnlyOverride, ModeImport:
		return m, nil
	}
	return "", newError(ErrInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.")
}

// normalizeLevel validates a compatibility level with the compat package and
// returns its upper-case name, the form stored in CONFIG records.
func normalizeLevel(s string) (string, error) {
	if _, err := compat.ParseLevel(s); err != nil {
		return "", &Error{Kind: ErrInvalidCompatibility, Message: err.Error()}
	}
	return strings.ToUpper(strings.TrimSpace(s)), nil
}

// Config is a compatibility configuration, global or per subject.
type Config struct {
	// Compatibility is a level name such as BACKWARD; "" leaves it unset.
	Compatibility string
	// Normalize makes registrations and lookups normalize schemas first.
	Normalize *bool
}

// LevelSource says where an effective compatibility level came from.
type LevelSource int

// Where a level comes from, most specific first.
const (
	FromSubject LevelSource = iota
	FromGlobal
	FromDefault
)

func (s LevelSource) describe() string {
	switch s {
	case FromSubject:
		return "is set on the subject"
	case FromGlobal:
		return "is set globally (no subject-level config)"
	default:
		return "is the server default (no subject or global config)"
	}
}

// String names the source for JSON and logs: subject, global or default.
func (s LevelSource) String() string {
	return [...]string{"subject", "global", "default"}[s]
}

// Latest is the version number that stands for the newest version.
const Latest = -1

// ParseVersion parses a version path segment: 1..2^31-1, "latest" or -1.
func ParseVersion(s string) (int, error) {
	if s == "latest" {
		return Latest, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || (n != Latest && (n < 1 || n > math.MaxInt32)) {
		return 0, invalidVersion(s)
	}
	return int(n), nil
}

// SchemaInput is a schema as a client submits it.
type SchemaInput struct {
	Schema     string
	SchemaType string
	References []Reference
}

// SchemaVersion is one version of a subject.
type SchemaVersion struct {
	Subject    string
	Version    int
	ID         int
	SchemaType string
	References []Reference
	Schema     string
	Deleted    bool
}

// StoredSchema is a schema by id.
type StoredSchema struct {
	ID         int
	SchemaType string
	References []Reference
	Schema     string
}

// SubjectVersion names one version of one subject.
type SubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// CompatibilityResult is the outcome of a compatibility check.
type CompatibilityResult struct {
	Compatible bool
	// Messages are Confluent's verbose messages.
	Messages []string
	// Summary is one human line naming the field or path and why.
	Summary string
	// Level is the level applied and LevelSource where it came from.
	Level       string
	LevelSource LevelSource
	// OldVersion is the version the candidate failed against, if any.
	OldVersion int
}

// LevelLine says which level was applied and where it came from, e.g.
// "compatibility level BACKWARD is set on the subject".
func (c CompatibilityResult) LevelLine() string {
	return "compatibility level " + c.Level + " " + c.LevelSource.describe()
}

// RegisterOptions carries the optional parts of a registration.
type RegisterOptions struct {
	// Normalize normalizes the schema before identity checks and storage.
	Normalize bool
	// ID and Version, when positive, are requested explicitly (IMPORT mode).
	ID      int
	Version int
}
