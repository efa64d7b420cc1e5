package converters

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/connectors"
)

// defaultRecordName names Connect structs without a name when they become
// Avro records, as Confluent's AvroData does.
const defaultRecordName = "io.confluent.connect.avro.ConnectDefault"

// avroSchemaJSON builds the Avro schema for a Connect schema, the inverse
// of toConnectSchema: optional schemas become ["null", T] unions with a
// null default, structs records, and the logical types their Avro
// counterparts.
func avroSchemaJSON(s *connectors.Schema) (any, error) {
	b := &avroBuilder{names: map[string]bool{}}
	return b.build(s, defaultRecordName)
}

type avroBuilder struct {
	names   map[string]bool
	counter int
}

func (b *avroBuilder) build(s *connectors.Schema, fallbackName string) (any, error) {
	inner, err := b.required(s, fallbackName)
	if err != nil {
		return nil, err
	}
	if s.Optional {
		return []any{"null", inner}, nil
	}
	return inner, nil
}

func (b *avroBuilder) required(s *connectors.Schema, fallbackName string) (any, error) {
	switch s.Type {
	case connectors.Int8, connectors.Int16:
		return map[string]any{"type": "int", "connect.type": string(s.Type)}, nil
	case connectors.Int32:
		if s.Name == connectors.DateName {
			return map[string]any{"type": "int", "logicalType": "date"}, nil
		}
		return "int", nil
	case connectors.Int64:
		if s.Name == connectors.TimestampName {
			return map[string]any{"type": "long", "logicalType": "timestamp-millis"}, nil
		}
		return "long", nil
	case connectors.Float32:
		return "float", nil
	case connectors.Float64:
		return "double", nil
	case connectors.Boolean:
		return "boolean", nil
	case connectors.String:
		if full := s.Parameters[enumParam]; full != "" {
			var syms []string
			for k, v := range s.Parameters {
				if strings.HasPrefix(k, enumParam+".") {
					syms = append(syms, v)
				}
			}
			// Parameter maps lose declaration order; sorted symbols keep the
			// generated schema stable across runs.
			sortStrings(syms)
			return map[string]any{"type": "enum", "name": b.unique(full), "symbols": syms}, nil
		}
		return "string", nil
	case connectors.Bytes:
		if s.Name == connectors.DecimalName {
			scale, _ := strconv.Atoi(s.Parameters["scale"])
			prec, err := strconv.Atoi(s.Parameters["connect.decimal.precision"])
			if err != nil {
				prec = 64
			}
			return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": prec, "scale": scale}, nil
		}
		return "bytes", nil
	case connectors.Array:
		items, err := b.build(s.Items, fallbackName)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": items}, nil
	case connectors.Map:
		vals, err := b.build(s.Values, fallbackName)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "map", "values": vals}, nil
	case connectors.Struct:
		name := s.Name
		if name == "" {
			b.counter++
			name = fallbackName
			if b.counter > 1 {
				name = fallbackName + strconv.Itoa(b.counter)
			}
		}
		rec := map[string]any{"type": "record", "name": b.unique(name)}
		if s.Doc != "" {
			rec["doc"] = s.Doc
		}
		fields := make([]any, 0, len(s.Fields))
		for _, f := range s.Fields {
			ft, err := b.build(f.Schema, fallbackName)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			fd := map[string]any{"name": f.Name, "type": ft}
			if f.Schema.Optional {
				fd["default"] = nil
			}
			fields = append(fields, fd)
		}
		rec["fields"] = fields
		return rec, nil
	}
	return nil, fmt.Errorf("%w: connect type %q", ErrUnsupportedType, s.Type)
}

// unique refuses a second definition of a named type with the same name:
// Avro forbids redefinition, so a repeated Connect struct name gets a
// numbered suffix.
func (b *avroBuilder) unique(name string) string {
	out := name
	for i := 2; b.names[out]; i++ {
		out = name + strconv.Itoa(i)
	}
	b.names[out] = true
	return out
}

// inferSchema guesses a Connect schema for a schemaless primitive value, as
// AvroConverter does for records without a schema. Maps and slices need a
// schema.
func inferSchema(v any) (*connectors.Schema, error) {
	var t connectors.SchemaType
	switch v.(type) {
	case nil:
		return connectors.OptionalOf(connectors.Primitive(connectors.String)), nil
	case int8:
		t = connectors.Int8
	case int16:
		t = connectors.Int16
	case int32:
		t = connectors.Int32
	case int64, int:
		t = connectors.Int64
	case float32:
		t = connectors.Float32
	case float64:
		t = connectors.Float64
	case bool:
		t = connectors.Boolean
	case string:
		t = connectors.String
	case []byte:
		t = connectors.Bytes
	case time.Time:
		return &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName, Version: 1}, nil
	default:
		return nil, fmt.Errorf("%w: schemaless %T needs a schema for Avro", ErrUnsupportedType, v)
	}
	return connectors.Primitive(t), nil
}

// toAvroValue shapes a Connect value for hamba's generic encoder: union
// branches of complex types wrapped in {name: value}, small ints widened.
func toAvroValue(s hamba.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch x := s.(type) {
	case *hamba.UnionSchema:
		_, typ := nullableBranch(x)
		if typ == nil {
			return nil, fmt.Errorf("%w: union of null only", ErrUnsupportedType)
		}
		inner, err := toAvroValue(typ, v)
		if err != nil {
			return nil, err
		}
		if isComplex(typ) {
			return map[string]any{unionKey(typ): inner}, nil
		}
		return inner, nil
	case *hamba.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: record %s from %T", connectors.ErrSchemaMismatch, x.FullName(), v)
		}
		out := make(map[string]any, len(m))
		for _, f := range x.Fields() {
			c, err := toAvroValue(f.Type(), m[f.Name()])
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			out[f.Name()] = c
		}
		return out, nil
	case *hamba.ArraySchema:
		arr, _ := v.([]any)
		out := make([]any, len(arr))
		for i, e := range arr {
			c, err := toAvroValue(x.Items(), e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case *hamba.MapSchema:
		m, _ := v.(map[string]any)
		out := make(map[string]any, len(m))
		for k, e := range m {
			c, err := toAvroValue(x.Values(), e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	}
	switch n := v.(type) {
	case int8:
		return int(n), nil
	case int16:
		return int(n), nil
	case int32:
		return int(n), nil
	case int:
		if s.Type() == hamba.Long {
			return int64(n), nil
		}
	case *big.Rat, time.Time:
		return n, nil
	}
	return v, nil
}

func marshalSchema(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
