package restproxy

import (
	"encoding/binary"
	"math"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// The event fast path converts an event from its JSON text straight to Avro
// binary, driven by the compiled schema: no member tree, no boxed values,
// and the fields the edge rules read are picked up on the way. It covers
// what clients send (fields in any order, absent ones with defaults; unions
// tagged, or untagged where the union has one non-null branch) and gives up on anything else, including every invalid input:
// the general converter (encode) then runs from scratch and produces the
// result or the error message. A successful fast conversion is byte for
// byte what the general converter writes (FuzzFastEncode checks this).

// eventSlot names the rules.Event field a top-level field feeds.
type eventSlot int8

const (
	slotNone eventSlot = iota
	slotEventID
	slotEventType
	slotUserID
	slotSessionID
	slotItemID
	slotOrderID
	slotUserAgent
	slotStorefront
	slotEventTime
)

var slotOfField = map[string]eventSlot{
	"event_id": slotEventID, "event_type": slotEventType, "user_id": slotUserID, "session_id": slotSessionID,
	"item_id": slotItemID, "order_id": slotOrderID, "user_agent": slotUserAgent, "storefront": slotStorefront,
	"event_time": slotEventTime,
}

// eventFields is what the proxy reads of an event: the rules' fields and
// the storefront, which API keys restrict.
type eventFields struct {
	rules.Event
	storefront    string
	hasStorefront bool
}

// set records a top-level field's value as the general converter's native
// map would hold it: strings (and enum symbols) as strings, integers as
// int64, anything else as absent for these fields.
func (e *eventFields) set(slot eventSlot, sc scalar) {
	if slot == slotEventTime {
		if sc.kind == scalarInt {
			e.EventTime, e.HasEventTime = sc.i, true
		}
		return
	}
	if sc.kind != scalarString {
		return
	}
	switch slot {
	case slotEventID:
		e.EventID = sc.s
	case slotEventType:
		e.EventType = sc.s
	case slotUserID:
		e.UserID = sc.s
	case slotSessionID:
		e.SessionID = sc.s
	case slotItemID:
		e.ItemID = sc.s
	case slotOrderID:
		e.OrderID = sc.s
	case slotUserAgent:
		e.UserAgent = sc.s
	case slotStorefront:
		e.storefront, e.hasStorefront = sc.s, true
	}
}

// setDefault records a default the way set records a value.
func (e *eventFields) setDefault(slot eventSlot, def any) {
	switch d := def.(type) {
	case string:
		e.set(slot, scalar{kind: scalarString, s: d})
	case int64:
		e.set(slot, scalar{kind: scalarInt, i: d})
	}
}

type scalarKind uint8

const (
	scalarNone scalarKind = iota
	scalarString
	scalarInt
)

// scalar is a converted value as far as eventFields cares.
type scalar struct {
	kind scalarKind
	s    string
	i    int64
}

// fastWalker reads one value's JSON text with the tree parser's scanning
// functions (so strings and numbers are read exactly as it reads them).
type fastWalker struct {
	p   jsonParser
	dst []byte
}

// encodeFast appends the Avro encoding of the lazy event v (a record of
// schema n) to dst and fills ev. ok is false when the fast path does not
// apply or the event is invalid; dst is then returned unchanged in length
// and ev must be discarded.
func encodeFast(n *avroNode, src []byte, text string, v *jsonValue, dst []byte, ev *eventFields) ([]byte, bool) {
	if !v.lazy || n.kind != kindRecord || int(v.end) > len(src) || len(text) != len(src) {
		return dst, false
	}
	mark := len(dst)
	w := fastWalker{p: jsonParser{src: src[:v.end], text: text[:v.end], pos: int(v.start)}, dst: dst}
	if !w.record(n, ev) || w.p.pos != int(v.end) {
		return w.dst[:mark], false
	}
	return w.dst, true
}

func (w *fastWalker) peek() byte {
	if w.p.pos < len(w.p.src) {
		return w.p.src[w.p.pos]
	}
	return 0
}

// expect consumes c after optional whitespace.
func (w *fastWalker) expect(c byte) bool {
	w.p.skipSpace()
	if w.peek() != c {
		return false
	}
	w.p.pos++
	return true
}

// str reads a string value (the cursor is on its opening quote).
func (w *fastWalker) str() (string, bool) {
	if w.peek() != '"' {
		return "", false
	}
	s, err := w.p.str()
	return s, err == nil
}

// enter and leave count nesting as the tree parser does, so that a
// conversion made while parsing (preconv) refuses what it would refuse.
func (w *fastWalker) enter() bool {
	w.p.depth++
	return w.p.depth <= maxJSONDepth
}

func (w *fastWalker) leave() { w.p.depth-- }

// maxFastFields bounds the records the fast path converts: which fields
// were given is one bit each of a uint64.
const maxFastFields = 64

// record converts an object of record n; with ev set (the top level) it
// also collects the event's fields. Members in schema order are written in
// place, absent ones as their defaults; members in any other order (keys
// sorted by name, as many JSON encoders write them) are written as they
// come and put in schema order at the end.
func (w *fastWalker) record(n *avroNode, ev *eventFields) bool {
	if len(n.fields) > maxFastFields || !w.expect('{') || !w.enter() {
		return false
	}
	defer w.leave()
	start := len(w.dst)
	var spans [maxFastFields]struct{ from, to int }
	var given uint64
	next, inPlace := 0, true
	w.p.skipSpace()
	if w.peek() == '}' {
		w.p.pos++
	} else {
		for {
			w.p.skipSpace()
			idx := next
			if idx >= len(n.fields) || !w.quoted(n.fields[idx].quoted) {
				name, ok := w.str()
				if !ok {
					return false
				}
				if idx, ok = n.fieldIdx[name]; !ok {
					return false // unknown field: the general converter says so
				}
			}
			if given&(1<<idx) != 0 {
				return false // given twice
			}
			if inPlace && idx < next {
				inPlace = false
			}
			for ; inPlace && next < idx; next++ {
				if n.fields[next].def == nil {
					inPlace = false // may come later; if not, it is missing
					break
				}
				w.dst = append(w.dst, n.fields[next].def...)
			}
			if !w.expect(':') {
				return false
			}
			w.p.skipSpace()
			f := &n.fields[idx]
			from := len(w.dst)
			sc, ok := w.value(f.typ)
			if !ok {
				return false
			}
			spans[idx].from, spans[idx].to = from, len(w.dst)
			given |= 1 << idx
			if inPlace {
				next = idx + 1
			}
			if ev != nil && f.slot != slotNone {
				ev.set(f.slot, sc)
			}
			w.p.skipSpace()
			switch w.peek() {
			case ',':
				w.p.pos++
				continue
			case '}':
				w.p.pos++
			default:
				return false
			}
			break
		}
	}
	if inPlace {
		for ; next < len(n.fields); next++ {
			if n.fields[next].def == nil {
				return false // missing required field
			}
			w.dst = append(w.dst, n.fields[next].def...)
		}
	} else {
		// Rebuild in schema order after what was written, then move it
		// over. Appending from w.dst to itself is safe: a reallocation
		// leaves the source intact.
		written := len(w.dst)
		for i := range n.fields {
			switch {
			case given&(1<<i) != 0:
				w.dst = append(w.dst, w.dst[spans[i].from:spans[i].to]...)
			case n.fields[i].def != nil:
				w.dst = append(w.dst, n.fields[i].def...)
			default:
				return false // missing required field
			}
		}
		w.dst = w.dst[:start+copy(w.dst[start:], w.dst[written:])]
	}
	if ev != nil {
		for i := range n.fields {
			if f := &n.fields[i]; f.slot != slotNone && given&(1<<i) == 0 {
				ev.setDefault(f.slot, f.defNative)
			}
		}
	}
	return true
}

// value converts the value at the cursor (after whitespace) as n.
func (w *fastWalker) value(n *avroNode) (scalar, bool) {
	switch n.kind {
	case kindNull:
		return scalar{}, w.literal("null")
	case kindBoolean:
		switch {
		case w.literal("true"):
			w.dst = append(w.dst, 1)
		case w.literal("false"):
			w.dst = append(w.dst, 0)
		default:
			return scalar{}, false
		}
		return scalar{}, true
	case kindInt, kindLong:
		var jv jsonValue
		switch c := w.peek(); {
		case c == '"' && n.logical != "":
			s, ok := w.str()
			if !ok {
				return scalar{}, false
			}
			jv = jsonValue{kind: jsonString, s: s}
		case c == '-' || c >= '0' && c <= '9':
			var err error
			if jv, err = w.p.number(); err != nil {
				return scalar{}, false
			}
		default:
			return scalar{}, false
		}
		x, err := n.integer(&jv)
		if err != nil {
			return scalar{}, false
		}
		w.dst = binary.AppendVarint(w.dst, x)
		return scalar{kind: scalarInt, i: x}, true
	case kindFloat, kindDouble:
		if c := w.peek(); c != '-' && (c < '0' || c > '9') {
			return scalar{}, false
		}
		jv, err := w.p.number()
		if err != nil {
			return scalar{}, false
		}
		f, err := n.float(&jv)
		if err != nil {
			return scalar{}, false
		}
		if n.kind == kindFloat {
			w.dst = binary.LittleEndian.AppendUint32(w.dst, math.Float32bits(float32(f)))
		} else {
			w.dst = binary.LittleEndian.AppendUint64(w.dst, math.Float64bits(f))
		}
		return scalar{}, true
	case kindString:
		s, ok := w.str()
		if !ok || n.logical == hamba.UUID && !avro.IsUUID(s) {
			return scalar{}, false
		}
		w.dst = binary.AppendVarint(w.dst, int64(len(s)))
		w.dst = append(w.dst, s...)
		return scalar{kind: scalarString, s: s}, true
	case kindBytes, kindFixed:
		s, ok := w.str()
		if !ok {
			return scalar{}, false
		}
		b, err := n.octets(&jsonValue{kind: jsonString, s: s})
		if err != nil {
			return scalar{}, false
		}
		if n.kind == kindBytes {
			w.dst = binary.AppendVarint(w.dst, int64(len(b)))
		}
		w.dst = append(w.dst, b...)
		return scalar{}, true
	case kindEnum:
		s, ok := w.str()
		if !ok {
			return scalar{}, false
		}
		i, ok := n.symbolIdx[s]
		if !ok {
			return scalar{}, false
		}
		w.dst = binary.AppendVarint(w.dst, int64(i))
		return scalar{kind: scalarString, s: s}, true
	case kindArray:
		return scalar{}, w.array(n)
	case kindMap:
		return scalar{}, w.mapValue(n)
	case kindRecord:
		return scalar{}, w.record(n, nil)
	case kindUnion:
		return w.union(n)
	}
	return scalar{}, false
}

// quoted consumes the JSON string q ("name") when the text at the cursor
// is exactly it, escapes aside: names and tags mostly are.
func (w *fastWalker) quoted(q string) bool {
	rest := w.p.src[w.p.pos:]
	if len(rest) < len(q) || string(rest[:len(q)]) != q {
		return false
	}
	w.p.pos += len(q)
	return true
}

func (w *fastWalker) literal(lit string) bool {
	rest := w.p.src[w.p.pos:]
	if len(rest) < len(lit) || string(rest[:len(lit)]) != lit {
		return false
	}
	w.p.pos += len(lit)
	return true
}

// union follows encodeUnion: null, a tagged value, or an untagged value of
// the union's one non-null branch.
func (w *fastWalker) union(n *avroNode) (scalar, bool) {
	switch w.peek() {
	case 'n':
		if n.nullBranch < 0 || !w.literal("null") {
			return scalar{}, false
		}
		w.dst = binary.AppendVarint(w.dst, int64(n.nullBranch))
		return scalar{}, true
	case '{':
		// Tagged: an object of exactly one member named after a branch.
		// Any other object is left to the general converter.
		w.p.pos++
		if !w.enter() {
			return scalar{}, false
		}
		defer w.leave()
		w.p.skipSpace()
		i := -1
		for b := range n.branches {
			if w.quoted(n.branches[b].quotedTag) {
				i = b
				break
			}
		}
		if i < 0 {
			tag, ok := w.str()
			if !ok {
				return scalar{}, false
			}
			i = n.branchByTag(tag)
		}
		if i < 0 || !w.expect(':') {
			return scalar{}, false
		}
		w.p.skipSpace()
		w.dst = binary.AppendVarint(w.dst, int64(i))
		sc, ok := w.value(n.branches[i])
		if !ok || !w.expect('}') {
			return scalar{}, false
		}
		return sc, true
	}
	if n.soleBranch < 0 {
		return scalar{}, false
	}
	w.dst = binary.AppendVarint(w.dst, int64(n.soleBranch))
	return w.value(n.branches[n.soleBranch])
}

// array writes one block: count, items, 0 (the count goes in front once
// the items are known).
func (w *fastWalker) array(n *avroNode) bool {
	if !w.expect('[') || !w.enter() {
		return false
	}
	defer w.leave()
	w.p.skipSpace()
	if w.peek() == ']' {
		w.p.pos++
		w.dst = append(w.dst, 0)
		return true
	}
	mark, count := len(w.dst), 0
	for {
		w.p.skipSpace()
		if _, ok := w.value(n.items); !ok {
			return false
		}
		count++
		w.p.skipSpace()
		switch w.peek() {
		case ',':
			w.p.pos++
			continue
		case ']':
			w.p.pos++
			w.prependCount(mark, count)
			w.dst = append(w.dst, 0)
			return true
		}
		return false
	}
}

// mapValue writes one block of key/value pairs, like array.
func (w *fastWalker) mapValue(n *avroNode) bool {
	if !w.expect('{') || !w.enter() {
		return false
	}
	defer w.leave()
	w.p.skipSpace()
	if w.peek() == '}' {
		w.p.pos++
		w.dst = append(w.dst, 0)
		return true
	}
	mark, count := len(w.dst), 0
	for {
		w.p.skipSpace()
		name, ok := w.str()
		if !ok || !w.expect(':') {
			return false
		}
		w.p.skipSpace()
		w.dst = binary.AppendVarint(w.dst, int64(len(name)))
		w.dst = append(w.dst, name...)
		if _, ok := w.value(n.values); !ok {
			return false
		}
		count++
		w.p.skipSpace()
		switch w.peek() {
		case ',':
			w.p.pos++
			continue
		case '}':
			w.p.pos++
			w.prependCount(mark, count)
			w.dst = append(w.dst, 0)
			return true
		}
		return false
	}
}

// prependCount inserts the block count before the items written from mark.
func (w *fastWalker) prependCount(mark, count int) {
	var buf [binary.MaxVarintLen64]byte
	c := binary.PutVarint(buf[:], int64(count))
	w.dst = append(w.dst, buf[:c]...)
	copy(w.dst[mark+c:], w.dst[mark:len(w.dst)-c])
	copy(w.dst[mark:], buf[:c])
}
