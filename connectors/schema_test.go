package connectors_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

func TestSchemaValidate(t *testing.T) {
	s := &connectors.Schema{Type: connectors.Struct, Fields: []connectors.Field{
		{Name: "id", Schema: connectors.Primitive(connectors.Int64)},
		{Name: "tags", Schema: &connectors.Schema{Type: connectors.Array, Items: connectors.Primitive(connectors.String)}},
		{Name: "at", Schema: &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName}},
		{Name: "note", Schema: connectors.OptionalOf(connectors.Primitive(connectors.String))},
	}}
	ok := map[string]any{"id": int64(1), "tags": []any{"a"}, "at": time.Now(), "note": nil}
	if err := s.Validate(ok); err != nil {
		t.Fatalf("valid value: %v", err)
	}
	for path, bad := range map[string]map[string]any{
		"$.id":      {"id": 1, "tags": []any{}, "at": time.Now()},
		"$.tags[1]": {"id": int64(1), "tags": []any{"a", 2}, "at": time.Now()},
		"$.at":      {"id": int64(1), "tags": []any{}, "at": int64(5)},
	} {
		err := s.Validate(bad)
		if !errors.Is(err, connectors.ErrSchemaMismatch) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v", path, err)
		}
	}
	var nilSchema *connectors.Schema
	if err := nilSchema.Validate(struct{}{}); err != nil {
		t.Errorf("schemaless: %v", err)
	}
}

func TestRecordErrors(t *testing.T) {
	root := errors.New("boom")
	e := connectors.RecordErrors{{Index: 0, Err: root}, {Index: 2, Err: fmt.Errorf("x: %w", connectors.ErrRetriable)},
		{Index: 3, Err: root}, {Index: 4, Err: root}}
	if !errors.Is(e, root) || !errors.Is(e, connectors.ErrRetriable) {
		t.Fatal("unwrap lost causes")
	}
	if !strings.Contains(e.Error(), "4 record(s)") || !strings.Contains(e.Error(), "and 1 more") {
		t.Fatalf("message %q", e.Error())
	}
	if connectors.OffsetKey(map[string]any{"b": 1, "a": "x"}) != connectors.OffsetKey(map[string]any{"a": "x", "b": float64(1)}) {
		t.Fatal("offset keys of equal partitions differ")
	}
}
