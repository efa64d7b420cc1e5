package converters

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// JSONSpec is JsonConverter's config.
var JSONSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "schemas.enable", Type: connectors.TypeBoolean, Default: true, Importance: connectors.High,
		Documentation: "Include schemas within each of the serialized values and keys.", DisplayName: "Enable Schemas"},
	connectors.ConfigKey{Name: "schemas.cache.size", Type: connectors.TypeInt, Default: 1000,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Importance: connectors.High,
		Documentation: "The maximum number of schemas that can be cached in this converter instance."},
	connectors.ConfigKey{Name: "decimal.format", Type: connectors.TypeString, Default: "BASE64",
		Validators: []connectors.Validator{connectors.OneOf("BASE64", "NUMERIC")}, Importance: connectors.Low,
		Documentation: "Serialization format for Connect decimal values: BASE64 or NUMERIC."},
	connectors.ConfigKey{Name: "replace.null.with.default", Type: connectors.TypeBoolean, Default: true,
		Importance: connectors.Low, Documentation: "Whether to replace fields that have a default value and that are null to the default value."},
	connectors.ConfigKey{Name: "converter.type", Type: connectors.TypeString, Default: "value",
		Validators: []connectors.Validator{connectors.OneOf("key", "value", "header")}, Importance: connectors.Low,
		Documentation: "How this converter will be used."},
)

// JSON is Kafka Connect's JsonConverter. With schemas.enable=true (the
// default) payloads travel in a {"schema":...,"payload":...} envelope whose
// schema is Connect's; with false the JSON stands alone and decodes to
// schemaless values (objects to map[string]any, integers to int64, other
// numbers to float64).
type JSON struct {
	schemas       bool
	decimalFormat string
	nullDefault   bool
}

// Configure implements connectors.Converter.
func (j *JSON) Configure(cfg *connectors.Config, _ bool) error {
	j.schemas = cfg.Bool("schemas.enable")
	j.decimalFormat = cfg.String("decimal.format")
	j.nullDefault = cfg.Bool("replace.null.with.default")
	return nil
}

type envelope struct {
	Schema  *schemaJSON     `json:"schema"`
	Payload json.RawMessage `json:"payload"`
}

// ToConnect implements connectors.Converter.
func (j *JSON) ToConnect(_ context.Context, topic string, _ []connectors.Header, data []byte) (*connectors.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	fail := func(err error) (*connectors.Schema, any, error) {
		return nil, nil, fmt.Errorf("converting data from topic %q with JsonConverter: %w: %w", topic, connectors.ErrConversion, err)
	}
	if !j.schemas {
		v, err := decodeJSON(data)
		if err != nil {
			return fail(err)
		}
		return nil, v, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		if _, perr := decodeJSON(data); perr != nil {
			return fail(perr)
		}
		return fail(ErrNoEnvelope)
	}
	_, hasSchema := raw["schema"]
	_, hasPayload := raw["payload"]
	if !hasSchema || !hasPayload || len(raw) != 2 {
		return fail(ErrNoEnvelope)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return fail(fmt.Errorf("reading schema: %v", err))
	}
	schema, err := fromSchemaJSON(env.Schema, "$.schema")
	if err != nil {
		return fail(err)
	}
	payload, err := decodeJSON(env.Payload)
	if err != nil {
		return fail(err)
	}
	if schema == nil {
		return nil, payload, nil
	}
	v, err := connectValue(schema, payload, "$.payload")
	if err != nil {
		return fail(err)
	}
	return schema, v, nil
}

// FromConnect implements connectors.Converter.
func (j *JSON) FromConnect(_ context.Context, topic string, _ []connectors.Header, schema *connectors.Schema, v any) ([]byte, error) {
	if v == nil && (!j.schemas || schema == nil) {
		return nil, nil
	}
	if err := schema.Validate(v); err != nil {
		return nil, fmt.Errorf("converting value for topic %q with JsonConverter: %w", topic, err)
	}
	if v == nil && j.nullDefault && schema.Default != nil {
		v = schema.Default
	}
	var out any = jsonValue(schema, v, j.decimalFormat)
	if j.schemas {
		out = map[string]any{"schema": toSchemaJSON(schema), "payload": out}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("converting value for topic %q with JsonConverter: %w: %v", topic, connectors.ErrConversion, err)
	}
	return b, nil
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parsing JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("parsing JSON: trailing data after the first value")
	}
	return schemaless(v), nil
}

