package redis_test

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
)

// BenchmarkPut measures the sink's write path: Put of batches of 500
// decoded BehaviorAggregate records (the worker's batch size) for 10,000
// users, each record a new window, against a local redis-server. Record
// decoding is done up front and not measured.
//
//	go test ./connectors/redis/ -run '^$' -bench Put -benchtime 200000x
func BenchmarkPut(b *testing.B) {
	for _, bc := range []struct {
		name string
		kv   []string
	}{
		{"pipeline=100", []string{redis.BatchSizeConfig, "100"}},
		{"pipeline=1000", []string{redis.BatchSizeConfig, "1000"}},
		{"pipeline=1000/fields=3", []string{redis.BatchSizeConfig, "1000", redis.FieldsConfig, "behavior_score,page_views,item_ids"}},
		{"pipeline=1000/fields=json", []string{redis.BatchSizeConfig, "1000", redis.FieldsConfig, "features=value"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := redistest.Start(b)
			task := startTask(b, &connectortest.SinkContext{Strict: true}, props(srv, bc.kv...))
			src := newAvroSource(b, "BehaviorAggregate")
			const users, batch = 10_000, 500
			// Decoded values are reused with fresh watermarks so that every
			// put is an applied update, not a skipped replay. A put holds
			// fewer records than there are users, so no value is in a put
			// twice and it can be changed in place once Put returned.
			templates := make([]connectors.SinkRecord, users)
			for i := range templates {
				u := "bench-" + strconv.Itoa(i)
				templates[i] = src.record(b, ri, u, aggregate(u, 1, map[string]int32{"shoes": 1, "hats": 2}))
			}
			ctx := context.Background() // no deadline: a slow machine must not fail the run
			records := make([]connectors.SinkRecord, batch)
			admin := srv.Client(b)
			serverCPU0, clientCPU0 := serverCPU(b, admin), processCPU()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for n := 0; n < b.N; n += batch {
				m := min(batch, b.N-n)
				for i := 0; i < m; i++ {
					seq := n + i
					rec := templates[seq%users]
					rec.Value.(map[string]any)["window_end"] = time.UnixMilli(int64(seq/users+2) * 30_000)
					records[i] = rec
				}
				if err := task.Put(ctx, records[:m]); err != nil {
					b.Fatalf("put: %v", err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			// CPU time, unlike wall time, is not inflated by other load on
			// the machine: it tells what each side costs per record.
			b.ReportMetric((serverCPU(b, admin)-serverCPU0).Seconds()*1e6/float64(b.N), "redis-cpu-µs/record")
			b.ReportMetric((processCPU()-clientCPU0).Seconds()*1e6/float64(b.N), "sink-cpu-µs/record")
		})
	}
}

// serverCPU is redis-server's user plus system CPU time (INFO cpu).
func serverCPU(b *testing.B, c *goredis.Client) time.Duration {
	info := c.Info(ctxT(b), "cpu").Val()
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		for _, k := range []string{"used_cpu_user:", "used_cpu_sys:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
	}
	return time.Duration(total * float64(time.Second))
}

// processCPU is this process's CPU time: the sink, go-redis and the
// benchmark loop.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
