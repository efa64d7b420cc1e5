// Package topics names the blueprint's Kafka topics and the settings `up` (and
// compose's create script) give them. The names are a contract with users,
// Kafdrop, connector configs and the compose files.
package topics

import (
	"time"

	"github.com/retailpulse/retailpulse/internal/kclient"
)

// Topic names from the blueprint.
const (
	UserEvents          = "user-events"
	UserEventsDLQ       = "user-events-dlq"
	RecommendationInput = "recommendation-input"
	SessionFeatures     = "session-features"
	ProfileUpdates      = "profile-updates"
	Catalog             = "catalog"
	Schemas             = "_schemas"
	ConnectConfigs      = "connect-configs"
	ConnectOffsets      = "connect-offsets"
	ConnectStatus       = "connect-status"
)

// Layout sizes the blueprint topics for one deployment.
type Layout struct {
	// Partitions of the data topics (user-events and the feature topics).
	// The embedded broker uses 6; user keys spread across them.
	Partitions int
	// ReplicationFactor for every topic; 1 on the embedded broker.
	ReplicationFactor int
}

// Blueprint returns every topic of the blueprint with its settings.
func Blueprint(l Layout) []kclient.TopicSpec {
	p, rf := l.Partitions, l.ReplicationFactor
	if p <= 0 {
		p = 6
	}
	if rf <= 0 {
		rf = 1
	}
	week := kclient.Retained(7 * 24 * time.Hour)
	spec := func(name string, parts int, cfg map[string]string) kclient.TopicSpec {
		return kclient.TopicSpec{Name: name, Partitions: parts, ReplicationFactor: rf, Config: cfg}
	}
	registry := spec(Schemas, 1, kclient.Compacted())
	// The registry's log must have one partition: ids and versions are
	// assigned in log order, which only a single partition provides.
	registry.ExactPartitions = true
	configs := spec(ConnectConfigs, 1, kclient.Compacted())
	configs.ExactPartitions = true
	return []kclient.TopicSpec{
		spec(UserEvents, p, week),
		spec(UserEventsDLQ, p, week),
		spec(RecommendationInput, p, week),
		spec(SessionFeatures, p, kclient.Compacted()),
		spec(ProfileUpdates, p, week),
		spec(Catalog, p, kclient.Compacted()),
		registry,
		configs,
		// Partition counts of Kafka Connect's defaults for these topics.
		spec(ConnectOffsets, 25, kclient.Compacted()),
		spec(ConnectStatus, 5, kclient.Compacted()),
	}
}

// Names returns the names of Blueprint's topics in order.
func Names() []string {
	specs := Blueprint(Layout{})
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}
