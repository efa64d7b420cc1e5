package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

func generator(name, topic string, extra ...string) map[string]any {
	cfg := map[string]string{"connector.class": "GeneratorSource", "topic": topic, "poll.interval.ms": "5",
		"batch.size": "10", "max.messages": "50"}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	return map[string]any{"name": name, "config": cfg}
}

// seqs returns how often each (task, seq) appears among JSON values.
func seqs(t *testing.T, msgs []*kafka.Message) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range msgs {
		var v struct {
			Task int   `json:"task"`
			Seq  int64 `json:"seq"`
		}
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatalf("value %s: %v", m.Value, err)
		}
		out[fmt.Sprintf("%d-%d", v.Task, v.Seq)]++
	}
	return out
}

// TestSourceOffsets: a source writes its position to connect-offsets in
// Kafka's key format, the offsets API shows and changes it, and a task
// resumes from it.
func TestSourceOffsets(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "gen")
	w := startWorker(t, b)
	base := w.URL()
	expectStatus(t, call(t, "POST", base+"/connectors", generator("gen", "gen", "tasks.max", "2")), 201)
	waitState(t, base, "gen", "RUNNING", 2)
	var msgs []*kafka.Message
	eventually(t, opTimeout, "100 records", func() error {
		msgs = readTopic(t, b, "gen")
		if len(msgs) < 100 {
			return fmt.Errorf("%d records", len(msgs))
		}
		return nil
	})
	counts := seqs(t, msgs)
	for task := 0; task < 2; task++ {
		for s := 0; s < 50; s++ {
			if counts[fmt.Sprintf("%d-%d", task, s)] != 1 {
				t.Fatalf("task %d seq %d appears %d times", task, s, counts[fmt.Sprintf("%d-%d", task, s)])
			}
		}
	}
	eventually(t, opTimeout, "offsets", func() error {
		r := call(t, "GET", base+"/connectors/gen/offsets", nil)
		want := `{"offsets":[{"partition":{"task":0},"offset":{"seq":49}},{"partition":{"task":1},"offset":{"seq":49}}]}`
		if strings.TrimSpace(string(r.body)) != want {
			return fmt.Errorf("offsets %s", r.body)
		}
		return nil
	})
	// The stored record uses Kafka's key format.
	found := false
	for _, m := range readTopic(t, b, "connect-offsets") {
		if string(m.Key) == `["gen",{"task":0}]` && string(m.Value) == `{"seq":49}` {
			found = true
		}
	}
	if !found {
		t.Fatalf("connect-offsets lacks [\"gen\",{\"task\":0}] -> {\"seq\":49}")
	}

	// Rewind task 0 by ten while stopped: it produces seq 40..49 again.
	expectStatus(t, call(t, "PUT", base+"/connectors/gen/stop", nil), 204)
	waitState(t, base, "gen", "STOPPED", 0)
	r := call(t, "PATCH", base+"/connectors/gen/offsets", `{"offsets":[{"partition":{"task":0},"offset":{"seq":39}}]}`)
	expectStatus(t, r, 200)
	expectStatus(t, call(t, "PUT", base+"/connectors/gen/resume", nil), 202)
	eventually(t, opTimeout, "110 records", func() error {
		msgs = readTopic(t, b, "gen")
		if len(msgs) < 110 {
			return fmt.Errorf("%d records", len(msgs))
		}
		return nil
	})
	time.Sleep(200 * time.Millisecond)
	counts = seqs(t, readTopic(t, b, "gen"))
	if counts["0-45"] != 2 || counts["0-39"] != 1 || counts["1-45"] != 1 || len(readTopic(t, b, "gen")) != 110 {
		t.Fatalf("after rewind: 0-45 x%d, 0-39 x%d, 1-45 x%d", counts["0-45"], counts["0-39"], counts["1-45"])
	}
	// Reset removes the stored offsets.
	expectStatus(t, call(t, "PUT", base+"/connectors/gen/stop", nil), 204)
	expectStatus(t, call(t, "DELETE", base+"/connectors/gen/offsets", nil), 200)
	r = call(t, "GET", base+"/connectors/gen/offsets", nil)
	if strings.TrimSpace(string(r.body)) != `{"offsets":[]}` {
		t.Fatalf("after reset %s", r.body)
	}
}

// TestAvroConverters runs Avro end to end through a schema registry: the
// generator writes Confluent-framed Avro it registers itself, a producer
// writes governed UserEvents, and the file sink decodes both.
func TestAvroConverters(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "gen-avro", "user-events")
	sr := serdetest.NewServer(t)
	w := startWorker(t, b)
	base := w.URL()
	expectStatus(t, call(t, "POST", base+"/connectors", generator("gen-avro", "gen-avro", "max.messages", "5", "batch.size", "5",
		"value.converter", "io.confluent.connect.avro.AvroConverter", "value.converter.schema.registry.url", sr.URL())), 201)
	genOut := tempFile(t, "gen.jsonl")
	expectStatus(t, call(t, "POST", base+"/connectors", fileSink("avro-sink", "gen-avro,user-events", genOut,
		"value.converter", "io.confluent.connect.avro.AvroConverter", "value.converter.schema.registry.url", sr.URL())), 201)

	client, err := serde.NewClient(sr.URL())
	if err != nil {
		t.Fatal(err)
	}
	ue, _ := avro.ByName("UserEvent")
	ser, err := serde.NewSerializer(client, serde.WithSchema(ue.Text))
	if err != nil {
		t.Fatal(err)
	}
	item := "sku-1"
	ev := avro.UserEvent{EventID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", EventType: avro.EventAddToCart, UserID: "u1",
		SessionID: "s1", EventTime: time.UnixMilli(1_700_000_000_123).UTC(), ItemID: &item, Attributes: map[string]string{"ab": "b"}}
	payload, err := ser.Serialize(context.Background(), "user-events", &ev)
	if err != nil {
		t.Fatal(err)
	}
	produceTo(t, b.Addr(), "user-events", "u1", string(payload))

	var lines []fileLine
	eventually(t, opTimeout, "6 decoded lines", func() error {
		lines = readLines(t, genOut)
		if len(lines) < 6 {
			return fmt.Errorf("%d lines", len(lines))
		}
		return nil
	})
	var gen, user int
	for _, l := range lines {
		v, ok := l.Value.(map[string]any)
		if !ok {
			t.Fatalf("value not decoded: %v", l.Value)
		}
		switch l.Topic {
		case "gen-avro":
			gen++
			if v["payload"] != strings.Repeat("x", 16) || v["task"] != float64(0) {
				t.Fatalf("generator value %v", v)
			}
		case "user-events":
			user++
			if v["user_id"] != "u1" || v["event_type"] != "ADD_TO_CART" || v["event_time"] != float64(1_700_000_000_123) ||
				v["item_id"] != "sku-1" || v["price"] != nil || v["attributes"].(map[string]any)["ab"] != "b" {
				t.Fatalf("user event %v", v)
			}
		}
	}
	if gen != 5 || user != 1 {
		t.Fatalf("%d generator and %d user-event lines", gen, user)
	}
	if sr.Count(serdetest.RouteRegister) == 0 {
		t.Fatalf("the generator's schema was never registered")
	}
}
