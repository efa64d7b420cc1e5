package redis

import (
	"fmt"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
)

type sourceKind int

const (
	srcKey sourceKind = iota
	srcValue
	srcHeader
	srcTopic
	srcPartition
	srcOffset
	srcTimestamp
)

// source is a parsed source expression: where in a record a value comes
// from.
type source struct {
	kind sourceKind
	path []string // key and value paths
	name string   // header name
	text string   // as written, for error messages
}

// parseSource parses key, key.<path>, value, value.<path>, header.<name>,
// topic, partition, offset, timestamp, or a bare <path> (a value field).
func parseSource(s string) (source, error) {
	s = strings.TrimSpace(s)
	out := source{text: s}
	if s == "" {
		return out, fmt.Errorf("%w: empty source", ErrExpression)
	}
	head, rest, dotted := strings.Cut(s, ".")
	switch {
	case head == "topic" && !dotted:
		out.kind = srcTopic
	case head == "partition" && !dotted:
		out.kind = srcPartition
	case head == "offset" && !dotted:
		out.kind = srcOffset
	case head == "timestamp" && !dotted:
		out.kind = srcTimestamp
	case head == "header":
		if !dotted || rest == "" {
			return out, fmt.Errorf("%w: %q names no header", ErrExpression, s)
		}
		out.kind, out.name = srcHeader, rest
	case head == "key" || head == "value":
		out.kind = srcKey
		if head == "value" {
			out.kind = srcValue
		}
		if dotted {
			p, err := splitPath(s, rest)
			if err != nil {
				return out, err
			}
			out.path = p
		}
	default:
		p, err := splitPath(s, s)
		if err != nil {
			return out, err
		}
		out.kind, out.path = srcValue, p
	}
	return out, nil
}

func splitPath(expr, p string) ([]string, error) {
	parts := strings.Split(p, ".")
	for _, e := range parts {
		if e == "" {
			return nil, fmt.Errorf("%w: %q has an empty path element", ErrExpression, expr)
		}
	}
	return parts, nil
}

// usesValue reports whether the source reads the record value, which a
// tombstone does not have.
func (s source) usesValue() bool { return s.kind == srcValue }

// eval returns the source's value in r. found is false when a path element
// is missing; a present null is (nil, true).
func (s source) eval(r *connectors.SinkRecord) (v any, found bool) {
	switch s.kind {
	case srcTopic:
		return r.Topic, true
	case srcPartition:
		return int64(r.Partition), true
	case srcOffset:
		return r.Offset, true
	case srcTimestamp:
		if r.Timestamp.IsZero() {
			return nil, true
		}
		return r.Timestamp, true
	case srcHeader:
		b, ok := r.Header(s.name)
		if !ok {
			return nil, false
		}
		return b, true
	case srcKey:
		return walk(r.Key, s.path)
	}
	return walk(r.Value, s.path)
}

// walk follows path through struct and map values (both map[string]any in
// the Connect data model).
func walk(v any, path []string) (any, bool) {
	for _, p := range path {
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

// pattern is a parsed key pattern: literal text and {source} placeholders.
// {{ and }} stand for literal braces.
type pattern struct {
	parts []patternPart
	text  string
}

type patternPart struct {
	literal string
	src     *source
}

func parsePattern(s string) (pattern, error) {
	out := pattern{text: s}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{', c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return out, fmt.Errorf("%w: key pattern %q has an unclosed {", ErrExpression, s)
			}
			src, err := parseSource(s[i+1 : i+end])
			if err != nil {
				return out, fmt.Errorf("key pattern %q: %w", s, err)
			}
			if lit.Len() > 0 {
				out.parts = append(out.parts, patternPart{literal: lit.String()})
				lit.Reset()
			}
			out.parts = append(out.parts, patternPart{src: &src})
			i += end
		case c == '}':
			return out, fmt.Errorf("%w: key pattern %q has an unmatched }", ErrExpression, s)
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		out.parts = append(out.parts, patternPart{literal: lit.String()})
	}
	if len(out.parts) == 0 {
		return out, fmt.Errorf("%w: key pattern is empty", ErrExpression)
	}
	return out, nil
}

// usesValue reports whether a placeholder reads the record value.
func (p pattern) usesValue() bool {
	for _, part := range p.parts {
		if part.src != nil && part.src.usesValue() {
			return true
		}
	}
	return false
}

// appendTo appends the key of r to b. A placeholder that is missing, null,
// empty or structured makes the record unmappable: writing it under a
// partial key would merge unrelated records.
func (p pattern) appendTo(b []byte, r *connectors.SinkRecord) ([]byte, error) {
	for _, part := range p.parts {
		if part.src == nil {
			b = append(b, part.literal...)
			continue
		}
		v, found := part.src.eval(r)
		if !found || v == nil {
			return b, fmt.Errorf("%w: key placeholder {%s} is missing or null", ErrMapping, part.src.text)
		}
		switch v.(type) {
		case map[string]any, []any:
			return b, fmt.Errorf("%w: key placeholder {%s} is %T, not a scalar", ErrMapping, part.src.text, v)
		}
		n := len(b)
		var err error
		if b, _, err = appendText(b, v); err != nil {
			return b, fmt.Errorf("key placeholder {%s}: %w", part.src.text, err)
		}
		if len(b) == n {
			return b, fmt.Errorf("%w: key placeholder {%s} is empty", ErrMapping, part.src.text)
		}
	}
	return b, nil
}

// watermarkOf returns the record's watermark, a number Lua compares
// exactly (below 2^53).
func watermarkOf(src source, r *connectors.SinkRecord) (int64, error) {
	v, found := src.eval(r)
	if !found || v == nil {
		return 0, fmt.Errorf("%w: watermark %s is missing or null", ErrMapping, src.text)
	}
	n, err := toInt64(v)
	if err != nil {
		return 0, fmt.Errorf("%w: watermark %s: %w", ErrMapping, src.text, err)
	}
	const maxExact = 1 << 53
	if n > maxExact || n < -maxExact {
		return 0, fmt.Errorf("%w: watermark %s = %d is beyond 2^53 and cannot be compared exactly", ErrMapping, src.text, n)
	}
	return n, nil
}
