package broker_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// The benchmarks drive the embedded broker with librdkafka configured by
// kclient, as the product does: idempotent acks=all lz4 producers and
// read_committed consumers, 200-byte values keyed by user over 6 partitions
// (user-events in `up`). Run them with scripts/bench/broker.sh.

const (
	benchTopic      = "user-events"
	benchPartitions = 6
	benchValueSize  = 200
	benchUsers      = 10000
)

type storage struct {
	name string
	opts func(b *testing.B) []broker.Option
}

func storages(withSync bool) []storage {
	s := []storage{
		{"memory", func(*testing.B) []broker.Option { return nil }},
		{"datadir", func(b *testing.B) []broker.Option { return []broker.Option{broker.WithDataDir(b.TempDir())} }},
	}
	if withSync {
		s = append(s, storage{"datadir-fsync", func(b *testing.B) []broker.Option {
			return []broker.Option{broker.WithDataDir(b.TempDir()), broker.WithSyncWrites(true)}
		}})
	}
	return s
}

// benchValues returns values that compress about as well as encoded events
// do: half random bytes, half repeated field names.
func benchValues(n int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		v := make([]byte, benchValueSize)
		for j := range v {
			if j%2 == 0 {
				v[j] = byte(rng.Uint32())
			} else {
				v[j] = "event_type,item_id,session"[j%26]
			}
		}
		out[i] = v
	}
	return out
}

// produceN produces n records as fast as the producer takes them and waits
// for every delivery report.
func produceN(b *testing.B, p *kafka.Producer, n int) {
	b.Helper()
	topic := benchTopic
	values := benchValues(1024)
	keys := make([][]byte, benchUsers)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("user-%d", i))
	}
	done := make(chan error, 1)
	go func() {
		var firstErr error
		for i := 0; i < n; {
			switch ev := (<-p.Events()).(type) {
			case *kafka.Message:
				i++
				if ev.TopicPartition.Error != nil && firstErr == nil {
					firstErr = ev.TopicPartition.Error
				}
			case kafka.Error:
				if ev.IsFatal() && firstErr == nil {
					firstErr = ev
				}
			}
		}
		done <- firstErr
	}()
	for i := 0; i < n; i++ {
		msg := &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Key:            keys[i%benchUsers],
			Value:          values[i%len(values)],
		}
		for {
			err := p.Produce(msg, nil)
			if err == nil {
				break
			}
			if kerr, ok := err.(kafka.Error); !ok || kerr.Code() != kafka.ErrQueueFull {
				b.Fatalf("producing: %v", err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			b.Fatalf("delivering: %v", err)
		}
	case <-time.After(5 * time.Minute):
		b.Fatal("delivery reports did not arrive")
	}
}

func reportRate(b *testing.B, n int, elapsed time.Duration) {
	sec := elapsed.Seconds()
	b.ReportMetric(float64(n)/sec, "records/s")
	b.ReportMetric(float64(n)*benchValueSize/sec/1e6, "MB/s")
}

func BenchmarkProduce(b *testing.B) {
	for _, st := range storages(true) {
		b.Run(st.name, func(b *testing.B) {
			br := startBroker(b, st.opts(b)...)
			createTopic(b, newAdmin(b, br), benchTopic, benchPartitions, nil)
			p := newProducer(b, clientConfig(br).Producer("bench"))
			produceN(b, p, 1000) // connections, producer id, metadata
			b.ResetTimer()
			start := time.Now()
			produceN(b, p, b.N)
			reportRate(b, b.N, time.Since(start))
		})
	}
}

func BenchmarkConsume(b *testing.B) {
	for _, st := range storages(false) {
		b.Run(st.name, func(b *testing.B) {
			br := startBroker(b, st.opts(b)...)
			createTopic(b, newAdmin(b, br), benchTopic, benchPartitions, nil)
			kc := clientConfig(br)
			const warmup = 1000 // connections, offset lookups, first fetches
			produceN(b, newProducer(b, kc.Producer("bench")), warmup+b.N)
			c := newConsumer(b, kc.Consumer("bench", "bench"))
			topic := benchTopic
			tps := make([]kafka.TopicPartition, benchPartitions)
			for i := range tps {
				tps[i] = kafka.TopicPartition{Topic: &topic, Partition: int32(i), Offset: kafka.OffsetBeginning}
			}
			if err := c.Assign(tps); err != nil {
				b.Fatal(err)
			}
			consumeBench(b, c, warmup)
			b.ResetTimer()
			start := time.Now()
			consumeBench(b, c, b.N)
			reportRate(b, b.N, time.Since(start))
		})
	}
}

func consumeBench(b *testing.B, c *kafka.Consumer, n int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for got := 0; got < n; {
		if time.Now().After(deadline) {
			b.Fatalf("consumed %d of %d records", got, n)
		}
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				b.Fatalf("consuming: %v", ev.TopicPartition.Error)
			}
			got++
		case kafka.Error:
			if ev.IsFatal() {
				b.Fatalf("consuming: %v", ev)
			}
		}
	}
}
