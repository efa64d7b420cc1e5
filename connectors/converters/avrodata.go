package converters

import (
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"time"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/connectors"
)

// Parameter names Confluent's AvroData uses to keep Avro details that the
// Connect data model lacks.
const (
	enumParam      = "io.confluent.connect.avro.Enum"
	fixedSizeParam = "connect.fixed.size"
	unionName      = "io.confluent.connect.avro.Union"
)

// toConnectSchema maps an Avro schema to the Connect data model as
// Confluent's AvroData does: nullable unions become optional schemas, other
// unions a struct with one optional field per branch, enums strings, fixed
// bytes, and the timestamp, date and decimal logical types their Connect
// counterparts. Recursive schemas are refused.
func toConnectSchema(s hamba.Schema, seen map[string]bool) (*connectors.Schema, error) {
	switch x := s.(type) {
	case *hamba.RecordSchema:
		if seen[x.FullName()] {
			return nil, fmt.Errorf("%w: recursive record %s", ErrUnsupportedType, x.FullName())
		}
		seen[x.FullName()] = true
		defer delete(seen, x.FullName())
		out := &connectors.Schema{Type: connectors.Struct, Name: x.FullName(), Doc: x.Doc()}
		for _, f := range x.Fields() {
			fs, err := toConnectSchema(f.Type(), seen)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			out.Fields = append(out.Fields, connectors.Field{Name: f.Name(), Schema: fs})
		}
		return out, nil
	case *hamba.UnionSchema:
		if x.Nullable() {
			_, typ := nullableBranch(x)
			inner, err := toConnectSchema(typ, seen)
			if err != nil {
				return nil, err
			}
			return connectors.OptionalOf(inner), nil
		}
		out := &connectors.Schema{Type: connectors.Struct, Name: unionName}
		for _, b := range x.Types() {
			if b.Type() == hamba.Null {
				out.Optional = true
				continue
			}
			bs, err := toConnectSchema(b, seen)
			if err != nil {
				return nil, err
			}
			out.Fields = append(out.Fields, connectors.Field{Name: unionKey(b), Schema: connectors.OptionalOf(bs)})
		}
		return out, nil
	case *hamba.EnumSchema:
		params := map[string]string{enumParam: x.FullName()}
		for _, sym := range x.Symbols() {
			params[enumParam+"."+sym] = sym
		}
		return &connectors.Schema{Type: connectors.String, Name: x.FullName(), Doc: x.Doc(), Parameters: params}, nil
	case *hamba.FixedSchema:
		if d, ok := x.Logical().(*hamba.DecimalLogicalSchema); ok {
			return decimalSchema(d), nil
		}
		return &connectors.Schema{Type: connectors.Bytes, Name: x.FullName(),
			Parameters: map[string]string{fixedSizeParam: strconv.Itoa(x.Size())}}, nil
	case *hamba.ArraySchema:
		items, err := toConnectSchema(x.Items(), seen)
		if err != nil {
			return nil, err
		}
		return &connectors.Schema{Type: connectors.Array, Items: items}, nil
	case *hamba.MapSchema:
		vals, err := toConnectSchema(x.Values(), seen)
		if err != nil {
			return nil, err
		}
		return &connectors.Schema{Type: connectors.Map, Keys: connectors.Primitive(connectors.String), Values: vals}, nil
	case *hamba.RefSchema:
		return toConnectSchema(x.Schema(), seen)
	case *hamba.PrimitiveSchema:
		return primitiveSchema(x)
	}
	return nil, fmt.Errorf("%w: avro type %s", ErrUnsupportedType, s.Type())
}

func primitiveSchema(x *hamba.PrimitiveSchema) (*connectors.Schema, error) {
	if l := x.Logical(); l != nil {
		switch l.Type() {
		case hamba.TimestampMillis, hamba.TimestampMicros, hamba.LocalTimestampMillis, hamba.LocalTimestampMicros:
			return &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName, Version: 1}, nil
		case hamba.Date:
			return &connectors.Schema{Type: connectors.Int32, Name: connectors.DateName, Version: 1}, nil
		case hamba.Decimal:
			return decimalSchema(l.(*hamba.DecimalLogicalSchema)), nil
		}
	}
	switch x.Type() {
	case hamba.String:
		return connectors.Primitive(connectors.String), nil
	case hamba.Bytes:
		return connectors.Primitive(connectors.Bytes), nil
	case hamba.Int:
		return connectors.Primitive(connectors.Int32), nil
	case hamba.Long:
		return connectors.Primitive(connectors.Int64), nil
	case hamba.Float:
		return connectors.Primitive(connectors.Float32), nil
	case hamba.Double:
		return connectors.Primitive(connectors.Float64), nil
	case hamba.Boolean:
		return connectors.Primitive(connectors.Boolean), nil
	}
	return nil, fmt.Errorf("%w: avro type %s", ErrUnsupportedType, x.Type())
}

func decimalSchema(d *hamba.DecimalLogicalSchema) *connectors.Schema {
	return &connectors.Schema{Type: connectors.Bytes, Name: connectors.DecimalName, Version: 1, Parameters: map[string]string{
		"scale": strconv.Itoa(d.Scale()), "connect.decimal.precision": strconv.Itoa(d.Precision())}}
}

