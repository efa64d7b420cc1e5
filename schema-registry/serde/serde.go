package serde

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	hamba "github.com/hamba/avro/v2"
)

// maxCollectionLen bounds the items of one decoded array or map, so a corrupt
// block count cannot make the decoder allocate gigabytes.
const maxCollectionLen = 1 << 20

// maxPooledBuf keeps one oversized record from pinning a large buffer in the
// writer pool forever.
const maxPooledBuf = 1 << 20

var defaultAPI = hamba.Config{
	DisableBlockSizeHeader: true,
	MaxSliceAllocSize:      maxCollectionLen,
}.Freeze()

// DefaultAPI returns the hamba configuration used unless overridden. Arrays
// and maps are written as one block with a plain count and no byte-size
// prefix, as the Java GenericDatumWriter does, so bytes match Confluent's
// Java serde (hamba's own default, used by Confluent's Go avrov2, adds the
// prefix; both decode either form). Decoding refuses arrays and maps of more
// than 2^20 items, so a corrupt count cannot trigger a huge allocation.
func DefaultAPI() hamba.API { return defaultAPI }

// SubjectNameStrategy maps a topic to the registry subject for its keys
// (isKey) or values.
type SubjectNameStrategy func(topic string, isKey bool) (string, error)

// TopicNameStrategy is Confluent's default: "<topic>-key" or "<topic>-value".
func TopicNameStrategy(topic string, isKey bool) (string, error) {
	if topic == "" {
		return "", fmt.Errorf("%w: topic name is empty", ErrEmptySubject)
	}
	if isKey {
		return topic + "-key", nil
	}
	return topic + "-value", nil
}

// SerializerOption configures a Serializer. Options are checked by
// NewSerializer.
type SerializerOption func(*Serializer)

// WithSchema makes the serializer write every record with this fixed writer
// schema, registered (or looked up, see WithAutoRegister) once per subject.
func WithSchema(schemaText string) SerializerOption {
	return func(s *Serializer) { s.fixedText, s.hasFixed = schemaText, true }
}

// WithAutoRegister chooses, for a WithSchema serializer, between registering
// the schema (true, the default, as Confluent's auto.register.schemas) and
// only looking it up, failing when it is not registered (false), which suits
// producers that must not change the contract.
func WithAutoRegister(on bool) SerializerOption {
	return func(s *Serializer) { s.autoRegister, s.autoRegisterSet = on, true }
}

// WithUseLatest makes the serializer write with the latest schema registered
// under the subject (Confluent's use.latest.version). The latest schema is
// cached by the Registry for its TTL.
func WithUseLatest() SerializerOption {
	return func(s *Serializer) { s.useLatest = true }
}

// WithKeySubject makes the serializer serialize record keys, so the subject
// strategy is asked for the key subject ("<topic>-key").
func WithKeySubject() SerializerOption {
	return func(s *Serializer) { s.isKey = true }
}

// WithSubjectNameStrategy replaces TopicNameStrategy.
func WithSubjectNameStrategy(fn SubjectNameStrategy) SerializerOption {
	return func(s *Serializer) { s.strategy = fn }
}

// WithSerializerAPI replaces DefaultAPI(), for example with a config that
// registers custom type converters.
func WithSerializerAPI(api hamba.API) SerializerOption {
	return func(s *Serializer) { s.api = api }
}

// Serializer turns Go values into Confluent-framed Avro. It is safe for
// concurrent use and keeps one entry per topic it has written to.
type Serializer struct {
	reg             Registry
	api             hamba.API
	strategy        SubjectNameStrategy
	isKey           bool
	hasFixed        bool
	fixedText       string
	fixed           hamba.Schema
	autoRegister    bool
	autoRegisterSet bool
	useLatest       bool

	mu      sync.RWMutex
	topics  map[string]topicState
	writers sync.Pool
}

type topicState struct {
	subject string
	id      int // fixed-schema mode only
}

