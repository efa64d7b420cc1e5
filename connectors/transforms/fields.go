package transforms

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// InsertFieldSpec is InsertField's config. Kafka's partition.field and
// offset.field are not offered: transformations here see the record parts
// sinks and sources share.
var InsertFieldSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "topic.field", Type: connectors.TypeString, Default: "", Importance: connectors.Medium,
		Documentation: "Field name for the Kafka topic. Suffix with ! to make it required, ? to keep it optional (the default)."},
	connectors.ConfigKey{Name: "timestamp.field", Type: connectors.TypeString, Default: "", Importance: connectors.Medium,
		Documentation: "Field name for the record timestamp. Suffix with ! or ? as for topic.field."},
	connectors.ConfigKey{Name: "static.field", Type: connectors.TypeString, Default: "", Importance: connectors.Medium,
		Documentation: "Field name for the static data field. Suffix with ! or ? as for topic.field."},
	connectors.ConfigKey{Name: "static.value", Type: connectors.TypeString, Default: "", Importance: connectors.Medium,
		Documentation: "Static field value, if a field name is configured."},
)

type insertSpec struct {
	name     string
	optional bool
}

func parseInsert(raw string) (insertSpec, bool) {
	if raw == "" {
		return insertSpec{}, false
	}
	if n, ok := strings.CutSuffix(raw, "!"); ok {
		return insertSpec{name: n}, true
	}
	return insertSpec{name: strings.TrimSuffix(raw, "?"), optional: true}, true
}

// InsertField adds the topic, timestamp or a static value as fields of the
// key or value, which must be a struct or a map.
type InsertField struct {
	key                     bool
	topic, ts, static       insertSpec
	hasTopic, hasTS, hasSta bool
	staticValue             string
	schemas                 map[*connectors.Schema]*connectors.Schema
}

// Configure implements connectors.Transformation.
func (t *InsertField) Configure(cfg *connectors.Config) error {
	t.topic, t.hasTopic = parseInsert(cfg.String("topic.field"))
	t.ts, t.hasTS = parseInsert(cfg.String("timestamp.field"))
	t.static, t.hasSta = parseInsert(cfg.String("static.field"))
	t.staticValue = cfg.String("static.value")
	if !t.hasTopic && !t.hasTS && !t.hasSta {
		return errors.New("configuring InsertField: no field to insert; set topic.field, timestamp.field or static.field")
	}
	t.schemas = map[*connectors.Schema]*connectors.Schema{}
	return nil
}

// Apply implements connectors.Transformation.
func (t *InsertField) Apply(rec connectors.Record) (connectors.Record, bool, error) {
	v, s := operand(&rec, t.key)
	if v == nil {
		return rec, true, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return rec, false, fmt.Errorf("applying InsertField: %w: needs a struct or map, got %T", connectors.ErrSchemaMismatch, v)
	}
	out := make(map[string]any, len(m)+3)
	for k, e := range m {
		out[k] = e
	}
	if t.hasTopic {
		out[t.topic.name] = rec.Topic
	}
	if t.hasTS && !rec.Timestamp.IsZero() {
		out[t.ts.name] = rec.Timestamp.UTC().Truncate(time.Millisecond)
	}
	if t.hasSta {
		out[t.static.name] = t.staticValue
	}
	if s != nil && s.Type == connectors.Struct {
		s = t.schemaFor(s)
	}
	setOperand(&rec, t.key, out, s)
	return rec, true, nil
}

func (t *InsertField) schemaFor(s *connectors.Schema) *connectors.Schema {
	if d, ok := t.schemas[s]; ok {
		return d
	}
	d := *s
	d.Name = ""
	d.Fields = slices.Clone(s.Fields)
	add := func(spec insertSpec, fs *connectors.Schema) {
		if spec.optional {
			fs = connectors.OptionalOf(fs)
		}
		d.Fields = append(d.Fields, connectors.Field{Name: spec.name, Schema: fs})
	}
	if t.hasTopic {
		add(t.topic, connectors.Primitive(connectors.String))
	}
	if t.hasTS {
		add(t.ts, &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName, Version: 1})
	}
	if t.hasSta {
		add(t.static, connectors.Primitive(connectors.String))
	}
	t.schemas[s] = &d
	return &d
}

