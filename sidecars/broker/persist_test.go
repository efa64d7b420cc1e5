package broker_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// The persistence scenario: what seed writes, verify must find on any later
// broker started on the same data directory.
const (
	pTopic      = "orders"
	pParts      = 3
	pRecords    = 300
	pGroup      = "billing"
	pTxnTopic   = "aggregates"
	pTxnID      = "aggregator-1"
	pRetention  = "3600000"
	pCompactTop = "_schemas"
)

type seeded struct {
	records   map[int32][]*kafka.Message // by partition, in offset order
	committed map[int32]int64            // pGroup on pTopic
	// closeTxn closes the transactional producer. It stays open after seed
	// so that a transaction left open is still open when the broker dies.
	closeTxn func()
}

// seed writes topics, records, group offsets (for half of each partition) and
// transactions through addr, closing every client but the transactional
// producer before it returns. With leaveOpen it also leaves a transaction
// open, as an aggregator would be mid-window when the broker crashes.
func seed(t *testing.T, addr string, leaveOpen bool) seeded {
	t.Helper()
	kc := kclient.Config{Bootstrap: addr, ClientID: "seed"}
	admin, err := kafka.NewAdminClient(kc.Admin("seed"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	createTopic(t, admin, pTopic, pParts, map[string]string{"retention.ms": pRetention})
	createTopic(t, admin, pCompactTop, 1, kclient.Compacted())
	createTopic(t, admin, pTxnTopic, 1, nil)

	p, err := kafka.NewProducer(kc.Producer("seed"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tp := pTopic
	msgs := make([]*kafka.Message, pRecords)
	for i := range msgs {
		msgs[i] = &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &tp, Partition: kafka.PartitionAny},
			Key:            []byte(fmt.Sprintf("order-%d", i%37)),
			Value:          bytes.Repeat([]byte{byte(i)}, 100+i%50),
			Headers:        []kafka.Header{{Key: "i", Value: []byte(fmt.Sprint(i))}},
		}
	}
	s := seeded{records: map[int32][]*kafka.Message{}, committed: map[int32]int64{}}
	for i, r := range produceAll(t, p, msgs) {
		if int(r.Offset) != len(s.records[r.Partition]) {
			t.Fatalf("record %d acknowledged at %v, out of order", i, r)
		}
		s.records[r.Partition] = append(s.records[r.Partition], msgs[i])
	}

	c, err := kafka.NewConsumer(kc.Consumer("seed", pGroup))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(pTopic, nil); err != nil {
		t.Fatal(err)
	}
	for part, recs := range s.records {
		s.committed[part] = int64(len(recs) / 2)
	}
	for _, m := range consumeN(t, c, pRecords) {
		if int64(m.TopicPartition.Offset) < s.committed[m.TopicPartition.Partition] {
			if _, err := c.StoreMessage(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.Commit(); err != nil {
		t.Fatalf("committing: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("closing consumer: %v", err)
	}

	// Quiet: the kill test leaves it talking to a dead broker for a moment.
	tx, err := kafka.NewProducer(with(kc.TransactionalProducer("seed", pTxnID), "log_level", 2))
	if err != nil {
		t.Fatal(err)
	}
	s.closeTxn = sync.OnceFunc(tx.Close)
	t.Cleanup(s.closeTxn)
	if err := tx.InitTransactions(ctxFor(t, opTimeout)); err != nil {
		t.Fatal(err)
	}
	txnBatch := func(values ...string) []*kafka.Message {
		out := make([]*kafka.Message, len(values))
		for i, v := range values {
			out[i] = keyed(pTxnTopic, 0, "k", v)
		}
		return out
	}
	inTxn(t, tx, txnBatch("committed-0", "committed-1", "committed-2"), true)
	inTxn(t, tx, txnBatch("aborted-0", "aborted-1"), false)
	if leaveOpen {
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		produceAll(t, tx, txnBatch("open-0", "open-1"))
	}
	return s
}

// verify checks that b holds everything seed wrote.
func verify(t *testing.T, b *broker.Broker, s seeded) {
	t.Helper()
	admin := newAdmin(t, b)
	md, err := admin.GetMetadata(nil, true, int(opTimeout.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Topics[pTopic].Partitions); n != pParts {
		t.Errorf("%s has %d partitions after restart, want %d", pTopic, n, pParts)
	}
	cfgs, err := admin.DescribeConfigs(ctxFor(t, opTimeout), []kafka.ConfigResource{
		{Type: kafka.ResourceTopic, Name: pTopic}, {Type: kafka.ResourceTopic, Name: pCompactTop},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cfgs {
		key, want := "retention.ms", pRetention
		if r.Name == pCompactTop {
			key, want = "cleanup.policy", "compact"
		}
		if got := r.Config[key]; r.Error.Code() != kafka.ErrNoError || got.Value != want {
			t.Errorf("%s %s = %q (err %v) after restart, want %q", r.Name, key, got.Value, r.Error, want)
		}
	}

	if got := committed(t, admin, pGroup, pTopic, pParts); fmt.Sprint(got) != fmt.Sprint(s.committed) {
		t.Errorf("committed offsets after restart = %v, want %v", got, s.committed)
	}

	kc := clientConfig(b)
	c := newConsumer(t, kc.Consumer("verify", "verify"))
	assignFromStart(t, c, pTopic, pParts)
	next := map[int32]int{}
	for _, m := range consumeN(t, c, pRecords) {
		part, i := m.TopicPartition.Partition, next[m.TopicPartition.Partition]
		next[part]++
		want := s.records[part][i]
		if int(m.TopicPartition.Offset) != i || !bytes.Equal(m.Key, want.Key) || !bytes.Equal(m.Value, want.Value) ||
			len(m.Headers) != 1 || !bytes.Equal(m.Headers[0].Value, want.Headers[0].Value) {
			t.Fatalf("partition %d record %d after restart: %v key %s, want key %s header %s",
				part, i, m.TopicPartition, m.Key, want.Key, want.Headers[0].Value)
		}
	}

	// New writes continue the restored logs: offsets, producer ids and the
	// transactional id's epoch all carried over.
	p := newProducer(t, kc.Producer("after"))
	after := produceAll(t, p, []*kafka.Message{keyed(pTopic, 0, "new", "new"), keyed(pTxnTopic, 0, "end", "end")})
	if int(after[0].Offset) != len(s.records[0]) {
		t.Errorf("first new record on %s[0] at offset %d, want %d", pTopic, after[0].Offset, len(s.records[0]))
	}
	tx := newTxnProducer(t, b, pTxnID)
	inTxn(t, tx, []*kafka.Message{keyed(pTxnTopic, 0, "k", "committed-after")}, true)

	// read_committed: reaching "end" proves no transaction holds the last
	// stable offset back; only committed records may appear before it.
	rc := newConsumer(t, kc.Consumer("verify-txn", "verify-txn"))
	assignFromStart(t, rc, pTxnTopic, 1)
	got := values(consumeUntil(t, rc, func(m *kafka.Message) bool { return string(m.Value) == "committed-after" }))
	if want := "committed-0 committed-1 committed-2 end committed-after"; strings.Join(got, " ") != want {
		t.Errorf("read_committed %s after restart = %v, want %s", pTxnTopic, got, want)
	}
}

func TestCleanRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	first := startBroker(t, broker.WithDataDir(dir))
	s := seed(t, first.Addr(), false)
	s.closeTxn()
	first.Close()

	second := startBroker(t, broker.WithDataDir(dir))
	// A subtest so that verify's clients are closed before second is.
	t.Run("verify", func(t *testing.T) { verify(t, second, s) })

	// And once more, after a restart that loaded state and wrote a new
	// snapshot over it.
	second.Close()
	third := startBroker(t, broker.WithDataDir(dir))
	admin := newAdmin(t, third)
	if got := committed(t, admin, pGroup, pTopic, pParts); fmt.Sprint(got) != fmt.Sprint(s.committed) {
		t.Errorf("committed offsets after second restart = %v, want %v", got, s.committed)
	}
	lo, hi, err := newConsumer(t, clientConfig(third).Consumer("wm", "wm")).QueryWatermarkOffsets(pTopic, 0, int(opTimeout.Milliseconds()))
	if err != nil || lo != 0 || hi != int64(len(s.records[0])+1) {
		t.Errorf("%s[0] watermarks after second restart = %d..%d (%v), want 0..%d", pTopic, lo, hi, err, len(s.records[0])+1)
	}
}

// A transaction open at a clean stop survives it, as in Kafka: it still holds
// the last stable offset after the restart (recovery must not abort it), and
// its producer re-initialising aborts it with a proper marker.
func TestCleanRestartKeepsOpenTransactionOpen(t *testing.T) {
	dir := t.TempDir()
	first := startBroker(t, broker.WithDataDir(dir))
	s := seed(t, first.Addr(), true)
	first.Close()
	s.closeTxn()

	b := startBroker(t, broker.WithDataDir(dir))
	admin := newAdmin(t, b)
	lso, hw := latestOffsets(t, admin, pTxnTopic, 0)
	// committed-0..2, marker, aborted-0..1, marker, then open-0..1 at 7 and 8.
	if lso != 7 || hw != 9 {
		t.Fatalf("after restart: last stable offset %d, high watermark %d; want 7 (open transaction) and 9", lso, hw)
	}
	verify(t, b, s)
}

// latestOffsets returns the last stable offset and high watermark of a
// partition.
func latestOffsets(t *testing.T, admin *kafka.AdminClient, topic string, partition int32) (lso, hw int64) {
	t.Helper()
	tp := kafka.TopicPartition{Topic: &topic, Partition: partition}
	get := func(level kafka.IsolationLevel) int64 {
		res, err := admin.ListOffsets(ctxFor(t, opTimeout),
			map[kafka.TopicPartition]kafka.OffsetSpec{tp: kafka.LatestOffsetSpec},
			kafka.SetAdminIsolationLevel(level))
		if err != nil {
			t.Fatalf("listing latest offset of %s[%d]: %v", topic, partition, err)
		}
		for _, info := range res.ResultInfos {
			if info.Error.Code() != kafka.ErrNoError {
				t.Fatalf("listing latest offset of %s[%d]: %v", topic, partition, info.Error)
			}
			return int64(info.Offset)
		}
		t.Fatalf("listing latest offset of %s[%d]: empty result", topic, partition)
		return 0
	}
	return get(kafka.IsolationLevelReadCommitted), get(kafka.IsolationLevelReadUncommitted)
}
