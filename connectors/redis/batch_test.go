package redis_test

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
)

// evalshaCalls is how many script calls the server ran so far.
func evalshaCalls(t *testing.T, srv *redistest.Server) int {
	t.Helper()
	stats := srv.Client(t).Info(ctxT(t), "commandstats").Val()
	_, rest, ok := strings.Cut(stats, "cmdstat_evalsha:calls=")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
	return n
}

// TestOneScriptCallAppliesEachRecordOnItsOwn puts a batch that goes to
// Redis as a single script call and holds every outcome a record can
// have: applied, skipped as a replay, refused by Redis, and the same hash
// several times in ascending and descending window order and around a
// tombstone. Each record must be judged on its own, in record order.
func TestOneScriptCallAppliesEachRecordOnItsOwn(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	src := newAvroSource(t, "BehaviorAggregate")
	views := func(n int32) map[string]int32 { return map[string]int32{"x": n} }

	// State before the batch: a user at window 50 whose TTL runs out soon,
	// a key of another type, a counter and a watermark that are not numbers.
	seed := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	if err := seed.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "old", aggregate("old", 50, views(1)))}); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	admin.Expire(ctx, "rp:user:old", 30*time.Second)
	admin.Set(ctx, "rp:user:str", "not a hash", 0)
	admin.HSet(ctx, "rp:user:badctr", "cat_views:x", "many")
	admin.HSet(ctx, "rp:user:badwm", "_wm:"+ri, "yesterday")
	callsBefore := evalshaCalls(t, srv)

	batch := []connectors.SinkRecord{
		src.record(t, ri, "new", aggregate("new", 7, views(1))),       // 0 applied
		src.record(t, ri, "old", aggregate("old", 49, views(100))),    // 1 skipped: older than stored
		src.record(t, ri, "str", aggregate("str", 7, views(1))),       // 2 rejected: WRONGTYPE
		src.record(t, ri, "up", aggregate("up", 10, views(1))),        // 3 applied
		src.record(t, ri, "badctr", aggregate("badctr", 7, views(1))), // 4 rejected: counter not a number
		src.record(t, ri, "up", aggregate("up", 11, views(2))),        // 5 applied: newer than 3
		src.record(t, ri, "down", aggregate("down", 11, views(4))),    // 6 applied
		src.record(t, ri, "badwm", aggregate("badwm", 7, views(1))),   // 7 rejected: watermark not a number
		src.record(t, ri, "down", aggregate("down", 10, views(8))),    // 8 skipped: older than 6
		src.record(t, ri, "tomb", aggregate("tomb", 3, views(16))),    // 9 applied
		src.record(t, ri, "tomb", nil),                                // 10 deletes the hash
		src.record(t, ri, "tomb", aggregate("tomb", 2, views(32))),    // 11 applied to a fresh hash
	}
	tctx := &connectortest.SinkContext{}
	task := startTask(t, tctx, props(srv, redis.PipelineLanesConfig, "1"))
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	if n := evalshaCalls(t, srv) - callsBefore; n != 1 {
		t.Fatalf("batch went out in %d script calls, want 1 (the test is about records sharing a call)", n)
	}

	reports := tctx.Reported()
	var got []string
	for _, r := range reports {
		if !errors.Is(r.Err, redis.ErrRejected) {
			t.Errorf("record %v reported with %v, want ErrRejected", r.Record.Key, r.Err)
		}
		got = append(got, r.Record.Key.(string)+": "+r.Err.Error())
	}
	if len(reports) != 3 || reports[0].Record.Key != "str" || !strings.Contains(got[0], "WRONGTYPE") ||
		reports[1].Record.Key != "badctr" || !strings.Contains(got[1], "cat_views:x is not a number") ||
		reports[2].Record.Key != "badwm" || !strings.Contains(got[2], "_wm:"+ri+" is not a number") {
		t.Fatalf("reports:\n%s\nwant str (WRONGTYPE), badctr and badwm (not a number), in record order", strings.Join(got, "\n"))
	}
	// A refused record writes nothing.
	if h := admin.HGetAll(ctx, "rp:user:badctr").Val(); !maps.Equal(h, map[string]string{"cat_views:x": "many"}) {
		t.Errorf("refused record changed its hash: %v", h)
	}
	if h := admin.HGetAll(ctx, "rp:user:badwm").Val(); len(h) != 1 {
		t.Errorf("refused record changed its hash: %v", h)
	}

	end := func(k int64) string { return strconv.FormatInt(aggregate("", k, nil).WindowEnd.UnixMilli(), 10) }
	for _, tc := range []struct {
		key, windowEnd, views string
	}{
		{"new", end(7), "1"},
		{"old", end(50), "1"},  // the replay neither overwrote nor counted
		{"up", end(11), "3"},   // both windows applied in order
		{"down", end(11), "4"}, // the older second record counted nothing
		{"tomb", end(2), "32"}, // only what came after the delete
	} {
		h := admin.HGetAll(ctx, "rp:user:"+tc.key).Val()
		if h["window_end"] != tc.windowEnd || h["_wm:"+ri] != tc.windowEnd || h["cat_views:x"] != tc.views {
			t.Errorf("%s: window_end=%s _wm=%s cat_views:x=%s, want %s, %s, %s", tc.key,
				h["window_end"], h["_wm:"+ri], h["cat_views:x"], tc.windowEnd, tc.windowEnd, tc.views)
		}
	}
	// Applied records refresh the TTL; a skipped one leaves it alone.
	if ttl := admin.TTL(ctx, "rp:user:old").Val(); ttl > 30*time.Second || ttl <= 0 {
		t.Errorf("TTL of the skipped replay's hash = %v, want the 30s left before", ttl)
	}
	for _, k := range []string{"new", "up", "down", "tomb"} {
		if ttl := admin.TTL(ctx, "rp:user:"+k).Val(); ttl <= 59*time.Minute {
			t.Errorf("TTL of %s = %v, want about 1h", k, ttl)
		}
	}
}

