package restproxy

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// convError is a value that does not fit its schema, located by path
// (records[2].value.price). The path is collected while the error unwinds,
// one segment per level, so successful conversions build no path at all.
type convError struct {
	root string
	segs []string // innermost first
	msg  string
}

func (e *convError) Error() string {
	var b strings.Builder
	b.WriteString(e.root)
	for i := len(e.segs) - 1; i >= 0; i-- {
		b.WriteString(e.segs[i])
	}
	b.WriteString(": ")
	b.WriteString(e.msg)
	return b.String()
}

func convErr(format string, args ...any) error {
	return &convError{msg: fmt.Sprintf(format, args...)}
}

// within adds the segment of the level err passed through.
func within(err error, seg string) error {
	if ce, ok := err.(*convError); ok {
		ce.segs = append(ce.segs, seg)
	}
	return err
}

// rooted sets the path of the top-level value and returns err as an error.
func rooted(err error, root string) error {
	if ce, ok := err.(*convError); ok {
		ce.root = root
	}
	return err
}

func mismatch(n *avroNode, v *jsonValue) error {
	return convErr("expected %s, got %s", n.describe(), v.describe())
}

// encode appends the Avro binary encoding of v, read as Avro JSON against n,
// to dst. Beyond the Avro JSON encoding it accepts plain (untagged) union
// values when exactly one branch can hold them and RFC 3339 text for
// timestamp and date logical types. With wantNative it also returns v as the
// edge rules see it: records and maps as map[string]any without null
// members, ints and longs as int64, floats as float64, enums as strings.
func (n *avroNode) encode(dst []byte, v *jsonValue, wantNative bool) ([]byte, any, error) {
	switch n.typ {
	case hamba.Null:
		if v.kind != jsonNull {
			return dst, nil, mismatch(n, v)
		}
		return dst, nil, nil
	case hamba.Boolean:
		if v.kind != jsonBool {
			return dst, nil, mismatch(n, v)
		}
		if v.b {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
		if wantNative {
			return dst, v.b, nil
		}
		return dst, nil, nil
	case hamba.Int, hamba.Long:
		x, err := n.integer(v)
		if err != nil {
			return dst, nil, err
		}
		if wantNative {
			return binary.AppendVarint(dst, x), x, nil
		}
		return binary.AppendVarint(dst, x), nil, nil
	case hamba.Float:
		f, err := n.float(v)
		if err != nil {
			return dst, nil, err
		}
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f)))
		if wantNative {
			return dst, f, nil
		}
		return dst, nil, nil
	case hamba.Double:
		f, err := n.float(v)
		if err != nil {
			return dst, nil, err
		}
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
		if wantNative {
			return dst, f, nil
		}
		return dst, nil, nil
	case hamba.String:
		if v.kind != jsonString {
			return dst, nil, mismatch(n, v)
		}
		if n.logical == hamba.UUID && !avro.IsUUID(v.s) {
			return dst, nil, convErr("%q is not a UUID in 8-4-4-4-12 hex form", v.s)
		}
		dst = binary.AppendVarint(dst, int64(len(v.s)))
		dst = append(dst, v.s...)
		if wantNative {
			return dst, v.s, nil
		}
		return dst, nil, nil
	case hamba.Bytes, hamba.Fixed:
		b, err := n.octets(v)
		if err != nil {
			return dst, nil, err
		}
		if n.typ == hamba.Bytes {
			dst = binary.AppendVarint(dst, int64(len(b)))
		}
		if wantNative {
			return append(dst, b...), b, nil
		}
		return append(dst, b...), nil, nil
	case hamba.Enum:
		if v.kind != jsonString {
			return dst, nil, mismatch(n, v)
		}
		i, ok := n.symbolIdx[v.s]
		if !ok {
			return dst, nil, convErr("%q is not a symbol of enum %s (symbols: %s)",
				v.s, n.tag, strings.Join(n.symbols, ", "))
		}
		if wantNative {
			return binary.AppendVarint(dst, int64(i)), v.s, nil
		}
		return binary.AppendVarint(dst, int64(i)), nil, nil
	case hamba.Array:
		return n.encodeArray(dst, v, wantNative)
	case hamba.Map:
		return n.encodeMap(dst, v, wantNative)
	case hamba.Record:
		return n.encodeRecord(dst, v, wantNative, nil)
	case hamba.Union:
		return n.encodeUnion(dst, v, wantNative)
	}
	return dst, nil, convErr("unsupported schema type %s", n.typ)
}

