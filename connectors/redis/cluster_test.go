package redis_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
)

func TestClusterMode(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	ctx := ctxT(t)
	p := props(cluster.Nodes[0], redis.ClientModeConfig, redis.ModeCluster, redis.HostsConfig, strings.Join(cluster.Addrs(), ","))
	task := startTask(t, &connectortest.SinkContext{Strict: true}, p)
	src := newAvroSource(t, "BehaviorAggregate")
	var batch []connectors.SinkRecord
	for i := 0; i < 60; i++ {
		u := "c" + strconv.Itoa(i)
		batch = append(batch, src.record(t, ri, u, aggregate(u, 2, map[string]int32{"x": 1})))
	}
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	// Keys spread over the masters; every node had to run the script.
	client := cluster.Client(t)
	perNode := map[string]int{}
	for i := 0; i < 60; i++ {
		key := "rp:user:c" + strconv.Itoa(i)
		if got := client.HGet(ctx, key, "cat_views:x").Val(); got != "1" {
			t.Fatalf("%s cat_views:x = %q", key, got)
		}
		slot := client.ClusterKeySlot(ctx, key).Val()
		perNode[strconv.FormatInt(slot*3/16384, 10)]++
	}
	if len(perNode) != 3 {
		t.Errorf("keys landed on %d slot ranges, want 3: %v", len(perNode), perNode)
	}
	// A replay is still skipped per key on every node.
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if got := client.HGet(ctx, "rp:user:c1", "cat_views:x").Val(); got != "1" {
		t.Errorf("replay counted again: %s", got)
	}
}

// TestClusterGroupsScriptCallsBySlot writes keys that share a hash tag:
// they hash to one slot, so a chunk goes out as one script call, and the
// per-slot grouping keeps each key's records in order.
func TestClusterGroupsScriptCallsBySlot(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	client := cluster.Client(t)
	ctx := ctxT(t)
	// The grouping relies on computing slots as the server does.
	for _, key := range []string{"", "a", "rp:user:u1", "rp:user:bench-9999", "{user1000}.following", "foo{}{bar}",
		"foo{{bar}}zap", "foo{bar}{zap}", "{}x", "x{", "é€", strings.Repeat("k", 300)} {
		if want := client.ClusterKeySlot(ctx, key).Val(); int64(redis.KeySlot(key)) != want {
			t.Errorf("slot of %q = %d, server says %d", key, redis.KeySlot(key), want)
		}
	}
	p := props(cluster.Nodes[0], redis.ClientModeConfig, redis.ModeCluster, redis.HostsConfig, strings.Join(cluster.Addrs(), ","),
		redis.KeyPatternConfig, "rp:{{team}}:{key}", redis.PipelineLanesConfig, "1")
	task := startTask(t, &connectortest.SinkContext{Strict: true}, p)
	src := newAvroSource(t, "BehaviorAggregate")
	var batch []connectors.SinkRecord
	for i := 0; i < 20; i++ {
		u := "g" + strconv.Itoa(i%5)
		// Windows 3, 2, 5, 4 per user: the second and fourth are replays.
		k := []int64{3, 2, 5, 4}[i/5]
		batch = append(batch, src.record(t, ri, u, aggregate(u, k, map[string]int32{"x": int32(k)})))
	}
	if err := task.Put(ctx, batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	calls := 0
	for _, n := range cluster.Nodes {
		calls += evalshaCalls(t, n)
	}
	if calls != 1 {
		t.Errorf("%d script calls for one slot and one chunk, want 1", calls)
	}
	for i := 0; i < 5; i++ {
		key := "rp:{team}:g" + strconv.Itoa(i)
		if got := client.HGet(ctx, key, "cat_views:x").Val(); got != "8" {
			t.Errorf("%s cat_views:x = %q, want 3+5 (the replays skipped)", key, got)
		}
	}
}
