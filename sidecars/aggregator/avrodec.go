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

func (r *bodyReader) optString(field string) *string {
	if !r.present(field) {
		return nil
	}
	s := r.str(field)
	return &s
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

// decodeUserEvent reads a user_event.avsc body into e, skipping the fields
// the aggregator does not use. Callers zero e first.
func decodeUserEvent(body []byte, e *inputEvent) error {
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
	e.ItemID = r.optString("item_id")
	e.Category = r.optString("category")
	if r.present("brand") {
		r.bytes("brand")
	}
	if r.present("price") {
		v := r.double("price")
		e.Price = &v
	}
	if r.present("quantity") {
		q := r.long("quantity")
		if q < math.MinInt32 || q > math.MaxInt32 {
			r.fail("quantity", fmt.Sprintf("%d overflows an Avro int", q))
		}
		v := int32(q)
		e.Quantity = &v
	}
	e.Currency = r.optString("currency")
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
