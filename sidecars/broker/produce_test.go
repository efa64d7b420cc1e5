package broker_test

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// The product's producer config (idempotent, acks=all, lz4, linger) must get
// every record acknowledged exactly once, and a consumer must read them back
// per partition in produce order with key, value and headers intact.
func TestIdempotentProduceRoundTrip(t *testing.T) {
	const (
		topic      = "user-events"
		partitions = 3
		n          = 3000
		users      = 40
	)
	b := startBroker(t)
	createTopic(t, newAdmin(t, b), topic, partitions, nil)
	kc := clientConfig(b)
	cfg := kc.Producer("test")
	if v, _ := cfg.Get("enable.idempotence", false); v != true {
		t.Fatalf("kclient producer config has enable.idempotence=%v", v)
	}
	p := newProducer(t, cfg)

	tp := topic
	msgs := make([]*kafka.Message, n)
	for i := range msgs {
		msgs[i] = &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &tp, Partition: kafka.PartitionAny},
			Key:            []byte(fmt.Sprintf("user-%d", i%users)),
			Value:          []byte(fmt.Sprintf(`{"seq":%d}`, i)),
			Headers: []kafka.Header{
				{Key: "seq", Value: []byte(strconv.Itoa(i))},
				{Key: "source", Value: []byte("test")},
				{Key: "empty", Value: nil},
			},
		}
	}
	reports := produceAll(t, p, msgs)

	// Delivery reports: offsets per partition are exactly 0..k-1 (no
	// duplicates, no gaps) and each key maps to one partition.
	byPart := map[int32][]int{} // partition -> input indexes in offset order
	keyPart := map[string]int32{}
	for i, r := range reports {
		if prev, ok := keyPart[string(msgs[i].Key)]; ok && prev != r.Partition {
			t.Fatalf("key %s went to partitions %d and %d", msgs[i].Key, prev, r.Partition)
		}
		keyPart[string(msgs[i].Key)] = r.Partition
		if want := kafka.Offset(len(byPart[r.Partition])); r.Offset != want {
			t.Fatalf("record %d acknowledged at %s, want offset %d (produce order)", i, r, want)
		}
		byPart[r.Partition] = append(byPart[r.Partition], i)
	}
	if len(byPart) != partitions {
		t.Fatalf("records landed on %d partitions, want %d", len(byPart), partitions)
	}

	c := newConsumer(t, kc.Consumer("test", "round-trip"))
	assign := make([]kafka.TopicPartition, partitions)
	for i := range assign {
		assign[i] = kafka.TopicPartition{Topic: &tp, Partition: int32(i), Offset: kafka.OffsetBeginning}
	}
	if err := c.Assign(assign); err != nil {
		t.Fatal(err)
	}
	next := map[int32]int{}
	for _, m := range consumeN(t, c, n) {
		part := m.TopicPartition.Partition
		idx := next[part]
		next[part]++
		if idx >= len(byPart[part]) {
			t.Fatalf("partition %d: more records than produced", part)
		}
		want := msgs[byPart[part][idx]]
		if int(m.TopicPartition.Offset) != idx {
			t.Fatalf("partition %d: record %d has offset %d", part, idx, m.TopicPartition.Offset)
		}
		if !bytes.Equal(m.Key, want.Key) || !bytes.Equal(m.Value, want.Value) {
			t.Fatalf("partition %d offset %d: got %s=%s, want %s=%s", part, idx, m.Key, m.Value, want.Key, want.Value)
		}
		if len(m.Headers) != len(want.Headers) {
			t.Fatalf("partition %d offset %d: headers %v, want %v", part, idx, m.Headers, want.Headers)
		}
		for h := range want.Headers {
			if m.Headers[h].Key != want.Headers[h].Key || !bytes.Equal(m.Headers[h].Value, want.Headers[h].Value) {
				t.Fatalf("partition %d offset %d: header %d = %v, want %v", part, idx, h, m.Headers[h], want.Headers[h])
			}
		}
	}
	for part, idxs := range byPart {
		if next[part] != len(idxs) {
			t.Errorf("partition %d: consumed %d of %d records", part, next[part], len(idxs))
		}
	}
}

