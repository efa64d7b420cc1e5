package kclient_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
)

func TestEnsureTopicsCreatesBlueprintOnce(t *testing.T) {
	c := newCluster(t)
	specs := topics.Blueprint(topics.Layout{})

	res, err := kclient.EnsureTopics(ctxFor(t), c.admin, specs)
	if err != nil {
		t.Fatalf("first EnsureTopics: %v", err)
	}
	if len(res) != len(specs) {
		t.Fatalf("got %d results for %d specs", len(res), len(specs))
	}
	md, err := c.admin.GetMetadata(nil, true, int(opTimeout.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range specs {
		if res[i].Name != s.Name || !res[i].Created || res[i].Partitions != s.Partitions {
			t.Errorf("first call result %+v, want %s created with %d partitions", res[i], s.Name, s.Partitions)
		}
		if n := len(md.Topics[s.Name].Partitions); n != s.Partitions {
			t.Errorf("%s has %d partitions, want %d", s.Name, n, s.Partitions)
		}
	}

	for topic, want := range map[string]map[string]string{
		topics.Schemas:        {"cleanup.policy": "compact"},
		topics.ConnectOffsets: {"cleanup.policy": "compact"},
		topics.UserEvents:     {"cleanup.policy": "delete", "retention.ms": "604800000"},
	} {
		got := c.describe(t, topic)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s = %q, want %q", topic, k, got[k], v)
			}
		}
	}

	again, err := kclient.EnsureTopics(ctxFor(t), c.admin, specs)
	if err != nil {
		t.Fatalf("second EnsureTopics: %v", err)
	}
	for i, r := range again {
		if r.Created || r.Partitions != specs[i].Partitions {
			t.Errorf("second call result %+v, want existing with %d partitions", r, specs[i].Partitions)
		}
	}
}

// Processes starting together (two `up`s, or compose's script racing a
// sidecar) both succeed; each topic is created exactly once.
func TestEnsureTopicsConcurrentCallers(t *testing.T) {
	c := newCluster(t)
	specs := topics.Blueprint(topics.Layout{Partitions: 2})
	var wg sync.WaitGroup
	results := make([][]kclient.TopicResult, 4)
	errs := make([]error, len(results))
	for i := range results {
		wg.Go(func() { results[i], errs[i] = kclient.EnsureTopics(ctxFor(t), c.admin, specs) })
	}
	wg.Wait()
	created := map[string]int{}
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		for _, r := range results[i] {
			if r.Created {
				created[r.Name]++
			}
		}
	}
	for _, s := range specs {
		if created[s.Name] != 1 {
			t.Errorf("%s reported created by %d callers, want 1", s.Name, created[s.Name])
		}
	}
}

func TestEnsureTopicsRejectsMultiPartitionSchemas(t *testing.T) {
	c := newCluster(t)
	c.createTopic(t, topics.Schemas, 3, kclient.Compacted())
	_, err := kclient.EnsureTopics(ctxFor(t), c.admin, topics.Blueprint(topics.Layout{}))
	if !errors.Is(err, kclient.ErrTopicMismatch) || !strings.Contains(err.Error(), topics.Schemas) {
		t.Fatalf("EnsureTopics over a 3-partition _schemas: %v, want ErrTopicMismatch naming _schemas", err)
	}
}

func TestEnsureTopicsRejectsDeletePolicySchemas(t *testing.T) {
	c := newCluster(t)
	c.createTopic(t, topics.Schemas, 1, map[string]string{"cleanup.policy": "delete"})
	_, err := kclient.EnsureTopics(ctxFor(t), c.admin, topics.Blueprint(topics.Layout{}))
	if !errors.Is(err, kclient.ErrTopicMismatch) || !strings.Contains(err.Error(), topics.Schemas) ||
		!strings.Contains(err.Error(), "cleanup.policy") {
		t.Fatalf("EnsureTopics over a delete-policy _schemas: %v, want ErrTopicMismatch naming _schemas and cleanup.policy", err)
	}
}

// Operators may tune existing topics: more partitions on a data topic, or
// compact,delete on a state topic, are kept as they are.
func TestEnsureTopicsKeepsTunedTopics(t *testing.T) {
	c := newCluster(t)
	c.createTopic(t, topics.UserEvents, 12, map[string]string{"retention.ms": "3600000"})
	c.createTopic(t, topics.ConnectOffsets, 50, map[string]string{"cleanup.policy": "compact,delete"})
	res, err := kclient.EnsureTopics(ctxFor(t), c.admin, topics.Blueprint(topics.Layout{}))
	if err != nil {
		t.Fatalf("EnsureTopics over tuned topics: %v", err)
	}
	for _, r := range res {
		switch r.Name {
		case topics.UserEvents:
			if r.Created || r.Partitions != 12 {
				t.Errorf("user-events result %+v, want existing with 12 partitions", r)
			}
		case topics.ConnectOffsets:
			if r.Created || r.Partitions != 50 {
				t.Errorf("connect-offsets result %+v, want existing with 50 partitions", r)
			}
		default:
			if !r.Created {
				t.Errorf("%s not created", r.Name)
			}
		}
	}
	if got := c.describe(t, topics.UserEvents)["retention.ms"]; got != "3600000" {
		t.Errorf("user-events retention.ms = %q, EnsureTopics must leave it at 3600000", got)
	}
}
