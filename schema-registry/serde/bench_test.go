package serde

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

// The benchmarks use the product's own UserEvent: 18 fields with ids, an
// enum, a timestamp, optional fields and a map.
var userEventSchema = func() string {
	s, _ := avro.ByName(avro.NameUserEvent)
	return s.Text
}()

func ptr[T any](v T) *T { return &v }

func sampleEvent() avro.UserEvent {
	return avro.UserEvent{
		EventID:     "3f1c9a2e-8d4b-4c1e-9f0a-2b6d7e8f9a01",
		EventType:   "ADD_TO_CART",
		UserID:      "user-000123456",
		SessionID:   "sess-9f8e7d6c5b4a",
		EventTime:   time.UnixMilli(1_767_225_600_123).UTC(),
		Storefront:  ptr("de"),
		ItemID:      ptr("sku-4711-blue-42"),
		Category:    ptr("shoes/running"),
		Brand:       ptr("Acme"),
		Price:       ptr(89.95),
		Quantity:    ptr(int32(1)),
		Currency:    ptr("EUR"),
		PageURL:     ptr("https://shop.example.com/p/sku-4711?color=blue"),
		Referrer:    ptr("https://www.example.org/search?q=running+shoes"),
		UserAgent:   ptr("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"),
		Attributes:  map[string]string{"ab_bucket": "B"},
		OrderID:     nil,
		SearchQuery: nil,
	}
}

func TestClickEventRoundTrip(t *testing.T) {
	_, c := newFake(t)
	ctx := testCtx(t)
	ser := newSerializer(t, c, WithSchema(userEventSchema))
	des := newDeserializer(t, c, WithReaderSchema(userEventSchema))
	in := sampleEvent()
	b, err := ser.Serialize(ctx, "user-events", &in)
	if err != nil {
		t.Fatal(err)
	}
	var out avro.UserEvent
	if err := des.Deserialize(ctx, "user-events", b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func benchSerde(b *testing.B) (*Serializer, *Deserializer, []byte) {
	fake := serdetest.NewServer(b)
	c := newTestClient(b, fake.URL())
	ser, err := NewSerializer(c, WithSchema(userEventSchema))
	if err != nil {
		b.Fatal(err)
	}
	des, err := NewDeserializer(c)
	if err != nil {
		b.Fatal(err)
	}
	ev := sampleEvent()
	payload, err := ser.Serialize(context.Background(), "user-events", &ev)
	if err != nil {
		b.Fatal(err)
	}
	var warm avro.UserEvent
	if err := des.Deserialize(context.Background(), "user-events", payload, &warm); err != nil {
		b.Fatal(err)
	}
	return ser, des, payload
}

func BenchmarkSerialize(b *testing.B) {
	ser, _, payload := benchSerde(b)
	ctx := context.Background()
	ev := sampleEvent()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ser.Serialize(ctx, "user-events", &ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeserialize(b *testing.B) {
	_, des, payload := benchSerde(b)
	ctx := context.Background()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var ev avro.UserEvent
		if err := des.Deserialize(ctx, "user-events", payload, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
