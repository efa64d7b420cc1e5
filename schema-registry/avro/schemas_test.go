package avro

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/internal/topics"
)

func TestAllOrderAndNaming(t *testing.T) {
	want := []struct{ name, subject, topic, file string }{
		{"UserEvent", "user-events-value", "user-events", "user_event.avsc"},
		{"BehaviorAggregate", "recommendation-input-value", "recommendation-input", "behavior_aggregate.avsc"},
		{"SessionFeatures", "session-features-value", "session-features", "session_features.avsc"},
		{"ProfileUpdate", "profile-updates-value", "profile-updates", "profile_update.avsc"},
		{"CatalogItem", "catalog-value", "catalog", "catalog_item.avsc"},
	}
	got := All()
	if len(got) != len(want) {
		t.Fatalf("All() returned %d schemas, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Subject != w.subject || g.Topic != w.topic || g.File != w.file {
			t.Errorf("All()[%d] = {%s %s %s %s}, want %v", i, g.Name, g.Subject, g.Topic, g.File, w)
		}
		if g.Text == "" {
			t.Errorf("All()[%d] (%s) has empty Text", i, g.Name)
		}
	}

	got[0].Name = "mutated"
	if All()[0].Name != "UserEvent" {
		t.Error("modifying the slice All returned changed the package's schemas")
	}
}

func TestEveryAvscFileIsGoverned(t *testing.T) {
	entries, err := files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var governed []string
	for _, s := range All() {
		governed = append(governed, s.File)
	}
	for _, e := range entries {
		if !slices.Contains(governed, e.Name()) {
			t.Errorf("%s is embedded but not listed in All()", e.Name())
		}
	}
}

func TestLookups(t *testing.T) {
	for _, s := range All() {
		for _, name := range []string{s.Name, s.FullName()} {
			got, ok := ByName(name)
			if !ok || got.File != s.File {
				t.Errorf("ByName(%q) = %v, %v; want %s", name, got.File, ok, s.File)
			}
		}
		got, ok := ByTopic(s.Topic)
		if !ok || got.Name != s.Name {
			t.Errorf("ByTopic(%q) = %v, %v; want %s", s.Topic, got.Name, ok, s.Name)
		}
	}
	for _, name := range []string{"", "userevent", "io.retailpulse.UserEvent", "other.UserEvent", "io.retailpulse.avro.EventType"} {
		if _, ok := ByName(name); ok {
			t.Errorf("ByName(%q) found a schema", name)
		}
	}
	if _, ok := ByTopic(topics.UserEventsDLQ); ok {
		t.Errorf("ByTopic(%q) found a schema; the DLQ carries raw rejected payloads", topics.UserEventsDLQ)
	}
	if _, err := Parse("Nope"); !errors.Is(err, ErrUnknownSchema) {
		t.Errorf("Parse(Nope) error = %v, want ErrUnknownSchema", err)
	}
}

func TestParseIsCachedAndMatchesFile(t *testing.T) {
	for _, s := range All() {
		a, err := Parse(s.Name)
		if err != nil {
			t.Fatalf("Parse(%s): %v", s.Name, err)
		}
		b, err := Parse(s.FullName())
		if err != nil {
			t.Fatalf("Parse(%s): %v", s.FullName(), err)
		}
		if a != b {
			t.Errorf("Parse(%s) returned a different instance on the second call", s.Name)
		}
		rec, ok := a.(*hamba.RecordSchema)
		if !ok {
			t.Fatalf("%s parsed to %T, want a record", s.Name, a)
		}
		if rec.FullName() != s.FullName() || rec.Namespace() != Namespace {
			t.Errorf("%s parsed as %s", s.Name, rec.FullName())
		}
		// An independent parse must agree, so the cache cannot hold a stale
		// or cross-contaminated schema.
		fresh, err := hamba.ParseWithCache(s.Text, "", &hamba.SchemaCache{})
		if err != nil {
			t.Fatalf("parsing %s: %v", s.File, err)
		}
		if fresh.Fingerprint() != a.Fingerprint() {
			t.Errorf("%s: cached schema fingerprint differs from a fresh parse", s.Name)
		}
	}
}

