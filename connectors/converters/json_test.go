package converters

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

func configured(t *testing.T, c connectors.Converter, spec *connectors.ConfigSpec, props map[string]string) connectors.Converter {
	t.Helper()
	cfg, err := spec.Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Configure(cfg, false); err != nil {
		t.Fatal(err)
	}
	return c
}

var richSchema = &connectors.Schema{Type: connectors.Struct, Name: "r", Fields: []connectors.Field{
	{Name: "i8", Schema: connectors.Primitive(connectors.Int8)},
	{Name: "i32", Schema: connectors.Primitive(connectors.Int32)},
	{Name: "i64", Schema: connectors.Primitive(connectors.Int64)},
	{Name: "f32", Schema: connectors.Primitive(connectors.Float32)},
	{Name: "f64", Schema: connectors.Primitive(connectors.Float64)},
	{Name: "b", Schema: connectors.Primitive(connectors.Boolean)},
	{Name: "s", Schema: connectors.OptionalOf(connectors.Primitive(connectors.String))},
	{Name: "raw", Schema: connectors.Primitive(connectors.Bytes)},
	{Name: "at", Schema: &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName}},
	{Name: "day", Schema: &connectors.Schema{Type: connectors.Int32, Name: connectors.DateName}},
	{Name: "amount", Schema: &connectors.Schema{Type: connectors.Bytes, Name: connectors.DecimalName, Parameters: map[string]string{"scale": "2"}}},
	{Name: "tags", Schema: &connectors.Schema{Type: connectors.Array, Items: connectors.Primitive(connectors.String)}},
	{Name: "attrs", Schema: &connectors.Schema{Type: connectors.Map, Keys: connectors.Primitive(connectors.String), Values: connectors.Primitive(connectors.Int64)}},
}}

func richValue() map[string]any {
	return map[string]any{"i8": int8(-3), "i32": int32(7), "i64": int64(1 << 40), "f32": float32(1.5), "f64": 2.25,
		"b": true, "s": nil, "raw": []byte{0, 1, 255}, "at": time.UnixMilli(1_700_000_000_123).UTC(),
		"day": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "amount": big.NewRat(-12345, 100),
		"tags": []any{"x", "y"}, "attrs": map[string]any{"k": int64(9)}}
}

func TestJSONWithSchemasRoundTrip(t *testing.T) {
	c := configured(t, &JSON{}, JSONSpec, nil)
	ctx := context.Background()
	b, err := c.FromConnect(ctx, "t", nil, richSchema, richValue())
	if err != nil {
		t.Fatal(err)
	}
	s, v, err := c.ToConnect(ctx, "t", nil, b)
	if err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	got, want := v.(map[string]any), richValue()
	if got["amount"].(*big.Rat).Cmp(want["amount"].(*big.Rat)) != 0 {
		t.Fatalf("decimal %v", got["amount"])
	}
	delete(got, "amount")
	delete(want, "amount")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, want)
	}
	if s.Field("day").Schema.Name != connectors.DateName || !s.Field("s").Schema.Optional {
		t.Fatalf("schema %+v", s)
	}
}

func TestJSONEnvelopeRequired(t *testing.T) {
	c := configured(t, &JSON{}, JSONSpec, nil)
	for _, in := range []string{`{"a":1}`, `{"schema":null,"payload":1,"x":2}`, `[1]`} {
		if _, _, err := c.ToConnect(context.Background(), "t", nil, []byte(in)); !errors.Is(err, ErrNoEnvelope) {
			t.Errorf("%s: %v", in, err)
		}
	}
	if _, _, err := c.ToConnect(context.Background(), "t", nil, []byte(`{`)); err == nil || errors.Is(err, ErrNoEnvelope) {
		t.Errorf("malformed JSON: %v", err)
	}
	_, v, err := c.ToConnect(context.Background(), "t", nil, []byte(`{"schema":null,"payload":{"a":[1,2.5]}}`))
	if err != nil || !reflect.DeepEqual(v, map[string]any{"a": []any{int64(1), 2.5}}) {
		t.Fatalf("schemaless payload %#v %v", v, err)
	}
	_, _, err = c.ToConnect(context.Background(), "t", nil, []byte(`{"schema":{"type":"int8"},"payload":300}`))
	if !errors.Is(err, connectors.ErrSchemaMismatch) {
		t.Fatalf("overflow: %v", err)
	}
	_, v, err = c.ToConnect(context.Background(), "t", nil, nil)
	if err != nil || v != nil {
		t.Fatalf("tombstone %v %v", v, err)
	}
}

func TestJSONSchemaless(t *testing.T) {
	c := configured(t, &JSON{}, JSONSpec, map[string]string{"schemas.enable": "false"})
	s, v, err := c.ToConnect(context.Background(), "t", nil, []byte(`{"n":3,"f":0.5,"s":"x","z":null}`))
	if err != nil || s != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, map[string]any{"n": int64(3), "f": 0.5, "s": "x", "z": nil}) {
		t.Fatalf("%#v", v)
	}
	b, err := c.FromConnect(context.Background(), "t", nil, nil, map[string]any{"at": time.UnixMilli(5)})
	if err != nil || string(b) != `{"at":5}` {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := c.FromConnect(context.Background(), "t", nil, connectors.Primitive(connectors.Int32), "x"); !errors.Is(err, connectors.ErrSchemaMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
}

func TestStringAndByteArray(t *testing.T) {
	ctx := context.Background()
	s := &String{}
	_, v, err := s.ToConnect(ctx, "t", nil, []byte("héllo"))
	if err != nil || v != "héllo" {
		t.Fatal(v, err)
	}
	if _, _, err := s.ToConnect(ctx, "t", nil, []byte{0xff, 0xfe}); !errors.Is(err, connectors.ErrConversion) {
		t.Fatalf("invalid utf-8: %v", err)
	}
	b, _ := s.FromConnect(ctx, "t", nil, nil, map[string]any{"a": int64(1)})
	if string(b) != `{"a":1}` {
		t.Fatalf("%s", b)
	}
	b, _ = s.FromConnect(ctx, "t", nil, nil, int32(5))
	if string(b) != "5" {
		t.Fatalf("%s", b)
	}
	var ba ByteArray
	if _, err := ba.FromConnect(ctx, "t", nil, nil, "text"); !errors.Is(err, connectors.ErrConversion) {
		t.Fatalf("string into ByteArray: %v", err)
	}
	_, v, _ = ba.ToConnect(ctx, "t", nil, []byte{1})
	if !reflect.DeepEqual(v, []byte{1}) {
		t.Fatal(v)
	}
}

func TestDecimalBytes(t *testing.T) {
	for _, r := range []*big.Rat{big.NewRat(0, 1), big.NewRat(12345, 100), big.NewRat(-12345, 100), big.NewRat(-128, 100), big.NewRat(128, 100)} {
		b := unscaledBytes(r, 2)
		if got := ratFromUnscaled(b, 2); got.Cmp(r) != 0 {
			t.Errorf("%v -> %x -> %v", r, b, got)
		}
	}
}
