package connect_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

// countSink counts records and flushes into shared counters.
type countSink struct{ records, flushes *atomic.Int64 }

func (c countSink) Start(context.Context, connectors.ConnectorContext, *connectors.Config) error {
	return nil
}
func (c countSink) TaskConfigs(n int) ([]map[string]string, error) {
	return make([]map[string]string, n), nil
}
func (c countSink) Stop() error                  { return nil }
func (c countSink) NewTask() connectors.SinkTask { return countTask(c) }

type countTask countSink

func (countTask) Start(context.Context, connectors.SinkTaskContext, *connectors.Config) error {
	return nil
}
func (t countTask) Put(_ context.Context, rs []connectors.SinkRecord) error {
	t.records.Add(int64(len(rs)))
	return nil
}
func (t countTask) Flush(context.Context, map[connectors.TopicPartition]int64) error {
	t.flushes.Add(1)
	return nil
}
func (countTask) Stop() error { return nil }

// BenchmarkSinkEndToEnd measures records per second from the embedded
// broker through a worker into a sink that only counts: consumer, worker
// pipeline, put and the periodic flush + offset commit.
func BenchmarkSinkEndToEnd(b *testing.B) {
	br := startBroker(b)
	createTopics(b, br, 4, "bench")
	var records, flushes atomic.Int64
	plug := connectors.Plugin{Class: "bench.CountSinkConnector", Type: connectors.PluginSink, Version: "1",
		NewSink: func() connectors.SinkConnector { return countSink{&records, &flushes} }}
	reg, err := builtin.Registry(plug)
	if err != nil {
		b.Fatal(err)
	}
	w := startWorker(b, br, connect.WithPlugins(reg), connect.WithOffsetFlushInterval(time.Second))
	const preload = 100_000
	for i := 0; i < preload; i += 10_000 {
		var kvs []string
		for j := i; j < i+10_000; j++ {
			kvs = append(kvs, fmt.Sprintf("user-%d", j%1000), fmt.Sprintf(`{"user_id":"user-%d","seq":%d,"event_type":"PAGE_VIEW"}`, j%1000, j))
		}
		produce(b, br, "bench", kvs...)
	}
	b.ResetTimer()
	start := time.Now()
	r := call(b, "POST", w.URL()+"/connectors", map[string]any{"name": "count", "config": map[string]string{
		"connector.class": "bench.CountSinkConnector", "topics": "bench", "tasks.max": "2",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}})
	expectStatus(b, r, 201)
	eventually(b, 120*time.Second, "all records put", func() error {
		if n := records.Load(); n < preload {
			return fmt.Errorf("%d records", n)
		}
		return nil
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(preload)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/preload, "ns/record")
}