// encodeMasked encodes a top-level record building the native map with
// only the fields mask selects (all when mask is nil): the edge rules read
// a few fields, and boxing every value for them is most of the cost.
func (n *avroNode) encodeMasked(dst []byte, v *jsonValue, root string, mask []bool) ([]byte, any, error) {
	var nat any
	var err error
	if n.typ != hamba.Record {
		dst, nat, err = n.encode(dst, v, true)
	} else {
		dst, nat, err = n.encodeRecord(dst, v, true, mask)
	}
	return dst, nat, rooted(err, root)
}

// fieldMask marks the record fields for which need is true.
func (n *avroNode) fieldMask(need func(string) bool) []bool {
	mask := make([]bool, len(n.fields))
	for i := range n.fields {
		mask[i] = need(n.fields[i].name)
	}
	return mask
}

func (n *avroNode) encodeRecord(dst []byte, v *jsonValue, wantNative bool, mask []bool) ([]byte, any, error) {
	if v.kind != jsonObject {
		return dst, nil, mismatch(n, v)
	}
	var stack [32]*jsonValue
	vals := stack[:0]
	if len(n.fields) > len(stack) {
		vals = make([]*jsonValue, len(n.fields))
	} else {
		vals = stack[:len(n.fields)]
	}
	for i := range v.members {
		m := &v.members[i]
		// Clients mostly send fields in schema order; check that position
		// before hashing the name.
		idx, ok := i, i < len(n.fields) && n.fields[i].name == m.name
		if !ok {
			idx, ok = n.fieldIdx[m.name]
		}
		if !ok {
			return dst, nil, convErr("unknown field %q: record %s has no such field", m.name, n.tag)
		}
		if vals[idx] != nil {
			return dst, nil, convErr("field %q given twice", m.name)
		}
		vals[idx] = &m.value
	}
	var out map[string]any
	if wantNative {
		size := len(n.fields)
		if mask != nil {
			size = 0
			for _, m := range mask {
				if m {
					size++
				}
			}
		}
		out = make(map[string]any, size)
	}
	for i := range n.fields {
		f := &n.fields[i]
		want := wantNative && (mask == nil || mask[i])
		if vals[i] == nil {
			if f.def == nil {
				return dst, nil, convErr("missing required field %q (%s)", f.name, f.typ.describe())
			}
			dst = append(dst, f.def...)
			if want && f.defNative != nil {
				out[f.name] = f.defNative
			}
			continue
		}
		var nv any
		var err error
		if dst, nv, err = f.typ.encode(dst, vals[i], want); err != nil {
			return dst, nil, within(err, "."+f.name)
		}
		if want && nv != nil {
			out[f.name] = nv
		}
	}
	if wantNative {
		return dst, out, nil
	}
	return dst, nil, nil
}

func (n *avroNode) encodeArray(dst []byte, v *jsonValue, wantNative bool) ([]byte, any, error) {
	if v.kind != jsonArray {
		return dst, nil, mismatch(n, v)
	}
	var out []any
	if len(v.members) > 0 {
		dst = binary.AppendVarint(dst, int64(len(v.members)))
		if wantNative {
			out = make([]any, 0, len(v.members))
		}
		for i := range v.members {
			var nv any
			var err error
			if dst, nv, err = n.items.encode(dst, &v.members[i].value, wantNative); err != nil {
				return dst, nil, within(err, "["+strconv.Itoa(i)+"]")
			}
			if wantNative {
				out = append(out, nv)
			}
		}
	}
	if wantNative && out == nil {
		out = []any{}
	}
	if wantNative {
		return append(dst, 0), out, nil
	}
	return append(dst, 0), nil, nil
}

