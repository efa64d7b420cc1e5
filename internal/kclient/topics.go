package kclient

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// TopicSpec describes a topic a component needs.
type TopicSpec struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	Config            map[string]string
	// ExactPartitions makes a different partition count on an existing topic an
	// error rather than a note (the registry's _schemas must have exactly one).
	ExactPartitions bool
}

// TopicResult reports what EnsureTopics did for one topic.
type TopicResult struct {
	Name       string
	Created    bool
	Partitions int // actual partition count after the call
}

// EnsureTopics creates the topics that do not exist yet and checks the ones
// that do. It is idempotent: running it against a cluster that already has
// every topic changes nothing. Configs of existing topics are left alone
// (operators may have tuned them) except that a compacted topic must still be
// compacted and an exact partition count must match.
func EnsureTopics(ctx context.Context, admin *kafka.AdminClient, specs []TopicSpec) ([]TopicResult, error) {
	md, err := admin.GetMetadata(nil, true, timeoutMS(ctx))
	if err != nil {
		return nil, fmt.Errorf("reading cluster metadata: %w", err)
	}
	var create []kafka.TopicSpecification
	results := make([]TopicResult, 0, len(specs))
	for _, s := range specs {
		if tm, ok := md.Topics[s.Name]; ok && tm.Error.Code() == kafka.ErrNoError {
			if s.ExactPartitions && len(tm.Partitions) != s.Partitions {
				return nil, fmt.Errorf("checking topic %q: %w: has %d partitions, needs exactly %d",
					s.Name, ErrTopicMismatch, len(tm.Partitions), s.Partitions)
			}
			results = append(results, TopicResult{Name: s.Name, Partitions: len(tm.Partitions)})
			continue
		}
		rf := s.ReplicationFactor
		if rf <= 0 {
			rf = 1
		}
		create = append(create, kafka.TopicSpecification{
			Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: rf, Config: s.Config,
		})
		results = append(results, TopicResult{Name: s.Name, Created: true, Partitions: s.Partitions})
	}
	if err := checkCompaction(ctx, admin, specs, results); err != nil {
		return nil, err
	}
	if len(create) == 0 {
		return results, nil
	}
	res, err := admin.CreateTopics(ctx, create, kafka.SetAdminOperationTimeout(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("creating topics: %w", err)
	}
	var errs []error
	for _, r := range res {
		switch r.Error.Code() {
		case kafka.ErrNoError:
		case kafka.ErrTopicAlreadyExists:
			// Another process created it between our metadata read and now.
			for i := range results {
				if results[i].Name == r.Topic {
					results[i].Created = false
				}
			}
		default:
			errs = append(errs, fmt.Errorf("creating topic %q: %w", r.Topic, r.Error))
		}
	}
	return results, errors.Join(errs...)
}

// checkCompaction verifies that existing topics that must be compacted are.
// A delete-policy _schemas or connect-configs loses state to retention.
func checkCompaction(ctx context.Context, admin *kafka.AdminClient, specs []TopicSpec, results []TopicResult) error {
	var rs []kafka.ConfigResource
	for i, s := range specs {
		if !results[i].Created && s.Config["cleanup.policy"] == "compact" {
			rs = append(rs, kafka.ConfigResource{Type: kafka.ResourceTopic, Name: s.Name})
		}
	}
	if len(rs) == 0 {
		return nil
	}
	described, err := admin.DescribeConfigs(ctx, rs)
	if err != nil {
		return fmt.Errorf("describing topic configs: %w", err)
	}
	for _, d := range described {
		if d.Error.Code() != kafka.ErrNoError {
			return fmt.Errorf("describing config of topic %q: %w", d.Name, d.Error)
		}
		if p, ok := d.Config["cleanup.policy"]; ok && p.Value != "compact" && p.Value != "compact,delete" {
			return fmt.Errorf("checking topic %q: %w: cleanup.policy is %q, needs compact",
				d.Name, ErrTopicMismatch, p.Value)
		}
	}
	return nil
}

func timeoutMS(ctx context.Context) int {
	if dl, ok := ctx.Deadline(); ok {
		if ms := time.Until(dl).Milliseconds(); ms > 0 {
			return int(ms)
		}
		return 1
	}
	return 10000
}

// Compacted is the topic config of state topics (registry, Connect internals,
// changelogs): keep the latest value per key forever.
func Compacted() map[string]string {
	return map[string]string{"cleanup.policy": "compact"}
}

// Retained returns a delete-policy config keeping data for d.
func Retained(d time.Duration) map[string]string {
	return map[string]string{"cleanup.policy": "delete", "retention.ms": strconv.FormatInt(d.Milliseconds(), 10)}
}
