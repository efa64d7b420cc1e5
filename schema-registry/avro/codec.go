package avro

import (
	"errors"
	"fmt"
	"io"
	"reflect"

	hamba "github.com/hamba/avro/v2"
)

// maxCollectionLen bounds the items of one array or map. Decoding refuses
// more, so a corrupt block count cannot make the decoder allocate gigabytes;
// every item of these schemas takes at least one byte, so no record that fits
// in a Kafka message can legitimately reach it.
const maxCollectionLen = 1 << 20

// codec writes each array and map as a single block with a plain count, as
// the Java GenericDatumWriter and python-avro do, so bytes match theirs.
var codec = hamba.Config{
	BlockLength:            maxCollectionLen,
	DisableBlockSizeHeader: true,
	MaxSliceAllocSize:      maxCollectionLen,
}.Freeze()

// schemaNameOf maps a governed Go type, by value or pointer, to its schema
// name. A nil pointer is rejected here rather than encoded as garbage.
func schemaNameOf(v any) (string, error) {
	var name string
	var isNil bool
	switch x := v.(type) {
	case UserEvent:
		name = NameUserEvent
	case *UserEvent:
		name, isNil = NameUserEvent, x == nil
	case BehaviorAggregate:
		name = NameBehaviorAggregate
	case *BehaviorAggregate:
		name, isNil = NameBehaviorAggregate, x == nil
	case SessionFeatures:
		name = NameSessionFeatures
	case *SessionFeatures:
		name, isNil = NameSessionFeatures, x == nil
	case ProfileUpdate:
		name = NameProfileUpdate
	case *ProfileUpdate:
		name, isNil = NameProfileUpdate, x == nil
	case CatalogItem:
		name = NameCatalogItem
	case *CatalogItem:
		name, isNil = NameCatalogItem, x == nil
	default:
		return "", fmt.Errorf("%w: %T", ErrUnsupportedType, v)
	}
	if isNil {
		return "", fmt.Errorf("%w: nil %T", ErrUnsupportedType, v)
	}
	return name, nil
}

// SchemaOf returns the governed schema of a Go value: one of the record types
// of this package, by value or pointer.
func SchemaOf(v any) (Schema, error) {
	name, err := schemaNameOf(v)
	if err != nil {
		return Schema{}, fmt.Errorf("finding schema: %w", err)
	}
	s, _ := ByName(name)
	return s, nil
}

// Encode returns the Avro binary encoding of v, which must be one of the
// record types of this package (value or pointer). The result has no
// wire-format header.
func Encode(v any) ([]byte, error) {
	name, err := schemaNameOf(v)
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	if ev, ok := recordPtr[UserEvent](v); ok {
		if err := checkUserEvent(ev); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", name, err)
		}
	}
	s, err := Parse(name)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", name, err)
	}
	b, err := codec.Marshal(s, v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", name, err)
	}
	return b, nil
}

// Decode parses the Avro binary body in data, written with the governed
// schema, into v, which must be a non-nil pointer to one of the record types
// of this package. v is reset first, so a reused value keeps no map entries or
// slice items from an earlier record; after an error its contents are
// unspecified. Maps and slices always come back non-nil, empty when the
// record has none.
//
// data written with another version of the schema must go through schema
// resolution instead (hamba.NewSchemaCompatibility().Resolve).
func Decode(data []byte, v any) error {
	name, err := schemaNameOf(v)
	if err != nil {
		return fmt.Errorf("decoding: %w", err)
	}
	if !isPointer(v) {
		return fmt.Errorf("decoding %s: %w: need a pointer, got %T", name, ErrUnsupportedType, v)
	}
	s, err := Parse(name)
	if err != nil {
		return fmt.Errorf("decoding %s: %w", name, err)
	}
	// hamba adds to a non-nil map instead of replacing it.
	reflect.ValueOf(v).Elem().SetZero()
	r := hamba.NewReader(nil, 0, hamba.WithReaderConfig(codec)).Reset(data)
	r.ReadVal(s, v)
	if r.Error != nil {
		if errors.Is(r.Error, io.EOF) {
			// hamba reports running out of input as io.EOF in places; for a
			// single record that always means truncation.
			return fmt.Errorf("decoding %s: %w", name, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("decoding %s: %w", name, r.Error)
	}
	// Peek sets Error to io.EOF exactly when nothing is left.
	if r.Peek(); r.Error == nil {
		return fmt.Errorf("decoding %s: %w", name, ErrTrailingBytes)
	}
	return nil
}

// checkUserEvent enforces what the schema declares but hamba does not check:
// the enum symbol (hamba's own error names the type, not the field) and the
// uuid logical type, which Java readers with logical-type conversions and
// python-avro's writer reject when the text is not a UUID.
func checkUserEvent(ev *UserEvent) error {
	if !ev.EventType.Valid() {
		return fmt.Errorf("field event_type: %w: unknown symbol %q", ErrInvalidField, ev.EventType)
	}
	if !IsUUID(ev.EventID) {
		return fmt.Errorf("field event_id: %w: %q is not a UUID in 8-4-4-4-12 hex form", ErrInvalidField, ev.EventID)
	}
	return nil
}

// IsUUID reports whether s is the RFC 4122 text form (either case, without
// braces or a urn:uuid: prefix): what the uuid logical type carries, and what
// python-avro and Java readers that convert logical types accept.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func recordPtr[T any](v any) (*T, bool) {
	switch x := v.(type) {
	case T:
		return &x, true
	case *T:
		return x, x != nil
	}
	return nil, false
}

func isPointer(v any) bool {
	switch v.(type) {
	case *UserEvent, *BehaviorAggregate, *SessionFeatures, *ProfileUpdate, *CatalogItem:
		return true
	}
	return false
}
