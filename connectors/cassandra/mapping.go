package cassandra

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
)

// Pseudo-columns of a mapping: the record's TTL and write timestamp.
const (
	TTLColumn       = "__ttl"
	TimestampColumn = "__timestamp"
)

type sourceKind int

const (
	srcKey sourceKind = iota
	srcValue
	srcHeader
)

// source is where a column's value comes from in a record.
type source struct {
	kind   sourceKind
	path   []string
	header string
	text   string
}

// columnMapping is one col=source entry.
type columnMapping struct {
	column string
	src    source
}

var unquotedIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseMapping parses "col=key, col2=value.f, col3=header.h". Unquoted
// column names are case-insensitive (lower-cased), as in CQL; "Quoted"
// ones keep their case.
func parseMapping(s string) ([]columnMapping, error) {
	var out []columnMapping
	seen := map[string]bool{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		col, expr, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, fmt.Errorf("%w: entry %q is not column=source", ErrMapping, entry)
		}
		name, err := columnName(strings.TrimSpace(col))
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: column %s is mapped twice", ErrMapping, name)
		}
		seen[name] = true
		src, err := parseSource(strings.TrimSpace(expr))
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		out = append(out, columnMapping{column: name, src: src})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: mapping is empty", ErrMapping)
	}
	return out, nil
}

func columnName(s string) (string, error) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		inner := strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
		if inner == "" {
			return "", fmt.Errorf("%w: empty quoted column name", ErrMapping)
		}
		return inner, nil
	}
	if !unquotedIdent.MatchString(s) {
		return "", fmt.Errorf("%w: %q is not a column name (quote it with double quotes if it is case-sensitive)", ErrMapping, s)
	}
	return strings.ToLower(s), nil
}

func parseSource(s string) (source, error) {
	out := source{text: s}
	head, rest, dotted := strings.Cut(s, ".")
	switch head {
	case "key", "value":
		out.kind = srcKey
		if head == "value" {
			out.kind = srcValue
		}
		if dotted {
			out.path = strings.Split(rest, ".")
			for _, p := range out.path {
				if p == "" {
					return out, fmt.Errorf("%w: %q has an empty path element", ErrMapping, s)
				}
			}
		}
	case "header":
		if !dotted || rest == "" {
			return out, fmt.Errorf("%w: %q names no header", ErrMapping, s)
		}
		out.kind, out.header = srcHeader, rest
	default:
		return out, fmt.Errorf("%w: %q is not key, key.<path>, value, value.<path> or header.<name>", ErrMapping, s)
	}
	return out, nil
}

// eval returns the source's value in r; found is false when a path element
// is missing, and a present null is (nil, true).
func (s source) eval(r *connectors.SinkRecord) (any, bool) {
	var v any
	switch s.kind {
	case srcHeader:
		b, ok := r.Header(s.header)
		if !ok {
			return nil, false
		}
		return string(b), true
	case srcKey:
		v = r.Key
	default:
		v = r.Value
	}
	for _, p := range s.path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

// usesValue reports whether the source reads the record value.
func (s source) usesValue() bool { return s.kind == srcValue }
