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
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

const ri = topics.RecommendationInput

func TestWritesLatestWindowWithTTLAndRollingCategories(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, redis.TTLConfig, "100"))
	src := newAvroSource(t, "BehaviorAggregate")

	first := aggregate("u1", 100, map[string]int32{"shoes": 3, "hats": 1})
	if err := task.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "u1", first)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := admin.HGetAll(ctx, "rp:user:u1").Val()
	wantEnd := strconv.FormatInt(first.WindowEnd.UnixMilli(), 10)
	for field, want := range map[string]string{
		"user_id": "u1", "window_end": wantEnd, "page_views": "2", "purchases": "0",
		"cart_add_value": "19.99", "purchase_value": "0.30000000000000004", "min_viewed_price": "9.99",
		"first_event_time": strconv.FormatInt(first.FirstEventTime.UnixMilli(), 10),
		"item_ids":         `["item-1","item-2"]`, "category_views": `{"hats":1,"shoes":3}`, "category_clicks": `{}`,
		"cat_views:shoes": "3", "cat_views:hats": "1", "_wm:" + ri: wantEnd,
	} {
		if got[field] != want {
			t.Errorf("field %s = %q, want %q", field, got[field], want)
		}
	}
	if ttl := admin.TTL(ctx, "rp:user:u1").Val(); ttl <= 90*time.Second || ttl > 100*time.Second {
		t.Errorf("TTL after first write = %v, want about 100s", ttl)
	}

	// A newer window replaces the features, deletes fields that became
	// null, adds into the rolling map and refreshes the TTL.
	admin.Expire(ctx, "rp:user:u1", 5*time.Second)
	second := aggregate("u1", 101, map[string]int32{"shoes": 2})
	second.MinViewedPrice = nil
	if err := task.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "u1", second)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	got = admin.HGetAll(ctx, "rp:user:u1").Val()
	if _, ok := got["min_viewed_price"]; ok {
		t.Errorf("min_viewed_price kept after a window without priced views: %q", got["min_viewed_price"])
	}
	if got["page_views"] != "3" || got["cat_views:shoes"] != "5" || got["cat_views:hats"] != "1" {
		t.Errorf("after second window: page_views=%q cat_views:shoes=%q cat_views:hats=%q, want 3, 5, 1",
			got["page_views"], got["cat_views:shoes"], got["cat_views:hats"])
	}
	if ttl := admin.TTL(ctx, "rp:user:u1").Val(); ttl <= 90*time.Second {
		t.Errorf("TTL not refreshed by the write: %v", ttl)
	}
}

func TestReplaysNeverRegressOrDoubleCount(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	src := newAvroSource(t, "BehaviorAggregate")

	var batch []connectors.SinkRecord
	for k := int64(10); k < 15; k++ {
		batch = append(batch, src.record(t, ri, "u7", aggregate("u7", k, map[string]int32{"books": int32(k)})))
	}
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	before := admin.HGetAll(ctx, "rp:user:u7").Val()
	if before["cat_views:books"] != strconv.Itoa(10+11+12+13+14) {
		t.Fatalf("cat_views:books = %q, want %d", before["cat_views:books"], 10+11+12+13+14)
	}

	// The consumer group rewinds: the same records arrive again, in a
	// different batching, plus an even older window out of order.
	replay := append([]connectors.SinkRecord{src.record(t, ri, "u7", aggregate("u7", 3, map[string]int32{"books": 100}))}, batch...)
	for i := 0; i < len(replay); i += 2 {
		if err := task.Put(ctx, replay[i:min(i+2, len(replay))]); err != nil {
			t.Fatalf("replay put: %v", err)
		}
	}
	if after := admin.HGetAll(ctx, "rp:user:u7").Val(); !maps.Equal(before, after) {
		t.Errorf("replay changed the hash:\nbefore %v\nafter  %v", before, after)
	}

	// Out of order inside one batch: the newest wins whatever the order.
	mixed := []connectors.SinkRecord{
		src.record(t, ri, "u8", aggregate("u8", 21, nil)),
		src.record(t, ri, "u8", aggregate("u8", 20, nil)),
	}
	if err := task.Put(ctx, mixed); err != nil {
		t.Fatalf("put: %v", err)
	}
	want := strconv.FormatInt(aggregate("u8", 21, nil).WindowEnd.UnixMilli(), 10)
	if got := admin.HGet(ctx, "rp:user:u8", "window_end").Val(); got != want {
		t.Errorf("window_end = %s, want the newer window's %s", got, want)
	}
}

