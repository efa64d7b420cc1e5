package serde

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

// clickSchema is a realistic 18-field clickstream record, shaped like the
// product's events: ids, an enum, a timestamp, optional fields, a map.
const clickSchema = `{
  "type": "record", "name": "ClickEvent", "namespace": "io.retailpulse.bench",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "event_type", "type": {"type": "enum", "name": "ClickType",
      "symbols": ["PAGE_VIEW", "PRODUCT_VIEW", "ADD_TO_CART", "PURCHASE", "SEARCH"]}},
    {"name": "user_id", "type": "string"},
    {"name": "session_id", "type": "string"},
    {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "storefront", "type": ["null", "string"], "default": null},
    {"name": "item_id", "type": ["null", "string"], "default": null},
    {"name": "category", "type": ["null", "string"], "default": null},
    {"name": "brand", "type": ["null", "string"], "default": null},
    {"name": "price", "type": ["null", "double"], "default": null},
    {"name": "quantity", "type": ["null", "int"], "default": null},
    {"name": "currency", "type": ["null", "string"], "default": null},
    {"name": "order_id", "type": ["null", "string"], "default": null},
    {"name": "search_query", "type": ["null", "string"], "default": null},
    {"name": "page_url", "type": ["null", "string"], "default": null},
    {"name": "referrer", "type": ["null", "string"], "default": null},
    {"name": "user_agent", "type": ["null", "string"], "default": null},
    {"name": "attributes", "type": {"type": "map", "values": "string"}, "default": {}}
  ]
}`

type clickEvent struct {
	EventID     string            `avro:"event_id"`
	EventType   string            `avro:"event_type"`
	UserID      string            `avro:"user_id"`
	SessionID   string            `avro:"session_id"`
	EventTime   time.Time         `avro:"event_time"`
	Storefront  *string           `avro:"storefront"`
	ItemID      *string           `avro:"item_id"`
	Category    *string           `avro:"category"`
	Brand       *string           `avro:"brand"`
	Price       *float64          `avro:"price"`
	Quantity    *int32            `avro:"quantity"`
	Currency    *string           `avro:"currency"`
	OrderID     *string           `avro:"order_id"`
	SearchQuery *string           `avro:"search_query"`
	PageURL     *string           `avro:"page_url"`
	Referrer    *string           `avro:"referrer"`
	UserAgent   *string           `avro:"user_agent"`
	Attributes  map[string]string `avro:"attributes"`
}

func ptr[T any](v T) *T { return &v }

func sampleClick() clickEvent {
	return clickEvent{
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
	ser := newSerializer(t, c, WithSchema(clickSchema))
	des := newDeserializer(t, c, WithReaderSchema(clickSchema))
	in := sampleClick()
	b, err := ser.Serialize(ctx, "user-events", &in)
	if err != nil {
		t.Fatal(err)
	}
	var out clickEvent
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
	ser, err := NewSerializer(c, WithSchema(clickSchema))
	if err != nil {
		b.Fatal(err)
	}
	des, err := NewDeserializer(c)
	if err != nil {
		b.Fatal(err)
	}
	ev := sampleClick()
	payload, err := ser.Serialize(context.Background(), "user-events", &ev)
	if err != nil {
		b.Fatal(err)
	}
	var warm clickEvent
	if err := des.Deserialize(context.Background(), "user-events", payload, &warm); err != nil {
		b.Fatal(err)
	}
	return ser, des, payload
}

func BenchmarkSerialize(b *testing.B) {
	ser, _, payload := benchSerde(b)
	ctx := context.Background()
	ev := sampleClick()
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
		var ev clickEvent
		if err := des.Deserialize(ctx, "user-events", payload, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
