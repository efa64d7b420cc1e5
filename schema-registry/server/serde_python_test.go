package server_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// TestPythonDecodesOurSerde produces a UserEvent with our Go serializer
// through our registry, has python3-confluent-kafka's legacy MessageSerializer
// (a third-party Avro + registry client) decode it, re-encode it with the same
// schema id, and decodes Python's bytes with our deserializer. Both directions
// must give back the same record.
func TestPythonDecodesOurSerde(t *testing.T) {
	requirePython(t)
	h := start(t, setup{})
	ctx := context.Background()
	ue, _ := avro.ByName(avro.NameUserEvent)

	client, err := serde.NewClient(h.url)
	if err != nil {
		t.Fatal(err)
	}
	ser, err := serde.NewSerializer(client, serde.WithSchema(ue.Text))
	if err != nil {
		t.Fatal(err)
	}
	price, qty, item := 19.99, int32(3), "sku-7"
	in := &avro.UserEvent{
		EventID: "0f8fad5b-d9cb-469f-a165-70867728950e", EventType: avro.EventAddToCart,
		UserID: "u-9", SessionID: "s-1", EventTime: time.UnixMilli(1767225600123).UTC(),
		ItemID: &item, Price: &price, Quantity: &qty, Attributes: map[string]string{"ab": "b"},
	}
	payload, err := ser.Serialize(ctx, topics.UserEvents, in)
	if err != nil {
		t.Fatal(err)
	}

	req, _ := json.Marshal(map[string]string{"payload_hex": hex.EncodeToString(payload)})
	cmd := exec.Command(debianPython, "testdata/pyserde.py", h.url)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyserde.py: %v\n%s", err, stderr.String())
	}
	var got struct {
		Decoded   map[string]any `json:"decoded"`
		PythonHex string         `json:"python_hex"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("pyserde.py printed %q: %v", out, err)
	}
	for field, want := range map[string]any{
		"user_id": "u-9", "event_type": "ADD_TO_CART", "item_id": "sku-7", "price": 19.99, "quantity": 3.0,
		"storefront": nil, "attributes": map[string]any{"ab": "b"},
		"event_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
	} {
		if !reflect.DeepEqual(got.Decoded[field], want) {
			t.Errorf("python decoded %s = %#v, want %#v", field, got.Decoded[field], want)
		}
	}

	pyBytes, err := hex.DecodeString(got.PythonHex)
	if err != nil {
		t.Fatal(err)
	}
	deser, err := serde.NewDeserializer(client)
	if err != nil {
		t.Fatal(err)
	}
	var back avro.UserEvent
	if err := deser.Deserialize(ctx, topics.UserEvents, pyBytes, &back); err != nil {
		t.Fatalf("decoding python's bytes: %v", err)
	}
	if !reflect.DeepEqual(&back, in) {
		t.Errorf("round trip through python changed the record:\n got %+v\nwant %+v", back, *in)
	}
}
