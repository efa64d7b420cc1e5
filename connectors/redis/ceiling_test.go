package redis_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
)

// BenchmarkRedisCeiling measures what redis-server alone spends per
// record of the default layout (23 feature fields, the watermark and two
// rolling counters, 10,000 users) for different ways of writing it, in
// pipelines of 128 records (one script call for the script rows), with
// hashes in Redis's default listpack encoding and in hashtable encoding
// (hash-max-listpack-entries 0). The
// plain-command rows have no replay guard and bound what any sink can
// reach; script=noop is only the cost of passing the arguments through
// Lua; script=apply is the sink's update script, as BenchmarkPut runs it.
//
//	go test ./connectors/redis/ -run '^$' -bench RedisCeiling -benchtime 200000x
func BenchmarkRedisCeiling(b *testing.B) {
	fields := []string{"user_id", "u", "window_start", "1700000000000", "window_end", "1700000030000",
		"page_views", "3", "product_views", "3", "clicks", "2", "cart_adds", "1", "cart_removes", "0",
		"purchases", "0", "searches", "0",
		"distinct_items", "2", "category_views", `{"hats":2,"shoes":1}`, "category_clicks", "{}",
		"cart_add_value", "19.99", "cart_remove_value", "0", "purchase_value", "0.30000000000000004", "min_viewed_price", "9.99",
		"mean_viewed_price", "19.5", "max_viewed_price", "29.01", "first_event_time", "1700000001000",
		"last_event_time", "1700000029000", "behavior_score", "4.25", "item_ids", `["item-1","item-2"]`}
	const users, perCall = 10_000, 128
	type variant struct {
		name   string
		script string
		// each builds the pipeline of records seq..seq+perCall-1.
		each func(ctx context.Context, p goredis.Pipeliner, sha string, seq int)
	}
	key := func(seq int) string { return "rp:user:bench-" + strconv.Itoa(seq%users) }
	wm := func(seq int) string { return strconv.Itoa((seq/users + 2) * 30_000) }
	record := func(seq int) []any {
		args := make([]any, 0, len(fields)+6)
		for _, f := range fields {
			args = append(args, f)
		}
		return append(args, "_wm:recommendation-input", wm(seq), "cat_views:shoes", "1", "cat_views:hats", "2")
	}
	batchArgs := func(seq int, header bool) ([]string, []any) {
		var keys []string
		var argv []any
		for i := 0; i < perCall; i++ {
			keys = append(keys, key(seq+i))
			if header {
				argv = append(argv, "wii", "3600", strconv.Itoa(len(fields)/2+1), "0")
			}
			argv = append(argv, record(seq+i)...)
		}
		return keys, argv
	}
	for _, v := range []variant{
		{name: "HSET", each: func(ctx context.Context, p goredis.Pipeliner, _ string, seq int) {
			for i := 0; i < perCall; i++ {
				p.HSet(ctx, key(seq+i), record(seq+i)...)
			}
		}},
		{name: "HSET+EXPIRE", each: func(ctx context.Context, p goredis.Pipeliner, _ string, seq int) {
			for i := 0; i < perCall; i++ {
				p.HSet(ctx, key(seq+i), record(seq+i)...)
				p.Expire(ctx, key(seq+i), time.Hour)
			}
		}},
		{name: "HMGET+HSET+EXPIRE", each: func(ctx context.Context, p goredis.Pipeliner, _ string, seq int) {
			for i := 0; i < perCall; i++ {
				p.HMGet(ctx, key(seq+i), "_wm:recommendation-input", "cat_views:shoes", "cat_views:hats")
				p.HSet(ctx, key(seq+i), record(seq+i)...)
				p.Expire(ctx, key(seq+i), time.Hour)
			}
		}},
		{name: "script=noop", script: `return #ARGV`,
			each: func(ctx context.Context, p goredis.Pipeliner, sha string, seq int) {
				keys, argv := batchArgs(seq, true)
				p.EvalSha(ctx, sha, keys, argv...)
			}},
		{name: "script=apply", script: redis.ApplyScriptSource,
			each: func(ctx context.Context, p goredis.Pipeliner, sha string, seq int) {
				keys, argv := batchArgs(seq, true)
				p.EvalSha(ctx, sha, keys, argv...)
			}},
	} {
		for _, encoding := range []string{"listpack", "hashtable"} {
			b.Run(v.name+"/"+encoding, func(b *testing.B) {
				srv := redistest.Start(b)
				c := srv.Client(b)
				ctx := context.Background()
				if encoding == "hashtable" {
					c.ConfigSet(ctx, "hash-max-listpack-entries", "0")
				}
				var sha string
				if v.script != "" {
					sha = c.ScriptLoad(ctx, v.script).Val()
				}
				cpu0 := serverCPU(b, c)
				pipes := 0
				b.ResetTimer()
				for seq := 0; seq < b.N; seq += perCall {
					p := c.Pipeline()
					v.each(ctx, p, sha, seq)
					cmds, err := p.Exec(ctx)
					if err != nil {
						b.Fatalf("exec: %v", err)
					}
					for _, cmd := range cmds {
						if cmd.Err() != nil {
							b.Fatalf("%s: %v", cmd.Name(), cmd.Err())
						}
					}
					pipes++
				}
				b.StopTimer()
				b.ReportMetric((serverCPU(b, c)-cpu0).Seconds()*1e6/float64(pipes*perCall), "redis-cpu-µs/record")
			})
		}
	}
}
