package compat

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting so that a hostile schema cannot exhaust the
// stack of the recursive descent parser or of the passes that follow it.
const maxJSONDepth = 512

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jnode is a parsed JSON value. Objects keep member order, because Avro
// writes custom attributes and default values back in the order they were
// read, and identity depends on that order.
type jnode struct {
	kind jkind
	str  string // string value, or the number literal as written
	b    bool
	arr  []*jnode
	obj  []jmember
}

type jmember struct {
	key string
	val *jnode
}

// get returns the member named key, or nil.
func (j *jnode) get(key string) *jnode {
	if j == nil || j.kind != jObject {
		return nil
	}
	for i := range j.obj {
		if j.obj[i].key == key {
			return j.obj[i].val
		}
	}
	return nil
}

// jsonSyntaxError reports malformed JSON with a position people can find.
type jsonSyntaxError struct {
	line, col int
	msg       string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at line %d, column %d: %s", e.line, e.col, e.msg)
}

type jsonParser struct {
	s   string
	pos int
}

// parseJSON parses exactly one JSON value. Content after it is rejected, as
// modern Avro does ("dangling content after end of schema").
func parseJSON(s string) (*jnode, error) {
	if !utf8.ValidString(s) {
		return nil, &jsonSyntaxError{line: 1, col: 1, msg: "text is not valid UTF-8"}
	}
	p := &jsonParser{s: s}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.errorf("dangling content after end of schema")
	}
	return v, nil
}

func (p *jsonParser) errorf(format string, args ...any) error {
	line, col := 1, 1
	for _, r := range p.s[:min(p.pos, len(p.s))] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &jsonSyntaxError{line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (*jnode, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("nesting deeper than %d levels", maxJSONDepth)
	}
	if p.pos >= len(p.s) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jnode{kind: jString, str: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.pos:], "true"):
		p.pos += 4
		return &jnode{kind: jBool, b: true}, nil
	case strings.HasPrefix(p.s[p.pos:], "false"):
		p.pos += 5
		return &jnode{kind: jBool}, nil
	case strings.HasPrefix(p.s[p.pos:], "null"):
		p.pos += 4
		return &jnode{kind: jNull}, nil
	default:
		r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
		return nil, p.errorf("unexpected character %q", r)
	}
}

// object keeps the first position and the last value of a repeated key,
// which is what Jackson's tree model (used by Avro Java) does.
func (p *jsonParser) object(depth int) (*jnode, error) {
	p.pos++ // '{'
	n := &jnode{kind: jObject}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	index := make(map[string]int)
	for {
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			return nil, p.errorf("expected a quoted member name")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errorf("expected ':' after member name %q", key)
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if i, dup := index[key]; dup {
			n.obj[i].val = v
		} else {
			index[key] = len(n.obj)
			n.obj = append(n.obj, jmember{key: key, val: v})
		}
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return n, nil
		}
		return nil, p.errorf("expected ',' or '}' in object")
	}
}

func (p *jsonParser) array(depth int) (*jnode, error) {
	p.pos++ // '['
	n := &jnode{kind: jArray}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.arr = append(n.arr, v)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			return n, nil
		}
		return nil, p.errorf("expected ',' or ']' in array")
	}
}
