package cassandratest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// encode serializes a Go value as the protocol v4 bytes of t. nil encodes
// to nil (null). Accepted Go values are documented on Server.Exec.
func (t *cqlType) encode(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	switch t.kind {
	case kAscii, kText:
		s, ok := v.(string)
		if !ok {
			return nil, typeErr(t, v)
		}
		if t.kind == kAscii {
			for i := 0; i < len(s); i++ {
				if s[i] >= 0x80 {
					return nil, invalidf("invalid ASCII character in %q", s)
				}
			}
		}
		return []byte(s), nil
	case kInt, kBigint, kSmallint, kTinyint:
		n, err := toInt(t, v)
		if err != nil {
			return nil, err
		}
		return putInt(t.kind, n), nil
	case kBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, typeErr(t, v)
		}
		if b {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case kFloat, kDouble:
		f, err := toFloat(t, v)
		if err != nil {
			return nil, err
		}
		if t.kind == kFloat {
			return binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(f))), nil
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case kTimestamp:
		ms, err := toMillis(t, v)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(ms)), nil
	case kUUID, kTimeUUID:
		return encodeUUID(t, v)
	case kBlob:
		b, ok := v.([]byte)
		if !ok {
			return nil, typeErr(t, v)
		}
		return append([]byte{}, b...), nil
	case kInet:
		return encodeInet(t, v)
	}
	return t.encodeCollection(v)
}

func typeErr(t *cqlType, v any) error {
	return invalidf("cannot use a value of type %T as %s", v, t)
}

func toInt(t *cqlType, v any) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	default:
		return 0, typeErr(t, v)
	}
	bits := intBits[t.kind]
	if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
		return 0, invalidf("value %d out of range for %s", n, t)
	}
	return n, nil
}

var intBits = map[kind]uint{kInt: 32, kBigint: 64, kSmallint: 16, kTinyint: 8}

// fixedSizes are the byte lengths of fixed-width types.
var fixedSizes = map[kind]int{kInt: 4, kBigint: 8, kSmallint: 2, kTinyint: 1, kBoolean: 1, kFloat: 4, kDouble: 8,
	kTimestamp: 8, kUUID: 16, kTimeUUID: 16}

func putInt(k kind, n int64) []byte {
	switch k {
	case kInt:
		return binary.BigEndian.AppendUint32(nil, uint32(n))
	case kSmallint:
		return binary.BigEndian.AppendUint16(nil, uint16(n))
	case kTinyint:
		return []byte{byte(n)}
	}
	return binary.BigEndian.AppendUint64(nil, uint64(n))
}

func toFloat(t *cqlType, v any) (float64, error) {
	switch x := v.(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case int, int8, int16, int32, int64:
		n, _ := toInt(bigintType, x)
		return float64(n), nil
	}
	return 0, typeErr(t, v)
}

func toMillis(t *cqlType, v any) (int64, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMilli(), nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.000Z0700", "2006-01-02 15:04:05Z0700", "2006-01-02"} {
			if ts, err := time.Parse(layout, x); err == nil {
				return ts.UnixMilli(), nil
			}
		}
		return 0, invalidf("unable to parse a date from %q", x)
	case int, int8, int16, int32, int64:
		return toInt(bigintType, x)
	}
	return 0, typeErr(t, v)
}

func encodeUUID(t *cqlType, v any) ([]byte, error) {
	var b []byte
	switch x := v.(type) {
	case string:
		raw, err := hex.DecodeString(strings.ReplaceAll(x, "-", ""))
		if err != nil || len(raw) != 16 || len(x) != 36 {
			return nil, invalidf("invalid UUID %q", x)
		}
		b = raw
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Array || rv.Len() != 16 || rv.Type().Elem().Kind() != reflect.Uint8 {
			return nil, typeErr(t, v)
		}
		b = make([]byte, 16)
		reflect.Copy(reflect.ValueOf(b), rv)
	}
	if t.kind == kTimeUUID && b[6]>>4 != 1 {
		return nil, invalidf("unsupported UUID for timeuuid: version %d, want 1", b[6]>>4)
	}
	return b, nil
}

func encodeInet(t *cqlType, v any) ([]byte, error) {
	var ip net.IP
	switch x := v.(type) {
	case net.IP:
		ip = x
	case string:
		if ip = net.ParseIP(x); ip == nil {
			return nil, invalidf("unable to make inet address from %q", x)
		}
	default:
		return nil, typeErr(t, v)
	}
	if v4 := ip.To4(); v4 != nil {
		return append([]byte{}, v4...), nil
	}
	return append([]byte{}, ip...), nil
}

