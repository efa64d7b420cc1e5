package broker_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkProduceAcked is the REST proxy's pattern with single events: 128
// goroutines each produce one record and wait for its acknowledgement
// before the next, through librdkafka and through franz-go, both idempotent
// with acks=all and a 5 ms linger. cpu-µs/record is the whole process's CPU,
// the in-process broker included; it is why the proxy produces with kgo.
func BenchmarkProduceAcked(b *testing.B) {
	b.Run("librdkafka", func(b *testing.B) {
		br := startBroker(b)
		createTopic(b, newAdmin(b, br), benchTopic, benchPartitions, nil)
		cfg := clientConfig(br).Producer("bench")
		(*cfg)["partitioner"] = "murmur2_random"
		(*cfg)["go.delivery.report.fields"] = "none"
		p := newProducer(b, cfg)
		reports := make(chan kafka.Event, 65536)
		go func() {
			for ev := range reports {
				if m, ok := ev.(*kafka.Message); ok {
					m.Opaque.(chan error) <- m.TopicPartition.Error
				}
			}
		}()
		b.Cleanup(func() { close(reports) })
		topic := benchTopic
		ackedEach(b, func(key, value []byte) error {
			done := make(chan error, 1)
			msg := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
				Key: key, Value: value, Opaque: done}
			if err := p.Produce(msg, reports); err != nil {
				return err
			}
			return <-done
		})
		p.Flush(10000)
	})
	b.Run("kgo", func(b *testing.B) {
		br := startBroker(b)
		createTopic(b, newAdmin(b, br), benchTopic, benchPartitions, nil)
		cl, err := kgo.NewClient(kgo.SeedBrokers(br.Addr()), kgo.ProducerLinger(5*time.Millisecond),
			kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(cl.Close)
		ackedEach(b, func(key, value []byte) error {
			done := make(chan error, 1)
			cl.Produce(context.Background(), &kgo.Record{Topic: benchTopic, Key: key, Value: value},
				func(_ *kgo.Record, err error) { done <- err })
			return <-done
		})
	})
}

// ackedEach runs b.N produce-and-wait calls from 128 goroutines after a
// warm-up, and reports records/s and CPU per record.
func ackedEach(b *testing.B, produce func(key, value []byte) error) {
	const workers = 128
	values := benchValues(1024)
	run := func(n int64) {
		var left atomic.Int64
		left.Store(n)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; left.Add(-1) >= 0; i++ {
					key := fmt.Appendf(nil, "user-%d", (w*7919+i)%benchUsers)
					if err := produce(key, values[i%len(values)]); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	run(10 * workers) // connections, producer id, metadata
	b.ResetTimer()
	cpu0, start := processCPU(b), time.Now()
	run(int64(b.N))
	elapsed, cpu := time.Since(start), processCPU(b)-cpu0
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/record")
}

// processCPU is this process's user + system CPU time, all threads
// (librdkafka's included).
func processCPU(tb testing.TB) time.Duration {
	tb.Helper()
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		tb.Fatalf("reading cpu time: %v", err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}
