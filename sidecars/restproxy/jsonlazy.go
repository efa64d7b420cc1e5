package restproxy

import "fmt"

// Lazy parsing. Most of a produce request is its event values, and the
// event fast path (avrofast.go) reads those straight from the text, so
// building a member tree for them is wasted work. parseJSONLazy validates
// such values as strictly as the tree parser but keeps only their span;
// materialize builds the tree when something needs it (the general
// converter, the CEL rules).
//
// Invariant: a value is left lazy only if the tree parser would have parsed
// it without error. When the skip finds a problem, the tree parser runs over
// the same object from the same state, so malformed input fails with
// exactly the error (message, line and column) it always had.

// lazyEvents says where a request's event values sit: objects that are the
// value of member name in an object at depth (the top-level value is at
// depth 1).
type lazyEvents struct {
	depth int
	name  string
}

var (
	// {"records":[{"value":{...}}]}
	lazyV2Records = lazyEvents{depth: 3, name: "value"}
	// {"entries":[{"value":{"data":{...}}}]}
	lazyV3Entries = lazyEvents{depth: 4, name: "data"}
	// {"value":{"data":{...}}}
	lazyV3Record = lazyEvents{depth: 2, name: "data"}
)

// parseJSONLazy is parseJSON leaving the objects at at lazy. It also
// returns src as a string, which the lazy values' text is read from.
func parseJSONLazy(src []byte, at lazyEvents) (jsonValue, string, error) {
	return parseJSONLazyText(src, string(src), at, nil)
}

// parseJSONLazyText is parseJSONLazy of src whose text is text (see init),
// converting the lazy objects with pre when it is not nil.
func parseJSONLazyText(src []byte, text string, at lazyEvents, pre *preconv) (jsonValue, string, error) {
	var p jsonParser
	if err := p.init(src, text); err != nil {
		return jsonValue{}, "", err
	}
	p.pre = pre
	defer p.release()
	p.lazyDepth, p.lazyName = at.depth, at.name
	p.slabHint = lazySlabHint(len(src))
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return jsonValue{}, "", err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return jsonValue{}, "", p.fail("unexpected %s after the top-level value", p.near())
	}
	return v, p.text, nil
}

// splitJSONValuesLazy is splitJSONValues leaving the objects at at lazy.
func splitJSONValuesLazy(src []byte, at lazyEvents) ([]jsonValue, string, error) {
	var out []jsonValue
	var p jsonParser
	if err := p.init(src, string(src)); err != nil {
		return nil, "", err
	}
	defer p.release()
	p.lazyDepth, p.lazyName = at.depth, at.name
	p.slabHint = lazySlabHint(len(src))
	for {
		p.skipSpace()
		if p.pos >= len(src) {
			return out, p.text, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
}

// lazySlabHint sizes member slabs for a body whose events stay lazy: the
// envelope has a few members per event, not a few per 16 bytes.
func lazySlabHint(n int) int { return min(slabSize, max(8, n/128)) }

// lazyObject validates the object at p.pos and returns it unparsed, or, when
// it is not valid, parses it with the tree parser to report the error.
func (p *jsonParser) lazyObject() (jsonValue, error) {
	start, depth := p.pos, p.depth
	if p.pre != nil {
		if i, ok := p.pre.convert(p); ok {
			return jsonValue{kind: jsonObject, lazy: true, start: int32(start), end: int32(p.pos), pre: int32(i + 1)}, nil
		}
		p.pos, p.depth = start, depth
	}
	if p.skipValue() {
		return jsonValue{kind: jsonObject, lazy: true, start: int32(start), end: int32(p.pos)}, nil
	}
	p.pos, p.depth = start, depth
	return p.object()
}

// materialize parses a lazy value in place; src and text are the request
// body it was read from. Its members then point into text, as the tree
// parser's would.
func (v *jsonValue) materialize(src []byte, text string) error {
	if !v.lazy {
		return nil
	}
	if int(v.end) > len(src) || len(text) != len(src) {
		return fmt.Errorf("re-reading the event at offset %d: the request body is not at hand", v.start)
	}
	ref := scratchPool.Get().(*[]jsonMember)
	p := jsonParser{src: src, text: text, pos: int(v.start), scratch: *ref, scratchRef: ref,
		slabHint: max(32, int(v.end-v.start)/16)}
	defer p.release()
	parsed, err := p.object()
	if err != nil || parsed.end != v.end {
		// The span was validated when the body was parsed, so this is a
		// bug, not bad input; fail the record rather than guess.
		return fmt.Errorf("re-reading the event at offset %d: %v", v.start, err)
	}
	*v = parsed
	return nil
}

// skipValue moves past one value, checking it as the tree parser does
// without building anything. It returns false at the first problem,
// leaving the error to the tree parser.
func (p *jsonParser) skipValue() bool {
	if p.pos >= len(p.src) {
		return false
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.skipObject()
	case c == '[':
		return p.skipArray()
	case c == '"':
		_, err := p.str()
		return err == nil
	case c == '-' || c >= '0' && c <= '9':
		_, err := p.number()
		return err == nil
	}
	return p.literal()
}

// literal moves past true, false or null.
func (p *jsonParser) literal() bool {
	rest := p.src[p.pos:]
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(rest) >= len(lit) && string(rest[:len(lit)]) == lit {
			p.pos += len(lit)
			return true
		}
	}
	return false
}

func (p *jsonParser) skipObject() bool {
	if p.depth++; p.depth > maxJSONDepth {
		return false
	}
	p.pos++ // '{'
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		return true
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return false
		}
		if _, err := p.str(); err != nil {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return false
		}
		p.pos++
		p.skipSpace()
		if !p.skipValue() {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			return false
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
			p.depth--
			return true
		}
		return false
	}
}

func (p *jsonParser) skipArray() bool {
	if p.depth++; p.depth > maxJSONDepth {
		return false
	}
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		return true
	}
	for {
		p.skipSpace()
		if !p.skipValue() {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			return false
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			continue
		case ']':
			p.pos++
			p.depth--
			return true
		}
		return false
	}
}
