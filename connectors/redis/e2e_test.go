package redis_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

// TestConnectWorkerWritesToRedis runs the whole path: Avro aggregates on
// an embedded broker, a Connect worker, the connector created through the
// REST API with compose/connectors/redis-sink.json, features in Redis.
func TestConnectWorkerWritesToRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker and a worker")
	}
	srv := redistest.Start(t)
	s := connecttest.StartStack(t, kclient.TopicSpec{Name: ri, Partitions: 3})
	name, cfg := connecttest.ReadConnectorFile(t, filepath.Join("..", "..", "compose", "connectors", "redis-sink.json"),
		map[string]string{redis.HostsConfig: srv.Addr()})
	s.CreateConnector(name, cfg)

	sch, _ := avro.ByName("BehaviorAggregate")
	ser := s.Serializer(sch.Text)
	var msgs []connecttest.Message
	for i := 0; i < 20; i++ {
		u := "e2e-" + strconv.Itoa(i)
		v, err := ser.Serialize(context.Background(), ri, aggregate(u, 100, map[string]int32{"shoes": int32(i)}))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, connecttest.Message{Key: []byte(u), Value: v})
	}
	s.Produce(ri, msgs...)

	admin := srv.Client(t)
	ctx := context.Background()
	connecttest.WaitFor(t, "20 hashes in redis", func() error {
		if n := admin.DBSize(ctx).Val(); n != 20 {
			return fmt.Errorf("%d hashes", n)
		}
		return nil
	})
	got := admin.HGetAll(ctx, "rp:user:e2e-7").Val()
	if got["user_id"] != "e2e-7" || got["cat_views:shoes"] != "7" {
		t.Errorf("hash = %v", got)
	}
	if ttl := admin.TTL(ctx, "rp:user:e2e-7").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL = %v, want up to 1 h", ttl)
	}
}
