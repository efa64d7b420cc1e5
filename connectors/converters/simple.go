package converters

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/retailpulse/retailpulse/connectors"
)

// StringSpec is StringConverter's config.
var StringSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "converter.encoding", Type: connectors.TypeString, Default: "UTF8",
		Validators: []connectors.Validator{connectors.OneOf("UTF8", "UTF-8", "utf8", "utf-8")},
		Importance: connectors.High, Documentation: "The character encoding; only UTF-8 is supported."},
	connectors.ConfigKey{Name: "converter.type", Type: connectors.TypeString, Default: "value",
		Validators: []connectors.Validator{connectors.OneOf("key", "value", "header")}, Importance: connectors.Low,
		Documentation: "How this converter will be used."},
)

// Schemas handed out by String and ByteArray. Schemas are treated as
// immutable throughout the worker, so one instance serves every record.
var (
	optionalString = connectors.OptionalOf(connectors.Primitive(connectors.String))
	optionalBytes  = connectors.OptionalOf(connectors.Primitive(connectors.Bytes))
)

// String converts UTF-8 text. Decoded values are strings with an optional
// string schema; encoding accepts strings and bytes as they are and renders
// other values (maps and slices as JSON, times as RFC 3339).
type String struct{}

// Configure implements connectors.Converter.
func (*String) Configure(*connectors.Config, bool) error { return nil }

// ToConnect implements connectors.Converter.
func (*String) ToConnect(_ context.Context, topic string, _ []connectors.Header, data []byte) (*connectors.Schema, any, error) {
	schema := optionalString
	if data == nil {
		return schema, nil, nil
	}
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("converting data from topic %q with StringConverter: %w: not valid UTF-8", topic, connectors.ErrConversion)
	}
	return schema, string(data), nil
}

// FromConnect implements connectors.Converter.
func (*String) FromConnect(_ context.Context, topic string, _ []connectors.Header, _ *connectors.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(x), nil
	case []byte:
		return x, nil
	case time.Time:
		return []byte(x.UTC().Format(time.RFC3339Nano)), nil
	case map[string]any, []any:
		b, err := json.Marshal(jsonable(x))
		if err != nil {
			return nil, fmt.Errorf("converting value for topic %q with StringConverter: %w: %v", topic, connectors.ErrConversion, err)
		}
		return b, nil
	}
	return []byte(fmt.Sprint(v)), nil
}

// ByteArraySpec is ByteArrayConverter's (empty) config.
var ByteArraySpec = connectors.MustConfigSpec()

// ByteArray passes bytes through unchanged.
type ByteArray struct{}

// Configure implements connectors.Converter.
func (ByteArray) Configure(*connectors.Config, bool) error { return nil }

// ToConnect implements connectors.Converter.
func (ByteArray) ToConnect(_ context.Context, _ string, _ []connectors.Header, data []byte) (*connectors.Schema, any, error) {
	schema := optionalBytes
	if data == nil {
		return schema, nil, nil
	}
	return schema, data, nil
}

// FromConnect implements connectors.Converter.
func (ByteArray) FromConnect(_ context.Context, topic string, _ []connectors.Header, _ *connectors.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return x, nil
	}
	return nil, fmt.Errorf("converting value for topic %q: %w: ByteArrayConverter is not compatible with objects of type %T",
		topic, connectors.ErrConversion, v)
}

// jsonable rewrites values encoding/json would render differently from
// Kafka Connect: times become epoch milliseconds.
func jsonable(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMilli()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}