// A second consumer of a group starts where the first one committed, per
// partition, for both commit styles the product uses (StoreOffsets + Commit,
// and explicit CommitOffsets).
func TestGroupResumesAtCommittedOffsets(t *testing.T) {
	const (
		topic = "orders"
		group = "resume"
		per   = 10
	)
	b := startBroker(t)
	admin := newAdmin(t, b)
	createTopic(t, admin, topic, 2, nil)
	kc := clientConfig(b)
	var msgs []*kafka.Message
	for p := int32(0); p < 2; p++ {
		for i := 0; i < per; i++ {
			msgs = append(msgs, keyed(topic, p, fmt.Sprintf("k%d", i), fmt.Sprintf("p%d-%d", p, i)))
		}
	}
	produceAll(t, newProducer(t, kc.Producer("test")), msgs)

	// First member: read everything, store offsets of a prefix, commit.
	first := newConsumer(t, kc.Consumer("first", group))
	if err := first.Subscribe(topic, nil); err != nil {
		t.Fatal(err)
	}
	processed := map[int32]int{0: 4, 1: 7}
	for _, m := range consumeN(t, first, 2*per) {
		if int(m.TopicPartition.Offset) < processed[m.TopicPartition.Partition] {
			if _, err := first.StoreMessage(m); err != nil {
				t.Fatalf("storing offset of %v: %v", m.TopicPartition, err)
			}
		}
	}
	if _, err := first.Commit(); err != nil {
		t.Fatalf("committing stored offsets: %v", err)
	}
	if got := committed(t, admin, group, topic, 2); got[0] != 4 || got[1] != 7 {
		t.Fatalf("committed offsets = %v, want map[0:4 1:7]", got)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("closing first member: %v", err)
	}

	// Second member: must see exactly the unprocessed suffix.
	second := newConsumer(t, kc.Consumer("second", group))
	if err := second.Subscribe(topic, nil); err != nil {
		t.Fatal(err)
	}
	want := 2*per - processed[0] - processed[1]
	seen := map[int32][]int64{}
	for _, m := range consumeN(t, second, want) {
		seen[m.TopicPartition.Partition] = append(seen[m.TopicPartition.Partition], int64(m.TopicPartition.Offset))
	}
	for p := int32(0); p < 2; p++ {
		if len(seen[p]) != per-processed[p] || seen[p][0] != int64(processed[p]) {
			t.Errorf("partition %d: second member read offsets %v, want %d..%d", p, seen[p], processed[p], per-1)
		}
	}

	tp := topic
	if _, err := second.CommitOffsets([]kafka.TopicPartition{
		{Topic: &tp, Partition: 0, Offset: per},
		{Topic: &tp, Partition: 1, Offset: per},
	}); err != nil {
		t.Fatalf("committing explicit offsets: %v", err)
	}
	if got := committed(t, admin, group, topic, 2); got[0] != per || got[1] != per {
		t.Fatalf("committed offsets after CommitOffsets = %v, want %d on both", got, per)
	}
	// The consumer's own view agrees with the admin's.
	own, err := second.Committed([]kafka.TopicPartition{{Topic: &tp, Partition: 0}, {Topic: &tp, Partition: 1}},
		int(opTimeout.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range own {
		if o.Offset != per {
			t.Errorf("Committed() on %v, want %d", o, per)
		}
	}
}

// A consumer that assigns partitions itself under a group that has never
// committed starts at auto.offset.reset (earliest in kclient), as on Kafka.
func TestAssignWithoutCommitsStartsAtReset(t *testing.T) {
	const topic = "catalog"
	b := startBroker(t)
	createTopic(t, newAdmin(t, b), topic, 1, nil)
	kc := clientConfig(b)
	produceAll(t, newProducer(t, kc.Producer("test")), []*kafka.Message{
		keyed(topic, 0, "a", "first"), keyed(topic, 0, "b", "second"),
	})
	c := newConsumer(t, kc.Consumer("test", "never-committed"))
	tp := topic
	if err := c.Assign([]kafka.TopicPartition{{Topic: &tp, Partition: 0, Offset: kafka.OffsetStored}}); err != nil {
		t.Fatal(err)
	}
	if got := values(consumeN(t, c, 2)); got[0] != "first" || got[1] != "second" {
		t.Fatalf("read %v, want [first second]", got)
	}
}