// TestRollingSumsAcrossRecordsAndMaps covers the counter arithmetic the
// script does: float sums in their shortest exact text, integer sums as
// integers, and two maps reaching the same field through overlapping
// prefixes summed before the script sees them.
func TestRollingSumsAcrossRecordsAndMaps(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv,
		redis.KeyPatternConfig, "s:{key}", redis.FieldsConfig, "n=value.n", redis.WatermarkConfig, "offset",
		redis.RollingMapsConfig, "a=c:,b=c:x,f=f:"))
	rec := func(off int64, v map[string]any) connectors.SinkRecord {
		return connectors.SinkRecord{Record: connectors.Record{Topic: ri, Key: "k", Value: v}, Offset: off}
	}
	batch := []connectors.SinkRecord{
		rec(1, map[string]any{"n": int64(1), "a": map[string]any{"xy": int32(2)}, "b": map[string]any{"y": int64(5)},
			"f": map[string]any{"p": 0.1}}),
		rec(2, map[string]any{"n": int64(2), "a": map[string]any{"xy": int32(1), "z": 1.5}, "f": map[string]any{"p": 0.2, "q": float32(0.1)}}),
		rec(1, map[string]any{"n": int64(9), "a": map[string]any{"xy": int32(100)}}), // replay of offset 1
	}
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := admin.HGetAll(ctx, "s:k").Val()
	want := map[string]string{"n": "2", "c:xy": "8", "c:z": "1.5", "f:p": "0.30000000000000004", "f:q": "0.1",
		"_wm:" + ri + ":0": "2"}
	if !maps.Equal(got, want) {
		t.Errorf("hash = %v, want %v", got, want)
	}

	// A record with more counters than one Redis call takes is read and
	// written in parts, twice to check the sums.
	wide := map[string]any{}
	want = map[string]string{"n": "1", "_wm:" + ri + ":0": "2"}
	for i := 0; i < 1300; i++ {
		wide["k"+strconv.Itoa(i)] = int64(i)
		want["c:k"+strconv.Itoa(i)] = strconv.Itoa(2 * i)
	}
	big := func(off int64) connectors.SinkRecord {
		r := rec(off, map[string]any{"n": int64(1), "a": wide})
		r.Key = "wide"
		return r
	}
	if err := task.Put(ctx, []connectors.SinkRecord{big(1), big(2)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if got := admin.HGetAll(ctx, "s:wide").Val(); !maps.Equal(got, want) {
		t.Errorf("wide hash has %d fields, want %d; c:k1299 = %q, want %q", len(got), len(want), got["c:k1299"], want["c:k1299"])
	}
}
