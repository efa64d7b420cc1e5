package kclient_test

import (
	"fmt"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
)

func lagString(ls []kclient.PartitionLag) string {
	s := ""
	for _, l := range ls {
		s += fmt.Sprintf("%s[%d] committed=%d end=%d lag=%d; ", l.Topic, l.Partition, l.Committed, l.End, l.Lag)
	}
	return s
}

func TestGroupLag(t *testing.T) {
	const (
		topic = "user-events"
		group = "aggregator"
	)
	c := newCluster(t)
	c.createTopic(t, topic, 2, nil)
	p := c.producer(t, c.kc.Producer("test"))
	produce(t, p, topic, 0, 10)
	produce(t, p, topic, 1, 6)

	lag := func(topics []string) []kclient.PartitionLag {
		t.Helper()
		ls, err := kclient.GroupLag(ctxFor(t), c.admin, group, topics)
		if err != nil {
			t.Fatalf("GroupLag: %v", err)
		}
		return ls
	}
	expect := func(what string, got []kclient.PartitionLag, want string) {
		t.Helper()
		if s := lagString(got); s != want {
			t.Errorf("%s:\n got %s\nwant %s", what, s, want)
		}
	}

	if ls := lag(nil); ls != nil {
		t.Errorf("lag of a group without commits and without topics = %v, want nil", ls)
	}
	expect("before any commit", lag([]string{topic}),
		"user-events[0] committed=-1 end=10 lag=10; user-events[1] committed=-1 end=6 lag=6; ")

	cons, err := kafka.NewConsumer(c.kc.Consumer("test", group))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cons.Close() })
	commit := func(partition int32, offset int64) {
		t.Helper()
		tp := topic
		if _, err := cons.CommitOffsets([]kafka.TopicPartition{{Topic: &tp, Partition: partition, Offset: kafka.Offset(offset)}}); err != nil {
			t.Fatalf("committing: %v", err)
		}
	}

	commit(0, 4)
	expect("after committing 4 on partition 0, topics given", lag([]string{topic}),
		"user-events[0] committed=4 end=10 lag=6; user-events[1] committed=-1 end=6 lag=6; ")
	expect("after committing 4 on partition 0, no topics", lag(nil),
		"user-events[0] committed=4 end=10 lag=6; ")

	commit(1, 6)
	ls := lag([]string{topic})
	expect("after committing everything on partition 1", ls,
		"user-events[0] committed=4 end=10 lag=6; user-events[1] committed=6 end=6 lag=0; ")
	if got := kclient.TotalLag(ls); got != 6 {
		t.Errorf("TotalLag = %d, want 6", got)
	}

	// End is the last stable offset: an open transaction is not lag yet.
	tx := c.producer(t, c.kc.TransactionalProducer("test", "lag-test"))
	if err := tx.InitTransactions(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	if err := tx.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(t, tx, topic, 1, 3)
	expect("with an open transaction on partition 1", lag(nil),
		"user-events[0] committed=4 end=10 lag=6; user-events[1] committed=6 end=6 lag=0; ")
	if err := tx.CommitTransaction(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	// Three records and the commit marker.
	expect("after the transaction commits", lag(nil),
		"user-events[0] committed=4 end=10 lag=6; user-events[1] committed=6 end=10 lag=4; ")
}

// A group that never committed lags by what the partition still holds, not
// by everything ever written to it.
func TestGroupLagCountsFromLogStart(t *testing.T) {
	const topic = "catalog"
	c := newCluster(t)
	c.createTopic(t, topic, 1, nil)
	produce(t, c.producer(t, c.kc.Producer("test")), topic, 0, 10)
	tp := topic
	res, err := c.admin.DeleteRecords(ctxFor(t), []kafka.TopicPartition{{Topic: &tp, Partition: 0, Offset: 3}})
	if err != nil || res.DeleteRecordsResults[0].TopicPartition.Error != nil {
		t.Fatalf("deleting records: %v %v", err, res)
	}
	ls, err := kclient.GroupLag(ctxFor(t), c.admin, "fresh", []string{topic})
	if err != nil {
		t.Fatal(err)
	}
	if want := "catalog[0] committed=-1 end=10 lag=7; "; lagString(ls) != want {
		t.Errorf("lag after deleting 3 of 10 records:\n got %s\nwant %s", lagString(ls), want)
	}
}
