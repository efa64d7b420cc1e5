package connectors

import (
	"fmt"
	"time"
)

// SchemaType is a Connect data type.
type SchemaType string

// The Connect data types, spelled as in JsonConverter's schema JSON.
const (
	Int8    SchemaType = "int8"
	Int16   SchemaType = "int16"
	Int32   SchemaType = "int32"
	Int64   SchemaType = "int64"
	Float32 SchemaType = "float32"
	Float64 SchemaType = "float64"
	Boolean SchemaType = "boolean"
	String  SchemaType = "string"
	Bytes   SchemaType = "bytes"
	Array   SchemaType = "array"
	Map     SchemaType = "map"
	Struct  SchemaType = "struct"
)

// Logical type names, as Kafka Connect spells them.
const (
	// TimestampName marks an Int64 schema whose values are time.Time.
	TimestampName = "org.apache.kafka.connect.data.Timestamp"
	// DateName marks an Int32 schema (days since the epoch) whose values
	// are time.Time at midnight UTC.
	DateName = "org.apache.kafka.connect.data.Date"
	// DecimalName marks a Bytes schema whose values are *big.Rat; the scale
	// is in Parameters["scale"].
	DecimalName = "org.apache.kafka.connect.data.Decimal"
)

// Schema describes a key or value in the Connect data model. Values are
// plain Go values:
//
//	int8 int16 int32 int64 float32 float64 bool string []byte
//	Array  -> []any
//	Map    -> map[string]any (Connect maps with non-string keys are not supported)
//	Struct -> map[string]any keyed by field name, ordered by Fields
//	Timestamp (Int64), Date (Int32) -> time.Time
//	Decimal (Bytes) -> *big.Rat
//
// A nil value is allowed only when the schema is Optional. A nil *Schema
// means schemaless data: converters then infer what they need from the Go
// value.
type Schema struct {
	Type       SchemaType
	Optional   bool
	Name       string
	Version    int
	Doc        string
	Default    any
	Parameters map[string]string
	Fields     []Field // Struct
	Items      *Schema // Array
	Keys       *Schema // Map
	Values     *Schema // Map
}

// Field is one field of a Struct schema.
type Field struct {
	Name   string
	Schema *Schema
}

// Field returns the field called name, or nil.
func (s *Schema) Field(name string) *Field {
	if s == nil {
		return nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Primitive returns a required schema of type t.
func Primitive(t SchemaType) *Schema { return &Schema{Type: t} }

// OptionalOf returns a copy of s marked optional.
func OptionalOf(s *Schema) *Schema {
	c := *s
	c.Optional = true
	return &c
}

// Validate checks that v conforms to s, naming the path of the first
// mismatch. A nil schema accepts anything.
func (s *Schema) Validate(v any) error { return s.validate("$", v) }

func (s *Schema) validate(path string, v any) error {
	if s == nil {
		return nil
	}
	if v == nil {
		if s.Optional || s.Default != nil {
			return nil
		}
		return fmt.Errorf("%w: %s is null but schema is not optional", ErrSchemaMismatch, path)
	}
	ok := false
	switch s.Type {
	case Int8:
		_, ok = v.(int8)
	case Int16:
		_, ok = v.(int16)
	case Int32:
		if s.Name == DateName {
			_, ok = v.(time.Time)
		} else {
			_, ok = v.(int32)
		}
	case Int64:
		if s.Name == TimestampName {
			_, ok = v.(time.Time)
		} else {
			_, ok = v.(int64)
		}
	case Float32:
		_, ok = v.(float32)
	case Float64:
		_, ok = v.(float64)
	case Boolean:
		_, ok = v.(bool)
	case String:
		_, ok = v.(string)
	case Bytes:
		ok = s.Name == DecimalName
		if !ok {
			_, ok = v.([]byte)
		}
	case Array:
		arr, isArr := v.([]any)
		if !isArr {
			break
		}
		for i, e := range arr {
			if err := s.Items.validate(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
		return nil
	case Map:
		m, isMap := v.(map[string]any)
		if !isMap {
			break
		}
		for k, e := range m {
			if err := s.Values.validate(path+"."+k, e); err != nil {
				return err
			}
		}
		return nil
	case Struct:
		m, isMap := v.(map[string]any)
		if !isMap {
			break
		}
		for _, f := range s.Fields {
			if err := f.Schema.validate(path+"."+f.Name, m[f.Name]); err != nil {
				return err
			}
		}
		return nil
	}
	if !ok {
		return fmt.Errorf("%w: %s is %T, schema wants %s", ErrSchemaMismatch, path, v, s.Type)
	}
	return nil
}
