package broker_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/broker"
)

func newTxnProducer(t *testing.T, b *broker.Broker, txnID string) *kafka.Producer {
	t.Helper()
	p := newProducer(t, clientConfig(b).TransactionalProducer("test", txnID))
	if err := p.InitTransactions(ctxFor(t, opTimeout)); err != nil {
		t.Fatalf("initialising transactions of %s: %v", txnID, err)
	}
	return p
}

// inTxn produces msgs in one transaction and commits or aborts it.
func inTxn(t *testing.T, p *kafka.Producer, msgs []*kafka.Message, commit bool) {
	t.Helper()
	if err := p.BeginTransaction(); err != nil {
		t.Fatalf("beginning transaction: %v", err)
	}
	produceAll(t, p, msgs)
	end := p.CommitTransaction
	if !commit {
		end = p.AbortTransaction
	}
	if err := end(ctxFor(t, opTimeout)); err != nil {
		t.Fatalf("ending transaction (commit=%v): %v", commit, err)
	}
}

func values(ms []*kafka.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Value)
	}
	return out
}

func assignFromStart(t *testing.T, c *kafka.Consumer, topic string, partitions int) {
	t.Helper()
	tps := make([]kafka.TopicPartition, partitions)
	for i := range tps {
		tps[i] = kafka.TopicPartition{Topic: &topic, Partition: int32(i), Offset: kafka.OffsetBeginning}
	}
	if err := c.Assign(tps); err != nil {
		t.Fatalf("assigning %s: %v", topic, err)
	}
}

// Committed transactions are visible under read_committed, aborted ones are
// not, and read_uncommitted sees both. The consumer reads up to a committed
// "end" marker so absence is proven without waiting for a timeout.
func TestTransactionVisibility(t *testing.T) {
	const topic = "recommendation-input"
	b := startBroker(t)
	createTopic(t, newAdmin(t, b), topic, 1, nil)
	p := newTxnProducer(t, b, "aggregator-0")

	batch := func(prefix string, n int) []*kafka.Message {
		ms := make([]*kafka.Message, n)
		for i := range ms {
			ms[i] = keyed(topic, 0, "u", fmt.Sprintf("%s-%d", prefix, i))
		}
		return ms
	}
	inTxn(t, p, batch("committed", 5), true)
	inTxn(t, p, batch("aborted", 5), false)
	inTxn(t, p, batch("end", 1), true)

	isEnd := func(m *kafka.Message) bool { return string(m.Value) == "end-0" }
	kc := clientConfig(b)

	rc := newConsumer(t, kc.Consumer("rc", "rc"))
	assignFromStart(t, rc, topic, 1)
	got := values(consumeUntil(t, rc, isEnd))
	if want := "committed-0 committed-1 committed-2 committed-3 committed-4 end-0"; strings.Join(got, " ") != want {
		t.Errorf("read_committed saw %v, want %s", got, want)
	}

	ru := newConsumer(t, with(kc.Consumer("ru", "ru"), "isolation.level", "read_uncommitted"))
	assignFromStart(t, ru, topic, 1)
	got = values(consumeUntil(t, ru, isEnd))
	if len(got) != 11 || got[5] != "aborted-0" || got[9] != "aborted-4" {
		t.Errorf("read_uncommitted saw %v, want committed, aborted and end records", got)
	}
}

// An open transaction holds back read_committed consumers at the last stable
// offset until it commits.
func TestOpenTransactionBlocksReadCommitted(t *testing.T) {
	const topic = "session-features"
	b := startBroker(t)
	admin := newAdmin(t, b)
	createTopic(t, admin, topic, 1, nil)
	p := newTxnProducer(t, b, "open")
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produceAll(t, p, []*kafka.Message{keyed(topic, 0, "s", "pending")})

	if lso, hw := latestOffsets(t, admin, topic, 0); lso != 0 || hw != 1 {
		t.Fatalf("open transaction: last stable offset %d, high watermark %d; want 0 and 1", lso, hw)
	}
	if err := p.CommitTransaction(ctxFor(t, opTimeout)); err != nil {
		t.Fatal(err)
	}
	// The commit marker takes offset 1.
	if lso, _ := latestOffsets(t, admin, topic, 0); lso != 2 {
		t.Fatalf("after commit: last stable offset %d, want 2", lso)
	}
	rc := newConsumer(t, clientConfig(b).Consumer("rc", "rc"))
	assignFromStart(t, rc, topic, 1)
	if got := values(consumeN(t, rc, 1)); got[0] != "pending" {
		t.Fatalf("read_committed after commit saw %v", got)
	}
}

