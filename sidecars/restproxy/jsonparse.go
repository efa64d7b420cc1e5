package restproxy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxJSONDepth bounds nesting so a hostile body cannot exhaust the stack.
const maxJSONDepth = 128

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonObject
	jsonArray
)

func (k jsonKind) String() string {
	switch k {
	case jsonNull:
		return "null"
	case jsonBool:
		return "boolean"
	case jsonNumber:
		return "number"
	case jsonString:
		return "string"
	case jsonObject:
		return "object"
	default:
		return "array"
	}
}

// jsonValue is one parsed JSON value. Requests are parsed once into this
// tree instead of encoding/json's map[string]any because the converters need
// member order, the exact number text (an int64 must not pass through a
// float64) and the raw byte span of each value (json payloads and DLQ
// records are forwarded as received).
type jsonValue struct {
	kind jsonKind
	b    bool
	// lazy marks an object whose text was validated but not parsed into
	// members (see parseJSONLazy); materialize parses it.
	lazy       bool
	start, end int32 // byte span in the source
	// pre is 1 + the index of the lazy object's conversion in the parse's
	// preconv, 0 when it has none (see preconv).
	pre int32
	s   string // string contents, or the number literal
	// members of an object, or the elements of an array (with empty
	// names): one slice keeps the value at 56 bytes, which matters, as
	// parsing is mostly moving these around.
	members []jsonMember
}

type jsonMember struct {
	name  string
	value jsonValue
}

// elems returns the elements of an array.
func (v *jsonValue) elems() []*jsonValue {
	out := make([]*jsonValue, len(v.members))
	for i := range v.members {
		out[i] = &v.members[i].value
	}
	return out
}

// member returns the value of the first member called name.
func (v *jsonValue) member(name string) (*jsonValue, bool) {
	for i := range v.members {
		if v.members[i].name == name {
			return &v.members[i].value, true
		}
	}
	return nil, false
}

// describe names the value for error messages without echoing large input.
func (v *jsonValue) describe() string {
	switch v.kind {
	case jsonString:
		if len(v.s) > 40 {
			return fmt.Sprintf("string %q...", v.s[:40])
		}
		return fmt.Sprintf("string %q", v.s)
	case jsonNumber:
		return "number " + v.s
	case jsonBool:
		return "boolean " + strconv.FormatBool(v.b)
	default:
		return v.kind.String()
	}
}

// jsonSyntaxError locates a parse failure by line and column.
type jsonSyntaxError struct {
	line, col int
	msg       string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at line %d, column %d: %s", e.line, e.col, e.msg)
}

// jsonParser allocates little: strings without escapes are substrings of
// one string copy of the source, and object members and array items are
// carved from shared slabs, so a 500-record request costs a handful of
// allocations instead of thousands (the garbage collector was the largest
// cost of ingest before this).
type jsonParser struct {
	src   []byte
	text  string // src as a string; substrings of it share its memory
	pos   int
	depth int
	// scratch holds members of the objects being parsed (a stack, as
	// objects nest); finished objects move theirs to the slab.
	scratch    []jsonMember
	scratchRef *[]jsonMember
	slab       []jsonMember
	// Objects that are the value of member lazyName in an object at
	// depth lazyDepth are validated and left lazy (lazyDepth 0: none).
	lazyDepth int
	lazyName  string
	// slabHint sizes slabs when parsing a part of src (0: from len(src)).
	slabHint int
	// pre, when set, converts the lazy objects as they are met.
	pre *preconv
}

const slabSize = 1024

// scratchPool recycles the members stack: results never point into it, so
// it can outlive one request, sparing the growth steps on every parse.
var scratchPool = sync.Pool{New: func() any { s := make([]jsonMember, 0, 64); return &s }}

// release returns the scratch stack to the pool.
func (p *jsonParser) release() {
	if p.scratchRef != nil && cap(p.scratch) <= 4096 {
		// carve clears what it takes off the stack, so only what a failed
		// parse left on it can still point into the body.
		clear(p.scratch)
		*p.scratchRef = p.scratch[:0]
		scratchPool.Put(p.scratchRef)
	}
	p.scratchRef = nil
}

