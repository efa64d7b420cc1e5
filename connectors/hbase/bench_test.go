package hbase_test

import (
	"context"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/hbase"
)

// BenchmarkPut measures the sink's client-side throughput against the
// double (gohbase, real RPC framing over loopback, ZooKeeper lookups done
// once): profile updates of 5,000 users over 6 partitions, through the
// task's Put in batches of 500, as the worker delivers them.
//
//	new:    every record is new, so each batch is one Multi of puts plus
//	        one conditional increment per distinct row
//	replay: every record was applied already; the guards (cached) skip
//	        the increments and only the idempotent puts are resent
func BenchmarkPut(b *testing.B) {
	e := newEnv(b)
	e.createProfileTable()
	pool := e.toRecords(workload(20000, 5000, base), 6)
	for _, mode := range []string{"new", "replay"} {
		// Offsets keep growing across the runs of a sub-benchmark, so that
		// "new" records are new to the guards the previous run left.
		next := map[int32]int64{}
		b.Run(mode, func(b *testing.B) {
			task, _ := e.startTask(e.props(map[string]string{hbase.MaxBatchSizeConfig: "500"}))
			recs := make([]connectors.SinkRecord, b.N)
			for i := range recs {
				r := pool[i%len(pool)]
				r.Offset = next[r.Partition]
				r.OriginalOffset = r.Offset
				next[r.Partition]++
				recs[i] = r
			}
			if mode == "replay" {
				putBatches(b, task, recs)
			}
			b.ResetTimer()
			putBatches(b, task, recs)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func putBatches(b *testing.B, task connectors.SinkTask, recs []connectors.SinkRecord) {
	for i := 0; i < len(recs); i += 500 {
		if err := task.Put(context.Background(), recs[i:min(i+500, len(recs))]); err != nil {
			b.Fatal(err)
		}
	}
}
