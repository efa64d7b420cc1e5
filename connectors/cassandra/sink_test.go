package cassandra_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
)

func TestUpsertsMapEveryFieldWithTTLAndRecordTimestamp(t *testing.T) {
	srv := startServer(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	src := newAvroSource(t)
	recs := []connectors.SinkRecord{
		src.record(t, "s-1", session("s-1", 4), 1_700_000_100_000),
		src.record(t, "s-2", session("s-2", 9), 1_700_000_100_001),
	}
	if err := task.Put(ctx, recs); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := row(t, srv, "s-1")
	want := map[string]any{
		"session_id": "s-1", "user_id": "user-s-1", "started_at": time.UnixMilli(1_700_000_000_000).UTC(),
		"last_event_at": time.UnixMilli(1_700_000_004_000).UTC(), "event_count": int32(4), "product_views": int32(2),
		"clicks": int32(1), "cart_adds": int32(1), "cart_removes": int32(0), "purchases": int32(0), "searches": int32(0),
		"recent_items": []any{"i2", "i1"}, "cart_items": map[string]any{"i1": int32(2)}, "cart_value": 39.98,
		"categories": map[string]any{"shoes": int32(4)}, "duration_ms": int64(4000), "ended": false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("row s-1:\n got %v\nwant %v", got, want)
	}
	meta, err := srv.Query(`SELECT TTL(user_id), WRITETIME(user_id) FROM retailpulse.session_features WHERE session_id = 's-2'`)
	if err != nil {
		t.Fatal(err)
	}
	if ttl := meta[0]["ttl(user_id)"].(int32); ttl < 86390 || ttl > 86400 {
		t.Errorf("TTL = %d, want 24 h", ttl)
	}
	// The write time is the record timestamp; the offset fills the
	// microseconds.
	if wt := meta[0]["writetime(user_id)"]; wt != int64(1_700_000_100_001*1000+1) {
		t.Errorf("writetime = %v, want %d", wt, int64(1_700_000_100_001*1000+1))
	}
	for _, s := range writes(srv) {
		if s.Consistency != "LOCAL_QUORUM" {
			t.Errorf("consistency %q, want LOCAL_QUORUM: %+v", s.Consistency, s)
		}
		if !strings.HasPrefix(s.CQL, `INSERT INTO "retailpulse"."session_features"`) || s.Values[len(s.Values)-2] != int32(86400) {
			t.Errorf("statement %q with values %v, want an insert with TTL 86400", s.CQL, s.Values)
		}
	}
}

func TestReplaysAndDeletesFollowRecordTimestamps(t *testing.T) {
	srv := startServer(t)
	ctx := ctxT(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	src := newAvroSource(t)
	older := src.record(t, "s", session("s", 1), 1_000)
	newer := src.record(t, "s", session("s", 2), 2_000)
	tomb := src.record(t, "s", nil, 3_000)
	put := func(recs ...connectors.SinkRecord) {
		t.Helper()
		if err := task.Put(ctx, recs); err != nil {
			t.Fatalf("put: %v", err)
		}
	}
	put(newer)
	put(older) // a replay of an older record
	if r := row(t, srv, "s"); r == nil || r["event_count"] != int32(2) {
		t.Fatalf("after replaying an older record: %v", r)
	}
	put(tomb)
	if r := row(t, srv, "s"); r != nil {
		t.Fatalf("tombstone did not delete: %v", r)
	}
	put(older, newer) // the whole history replayed: the delete still wins
	if r := row(t, srv, "s"); r != nil {
		t.Errorf("replay resurrected a deleted row: %v", r)
	}
	var deletes int
	for _, s := range writes(srv) {
		if strings.HasPrefix(s.CQL, "DELETE") {
			deletes++
			if s.Values[0] != int64(3_000_000+2) || s.Values[1] != "s" {
				t.Errorf("delete bound %v, want timestamp %d and key s", s.Values, 3_000_000+2)
			}
		}
	}
	if deletes != 1 {
		t.Errorf("%d deletes, want 1", deletes)
	}
}

func TestSameMillisecondKeepsPartitionOrder(t *testing.T) {
	srv := startServer(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv))
	src := newAvroSource(t)
	// Same timestamp, later offset: without the offset in the microseconds
	// Cassandra would keep the greater value of each column, 10 here.
	a := src.record(t, "tie", session("tie", 10), 5_000)
	b := src.record(t, "tie", session("tie", 9), 5_000)
	if err := task.Put(ctxT(t), []connectors.SinkRecord{a, b}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if r := row(t, srv, "tie"); r["event_count"] != int32(9) || r["duration_ms"] != int64(9000) {
		t.Errorf("row = %v, want the later record (9 events)", r)
	}
}

func TestBatchesStayWithinOnePartitionAndTheBounds(t *testing.T) {
	srv := startServer(t, cassandratest.WithMaxMutationBytes(4096))
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, cassandra.MaxRecordsInBatchConfig, "3",
		cassandra.MaxBatchBytesConfig, "4096", tablePfx+cassandra.ConsistencySetting, "local_one"))
	src := newAvroSource(t)
	var recs []connectors.SinkRecord
	for i := int64(0); i < 7; i++ {
		recs = append(recs, src.record(t, "hot", session("hot", int32(i)), 10_000+i))
	}
	recs = append(recs, src.record(t, "cold", session("cold", 1), 10_000))
	big := session("big", 1)
	for i := 0; i < 60; i++ {
		big.RecentItems = append(big.RecentItems, strings.Repeat("x", 40))
	}
	for i := int64(0); i < 4; i++ {
		recs = append(recs, src.record(t, "big", big, 20_000+i))
	}
	if err := task.Put(ctxT(t), recs); err != nil {
		t.Fatalf("put: %v", err)
	}
	perKey := map[string]int{}
	for _, s := range writes(srv) {
		if s.Consistency != "LOCAL_ONE" {
			t.Errorf("consistency %s, want LOCAL_ONE", s.Consistency)
		}
		if s.Err != 0 {
			t.Errorf("statement failed with 0x%x: %+v", s.Err, s)
		}
		children := s.Children
		if s.Kind != "BATCH" {
			children = []cassandratest.Statement{s}
		} else if len(children) > 3 || len(children) < 2 || s.Partitions != 1 || s.BatchType != "UNLOGGED" {
			t.Errorf("batch of %d statements over %d partitions (%s), want 2..3 over 1, unlogged", len(children), s.Partitions, s.BatchType)
		}
		for _, c := range children {
			perKey[c.Values[0].(string)]++
		}
	}
	if !reflect.DeepEqual(perKey, map[string]int{"hot": 7, "cold": 1, "big": 4}) {
		t.Errorf("statements per key = %v", perKey)
	}
	if r := row(t, srv, "hot"); r["event_count"] != int32(6) {
		t.Errorf("hot row = %v, want the last record", r)
	}
}