// encodeCollection writes [int n] then each element (or key and value) as
// [int len][bytes]. Sets and maps are ordered by their encoded keys and
// set duplicates dropped, as Cassandra returns them.
func (t *cqlType) encodeCollection(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	var elems [][2][]byte
	switch {
	case t.kind == kMap && rv.Kind() == reflect.Map:
		iter := rv.MapRange()
		for iter.Next() {
			k, err := t.key.encode(iter.Key().Interface())
			if err != nil {
				return nil, err
			}
			e, err := t.elem.encode(iter.Value().Interface())
			if err != nil {
				return nil, err
			}
			if k == nil {
				return nil, invalidf("null is not supported inside collections")
			}
			elems = append(elems, [2][]byte{k, e})
		}
	case t.kind != kMap && (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Type().Elem().Kind() != reflect.Uint8:
		for i := 0; i < rv.Len(); i++ {
			e, err := t.elem.encode(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			if e == nil {
				return nil, invalidf("null is not supported inside collections")
			}
			elems = append(elems, [2][]byte{e})
		}
	default:
		return nil, typeErr(t, v)
	}
	if t.kind != kList {
		sort.Slice(elems, func(i, j int) bool { return bytes.Compare(elems[i][0], elems[j][0]) < 0 })
		if t.kind == kSet {
			out := elems[:0]
			for i, e := range elems {
				if i == 0 || !bytes.Equal(e[0], elems[i-1][0]) {
					out = append(out, e)
				}
			}
			elems = out
		}
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(len(elems)))
	for _, e := range elems {
		b = appendBytes(b, e[0])
		if t.kind == kMap {
			b = appendBytes(b, e[1])
		}
	}
	return b, nil
}

func appendBytes(b, v []byte) []byte {
	if v == nil {
		return binary.BigEndian.AppendUint32(b, math.MaxUint32)
	}
	return append(binary.BigEndian.AppendUint32(b, uint32(len(v))), v...)
}

// decode turns protocol bytes of t into a Go value: string, int32, int64,
// int16, int8, bool, float32, float64, time.Time (UTC), UUID strings,
// []byte, inet strings, []any for lists and sets, map[string]any for maps
// with text keys and map[any]any otherwise. It also validates the bytes.
func (t *cqlType) decode(b []byte) (any, error) {
	if b == nil {
		return nil, nil
	}
	if n, ok := fixedSizes[t.kind]; ok && len(b) != n {
		return nil, invalidf("expected %d bytes for %s, got %d", n, t, len(b))
	}
	switch t.kind {
	case kAscii, kText:
		if !utf8.Valid(b) {
			return nil, invalidf("invalid UTF-8 for %s", t)
		}
		return string(b), nil
	case kInt:
		return int32(binary.BigEndian.Uint32(b)), nil
	case kBigint:
		return int64(binary.BigEndian.Uint64(b)), nil
	case kSmallint:
		return int16(binary.BigEndian.Uint16(b)), nil
	case kTinyint:
		return int8(b[0]), nil
	case kBoolean:
		return b[0] != 0, nil
	case kFloat:
		return math.Float32frombits(binary.BigEndian.Uint32(b)), nil
	case kDouble:
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case kTimestamp:
		return time.UnixMilli(int64(binary.BigEndian.Uint64(b))).UTC(), nil
	case kUUID, kTimeUUID:
		h := hex.EncodeToString(b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	case kBlob:
		return append([]byte{}, b...), nil
	case kInet:
		if len(b) != 4 && len(b) != 16 {
			return nil, invalidf("expected 4 or 16 bytes for inet, got %d", len(b))
		}
		return net.IP(b).String(), nil
	}
	return t.decodeCollection(b)
}

func (t *cqlType) decodeCollection(b []byte) (any, error) {
	r := bytes.NewReader(b)
	next := func() ([]byte, error) {
		var n int32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			return nil, invalidf("truncated %s", t)
		}
		if n < 0 {
			return nil, invalidf("null inside %s", t)
		}
		if int(n) > r.Len() {
			return nil, invalidf("truncated %s", t)
		}
		out := make([]byte, n)
		_, _ = r.Read(out)
		return out, nil
	}
	count, err := next4(r)
	if err != nil || count < 0 {
		return nil, invalidf("truncated %s", t)
	}
	var list []any
	var textMap map[string]any
	var anyMap map[any]any
	for i := 0; i < int(count); i++ {
		raw, err := next()
		if err != nil {
			return nil, err
		}
		if t.kind != kMap {
			e, err := t.elem.decode(raw)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			continue
		}
		k, err := t.key.decode(raw)
		if err != nil {
			return nil, err
		}
		rawV, err := next()
		if err != nil {
			return nil, err
		}
		v, err := t.elem.decode(rawV)
		if err != nil {
			return nil, err
		}
		if t.key.isTextual() {
			if textMap == nil {
				textMap = map[string]any{}
			}
			textMap[k.(string)] = v
		} else {
			if anyMap == nil {
				anyMap = map[any]any{}
			}
			anyMap[k] = v
		}
	}
	if r.Len() != 0 {
		return nil, invalidf("%d trailing bytes after %s", r.Len(), t)
	}
	switch {
	case t.kind != kMap:
		if list == nil {
			list = []any{}
		}
		return list, nil
	case t.key.isTextual():
		if textMap == nil {
			textMap = map[string]any{}
		}
		return textMap, nil
	}
	if anyMap == nil {
		anyMap = map[any]any{}
	}
	return anyMap, nil
}

func next4(r *bytes.Reader) (int32, error) {
	var n int32
	err := binary.Read(r, binary.BigEndian, &n)
	return n, err
}

// check validates protocol bytes of t like decode, without building the
// value: the server checks every bound value this way.
func (t *cqlType) check(b []byte) error {
	if b == nil {
		return nil
	}
	if n, ok := fixedSizes[t.kind]; ok {
		if len(b) != n {
			return invalidf("expected %d bytes for %s, got %d", n, t, len(b))
		}
		return nil
	}
	switch t.kind {
	case kAscii, kText:
		if !utf8.Valid(b) {
			return invalidf("invalid UTF-8 for %s", t)
		}
		return nil
	case kBlob:
		return nil
	case kInet:
		if len(b) != 4 && len(b) != 16 {
			return invalidf("expected 4 or 16 bytes for inet, got %d", len(b))
		}
		return nil
	}
	_, err := t.decodeCollection(b)
	return err
}

// mustDecode is for values the server itself encoded.
func (t *cqlType) mustDecode(b []byte) any {
	v, err := t.decode(b)
	if err != nil {
		panic(fmt.Sprintf("cassandratest: stored %s does not decode: %v", t, err))
	}
	return v
}