func nullableBranch(u *hamba.UnionSchema) (int, hamba.Schema) {
	for i, t := range u.Types() {
		if t.Type() != hamba.Null {
			return i, t
		}
	}
	return -1, nil
}

// unionKey is the name hamba uses for a union branch in generic values:
// the full name of named types, the type name otherwise.
func unionKey(s hamba.Schema) string {
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.FullName()
	}
	if p, ok := s.(*hamba.PrimitiveSchema); ok && p.Logical() != nil {
		return string(p.Type()) + "." + string(p.Logical().Type())
	}
	return string(s.Type())
}

// isComplex reports whether hamba wraps a union branch of this schema in a
// single-key map when decoding generically.
func isComplex(s hamba.Schema) bool {
	switch s.(type) {
	case *hamba.PrimitiveSchema:
		return false
	}
	return true
}

// toConnectValue converts hamba's generic decoding of avro schema s into
// the Connect value for cs.
func toConnectValue(s hamba.Schema, cs *connectors.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch x := s.(type) {
	case *hamba.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: record %s decoded as %T", connectors.ErrConversion, x.FullName(), v)
		}
		out := make(map[string]any, len(m))
		for i, f := range x.Fields() {
			c, err := toConnectValue(f.Type(), cs.Fields[i].Schema, m[f.Name()])
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			out[f.Name()] = c
		}
		return out, nil
	case *hamba.UnionSchema:
		if x.Nullable() {
			_, typ := nullableBranch(x)
			return toConnectValue(typ, cs, unwrapUnion(typ, v))
		}
		out := map[string]any{}
		for _, b := range x.Types() {
			if b.Type() == hamba.Null {
				continue
			}
			key := unionKey(b)
			if w, ok := v.(map[string]any); ok && len(w) == 1 && w[key] != nil && isComplex(b) {
				c, err := toConnectValue(b, cs.Field(key).Schema, w[key])
				if err != nil {
					return nil, err
				}
				out[key] = c
				return out, nil
			}
			if !isComplex(b) && primitiveMatches(b, v) {
				c, err := toConnectValue(b, cs.Field(key).Schema, v)
				if err != nil {
					return nil, err
				}
				out[key] = c
				return out, nil
			}
		}
		return nil, fmt.Errorf("%w: no union branch matches %T", connectors.ErrConversion, v)
	case *hamba.ArraySchema:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: array decoded as %T", connectors.ErrConversion, v)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			c, err := toConnectValue(x.Items(), cs.Items, e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case *hamba.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: map decoded as %T", connectors.ErrConversion, v)
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			c, err := toConnectValue(x.Values(), cs.Values, e)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	case *hamba.RefSchema:
		return toConnectValue(x.Schema(), cs, v)
	case *hamba.FixedSchema:
		return fixedValue(v)
	}
	return primitiveValue(cs, v)
}

func unwrapUnion(branch hamba.Schema, v any) any {
	if !isComplex(branch) {
		return v
	}
	if w, ok := v.(map[string]any); ok && len(w) == 1 {
		if inner, ok := w[unionKey(branch)]; ok {
			return inner
		}
	}
	return v
}

func primitiveMatches(s hamba.Schema, v any) bool {
	switch s.Type() {
	case hamba.String:
		_, ok := v.(string)
		return ok
	case hamba.Bytes:
		_, ok := v.([]byte)
		if !ok {
			_, ok = v.(*big.Rat)
		}
		return ok
	case hamba.Int:
		switch v.(type) {
		case int, int32, time.Time:
			return true
		}
	case hamba.Long:
		switch v.(type) {
		case int64, time.Time:
			return true
		}
	case hamba.Float:
		_, ok := v.(float32)
		return ok
	case hamba.Double:
		_, ok := v.(float64)
		return ok
	case hamba.Boolean:
		_, ok := v.(bool)
		return ok
	}
	return false
}

// fixedValue turns hamba's [N]byte for a fixed into []byte.
func fixedValue(v any) (any, error) {
	switch f := v.(type) {
	case *big.Rat, []byte:
		return f, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Array || rv.Type().Elem().Kind() != reflect.Uint8 {
		return nil, fmt.Errorf("%w: fixed decoded as %T", connectors.ErrConversion, v)
	}
	out := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(out), rv)
	return out, nil
}

func primitiveValue(cs *connectors.Schema, v any) (any, error) {
	switch x := v.(type) {
	case int:
		if cs.Type == connectors.Int64 {
			return int64(x), nil
		}
		return int32(x), nil
	case int32, int64, float32, float64, bool, string, []byte, *big.Rat:
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case time.Duration:
		if cs.Type == connectors.Int32 {
			return int32(x / time.Millisecond), nil
		}
		return int64(x / time.Microsecond), nil
	}
	return nil, fmt.Errorf("%w: avro value of type %T", ErrUnsupportedType, v)
}

func sortStrings(s []string) { sort.Strings(s) }