// TestSchemaFilesAreStrict goes beyond what Avro parsers enforce: every
// record, enum and field is documented, no unknown (misspelt) attribute slips
// through, nullable fields are ["null", T] with default null, and enums carry
// a default symbol so that adding symbols stays FORWARD compatible.
func TestSchemaFilesAreStrict(t *testing.T) {
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(s.Text))
			dec.UseNumber()
			var root map[string]any
			if err := dec.Decode(&root); err != nil {
				t.Fatalf("%s is not a JSON object: %v", s.File, err)
			}
			if dec.More() {
				t.Fatalf("%s has content after the schema object", s.File)
			}
			if root["type"] != "record" || root["name"] != s.Name || root["namespace"] != Namespace {
				t.Errorf("%s: top level must be record %s in namespace %s, got type=%v name=%v namespace=%v",
					s.File, s.Name, Namespace, root["type"], root["name"], root["namespace"])
			}
			var l linter
			l.node(root, "$")
			for _, p := range l.problems {
				t.Errorf("%s: %s", s.File, p)
			}
		})
	}
}

type linter struct{ problems []string }

var (
	fieldNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	typeNameRe  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	logicalBase = map[string]string{"uuid": "string", "timestamp-millis": "long"}
)

func (l *linter) errorf(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *linter) allowKeys(obj map[string]any, path string, allowed ...string) {
	for k := range obj {
		if !slices.Contains(allowed, k) {
			l.errorf("%s: unexpected attribute %q", path, k)
		}
	}
}

func (l *linter) doc(obj map[string]any, path string) {
	if d, _ := obj["doc"].(string); strings.TrimSpace(d) == "" {
		l.errorf("%s: missing or empty doc", path)
	}
}

func (l *linter) node(n any, path string) {
	switch v := n.(type) {
	case string:
		return
	case []any:
		for i, b := range v {
			if i > 0 && b == "null" {
				l.errorf("%s: null must be the first union branch so that default null is valid", path)
			}
			l.node(b, fmt.Sprintf("%s[%d]", path, i))
		}
	case map[string]any:
		l.object(v, path)
	default:
		l.errorf("%s: unexpected JSON %T", path, n)
	}
}

func (l *linter) object(obj map[string]any, path string) {
	typ, _ := obj["type"].(string)
	switch typ {
	case "record":
		l.allowKeys(obj, path, "type", "name", "namespace", "doc", "fields", "aliases")
		l.doc(obj, path)
		if name, _ := obj["name"].(string); !typeNameRe.MatchString(name) {
			l.errorf("%s: record name %q is not UpperCamelCase", path, name)
		}
		fields, _ := obj["fields"].([]any)
		if len(fields) == 0 {
			l.errorf("%s: record has no fields", path)
		}
		seen := map[string]bool{}
		for i, f := range fields {
			l.field(f, fmt.Sprintf("%s.fields[%d]", path, i), seen)
		}
	case "enum":
		l.allowKeys(obj, path, "type", "name", "namespace", "doc", "symbols", "default", "aliases")
		l.doc(obj, path)
		symbols, _ := obj["symbols"].([]any)
		def, ok := obj["default"].(string)
		if !ok || !slices.Contains(symbols, any(def)) {
			l.errorf("%s: enum needs a default that is one of its symbols, got %v", path, obj["default"])
		}
	case "array":
		l.allowKeys(obj, path, "type", "items")
		l.node(obj["items"], path+".items")
	case "map":
		l.allowKeys(obj, path, "type", "values")
		l.node(obj["values"], path+".values")
	default:
		l.allowKeys(obj, path, "type", "logicalType")
		lt, _ := obj["logicalType"].(string)
		if base, ok := logicalBase[lt]; !ok || base != typ {
			l.errorf("%s: unexpected type object %v", path, obj)
		}
	}
}

func (l *linter) field(f any, path string, seen map[string]bool) {
	obj, ok := f.(map[string]any)
	if !ok {
		l.errorf("%s: field is not an object", path)
		return
	}
	name, _ := obj["name"].(string)
	path = fmt.Sprintf("%s(%s)", path, name)
	l.allowKeys(obj, path, "name", "type", "doc", "default", "aliases", "order")
	l.doc(obj, path)
	if !fieldNameRe.MatchString(name) {
		l.errorf("%s: field name is not snake_case", path)
	}
	if seen[name] {
		l.errorf("%s: duplicate field", path)
	}
	seen[name] = true
	if u, isUnion := obj["type"].([]any); isUnion && len(u) > 0 && u[0] == "null" {
		if def, has := obj["default"]; !has || def != nil {
			l.errorf("%s: nullable field must default to null", path)
		}
	}
	l.node(obj["type"], path+".type")
}

