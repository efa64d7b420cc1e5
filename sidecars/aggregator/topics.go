package aggregator

import (
	"context"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
)

// ensureTopics returns the input's partition count after checking that the
// input and output topics exist and creating the changelog: compacted, one
// partition per input partition, since changelog partition p holds exactly
// the state of input partition p.
func ensureTopics(ctx context.Context, admin *kafka.AdminClient, t Topics, replication int) (int, error) {
	ms := 10000
	if dl, ok := ctx.Deadline(); ok {
		ms = max(int(time.Until(dl).Milliseconds()), 1)
	}
	md, err := admin.GetMetadata(nil, true, ms)
	if err != nil {
		return 0, fmt.Errorf("reading cluster metadata: %w", err)
	}
	for _, name := range []string{t.Input, t.DLQ, t.Aggregates, t.Sessions, t.Profiles} {
		if tm, ok := md.Topics[name]; !ok || tm.Error.Code() != kafka.ErrNoError || len(tm.Partitions) == 0 {
			return 0, fmt.Errorf("checking topic %q: %w (create it first, e.g. with `retailpulse up`)", name, ErrMissingTopic)
		}
	}
	n := len(md.Topics[t.Input].Partitions)
	_, err = kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{{
		Name: t.Changelog, Partitions: n, ReplicationFactor: replication,
		Config: kclient.Compacted(), ExactPartitions: true,
	}})
	if err != nil {
		return 0, fmt.Errorf("ensuring changelog topic: %w", err)
	}
	return n, nil
}
