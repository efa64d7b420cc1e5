package avro

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/internal/topics"
)

// Namespace is the Avro namespace shared by every governed schema.
const Namespace = "io.retailpulse.avro"

// Schema names, as used by ByName and Parse.
const (
	NameUserEvent         = "UserEvent"
	NameBehaviorAggregate = "BehaviorAggregate"
	NameSessionFeatures   = "SessionFeatures"
	NameProfileUpdate     = "ProfileUpdate"
	NameCatalogItem       = "CatalogItem"
)

// Limits the producers of these records honour; the schema docs state them too.
const (
	// MaxAggregateItemIDs caps BehaviorAggregate.ItemIDs.
	MaxAggregateItemIDs = 50
	// MaxRecentItems caps SessionFeatures.RecentItems.
	MaxRecentItems = 20
)

//go:embed *.avsc
var files embed.FS

// Schema is one governed schema and where it is used.
type Schema struct {
	// Name is the unqualified record name, for example "UserEvent".
	Name string
	// Subject is the registry subject under TopicNameStrategy: "<topic>-value".
	Subject string
	// Topic is the Kafka topic whose values use the schema.
	Topic string
	// File is the .avsc file name inside this package.
	File string
	// Text is the schema as written in File.
	Text string
}

// FullName returns the namespace-qualified record name.
func (s Schema) FullName() string { return Namespace + "." + s.Name }

// schemas is in the order All promises: the pipeline's input first, then the
// aggregator's outputs, then the catalog.
var schemas = func() []Schema {
	defs := []struct{ name, topic, file string }{
		{NameUserEvent, topics.UserEvents, "user_event.avsc"},
		{NameBehaviorAggregate, topics.RecommendationInput, "behavior_aggregate.avsc"},
		{NameSessionFeatures, topics.SessionFeatures, "session_features.avsc"},
		{NameProfileUpdate, topics.ProfileUpdates, "profile_update.avsc"},
		{NameCatalogItem, topics.Catalog, "catalog_item.avsc"},
	}
	out := make([]Schema, 0, len(defs))
	for _, d := range defs {
		text, err := files.ReadFile(d.file)
		if err != nil {
			// Only reachable if the table above names a file the embed
			// pattern did not pick up; every test run would catch it.
			panic(fmt.Sprintf("reading embedded schema %s: %v", d.file, err))
		}
		out = append(out, Schema{
			Name:    d.name,
			Subject: d.topic + "-value",
			Topic:   d.topic,
			File:    d.file,
			Text:    string(text),
		})
	}
	return out
}()

// All returns every governed schema in a stable order: UserEvent,
// BehaviorAggregate, SessionFeatures, ProfileUpdate, CatalogItem. The slice is
// a copy and may be modified.
func All() []Schema {
	out := make([]Schema, len(schemas))
	copy(out, schemas)
	return out
}

// ByName finds a schema by its record name, unqualified ("UserEvent") or
// fully qualified ("io.retailpulse.avro.UserEvent").
func ByName(name string) (Schema, bool) {
	short := strings.TrimPrefix(name, Namespace+".")
	for _, s := range schemas {
		if s.Name == short {
			return s, true
		}
	}
	return Schema{}, false
}

// ByTopic finds the value schema of a topic.
func ByTopic(topic string) (Schema, bool) {
	for _, s := range schemas {
		if s.Topic == topic {
			return s, true
		}
	}
	return Schema{}, false
}

// parsed holds every schema parsed once. Each gets its own name cache so that
// parsing here neither reads nor overwrites named types that other packages
// put into hamba's process-wide cache (an evolved UserEvent fetched from the
// registry, for instance).
var parsed = sync.OnceValues(func() (map[string]hamba.Schema, error) {
	out := make(map[string]hamba.Schema, len(schemas))
	for _, s := range schemas {
		p, err := hamba.ParseWithCache(s.Text, "", &hamba.SchemaCache{})
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", s.File, err)
		}
		out[s.Name] = p
	}
	return out, nil
})

// Parse returns the parsed form of a governed schema, by the same names ByName
// accepts. Schemas are parsed once and shared; treat the result as read-only.
func Parse(name string) (hamba.Schema, error) {
	s, ok := ByName(name)
	if !ok {
		return nil, fmt.Errorf("parsing schema %q: %w", name, ErrUnknownSchema)
	}
	all, err := parsed()
	if err != nil {
		return nil, err
	}
	return all[s.Name], nil
}