// TestGoTypesMatchSchemas keeps the structs in lockstep with the .avsc files:
// same fields in the same order, each with exactly the Go type this package
// maps the Avro type to. hamba alone would not catch a struct that lacks a
// field with a default: it would silently write the default.
func TestGoTypesMatchSchemas(t *testing.T) {
	types := map[string]reflect.Type{
		NameUserEvent:         reflect.TypeFor[UserEvent](),
		NameBehaviorAggregate: reflect.TypeFor[BehaviorAggregate](),
		NameSessionFeatures:   reflect.TypeFor[SessionFeatures](),
		NameProfileUpdate:     reflect.TypeFor[ProfileUpdate](),
		NameCatalogItem:       reflect.TypeFor[CatalogItem](),
	}
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			ps, err := Parse(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			rec := ps.(*hamba.RecordSchema)
			gt := types[s.Name]
			if gt.NumField() != len(rec.Fields()) {
				t.Errorf("%s has %d fields, schema has %d", gt.Name(), gt.NumField(), len(rec.Fields()))
			}
			for i, f := range rec.Fields() {
				if i >= gt.NumField() {
					t.Errorf("schema field %s has no Go field", f.Name())
					continue
				}
				sf := gt.Field(i)
				if tag := sf.Tag.Get("avro"); tag != f.Name() {
					t.Errorf("Go field %d (%s) has tag %q, schema field %d is %q", i, sf.Name, tag, i, f.Name())
				}
				want, err := goTypeFor(f.Type())
				if err != nil {
					t.Errorf("field %s: %v", f.Name(), err)
					continue
				}
				if sf.Type != want {
					t.Errorf("field %s: Go type %v, want %v", f.Name(), sf.Type, want)
				}
			}
		})
	}
}

func goTypeFor(s hamba.Schema) (reflect.Type, error) {
	if ls, ok := s.(hamba.LogicalTypeSchema); ok && ls.Logical() != nil {
		switch ls.Logical().Type() {
		case hamba.TimestampMillis:
			return reflect.TypeFor[time.Time](), nil
		case hamba.UUID:
			return reflect.TypeFor[string](), nil
		}
		return nil, fmt.Errorf("no Go mapping for logical type %s", ls.Logical().Type())
	}
	switch s := s.(type) {
	case *hamba.PrimitiveSchema:
		switch s.Type() {
		case hamba.String:
			return reflect.TypeFor[string](), nil
		case hamba.Int:
			return reflect.TypeFor[int32](), nil
		case hamba.Long:
			return reflect.TypeFor[int64](), nil
		case hamba.Float:
			return reflect.TypeFor[float32](), nil
		case hamba.Double:
			return reflect.TypeFor[float64](), nil
		case hamba.Boolean:
			return reflect.TypeFor[bool](), nil
		}
	case *hamba.EnumSchema:
		if s.Name() == "EventType" {
			return reflect.TypeFor[EventType](), nil
		}
	case *hamba.ArraySchema:
		elem, err := goTypeFor(s.Items())
		if err != nil {
			return nil, err
		}
		return reflect.SliceOf(elem), nil
	case *hamba.MapSchema:
		elem, err := goTypeFor(s.Values())
		if err != nil {
			return nil, err
		}
		return reflect.MapOf(reflect.TypeFor[string](), elem), nil
	case *hamba.UnionSchema:
		if s.Nullable() {
			for _, b := range s.Types() {
				if b.Type() != hamba.Null {
					elem, err := goTypeFor(b)
					if err != nil {
						return nil, err
					}
					return reflect.PointerTo(elem), nil
				}
			}
		}
	}
	return nil, fmt.Errorf("no Go mapping for %s", s.String())
}

func TestEventTypesMatchEnum(t *testing.T) {
	ps, err := Parse(NameUserEvent)
	if err != nil {
		t.Fatal(err)
	}
	f := fieldByName(ps.(*hamba.RecordSchema), "event_type")
	enum := f.Type().(*hamba.EnumSchema)
	var got []string
	for _, e := range EventTypes() {
		got = append(got, string(e))
		if !e.Valid() {
			t.Errorf("%s.Valid() = false", e)
		}
	}
	if !slices.Equal(got, enum.Symbols()) {
		t.Errorf("EventTypes() = %v, schema symbols %v", got, enum.Symbols())
	}
	if enum.Default() != string(EventUnknown) {
		t.Errorf("enum default = %q, want %q", enum.Default(), EventUnknown)
	}
	for _, bad := range []EventType{"", "page_view", "WISHLIST_ADD"} {
		if bad.Valid() {
			t.Errorf("%q.Valid() = true", bad)
		}
	}
}

func fieldByName(rec *hamba.RecordSchema, name string) *hamba.Field {
	for _, f := range rec.Fields() {
		if f.Name() == name {
			return f
		}
	}
	return nil
}