// NewSerializer returns a serializer using reg. Exactly one of WithSchema and
// WithUseLatest must be given.
func NewSerializer(reg Registry, opts ...SerializerOption) (*Serializer, error) {
	s := &Serializer{reg: reg, api: defaultAPI, strategy: TopicNameStrategy, autoRegister: true, topics: make(map[string]topicState)}
	for _, o := range opts {
		o(s)
	}
	var errs []error
	switch {
	case reg == nil:
		errs = append(errs, errors.New("registry is nil"))
	case s.hasFixed == s.useLatest:
		errs = append(errs, errors.New("give exactly one of WithSchema and WithUseLatest"))
	case s.useLatest && s.autoRegisterSet:
		errs = append(errs, errors.New("WithAutoRegister applies only to WithSchema"))
	}
	if s.strategy == nil {
		errs = append(errs, errors.New("subject name strategy is nil"))
	}
	if s.api == nil {
		errs = append(errs, errors.New("avro api is nil"))
	}
	if s.hasFixed {
		var err error
		if s.fixed, err = parseSchema(s.fixedText); err != nil {
			errs = append(errs, fmt.Errorf("parsing writer schema: %w: %v", ErrInvalidSchema, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("creating serializer: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	api := s.api
	s.writers.New = func() any { return hamba.NewWriter(nil, 512, hamba.WithWriterConfig(api)) }
	return s, nil
}

// Serialize encodes v (a struct, pointer to struct, map or any value hamba
// can encode with the schema) and prepends the wire-format header. A nil v,
// or a nil pointer, gives a nil payload: a Kafka tombstone.
func (s *Serializer) Serialize(ctx context.Context, topic string, v any) ([]byte, error) {
	if isNil(v) {
		return nil, nil
	}
	st, err := s.topicState(ctx, topic)
	if err != nil {
		return nil, err
	}
	id, schema := st.id, s.fixed
	if s.useLatest {
		if id, schema, err = s.reg.Latest(ctx, st.subject); err != nil {
			return nil, fmt.Errorf("serializing record for topic %q: %w", topic, err)
		}
		if !validID(id) {
			return nil, fmt.Errorf("serializing record for topic %q: %w: registry returned id %d", topic, ErrInvalidSchemaID, id)
		}
	}
	w := s.writers.Get().(*hamba.Writer)
	defer s.putWriter(w)
	var hdr [HeaderLen]byte
	_, _ = w.Write(AppendHeader(hdr[:0], id))
	w.WriteVal(schema, v)
	if w.Error != nil {
		return nil, fmt.Errorf("serializing record for topic %q with schema id %d: %w: %w", topic, id, ErrEncoding, w.Error)
	}
	out := make([]byte, w.Buffered())
	copy(out, w.Buffer())
	return out, nil
}

func (s *Serializer) putWriter(w *hamba.Writer) {
	if cap(w.Buffer()) > maxPooledBuf {
		return
	}
	w.Reset(nil)
	w.Error = nil
	s.writers.Put(w)
}

// topicState resolves and caches the subject, and in fixed-schema mode the
// id, for topic. Concurrent first calls may both ask the Registry, which
// collapses and caches them itself.
func (s *Serializer) topicState(ctx context.Context, topic string) (topicState, error) {
	s.mu.RLock()
	st, ok := s.topics[topic]
	s.mu.RUnlock()
	if ok {
		return st, nil
	}
	subject, err := s.strategy(topic, s.isKey)
	if err != nil {
		return topicState{}, fmt.Errorf("serializing record for topic %q: resolving subject: %w", topic, err)
	}
	st = topicState{subject: subject}
	if s.hasFixed {
		resolve := s.reg.Register
		if !s.autoRegister {
			resolve = s.reg.Lookup
		}
		if st.id, err = resolve(ctx, subject, s.fixedText); err != nil {
			return topicState{}, fmt.Errorf("serializing record for topic %q: %w", topic, err)
		}
		if !validID(st.id) {
			return topicState{}, fmt.Errorf("serializing record for topic %q: %w: registry returned id %d", topic, ErrInvalidSchemaID, st.id)
		}
	}
	s.mu.Lock()
	s.topics[topic] = st
	s.mu.Unlock()
	return st, nil
}

// isNil reports a nil interface or a nil pointer in one. Nil maps and slices
// are not tombstones: they are valid empty Avro maps and arrays.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
