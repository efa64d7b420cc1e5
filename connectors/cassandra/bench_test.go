package cassandra_test

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
)

// BenchmarkPut measures the sink's write path against the CQL test server
// over TCP: Put of batches of 500 decoded SessionFeatures records (the
// worker's batch size). "spread" has 10,000 sessions, so nearly every
// record is its own statement; "hot" has 20, so records group into
// batches of up to 32 per partition. The server runs in the same process
// and takes its share of the CPU; decoding is done up front.
//
//	go test ./connectors/cassandra/ -run '^$' -bench Put -benchtime 100000x
func BenchmarkPut(b *testing.B) {
	for _, bc := range []struct {
		name     string
		sessions int
	}{{"spread", 10_000}, {"hot", 20}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := startServer(b, cassandratest.WithClock(time.Now))
			task := startTask(b, &connectortest.SinkContext{Strict: true}, props(srv))
			src := newAvroSource(b)
			templates := make([]connectors.SinkRecord, bc.sessions)
			for i := range templates {
				id := "bench-" + strconv.Itoa(i)
				templates[i] = src.record(b, id, session(id, 3), 1_700_000_000_000)
			}
			ctx := context.Background() // no deadline: a slow machine must not fail the run
			const batch = 500
			records := make([]connectors.SinkRecord, batch)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu0 := time.Now(), processCPU()
			for n := 0; n < b.N; n += batch {
				m := min(batch, b.N-n)
				for i := 0; i < m; i++ {
					seq := n + i
					rec := templates[seq%bc.sessions]
					rec.Offset, rec.Timestamp = int64(seq), rec.Timestamp.Add(time.Duration(seq)*time.Millisecond)
					records[i] = rec
				}
				if err := task.Put(ctx, records[:m]); err != nil {
					b.Fatalf("put: %v", err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			// Sink, driver and test server share this process's CPU time.
			b.ReportMetric((processCPU()-cpu0).Seconds()*1e6/float64(b.N), "cpu-µs/record")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
