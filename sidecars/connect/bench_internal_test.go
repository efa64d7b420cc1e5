package connect

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
)

// nullTask accepts everything; the benchmarks measure the worker around it.
type nullTask struct{ n int }

func (t *nullTask) Start(context.Context, connectors.SinkTaskContext, *connectors.Config) error {
	return nil
}
func (t *nullTask) Put(_ context.Context, rs []connectors.SinkRecord) error {
	t.n += len(rs)
	return nil
}
func (t *nullTask) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }
func (t *nullTask) Stop() error                                                      { return nil }

// BenchmarkSinkPipeline measures the worker's per-record cost between the
// consumer and SinkTask.Put: converting key and value, applying a
// transformation, building SinkRecords, the put call and offset tracking,
// plus one Flush per 500-record batch. Kafka I/O is excluded; one op is
// one record.
func BenchmarkSinkPipeline(b *testing.B) {
	for _, tc := range []struct {
		name, conv string
		value      []byte
	}{
		{"string", "org.apache.kafka.connect.storage.StringConverter", []byte("a value of some forty bytes, give or take")},
		{"json", "org.apache.kafka.connect.json.JsonConverter",
			[]byte(`{"user_id":"u-123","event_type":"PAGE_VIEW","price":19.99,"quantity":2,"item_id":"sku-42"}`)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			reg, err := builtin.Registry()
			if err != nil {
				b.Fatal(err)
			}
			props := map[string]string{"name": "bench", "connector.class": "FileStreamSink", "topics": "t",
				"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": tc.conv,
				"value.converter.schemas.enable": "false",
				"transforms":                     "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
				"transforms.route.regex": "t", "transforms.route.replacement": "u"}
			cfg := defaults()
			cfg.registry = reg
			h := &herder{cfg: &cfg, m: newWorkerMetrics(nil)}
			plugin, _ := reg.Lookup("FileStreamSink")
			r := newRunner(&herder{cfg: &cfg, m: h.m, taskLog: zap.NewNop()}, "bench", 0, props, plugin, TargetStarted, nil)
			pc, err := taskSpec(plugin).Parse(props)
			if err != nil {
				b.Fatal(err)
			}
			pipe, err := buildPipeline(reg, props, cfg.workerDefaults())
			if err != nil {
				b.Fatal(err)
			}
			task := &nullTask{}
			s := &sinkRun{r: r, task: task, pipe: pipe, eh: newErrorHandler(r.id(), pc, zap.NewNop(), h.m),
				assigned: map[connectors.TopicPartition]bool{{Topic: "t"}: true}, offsets: map[connectors.TopicPartition]int64{},
				batch: map[rawKey]*rawRecord{}}
			const batch = 500
			topic := "t"
			msgs := make([]*kafka.Message, batch)
			for i := range msgs {
				msgs[i] = &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Offset: kafka.Offset(i)},
					Key: []byte(fmt.Sprintf("user-%d", i)), Value: tc.value, Timestamp: time.Now()}
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += batch {
				if err := s.process(ctx, msgs); err != nil {
					b.Fatal(err)
				}
				if err := task.Flush(ctx, s.offsets); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if task.n < b.N {
				b.Fatalf("put %d of %d records", task.n, b.N)
			}
		})
	}
}