// schemaless turns json.Number into int64 or float64, recursively.
func schemaless(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = schemaless(e)
		}
	case []any:
		for i, e := range x {
			x[i] = schemaless(e)
		}
	}
	return v
}

// connectValue converts a schemaless decoded JSON value to the Go type
// schema s asks for.
func connectValue(s *connectors.Schema, v any, path string) (any, error) {
	if v == nil {
		if s.Default != nil {
			return s.Default, nil
		}
		if s.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s is null but schema is not optional", connectors.ErrSchemaMismatch, path)
	}
	mismatch := func() error {
		return fmt.Errorf("%w: %s is %s, schema wants %s", connectors.ErrSchemaMismatch, path, jsonKind(v), s.Type)
	}
	integer := func(bits int) (int64, error) {
		n, ok := v.(int64)
		if !ok {
			return 0, mismatch()
		}
		if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
			return 0, fmt.Errorf("%w: %s value %d overflows %s", connectors.ErrSchemaMismatch, path, n, s.Type)
		}
		return n, nil
	}
	switch s.Type {
	case connectors.Int8:
		n, err := integer(8)
		return int8(n), err
	case connectors.Int16:
		n, err := integer(16)
		return int16(n), err
	case connectors.Int32:
		n, err := integer(32)
		if err == nil && s.Name == connectors.DateName {
			return time.Unix(n*86400, 0).UTC(), nil
		}
		return int32(n), err
	case connectors.Int64:
		n, err := integer(64)
		if err == nil && s.Name == connectors.TimestampName {
			return time.UnixMilli(n).UTC(), nil
		}
		return n, err
	case connectors.Float32, connectors.Float64:
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		case string:
			var err error
			if f, err = strconv.ParseFloat(x, 64); err != nil || !(math.IsInf(f, 0) || math.IsNaN(f)) {
				return nil, mismatch()
			}
		default:
			return nil, mismatch()
		}
		if s.Type == connectors.Float32 {
			return float32(f), nil
		}
		return f, nil
	case connectors.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case connectors.String:
		if str, ok := v.(string); ok {
			return str, nil
		}
	case connectors.Bytes:
		return bytesValue(s, v, path, mismatch)
	case connectors.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil, mismatch()
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			c, err := connectValue(s.Items, e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case connectors.Map, connectors.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, mismatch()
		}
		out := make(map[string]any, len(m))
		if s.Type == connectors.Map {
			for k, e := range m {
				c, err := connectValue(s.Values, e, path+"."+k)
				if err != nil {
					return nil, err
				}
				out[k] = c
			}
			return out, nil
		}
		for _, f := range s.Fields {
			c, err := connectValue(f.Schema, m[f.Name], path+"."+f.Name)
			if err != nil {
				return nil, err
			}
			out[f.Name] = c
		}
		return out, nil
	}
	return nil, mismatch()
}

func bytesValue(s *connectors.Schema, v any, path string, mismatch func() error) (any, error) {
	if s.Name == connectors.DecimalName {
		scale, _ := strconv.Atoi(s.Parameters["scale"])
		switch x := v.(type) {
		case string:
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("%w: %s is not base64: %v", connectors.ErrSchemaMismatch, path, err)
			}
			return ratFromUnscaled(b, scale), nil
		case int64, float64:
			r, ok := ratOf(x)
			if !ok {
				return nil, mismatch()
			}
			return r, nil
		}
		return nil, mismatch()
	}
	str, ok := v.(string)
	if !ok {
		return nil, mismatch()
	}
	b, err := base64.StdEncoding.DecodeString(str)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64: %v", connectors.ErrSchemaMismatch, path, err)
	}
	return b, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
