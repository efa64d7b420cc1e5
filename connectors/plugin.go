package connectors

import "context"

// Converter turns Kafka bytes into Connect data and back. One instance
// serves either keys or values of one task, from one goroutine.
type Converter interface {
	// Configure receives the converter's own keys (the prefix
	// key.converter. or value.converter. removed) parsed against its spec.
	Configure(cfg *Config, isKey bool) error
	// ToConnect decodes data consumed from topic. A nil data (tombstone)
	// must decode to a nil value.
	ToConnect(ctx context.Context, topic string, headers []Header, data []byte) (*Schema, any, error)
	// FromConnect encodes value for topic. A nil value encodes to nil.
	FromConnect(ctx context.Context, topic string, headers []Header, schema *Schema, value any) ([]byte, error)
}

// Transformation rewrites records one at a time (a Single Message
// Transform). Instances are per task and used from one goroutine.
type Transformation interface {
	// Configure receives the transformation's keys (the prefix
	// transforms.<alias>. removed) parsed against its spec.
	Configure(cfg *Config) error
	// Apply returns the rewritten record, or keep=false to drop it.
	Apply(rec Record) (out Record, keep bool, err error)
}

// Predicate decides whether a transformation applies to a record.
type Predicate interface {
	Configure(cfg *Config) error
	Test(rec Record) bool
}

// Closer is implemented by converters, transformations and predicates
// that hold resources.
type Closer interface{ Close() error }
