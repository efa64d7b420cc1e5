package restproxy

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"golang.org/x/sync/singleflight"
)

// refreshTimeout bounds one metadata call; Stop waits for a running one,
// so it must stay short when Kafka is unreachable.
const refreshTimeout = 2 * time.Second

// minMissRefresh rate-limits metadata refreshes caused by unknown topics, so
// a client hammering a missing topic costs one metadata call per interval.
const minMissRefresh = 250 * time.Millisecond

// topicInfo is what the produce path needs to know about a topic.
type topicInfo struct {
	name       string
	partitions []kafka.PartitionMetadata
}

// metadataCache keeps the cluster's topics, refreshed in the background and
// on a miss. Produce requests consult it to answer 404 for unknown topics
// and partitions at once instead of waiting for librdkafka's metadata
// timeout, as upstream does after 60 s.
type metadataCache struct {
	admin   *kafka.AdminClient
	every   time.Duration
	flights singleflight.Group

	mu        sync.RWMutex
	topics    map[string]topicInfo
	brokers   []kafka.BrokerMetadata
	clusterID string
	loadedAt  time.Time
	lastErr   error
}

func newMetadataCache(admin *kafka.AdminClient, every time.Duration) *metadataCache {
	return &metadataCache{admin: admin, every: every, topics: map[string]topicInfo{}}
}

// refresh reloads all topic metadata; concurrent callers share one call.
func (c *metadataCache) refresh(ctx context.Context) error {
	_, err, _ := c.flights.Do("refresh", func() (any, error) {
		md, err := c.admin.GetMetadata(nil, true, timeoutMS(ctx, 10*time.Second))
		if err != nil {
			c.mu.Lock()
			c.lastErr = err
			c.mu.Unlock()
			return nil, fmt.Errorf("reading cluster metadata: %w", err)
		}
		topics := make(map[string]topicInfo, len(md.Topics))
		for name, t := range md.Topics {
			if t.Error.Code() != kafka.ErrNoError {
				continue
			}
			parts := append([]kafka.PartitionMetadata(nil), t.Partitions...)
			sort.Slice(parts, func(i, j int) bool { return parts[i].ID < parts[j].ID })
			topics[name] = topicInfo{name: name, partitions: parts}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.clusterID == "" {
			id, err := c.admin.ClusterID(ctx)
			if err != nil {
				c.lastErr = err
				return nil, fmt.Errorf("reading cluster id: %w", err)
			}
			c.clusterID = id
		}
		c.topics, c.brokers, c.loadedAt, c.lastErr = topics, md.Brokers, time.Now(), nil
		return nil, nil
	})
	return err
}

// run refreshes periodically until ctx ends.
func (c *metadataCache) run(ctx context.Context) {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
			_ = c.refresh(rctx)
			cancel()
		}
	}
}

// topic returns a topic's metadata, refreshing once when it is unknown (it
// may have been created since the last refresh).
func (c *metadataCache) topic(ctx context.Context, name string) (topicInfo, bool) {
	c.mu.RLock()
	t, ok := c.topics[name]
	loadedAt := c.loadedAt
	c.mu.RUnlock()
	if ok || time.Since(loadedAt) <= minMissRefresh {
		return t, ok
	}
	rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	if err := c.refresh(rctx); err != nil {
		return topicInfo{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok = c.topics[name]
	return t, ok
}

func (c *metadataCache) names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.topics))
	for n := range c.topics {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (c *metadataCache) cluster() (string, []kafka.BrokerMetadata) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.clusterID, c.brokers
}

// ready reports whether metadata was loaded at least once.
func (c *metadataCache) ready() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.clusterID == "" {
		if c.lastErr != nil {
			return fmt.Errorf("kafka metadata not loaded yet: %w", c.lastErr)
		}
		return fmt.Errorf("kafka metadata not loaded yet")
	}
	return nil
}

func (t topicInfo) hasPartition(p int32) bool {
	return p >= 0 && int(p) < len(t.partitions)
}

func timeoutMS(ctx context.Context, def time.Duration) int {
	if dl, ok := ctx.Deadline(); ok {
		return max(int(time.Until(dl).Milliseconds()), 1)
	}
	return int(def.Milliseconds())
}
