package broker_test

import (
	"context"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// opTimeout bounds every single client call. It is generous because two
// loaded cores may be compiling other packages while these tests run; a
// healthy run finishes each call in milliseconds.
const opTimeout = 20 * time.Second

// startBroker starts a broker on a free loopback port and closes it when the
// test ends. Cleanups run last-in first-out, so clients created after it are
// closed before the broker goes away.
func startBroker(tb testing.TB, opts ...broker.Option) *broker.Broker {
	tb.Helper()
	opts = append([]broker.Option{broker.WithListenAddr("127.0.0.1:0")}, opts...)
	b, err := broker.New(opts...)
	if err != nil {
		tb.Fatalf("creating broker: %v", err)
	}
	if err := b.Start(); err != nil {
		tb.Fatalf("starting broker: %v", err)
	}
	tb.Cleanup(b.Close)
	return b
}

func clientConfig(b *broker.Broker) kclient.Config {
	return kclient.Config{Bootstrap: b.Addr(), ClientID: "broker-test"}
}

// with returns a copy of cfg with the given properties overridden.
func with(cfg *kafka.ConfigMap, kv ...any) *kafka.ConfigMap {
	out := kafka.ConfigMap{}
	for k, v := range *cfg {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return &out
}

func newAdmin(tb testing.TB, b *broker.Broker) *kafka.AdminClient {
	tb.Helper()
	a, err := kafka.NewAdminClient(clientConfig(b).Admin("test"))
	if err != nil {
		tb.Fatalf("creating admin client: %v", err)
	}
	tb.Cleanup(a.Close)
	return a
}

func newProducer(tb testing.TB, cfg *kafka.ConfigMap) *kafka.Producer {
	tb.Helper()
	p, err := kafka.NewProducer(cfg)
	if err != nil {
		tb.Fatalf("creating producer: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}

func newConsumer(tb testing.TB, cfg *kafka.ConfigMap) *kafka.Consumer {
	tb.Helper()
	c, err := kafka.NewConsumer(cfg)
	if err != nil {
		tb.Fatalf("creating consumer: %v", err)
	}
	tb.Cleanup(func() {
		if !c.IsClosed() {
			_ = c.Close()
		}
	})
	return c
}

func ctxFor(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

func createTopic(tb testing.TB, a *kafka.AdminClient, name string, partitions int, cfg map[string]string) {
	tb.Helper()
	res, err := a.CreateTopics(ctxFor(tb, opTimeout), []kafka.TopicSpecification{
		{Topic: name, NumPartitions: partitions, ReplicationFactor: 1, Config: cfg},
	})
	if err != nil {
		tb.Fatalf("creating topic %s: %v", name, err)
	}
	if res[0].Error.Code() != kafka.ErrNoError {
		tb.Fatalf("creating topic %s: %v", name, res[0].Error)
	}
}

// produceAll produces msgs and waits for every delivery report, failing the
// test on any error. It returns the reported positions in input order.
func produceAll(tb testing.TB, p *kafka.Producer, msgs []*kafka.Message) []kafka.TopicPartition {
	tb.Helper()
	reports := make(chan kafka.Event, len(msgs))
	for i, m := range msgs {
		m.Opaque = i
		for {
			err := p.Produce(m, reports)
			if err == nil {
				break
			}
			if kerr, ok := err.(kafka.Error); ok && kerr.Code() == kafka.ErrQueueFull {
				p.Flush(10)
				continue
			}
			tb.Fatalf("producing record %d: %v", i, err)
		}
	}
	out := make([]kafka.TopicPartition, len(msgs))
	deadline := time.After(opTimeout)
	for range msgs {
		select {
		case ev := <-reports:
			m, ok := ev.(*kafka.Message)
			if !ok {
				tb.Fatalf("unexpected delivery event %T: %v", ev, ev)
			}
			if m.TopicPartition.Error != nil {
				tb.Fatalf("delivering record %v: %v", m.Opaque, m.TopicPartition.Error)
			}
			out[m.Opaque.(int)] = m.TopicPartition
		case <-deadline:
			tb.Fatalf("waiting for delivery reports: none within %s", opTimeout)
		}
	}
	return out
}

// consumeN reads exactly n records, failing on consumer errors or when they
// do not arrive in time.
func consumeN(tb testing.TB, c *kafka.Consumer, n int) []*kafka.Message {
	tb.Helper()
	out := make([]*kafka.Message, 0, n)
	deadline := time.Now().Add(opTimeout)
	for len(out) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("consuming: got %d of %d records within %s", len(out), n, opTimeout)
		}
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				tb.Fatalf("consuming: %v", ev.TopicPartition.Error)
			}
			out = append(out, ev)
		case kafka.Error:
			// Transient connection errors are reported as events too; only
			// fatal ones end a consumer.
			if ev.IsFatal() {
				tb.Fatalf("consuming: fatal error: %v", ev)
			}
		}
	}
	return out
}

// consumeUntil reads records until stop returns true for one, returning all
// read (including that one).
func consumeUntil(tb testing.TB, c *kafka.Consumer, stop func(*kafka.Message) bool) []*kafka.Message {
	tb.Helper()
	var out []*kafka.Message
	deadline := time.Now().Add(opTimeout)
	for {
		if time.Now().After(deadline) {
			tb.Fatalf("consuming: no stop record after %d records within %s", len(out), opTimeout)
		}
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				tb.Fatalf("consuming: %v", ev.TopicPartition.Error)
			}
			out = append(out, ev)
			if stop(ev) {
				return out
			}
		case kafka.Error:
			if ev.IsFatal() {
				tb.Fatalf("consuming: fatal error: %v", ev)
			}
		}
	}
}

func keyed(topic string, partition int32, key, value string) *kafka.Message {
	return &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: partition},
		Key:            []byte(key),
		Value:          []byte(value),
	}
}

// committed returns the committed offset of group on every partition of topic
// (-1001, kafka.OffsetInvalid, where it has none) as the admin API reports it.
func committed(tb testing.TB, a *kafka.AdminClient, group, topic string, partitions int) map[int32]int64 {
	tb.Helper()
	tps := make([]kafka.TopicPartition, partitions)
	for i := range tps {
		tps[i] = kafka.TopicPartition{Topic: &topic, Partition: int32(i)}
	}
	res, err := a.ListConsumerGroupOffsets(ctxFor(tb, opTimeout),
		[]kafka.ConsumerGroupTopicPartitions{{Group: group, Partitions: tps}})
	if err != nil {
		tb.Fatalf("listing offsets of group %s: %v", group, err)
	}
	out := map[int32]int64{}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if tp.Error != nil {
				tb.Fatalf("listing offset of group %s on %s: %v", group, tp, tp.Error)
			}
			out[tp.Partition] = int64(tp.Offset)
		}
	}
	return out
}
