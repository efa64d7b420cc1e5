package aggregator

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// errBody is what the fast UserEvent decoder reports for a body that does
// not follow the schema; the message names the field.
var errBody = errors.New("malformed UserEvent body")

// eventSymbols are the EventType symbols in schema order: an enum is written
// as the symbol's index.
var eventSymbols = avro.EventTypes()

// bodyReader reads Avro binary. The first failure sticks and names the
// field; later reads return zero values, so decoding reads straight through
// and checks err once.
type bodyReader struct {
	b   []byte
	err error
}

func (r *bodyReader) fail(field, why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: field %s: %s", errBody, field, why)
		r.b = nil
	}
}

func (r *bodyReader) long(field string) int64 {
	if r.err != nil {
		return 0
	}
	u, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(field, "truncated or overlong varint")
		return 0
	}
	r.b = r.b[n:]
	return int64(u>>1) ^ -int64(u&1)
}

// bytes returns the next length-prefixed bytes, aliasing the input.
func (r *bodyReader) bytes(field string) []byte {
	n := r.long(field)
	if r.err != nil {
		return nil
	}
	if n < 0 || n > int64(len(r.b)) {
		r.fail(field, fmt.Sprintf("length %d outside the %d bytes left", n, len(r.b)))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *bodyReader) str(field string) string { return string(r.bytes(field)) }

func (r *bodyReader) double(field string) float64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail(field, "truncated double")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

// present reads the branch of a ["null", T] union: false for null.
func (r *bodyReader) present(field string) bool {
	switch i := r.long(field); {
	case r.err != nil:
		return false
	case i == 0:
		return false
	case i == 1:
		return true
	default:
		r.fail(field, fmt.Sprintf("union branch %d of [null, value]", i))
		return false
	}
}

// skipStringMap skips a map<string>. A block with a negative count carries
// its size in bytes next, per the Avro spec.
func (r *bodyReader) skipStringMap(field string) {
	for r.err == nil {
		n := r.long(field)
		if n == 0 {
			return
		}
		if n < 0 {
			r.bytes(field) // the block's byte size, then the block
			continue
		}
		if n > int64(len(r.b)) {
			r.fail(field, fmt.Sprintf("block of %d entries in %d bytes", n, len(r.b)))
			return
		}
		for ; n > 0 && r.err == nil; n-- {
			r.bytes(field + " key")
			r.bytes(field + " value")
		}
	}
}

// maxInterned bounds the interner; past it the interner starts over, so a
// stream of ever new values costs a string allocation each, as without it.
const maxInterned = 1024

// interner hands out one string per distinct value it has seen. Categories
// and currencies come from small vocabularies and are kept by the window
// state (per-category counters, last category), so sharing one copy saves
// an allocation per field and per event. Item ids are not interned: a
// catalog is large enough that the lookup, mostly a cache miss, cost more
// than the allocation it saved.
type interner struct{ m map[string]string }

func (in *interner) intern(b []byte) string {
	if s, ok := in.m[string(b)]; ok { // no allocation for the lookup
		return s
	}
	if in.m == nil || len(in.m) >= maxInterned {
		in.m = make(map[string]string, 64)
	}
	s := string(b)
	in.m[s] = s
	return s
}

// eventDecoder is decodeUserEvent with reusable storage: the optional
// fields of the inputEvent it fills point into it, so decoding allocates
// only the user, session and item ids and new interned values. Those
// pointers are valid until the next decode.
type eventDecoder struct {
	words          interner // categories and currencies
	item, cat, cur string
	price          float64
	qty            int32
}

// decodeUserEvent reads a user_event.avsc body into e with a decoder of its
// own; the task keeps one eventDecoder instead.
func decodeUserEvent(body []byte, e *inputEvent) error {
	var d eventDecoder
	return d.decode(body, e)
}

// decode reads a user_event.avsc body into e, skipping the fields the
// aggregator does not use. Callers zero e first.
func (d *eventDecoder) decode(body []byte, e *inputEvent) error {
	r := bodyReader{b: body}
	r.bytes("event_id")
	switch i := r.long("event_type"); {
	case r.err != nil:
	case i < 0 || i >= int64(len(eventSymbols)):
		r.fail("event_type", fmt.Sprintf("enum index %d outside the %d symbols", i, len(eventSymbols)))
	default:
		e.EventType = eventSymbols[i]
	}
	e.UserID = r.str("user_id")
	e.SessionID = r.str("session_id")
	e.EventTime = time.UnixMilli(r.long("event_time")).UTC()
	if r.present("storefront") {
		r.bytes("storefront")
	}
	if r.present("item_id") {
		if b := r.bytes("item_id"); r.err == nil {
			d.item = string(b)
			e.ItemID = &d.item
		}
	}
	if r.present("category") {
		if b := r.bytes("category"); r.err == nil {
			d.cat = d.words.intern(b)
			e.Category = &d.cat
		}
	}
	if r.present("brand") {
		r.bytes("brand")
	}
	if r.present("price") {
		d.price = r.double("price")
		e.Price = &d.price
	}
	if r.present("quantity") {
		q := r.long("quantity")
		if q < math.MinInt32 || q > math.MaxInt32 {
			r.fail("quantity", fmt.Sprintf("%d overflows an Avro int", q))
		}
		d.qty = int32(q)
		e.Quantity = &d.qty
	}
	if r.present("currency") {
		if b := r.bytes("currency"); r.err == nil {
			d.cur = d.words.intern(b)
			e.Currency = &d.cur
		}
	}
	for _, f := range [...]string{"order_id", "search_query", "page_url", "referrer", "user_agent"} {
		if r.present(f) {
			r.bytes(f)
		}
	}
	r.skipStringMap("attributes")
	if r.err == nil && len(r.b) != 0 {
		r.fail("end", fmt.Sprintf("%d trailing bytes", len(r.b)))
	}
	return r.err
}
