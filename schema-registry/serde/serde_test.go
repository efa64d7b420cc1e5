package serde

import (
	"bytes"
	"context"
	"reflect"
	"strconv"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

func newSerializer(t *testing.T, reg Registry, opts ...SerializerOption) *Serializer {
	t.Helper()
	s, err := NewSerializer(reg, opts...)
	if err != nil {
		t.Fatalf("NewSerializer: %v", err)
	}
	return s
}

func newDeserializer(t *testing.T, reg Registry, opts ...DeserializerOption) *Deserializer {
	t.Helper()
	d, err := NewDeserializer(reg, opts...)
	if err != nil {
		t.Fatalf("NewDeserializer: %v", err)
	}
	return d
}

func TestSerializeRoundTripRegistersOnce(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	ser := newSerializer(t, c, WithSchema(orderV1))
	des := newDeserializer(t, c)
	in := orderV1Rec{ID: "o-1", Amount: 12.5, Items: []string{"a", "b"}}
	var payload []byte
	for range 5 {
		var err error
		if payload, err = ser.Serialize(ctx, "orders", &in); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Count(serdetest.RouteRegister); n != 1 {
		t.Fatalf("5 records registered the schema %d times, want 1", n)
	}
	id, _, err := ParseHeader(payload)
	if err != nil {
		t.Fatal(err)
	}
	if want, err := c.Lookup(ctx, "orders-value", orderV1); err != nil || id != want {
		t.Fatalf("header id %d, subject orders-value holds %d (%v)", id, want, err)
	}
	var out orderV1Rec
	if err := des.Deserialize(ctx, "orders", payload, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: got %+v, want %+v", out, in)
	}
	// A fresh client must fetch the writer schema by id, exactly once.
	fresh := newDeserializer(t, newTestClient(t, fake.URL()))
	fake.ResetCounts()
	for range 3 {
		if err := fresh.Deserialize(ctx, "orders", payload, &out); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Count(serdetest.RouteSchemaByID); n != 1 {
		t.Fatalf("3 records fetched the writer schema %d times, want 1", n)
	}
}

func TestSerializerSubjects(t *testing.T) {
	_, c := newFake(t)
	ctx := testCtx(t)
	key := newSerializer(t, c, WithSchema(`"string"`), WithKeySubject())
	if _, err := key.Serialize(ctx, "orders", "o-1"); err != nil {
		t.Fatal(err)
	}
	custom := newSerializer(t, c, WithSchema(orderV1), WithSubjectNameStrategy(func(topic string, isKey bool) (string, error) {
		return "io.retailpulse.test.Order", nil
	}))
	if _, err := custom.Serialize(ctx, "orders", orderV1Rec{Items: []string{}}); err != nil {
		t.Fatal(err)
	}
	for _, subject := range []string{"orders-key", "io.retailpulse.test.Order"} {
		if _, _, err := c.Latest(ctx, subject); err != nil {
			t.Fatalf("subject %q was not registered: %v", subject, err)
		}
	}
	if _, _, err := c.Latest(ctx, "orders-value"); err == nil {
		t.Fatal("key serializer registered under the value subject")
	}
}

func TestSerializerWithoutAutoRegister(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	ser := newSerializer(t, c, WithSchema(orderV1), WithAutoRegister(false))
	_, err := ser.Serialize(ctx, "orders", &orderV1Rec{})
	wantErr(t, err, ErrSubjectNotFound, `topic "orders"`, `subject "orders-value"`)
	if fake.Count(serdetest.RouteRegister) != 0 {
		t.Fatal("auto-register off still registered")
	}
	id := fake.Register(t, "orders-value", orderV1)
	b, err := ser.Serialize(ctx, "orders", &orderV1Rec{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := ParseHeader(b); got != id {
		t.Fatalf("header id %d, want looked-up %d", got, id)
	}
}

func TestSerializerUseLatest(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	fake.Register(t, "orders-value", orderV1)
	v2 := fake.Register(t, "orders-value", orderV2)
	ser := newSerializer(t, c, WithUseLatest())
	b, err := ser.Serialize(ctx, "orders", &orderV2Rec{ID: "x", Currency: "USD", Items: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := ParseHeader(b); got != v2 {
		t.Fatalf("header id %d, want latest %d", got, v2)
	}
	if fake.Count(serdetest.RouteRegister) != 0 {
		t.Fatal("use-latest registered a schema")
	}
	_, err = ser.Serialize(ctx, "payments", &orderV2Rec{})
	wantErr(t, err, ErrSubjectNotFound, `topic "payments"`)
}

func TestSchemaEvolution(t *testing.T) {
	_, c := newFake(t)
	ctx := testCtx(t)
	oldProducer := newSerializer(t, c, WithSchema(orderV1))
	newProducer := newSerializer(t, c, WithSchema(orderV2))
	newConsumer := newDeserializer(t, c, WithReaderSchema(orderV2))
	oldConsumer := newDeserializer(t, c, WithReaderSchema(orderV1))

	oldBytes, err := oldProducer.Serialize(ctx, "orders", &orderV1Rec{ID: "old", Amount: 1, Items: []string{"i"}})
	if err != nil {
		t.Fatal(err)
	}
	newBytes, err := newProducer.Serialize(ctx, "orders", &orderV2Rec{ID: "new", Amount: 2, Items: []string{}, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	var got orderV2Rec
	if err := newConsumer.Deserialize(ctx, "orders", oldBytes, &got); err != nil {
		t.Fatal(err)
	}
	if want := (orderV2Rec{ID: "old", Amount: 1, Items: []string{"i"}, Currency: "EUR"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("v1 data read as v2: got %+v, want %+v (default filled in)", got, want)
	}
	var old orderV1Rec
	if err := oldConsumer.Deserialize(ctx, "orders", newBytes, &old); err != nil {
		t.Fatal(err)
	}
	if want := (orderV1Rec{ID: "new", Amount: 2, Items: []string{}}); !reflect.DeepEqual(old, want) {
		t.Fatalf("v2 data read as v1: got %+v, want %+v", old, want)
	}
	generic, err := newConsumer.DecodeGeneric(ctx, "orders", oldBytes)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := generic.(map[string]any); !ok || m["currency"] != "EUR" || m["id"] != "old" {
		t.Fatalf("DecodeGeneric = %#v", generic)
	}

	incompatible := newDeserializer(t, c, WithReaderSchema(orderV3))
	id, _, _ := ParseHeader(oldBytes)
	err = incompatible.Deserialize(ctx, "orders", oldBytes, &map[string]any{})
	wantErr(t, err, ErrIncompatibleSchema, `topic "orders"`, "schema id "+strconv.Itoa(id), "io.retailpulse.test.Order")
}

func TestDeserializeBadPayloads(t *testing.T) {
	fake, c := newFake(t)
	ctx := testCtx(t)
	ser := newSerializer(t, c, WithSchema(orderV1))
	des := newDeserializer(t, c)
	good, err := ser.Serialize(ctx, "orders", &orderV1Rec{ID: "abc", Items: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(fake.Register(t, "orders-value", orderV1))
	tests := []struct {
		name  string
		data  []byte
		want  error
		frags []string
	}{
		{"tombstone", nil, ErrTombstone, []string{`topic "orders"`}},
		{"empty", []byte{}, ErrShortHeader, []string{`topic "orders"`}},
		{"plain json", []byte(`{"id":"abc"}`), ErrUnknownMagicByte, []string{"0x7b"}},
		{"unknown id", append(AppendHeader(nil, 4242), good[HeaderLen:]...), ErrSchemaNotFound, []string{`topic "orders"`, "schema id 4242"}},
		{"truncated", good[:len(good)-3], ErrTruncated, []string{"schema id " + id}},
		{"trailing", append(append([]byte{}, good...), 0, 0), ErrTrailingBytes, []string{"schema id " + id}},
		{"negative string length", append(AppendHeader(nil, 1), 0x01), ErrDecoding, []string{"schema id 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out orderV1Rec
			wantErr(t, des.Deserialize(ctx, "orders", tt.data, &out), tt.want, tt.frags...)
			_, err := des.DecodeGeneric(ctx, "orders", tt.data)
			wantErr(t, err, tt.want, tt.frags...)
		})
	}
	var nilTarget *orderV1Rec
	wantErr(t, des.Deserialize(ctx, "orders", good, nilTarget), nil, "non-nil pointer")
}

func TestSerializeErrors(t *testing.T) {
	_, c := newFake(t)
	ctx := testCtx(t)
	ser := newSerializer(t, c, WithSchema(orderV1))
	b, err := ser.Serialize(ctx, "orders", nil)
	if b != nil || err != nil {
		t.Fatalf("nil value = % x, %v; want a nil tombstone", b, err)
	}
	if b, err := ser.Serialize(ctx, "orders", (*orderV1Rec)(nil)); b != nil || err != nil {
		t.Fatalf("nil pointer = % x, %v; want a nil tombstone", b, err)
	}
	_, err = ser.Serialize(ctx, "orders", map[string]any{"id": 7})
	wantErr(t, err, ErrEncoding, `topic "orders"`, "schema id 1")
	_, err = ser.Serialize(ctx, "", &orderV1Rec{})
	wantErr(t, err, ErrEmptySubject, `topic ""`)
}

func TestSerdeConstructorValidation(t *testing.T) {
	_, c := newFake(t)
	for name, opts := range map[string][]SerializerOption{
		"neither":             nil,
		"both":                {WithSchema(orderV1), WithUseLatest()},
		"latest+autoregister": {WithUseLatest(), WithAutoRegister(true)},
		"bad schema":          {WithSchema(`{"type":"nosuch"}`)},
		"nil strategy":        {WithSchema(orderV1), WithSubjectNameStrategy(nil)},
	} {
		if _, err := NewSerializer(c, opts...); err == nil {
			t.Errorf("%s: NewSerializer accepted it", name)
		} else {
			wantErr(t, err, ErrInvalidOption, "creating serializer")
		}
	}
	if _, err := NewSerializer(nil, WithUseLatest()); err == nil {
		t.Error("nil registry accepted")
	}
	_, err := NewDeserializer(c, WithReaderSchema(`{"type":"record"}`))
	wantErr(t, err, ErrInvalidOption, "reader schema")
	_, err = NewDeserializer(nil)
	wantErr(t, err, ErrInvalidOption, "registry is nil")
}

// stubRegistry proves the serde works against any Registry, not just Client.
type stubRegistry struct{ Registry }

func (stubRegistry) Latest(context.Context, string) (int, hamba.Schema, error) {
	return -3, nil, nil
}

func TestSerializerRejectsBadIDFromRegistry(t *testing.T) {
	ser := newSerializer(t, stubRegistry{}, WithUseLatest())
	_, err := ser.Serialize(testCtx(t), "orders", &orderV1Rec{})
	wantErr(t, err, ErrInvalidSchemaID, "id -3")
}

// The exact bytes Confluent's Java serializer writes for this record:
// header, "" (len 0), 0.0 as 8 little-endian bytes, then the array as one
// block with a plain count of 1, the item "a", and the 0 terminator.
func TestSerializeExactJavaBytes(t *testing.T) {
	_, c := newFake(t)
	ser := newSerializer(t, c, WithSchema(orderV1))
	got, err := ser.Serialize(testCtx(t), "orders", orderV1Rec{Items: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 0, 1, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x02, 'a', 0x00}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
}
