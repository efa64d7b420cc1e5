package window

import (
	"encoding/binary"
	"fmt"
	"math"
)

// stateVersion is the first byte of every changelog value. A reader refuses
// versions it does not know instead of misreading them.
const stateVersion = 1

// The changelog encoding is varints, length-prefixed strings and
// little-endian IEEE 754 doubles. The writers are append functions on a
// byte slice the caller threads through, so the slice stays in registers
// rather than being reloaded from a struct on every field.

func appendU(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendI(b []byte, v int64) []byte { return appendU(b, uint64(v<<1)^uint64(v>>63)) }

func appendF(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendS(b []byte, v string) []byte { return append(appendU(b, uint64(len(v))), v...) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendCounter(b []byte, c *counter[int64]) []byte {
	b = appendU(b, uint64(len(c.keys)))
	for i, k := range c.keys {
		b = appendI(appendS(b, k), c.vals[i])
	}
	return b
}

func appendStrs(b []byte, ss []string) []byte {
	b = appendU(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendS(b, s)
	}
	return b
}

// reader decodes what the append functions wrote. The first failure sticks, named by the
// field being read, and every later read returns zero values, so decoding
// code reads straight through and checks err once.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(field, why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: field %s: %s", ErrCorruptState, field, why)
	}
}

func (r *reader) u(field string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(field, "bad unsigned varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) i(field string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(field, "bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// n reads a non-negative count that fits int64.
func (r *reader) n(field string) int64 {
	v := r.u(field)
	if v > math.MaxInt64 {
		r.fail(field, "count overflows int64")
		return 0
	}
	return int64(v)
}

// length reads an item count; each item takes at least one byte, so a
// count beyond the bytes left is corruption, caught before allocating.
func (r *reader) length(field string) int {
	v := r.u(field)
	if r.err == nil && v > uint64(len(r.b)) {
		r.fail(field, fmt.Sprintf("count %d exceeds the %d bytes left", v, len(r.b)))
		return 0
	}
	return int(v)
}

func (r *reader) f(field string) float64 {
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

func (r *reader) s(field string) string {
	n := r.length(field)
	if r.err != nil {
		return ""
	}
	v := string(r.b[:n])
	r.b = r.b[n:]
	return v
}

func (r *reader) bool(field string) bool {
	if r.err != nil {
		return false
	}
	if len(r.b) < 1 || r.b[0] > 1 {
		r.fail(field, "bad boolean")
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *reader) counter(field string, c *counter[int64]) {
	n := r.length(field)
	for j := 0; j < n && r.err == nil; j++ {
		k := r.s(field + ".key")
		v := r.i(field + ".value")
		if r.err == nil {
			if _, dup := c.get(k); dup {
				r.fail(field, fmt.Sprintf("duplicate key %q", k))
				return
			}
			c.put(k, v)
		}
	}
}

func (r *reader) strs(field string) []string {
	n := r.length(field)
	if r.err != nil || n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for j := 0; j < n && r.err == nil; j++ {
		out = append(out, r.s(field))
	}
	return out
}

func (r *reader) version() {
	if r.err != nil {
		return
	}
	if len(r.b) == 0 {
		r.fail("version", "empty value")
		return
	}
	if r.b[0] != stateVersion {
		r.fail("version", fmt.Sprintf("unknown state version %d, this build reads %d", r.b[0], stateVersion))
		return
	}
	r.b = r.b[1:]
}

func (r *reader) end() {
	if r.err == nil && len(r.b) != 0 {
		r.fail("end", fmt.Sprintf("%d trailing bytes", len(r.b)))
	}
}