// init prepares p to parse src, whose text is text: string(src), or src
// itself for a body nobody writes to again (see frozenText). Strings taken
// from the result share text's memory: code that keeps one beyond the
// request must clone it. p lives on the caller's stack; release it.
func (p *jsonParser) init(src []byte, text string) error {
	if !utf8.Valid(src) {
		*p = jsonParser{src: src}
		for p.pos < len(src) {
			r, n := utf8.DecodeRune(src[p.pos:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			p.pos += n
		}
		return p.fail("input is not valid UTF-8")
	}
	ref := scratchPool.Get().(*[]jsonMember)
	*p = jsonParser{src: src, text: text, scratch: *ref, scratchRef: ref}
	return nil
}

// frozenText returns src as a string without copying it. It is only for a
// request body the proxy read itself and never writes to again, which is
// what makes sharing its memory with the strings parsed from it safe.
func frozenText(src []byte) string { return unsafe.String(unsafe.SliceData(src), len(src)) }

// parseJSON parses exactly one JSON value surrounded by optional whitespace.
func parseJSON(src []byte) (jsonValue, error) { return parseJSONText(src, string(src)) }

// parseJSONText is parseJSON of src whose text is text (see init).
func parseJSONText(src []byte, text string) (jsonValue, error) {
	var p jsonParser
	if err := p.init(src, text); err != nil {
		return jsonValue{}, err
	}
	defer p.release()
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return jsonValue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return jsonValue{}, p.fail("unexpected %s after the top-level value", p.near())
	}
	return v, nil
}

func (p *jsonParser) fail(format string, args ...any) error {
	line, col := 1, 1
	for _, c := range p.src[:min(p.pos, len(p.src))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &jsonSyntaxError{line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) near() string {
	if p.pos >= len(p.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(p.src[p.pos:])
	return strconv.QuoteRune(r)
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c > ' ':
			return
		case c == ' ', c == '\t', c == '\n', c == '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (jsonValue, error) {
	if p.pos >= len(p.src) {
		return jsonValue{}, p.fail("unexpected end of input, want a value")
	}
	start := int32(p.pos)
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: jsonString, s: s, start: start, end: int32(p.pos)}, err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case bytes.HasPrefix(p.src[p.pos:], []byte("true")):
		p.pos += 4
		return jsonValue{kind: jsonBool, b: true, start: start, end: int32(p.pos)}, nil
	case bytes.HasPrefix(p.src[p.pos:], []byte("false")):
		p.pos += 5
		return jsonValue{kind: jsonBool, start: start, end: int32(p.pos)}, nil
	case bytes.HasPrefix(p.src[p.pos:], []byte("null")):
		p.pos += 4
		return jsonValue{kind: jsonNull, start: start, end: int32(p.pos)}, nil
	default:
		return jsonValue{}, p.fail("unexpected %s, want a value", p.near())
	}
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.fail("nesting deeper than %d levels", maxJSONDepth)
	}
	return nil
}

func (p *jsonParser) object() (jsonValue, error) {
	v := jsonValue{kind: jsonObject, start: int32(p.pos)}
	if err := p.enter(); err != nil {
		return v, err
	}
	p.pos++ // '{'
	mark := len(p.scratch)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		v.end = int32(p.pos)
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return v, p.fail("unexpected %s, want a member name in double quotes", p.near())
		}
		name, err := p.str()
		if err != nil {
			return v, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return v, p.fail("unexpected %s after member name %q, want ':'", p.near(), name)
		}
		p.pos++
		p.skipSpace()
		var val jsonValue
		if p.depth == p.lazyDepth && name == p.lazyName && p.pos < len(p.src) && p.src[p.pos] == '{' {
			val, err = p.lazyObject()
		} else {
			val, err = p.value()
		}
		if err != nil {
			return v, err
		}
		p.scratch = append(p.scratch, jsonMember{name: name, value: val})
		p.skipSpace()
		if p.pos >= len(p.src) {
			return v, p.fail("unexpected end of input in object, want ',' or '}'")
		}
		if p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.src[p.pos] == '}' {
			p.pos++
			break
		}
		return v, p.fail("unexpected %s in object, want ',' or '}'", p.near())
	}
	v.members = p.carve(mark)
	p.depth--
	v.end = int32(p.pos)
	return v, nil
}

