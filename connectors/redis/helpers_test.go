package redis_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/converters"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

const testTimeout = 20 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// taskSpec is the spec the worker parses task configs with.
var taskSpec = connectors.CommonSpec.Merge(connectors.SinkSpec, redis.Spec)

func props(srv *redistest.Server, kv ...string) map[string]string {
	p := map[string]string{
		connectors.NameConfig: "redis-test", connectors.ConnectorClassConfig: redis.Alias,
		connectors.TopicsConfig: topics.RecommendationInput, redis.HostsConfig: srv.Addr(),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func parse(t testing.TB, p map[string]string) *connectors.Config {
	t.Helper()
	cfg, err := taskSpec.Parse(p)
	if err != nil {
		t.Fatalf("parsing config: %v", err)
	}
	return cfg
}

// startTask starts a task through the SPI, as the worker does, and stops
// it when the test ends.
func startTask(t testing.TB, tctx *connectortest.SinkContext, p map[string]string) connectors.SinkTask {
	t.Helper()
	return connectortest.StartSinkTask(t, redis.Plugin(), tctx, parse(t, p))
}

// avroSource turns Go values of the governed schemas into SinkRecords the
// way the worker does: serialized in the Confluent wire format and decoded
// by the real AvroConverter, so the tests see the exact value model.
type avroSource struct {
	ser  *serde.Serializer
	conv *converters.Avro
	next map[string]int64
}

func newAvroSource(t testing.TB, schemaName string) *avroSource {
	t.Helper()
	sch, ok := avro.ByName(schemaName)
	if !ok {
		t.Fatalf("no governed schema %s", schemaName)
	}
	reg := serdetest.NewServer(t)
	client, err := serde.NewClient(reg.URL())
	if err != nil {
		t.Fatalf("creating registry client: %v", err)
	}
	ser, err := serde.NewSerializer(client, serde.WithSchema(sch.Text))
	if err != nil {
		t.Fatalf("creating serializer: %v", err)
	}
	conv, err := converters.NewAvro(client, false)
	if err != nil {
		t.Fatalf("creating converter: %v", err)
	}
	return &avroSource{ser: ser, conv: conv, next: map[string]int64{}}
}

// record converts v (nil for a tombstone) into the next record of
// topic-0 with the given string key.
func (s *avroSource) record(t testing.TB, topic, key string, v any) connectors.SinkRecord {
	t.Helper()
	ctx := ctxT(t)
	var value any
	var schema *connectors.Schema
	if v != nil {
		data, err := s.ser.Serialize(ctx, topic, v)
		if err != nil {
			t.Fatalf("serializing: %v", err)
		}
		if schema, value, err = s.conv.ToConnect(ctx, topic, nil, data); err != nil {
			t.Fatalf("converting: %v", err)
		}
	}
	off := s.next[topic]
	s.next[topic]++
	return connectors.SinkRecord{
		Record: connectors.Record{Topic: topic, Key: key, KeySchema: connectors.Primitive(connectors.String),
			Value: value, ValueSchema: schema, Timestamp: time.UnixMilli(1_700_000_000_000 + off)},
		Offset: off, TimestampType: connectors.CreateTime,
		OriginalTopic: topic, OriginalOffset: off,
	}
}

// aggregate builds a BehaviorAggregate for window k of a user.
func aggregate(user string, k int64, views map[string]int32) avro.BehaviorAggregate {
	start := time.UnixMilli(k * 30_000).UTC()
	minP, meanP, maxP := 9.99, 19.5, 29.01
	return avro.BehaviorAggregate{
		UserID: user, WindowStart: start, WindowEnd: start.Add(30 * time.Second),
		PageViews: int32(k % 7), ProductViews: 3, Clicks: 2, CartAdds: 1, Purchases: int32(k % 2),
		DistinctItems: 2, CategoryViews: views, CategoryClicks: map[string]int32{},
		CartAddValue: 19.99, PurchaseValue: math.Nextafter(0.3, 1),
		MinViewedPrice: &minP, MeanViewedPrice: &meanP, MaxViewedPrice: &maxP,
		FirstEventTime: start.Add(time.Second), LastEventTime: start.Add(29 * time.Second),
		BehaviorScore: 4.25, ItemIDs: []string{"item-1", "item-2"},
	}
}
