package redistest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of masters without replicas.
type Cluster struct {
	Nodes []*Server
}

// StartCluster launches n cluster-enabled servers, joins them with
// redis-cli --cluster create and waits until every slot is served.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	if n < 3 {
		tb.Fatalf("a Redis Cluster needs at least 3 masters, got %d", n)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		tb.Fatal("redis-cli not found on PATH: it comes with the redis-server package (apt-get install -y redis-server)")
	}
	c := &Cluster{}
	for i := 0; i < n; i++ {
		c.Nodes = append(c.Nodes, Start(tb, func(s *Server) { s.cluster = true }))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("creating the cluster: %v\n%s", err, out)
	}
	// Every node must see the whole cluster: one that is still catching up
	// answers CLUSTERDOWN.
	deadline := time.Now().Add(readyTimeout)
	for _, n := range c.Nodes {
		client := n.Client(tb)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			info, err := client.ClusterInfo(ctx).Result()
			cancel()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("cluster node %s not ready after %s: %v %s", n.Addr(), readyTimeout, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// Addrs lists the nodes' host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(tb testing.TB) *goredis.ClusterClient {
	tb.Helper()
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs(), DisableIdentity: true, DialTimeout: time.Second})
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}
