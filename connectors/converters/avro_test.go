package converters

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

func avroConverter(t *testing.T, url string, extra ...string) *Avro {
	t.Helper()
	props := map[string]string{"schema.registry.url": url}
	for i := 0; i+1 < len(extra); i += 2 {
		props[extra[i]] = extra[i+1]
	}
	return configured(t, &Avro{}, AvroSpec, props).(*Avro)
}

func TestAvroDecodesGovernedSchema(t *testing.T) {
	sr := serdetest.NewServer(t)
	c := avroConverter(t, sr.URL())
	client, err := serde.NewClient(sr.URL())
	if err != nil {
		t.Fatal(err)
	}
	ue, _ := avro.ByName("UserEvent")
	ser, err := serde.NewSerializer(client, serde.WithSchema(ue.Text))
	if err != nil {
		t.Fatal(err)
	}
	price, qty := 19.99, int32(2)
	ev := avro.UserEvent{EventID: "e", EventType: avro.EventAddToCart, UserID: "u", SessionID: "s",
		EventTime: time.UnixMilli(1_700_000_000_000).UTC(), Price: &price, Quantity: &qty, Attributes: map[string]string{}}
	b, err := ser.Serialize(context.Background(), "user-events", &ev)
	if err != nil {
		t.Fatal(err)
	}
	s, v, err := c.ToConnect(context.Background(), "user-events", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("decoded value does not match its schema: %v", err)
	}
	m := v.(map[string]any)
	if m["event_type"] != "ADD_TO_CART" || m["price"] != 19.99 || m["quantity"] != int32(2) || m["item_id"] != nil ||
		!m["event_time"].(time.Time).Equal(ev.EventTime) {
		t.Fatalf("value %#v", m)
	}
	if s.Name != "io.retailpulse.avro.UserEvent" || !s.Field("price").Schema.Optional ||
		s.Field("event_type").Schema.Parameters[enumParam] != "io.retailpulse.avro.EventType" ||
		s.Field("event_time").Schema.Name != connectors.TimestampName {
		t.Fatalf("schema %+v", s)
	}
}

func TestAvroRoundTripRegistersSchema(t *testing.T) {
	sr := serdetest.NewServer(t)
	c := avroConverter(t, sr.URL())
	ctx := context.Background()
	schema := &connectors.Schema{Type: connectors.Struct, Name: "x.Rec", Fields: []connectors.Field{
		{Name: "id", Schema: connectors.Primitive(connectors.Int32)},
		{Name: "small", Schema: connectors.Primitive(connectors.Int16)},
		{Name: "note", Schema: connectors.OptionalOf(connectors.Primitive(connectors.String))},
		{Name: "at", Schema: &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName}},
		{Name: "inner", Schema: connectors.OptionalOf(&connectors.Schema{Type: connectors.Struct, Fields: []connectors.Field{
			{Name: "v", Schema: connectors.Primitive(connectors.Float64)}}})},
		{Name: "list", Schema: &connectors.Schema{Type: connectors.Array, Items: connectors.Primitive(connectors.String)}},
	}}
	in := map[string]any{"id": int32(4), "small": int16(2), "note": "n", "at": time.UnixMilli(99).UTC(),
		"inner": map[string]any{"v": 1.5}, "list": []any{"a"}}
	b, err := c.FromConnect(ctx, "recs", nil, schema, in)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Count(serdetest.RouteRegister) != 1 {
		t.Fatalf("registrations %d", sr.Count(serdetest.RouteRegister))
	}
	if _, err := c.FromConnect(ctx, "recs", nil, schema, in); err != nil || sr.Count(serdetest.RouteRegister) != 1 {
		t.Fatalf("second write re-registered (%d) or failed: %v", sr.Count(serdetest.RouteRegister), err)
	}
	_, v, err := c.ToConnect(ctx, "recs", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["id"] != int32(4) || m["small"] != int32(2) || m["note"] != "n" || m["inner"].(map[string]any)["v"] != 1.5 ||
		!m["at"].(time.Time).Equal(time.UnixMilli(99)) || m["list"].([]any)[0] != "a" {
		t.Fatalf("round trip %#v", m)
	}
	if _, err := c.FromConnect(ctx, "recs", nil, schema, map[string]any{"id": "x"}); !errors.Is(err, connectors.ErrSchemaMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := c.FromConnect(ctx, "recs", nil, nil, map[string]any{"a": 1}); !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("schemaless map: %v", err)
	}
	if _, _, err := c.ToConnect(ctx, "recs", nil, []byte{1, 0, 0, 0, 1, 2}); !errors.Is(err, connectors.ErrConversion) {
		t.Fatalf("bad magic byte: %v", err)
	}
}

func TestAvroRegistryOutageIsRetriable(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	c := avroConverter(t, down.URL)
	_, _, err := c.ToConnect(context.Background(), "t", nil, []byte{0, 0, 0, 0, 7, 2})
	if !errors.Is(err, connectors.ErrRetriable) {
		t.Fatalf("err = %v, want ErrRetriable", err)
	}
	if _, err := AvroSpec.Parse(map[string]string{"schema.registry.url": "not a url"}); err == nil {
		t.Fatal("bad URL accepted")
	}
}