// Consume-transform-produce: outputs and input offsets commit atomically in
// one transaction; an aborted round changes neither.
func TestSendOffsetsToTransaction(t *testing.T) {
	const (
		in, out = "user-events", "recommendation-input"
		group   = "aggregator"
		n       = 20
	)
	b := startBroker(t)
	admin := newAdmin(t, b)
	createTopic(t, admin, in, 2, nil)
	createTopic(t, admin, out, 2, nil)
	kc := clientConfig(b)
	var inputs []*kafka.Message
	for i := 0; i < n; i++ {
		inputs = append(inputs, keyed(in, int32(i%2), fmt.Sprintf("u%d", i), fmt.Sprintf("e%d", i)))
	}
	produceAll(t, newProducer(t, kc.Producer("loadgen")), inputs)

	c := newConsumer(t, kc.Consumer("aggregator", group))
	if err := c.Subscribe(in, nil); err != nil {
		t.Fatal(err)
	}
	p := newTxnProducer(t, b, "aggregator-ctp")

	// round processes the next k input records in one transaction.
	round := func(k int, commit bool) {
		t.Helper()
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		next := map[int32]kafka.Offset{}
		var outs []*kafka.Message
		for _, m := range consumeN(t, c, k) {
			outs = append(outs, keyed(out, m.TopicPartition.Partition, string(m.Key), "agg-"+string(m.Value)))
			next[m.TopicPartition.Partition] = m.TopicPartition.Offset + 1
		}
		produceAll(t, p, outs)
		var offsets []kafka.TopicPartition
		for part, off := range next {
			offsets = append(offsets, kafka.TopicPartition{Topic: &[]string{in}[0], Partition: part, Offset: off})
		}
		meta, err := c.GetConsumerGroupMetadata()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.SendOffsetsToTransaction(ctxFor(t, opTimeout), offsets, meta); err != nil {
			t.Fatalf("sending offsets to transaction: %v", err)
		}
		end := p.CommitTransaction
		if !commit {
			end = p.AbortTransaction
		}
		if err := end(ctxFor(t, opTimeout)); err != nil {
			t.Fatalf("ending transaction (commit=%v): %v", commit, err)
		}
	}

	round(8, true)
	got := committed(t, admin, group, in, 2)
	for part, off := range got {
		if off == int64(kafka.OffsetInvalid) {
			got[part] = 0 // the round read nothing from this partition
		}
	}
	if got[0]+got[1] != 8 {
		t.Fatalf("after committed round: group offsets %v, want 8 records' worth", got)
	}
	round(6, false)
	if again := committed(t, admin, group, in, 2); max(again[0], 0) != got[0] || max(again[1], 0) != got[1] {
		t.Fatalf("aborted round moved group offsets from %v to %v", got, again)
	}

	// Outputs: read_committed sees exactly the 8 of the committed round.
	// A plain committed "end" record per partition bounds the read.
	produceAll(t, newProducer(t, kc.Producer("marker")), []*kafka.Message{
		keyed(out, 0, "end", "end"), keyed(out, 1, "end", "end"),
	})
	rc := newConsumer(t, kc.Consumer("verify", "verify"))
	assignFromStart(t, rc, out, 2)
	ends := 0
	outs := consumeUntil(t, rc, func(m *kafka.Message) bool {
		if string(m.Value) == "end" {
			ends++
		}
		return ends == 2
	})
	if len(outs) != 8+2 {
		t.Fatalf("read_committed saw %d outputs %v, want the 8 committed and 2 markers", len(outs), values(outs))
	}
	// Input i sits on partition i%2 at offset i/2, so the committed offsets
	// name exactly which inputs the visible outputs must come from.
	want := map[string]bool{"end": true}
	for part := int32(0); part < 2; part++ {
		for off := int64(0); off < got[part]; off++ {
			want[fmt.Sprintf("agg-e%d", 2*off+int64(part))] = true
		}
	}
	for _, v := range values(outs) {
		if !want[v] {
			t.Errorf("output %q is not from a committed input offset %v", v, got)
		}
	}
}
