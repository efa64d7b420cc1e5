package confluentcompat

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	csd "github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

const topic = "orders"

// orderV1 covers the types producers here use: strings, an enum, a
// timestamp, an optional union, a double, an array and a map.
const orderV1 = `{
  "type": "record", "name": "Order", "namespace": "io.retailpulse.compat",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]}},
    {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "coupon", "type": ["null", "string"], "default": null},
    {"name": "total", "type": "double"},
    {"name": "quantity", "type": "int"},
    {"name": "items", "type": {"type": "array", "items": "string"}},
    {"name": "tags", "type": {"type": "map", "values": "string"}}
  ]
}`

// orderV2 adds a field with a default.
const orderV2 = `{
  "type": "record", "name": "Order", "namespace": "io.retailpulse.compat",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]}},
    {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "coupon", "type": ["null", "string"], "default": null},
    {"name": "total", "type": "double"},
    {"name": "quantity", "type": "int"},
    {"name": "items", "type": {"type": "array", "items": "string"}},
    {"name": "tags", "type": {"type": "map", "values": "string"}},
    {"name": "channel", "type": "string", "default": "web"}
  ]
}`

type order struct {
	ID       string            `avro:"id"`
	Status   string            `avro:"status"`
	PlacedAt time.Time         `avro:"placed_at"`
	Coupon   *string           `avro:"coupon"`
	Total    float64           `avro:"total"`
	Quantity int32             `avro:"quantity"`
	Items    []string          `avro:"items"`
	Tags     map[string]string `avro:"tags"`
}

type orderV2Rec struct {
	order
	Channel string `avro:"channel"`
}

func sample() order {
	coupon := "WELCOME10"
	return order{
		ID: "o-42", Status: "PAID", PlacedAt: time.UnixMilli(1_767_225_600_123).UTC(), Coupon: &coupon,
		Total: 99.5, Quantity: 3, Items: []string{"sku-1", "sku-2"}, Tags: map[string]string{"src": "app"},
	}
}

type env struct {
	fake   *serdetest.Server
	ours   *serde.Client
	theirs schemaregistry.Client
}

