package serde

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	hamba "github.com/hamba/avro/v2"
)

// DeserializerOption configures a Deserializer. Options are checked by
// NewDeserializer.
type DeserializerOption func(*Deserializer)

// WithReaderSchema makes the deserializer resolve every writer schema into
// this reader schema (Avro schema resolution): fields the writer lacks get
// the reader's defaults, fields the reader lacks are skipped, and promotions
// such as int to long apply. That is what lets old and new producers share a
// topic. Without it, records decode with their writer schema as is.
func WithReaderSchema(schemaText string) DeserializerOption {
	return func(d *Deserializer) { d.readerText, d.hasReader = schemaText, true }
}

// WithDeserializerAPI replaces DefaultAPI().
func WithDeserializerAPI(api hamba.API) DeserializerOption {
	return func(d *Deserializer) { d.api = api }
}

// Deserializer turns Confluent-framed Avro into Go values. It is safe for
// concurrent use. It keeps one decode schema per writer schema id seen, so
// its memory is bounded by the registry's contents, not by traffic.
type Deserializer struct {
	reg        Registry
	api        hamba.API
	hasReader  bool
	readerText string
	reader     hamba.Schema

	mu      sync.RWMutex
	decodes map[int]hamba.Schema // writer id → schema to decode with
	readers sync.Pool
}

// NewDeserializer returns a deserializer using reg.
func NewDeserializer(reg Registry, opts ...DeserializerOption) (*Deserializer, error) {
	d := &Deserializer{reg: reg, api: defaultAPI, decodes: make(map[int]hamba.Schema)}
	for _, o := range opts {
		o(d)
	}
	var errs []error
	if reg == nil {
		errs = append(errs, errors.New("registry is nil"))
	}
	if d.api == nil {
		errs = append(errs, errors.New("avro api is nil"))
	}
	if d.hasReader {
		var err error
		if d.reader, err = parseSchema(d.readerText); err != nil {
			errs = append(errs, fmt.Errorf("parsing reader schema: %w: %v", ErrInvalidSchema, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("creating deserializer: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	api := d.api
	d.readers.New = func() any { return hamba.NewReader(nil, 0, hamba.WithReaderConfig(api)) }
	return d, nil
}

// Deserialize decodes data into v, which must be a non-nil pointer. A nil
// data is a tombstone and yields ErrTombstone, so callers on compacted
// topics can tell deletes from records.
func (d *Deserializer) Deserialize(ctx context.Context, topic string, data []byte, v any) error {
	if isNil(v) {
		return fmt.Errorf("deserializing record from topic %q: target must be a non-nil pointer, got %T", topic, v)
	}
	id, schema, body, err := d.prepare(ctx, topic, data)
	if err != nil {
		return err
	}
	if err := d.decode(schema, body, v); err != nil {
		return fmt.Errorf("deserializing record from topic %q with schema id %d: %w", topic, id, err)
	}
	return nil
}

// DecodeGeneric decodes data without a Go type: records become
// map[string]any, arrays []any, and so on, as hamba decodes into any. Meant
// for tools that print or inspect arbitrary topics.
func (d *Deserializer) DecodeGeneric(ctx context.Context, topic string, data []byte) (any, error) {
	id, schema, body, err := d.prepare(ctx, topic, data)
	if err != nil {
		return nil, err
	}
	var out any
	if err := d.decode(schema, body, &out); err != nil {
		return nil, fmt.Errorf("deserializing record from topic %q with schema id %d: %w", topic, id, err)
	}
	return out, nil
}

func (d *Deserializer) prepare(ctx context.Context, topic string, data []byte) (int, hamba.Schema, []byte, error) {
	if data == nil {
		return 0, nil, nil, fmt.Errorf("deserializing record from topic %q: %w", topic, ErrTombstone)
	}
	id, body, err := ParseHeader(data)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("deserializing record from topic %q: %w", topic, err)
	}
	schema, err := d.decodeSchema(ctx, id)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("deserializing record from topic %q with schema id %d: %w", topic, id, err)
	}
	return id, schema, body, nil
}

// decodeSchema returns the schema that decodes data written with writer
// schema id: the writer schema itself, or its resolution into the reader.
func (d *Deserializer) decodeSchema(ctx context.Context, id int) (hamba.Schema, error) {
	d.mu.RLock()
	s, ok := d.decodes[id]
	d.mu.RUnlock()
	if ok {
		return s, nil
	}
	writer, _, err := d.reg.SchemaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s = writer
	if d.hasReader {
		if s, err = hamba.NewSchemaCompatibility().Resolve(d.reader, writer); err != nil {
			return nil, fmt.Errorf("resolving writer schema %s into reader schema %s: %w: %v",
				schemaName(writer), schemaName(d.reader), ErrIncompatibleSchema, err)
		}
	}
	d.mu.Lock()
	d.decodes[id] = s
	d.mu.Unlock()
	return s, nil
}

func (d *Deserializer) decode(schema hamba.Schema, body []byte, v any) error {
	r := d.readers.Get().(*hamba.Reader)
	defer func() {
		r.Reset(nil)
		r.Error = nil
		d.readers.Put(r)
	}()
	r.Reset(body)
	r.ReadVal(schema, v)
	if err := r.Error; err != nil {
		// hamba reports running out of input as io.EOF or
		// io.ErrUnexpectedEOF; for one record either means truncation.
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: %w after reading part of %d body bytes", ErrDecoding, ErrTruncated, len(body))
		}
		return fmt.Errorf("%w: %w", ErrDecoding, err)
	}
	// Peek sets Error to io.EOF exactly when nothing is left.
	if r.Peek(); r.Error == nil {
		return fmt.Errorf("%w: %w", ErrDecoding, ErrTrailingBytes)
	}
	return nil
}

// schemaName names a schema in messages: the full name for named types,
// the type otherwise.
func schemaName(s hamba.Schema) string {
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
