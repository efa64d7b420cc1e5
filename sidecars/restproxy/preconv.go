package restproxy

import (
	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// Pre-conversion. A lazy event is read twice: once by the lazy parser,
// which validates it (jsonlazy.go), and once by the fast path, which
// converts it (avrofast.go). When the schema the event will be written
// with is known before the body is parsed (the event subject's cached
// latest schema, which most requests use), the parser runs the fast path
// in place of the validation: a conversion that succeeds has read the
// whole object as strictly as the tree parser would (the walker uses its
// scanning functions and nesting limit), so the object can be left lazy
// without a second look. A conversion that fails costs its partial work
// and the validation runs as before; prepareEvent uses a conversion only
// when the record's schema turns out to be the one it was made with.

// preconv holds the conversions made while parsing one body.
type preconv struct {
	rs *resolvedSchema
	// slab holds the framed Avro values back to back, and then the keys;
	// when it runs short a new one is started (vals keep the old).
	slab []byte
	left int // body bytes not yet converted, to size the next slab
	vals []preValue
	one  [1]preValue // backs vals of a one-event body
}

// preValue is one converted event: its framed value and what the proxy and
// the rules read of it.
type preValue struct {
	value []byte
	ev    eventFields
}

// preconvRoom is the room a conversion starts with: an event's Avro is
// rarely longer, and append grows the slab when it is.
const preconvRoom = 2 << 10

// newPreconv prepares to convert the events of a body of n bytes with rs.
func newPreconv(rs *resolvedSchema, n int) *preconv {
	pc := &preconv{rs: rs, left: n}
	// Events are a few hundred bytes of JSON each.
	if guess := n / 512; guess > 1 {
		pc.vals = make([]preValue, 0, guess)
	} else {
		pc.vals = pc.one[:0]
	}
	return pc
}

// convert converts the object at p's cursor, moving the cursor past it.
// It returns the conversion's index, or false, leaving p as it was.
func (pc *preconv) convert(p *jsonParser) (int, bool) {
	// Avro is shorter than its JSON: the rest of the body bounds what the
	// remaining events need, keys included.
	if need := min(preconvRoom, pc.left+64); cap(pc.slab)-len(pc.slab) < need {
		pc.slab = appendBuffer(min(valueSlabSize, pc.left+64))
	}
	mark := len(pc.slab)
	w := fastWalker{p: jsonParser{src: p.src, text: p.text, pos: p.pos, depth: p.depth},
		dst: serde.AppendHeader(pc.slab, pc.rs.id)}
	var ev eventFields
	if !w.record(pc.rs.node, &ev) {
		pc.slab = w.dst[:mark]
		return 0, false
	}
	pc.slab = w.dst
	pc.left = len(p.src) - w.p.pos
	p.pos = w.p.pos
	pc.vals = append(pc.vals, preValue{value: pc.slab[mark:len(pc.slab):len(pc.slab)], ev: ev})
	return len(pc.vals) - 1, true
}

// value returns v's conversion when it was made with a schema of the same
// id and compiled form as rs.
func (pc *preconv) value(v *jsonValue, rs *resolvedSchema) (*preValue, []byte, bool) {
	if pc == nil || v.pre <= 0 || int(v.pre) > len(pc.vals) || rs == nil || rs.id != pc.rs.id || rs.node != pc.rs.node {
		return nil, nil, false
	}
	pv := &pc.vals[v.pre-1]
	return pv, pv.value, true
}

// spare is the slab's unused room, where the batch writes keys.
func (pc *preconv) spare() []byte {
	if pc == nil {
		return nil
	}
	return pc.slab[len(pc.slab):len(pc.slab)]
}
