package loadgen

import (
	"math/rand/v2"
	"strconv"
	"unicode/utf8"
)

// event is one UserEvent as the generator builds it; empty strings and
// unset numbers are Avro nulls.
type event struct {
	id                        [36]byte
	typ                       string
	user, session             string
	timeMS                    int64
	storefront, item          string
	category, brand, currency string
	price                     float64
	priceText                 string // price formatted, when the source has it at hand
	hasPrice                  bool
	quantity                  int32
	orderID, query            string
	pageURL, referrer         string
	userAgent                 string
}

const hexDigits = "0123456789abcdef"

// newID writes a random RFC 4122 version 4 UUID.
func (e *event) newID(r *rand.Rand) {
	var b [16]byte
	hi, lo := r.Uint64(), r.Uint64()
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(hi>>(8*i)), byte(lo>>(8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			e.id[j] = '-'
			j++
		}
		e.id[j], e.id[j+1] = hexDigits[c>>4], hexDigits[c&0x0f]
		j += 2
	}
}

// appendJSON writes the event as a JSON object. tagged writes Avro JSON as
// upstream REST Proxy requires (every field, unions as {"type": value});
// otherwise plain JSON with null fields left out, as the SDK sends it.
func (e *event) appendJSON(dst []byte, tagged bool) []byte {
	dst = append(dst, `{"event_id":"`...)
	dst = append(dst, e.id[:]...)
	dst = append(dst, `","event_type":`...)
	dst = appendString(dst, e.typ)
	dst = append(dst, `,"user_id":`...)
	dst = appendString(dst, e.user)
	dst = append(dst, `,"session_id":`...)
	dst = appendString(dst, e.session)
	dst = append(dst, `,"event_time":`...)
	dst = strconv.AppendInt(dst, e.timeMS, 10)
	dst = appendOptional(dst, `,"storefront":`, e.storefront, tagged)
	dst = appendOptional(dst, `,"item_id":`, e.item, tagged)
	dst = appendOptional(dst, `,"category":`, e.category, tagged)
	dst = appendOptional(dst, `,"brand":`, e.brand, tagged)
	switch {
	case e.hasPrice && tagged:
		dst = append(dst, `,"price":{"double":`...)
		dst = e.appendPrice(dst)
		dst = append(dst, '}')
	case e.hasPrice:
		dst = append(dst, `,"price":`...)
		dst = e.appendPrice(dst)
	case tagged:
		dst = append(dst, `,"price":null`...)
	}
	switch {
	case e.quantity > 0 && tagged:
		dst = append(dst, `,"quantity":{"int":`...)
		dst = strconv.AppendInt(dst, int64(e.quantity), 10)
		dst = append(dst, '}')
	case e.quantity > 0:
		dst = append(dst, `,"quantity":`...)
		dst = strconv.AppendInt(dst, int64(e.quantity), 10)
	case tagged:
		dst = append(dst, `,"quantity":null`...)
	}
	dst = appendOptional(dst, `,"currency":`, e.currency, tagged)
	dst = appendOptional(dst, `,"order_id":`, e.orderID, tagged)
	dst = appendOptional(dst, `,"search_query":`, e.query, tagged)
	dst = appendOptional(dst, `,"page_url":`, e.pageURL, tagged)
	dst = appendOptional(dst, `,"referrer":`, e.referrer, tagged)
	dst = appendOptional(dst, `,"user_agent":`, e.userAgent, tagged)
	if tagged {
		dst = append(dst, `,"attributes":{}`...)
	}
	return append(dst, '}')
}

func (e *event) appendPrice(dst []byte) []byte {
	if e.priceText != "" {
		return append(dst, e.priceText...)
	}
	return strconv.AppendFloat(dst, e.price, 'f', -1, 64)
}

// appendOptional writes an optional string member (member is `,"name":`):
// tagged as Avro JSON, plain, or as null when tagged and empty.
func appendOptional(dst []byte, member, v string, tagged bool) []byte {
	switch {
	case v != "" && tagged:
		dst = append(dst, member...)
		dst = append(dst, `{"string":`...)
		dst = appendString(dst, v)
		return append(dst, '}')
	case v != "":
		dst = append(dst, member...)
		return appendString(dst, v)
	case tagged:
		dst = append(dst, member...)
		return append(dst, "null"...)
	}
	return dst
}

// appendString writes s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	// Most strings need no escaping: copy the plain prefix at once, found
	// eight bytes at a time (user agents and URLs are most of a body).
	plain := 0
	for plain+8 <= len(s) && plainWord(s[plain:plain+8]) {
		plain += 8
	}
	for plain < len(s) && s[plain] >= 0x20 && s[plain] != '"' && s[plain] != '\\' && s[plain] < utf8.RuneSelf {
		plain++
	}
	dst = append(dst, s[:plain]...)
	for i := plain; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c < 0x20:
			dst = append(dst, `\u00`...)
			dst = append(dst, hexDigits[c>>4], hexDigits[c&0x0f])
			i++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
		}
	}
	return append(dst, '"')
}

// plainWord reports whether none of the 8 bytes of s needs escaping: no
// control character, quote, backslash or non-ASCII byte.
func plainWord(s string) bool {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	q, b := x^(lsb*'"'), x^(lsb*'\\')
	// A byte below 0x20 (or zero after the xors) borrows into its high bit.
	found := (x - lsb*0x20) | (q - lsb) | (b - lsb) | x
	return found&msb == 0
}

// source yields events; each worker owns one, so sources need no locks.
type source interface {
	next(e *event, nowMS int64)
}
