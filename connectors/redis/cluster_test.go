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
