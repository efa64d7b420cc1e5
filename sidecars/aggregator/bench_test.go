package aggregator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// benchInt reads a knob from the environment (scripts/bench/aggregator.sh
// sets them), falling back to def.
func benchInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchLog is a shopper clickstream: users events spread over users and
// span of event time, in time order, with the rees46 mix of types.
func benchLog(n, users int, span time.Duration, start time.Time) []record {
	r := rand.New(rand.NewPCG(42, 7))
	types := []avro.EventType{avro.EventProductView, avro.EventProductView, avro.EventProductView, avro.EventProductView,
		avro.EventPageView, avro.EventClick, avro.EventAddToCart, avro.EventPurchase, avro.EventSearch}
	cats := []string{"electronics.smartphone", "appliances.kitchen", "computers.notebook", "apparel.shoes", "furniture.sofa"}
	step := span / time.Duration(n)
	recs := make([]record, n)
	for i := range recs {
		u := "u" + strconv.Itoa(r.IntN(users))
		price := float64(r.IntN(100000)) / 100
		item, cat := strconv.Itoa(r.IntN(5000)), cats[r.IntN(len(cats))]
		recs[i] = record{key: u, ev: &avro.UserEvent{
			EventID: eventID(i), EventType: types[r.IntN(len(types))], UserID: u, SessionID: u + "-s",
			EventTime: start.Add(time.Duration(i) * step), ItemID: &item, Category: &cat, Price: &price,
			Currency: ptr("USD"), Attributes: map[string]string{},
		}}
	}
	return recs
}

// BenchmarkAggregatorThroughput measures events per second through one
// aggregator with exactly-once on the embedded broker (in this process,
// sharing its cores): b.N events are produced first, then the clock runs
// from starting the aggregator until the group has committed the last
// input offset, every output and changelog record included.
//
//	go test -run '^$' -bench AggregatorThroughput -benchtime 400000x ./sidecars/aggregator/
//
// AGG_BENCH_USERS (default 20000) and AGG_BENCH_SPAN_S (event-time span in
// seconds, default 600) set how many events share a user window.
func BenchmarkAggregatorThroughput(b *testing.B) {
	users := benchInt("AGG_BENCH_USERS", 20000)
	span := time.Duration(benchInt("AGG_BENCH_SPAN_S", 600)) * time.Second
	e := newEnv(b)
	recs := benchLog(b.N, users, span, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := e.produce(recs); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	a, err := aggregator.New(aggregator.WithKafka(e.kafka), aggregator.WithRegistry(e.client), aggregator.WithInstanceID("bench"),
		aggregator.WithCommitInterval(time.Duration(benchInt("AGG_BENCH_COMMIT_MS", 100))*time.Millisecond),
		aggregator.WithMetrics(reg))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if path := os.Getenv("AGG_BENCH_CPUPROFILE"); path != "" {
		// Profiles only the timed part, unlike go test -cpuprofile.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	go func() { done <- a.Run(ctx) }()
	e.waitCaughtUp(b, 10*time.Minute)
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cpu-cores")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/event")
	n, sum := histogram(b, reg, "retailpulse_aggregator_commit_duration_seconds")
	b.ReportMetric(float64(n), "commits")
	b.ReportMetric(sum/float64(max(n, 1))*1000, "commit-ms")
	b.ReportMetric(float64(counter(b, reg, "retailpulse_aggregator_records_emitted_total"))/float64(b.N), "writes/event")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the process's user plus system CPU time: broker, librdkafka
// threads and the aggregator together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func histogram(b *testing.B, reg *prometheus.Registry, name string) (uint64, float64) {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	return 0, 0
}

// counter sums every child of a counter vector.
func counter(b *testing.B, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// BenchmarkWindowLatency measures how soon a closed window's aggregate is
// readable downstream: live events (event time = wall time) flow at
// AGG_BENCH_RATE per second for AGG_BENCH_LIVE_S seconds through 5 s
// windows with 1 s grace, and a read_committed consumer records, for every
// aggregate, its arrival time minus the moment its window closed (window
// end + grace; with live event times that is when the closing event was
// produced). Reports p50, p99 and max in milliseconds.
//
//	go test -run '^$' -bench WindowLatency -benchtime 1x ./sidecars/aggregator/
func BenchmarkWindowLatency(b *testing.B) {
	const (
		size  = 5 * time.Second
		grace = time.Second
	)
	rate := benchInt("AGG_BENCH_RATE", 20000)
	live := time.Duration(benchInt("AGG_BENCH_LIVE_S", 20)) * time.Second
	users := benchInt("AGG_BENCH_USERS", 20000)
	for i := 0; i < b.N; i++ {
		e := newEnv(b)
		a, err := aggregator.New(aggregator.WithKafka(e.kafka), aggregator.WithRegistry(e.client), aggregator.WithInstanceID("latency"),
			aggregator.WithWindowSize(size), aggregator.WithGrace(grace))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		lat := e.measureLatency(b, rate, users, live, grace)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if len(lat) == 0 {
			b.Fatal("no aggregates observed")
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(q(1), "max-ms")
		b.ReportMetric(float64(len(lat)), "windows")
		b.ReportMetric(0, "ns/op")
	}
}

func (e *env) measureLatency(b *testing.B, rate, users int, live, grace time.Duration) []time.Duration {
	var (
		mu  sync.Mutex
		lat []time.Duration
	)
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		cc := e.kafka.Consumer("latency", fmt.Sprint("latency-", time.Now().UnixNano()))
		c, err := kafka.NewConsumer(cc)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		topic := topics.RecommendationInput
		var tps []kafka.TopicPartition
		for p := int32(0); p < numPartitions; p++ {
			tps = append(tps, kafka.TopicPartition{Topic: &topic, Partition: p, Offset: kafka.OffsetBeginning})
		}
		_ = c.Assign(tps)
		des, _ := serde.NewDeserializer(e.client)
		var agg avro.BehaviorAggregate
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, ok := c.Poll(50).(*kafka.Message)
			if !ok {
				continue
			}
			now := time.Now()
			if err := des.Deserialize(context.Background(), topic, m.Value, &agg); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			lat = append(lat, now.Sub(agg.WindowEnd.Add(grace)))
			mu.Unlock()
		}
	}()
	// Produce in 10 ms ticks with live event times.
	r := rand.New(rand.NewPCG(3, 4))
	perTick := max(rate/100, 1)
	end := time.Now().Add(live)
	n := 0
	for tick := time.NewTicker(10 * time.Millisecond); time.Now().Before(end); <-tick.C {
		recs := make([]record, perTick)
		now := time.Now()
		for i := range recs {
			u := "u" + strconv.Itoa(r.IntN(users))
			n++
			recs[i] = record{key: u, ev: &avro.UserEvent{EventID: eventID(n), EventType: avro.EventProductView, UserID: u,
				SessionID: u + "-s", EventTime: now, Attributes: map[string]string{}}}
		}
		if err := e.produce(recs); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(2 * grace) // let the last closed windows arrive
	close(stop)
	<-watched
	mu.Lock()
	defer mu.Unlock()
	return lat
}