func (p *jsonParser) array() (jsonValue, error) {
	v := jsonValue{kind: jsonArray, start: int32(p.pos)}
	if err := p.enter(); err != nil {
		return v, err
	}
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		v.end = int32(p.pos)
		return v, nil
	}
	mark := len(p.scratch)
	for {
		p.skipSpace()
		item, err := p.value()
		if err != nil {
			return v, err
		}
		p.scratch = append(p.scratch, jsonMember{value: item})
		p.skipSpace()
		if p.pos >= len(p.src) {
			return v, p.fail("unexpected end of input in array, want ',' or ']'")
		}
		if p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.src[p.pos] == ']' {
			p.pos++
			break
		}
		return v, p.fail("unexpected %s in array, want ',' or ']'", p.near())
	}
	v.members = p.carve(mark)
	p.depth--
	v.end = int32(p.pos)
	return v, nil
}

// carve moves the members collected since mark from the scratch stack to
// the slab and returns them as an exact-capacity slice.
func (p *jsonParser) carve(mark int) []jsonMember {
	n := len(p.scratch) - mark
	if cap(p.slab)-len(p.slab) < n {
		// Size slabs to the input: a one-event request needs a few dozen
		// members, and a 72 KiB slab for it costs more to clear and scan
		// than the whole parse.
		size := min(slabSize, max(32, len(p.src)/16))
		if p.slabHint > 0 {
			size = p.slabHint
		}
		p.slab = make([]jsonMember, 0, max(size, n))
	}
	start := len(p.slab)
	p.slab = append(p.slab, p.scratch[mark:]...)
	clear(p.scratch[mark:])
	p.scratch = p.scratch[:mark]
	return p.slab[start:len(p.slab):len(p.slab)]
}

func (p *jsonParser) number() (jsonValue, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if digits() == 0 {
		return jsonValue{}, p.fail("malformed number, want a digit")
	}
	if p.src[intStart] == '0' && p.pos-intStart > 1 {
		p.pos = intStart
		return jsonValue{}, p.fail("malformed number, leading zero")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return jsonValue{}, p.fail("malformed number, want a digit after '.'")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return jsonValue{}, p.fail("malformed number, want a digit in the exponent")
		}
	}
	return jsonValue{kind: jsonNumber, s: p.text[start:p.pos], start: int32(start), end: int32(p.pos)}, nil
}

// str parses a string starting at the opening quote. Strings without
// escapes, the common case, are one slice-to-string copy.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Eight bytes at a time up to the first that needs a look: a quote, a
	// backslash or a control character. Most of a body is string bytes.
	for p.pos+8 <= len(p.src) {
		if m := plainBytes(binary.LittleEndian.Uint64(p.src[p.pos:])); m != 0 {
			p.pos += bits.TrailingZeros64(m) / 8
			break
		}
		p.pos += 8
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.text[start : p.pos-1], nil
		case c == '\\':
			return p.escapedStr(start)
		case c < 0x20:
			return "", p.fail("control character %#02x in string", c)
		}
		p.pos++
	}
	return "", p.fail("unterminated string")
}

// plainBytes has the high bit set in each byte of x (little endian) that
// is '"', '\\' or below 0x20, except that bytes above the lowest such byte
// may be flagged falsely (borrows); its lowest set bit is exact.
func plainBytes(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(lo*'"'), x^(lo*'\\')
	return ((q-lo)&^q | (bs-lo)&^bs | (x-lo*0x20)&^x) & hi
}

func (p *jsonParser) escapedStr(start int) (string, error) {
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.src[start:p.pos]...)
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character %#02x in string", c)
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.src) {
			break
		}
		e := p.src[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					p.pos += 2
					if r2, err = p.hex4(); err != nil {
						return "", err
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.fail("invalid UTF-16 surrogate pair in \\u escape")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos--
			return "", p.fail("invalid escape \\%c in string", e)
		}
	}
	return "", p.fail("unterminated string")
}

func (p *jsonParser) hex4() (rune, error) {
	if p.pos+4 > len(p.src) {
		return 0, p.fail("truncated \\u escape")
	}
	var r rune
	for _, c := range p.src[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.fail("invalid hex digit %q in \\u escape", c)
		}
	}
	p.pos += 4
	return r, nil
}