// ReplaceFieldSpec is ReplaceField's config.
var ReplaceFieldSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "exclude", Type: connectors.TypeList, Default: []string{}, Importance: connectors.Medium,
		Documentation: "Fields to exclude. This takes precedence over the fields to include."},
	connectors.ConfigKey{Name: "include", Type: connectors.TypeList, Default: []string{}, Importance: connectors.Medium,
		Documentation: "Fields to include. If specified, only these fields will be used."},
	connectors.ConfigKey{Name: "renames", Type: connectors.TypeList, Default: []string{}, Importance: connectors.Medium,
		Validators: []connectors.Validator{connectors.ValidatorFunc("list of colon-delimited pairs, e.g. foo:bar,abc:xyz", func(v any) error {
			for _, p := range v.([]string) {
				if from, to, ok := strings.Cut(p, ":"); !ok || from == "" || to == "" {
					return fmt.Errorf("Invalid rename mapping: %s", p)
				}
			}
			return nil
		})},
		Documentation: "Field rename mappings, as from:to pairs."},
)

// ReplaceField filters and renames fields of the key or value.
type ReplaceField struct {
	key              bool
	exclude, include []string
	renames          map[string]string
	schemas          map[*connectors.Schema]*connectors.Schema
}

// Configure implements connectors.Transformation.
func (t *ReplaceField) Configure(cfg *connectors.Config) error {
	t.exclude, t.include = cfg.List("exclude"), cfg.List("include")
	t.renames = map[string]string{}
	for _, p := range cfg.List("renames") {
		from, to, _ := strings.Cut(p, ":")
		t.renames[from] = to
	}
	t.schemas = map[*connectors.Schema]*connectors.Schema{}
	return nil
}

func (t *ReplaceField) keep(name string) bool {
	return !slices.Contains(t.exclude, name) && (len(t.include) == 0 || slices.Contains(t.include, name))
}

func (t *ReplaceField) rename(name string) string {
	if to, ok := t.renames[name]; ok {
		return to
	}
	return name
}

// Apply implements connectors.Transformation.
func (t *ReplaceField) Apply(rec connectors.Record) (connectors.Record, bool, error) {
	v, s := operand(&rec, t.key)
	if v == nil {
		return rec, true, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return rec, false, fmt.Errorf("applying ReplaceField: %w: needs a struct or map, got %T", connectors.ErrSchemaMismatch, v)
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if t.keep(k) {
			out[t.rename(k)] = e
		}
	}
	if s != nil && s.Type == connectors.Struct {
		d, ok := t.schemas[s]
		if !ok {
			c := *s
			c.Name, c.Fields = "", nil
			for _, f := range s.Fields {
				if t.keep(f.Name) {
					c.Fields = append(c.Fields, connectors.Field{Name: t.rename(f.Name), Schema: f.Schema})
				}
			}
			d = &c
			t.schemas[s] = d
		}
		s = d
	}
	setOperand(&rec, t.key, out, s)
	return rec, true, nil
}

// ExtractFieldSpec is ExtractField's config.
var ExtractFieldSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: "field", Type: connectors.TypeString, Required: true,
		Validators: []connectors.Validator{connectors.NonEmptyString()}, Importance: connectors.Medium,
		Documentation: "Field name to extract."},
)

// ExtractField replaces the key or value by one of its fields.
type ExtractField struct {
	key   bool
	field string
}

// Configure implements connectors.Transformation.
func (t *ExtractField) Configure(cfg *connectors.Config) error {
	t.field = cfg.String("field")
	return nil
}

// Apply implements connectors.Transformation.
func (t *ExtractField) Apply(rec connectors.Record) (connectors.Record, bool, error) {
	v, s := operand(&rec, t.key)
	if v == nil {
		return rec, true, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return rec, false, fmt.Errorf("applying ExtractField: %w: needs a struct or map, got %T", connectors.ErrSchemaMismatch, v)
	}
	var fs *connectors.Schema
	if s != nil {
		f := s.Field(t.field)
		if f == nil {
			return rec, false, fmt.Errorf("applying ExtractField: %w: no field %q in schema", connectors.ErrSchemaMismatch, t.field)
		}
		fs = f.Schema
	}
	setOperand(&rec, t.key, m[t.field], fs)
	return rec, true, nil
}
