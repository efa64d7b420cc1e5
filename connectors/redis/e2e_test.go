package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

// TestConnectWorkerWritesToRedis runs the whole path: Avro aggregates on
// an embedded broker, a Connect worker, the connector created through the
// REST API with compose/connectors/redis-sink.json, features in Redis.
func TestConnectWorkerWritesToRedis(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	srv := redistest.Start(t)
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kc := kclient.Config{Bootstrap: b.Addr(), ClientID: "redis-e2e"}
	admin, err := kafka.NewAdminClient(kc.Admin("test"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{{Name: ri, Partitions: 3}}); err != nil {
		t.Fatalf("creating topics: %v", err)
	}
	admin.Close()
	reg := serdetest.NewServer(t)

	w, err := connect.New(connect.WithKafka(kc), connect.WithListenAddr("127.0.0.1:0"), connect.WithPlugins(plugins(t)),
		connect.WithSchemaRegistryURL(reg.URL()), connect.WithOffsetFlushInterval(200*time.Millisecond),
		connect.WithHeartbeat(200*time.Millisecond, 2*time.Second), connect.WithShutdownTimeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatalf("starting worker: %v", err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		_ = w.Stop(sctx)
	})
	waitFor(t, ctx, "worker ready", func() error { return w.Ready(ctx) })

	body := composeBody(t, srv.Addr())
	resp, err := http.Post(w.URL()+"/connectors", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating connector: %d %s", resp.StatusCode, msg)
	}

	produceAggregates(t, ctx, kc, reg.URL(), 20)
	admin2 := srv.Client(t)
	waitFor(t, ctx, "20 hashes in redis", func() error {
		if n := admin2.DBSize(ctx).Val(); n != 20 {
			return fmt.Errorf("%d hashes", n)
		}
		return nil
	})
	got := admin2.HGetAll(ctx, "rp:user:e2e-7").Val()
	if got["user_id"] != "e2e-7" || got["cat_views:shoes"] != "7" {
		t.Errorf("hash = %v", got)
	}
	if ttl := admin2.TTL(ctx, "rp:user:e2e-7").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL = %v, want up to 1 h", ttl)
	}
}

// plugins is the built-in registry, with RedisSink added if the build
// does not list it yet.
func plugins(t *testing.T) *connectors.Registry {
	t.Helper()
	r, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup(redis.Class, connectors.PluginSink); err == nil {
		return r
	}
	if r, err = builtin.Registry(redis.Plugin()); err != nil {
		t.Fatal(err)
	}
	return r
}

func composeBody(t *testing.T, addr string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "compose", "connectors", "redis-sink.json"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	body["config"].(map[string]any)[redis.HostsConfig] = addr
	out, _ := json.Marshal(body)
	return out
}

func produceAggregates(t *testing.T, ctx context.Context, kc kclient.Config, registryURL string, users int) {
	t.Helper()
	sch, _ := avro.ByName("BehaviorAggregate")
	client, err := serde.NewClient(registryURL)
	if err != nil {
		t.Fatal(err)
	}
	ser, err := serde.NewSerializer(client, serde.WithSchema(sch.Text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := kafka.NewProducer(kc.Producer("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dc := make(chan kafka.Event, users)
	topic := ri
	for i := 0; i < users; i++ {
		u := "e2e-" + strconv.Itoa(i)
		v, err := ser.Serialize(ctx, ri, aggregate(u, 100, map[string]int32{"shoes": int32(i)}))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Key: []byte(u), Value: v}, dc); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < users; i++ {
		select {
		case ev := <-dc:
			if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				t.Fatalf("delivery: %v", m.TopicPartition.Error)
			}
		case <-ctx.Done():
			t.Fatal("delivery timed out")
		}
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, fn func() error) {
	t.Helper()
	var err error
	for ctx.Err() == nil {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", what, err)
}