func TestTombstones(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	src := newAvroSource(t, "BehaviorAggregate")
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	if err := task.Put(ctx, []connectors.SinkRecord{
		src.record(t, ri, "gone", aggregate("gone", 1, nil)),
		src.record(t, ri, "gone", nil),
	}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if n := admin.Exists(ctx, "rp:user:gone").Val(); n != 0 {
		t.Errorf("tombstone did not delete the hash")
	}

	// A pattern reading the value cannot name a tombstone's hash: the
	// record is reported, not silently dropped.
	tctx := &connectortest.SinkContext{}
	byValue := startTask(t, tctx, props(srv, redis.KeyPatternConfig, "u:{user_id}"))
	tomb := src.record(t, ri, "x", nil)
	if err := byValue.Put(ctx, []connectors.SinkRecord{tomb}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if r := tctx.Reported(); len(r) != 1 || !errors.Is(r[0].Err, redis.ErrMapping) || r[0].Record.Offset != tomb.Offset {
		t.Errorf("reports = %v, want the tombstone with ErrMapping", r)
	}

	// With deletes off, tombstones are ignored.
	keep := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, redis.TombstoneDeleteConfig, "false"))
	if err := keep.Put(ctx, []connectors.SinkRecord{src.record(t, ri, "stay", aggregate("stay", 1, nil)),
		src.record(t, ri, "stay", nil)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if n := admin.Exists(ctx, "rp:user:stay").Val(); n != 1 {
		t.Errorf("tombstone deleted the hash although deletes are off")
	}
}

func TestBadRecordsGoThroughErrorTolerance(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	src := newAvroSource(t, "BehaviorAggregate")
	admin.Set(ctx, "rp:user:str", "not a hash", 0)
	noWatermark := connectors.SinkRecord{Record: connectors.Record{Topic: ri, Key: "nowm",
		Value: map[string]any{"user_id": "nowm"}}, Offset: 99}
	batch := []connectors.SinkRecord{
		src.record(t, ri, "ok1", aggregate("ok1", 1, nil)),
		noWatermark,
		src.record(t, ri, "str", aggregate("str", 1, nil)),
		src.record(t, ri, "ok2", aggregate("ok2", 1, nil)),
	}

	tctx := &connectortest.SinkContext{}
	task := startTask(t, tctx, props(srv))
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put with errors.tolerance=all: %v", err)
	}
	reports := tctx.Reported()
	if len(reports) != 2 || reports[0].Record.Offset != 99 || !errors.Is(reports[0].Err, redis.ErrMapping) ||
		reports[1].Record.Key != "str" || !errors.Is(reports[1].Err, redis.ErrRejected) {
		t.Fatalf("reports = %+v, want the record without watermark (mapping) and the WRONGTYPE one (rejected)", reports)
	}
	if n := admin.Exists(ctx, "rp:user:ok1", "rp:user:ok2").Val(); n != 2 {
		t.Errorf("good records written: %d of 2", n)
	}

	strict := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	err := strict.Put(ctx, batch)
	if !errors.Is(err, connectors.ErrToleranceExceeded) || !errors.Is(err, redis.ErrMapping) {
		t.Errorf("put with errors.tolerance=none = %v, want ErrToleranceExceeded wrapping ErrMapping", err)
	}
}

func TestCustomMappingAndPerTopicOverrides(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	const sf = topics.SessionFeatures
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv,
		connectors.TopicsConfig, ri+","+sf,
		redis.KeyPatternConfig, "feat:{topic}:{user_id}",
		redis.FieldsConfig, "score=value.behavior_score,we=window_end,src=header.src,off=offset",
		redis.RollingMapsConfig, "",
		"topic."+sf+"."+redis.KeyPatternConfig, "rp:session:{key}",
		"topic."+sf+"."+redis.FieldsConfig, "user_id,cart=cart_items",
		"topic."+sf+"."+redis.WatermarkConfig, "last_event_at",
		"topic."+sf+"."+redis.RollingMapsConfig, "categories=cats:",
		"topic."+sf+"."+redis.TTLConfig, "0",
	))
	agg := newAvroSource(t, "BehaviorAggregate")
	rec := agg.record(t, ri, "ignored", aggregate("u1", 5, nil))
	rec.Headers = []connectors.Header{{Key: "src", Value: []byte("loadgen")}}
	sess := newAvroSource(t, "SessionFeatures")
	sfRecord := sess.record(t, sf, "s-1", avro.SessionFeatures{
		SessionID: "s-1", UserID: "u1", StartedAt: time.UnixMilli(1000), LastEventAt: time.UnixMilli(5000),
		CartItems: map[string]int32{"i1": 2}, Categories: map[string]int32{"shoes": 4},
	})
	if err := task.Put(ctx, []connectors.SinkRecord{rec, sfRecord}); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := admin.HGetAll(ctx, "feat:"+ri+":u1").Val()
	want := map[string]string{"score": "4.25", "we": strconv.FormatInt(time.UnixMilli(6*30_000).UnixMilli(), 10),
		"src": "loadgen", "off": "0", "_wm:" + ri: strconv.FormatInt(6*30_000, 10)}
	if !maps.Equal(got, want) {
		t.Errorf("recommendation-input hash = %v, want %v", got, want)
	}
	got = admin.HGetAll(ctx, "rp:session:s-1").Val()
	want = map[string]string{"user_id": "u1", "cart": `{"i1":2}`, "cats:shoes": "4", "_wm:" + sf: "5000"}
	if !maps.Equal(got, want) {
		t.Errorf("session hash = %v, want %v", got, want)
	}
	if ttl := admin.TTL(ctx, "rp:session:s-1").Val(); ttl != -1 {
		t.Errorf("session TTL = %v, want none (ttl 0 override)", ttl)
	}
}

func TestLargeBatchesArePipelinedInChunks(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, redis.BatchSizeConfig, "7",
		redis.PipelineLanesConfig, "1"))
	src := newAvroSource(t, "BehaviorAggregate")
	var batch []connectors.SinkRecord
	for i := 0; i < 50; i++ {
		u := "p" + strconv.Itoa(i)
		batch = append(batch, src.record(t, ri, u, aggregate(u, 1, map[string]int32{"c": 1})))
	}
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	if n := admin.DBSize(ctx).Val(); n != 50 {
		t.Errorf("%d hashes written, want 50", n)
	}
	stats := admin.Info(ctx, "commandstats").Val()
	// One script call per pipeline of at most 7 records.
	if want := "cmdstat_evalsha:calls=8,"; !strings.Contains(stats, want) {
		t.Errorf("commandstats lack %q:\n%s", want, stats)
	}
}
