package restproxy

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// BenchmarkPrepareEvents measures the proxy's own CPU per event, without
// HTTP and Kafka: parse a 500-record v2 body, convert each event to Avro,
// run the built-in edge rules. The metric is ns per event.
func BenchmarkPrepareEvents(b *testing.B) { benchPrepare(b, true) }

// BenchmarkPrepareEventsGeneral is BenchmarkPrepareEvents through the
// general converter (member tree, native map), what events take when the
// fast path does not apply.
func BenchmarkPrepareEventsGeneral(b *testing.B) { benchPrepare(b, false) }

func benchPrepare(b *testing.B, fast bool) {
	p, rs := rulesProxy(b)
	const n = 500
	bodies := make([][]byte, 64)
	for k := range bodies {
		var sb strings.Builder
		sb.WriteString(`{"records":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"value":{"event_id":"0f8fad5b-d9cb-469f-a165-%06d%06d","event_type":"PRODUCT_VIEW","user_id":"u-%d",`+
				`"session_id":"s-%d","event_time":1767225600000,"storefront":{"string":"web-us"},"item_id":{"string":"sku-%d"},`+
				`"category":{"string":"shoes/running"},"brand":{"string":"Fleetfoot"},"price":{"double":19.5},"quantity":null,`+
				`"currency":{"string":"USD"},"order_id":null,"search_query":null,"page_url":{"string":"https://shop.example/p/sku-1"},`+
				`"referrer":null,"user_agent":{"string":"Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0"},"attributes":{}}}`, k, i, i%97, i%31, i)
		}
		sb.WriteString(`]}`)
		bodies[k] = []byte(sb.String())
	}
	topic := topicInfo{name: "user-events", partitions: make([]kafka.PartitionMetadata, 6)}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for it := 0; it < b.N; it++ {
		// A fresh id prefix per round keeps the duplicate rule from
		// dropping repeats of the 64 bodies.
		src := []byte(strings.ReplaceAll(string(bodies[it%64]), "0f8fad5b", fmt.Sprintf("%08x", it)))
		var doc jsonValue
		var text string
		var err error
		if fast {
			doc, text, err = parseJSONLazy(src, lazyV2Records)
		} else {
			doc, err = parseJSON(src)
		}
		if err != nil {
			b.Fatal(err)
		}
		recs, aerr := v2Records(&doc, kafka.PartitionAny)
		if aerr != nil {
			b.Fatal(aerr)
		}
		for i := range recs {
			recs[i].keySpec, recs[i].valueSpec, recs[i].timestamp = partSpec{format: fmtString}, partSpec{format: fmtAvro, schema: rs}, time.Now()
		}
		bt := newBatch(topic, src, recs, &rules.Request{API: "v2", ReceivedAt: time.Now()})
		bt.engine, bt.text = p.rules.Engine(), text
		for i := range recs {
			p.prepareEvent(context.Background(), bt, i)
		}
		for i := range bt.results {
			if bt.results[i].err != nil {
				b.Fatal(bt.results[i].err)
			}
			if bt.decisions != nil {
				bt.decisions[i].Settle(true, rules.Position{Offset: int64(i)})
			}
		}
	}
	// CPU time rather than wall time: other work on a shared machine
	// stretches the latter but not the former.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/event")
}

// cpuTime is this process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