func setup(t *testing.T) env {
	t.Helper()
	fake := serdetest.NewServer(t)
	ours, err := serde.NewClient(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := schemaregistry.NewClient(schemaregistry.NewConfig(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = theirs.Close() })
	return env{fake: fake, ours: ours, theirs: theirs}
}

func (e env) confluentSerializer(t *testing.T) *avrov2.Serializer {
	t.Helper()
	conf := avrov2.NewSerializerConfig()
	conf.AutoRegisterSchemas = false
	conf.UseLatestVersion = true
	s, err := avrov2.NewSerializer(e.theirs, csd.ValueSerde, conf)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e env) confluentDeserializer(t *testing.T, useLatest bool) *avrov2.Deserializer {
	t.Helper()
	conf := avrov2.NewDeserializerConfig()
	conf.UseLatestVersion = useLatest
	d, err := avrov2.NewDeserializer(e.theirs, csd.ValueSerde, conf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConfluentBytesDecodeWithOurs(t *testing.T) {
	e := setup(t)
	id := e.fake.Register(t, topic+"-value", orderV1)
	in := sample()
	b, err := e.confluentSerializer(t).Serialize(topic, &in)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := serde.ParseHeader(b); err != nil || got != id {
		t.Fatalf("confluent header: id %d, err %v; want %d", got, err, id)
	}
	des, err := serde.NewDeserializer(e.ours)
	if err != nil {
		t.Fatal(err)
	}
	var out order
	if err := des.Deserialize(context.Background(), topic, b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("confluent → ours:\n got %+v\nwant %+v", out, in)
	}
}

func TestOurBytesDecodeWithConfluent(t *testing.T) {
	e := setup(t)
	ser, err := serde.NewSerializer(e.ours, serde.WithSchema(orderV1))
	if err != nil {
		t.Fatal(err)
	}
	in := sample()
	b, err := ser.Serialize(context.Background(), topic, &in)
	if err != nil {
		t.Fatal(err)
	}
	var out order
	if err := e.confluentDeserializer(t, false).DeserializeInto(topic, b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("ours → confluent:\n got %+v\nwant %+v", out, in)
	}
}

// With the same hamba settings, both sides must write identical bytes; with
// ours defaults (Java-style blocks) only array and map framing may differ.
func TestSameBytesUnderSameEncoding(t *testing.T) {
	e := setup(t)
	e.fake.Register(t, topic+"-value", orderV1)
	in := sample()
	theirs, err := e.confluentSerializer(t).Serialize(topic, &in)
	if err != nil {
		t.Fatal(err)
	}
	ser, err := serde.NewSerializer(e.ours, serde.WithSchema(orderV1), serde.WithSerializerAPI(hamba.Config{}.Freeze()))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := ser.Serialize(context.Background(), topic, &in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, theirs) {
		t.Fatalf("same schema, value and hamba config, different bytes:\n ours   % x\n theirs % x", ours, theirs)
	}
}

// Schema evolution across implementations: our v1 producer, Confluent's
// consumer resolving into the latest (v2) schema; and Confluent's v2
// producer read by our consumer with a v1 reader schema.
func TestEvolutionAcrossImplementations(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	oldProducer, err := serde.NewSerializer(e.ours, serde.WithSchema(orderV1))
	if err != nil {
		t.Fatal(err)
	}
	in := sample()
	v1Bytes, err := oldProducer.Serialize(ctx, topic, &in)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Register(t, topic+"-value", orderV2)
	var got orderV2Rec
	if err := e.confluentDeserializer(t, true).DeserializeInto(topic, v1Bytes, &got); err != nil {
		t.Fatal(err)
	}
	if want := (orderV2Rec{order: in, Channel: "web"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("our v1 bytes read by confluent as v2:\n got %+v\nwant %+v", got, want)
	}

	v2 := orderV2Rec{order: sample(), Channel: "store"}
	v2Bytes, err := e.confluentSerializer(t).Serialize(topic, &v2)
	if err != nil {
		t.Fatal(err)
	}
	oldConsumer, err := serde.NewDeserializer(e.ours, serde.WithReaderSchema(orderV1))
	if err != nil {
		t.Fatal(err)
	}
	var old order
	if err := oldConsumer.Deserialize(ctx, topic, v2Bytes, &old); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(old, v2.order) {
		t.Fatalf("confluent v2 bytes read by us as v1:\n got %+v\nwant %+v", old, v2.order)
	}
}

type derived struct {
	ID    string            `avro:"id"`
	Total float64           `avro:"total"`
	Items []string          `avro:"items"`
	Tags  map[string]string `avro:"tags"`
	Note  *string           `avro:"note"`
}

// Confluent's default path derives the schema from the Go type and
// auto-registers it; our consumer must read whatever text it registered.
func TestConfluentAutoRegisteredSchema(t *testing.T) {
	e := setup(t)
	s, err := avrov2.NewSerializer(e.theirs, csd.ValueSerde, avrov2.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	note := "gift"
	in := derived{ID: "d-1", Total: 1.25, Items: []string{"x"}, Tags: map[string]string{"k": "v"}, Note: &note}
	b, err := s.Serialize(topic, &in)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(serdetest.RouteRegister); n != 1 {
		t.Fatalf("confluent auto-register made %d registrations, want 1", n)
	}
	des, err := serde.NewDeserializer(e.ours)
	if err != nil {
		t.Fatal(err)
	}
	var out derived
	if err := des.Deserialize(context.Background(), topic, b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("got %+v, want %+v", out, in)
	}
	generic, err := des.DecodeGeneric(context.Background(), topic, b)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := generic.(map[string]any); !ok || m["id"] != "d-1" || m["total"] != 1.25 {
		t.Fatalf("DecodeGeneric = %#v", generic)
	}
}