func (n *avroNode) encodeMap(dst []byte, v *jsonValue, wantNative bool) ([]byte, any, error) {
	if v.kind != jsonObject {
		return dst, nil, mismatch(n, v)
	}
	var out map[string]any
	if wantNative {
		out = make(map[string]any, len(v.members))
	}
	if len(v.members) > 0 {
		dst = binary.AppendVarint(dst, int64(len(v.members)))
		for i := range v.members {
			m := &v.members[i]
			dst = binary.AppendVarint(dst, int64(len(m.name)))
			dst = append(dst, m.name...)
			var nv any
			var err error
			if dst, nv, err = n.values.encode(dst, &m.value, wantNative); err != nil {
				return dst, nil, within(err, "."+m.name)
			}
			if wantNative && nv != nil {
				out[m.name] = nv
			}
		}
	}
	if wantNative {
		return append(dst, 0), out, nil
	}
	return append(dst, 0), nil, nil
}

func (n *avroNode) integer(v *jsonValue) (int64, error) {
	var x int64
	switch {
	case v.kind == jsonNumber:
		var err error
		if x, err = strconv.ParseInt(v.s, 10, 64); err != nil {
			// 1e3 and 2.0 are integers written as floats; accept them when
			// exact, refuse fractions and values beyond float64 precision.
			f, ferr := strconv.ParseFloat(v.s, 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return 0, convErr("expected %s, got %s which is not an integer in range", n.describe(), v.describe())
			}
			x = int64(f)
		}
	case v.kind == jsonString && n.logical != "":
		t, ok := n.parseTime(v.s)
		if !ok {
			return 0, convErr("expected %s as a number or RFC 3339 text, got %s", n.describe(), v.describe())
		}
		x = t
	default:
		return 0, mismatch(n, v)
	}
	if n.typ == hamba.Int && (x < math.MinInt32 || x > math.MaxInt32) {
		return 0, convErr("%s does not fit in an Avro int (32 bits)", v.s)
	}
	return x, nil
}

// parseTime reads RFC 3339 text for timestamp logical types and a calendar
// date for date; other logical types take numbers only.
func (n *avroNode) parseTime(s string) (int64, bool) {
	switch n.logical {
	case hamba.TimestampMillis, hamba.TimestampMicros:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, false
		}
		if n.logical == hamba.TimestampMillis {
			return t.UnixMilli(), true
		}
		return t.UnixMicro(), true
	case hamba.Date:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return 0, false
		}
		return t.Unix() / 86400, true
	}
	return 0, false
}

func (n *avroNode) float(v *jsonValue) (float64, error) {
	if v.kind != jsonNumber {
		return 0, mismatch(n, v)
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if err != nil || n.typ == hamba.Float && math.Abs(f) > math.MaxFloat32 {
		return 0, convErr("%s is out of range for %s", v.s, n.describe())
	}
	return f, nil
}

// octets decodes Avro JSON bytes: a string whose code points 0-255 are the
// byte values.
func (n *avroNode) octets(v *jsonValue) ([]byte, error) {
	if v.kind != jsonString {
		return nil, mismatch(n, v)
	}
	b := make([]byte, 0, len(v.s))
	for _, r := range v.s {
		if r > 0xff {
			return nil, convErr("character %q is outside 0-255; Avro JSON bytes carry one byte per code point", r)
		}
		b = append(b, byte(r))
	}
	if n.typ == hamba.Fixed && len(b) != n.size {
		return nil, convErr("fixed %s needs %d bytes, got %d", n.tag, n.size, len(b))
	}
	return b, nil
}