func TestNullHandling(t *testing.T) {
	srv := startServer(t)
	ctx := ctxT(t)
	src := newAvroSource(t)
	if err := srv.Exec(`INSERT INTO retailpulse.session_features (session_id, user_id, clicks) VALUES ('n', 'kept', 5)`); err != nil {
		t.Fatal(err)
	}
	// user_id comes from a header.
	mapping := strings.Replace(sessionMapping(), "user_id=value.user_id", "user_id=header.uid", 1)
	rec := src.record(t, "n", session("n", 3), 1_800_000_000_000)
	rec.Headers = []connectors.Header{{Key: "other", Value: []byte("x")}}
	tctx := &connectortest.SinkContext{}
	task := startTask(t, tctx, props(srv, mapKey, mapping))
	if err := task.Put(ctx, []connectors.SinkRecord{rec}); err != nil {
		t.Fatalf("put: %v", err)
	}
	// A missing header is an error, not a null, like a missing field.
	if r := tctx.Reported(); len(r) != 1 || !errors.Is(r[0].Err, cassandra.ErrRecord) || !strings.Contains(r[0].Err.Error(), "header.uid") {
		t.Errorf("reports = %v, want the record missing header uid", r)
	}
	if r := row(t, srv, "n"); r["user_id"] != "kept" || r["clicks"] != int32(5) {
		t.Errorf("row after a record missing its header = %v", r)
	}
	rec.Headers = []connectors.Header{{Key: "uid", Value: []byte("from-header")}}
	if err := task.Put(ctx, []connectors.SinkRecord{rec}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if r := row(t, srv, "n"); r["user_id"] != "from-header" || r["clicks"] != int32(1) {
		t.Errorf("row = %v, want user_id from the header", r)
	}
	schemaless := connectors.SinkRecord{Record: connectors.Record{Topic: sf, Key: "n", Timestamp: time.UnixMilli(1_900_000_000_000),
		Value: map[string]any{"user_id": nil, "clicks": int64(8)}}, Offset: 50}
	partial := "session_id=key, user_id=value.user_id, clicks=value.clicks"
	for _, tc := range []struct {
		nullToUnset string
		wantUser    any
	}{{"true", "from-header"}, {"false", nil}} {
		task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, mapKey, partial, tablePfx+cassandra.NullToUnsetSetting, tc.nullToUnset))
		schemaless.Offset++
		if err := task.Put(ctx, []connectors.SinkRecord{schemaless}); err != nil {
			t.Fatalf("put: %v", err)
		}
		if r := row(t, srv, "n"); r["user_id"] != tc.wantUser || r["clicks"] != int32(8) {
			t.Errorf("nullToUnset=%s: row = %v, want user_id %v", tc.nullToUnset, r, tc.wantUser)
		}
	}
}
